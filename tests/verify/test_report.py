"""Analysis and reports on synthetic runs: known inputs, known outputs."""

from __future__ import annotations

import html
import json
import math
import random
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from flask2quart.cli import main
from flask2quart.verify.analysis import analyse, round_problems
from flask2quart.verify.cli import EXIT_OK
from flask2quart.verify.loaddata import LoadResult, encode_histogram, new_histogram
from flask2quart.verify.report import (
    loosened_limits,
    percentile_curve,
    plot_svg,
    to_html,
    to_json,
    to_markdown,
)
from flask2quart.verify.results import (
    Capacity,
    RoundRecord,
    RunRecord,
    ServerInfo,
    histogram_counts,
    load_run,
)

RESULTS = Path(__file__).resolve().parents[2] / "docs" / "results"  # reports saved by older runs


def load(
    latencies_ms: list[float],
    *,
    rate: float = 50.0,
    achieved: float | None = None,
    lag_ms: float = 0.5,
    **figures: float,
) -> LoadResult:
    latency, uncorrected, lag = new_histogram(), new_histogram(), new_histogram()
    for value in latencies_ms:
        latency.record_value(int(value * 1000))
        uncorrected.record_value(int(value * 900))
        lag.record_value(int(lag_ms * 1000))
    defaults = {"generator_cpu": 0.02, "server_cpu": 0.3, "others_cpu": 0.05}
    defaults.update(figures)
    return LoadResult(
        mode="open",
        connections=64,
        offered_rate=rate,
        duration=10.0,
        sent=len(latencies_ms),
        completed=len(latencies_ms),
        answered_in_window=len(latencies_ms),
        achieved_rate=rate if achieved is None else achieved,
        latency=encode_histogram(latency),
        uncorrected=encode_histogram(uncorrected),
        schedule_lag=encode_histogram(lag),
        statuses={"200": len(latencies_ms)},
        **defaults,  # type: ignore[arg-type]
    )


def run_with(
    original_ms: float, converted_ms: float, rounds: int = 5, seed: int = 1, **settings: object
) -> RunRecord:
    rng = random.Random(seed)
    record = RunRecord(
        settings={"rate": 50.0, "rate_source": "--rate", "arrival": "constant", "warmup": 5.0,
                  "duration": 10.0, "original": "app", "converted": "copy", **settings},
        machine={"cpu_model": "test", "usable_cpus": [0, 1], "python": "3.11"},
        scenario={"source": "test"},
        servers={
            label: ServerInfo(label, kind, [kind, "--bind", "127.0.0.1:PORT", "wsgi:app"],
                              "3 worker processes, CPUs 0", 3, None, [0])
            for label, kind in (("original", "gunicorn"), ("converted", "hypercorn"))
        },
        equivalence={"checked": True, "requests": ["GET /"], "differences": []},
    )  # fmt: skip
    position = 0
    for number in range(1, rounds + 1):
        for label, centre in (("original", original_ms), ("converted", converted_ms)):
            position += 1
            shift = rng.uniform(0.98, 1.02)  # rounds differ a little, as they do
            values = [centre * shift * rng.uniform(0.8, 1.25) for _ in range(400)]
            record.rounds.append(RoundRecord(label, number, position, 0.5, load(values)))
    for label, knee in (("original", 100.0), ("converted", 250.0)):
        record.capacity[label] = Capacity(label, [], knee, 8, "throughput stopped growing")
    return record


def test_a_clear_speed_up_is_faster_with_an_interval_below_one() -> None:
    result = analyse(run_with(20.0, 10.0))
    by_metric = {c.metric: c for c in result.comparisons}
    p50 = by_metric["p50"]
    assert p50.verdict == "faster"
    assert 0.45 < p50.estimate.low <= p50.estimate.ratio <= p50.estimate.high < 0.55
    assert p50.mann_whitney_p == pytest.approx(2 / 252)  # 5 v 5, fully separated
    assert by_metric["server CPU per request"].verdict == "no change"  # equal CPU figures
    assert re.match(r"p50 −4\d\.\d % \[−\d\d\.\d %, −\d\d\.\d %\] \(faster\); p99 ", result.summary)
    assert "capacity 100 → 250 req/s; 0 new errors" in result.summary
    assert not result.regression


