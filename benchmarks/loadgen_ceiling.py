"""How many requests per second verify's load generator can drive from one core.

Not a test: a measurement to run by hand on a quiet machine, whose figures go to
docs/verify.md ("How fast is the generator?").

    .venv/bin/python benchmarks/loadgen_ceiling.py [--repeats 2] [--duration 10] [--connections 50]
    .venv/bin/python benchmarks/loadgen_ceiling.py --smoke   # every generator runs (a test does)

The trivial server is nginx (Debian package nginx-light) returning "ok" on keep-alive
connections, pinned to the first CPU; if nginx is missing, a small asyncio server stands in (and
will be the bottleneck, so the figure is then a lower bound). The generator is pinned to the last
CPU. Each repeat runs, in turn: our generator closed-loop (the ceiling), our generator open-loop at
a fixed rate (how closely it keeps the schedule), and wrk -t1 if installed. Both generators run in
the same session, against the same server, with the same connection count.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from flask2quart.verify import machine
from flask2quart.verify.loaddata import LoadPlan, decode_histogram
from flask2quart.verify.loadgen import run_in_process
from flask2quart.verify.processes import (
    Children,
    default_cpu_split,
    pin_prefix,
    pinning_problem,
    sigterm_as_interrupt,
)

REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
# Enough for every generator to connect, answer and be measured, not enough to mean anything.
SMOKE = {"repeats": 1, "duration": 0.3, "warmup": 0.2, "connections": 2, "rate": 200.0}

NGINX_CONF = """
worker_processes 1; daemon off; pid {root}/nginx.pid; error_log {root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off; keepalive_requests 10000000; keepalive_timeout 120s;
  client_body_temp_path {root}; proxy_temp_path {root}; fastcgi_temp_path {root};
  uwsgi_temp_path {root}; scgi_temp_path {root};
  server {{ listen 127.0.0.1:{port} backlog=4096;
           location / {{ default_type text/plain; return 200 "ok\\n"; }} }}
}}
"""

FALLBACK_SERVER = textwrap.dedent(
    """
    import asyncio, sys
    RESPONSE = b"HTTP/1.1 200 OK\\r\\nContent-Length: 3\\r\\n\\r\\nok\\n"
    class Server(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport, self.buffer = transport, b""
        def data_received(self, data):
            self.buffer += data
            while (end := self.buffer.find(b"\\r\\n\\r\\n")) >= 0:
                self.buffer = self.buffer[end + 4:]
                self.transport.write(RESPONSE)
    async def main():
        server = await asyncio.get_running_loop().create_server(
            Server, "127.0.0.1", int(sys.argv[1]), backlog=4096)
        await server.serve_forever()
    asyncio.run(main())
    """
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_listening(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the trivial server did not listen on port {port} within {timeout} s")


def start_server(
    children: Children, cpus: list[int] | None, root: Path, port: int
) -> tuple[str, int]:
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx:
        conf = root / "nginx.conf"
        conf.write_text(NGINX_CONF.format(root=root, port=port))
        command = [*pin_prefix(cpus), nginx, "-p", str(root), "-c", str(conf)]
        name = "nginx (1 worker)"
    else:
        script = root / "server.py"
        script.write_text(FALLBACK_SERVER)
        command = [*pin_prefix(cpus), sys.executable, str(script), str(port)]
        name = "asyncio Protocol server (nginx not installed: this is the bottleneck)"
    process = children.start(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_listening(port)
    return name, process.pid


def ours(
    children: Children,
    port: int,
    server_pid: int,
    cpus: list[int] | None,
    args: argparse.Namespace,
    rate: float = 0.0,
) -> dict[str, object]:
    plan = LoadPlan(
        host="127.0.0.1",
        port=port,
        requests=[REQUEST],
        mode="open" if rate else "closed",
        connections=args.connections,
        warmup=args.warmup,
        duration=args.duration,
        rate=rate,
        account_pid=os.getpid(),
        server_pid=server_pid,
    )
    result = run_in_process(plan, cpus, children)
    latency = decode_histogram(result.latency)
    lag = decode_histogram(result.schedule_lag)
    return {
        "generator": f"flask2quart {'open ' + format(rate, ',.0f') + '/s' if rate else 'closed'}",
        "req_s": result.achieved_rate,
        "gen_cpu": result.generator_cpu,
        "server_cpu": result.server_cpu,
        "p50_ms": latency.get_value_at_percentile(50) / 1000,
        "p99_ms": latency.get_value_at_percentile(99) / 1000,
        "lag_p99_ms": lag.get_value_at_percentile(99) / 1000 if rate else None,
        "errors": sum(result.errors.values()),
        "others_cpu": result.others_cpu,
    }


WRK_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\\"requests\\": %d, \\"duration_us\\": %d, \\"p50_us\\": %d, "
    .. "\\"p99_us\\": %d, \\"errors\\": %d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def wrk(
    children: Children,
    port: int,
    server_pid: int,
    cpus: list[int] | None,
    root: Path,
    args: argparse.Namespace,
) -> dict[str, object] | None:
    binary = shutil.which("wrk")
    if binary is None:
        return None
    script = root / "wrkjson.lua"
    script.write_text(WRK_LUA)
    url = f"http://127.0.0.1:{port}/"
    base = [*pin_prefix(cpus), binary, "-t1", f"-c{args.connections}"]
    warm = children.start([*base, _wrk_seconds(args.warmup), url], stdout=subprocess.DEVNULL)
    warm.wait()
    children.stop(warm)
    before = (
        machine.machine_ticks(),
        machine.tree_ticks(server_pid),
        machine.tree_ticks(os.getpid()),
    )
    process = children.start(
        [*base, _wrk_seconds(args.duration), "-s", str(script), url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    start = time.perf_counter()
    out, _ = process.communicate(timeout=args.duration + 30)
    wall = time.perf_counter() - start
    # Sampled before wrk is reaped, so its CPU is still in our process tree.
    after = machine.machine_ticks(), machine.tree_ticks(server_pid), machine.tree_ticks(os.getpid())
    children.stop(process)
    match = re.search(rb"WRKJSON (\{.*\})", out)
    if not match:
        raise SystemExit(f"wrk printed no summary (exit {process.returncode})")
    data = json.loads(match.group(1))
    per_second = machine.TICKS_PER_SECOND * wall
    server_cpu = (after[1] - before[1]) / per_second
    ours_cpu = (after[2] - before[2]) / per_second
    busy = (after[0] - before[0]).busy / per_second
    return {
        "generator": "wrk -t1",
        "req_s": data["requests"] / (data["duration_us"] / 1e6),
        "gen_cpu": max(0.0, ours_cpu - server_cpu),
        "server_cpu": server_cpu,
        "p50_ms": data["p50_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
        "lag_p99_ms": None,
        "errors": data["errors"],
        "others_cpu": max(0.0, busy - ours_cpu),
    }


def _wrk_seconds(seconds: float) -> str:
    # wrk takes whole seconds: -d0s would be an error, not a short run.
    return f"-d{max(1, math.ceil(seconds))}s"


def show(rows: list[dict[str, object]]) -> None:
    print(
        f"{'generator':28} {'req/s':>9} {'gen CPU':>8} {'srv CPU':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'lag p99':>8} {'errors':>7} {'others':>7}"
    )

    def cell(value: object, spec: str) -> str:
        return "–" if value is None else format(value, spec)

    for row in rows:
        print(
            f"{row['generator']!s:28} {cell(row['req_s'], ',.0f'):>9} "
            f"{cell(row['gen_cpu'], '.2f'):>8} "
            f"{cell(row['server_cpu'], '.2f'):>8} {cell(row['p50_ms'], '.2f'):>8} "
            f"{cell(row['p99_ms'], '.2f'):>8} {cell(row['lag_p99_ms'], '.2f'):>8} "
            f"{cell(row['errors'], 'd'):>7} {cell(row['others_cpu'], '.2f'):>7}"
        )


def failures(rows: list[dict[str, object]]) -> list[str]:
    """Rows that show a broken path rather than a slow one: nothing answered, or errors."""
    return [
        f"{row['generator']}: {row['req_s']} req/s, {row['errors']} errors"
        for row in rows
        if not row["req_s"] or row["errors"]
    ]


def cpu_split(smoke: bool) -> tuple[list[int] | None, list[int] | None]:
    """(server CPUs, generator CPUs); a smoke run goes unpinned where pinning is impossible."""
    split = default_cpu_split()
    if split is None:
        problem: str | None = "needs two usable CPUs: one for the server, one for the generator"
    else:
        problem = pinning_problem(split[0][:1], split[1])
    if split is not None and problem is None:
        return split[0][:1], split[1]
    if not smoke:
        raise SystemExit(problem)
    print(f"not pinned ({problem}): good enough for a smoke run")
    return None, None


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rate", type=float, default=10_000.0, help="the open-loop check's rate")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="check that every generator still runs: one short repeat, the figures mean nothing",
    )
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE)
    return args


def measure(
    children: Children, cpus: tuple[list[int] | None, list[int] | None], args: argparse.Namespace
) -> list[dict[str, object]]:
    server_cpus, load_cpus = cpus
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="f2q-ceiling-") as tmp:
        port = free_port()
        name, server_pid = start_server(children, server_cpus, Path(tmp), port)
        print(f"server: {name} on 127.0.0.1:{port}")
        for repeat in range(1, args.repeats + 1):
            for row in (
                ours(children, port, server_pid, load_cpus, args),
                ours(children, port, server_pid, load_cpus, args, rate=args.rate),
                wrk(children, port, server_pid, load_cpus, Path(tmp), args),
            ):
                if row is not None:
                    row["generator"] = f"r{repeat} {row['generator']}"
                    rows.append(row)
    return rows


def main() -> None:
    args = parse_args()
    cpus = cpu_split(args.smoke)
    print(
        f"machine: {machine.cpu_model()}, {len(machine.usable_cpus())} usable CPUs; server on "
        f"CPU {cpus[0]}, generator on CPU {cpus[1]}; {args.connections} connections, "
        f"{args.warmup:g} s warm-up + {args.duration:g} s measured"
    )
    if shutil.which("wrk") is None:
        print("wrk: not installed (Debian package wrk), so no row to compare with")
    # SIGTERM unwinds like Ctrl-C, so leaving the block ends every server and generator.
    with sigterm_as_interrupt(), Children() as children:
        rows = measure(children, cpus, args)
    show(rows)
    if args.smoke and (broken := failures(rows)):
        raise SystemExit("smoke run failed: " + "; ".join(broken))


if __name__ == "__main__":
    main()
