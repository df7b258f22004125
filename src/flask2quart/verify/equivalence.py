"""Equivalence: both apps must answer every scenario request alike before load is compared.

Each request is sent as the same bytes to both servers (``Connection: close``, one at a time).
Compared: status code, media type of ``Content-Type`` (and its charset when both give one), the
body — structurally for JSON (key order and whitespace do not matter; list order does), byte for
byte otherwise — and the headers the scenario names in ``compare_headers``. Differences are
listed; the caller fails the run unless told to skip this check.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field

import httptools

from flask2quart.verify.scenario import ConcreteRequest

MAX_SHOWN = 200  # characters of a body shown in a difference


@dataclass
class Response:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str = ""


class _Collector:
    def __init__(self) -> None:
        self.response = Response()
        self.done = False
        self._name = ""

    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        previous = self.response.headers.get(key)
        self.response.headers[key] = f"{previous}, {text}" if previous else text

    def on_body(self, body: bytes) -> None:
        self.response.body += body

    def on_message_complete(self) -> None:
        self.done = True


def fetch(port: int, request: ConcreteRequest, timeout: float = 30.0) -> Response:
    """Send one request on a fresh connection and read the whole response."""
    collector = _Collector()
    parser = httptools.HttpResponseParser(collector)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(request.raw(close=True))
            while not collector.done:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                parser.feed_data(chunk)
    except (OSError, httptools.HttpParserError) as error:
        return Response(error=f"{type(error).__name__}: {error}")
    if not collector.done:
        return Response(error="the connection closed before the response was complete")
    collector.response.status = parser.get_status_code()
    return collector.response


@dataclass(frozen=True)
class Difference:
    request: str  # "GET /path"
    aspect: str  # status / content-type / body / header name / error
    original: str
    converted: str

    def format(self) -> str:
        return (
            f"{self.request}: {self.aspect} differs: "
            f"original {self.original} ≠ converted {self.converted}"
        )


def _media_type(value: str) -> tuple[str, str | None]:
    parts = [part.strip() for part in value.split(";")]
    charset = next(
        (
            p.split("=", 1)[1].strip('"').lower()
            for p in parts[1:]
            if p.lower().startswith("charset=")
        ),
        None,
    )
    return parts[0].lower(), charset


def _shorten(data: bytes | str) -> str:
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return repr(text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…")


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def compare(
    request: ConcreteRequest, original: Response, converted: Response, headers: tuple[str, ...]
) -> list[Difference]:
    """Every way the two responses to ``request`` differ (pure: no I/O)."""
    label = f"{request.method} {request.target}"
    if original.error or converted.error:
        if original.error and converted.error:
            return []
        return [Difference(label, "error", original.error or "none", converted.error or "none")]
    found: list[Difference] = []
    if original.status != converted.status:
        found.append(Difference(label, "status", str(original.status), str(converted.status)))
    type_a = _media_type(original.headers.get("content-type", ""))
    type_b = _media_type(converted.headers.get("content-type", ""))
    if type_a[0] != type_b[0] or (type_a[1] and type_b[1] and type_a[1] != type_b[1]):
        found.append(
            Difference(
                label,
                "content-type",
                original.headers.get("content-type", "(none)"),
                converted.headers.get("content-type", "(none)"),
            )
        )
    if request.compare_body:
        found.extend(_compare_bodies(label, type_a[0], original.body, converted.body))
    for name in headers:
        a, b = original.headers.get(name), converted.headers.get(name)
        if a != b:
            found.append(Difference(label, f"header {name}", repr(a), repr(b)))
    return found


def _compare_bodies(label: str, media_type: str, a: bytes, b: bytes) -> list[Difference]:
    if a == b:
        return []
    if _is_json(media_type):
        try:
            if json.loads(a) == json.loads(b):
                return []
        except ValueError:
            pass
    return [Difference(label, "body", _shorten(a), _shorten(b))]


def check(
    requests: list[ConcreteRequest], port_a: int, port_b: int, headers: tuple[str, ...]
) -> list[Difference]:
    differences: list[Difference] = []
    for request in requests:
        differences.extend(
            compare(request, fetch(port_a, request), fetch(port_b, request), headers)
        )
    return differences
