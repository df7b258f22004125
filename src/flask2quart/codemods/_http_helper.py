"""The text of the helper module generated into a converted app (``http_client.py``).

One module serves every converted call: ``http_client()`` (the shared client of the running
event loop), ``SharedSession`` (what a ``requests.Session`` becomes), ``requests_timeout()``
and ``gather_limited()``. The transport is a setting: ``aiohttp`` (httpx's API over
httpx-aiohttp, the default: plain httpx costs 3-5x the CPU of requests, spec §0.8), ``httpcore``
(plain httpx) or ``httpx2``. The text is kept as plain source so a reviewer reads exactly what
lands in their app; a test runs it under Quart's test client, pytest-asyncio and hypercorn.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from typing import Literal

from ._generated import MARKER, generated_module

Transport = Literal["aiohttp", "httpcore", "httpx2"]
TRANSPORTS: tuple[Transport, ...] = ("aiohttp", "httpcore", "httpx2")
MODULE_NAME = "http_client"

# Distribution names the converted project needs, per transport.
DEPENDENCIES: dict[Transport, tuple[str, ...]] = {
    "aiohttp": ("httpx>=0.28", "httpx-aiohttp>=0.2"),
    "httpcore": ("httpx>=0.28",),
    "httpx2": ("httpx2>=2.16",),
}


def client_module(transport: str) -> str:
    """The module converted code imports for exceptions, ``Timeout``, ``BasicAuth`` ..."""
    return "httpx2" if transport == "httpx2" else "httpx"


_HEADER = '''\
{marker} (`migrate`): the app's shared HTTP client. Edit freely.
"""One HTTP client per event loop for every converted `requests` call.

* `http_client()` returns the running loop's `{module}.AsyncClient`, created on
  first use. It is closed when the app stops serving (`close_http_client`, registered
  with `after_serving` where the app is created) or, where no serving hooks run
  (Quart's test client, pytest-asyncio's new loop per test, `asyncio.run`), when its
  loop shuts down. A module-global client would fail on the second loop with
  "Event loop is closed".
* Its defaults keep requests' behaviour: redirects followed (30 at most), no
  timeout, and no cookies kept between calls (`requests.get` kept none).
* `SharedSession` is what a `requests.Session` became: its settings (headers, auth,
  cookies, verify, cert, proxies) live on it and may change at any time, as on the
  session; the I/O goes through one client per loop sharing its cookie jar.
* {transport_doc}
* At most MAX_CONNECTIONS connections per client; callers wait for a free one (no
  pool timeout: requests has none), so `asyncio.gather` cannot exhaust the pool.
"""

from __future__ import annotations

{stdlib}
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Iterable
from typing import Any, TypeVar

{imports}

MAX_CONNECTIONS = 100
LIMITS = {module}.Limits(
    max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
)
T = TypeVar("T")
'''

_TRANSPORTS: dict[Transport, tuple[str, str, str]] = {
    "aiohttp": (
        "Transport: httpx's API over aiohttp (httpx-aiohttp): several times less CPU\n"
        "  per call than httpx's default transport. aiohttp keeps no cookies of its own\n"
        "  here: httpx decides, as it would alone.",
        "import aiohttp\nimport httpx\nfrom httpx_aiohttp import AiohttpTransport",
        '''

def _transport(verify: Any, cert: Any, proxy: str | None) -> httpx.AsyncBaseTransport:
    ssl_context = _ssl_context(verify, cert)

    def session() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=MAX_CONNECTIONS,
            keepalive_timeout=LIMITS.keepalive_expiry or 5.0,
            ssl=ssl_context if verify is not False else False,
        )
        return aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=_environment_configures_proxies_or_netrc(),
        )

    proxy_settings = httpx.Proxy(proxy) if proxy else None
    return _AiohttpTransport(client=session, proxy=proxy_settings)


def _environment_configures_proxies_or_netrc() -> bool:
    """Like requests, honour HTTP(S)_PROXY and ~/.netrc, but only when they exist:
    aiohttp looks them up in a worker thread on every request (2 thread hops a call)."""
    netrc = os.environ.get("NETRC") or os.path.expanduser("~/.netrc")
    return bool(urllib.request.getproxies_environment()) or os.path.isfile(netrc)


class _AiohttpTransport(AiohttpTransport):
    """httpx-aiohttp 0.2, with the failures httpx's own transport reports."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if isinstance(request.stream, httpx.ByteStream):
            # A followed redirect re-sends the first request's (empty) body as a stream,
            # which would go out chunked on a GET: read it so it is sent as bytes.
            await request.aread()
        try:
            return await super().handle_async_request(request)
        except httpx.TransportError as error:
            raise _httpx_error(error, request) from error.__cause__


