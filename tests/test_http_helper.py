"""The generated ``http_client`` module, run for real against a loopback server, per transport.

What it promises (see ``codemods/_http_helper.py``): one client per event loop (a second
``asyncio.run``, or pytest-asyncio's next test, gets a fresh one instead of "Event loop is
closed"), every client closed when its loop shuts down even without ``after_serving``, requests'
defaults (redirects followed, no cookies kept by module-level calls, a refused connection is a
``ConnectError``), a ``SharedSession`` that keeps headers and cookies, ``gather_limited``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from flask2quart.codemods._http_helper import TRANSPORTS, helper_source


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/old":
            self.send_response(302)
            self.send_header("Location", "/echo")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = repr(sorted((k.lower(), v) for k, v in self.headers.items())).encode()
        self.send_response(200)
        self.send_header("Set-Cookie", "seen=1; Path=/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _load(transport: str, folder: Path) -> ModuleType:
    path = folder / f"http_client_{transport}.py"
    path.write_text(helper_source(transport))  # type: ignore[arg-type]
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    created: list[Any] = []
    original = module.new_http_client

    def recording(**kwargs: Any) -> Any:
        client = original(**kwargs)
        created.append(client)
        return client

    module.new_http_client = recording
    module.created = created  # type: ignore[attr-defined]
    return module


@pytest.fixture(params=TRANSPORTS)
def helper(request: pytest.FixtureRequest, tmp_path: Path) -> ModuleType:
    return _load(str(request.param), tmp_path)


def _closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_one_client_per_loop_closed_at_loop_shutdown(helper: ModuleType, server_url: str) -> None:
    async def calls() -> tuple[int, str]:
        first = await helper.http_client().get(server_url + "/echo")
        second = await helper.http_client().get(server_url + "/old")  # redirect followed
        assert helper.http_client() is helper.http_client()
        return first.status_code, second.text

    for _ in range(2):  # a module-global client would fail here with "Event loop is closed"
        status, text = asyncio.run(calls())
        assert status == 200
        assert "('cookie'" not in text  # requests' module functions keep no cookies
    assert len(helper.created) == 2
    assert all(client.is_closed for client in helper.created)


def test_close_http_client_closes_the_loops_clients(helper: ModuleType, server_url: str) -> None:
    async def serve() -> None:
        await helper.http_client().get(server_url + "/echo")
        await helper.http_client(verify=False).get(server_url + "/echo")
        await helper.close_http_client()  # what after_serving runs

    asyncio.run(serve())
    assert len(helper.created) == 2
    assert all(client.is_closed for client in helper.created)


def test_shared_session_keeps_headers_and_cookies_across_loops(
    helper: ModuleType, server_url: str
) -> None:
    session = helper.SharedSession()
    session.headers.update({"X-App": "fanout"})

    async def call() -> str:
        response = await session.get(server_url + "/echo")
        return str(response.text)

    first = asyncio.run(call())
    second = asyncio.run(call())
    assert "('x-app', 'fanout')" in first
    assert "('cookie', 'seen=1')" not in first
    assert "('cookie', 'seen=1')" in second  # the session's jar outlives the first loop
    assert all(client.is_closed for client in helper.created)


def test_refused_connection_is_a_connect_error(helper: ModuleType) -> None:
    httpx: Any = importlib.import_module("httpx2" if "httpx2" in helper.__name__ else "httpx")

    async def call() -> None:
        await helper.http_client().get(_closed_port())

    with pytest.raises(httpx.ConnectError) as error:
        asyncio.run(call())
    assert error.value.request.url.host == "127.0.0.1"


def test_gather_limited_keeps_order(helper: ModuleType, server_url: str) -> None:
    async def calls() -> list[int]:
        urls = [f"{server_url}/echo?i={i}" for i in range(30)]
        responses = await helper.gather_limited(4, (helper.http_client().get(u) for u in urls))
        return [int(str(r.request.url).rsplit("=", 1)[1]) for r in responses]

    assert asyncio.run(calls()) == list(range(30))


@pytest.fixture(scope="module")
def one_helper(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """One module for several tests, as an app's import is: each test runs on a new loop."""
    return _load("aiohttp", tmp_path_factory.mktemp("helper"))


@pytest.mark.asyncio
@pytest.mark.parametrize("run", [1, 2, 3])
async def test_a_new_pytest_asyncio_loop_per_test(
    one_helper: ModuleType, server_url: str, run: int
) -> None:
    assert (await one_helper.http_client().get(server_url + "/echo")).status_code == 200
    assert len(one_helper.created) == run
    assert all(client.is_closed for client in one_helper.created[:-1])
