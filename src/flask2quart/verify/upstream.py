"""Mock upstream HTTP services on loopback, for apps that call other services.

Both apps are pointed at the same mock through an environment variable, so they see the same
answers after the same (random, seeded) delays. One process serves every upstream of a scenario,
each on its own port: ``python -m flask2quart.verify.upstream CONFIG.json`` prints one JSON line
``{"name": port, ...}`` once every server listens, then serves until it is killed.

It is an asyncio ``Protocol`` server with httptools parsing; the delay is a ``call_later``, so
thousands of requests can wait at once without threads and the mock does not become the
bottleneck. Keep-alive is honoured, as a real service behind a pool would.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import random
import re
import sys
from collections.abc import Mapping
from dataclasses import asdict
from http import HTTPStatus
from pathlib import Path

import httptools

from flask2quart.verify.scenario import Latency, Upstream, UpstreamRoute, Value, render

SEGMENT = re.compile(r"<(?:(int|string):)?([A-Za-z_]\w*)>")


def compile_path(pattern: str) -> re.Pattern[str]:
    """``/items/<int:id>`` → a regex with one named group per converter."""
    parts, position = [], 0
    for match in SEGMENT.finditer(pattern):
        parts.append(re.escape(pattern[position : match.start()]))
        converter, name = match.group(1), match.group(2)
        parts.append(f"(?P<{name}>\\d+)" if converter == "int" else f"(?P<{name}>[^/]+)")
        position = match.end()
    parts.append(re.escape(pattern[position:]))
    return re.compile("".join(parts))


def delay_seconds(latency: Latency, rng: random.Random) -> float:
    mean, spread = latency.mean_ms / 1000, latency.sd_ms / 1000
    if latency.distribution == "normal":
        return max(0.0, rng.gauss(mean, spread))
    if latency.distribution == "lognormal" and mean > 0:
        # Parameters of the underlying normal for the given mean and standard deviation.
        sigma2 = math.log(1 + (spread / mean) ** 2)
        return rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))
    return mean


class Router:
    def __init__(self, upstream: Upstream) -> None:
        self.routes = [(route, compile_path(route.path)) for route in upstream.routes]

    def respond(self, method: str, path: str, body: bytes, content_type: str = "") -> bytes:
        for route, pattern in self.routes:
            match = pattern.fullmatch(path)
            if match and route.method == method:
                values = _typed(match.groupdict(), route.path)
                return build_response(route, values, body, content_type)
        return _response(404, {"Content-Type": "application/json"}, b'{"error":"no mock route"}')


def _typed(values: Mapping[str, str], pattern: str) -> dict[str, Value]:
    integers = {m.group(2) for m in SEGMENT.finditer(pattern) if m.group(1) == "int"}
    return {name: int(value) if name in integers else value for name, value in values.items()}


def build_response(
    route: UpstreamRoute, values: Mapping[str, Value], request_body: bytes, content_type: str = ""
) -> bytes:
    headers = dict(route.headers)
    if route.echo:
        # An echo service answers with the request's body and its Content-Type.
        payload = request_body
        headers.setdefault("Content-Type", content_type or "application/octet-stream")
    elif route.json is not None:
        payload = json.dumps(render(route.json, values), separators=(",", ":")).encode()
        headers.setdefault("Content-Type", "application/json")
    elif route.body is not None:
        payload = str(render(route.body, values)).encode()
        headers.setdefault("Content-Type", "text/plain; charset=utf-8")
    else:
        payload = b""
    return _response(route.status, headers, payload)


def _response(status: int, headers: Mapping[str, str], payload: bytes) -> bytes:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


class MockProtocol(asyncio.Protocol):
    def __init__(self, router: Router, latency: Latency, rng: random.Random) -> None:
        self.router, self.latency, self.rng = router, latency, rng
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.body = bytearray()
        self.content_type = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            if self.transport is not None:
                self.transport.write(_response(400, {}, b""))
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None

    def on_message_begin(self) -> None:
        self.url, self.body, self.content_type = b"", bytearray(), ""

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == b"content-type":
            self.content_type = value.decode("latin-1")

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body += body

    def on_message_complete(self) -> None:
        method = self.parser.get_method().decode()
        path = httptools.parse_url(self.url).path.decode()
        response = self.router.respond(method, path, bytes(self.body), self.content_type)
        keep_alive = self.parser.should_keep_alive()
        loop = asyncio.get_running_loop()
        loop.call_later(delay_seconds(self.latency, self.rng), self.reply, response, keep_alive)

    def reply(self, response: bytes, keep_alive: bool) -> None:
        # Replies can leave out of order when delays differ; HTTP/1.1 clients do not pipeline
        # here (one request per connection at a time), so order within a connection holds.
        if self.transport is None:
            return
        self.transport.write(response)
        if not keep_alive:
            self.transport.close()


async def serve(upstreams: list[Upstream], seed: int) -> None:
    loop = asyncio.get_running_loop()
    ports: dict[str, int] = {}
    servers = []
    for index, upstream in enumerate(upstreams):
        server = await loop.create_server(
            functools.partial(
                MockProtocol, Router(upstream), upstream.latency, random.Random(seed + index)
            ),
            "127.0.0.1",
            0,
            backlog=4096,
        )
        servers.append(server)
        ports[upstream.name] = server.sockets[0].getsockname()[1]
    sys.stdout.write(json.dumps(ports) + "\n")
    sys.stdout.flush()
    await asyncio.gather(*(server.serve_forever() for server in servers))


def write_config(upstreams: tuple[Upstream, ...], seed: int, path: Path) -> None:
    path.write_text(json.dumps({"seed": seed, "upstreams": [asdict(u) for u in upstreams]}))


def read_config(path: Path) -> tuple[list[Upstream], int]:
    data = json.loads(path.read_text())
    upstreams = [
        Upstream(
            name=item["name"],
            env=item["env"],
            latency=Latency(**item["latency"]),
            routes=tuple(UpstreamRoute(**route) for route in item["routes"]),
        )
        for item in data["upstreams"]
    ]
    return upstreams, int(data["seed"])


def main() -> None:
    upstreams, seed = read_config(Path(sys.argv[1]))
    asyncio.run(serve(upstreams, seed))


if __name__ == "__main__":
    main()
