"""The pure parts of the orchestration: round order, the offered rate, server commands."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from flask2quart.verify.cli import (
    QUICK_DURATION,
    QUICK_PROBE_STEP,
    QUICK_ROUNDS,
    QUICK_TAKES,
    QUICK_WARMUP,
)
from flask2quart.verify.orchestrate import (
    GENERATOR_START_SECONDS,
    SERVER_CYCLE_SECONDS,
    Settings,
    _round_order,
    _specs,
    choose_rate,
    estimate,
)
from flask2quart.verify.results import Capacity
from flask2quart.verify.scenario import default_scenario
from flask2quart.verify.servers import ServerSpec, default_workers

DOCS = Path(__file__).resolve().parents[2] / "docs"


def settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "original": Path("/app"),
        "converted": Path("/converted"),
        "app": "wsgi:app",
        "scenario": default_scenario(["/"]),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def test_rounds_alternate_in_pairs_of_random_order() -> None:
    order = _round_order(50, random.Random(0))
    pairs = [tuple(order[i : i + 2]) for i in range(0, len(order), 2)]
    assert all(set(pair) == {"original", "converted"} for pair in pairs)
    assert {pair[0] for pair in pairs} == {"original", "converted"}  # both orders occur
    assert order == _round_order(50, random.Random(0))


def test_rate_is_half_the_original_capacity_rounded_to_two_figures() -> None:
    capacity = Capacity("original", [], 5895.3, 8, "")
    assert choose_rate(settings(), capacity) == (2900.0, "50 % of the original's capacity")
    assert choose_rate(settings(), Capacity("original", [], 63.0, 8, ""))[0] == 32.0
    assert choose_rate(settings(rate=40.0), capacity) == (40.0, "--rate")


def test_same_cpus_and_workers_on_both_sides() -> None:
    specs = _specs(settings(), [0], {"UPSTREAM_URL": "http://127.0.0.1:1"})
    original, converted = specs["original"], specs["converted"]
    assert original.workers == converted.workers == default_workers([0]) == 3
    assert original.cpus == converted.cpus == (0,)
    assert original.env == converted.env
    assert original.command(8000)[:3] == ["taskset", "-c", "0"]
    assert "gthread" in original.command(8000) and "hypercorn" in converted.command(8000)


def test_calibration_serves_the_original_on_both_sides() -> None:
    specs = _specs(settings(calibrate=True), [0], {})
    assert specs["original"].command(1) == specs["converted"].command(1)
    assert specs["converted"].root == Path("/app")


@pytest.mark.parametrize(
    ("app", "factory", "target"),
    [("wsgi:app", False, "wsgi:app"), ("pkg:create_app()", True, "pkg:create_app")],
)
def test_uvicorn_command_uses_its_factory_flag(app: str, factory: bool, target: str) -> None:
    command = ServerSpec("converted", "uvicorn", Path("/x"), app, workers=2).command(9000)
    assert ("--factory" in command) is factory
    assert command[-1] == target


def test_mock_upstream_serves_the_scenario_routes_after_their_delay(tmp_path: Path) -> None:
    import time

    from flask2quart.verify.equivalence import fetch
    from flask2quart.verify.orchestrate import start_upstreams
    from flask2quart.verify.processes import Children
    from flask2quart.verify.scenario import ConcreteRequest, load_scenario

    scenario = load_scenario(
        Path(__file__).resolve().parents[2] / "sample_apps/fanout/scenario.toml"
    )
    with Children() as children:
        env, described = start_upstreams(settings(scenario=scenario), children, None, tmp_path)
        port = int(env["UPSTREAM_URL"].rsplit(":", 1)[1])
        started = time.perf_counter()
        item = fetch(port, ConcreteRequest("i", "GET", "/items/21", (), b""))
        elapsed = time.perf_counter() - started
        echo = fetch(port, ConcreteRequest("e", "POST", "/echo", (), b"raw bytes"))
        old = fetch(port, ConcreteRequest("o", "GET", "/old", (), b""))
        fail = fetch(port, ConcreteRequest("f", "GET", "/fail", (), b""))
        missing = fetch(port, ConcreteRequest("m", "GET", "/nothing", (), b""))
    assert (item.status, item.body) == (200, b'{"id":21,"value":42}')
    assert elapsed >= 0.001  # normal(10 ms, 2 ms), clamped at 0: never instant
    assert (echo.status, echo.body) == (200, b"raw bytes")
    assert (old.status, old.headers["location"]) == (302, "/items/1")
    assert fail.status == 500
    assert missing.status == 404
    assert described["api"]["env"] == "UPSTREAM_URL"


def test_pinning_problems_are_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    from flask2quart.verify import machine, processes

    monkeypatch.setattr(machine, "usable_cpus", lambda: [0, 1])
    monkeypatch.setattr(processes.shutil, "which", lambda name: "/usr/bin/" + name)
    assert processes.pinning_problem([0], [1]) is None
    assert processes.pinning_problem([0], [0]) == (
        "the server and the load generator would share CPUs"
    )
    assert "CPUs [5] are not available" in (processes.pinning_problem([5], [1]) or "")
    monkeypatch.setattr(processes.shutil, "which", lambda name: None)
    assert "taskset is not installed" in (processes.pinning_problem([0], [1]) or "")
    monkeypatch.setattr(machine, "usable_cpus", lambda: [0])
    assert processes.default_cpu_split() is None


def test_an_unpinned_run_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    from flask2quart.verify import orchestrate

    monkeypatch.setattr(orchestrate, "default_cpu_split", lambda: None)
    server, load, problem = orchestrate._pinning(settings())
    assert (server, load) == (None, None)
    assert problem is not None and "nothing to pin to" in problem
    assert orchestrate._pinning(settings(pin=False))[2] == "pinning turned off (--no-pin)"


def quick_settings(**overrides: object) -> Settings:
    quick: dict[str, object] = {
        "rounds": QUICK_ROUNDS,
        "warmup": QUICK_WARMUP,
        "duration": QUICK_DURATION,
        "probe_step": QUICK_PROBE_STEP,
        "quick": True,
    }
    return settings(**{**quick, **overrides})


def test_quick_help_and_docs_state_the_computed_length() -> None:
    quick = estimate(quick_settings())
    assert quick.span() == QUICK_TAKES
    assert f"about {QUICK_TAKES}" in (DOCS / "verify.md").read_text()
    assert quick.most_replaced_pairs == 1


def test_the_estimate_is_made_of_rounds_probe_steps_and_server_starts() -> None:
    base = estimate(quick_settings())
    one_round_per_side = 2 * (QUICK_WARMUP + QUICK_DURATION + GENERATOR_START_SECONDS
                              + SERVER_CYCLE_SECONDS)  # fmt: skip
    more_rounds = estimate(quick_settings(rounds=QUICK_ROUNDS + 1))
    assert more_rounds.low - base.low == pytest.approx(one_round_per_side)
    assert base.per_replaced_pair == pytest.approx(one_round_per_side)
    unchecked = estimate(quick_settings(skip_equivalence=True))
    assert base.low - unchecked.low == pytest.approx(2 * SERVER_CYCLE_SECONDS)
    # 256 connections: 1, 2, … 256 is 9 steps at most, 3 at least.
    assert "3–9 steps of 1 s" in base.description
    assert "1–1 steps" in estimate(quick_settings(connections=1)).description
    assert base.high > base.low


def test_without_duration_the_estimate_follows_the_rate() -> None:
    unknown_rate = estimate(settings())
    assert "5 s warm-up + 15–60 s" in unknown_rate.description
    assert unknown_rate.most_replaced_pairs == 5
    assert "+ 25 s" in estimate(settings(rate=40)).description  # 1000 / 40 req/s
    assert "+ 15 s" in estimate(settings(rate=1000)).description
    assert estimate(settings()).describe().startswith("about 4–13 min: 5 rounds per side")
