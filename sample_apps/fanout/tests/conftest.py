"""A real upstream inventory service on 127.0.0.1, and the app pointed at it."""

import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fanout import create_app

ITEM_PATH = re.compile(r"^/items/(\d+)$")
KNOWN_ITEMS = range(1, 10_000)


class UpstreamHandler(BaseHTTPRequestHandler):
    """The upstream API the app integrates with.

    GET /items/<id> -> {"id": id, "value": id * 2} (404 for unknown ids)
    POST /echo      -> the raw request body, same Content-Type
    GET /old        -> 302 to /items/1
    GET /fail       -> 500
    """

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, keep-alive clients wait
    # for the delayed ACK (~40 ms) on every call.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        pass

    def _record(self, body=b""):
        self.server.record(self.command, self.path, dict(self.headers), body)

    def _send(self, status, body=b"", content_type="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status, data, headers=()):
        self._send(status, json.dumps(data).encode(), headers=headers)

    def do_GET(self):
        self._record()
        path = self.path.split("?", 1)[0]
        match = ITEM_PATH.match(path)
        if match:
            item_id = int(match.group(1))
            if item_id in KNOWN_ITEMS:
                self._send_json(200, {"id": item_id, "value": item_id * 2})
            else:
                self._send_json(404, {"error": f"no item {item_id}"})
        elif path == "/old":
            self._send(302, headers=[("Location", "/items/1")])
        elif path == "/fail":
            self._send_json(500, {"error": "internal failure"})
        else:
            self._send_json(404, {"error": "no such path"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        self._record(body)
        if self.path == "/echo":
            content_type = self.headers.get("Content-Type", "application/octet-stream")
            self._send(200, body, content_type=content_type)
        else:
            self._send_json(404, {"error": "no such path"})


class UpstreamServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), UpstreamHandler)
        self._lock = threading.Lock()
        self.requests = []

    @property
    def url(self):
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def record(self, method, path, headers, body):
        with self._lock:
            self.requests.append({"method": method, "path": path, "headers": headers, "body": body})

    def paths(self):
        with self._lock:
            return [r["path"] for r in self.requests]

    def reset(self):
        with self._lock:
            self.requests.clear()


@pytest.fixture(scope="session")
def upstream_server():
    server = UpstreamServer()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def upstream(upstream_server):
    upstream_server.reset()
    return upstream_server


@pytest.fixture
def app(upstream, monkeypatch):
    monkeypatch.setenv("UPSTREAM_URL", upstream.url)
    app = create_app()
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def closed_port_url():
    """A loopback URL nothing listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def silent_server_url():
    """A loopback server that accepts connections but never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