def test_identical_apps_show_no_change() -> None:
    result = analyse(run_with(15.0, 15.0, seed=3))
    assert {c.metric: c.verdict for c in result.comparisons}["p50"] == "no change"


def test_the_regression_gate_uses_the_interval() -> None:
    slower = run_with(10.0, 13.0)
    assert analyse(slower, {"fail_on_regression": 10}).regression
    reasons = analyse(slower, {"fail_on_regression": 10}).regression_reasons
    assert any(reason.startswith("p50 is slower by more than 10 %") for reason in reasons)
    assert not analyse(slower, {"fail_on_regression": 50}).regression
    assert not analyse(slower).regression  # no gate asked for


def test_an_unsustained_rate_is_a_failure_not_a_latency() -> None:
    record = run_with(10.0, 12.0)
    for item in record.rounds_of("converted"):
        item.load.achieved_rate = 40.0  # 80 % of the offered 50 req/s
    result = analyse(record, {"fail_on_regression": 50})
    assert {c.verdict for c in result.comparisons if c.metric.startswith("p")} == {
        "converted not sustained"
    }
    assert "the converted app did not sustain 50 req/s" in result.regression_reasons
    assert "did NOT sustain" in result.summary


def test_when_neither_side_keeps_up_the_verdict_says_so_and_compares_throughput() -> None:
    record = run_with(10.0, 12.0)
    for label, achieved in (("original", 30.0), ("converted", 40.0)):
        for item in record.rounds_of(label):
            item.load.achieved_rate = achieved
    result = analyse(record, {"fail_on_regression": 50})
    assert {c.verdict for c in result.comparisons if c.metric.startswith("p")} == {
        "neither sustained"
    }
    assert any("answered 30.0 → 40.0 req/s" in note for note in result.notes)
    assert not any("converted app did not sustain" in r for r in result.regression_reasons)


def test_invalid_rounds_are_left_out_and_reported() -> None:
    record = run_with(10.0, 10.0)
    record.rounds[0].load.others_cpu = 0.9
    record.rounds[1].load.generator_cpu = 0.7
    result = analyse(record)
    assert result.sides["original"].rounds_valid == 4
    assert result.sides["converted"].rounds_valid == 4
    assert result.sides["original"].invalid == ["round 1: other processes used 0.90 cores"]
    assert any("invalid round" in note for note in result.notes)
    assert analyse(record, {"max_background": 1.0}).sides["original"].rounds_valid == 5


def test_round_problems_checks_the_generator_schedule() -> None:
    assert round_problems(load([5.0] * 10, lag_ms=0.5), {}) == []
    (problem,) = round_problems(load([5.0] * 10, lag_ms=9.0), {})
    assert problem.startswith("generator fell behind schedule (lag p99 9.0 ms)")
    assert round_problems(load([5.0] * 10, lag_ms=9.0), {"max_lag_ms": 20}) == []


def test_few_rounds_are_called_rough() -> None:
    result = analyse(run_with(20.0, 10.0, rounds=3))
    assert any("cannot reach p < 0.05" in note for note in result.notes)


def test_new_errors_count_5xx_statuses() -> None:
    record = run_with(10.0, 10.0)
    record.rounds_of("converted")[0].load.statuses = {"200": 390, "503": 10}
    result = analyse(record, {"fail_on_regression": 50})
    assert result.sides["converted"].errors == {"http 503": 10}
    assert result.regression_reasons == [
        "new errors: 10 in the converted app against 0 in the original"
    ]


def test_json_report_round_trips_and_recomputes(tmp_path: Path) -> None:
    record = run_with(20.0, 10.0)
    result = analyse(record)
    path = tmp_path / "run.json"
    path.write_text(to_json(record, result))
    data = json.loads(path.read_text())
    assert data["analysis"]["summary"] == result.summary
    assert data["rounds"][0]["load"]["latency"].startswith("HISTF")
    reloaded = load_run(path)
    assert analyse(reloaded).summary == result.summary
    assert histogram_counts(reloaded.rounds[0].load.latency) == histogram_counts(
        record.rounds[0].load.latency
    )


def test_load_run_rejects_other_files(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"version": 99}')
    with pytest.raises(ValueError, match="not a verify JSON report"):
        load_run(path)


