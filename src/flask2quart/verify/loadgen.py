"""The load generator: an asyncio ``Protocol`` client, HTTP/1.1 keep-alive, httptools parsing.

It runs in a process of its own (``python -m flask2quart.verify.loadgen``, usually pinned to its
own core): a JSON :class:`LoadPlan` on standard input, a JSON :class:`LoadResult` on standard
output. Two load models:

* **closed** (the capacity probe): ``connections`` connections, each sends its next request as
  soon as the previous answer is complete. Throughput is the output; latency is send → response
  and only says how long the queue was.
* **open** (the verdict): requests are due at fixed (``constant``) or exponential (``poisson``)
  intervals from ``time.perf_counter()`` whatever the server does. Each one takes an idle
  keep-alive connection, or opens one (up to ``connections``), or waits in a queue. Latency is
  measured from the *intended* send time, so a stalled server is charged for every request that
  piled up behind the stall (no coordinated omission); the time from the actual send is kept as
  the *uncorrected* latency, and how late the scheduler dispatched each one as the schedule lag.

Only responses that are complete count as answered; a request whose answer does not come within
``timeout`` seconds is counted as an error of kind ``timeout``. One connection carries one
request at a time (no pipelining). Latencies are recorded in microseconds in HdrHistograms.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import os
import random
import socket
import subprocess
import sys
import time
from collections import Counter, deque
from collections.abc import Sequence

import httptools

from flask2quart.verify import machine
from flask2quart.verify.loaddata import (
    LOWEST_US,
    LoadPlan,
    LoadResult,
    encode_histogram,
    new_histogram,
)
from flask2quart.verify.processes import Children, pin_prefix

SWEEP_INTERVAL = 0.05  # how often in-flight requests are checked against the timeout


class _Connection(asyncio.Protocol):
    """One keep-alive connection; the generator hands it one request at a time."""

    def __init__(self, generator: _Generator) -> None:
        self.generator = generator
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.intended = 0.0
        self.sent = 0.0
        self.record = False
        self.busy = False
        self.closed = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.fail("parse")

    def connection_lost(self, exc: Exception | None) -> None:
        was_busy, self.busy = self.busy, False
        if not self.closed:
            self.closed = True
            self.generator.on_closed(self)
        if was_busy:
            self.generator.on_error(self, "reset")

    # httptools callbacks (only the ones defined are called)
    def on_message_complete(self) -> None:
        if not self.busy:
            return
        self.busy = False
        keep_alive = self.parser.should_keep_alive()
        status = self.parser.get_status_code()
        if not keep_alive:
            self.abort()
        self.generator.on_response(self, status)

    def send(self, raw: bytes, intended: float, record: bool, now: float) -> None:
        assert self.transport is not None
        self.intended, self.record, self.busy, self.sent = intended, record, True, now
        self.transport.write(raw)

    def fail(self, kind: str) -> None:
        was_busy, self.busy = self.busy, False
        self.abort()
        if was_busy:
            self.generator.on_error(self, kind)

    def abort(self) -> None:
        if not self.closed:
            self.closed = True
            if self.transport is not None:
                self.transport.abort()
            self.generator.on_closed(self)


class _Generator:
    def __init__(self, plan: LoadPlan) -> None:
        self.plan = plan
        self.loop = asyncio.get_running_loop()
        self.latency = new_histogram()
        self.uncorrected = new_histogram()
        self.lag = new_histogram()
        self.statuses: Counter[int] = Counter()
        self.errors: Counter[str] = Counter()
        self.requests = itertools.cycle(plan.requests)
        self.idle: list[_Connection] = []
        self.live: set[_Connection] = set()
        self.queue: deque[tuple[float, bool]] = deque()  # (intended, record)
        self.opening = 0
        self.connections_opened = 0
        self.max_queue = 0
        self.sent = 0
        self.completed = 0
        self.answered_in_window = 0
        self.start = 0.0
        self.window_start = 0.0
        self.window_end = 0.0
        self.stopping = False
        self.done = asyncio.Event()

    # --- bookkeeping shared by both models -------------------------------------------------
    def take_request(self) -> bytes:
        return next(self.requests)

    def on_response(self, connection: _Connection, status: int) -> None:
        now = time.perf_counter()
        if self.window_start <= now < self.window_end:
            self.answered_in_window += 1
        if connection.record:
            self.completed += 1
            self.statuses[status] += 1
            self.latency.record_value(max(LOWEST_US, int((now - connection.intended) * 1e6)))
            self.uncorrected.record_value(max(LOWEST_US, int((now - connection.sent) * 1e6)))
        self.after_request(connection)

    def on_error(self, connection: _Connection, kind: str) -> None:
        if connection.record:
            self.errors[kind] += 1
        self.after_request(connection, failed=True)

    def on_closed(self, connection: _Connection) -> None:
        self.live.discard(connection)
        if connection in self.idle:
            self.idle.remove(connection)

    def after_request(self, connection: _Connection, failed: bool = False) -> None:
        raise NotImplementedError

    async def open_connection(self) -> _Connection | None:
        self.opening += 1
        try:
            _, protocol = await self.loop.create_connection(
                lambda: _Connection(self), self.plan.host, self.plan.port
            )
        except OSError:
            return None
        finally:
            self.opening -= 1
        self.connections_opened += 1
        assert isinstance(protocol, _Connection)
        self.live.add(protocol)
        return protocol

    def sweep_timeouts(self) -> None:
        now = time.perf_counter()
        for connection in list(self.live):
            if connection.busy and now - connection.sent > self.plan.timeout:
                connection.fail("timeout")
        if not self.stopping or self.live or self.queue:
            self.loop.call_later(SWEEP_INTERVAL, self.sweep_timeouts)

    def outstanding(self) -> int:
        in_flight = sum(1 for c in self.live if c.busy and c.record)
        return in_flight + sum(1 for _, record in self.queue if record)

    async def run(self) -> LoadResult:
        self.start = time.perf_counter()
        self.window_start = self.start + self.plan.warmup
        self.window_end = self.window_start + self.plan.duration
        accounting = _Accounting(self.plan)
        self.loop.call_later(self.window_start - time.perf_counter(), accounting.begin)
        self.loop.call_later(SWEEP_INTERVAL, self.sweep_timeouts)
        await self.drive()
        # The window is over: no new requests; wait for the ones already due.
        await asyncio.sleep(max(0.0, self.window_end - time.perf_counter()))
        accounting.end()
        outstanding_at_end = self.outstanding()
        self.stopping = True
        drain_deadline = time.perf_counter() + self.plan.timeout + 2 * SWEEP_INTERVAL
        # Polling is enough: the sweeper ends every request that outlives the timeout.
        while self.outstanding() and time.perf_counter() < drain_deadline:  # noqa: ASYNC110
            await asyncio.sleep(SWEEP_INTERVAL)
        for _, record in self.queue:
            if record:
                self.errors["timeout"] += 1
        for connection in list(self.live):
            connection.abort()
        return LoadResult(
            mode=self.plan.mode,
            connections=self.plan.connections,
            offered_rate=self.plan.rate,
            duration=self.plan.duration,
            sent=self.sent,
            completed=self.completed,
            answered_in_window=self.answered_in_window,
            achieved_rate=self.answered_in_window / self.plan.duration,
            latency=encode_histogram(self.latency),
            # Closed loop sends when it intends to: both latencies are the same histogram.
            uncorrected=encode_histogram(
                self.uncorrected if self.plan.mode == "open" else self.latency
            ),
            schedule_lag=encode_histogram(self.lag),
            statuses={str(code): count for code, count in sorted(self.statuses.items())},
            errors=dict(sorted(self.errors.items())),
            max_queue=self.max_queue,
            outstanding_at_end=outstanding_at_end,
            connections_opened=self.connections_opened,
            server_rss=accounting.server_rss,
            **accounting.figures(),
        )

    async def drive(self) -> None:
        raise NotImplementedError


class _ClosedLoop(_Generator):
    """``connections`` connections, each sending its next request as soon as it can."""

    def send_next(self, connection: _Connection, now: float) -> None:
        if now >= self.window_end:
            return
        record = now >= self.window_start
        if record:
            self.sent += 1
        connection.send(self.take_request(), now, record, now)

    def on_response(self, connection: _Connection, status: int) -> None:
        # The hot path of the capacity probe: one clock read, one histogram, send the next.
        now = time.perf_counter()
        if connection.record:
            self.completed += 1
            self.statuses[status] += 1
            self.latency.record_value(max(LOWEST_US, int((now - connection.sent) * 1e6)))
        if self.window_start <= now < self.window_end:
            self.answered_in_window += 1
        if connection.closed:
            if now < self.window_end:
                self.loop.create_task(self.replace())
            return
        self.send_next(connection, now)

    def after_request(self, connection: _Connection, failed: bool = False) -> None:
        if connection.closed or failed:
            if time.perf_counter() < self.window_end:
                self.loop.create_task(self.replace())
            return
        self.send_next(connection, time.perf_counter())

    async def replace(self) -> None:
        connection = await self.open_connection()
        if connection is None:
            now = time.perf_counter()
            if self.window_start <= now < self.window_end:
                self.errors["connect"] += 1
            await asyncio.sleep(0.01)  # a refused connection must not spin the loop
            if time.perf_counter() < self.window_end:
                self.loop.create_task(self.replace())
            return
        self.send_next(connection, time.perf_counter())

    async def drive(self) -> None:
        for _ in range(self.plan.connections):
            self.loop.create_task(self.replace())


class _OpenLoop(_Generator):
    """Requests due on a schedule; the schedule never waits for the server."""

    def __init__(self, plan: LoadPlan) -> None:
        super().__init__(plan)
        self.random = random.Random(plan.seed)

    def gap(self) -> float:
        if self.plan.arrival == "poisson":
            return self.random.expovariate(self.plan.rate)
        return 1.0 / self.plan.rate

    def dispatch(self, intended: float, record: bool) -> None:
        if record:
            # The generator's own lateness; waiting for a free connection is the server's doing
            # and is part of the (corrected) latency instead.
            lag = time.perf_counter() - intended
            self.lag.record_value(max(LOWEST_US, int(lag * 1e6)))
        if self.idle:
            self.send(self.idle.pop(), intended, record)
            return
        self.queue.append((intended, record))
        self.max_queue = max(self.max_queue, len(self.queue))
        if len(self.live) + self.opening < self.plan.connections:
            self.loop.create_task(self.grow())

    def send(self, connection: _Connection, intended: float, record: bool) -> None:
        connection.send(self.take_request(), intended, record, time.perf_counter())

    async def grow(self) -> None:
        connection = await self.open_connection()
        if connection is None:
            if self.queue:
                _, record = self.queue.popleft()
                if record:
                    self.errors["connect"] += 1
            return
        self.after_request(connection)

    def after_request(self, connection: _Connection, failed: bool = False) -> None:
        if connection.closed:
            if self.queue and len(self.live) + self.opening < self.plan.connections:
                self.loop.create_task(self.grow())
            return
        if self.queue:
            intended, record = self.queue.popleft()
            self.send(connection, intended, record)
        else:
            self.idle.append(connection)

    async def drive(self) -> None:
        intended = self.start
        while True:
            now = time.perf_counter()
            # Everything due by now goes out now: if the loop was late, the lag says by how much.
            while intended <= now:
                if intended >= self.window_end:
                    return
                record = intended >= self.window_start
                if record:
                    self.sent += 1
                self.dispatch(intended, record)
                intended += self.gap()
            await asyncio.sleep(intended - now)


class _Accounting:
    """CPU used in the measured window: this process, the server, all of verify, the rest."""

    def __init__(self, plan: LoadPlan) -> None:
        self.plan = plan
        self.started = False
        self.wall = 0.0
        self.cpu = 0.0
        self.machine = machine.MachineTicks(0, 0)
        self.server = 0
        self.ours = 0
        self.server_rss = 0

    def sample(self) -> tuple[float, float, machine.MachineTicks, int, int]:
        server = machine.tree_ticks(self.plan.server_pid) if self.plan.server_pid else 0
        ours = machine.tree_ticks(self.plan.account_pid) if self.plan.account_pid else 0
        return time.perf_counter(), time.process_time(), machine.machine_ticks(), server, ours

    def begin(self) -> None:
        self.started = True
        self.wall, self.cpu, self.machine, self.server, self.ours = self.sample()

    def end(self) -> None:
        if not self.started:
            self.begin()
        wall, cpu, ticks, server, ours = self.sample()
        self.wall, self.cpu = wall - self.wall, cpu - self.cpu
        self.machine, self.server = ticks - self.machine, server - self.server
        self.ours = ours - self.ours
        if self.plan.server_pid:
            self.server_rss = machine.tree_rss_bytes(self.plan.server_pid)

    def figures(self) -> dict[str, float]:
        wall = max(self.wall, 1e-9)
        per_second = machine.TICKS_PER_SECOND * wall
        ours = self.ours / per_second if self.plan.account_pid else self.cpu / wall
        return {
            "generator_cpu": round(self.cpu / wall, 4),
            "server_cpu": round(self.server / per_second, 4),
            "ours_cpu": round(ours, 4),
            "others_cpu": round(max(0.0, self.machine.busy / per_second - ours), 4),
            "steal": round(self.machine.steal / per_second, 4),
        }


def run_plan(plan: LoadPlan) -> LoadResult:
    """Run one plan in this process (the caller chooses the process and its CPU)."""
    if plan.mode == "open" and not (plan.rate > 0 and math.isfinite(plan.rate)):
        raise ValueError("open-loop load needs a positive rate")

    async def main() -> LoadResult:
        generator: _Generator = _OpenLoop(plan) if plan.mode == "open" else _ClosedLoop(plan)
        return await generator.run()

    return asyncio.run(main())


class GeneratorError(Exception):
    """The generator process failed or did not answer in time."""


def run_in_process(plan: LoadPlan, cpus: Sequence[int] | None, children: Children) -> LoadResult:
    """Run ``plan`` in a fresh generator process, pinned to ``cpus`` when given."""
    command = [*pin_prefix(cpus), sys.executable, "-m", "flask2quart.verify.loadgen"]
    process = children.start(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    limit = plan.warmup + plan.duration + plan.timeout + 30
    try:
        out, err = process.communicate(plan.to_json().encode(), timeout=limit)
    except subprocess.TimeoutExpired:
        raise GeneratorError(f"the load generator did not finish within {limit:.0f} s") from None
    finally:
        children.stop(process)
    if process.returncode != 0 or not out.strip():
        tail = err.decode(errors="replace").strip().splitlines()[-5:]
        raise GeneratorError("the load generator failed: " + " | ".join(tail))
    return LoadResult.from_json(out.decode())


def main() -> None:
    plan = LoadPlan.from_json(sys.stdin.read())
    result = run_plan(plan)
    sys.stdout.write(result.to_json() + "\n")
    sys.stdout.flush()
    os._exit(0)  # skip interpreter teardown: the parent waits for this line only


if __name__ == "__main__":
    main()
