"""The measurement: equivalence, capacity probe, then interleaved rounds. All the I/O is here.

Order of a run:

1. start the mock upstreams (if the scenario has any), pinned with the load generator;
2. serve both apps once and compare their answers to every scenario request;
3. capacity probe of each side (fresh server): closed loop, connections 1, 2, 4, … until the
   throughput stops growing (< 5 % more), p99 passes the SLO, errors appear, or the cap;
4. the offered rate: ``--rate``, else half the original's capacity; both sides get the same;
5. rounds: A and B alternate in pairs whose order is drawn at random (seeded). Each round starts
   its server fresh, runs the open-loop warm-up (discarded) and measurement in a new generator
   process, and stops the server. Invalid rounds are replaced by extra pairs, up to as many
   extra pairs as planned rounds.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

from flask2quart.verify import equivalence, machine
from flask2quart.verify.analysis import round_problems
from flask2quart.verify.loaddata import LoadPlan, LoadResult, decode_histogram
from flask2quart.verify.loadgen import run_in_process
from flask2quart.verify.processes import Children, default_cpu_split, pin_prefix, pinning_problem
from flask2quart.verify.results import (
    Capacity,
    ProbeStep,
    RoundRecord,
    RunRecord,
    ServerInfo,
)
from flask2quart.verify.scenario import Scenario, equivalence_requests, load_sequence
from flask2quart.verify.servers import (
    RunningServer,
    ServerKind,
    ServerSpec,
    default_workers,
    start_server,
    stop_server,
)
from flask2quart.verify.upstream import write_config

LOAD_SEQUENCE_LENGTH = 4096
PROBE_GROWTH = 1.05
# Fixed costs in a run, from two --quick runs of sample_apps/json on the project's busy 2-vCPU
# machine: rounds of 7 s of load started 8.6–9.3 s apart (a fresh server started until it
# answers, then stopped, and a new generator), probe steps of 1.33 s 1.5 s apart (a new
# generator). Without them the estimate would count only the load, a third short.
SERVER_CYCLE_SECONDS = 2.0
GENERATOR_START_SECONDS = 0.2


@dataclass
class Settings:
    original: Path
    converted: Path
    app: str
    scenario: Scenario
    server: ServerKind = "hypercorn"
    workers: int | None = None
    threads: int = 8
    rounds: int = 5
    warmup: float = 5.0
    duration: float | None = None  # None: max(15, 1000 / rate), at most 60
    rate: float | None = None
    arrival: Literal["constant", "poisson"] = "constant"
    connections: int = 256
    timeout: float = 10.0
    probe_step: float = 3.0
    probe_slo_ms: float = 1000.0
    server_cpus: list[int] | None = None
    load_cpus: list[int] | None = None
    pin: bool = True
    noise_threshold: float = 0.05
    max_background: float = 0.25
    max_lag_ms: float = 2.0
    fail_on_regression: float | None = None
    skip_equivalence: bool = False
    calibrate: bool = False
    quick: bool = False
    seed: int = 0
    start_timeout: float = 30.0
    migrated: bool = False
    migration: str = ""  # how the converted tree was made (rules and settings), for reports


class EquivalenceFailure(Exception):
    def __init__(self, record: RunRecord) -> None:
        super().__init__("the two apps answer differently")
        self.record = record


class MeasurementError(Exception):
    """The run could not measure what it set out to (the message says what and why)."""


Progress = Callable[[str, float], None]  # (what is running now, expected seconds)


def _no_progress(description: str, seconds: float) -> None:
    return None


@dataclass
class _Context:
    settings: Settings
    children: Children
    specs: dict[str, ServerSpec]
    probe: bytes
    requests: list[bytes]
    log_dir: Path
    progress: Progress


def _pinning(settings: Settings) -> tuple[list[int] | None, list[int] | None, str | None]:
    if not settings.pin:
        return None, None, "pinning turned off (--no-pin)"
    if settings.server_cpus is not None and settings.load_cpus is not None:
        server, load = settings.server_cpus, settings.load_cpus
    else:
        split = default_cpu_split()
        if split is None:
            return None, None, f"only CPUs {machine.usable_cpus()} are usable: nothing to pin to"
        server = settings.server_cpus or split[0]
        load = settings.load_cpus or split[1]
    problem = pinning_problem(server, load)
    if problem:
        return None, None, problem
    return server, load, None


def _specs(
    settings: Settings, server_cpus: list[int] | None, env: dict[str, str]
) -> dict[str, ServerSpec]:
    workers = settings.workers or default_workers(server_cpus)
    original = ServerSpec(
        label="original",
        kind="gunicorn",
        root=settings.original,
        app=settings.app,
        workers=workers,
        threads=settings.threads,
        cpus=tuple(server_cpus or ()),
        env=env,
    )
    if settings.calibrate:
        # A/A: the original against itself measures the noise of this machine.
        return {"original": original, "converted": replace(original, label="converted")}
    converted = ServerSpec(
        label="converted",
        kind=settings.server,
        root=settings.converted,
        app=settings.app,
        workers=workers,
        cpus=tuple(server_cpus or ()),
        env=env,
    )
    return {"original": original, "converted": converted}


def _server_info(spec: ServerSpec) -> ServerInfo:
    return ServerInfo(
        label=spec.label,
        kind=spec.kind,
        command=spec.command("PORT"),  # a free port is chosen for every start
        budget=spec.budget(),
        workers=spec.workers,
        threads=spec.threads if spec.kind == "gunicorn" else None,
        cpus=list(spec.cpus),
    )


def start_upstreams(
    settings: Settings, children: Children, load_cpus: list[int] | None, log_dir: Path
) -> tuple[dict[str, str], dict[str, Any]]:
    upstreams = settings.scenario.upstreams
    if not upstreams:
        return {}, {}
    config = log_dir / "upstreams.json"
    write_config(upstreams, settings.seed, config)
    command = [
        *pin_prefix(load_cpus),
        sys.executable,
        "-m",
        "flask2quart.verify.upstream",
        str(config),
    ]
    with (log_dir / "upstreams.log").open("wb") as log:
        process = children.start(command, stdout=subprocess.PIPE, stderr=log)
    assert process.stdout is not None
    # One line of ports once every mock listens; end of file if the process died first.
    line = process.stdout.readline()
    if not line:
        raise MeasurementError(
            "the mock upstream did not start: "
            + (log_dir / "upstreams.log").read_text(errors="replace")[-500:]
        )
    ports: dict[str, int] = json.loads(line)
    env, described = {}, {}
    for upstream in upstreams:
        url = f"http://127.0.0.1:{ports[upstream.name]}"
        env[upstream.env] = url
        described[upstream.name] = {
            "env": upstream.env,
            "url": url,
            "latency": upstream.latency.describe(),
            "command": command,
        }
    return env, described


def _run_load(context: _Context, plan: LoadPlan, label: str) -> LoadResult:
    context.progress(label, plan.warmup + plan.duration)
    return run_in_process(plan, context.settings.load_cpus, context.children)


def _plan(context: _Context, server: RunningServer, **kwargs: Any) -> LoadPlan:
    settings = context.settings
    return LoadPlan(
        host="127.0.0.1",
        port=server.port,
        requests=context.requests,
        timeout=settings.timeout,
        seed=settings.seed,
        account_pid=_our_pid(),
        server_pid=server.pid,
        **kwargs,
    )


def _our_pid() -> int:
    return os.getpid()


def _probe(context: _Context, label: str) -> Capacity:
    settings = context.settings
    server = start_server(
        context.specs[label],
        context.children,
        context.probe,
        context.log_dir,
        settings.start_timeout,
    )
    steps: list[ProbeStep] = []
    best_rate, best_connections, reason = 0.0, 1, f"reached {settings.connections} connections"
    try:
        connections, flat_steps = 1, 0
        while connections <= settings.connections:
            plan = _plan(
                context,
                server,
                mode="closed",
                connections=connections,
                warmup=min(1.0, settings.probe_step / 3),
                duration=settings.probe_step,
            )
            load = _run_load(context, plan, f"{label}: capacity probe, {connections} connections")
            steps.append(ProbeStep(connections, load))
            p99_ms = decode_histogram(load.latency).get_value_at_percentile(99) / 1000
            errors = sum(load.errors.values()) + sum(
                n for status, n in load.statuses.items() if int(status) >= 500
            )
            if load.achieved_rate > best_rate:
                growth = load.achieved_rate / best_rate if best_rate else float("inf")
                best_rate, best_connections = load.achieved_rate, connections
            else:
                growth = 0.0
            if errors:
                reason = f"{errors} errors at {connections} connections"
                break
            if p99_ms > settings.probe_slo_ms:
                reason = (
                    f"p99 {p99_ms:,.0f} ms > SLO {settings.probe_slo_ms:g} ms "
                    f"at {connections} connections"
                )
                break
            # One step without growth can be noise; two in a row is the knee.
            flat_steps = flat_steps + 1 if growth < PROBE_GROWTH else 0
            if flat_steps == 2:
                reason = f"throughput stopped growing by {connections} connections"
                break
            connections *= 2
    finally:
        stop_server(server, context.children)
    return Capacity(label, steps, best_rate, best_connections, reason)


def _round_order(rounds: int, rng: random.Random) -> list[str]:
    order: list[str] = []
    for _ in range(rounds):
        pair = ["original", "converted"]
        rng.shuffle(pair)
        order.extend(pair)
    return order


def _measure_round(
    context: _Context, label: str, rate: float, number: int, position: int
) -> RoundRecord:
    settings = context.settings
    server = start_server(
        context.specs[label],
        context.children,
        context.probe,
        context.log_dir,
        settings.start_timeout,
    )
    try:
        plan = _plan(
            context,
            server,
            mode="open",
            connections=settings.connections,
            warmup=settings.warmup,
            duration=settings.duration or 15.0,
            rate=rate,
            arrival=settings.arrival,
        )
        load = _run_load(context, plan, f"{label}: round {number}, {rate:g} req/s")
    finally:
        stop_server(server, context.children)
    return RoundRecord(label, number, position, round(server.started_in, 3), load)


def _equivalence(context: _Context) -> dict[str, Any]:
    settings = context.settings
    requests = equivalence_requests(settings.scenario, seed=settings.seed)
    context.progress("equivalence check", 2.0)
    servers = []
    try:
        for label in ("original", "converted"):
            servers.append(
                start_server(
                    context.specs[label],
                    context.children,
                    context.probe,
                    context.log_dir,
                    settings.start_timeout,
                )
            )
        differences = equivalence.check(
            requests, servers[0].port, servers[1].port, settings.scenario.compare_headers
        )
    finally:
        for server in servers:
            stop_server(server, context.children)
    return {
        "checked": True,
        "requests": [f"{r.method} {r.target}" for r in requests],
        "differences": [asdict(d) for d in differences],
    }


@dataclass(frozen=True)
class Estimate:
    """How long a run takes, from its settings (migration not included)."""

    low: float  # the probe stops at its earliest knee, no round is replaced
    high: float  # the probe runs to --connections, no round is replaced
    per_replaced_pair: float  # added by each pair of rounds that replaces invalid ones
    most_replaced_pairs: int
    description: str  # what the figures are made of

    def span(self) -> str:
        return _span(self.low, self.high)

    def describe(self) -> str:
        return (
            f"about {self.span()}: {self.description}; +{_seconds(self.per_replaced_pair)} for "
            f"each pair of rounds replacing invalid ones (at most {self.most_replaced_pairs})"
        )


def _seconds(value: float) -> str:
    return f"{round(value / 5) * 5:.0f} s" if value < 120 else f"{value / 60:.0f} min"


def _span(low: float, high: float) -> str:
    low_text, high_text = _seconds(low), _seconds(high)
    if low_text == high_text:
        return low_text
    if low_text.split()[1] == high_text.split()[1]:
        return f"{low_text.split()[0]}–{high_text}"
    return f"{low_text}–{high_text}"


def _round_durations(settings: Settings) -> tuple[float, float]:
    """Measured seconds per round; without --duration they follow the rate (see measure)."""
    if settings.duration:
        return settings.duration, settings.duration
    if settings.rate:
        duration = min(60.0, max(15.0, 1000 / settings.rate))
        return duration, duration
    return 15.0, 60.0


def estimate(settings: Settings) -> Estimate:
    """The run's length from its rounds, warm-up, duration and probe settings."""
    short, long = _round_durations(settings)

    def rounds_seconds(duration: float) -> float:
        one = settings.warmup + duration + GENERATOR_START_SECONDS + SERVER_CYCLE_SECONDS
        return 2 * settings.rounds * one

    step = min(1.0, settings.probe_step / 3) + settings.probe_step + GENERATOR_START_SECONDS
    most_steps = settings.connections.bit_length()  # 1, 2, 4, … up to --connections
    fewest_steps = min(3, most_steps)  # the knee needs two flat steps after the first

    def probe_seconds(steps: int) -> float:
        return 2 * (SERVER_CYCLE_SECONDS + steps * step)

    equivalence = 0.0 if settings.skip_equivalence else 2 * SERVER_CYCLE_SECONDS
    measured = f"{short:g}" if short == long else f"{short:g}–{long:g}"
    return Estimate(
        low=equivalence + probe_seconds(fewest_steps) + rounds_seconds(short),
        high=equivalence + probe_seconds(most_steps) + rounds_seconds(long),
        per_replaced_pair=rounds_seconds(long) / settings.rounds,
        most_replaced_pairs=1 if settings.quick else settings.rounds,
        description=(
            f"{settings.rounds} rounds per side of {settings.warmup:g} s warm-up + {measured} s, "
            f"a capacity probe of {fewest_steps}–{most_steps} steps of {settings.probe_step:g} s "
            "per side, a fresh server for each"
        ),
    )