def test_markdown_has_the_comparison_table_and_commands() -> None:
    record = run_with(20.0, 10.0)
    text = to_markdown(record, analyse(record))
    assert "| metric | original | converted | change | 95 % CI |" in text
    p50_row = next(line for line in text.splitlines() if line.startswith("| p50 |"))
    assert p50_row.endswith("| **faster** |")
    assert "`gunicorn --bind 127.0.0.1:PORT wsgi:app`" in text


def test_percentile_curve_spans_to_the_last_resolvable_percentile() -> None:
    curve = percentile_curve(((1000, 1), (2000, 1)))
    assert curve[0] == (0.0, 1.0)
    assert curve[-1] == (math.log10(2), 2.0)
    assert all(y in (1.0, 2.0) for _, y in curve)
    assert percentile_curve(()) == []


def test_plot_switches_to_a_log_axis_when_sides_are_far_apart() -> None:
    near = plot_svg(
        {"original": [(0.0, 10.0), (2.0, 20.0)], "converted": [(0.0, 12.0), (2.0, 25.0)]}, {}
    )
    far = plot_svg(
        {"original": [(0.0, 1.0), (2.0, 2.0)], "converted": [(0.0, 500.0), (2.0, 900.0)]}, {}
    )
    assert "log scale)</text>" not in near and "latency (ms)" in near
    assert "latency (ms, log scale)" in far
    assert plot_svg({}, {}) == "<p>No latency recorded.</p>"


def test_html_report_has_the_plot_for_both_sides_and_escapes_text() -> None:
    record = run_with(20.0, 10.0)
    record.machine["hostname"] = "<box>"
    page = to_html(record, analyse(record))
    assert page.startswith("<!doctype html>")
    assert page.count('stroke-width="2.5" stroke-opacity="1"') == 2  # one pooled curve per side
    assert page.count('stroke-width="1" stroke-opacity="0.35"') == 10  # one per round
    assert "&lt;box&gt;" in page and "<box>" not in page


def test_a_side_with_too_few_valid_rounds_gets_no_verdict() -> None:
    record = run_with(20.0, 10.0)
    for item in record.rounds_of("original")[2:]:
        item.load.others_cpu = 0.9  # leaves two valid original rounds
    result = analyse(record)
    assert result.sides["original"].rounds_valid == 2
    assert {c.verdict for c in result.comparisons} == {"inconclusive"}
    assert any(note.startswith("too few valid rounds (original: 2") for note in result.notes)


def test_a_growing_backlog_is_not_sustained_even_near_the_rate() -> None:
    from flask2quart.verify.analysis import round_sustains

    steady = load([2.0] * 1000, rate=100.0)
    assert round_sustains(steady)
    steady.answered_in_window = steady.sent - 5  # in-flight fluctuation: fine
    assert round_sustains(steady)
    growing = load([2.0] * 1000, rate=100.0, achieved=97.0)  # 97 % answered ...
    growing.answered_in_window = growing.sent - 30  # ... and 30 more requests waiting
    assert not round_sustains(growing)
    assert not round_sustains(load([2.0] * 1000, rate=100.0, achieved=90.0))


def test_calibration_reports_the_noise_of_each_metric() -> None:
    record = run_with(15.0, 15.0, seed=3, calibrate=True)
    text = to_markdown(record, analyse(record))
    line = next(line for line in text.splitlines() if "calibration (A/A" in line)
    assert re.search(r"p50 ±\d+\.\d %, p90 ±\d+\.\d %, p99 ±\d+\.\d %", line)
    assert "--noise-threshold" in line


def test_the_lag_limit_grows_with_the_latency_it_would_distort() -> None:
    fast = load([1.0] * 100, lag_ms=3.0)
    slow = load([400.0] * 100, lag_ms=3.0)
    assert round_problems(fast, {}) == ["generator fell behind schedule (lag p99 3.0 ms)"]
    assert round_problems(slow, {}) == []  # 3 ms against a 400 ms median: under 1 %
    assert round_problems(load([400.0] * 100, lag_ms=5.0), {}) != []


def test_reports_say_when_nothing_was_pinned() -> None:
    record = run_with(10.0, 10.0, pinning={"problem": "taskset is not installed"})
    text = to_markdown(record, analyse(record))
    assert "- not pinned to CPUs: taskset is not installed;" in text


