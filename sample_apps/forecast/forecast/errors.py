class UpstreamError(Exception):
    def __init__(self, message, status_code=502, upstream_status=None):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.upstream_status = upstream_status

    def to_dict(self):
        data = {"error": self.message}
        if self.upstream_status is not None:
            data["upstream_status"] = self.upstream_status
        return data
