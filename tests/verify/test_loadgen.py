"""The load generator against the mock upstream: schedules, latency, errors by kind."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from flask2quart.verify.loaddata import LoadPlan, decode_histogram
from flask2quart.verify.loadgen import run_plan
from flask2quart.verify.orchestrate import Settings, start_upstreams
from flask2quart.verify.processes import Children
from flask2quart.verify.scenario import load_scenario

SCENARIO = """
[[requests]]
path = "/"

[upstreams.fast]
env = "FAST"
latency = { distribution = "fixed", mean_ms = 20 }
[[upstreams.fast.routes]]
path = "/item"
json = { ok = true }

[upstreams.slow]
env = "SLOW"
latency = { distribution = "fixed", mean_ms = 400 }
[[upstreams.slow.routes]]
path = "/item"
body = "late"
"""
GET = b"GET /item HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture(scope="module")
def ports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, int]]:
    folder = tmp_path_factory.mktemp("upstreams")
    path = folder / "scenario.toml"
    path.write_text(SCENARIO)
    settings = Settings(Path("."), Path("."), "wsgi:app", load_scenario(path))
    with Children() as children:
        env, _ = start_upstreams(settings, children, None, folder)
        yield {name: int(url.rsplit(":", 1)[1]) for name, url in env.items()}


def plan(port: int, **overrides: object) -> LoadPlan:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "requests": [GET],
        "mode": "open",
        "connections": 32,
        "warmup": 0.2,
        "duration": 1.0,
        "rate": 100.0,
    }
    values.update(overrides)
    return LoadPlan(**values)  # type: ignore[arg-type]


def test_open_loop_constant_rate(ports: dict[str, int]) -> None:
    result = run_plan(plan(ports["FAST"]))
    assert 99 <= result.sent <= 101  # due every 10 ms in the 1 s window (float edges aside)
    assert result.completed == result.sent and result.statuses == {"200": result.sent}
    assert result.errors == {}
    latency = decode_histogram(result.latency)
    assert 19_000 <= latency.get_value_at_percentile(50) < 200_000  # µs: the 20 ms delay
    assert latency.get_total_count() == result.sent
    # Concurrency follows Little's law (100 req/s × 20 ms ≈ 2), not the connection limit.
    assert result.connections_opened < 16


def test_open_loop_poisson_arrivals_are_seeded(ports: dict[str, int]) -> None:
    poisson = {"arrival": "poisson", "seed": 4, "rate": 400.0, "duration": 0.5}
    first = run_plan(plan(ports["FAST"], **poisson))
    second = run_plan(plan(ports["FAST"], **poisson))
    assert first.sent == second.sent  # same seed, same schedule
    assert 140 <= first.sent <= 260  # Poisson(400 / s) over half a second
    assert first.completed == first.sent


def test_latency_is_measured_from_the_intended_send_time(ports: dict[str, int]) -> None:
    # Two connections for 10 req/s of 0.4 s requests: the queue waits, and only the corrected
    # latency (from the intended time) sees the wait.
    result = run_plan(plan(ports["SLOW"], rate=10.0, connections=2, duration=0.4, timeout=30))
    corrected = decode_histogram(result.latency).get_value_at_percentile(90)
    uncorrected = decode_histogram(result.uncorrected).get_value_at_percentile(90)
    assert uncorrected < 440_000 <= corrected
    assert result.max_queue > 0


def test_timeouts_are_counted_as_errors(ports: dict[str, int]) -> None:
    result = run_plan(plan(ports["SLOW"], rate=20.0, duration=0.5, timeout=0.2))
    assert result.completed == 0
    assert result.errors == {"timeout": result.sent}


def test_refused_connections_are_connect_errors() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    result = run_plan(plan(closed_port, rate=20.0, duration=0.5, connections=1))
    assert result.completed == 0
    assert result.errors.get("connect", 0) >= 1


def test_closed_loop_keeps_its_connections_busy(ports: dict[str, int]) -> None:
    result = run_plan(plan(ports["FAST"], mode="closed", connections=4, rate=0.0))
    # 4 connections × 1 s / 20 ms ≈ 200 requests; the latency is the send → response time.
    assert 100 <= result.completed <= 210
    assert result.uncorrected == result.latency
    assert result.connections_opened == 4


def test_an_open_plan_needs_a_rate() -> None:
    with pytest.raises(ValueError, match="positive rate"):
        run_plan(plan(1, rate=0.0))