def test_a_side_without_valid_rounds_shows_no_rate_rather_than_not_sustained() -> None:
    record = run_with(10.0, 10.0)
    for item in record.rounds:
        if item.label == "converted":
            item.load.others_cpu = 0.9  # every converted round invalid
    result = analyse(record)
    assert result.sides["converted"].rounds_valid == 0
    lines = to_markdown(record, result).splitlines()
    converted_row = next(line for line in lines if line.startswith("| converted |"))
    assert "| n/a |" in converted_row
    assert "not sustained" not in converted_row


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        pytest.param({}, [], id="old-report-without-the-settings-is-at-defaults"),
        pytest.param(
            {"max_background": 0.25, "max_lag_ms": 2.0, "pin": True, "quick": False},
            [],
            id="explicit-defaults",
        ),
        pytest.param({"max_background": 0.1, "max_lag_ms": 1.0}, [], id="tightened"),
        pytest.param(
            {"max_background": 64.0}, ["--max-background 64 (default 0.25 cores)"], id="background"
        ),
        pytest.param({"max_lag_ms": 10000.0}, ["--max-lag 10000 (default 2 ms)"], id="lag"),
        pytest.param(
            {"skip_equivalence": True}, ["--skip-equivalence (answers not compared)"], id="skip"
        ),
        pytest.param(
            {"pin": False}, ["--no-pin (server and load not on their own CPUs)"], id="no-pin"
        ),
        pytest.param(
            {"quick": True, "rounds": 3, "warmup": 2.0, "duration": 5.0},
            ["--quick (3 rounds of 2 s warm-up + 5 s per side)"],
            id="quick",
        ),
    ],
)
def test_loosened_limits_are_named_with_their_defaults(
    settings: dict[str, object], expected: list[str]
) -> None:
    assert loosened_limits(settings) == expected


def test_reports_say_how_the_run_was_made() -> None:
    record = run_with(20.0, 10.0, max_background=64.0, skip_equivalence=True)
    record.argv = ["flask2quart", "verify", "app", "--app", "app:create_app()"]
    record.scenario = {"source": "app/scenario.toml"}
    command = "flask2quart verify app --app 'app:create_app()'"
    loosened = (
        "loosened: --max-background 64 (default 0.25 cores); --skip-equivalence (answers not "
        "compared)"
    )
    markdown = to_markdown(record, analyse(record))
    assert f"- command: `{command}`" in markdown
    assert "- scenario: app/scenario.toml" in markdown
    assert f"- validity limits: **{loosened}**" in markdown
    page = to_html(record, analyse(record))
    assert f"<li>command: <code>{html.escape(command)}</code></li>" in page
    assert f'<li class="note">validity limits: {loosened}</li>' in page


def test_a_clean_run_says_its_limits_are_the_defaults() -> None:
    record = run_with(20.0, 10.0)
    assert "- validity limits: all at their defaults" in to_markdown(record, analyse(record))
    assert "- command: not recorded" in to_markdown(record, analyse(record))


@pytest.mark.parametrize(
    ("saved", "limits"),
    [
        pytest.param(
            "json-default.json",
            "loosened: --max-background 1 (default 0.25 cores)",
            id="loosened-background",
        ),
        pytest.param("fanout-rate150.json", "all at their defaults", id="clean"),
    ],
)
def test_saved_reports_recompute_and_say_how_they_were_made(
    saved: str, limits: str, tmp_path: Path
) -> None:
    path = RESULTS / saved
    markdown, page = tmp_path / "run.md", tmp_path / "run.html"
    result = CliRunner().invoke(
        main,
        ["verify", "--from-json", str(path), "--markdown", str(markdown), "--html", str(page)],
    )
    assert result.exit_code == EXIT_OK, result.output
    command = shlex.join(json.loads(path.read_text())["argv"])
    assert f"- command: `{command}`" in markdown.read_text()
    assert limits in markdown.read_text() and limits in page.read_text()
    assert f"validity limits: {limits}" in " ".join(result.output.split())


def test_reanalysis_with_other_limits_is_named_beside_the_measuring_command(
    tmp_path: Path,
) -> None:
    markdown = tmp_path / "run.md"
    result = CliRunner().invoke(
        main,
        ["verify", "--from-json", str(RESULTS / "fanout-rate150.json"), "--max-lag", "5",
         "--markdown", str(markdown)],
    )  # fmt: skip
    assert result.exit_code == EXIT_OK, result.output
    text = markdown.read_text()
    assert "- re-analysed with: `flask2quart " in text
    assert "**loosened: --max-lag 5 (default 2 ms)**" in text
