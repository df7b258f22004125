"""CPU time per upstream call: requests vs. what ``migrate`` generates, per transport.

Not a test. A trivial keep-alive HTTP server runs in its own process on one core; each client
runs in a fresh process pinned to the other core and makes ``--calls`` GETs (after
``--warmup``) at each concurrency level; the figure is the client process's CPU time (user +
system, all threads) divided by the number of calls. The converted clients are the generated
``http_client`` module itself (``http_client().get(url)``), so the figure is what a converted
app pays.

    python benchmarks/http_client_cpu.py                     # table on stdout
    python benchmarks/http_client_cpu.py --json results.json # plus raw samples and metadata
    python benchmarks/http_client_cpu.py --smoke             # every client runs (a test does)

Clients: ``requests`` (a Session, one thread per concurrent caller: what a Flask app does),
``aiohttp`` (a raw ClientSession: the floor), ``converted-aiohttp`` (the default transport),
``converted-httpcore`` (plain httpx), ``converted-httpx2``. A client whose package is missing
is skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import platform
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

from flask2quart.verify.processes import Children, sigterm_as_interrupt

CLIENTS = ("requests", "aiohttp", "converted-aiohttp", "converted-httpcore", "converted-httpx2")
BODY = b'{"id": 1, "value": 2}'
RESPONSE = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
    + str(len(BODY)).encode()
    + b"\r\n\r\n"
    + BODY
)

# ---------------------------------------------------------------------------- server (I/O)


class _KeepAlive(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:  # GETs only: no bodies to skip
            _, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            self.transport.write(RESPONSE)


def serve(port_file: str) -> None:
    _pin(1)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(_KeepAlive, "127.0.0.1", 0, backlog=1024)
        _write_port(port_file, server.sockets[0].getsockname()[1])
        await asyncio.sleep(3600)  # the parent terminates us

    asyncio.run(main())


def _write_port(port_file: str, port: int) -> None:
    Path(port_file).write_text(str(port))


def _pin(cpu: int) -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {cpu})


# ---------------------------------------------------------------------------- clients (I/O)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _split(calls: int, concurrency: int) -> list[int]:
    return [
        calls // concurrency + (1 if i < calls % concurrency else 0) for i in range(concurrency)
    ]


def run_requests(url: str, calls: int, warmup: int, concurrency: int) -> float:
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    session.mount("http://", HTTPAdapter(pool_maxsize=concurrency))

    def worker(count: int) -> None:
        for _ in range(count):
            session.get(url).content  # noqa: B018 - read the body, as a caller would

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, _split(warmup, concurrency)))
        start = _cpu()
        list(pool.map(worker, _split(calls, concurrency)))
        return _cpu() - start


def run_aiohttp(url: str, calls: int, warmup: int, concurrency: int) -> float:
    import aiohttp

    async def main() -> float:
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def worker(count: int) -> None:
                for _ in range(count):
                    async with session.get(url) as response:
                        await response.read()

            await asyncio.gather(*(worker(n) for n in _split(warmup, concurrency)))
            start = _cpu()
            await asyncio.gather(*(worker(n) for n in _split(calls, concurrency)))
            return _cpu() - start

    return asyncio.run(main())


def run_converted(client: str, url: str, calls: int, warmup: int, concurrency: int) -> float:
    from flask2quart.codemods._http_helper import TRANSPORTS, helper_source

    transport = {f"converted-{t}": t for t in TRANSPORTS}[client]

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "http_client.py"
        path.write_text(helper_source(transport))
        spec = importlib.util.spec_from_file_location("http_client", path)
        assert spec is not None and spec.loader is not None
        helper = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(helper)

    async def main() -> float:
        async def worker(count: int) -> None:
            for _ in range(count):
                (await helper.http_client().get(url)).content  # noqa: B018

        await asyncio.gather(*(worker(n) for n in _split(warmup, concurrency)))
        start = _cpu()
        await asyncio.gather(*(worker(n) for n in _split(calls, concurrency)))
        elapsed = _cpu() - start
        await helper.close_http_client()
        return elapsed

    return asyncio.run(main())


def client_main(client: str, url: str, calls: int, warmup: int, concurrency: int) -> None:
    _pin(0)
    if client == "requests":
        cpu = run_requests(url, calls, warmup, concurrency)
    elif client == "aiohttp":
        cpu = run_aiohttp(url, calls, warmup, concurrency)
    else:
        cpu = run_converted(client, url, calls, warmup, concurrency)
    print(json.dumps({"cpu_seconds": cpu}))


_NEEDS = {
    "requests": ("requests",),
    "aiohttp": ("aiohttp",),
    "converted-aiohttp": ("httpx", "httpx_aiohttp", "aiohttp"),
    "converted-httpcore": ("httpx",),
    "converted-httpx2": ("httpx2",),
}


def available(client: str) -> bool:
    return all(importlib.util.find_spec(name) is not None for name in _NEEDS[client])


# ---------------------------------------------------------------------------- analysis (pure)


def per_call_ms(samples: list[float], calls: int) -> float:
    return statistics.median(samples) / calls * 1000


def table(results: dict[str, dict[int, list[float]]], calls: int, levels: list[int]) -> str:
    # Ratios need the aiohttp floor: none when --clients leaves it out or it measured 0 s.
    floor: dict[int, float] = {}
    if "aiohttp" in results:
        floor = {level: per_call_ms(results["aiohttp"][level], calls) for level in levels}
    header = "| client | " + " | ".join(f"{c} concurrent" for c in levels) + " |"
    lines = [header, "|---|" + "---:|" * len(levels)]
    for client, by_level in results.items():
        cells = []
        for level in levels:
            ms = per_call_ms(by_level[level], calls)
            ratio = f" ({ms / floor[level]:.1f}x aiohttp)" if floor.get(level) else ""
            cells.append(f"{ms:.3f} ms{ratio}")
        lines.append(f"| {client} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    versions = {}
    for package in ("requests", "aiohttp", "httpx", "httpx-aiohttp", "httpx2", "httpcore"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "packages": versions,
    }


# ---------------------------------------------------------------------------- driver


def _start_server(children: Children) -> str:
    """Start the server in its own process group (``children`` ends it); return its URL."""
    descriptor, name = tempfile.mkstemp(suffix=".port")
    os.close(descriptor)
    port_file = Path(name)
    try:
        server = children.start([sys.executable, __file__, "--serve", name])
        deadline = time.monotonic() + 10
        while not port_file.read_text():
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("benchmark server did not start")
            time.sleep(0.05)
        port = port_file.read_text()
    finally:
        port_file.unlink()
    with socket.create_connection(("127.0.0.1", int(port)), timeout=5):
        pass
    return f"http://127.0.0.1:{port}/items/1"


def measure(client: str, url: str, args: argparse.Namespace, level: int) -> float:
    command = [sys.executable, __file__, "--client", client, "--url", url]
    command += ["--calls", str(args.calls), "--warmup", str(args.warmup), "--levels", str(level)]
    # run() kills the client on a timeout or on any exception here (Ctrl-C, SIGTERM).
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{client} failed:\n{done.stderr}")
    return float(json.loads(done.stdout.splitlines()[-1])["cpu_seconds"])


def measure_all(
    clients: list[str], args: argparse.Namespace, levels: list[int]
) -> dict[str, dict[int, list[float]]]:
    results: dict[str, dict[int, list[float]]] = {
        c: {level: [] for level in levels} for c in clients
    }
    # SIGTERM unwinds like Ctrl-C, so the server is stopped whichever way the run ends.
    with sigterm_as_interrupt(), Children() as children:
        url = _start_server(children)
        for _ in range(args.repeat):
            for client in clients:
                for level in levels:
                    results[client][level].append(measure(client, url, args, level))
    return results


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--levels", default="10,100", help="concurrency levels, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clients", default=",".join(CLIENTS))
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", type=Path, help="write raw samples and metadata here")
    output.add_argument(
        "--smoke",
        action="store_true",
        help="check that every client still runs: a few calls, one run; the figures mean nothing",
    )
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    unknown = set(args.clients.split(",")) - set(CLIENTS)
    if unknown:
        parser.error(f"unknown clients {sorted(unknown)}; choose from {', '.join(CLIENTS)}")
    if args.smoke:
        args.calls, args.warmup, args.levels, args.repeat = 20, 5, "2", 1
    return args


def main() -> None:
    args = parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    if args.serve:
        serve(args.serve)
        return
    if args.client:
        client_main(args.client, args.url, args.calls, args.warmup, levels[0])
        return
    clients = [c for c in args.clients.split(",") if available(c)]
    skipped = sorted(set(args.clients.split(",")) - set(clients))
    results = measure_all(clients, args, levels)
    print(f"CPU per call, median of {args.repeat} runs of {args.calls} GETs (client on one core):")
    print(table(results, args.calls, levels))
    if skipped:
        print(f"skipped (not installed): {', '.join(skipped)}")
    data = {"machine": machine(), "calls": args.calls, "warmup": args.warmup, "samples": results}
    raw = json.dumps(data, indent=1) + "\n"  # built in a smoke run too, so it cannot rot
    if args.json:
        args.json.write_text(raw)


if __name__ == "__main__":
    main()
