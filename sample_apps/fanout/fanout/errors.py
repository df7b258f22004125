"""How upstream failures are reported to our own clients."""


class UpstreamError(Exception):
    """The upstream service failed; answered as JSON with a 502/503/504 status."""

    def __init__(self, message, status_code=502, upstream_status=None):
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.upstream_status = upstream_status

    def to_dict(self):
        body = {"error": self.message}
        if self.upstream_status is not None:
            body["upstream_status"] = self.upstream_status
        return body