def _httpx_error(error: httpx.TransportError, request: httpx.Request) -> Exception:
    """A refused connection is a ConnectError and a server that hangs up a
    RemoteProtocolError (as with httpx's transport), not a ConnectTimeout."""
    cause = error.__cause__
    if isinstance(error, httpx.ConnectTimeout):
        if isinstance(cause, aiohttp.ClientConnectorError):
            error = httpx.ConnectError(str(error))
        elif isinstance(cause, aiohttp.ServerDisconnectedError):
            error = httpx.RemoteProtocolError(str(error))
    error.request = request
    return error


def _client_settings(verify: Any, cert: Any, proxy: str | None) -> dict[str, Any]:
    return {"transport": _transport(verify, cert, proxy)}
''',
    ),
    "httpcore": (
        "Transport: httpx's own (httpcore).",
        "import httpx",
        """

def _client_settings(verify: Any, cert: Any, proxy: str | None) -> dict[str, Any]:
    return {"verify": _ssl_context(verify, cert), "proxy": proxy}
""",
    ),
    "httpx2": (
        "Client: httpx2, httpx's maintained continuation (same API).",
        "import httpx2",
        """

def _client_settings(verify: Any, cert: Any, proxy: str | None) -> dict[str, Any]:
    return {"verify": _ssl_context(verify, cert), "proxy": proxy}
""",
    ),
}

_BODY = '''

def _ssl_context(verify: Any, cert: Any) -> ssl.SSLContext | bool:
    """requests' `verify` (bool or CA bundle path) and `cert` as one SSL context."""
    if verify is False:
        return False
    if isinstance(verify, ssl.SSLContext):
        context = verify
    elif isinstance(verify, str):
        context = ssl.create_default_context(cafile=verify)
    else:
        context = ssl.create_default_context()
    if cert is not None:
        certfile, keyfile = (cert, None) if isinstance(cert, str) else cert
        context.load_cert_chain(certfile, keyfile)
    return context


def _single_proxy(proxies: dict[str, str] | None) -> str | None:
    if not proxies:
        return None
    distinct = set(proxies.values())
    if len(distinct) != 1:
        raise ValueError(
            "one proxy per scheme is not supported here: build a client with "
            "mounts={{'http://': ..., 'https://': ...}} instead"
        )
    return distinct.pop()


def new_http_client(
    *,
    verify: Any = True,
    cert: Any = None,
    proxies: dict[str, str] | None = None,
    cookies: Any = None,
    max_redirects: int = 30,
) -> {module}.AsyncClient:
    """A new client with requests' defaults; the caller closes it (`async with`).
    Without `cookies` it keeps none, as requests' module functions kept none."""
    client_class = {module}.AsyncClient if cookies is not None else _CookielessClient
    return client_class(
        limits=LIMITS,
        timeout=None,
        follow_redirects=True,
        max_redirects=max_redirects,
        cookies=cookies,
        **_client_settings(verify, cert, _single_proxy(proxies)),
    )


class _NoCookies({module}.Cookies):
    def extract_cookies(self, response: {module}.Response) -> None:
        pass  # keep nothing


class _CookielessClient({module}.AsyncClient):
    """An AsyncClient whose jar keeps nothing (and costs nothing per call)."""

    @property
    def cookies(self) -> {module}.Cookies:
        return _NoCookies()

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        pass


class _LoopClients:
    """Clients by key for one event loop; closed with the loop if not before."""

    def __init__(self) -> None:
        self.clients: dict[object, {module}.AsyncClient] = {{}}
        # An async generator suspended at its `yield` is closed by the loop's
        # shutdown_asyncgens() (asyncio.run, pytest-asyncio, hypercorn): `finally` runs.
        self._closer = self._close_at_loop_shutdown()
        first_step: Any = self._closer.asend(None)
        with contextlib.suppress(StopIteration):
            first_step.send(None)  # runs to the `yield` without awaiting anything

    async def _close_at_loop_shutdown(self) -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        clients, self.clients = list(self.clients.values()), {{}}
        for client in clients:
            await client.aclose()


_loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopClients] = (
    weakref.WeakKeyDictionary()
)


def _loop_client(key: object, make: Any) -> {module}.AsyncClient:
    loop = asyncio.get_running_loop()
    clients = _loops.get(loop)
    if clients is None:
        clients = _loops[loop] = _LoopClients()
    client = clients.clients.get(key)
    if client is None or client.is_closed:
        client = clients.clients[key] = make()
    return client


_DEFAULT = object()