def choose_rate(settings: Settings, capacity: Capacity) -> tuple[float, str]:
    if settings.rate:
        return settings.rate, "--rate"
    if capacity.knee_rate <= 0:
        raise MeasurementError("the original answered nothing in the capacity probe")
    rate = capacity.knee_rate / 2
    # Two significant figures: a rate a person can repeat with --rate.
    digits = 1 - int(f"{rate:e}".split("e")[1])
    return float(round(rate, digits)) or rate, "50 % of the original's capacity"


def settings_record(settings: Settings) -> dict[str, Any]:
    data = {
        key: value
        for key, value in asdict(settings).items()
        if key not in ("scenario", "original", "converted")
    }
    data["original"] = str(settings.original)
    data["converted"] = str(settings.converted)
    return data


def measure(
    settings: Settings, progress: Progress = _no_progress, argv: list[str] | None = None
) -> RunRecord:
    """Run everything and return the raw record (analysis and reports are separate)."""
    server_cpus, load_cpus, pin_note = _pinning(settings)
    settings = replace(settings, server_cpus=server_cpus, load_cpus=load_cpus)
    requests = load_sequence(settings.scenario, LOAD_SEQUENCE_LENGTH, settings.seed)
    probe = requests[0].raw()
    record_settings = settings_record(settings)
    record_settings["pinning"] = {
        "server_cpus": server_cpus,
        "load_cpus": load_cpus,
        "problem": pin_note,
    }
    with Children() as children, tempfile.TemporaryDirectory(prefix="f2q-verify-") as tmp:
        log_dir = Path(tmp)
        env, upstreams = start_upstreams(settings, children, load_cpus, log_dir)
        specs = _specs(settings, server_cpus, env)
        context = _Context(
            settings, children, specs, probe, [r.raw() for r in requests], log_dir, progress
        )
        record = RunRecord(
            settings=record_settings,
            machine=machine.describe(),
            scenario=settings.scenario.describe(),
            servers={label: _server_info(spec) for label, spec in specs.items()},
            equivalence={"checked": False, "requests": [], "differences": []},
            upstreams=upstreams,
            created=datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            argv=argv or [],
        )
        if not settings.skip_equivalence:
            record.equivalence = _equivalence(context)
            if record.equivalence["differences"]:
                raise EquivalenceFailure(record)
        for label in ("original", "converted"):
            record.capacity[label] = _probe(context, label)
        rate, source = choose_rate(settings, record.capacity["original"])
        record.settings["rate"] = rate
        record.settings["rate_source"] = source
        duration = settings.duration or min(60.0, max(15.0, 1000 / rate))
        settings = context.settings = replace(settings, duration=duration)
        record.settings["duration"] = duration
        rng = random.Random(settings.seed)
        order = _round_order(settings.rounds, rng)
        # Invalid rounds are replaced by extra pairs (one at most with --quick, to stay quick).
        extra_pairs = 1 if settings.quick else settings.rounds
        numbers = {"original": 0, "converted": 0}
        while order:
            label = order.pop(0)
            numbers[label] += 1
            result = _measure_round(context, label, rate, numbers[label], len(record.rounds) + 1)
            record.rounds.append(result)
            if not order and extra_pairs:
                missing = any(
                    sum(not round_problems(r.load, record.settings) for r in record.rounds_of(side))
                    < settings.rounds
                    for side in ("original", "converted")
                )
                if missing:
                    extra_pairs -= 1
                    order = _round_order(1, rng)
        record.settings["priority_raised"] = children.priority_raised
    return record