def http_client(
    *, verify: Any = True, cert: Any = None, proxies: dict[str, str] | None = None
) -> {module}.AsyncClient:
    """The running loop's shared client (one per distinct verify/cert/proxies)."""
    key: object = _DEFAULT
    if verify is not True or cert is not None or proxies:
        key = (repr(verify), repr(cert), repr(sorted((proxies or {{}}).items())))
    return _loop_client(
        key, lambda: new_http_client(verify=verify, cert=cert, proxies=proxies)
    )


async def close_http_client() -> None:
    """Close the running loop's clients (registered with the app's `after_serving`)."""
    clients = _loops.pop(asyncio.get_running_loop(), None)
    if clients is not None:
        await clients.aclose()


class SharedSession:
    """A `requests.Session` for async code: same settings, one client per event loop."""

    def __init__(self) -> None:
        self.headers = {module}.Headers()
        self.cookies = {module}.Cookies()
        self.auth: Any = None
        self.verify: Any = True
        self.cert: Any = None
        self.proxies: dict[str, str] = {{}}
        self.max_redirects = 30

    def client(self) -> {module}.AsyncClient:
        """The running loop's client for this session, with its current settings."""
        proxies = repr(sorted(self.proxies.items()))
        key = (id(self), repr(self.verify), repr(self.cert), proxies)
        client = _loop_client(
            key,
            lambda: new_http_client(
                verify=self.verify,
                cert=self.cert,
                proxies=self.proxies,
                cookies=self.cookies.jar,  # shared: the session's cookies on every loop
                max_redirects=self.max_redirects,
            ),
        )
        client.headers = self.headers
        client.auth = self.auth
        return client

    async def request(self, method: str, url: Any, **kwargs: Any) -> {module}.Response:
        return await self.client().request(method, url, **kwargs)

    async def get(self, url: Any, **kwargs: Any) -> {module}.Response:
        return await self.request("GET", url, **kwargs)

    async def options(self, url: Any, **kwargs: Any) -> {module}.Response:
        return await self.request("OPTIONS", url, **kwargs)

    async def head(self, url: Any, **kwargs: Any) -> {module}.Response:
        return await self.request("HEAD", url, **kwargs)

    async def post(self, url: Any, **kwargs: Any) -> {module}.Response:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: Any, **kwargs: Any) -> {module}.Response:
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: Any, **kwargs: Any) -> {module}.Response:
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: Any, **kwargs: Any) -> {module}.Response:
        return await self.request("DELETE", url, **kwargs)

    @contextlib.asynccontextmanager
    async def stream(
        self, method: str, url: Any, **kwargs: Any
    ) -> AsyncIterator[{module}.Response]:
        async with self.client().stream(method, url, **kwargs) as response:
            yield response

    async def aclose(self) -> None:
        """Close this session's client on the running loop (it reopens on next use)."""
        await self.client().aclose()

    async def __aenter__(self) -> SharedSession:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def requests_timeout(value: Any) -> {module}.Timeout:
    """requests' `timeout=`: connect and read limits only (no write or pool limit)."""
    if isinstance(value, {module}.Timeout) or value is None:
        return {module}.Timeout(value)
    connect, read = value if isinstance(value, tuple) else (value, value)
    return {module}.Timeout(None, connect=connect, read=read)


async def gather_limited(limit: int, awaitables: Iterable[Awaitable[T]]) -> list[T]:
    """`asyncio.gather` with at most `limit` awaitables at once; results in order."""
    semaphore = asyncio.Semaphore(limit)

    async def one(awaitable: Awaitable[T]) -> T:
        async with semaphore:
            return await awaitable

    return list(await asyncio.gather(*(one(a) for a in awaitables)))
'''


_STDLIB = ("asyncio", "contextlib", "ssl", "weakref")
_TRANSPORT_STDLIB: dict[Transport, tuple[str, ...]] = {"aiohttp": ("os", "urllib.request")}


def helper_source(transport: Transport) -> str:
    module = client_module(transport)
    doc, imports, functions = _TRANSPORTS[transport]
    stdlib = "\n".join(
        f"import {name}" for name in sorted(_STDLIB + _TRANSPORT_STDLIB.get(transport, ()))
    )
    header = _HEADER.format(
        marker=MARKER, module=module, transport_doc=doc, imports=imports, stdlib=stdlib
    )
    return header + functions + _BODY.format(module=module)


def helper_module(modules: Iterable[str], functions: Container[str]) -> str:
    """The dotted name of the generated module, decided from the program alone (so every file
    of a run, and every later run, agrees): ``<package>.http_client`` in the app's main
    top-level package, else a top-level module (see ``_generated.generated_module``)."""
    return generated_module(modules, functions, MODULE_NAME, "http_client")
