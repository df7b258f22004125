"""A real (short) verify run on a sample app: servers, load, report, and nothing left running.

Loopback only, a few seconds per test. The run asserts structure, not speed: nothing here
fails because the machine is slow or busy (the validity limits are opened wide).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from flask2quart.cli import main
from flask2quart.verify import machine, processes
from flask2quart.verify.cli import EXIT_NOT_EQUIVALENT, EXIT_NOT_MEASURED, EXIT_OK, EXIT_USAGE
from flask2quart.verify.scenario import app_routes

SAMPLE_APPS = Path(__file__).resolve().parents[2] / "sample_apps"
SHORT = [
    "--app", "wsgi:app", "--quick", "--rounds", "1", "--warmup", "0.3", "--duration", "1",
    "--rate", "40", "--connections", "2", "--workers", "1", "--threads", "2",
    "--max-background", "64", "--max-lag", "10000",
]  # fmt: skip


@pytest.fixture
def json_app(tmp_path: Path) -> Path:
    target = tmp_path / "json"
    shutil.copytree(
        SAMPLE_APPS / "json", target, ignore=shutil.ignore_patterns("__pycache__", "tests")
    )
    return target


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Process-group ids of everything verify starts during the test."""
    pids: list[int] = []
    original_start = processes.Children.start

    def recording_start(self: processes.Children, *args: object, **kwargs: object) -> object:
        process = original_start(self, *args, **kwargs)  # type: ignore[arg-type]
        pids.append(process.pid)
        return process

    monkeypatch.setattr(processes.Children, "start", recording_start)
    return pids


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def assert_nothing_left(started: list[int]) -> None:
    assert started, "the run started no process at all"
    alive = [pgid for pgid in started if processes.group_alive(pgid)]
    assert alive == []
    # multiprocessing's resource tracker (started by an earlier test's `migrate -j 2` in this
    # pytest process) lives as long as its parent by design; anything else is a leak.
    children = [
        pid
        for pid in machine.tree_pids(os.getpid())
        if pid != os.getpid() and b"resource_tracker" not in _cmdline(pid)
    ]
    assert children == []


def test_short_run_reports_both_sides_and_leaves_nothing_behind(
    json_app: Path, tmp_path: Path, started: list[int]
) -> None:
    report = tmp_path / "report.json"
    markdown = tmp_path / "report.md"
    result = CliRunner().invoke(
        main,
        ["verify", str(json_app), *SHORT, "--scenario", str(json_app / "scenario.toml"),
         "--json", str(report), "--markdown", str(markdown)],
    )  # fmt: skip
    assert result.exit_code == EXIT_OK, result.output
    assert_nothing_left(started)
    data = json.loads(report.read_text())
    assert data["equivalence"]["checked"] and data["equivalence"]["differences"] == []
    assert {r["label"] for r in data["rounds"]} == {"original", "converted"}
    assert data["settings"]["migrated"] is True  # no CONVERTED given: migrated into a temp copy
    assert data["settings"]["rate"] == 40
    assert "gunicorn" in data["servers"]["original"]["command"]
    assert "hypercorn" in data["servers"]["converted"]["command"]
    for label in ("original", "converted"):
        capacity = data["capacity"][label]
        assert capacity["steps"][0]["connections"] == 1
        assert capacity["knee_rate"] > 0
    for item in data["rounds"]:
        load = item["load"]
        assert load["mode"] == "open" and load["offered_rate"] == 40
        assert load["completed"] > 0 and load["latency"].startswith("HISTF")
    comparisons = {c["metric"] for c in data["analysis"]["comparisons"]}
    assert {"p50", "p90", "p99", "server CPU per request"} <= comparisons
    assert "| p50 |" in markdown.read_text()
    # The JSON alone is enough to recompute the analysis.
    again = CliRunner().invoke(main, ["verify", "--from-json", str(report)])
    assert again.exit_code == EXIT_OK, again.output
    assert data["analysis"]["summary"].split(";")[0][:20] in again.output.replace("\n", " ")


def test_altered_converted_app_fails_the_equivalence_check(
    json_app: Path, tmp_path: Path, started: list[int]
) -> None:
    converted = tmp_path / "converted"
    subprocess.run(
        [sys.executable, "-m", "flask2quart", "migrate", str(json_app), "--out", str(converted)],
        check=True,
        capture_output=True,
    )
    views = converted / "jsonapi" / "__init__.py"
    views.write_text(views.read_text().replace('"Hello, World!"', '"Hello, world!"'))
    result = CliRunner().invoke(
        main,
        ["verify", str(json_app), str(converted), *SHORT,
         "--scenario", str(json_app / "scenario.toml")],
    )  # fmt: skip
    assert result.exit_code == EXIT_NOT_EQUIVALENT, result.output
    assert "GET /json: body: original" in result.output
    assert "GET /plaintext: body: original" in result.output
    assert "POST /echo" not in result.output  # unchanged routes are not reported
    assert_nothing_left(started)


def test_a_converted_app_that_cannot_start_names_its_error_and_log(
    json_app: Path, tmp_path: Path, started: list[int]
) -> None:
    converted = tmp_path / "converted"
    shutil.copytree(json_app, converted)
    wsgi = converted / "wsgi.py"
    wsgi.write_text("import f2q_no_such_module\n" + wsgi.read_text())
    result = CliRunner().invoke(main, ["verify", str(json_app), str(converted), *SHORT])
    assert result.exit_code == EXIT_NOT_MEASURED, result.output
    error = next(line for line in result.output.splitlines() if line.startswith("error: "))
    assert "the converted app's server (hypercorn) exited with code" in error
    assert "ModuleNotFoundError: No module named 'f2q_no_such_module' (full log: " in error
    log = Path(error.rsplit("(full log: ", 1)[1].removesuffix(")"))
    try:
        assert "Traceback (most recent call last):" in log.read_text()
    finally:
        log.unlink()
    assert_nothing_left(started)


def test_default_scenario_lists_get_routes_without_arguments(json_app: Path) -> None:
    assert app_routes(json_app, "wsgi:app", dict(os.environ)) == ["/health", "/json", "/plaintext"]
    assert app_routes(json_app, "jsonapi:create_app()", dict(os.environ)) == [
        "/health",
        "/json",
        "/plaintext",
    ]


def test_export_locust_writes_the_scenario_without_measuring(
    json_app: Path, tmp_path: Path, started: list[int]
) -> None:
    target = tmp_path / "locustfile.py"
    result = CliRunner().invoke(
        main, ["verify", str(json_app), "--app", "wsgi:app", "--export-locust", str(target)]
    )
    assert result.exit_code == EXIT_OK, result.output
    source = target.read_text()
    compile(source, str(target), "exec")
    # json_app has a scenario.toml: it is the scenario when --scenario is not given.
    assert "def greet(self)" in source and "def echo(self)" in source
    assert "using scenario" in result.output
    assert started == []


def test_usage_errors(json_app: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLASK_APP", raising=False)
    runner = CliRunner()
    no_app = runner.invoke(main, ["verify", str(tmp_path)])  # nothing to find --app in
    assert no_app.exit_code == EXIT_USAGE and "--app" in no_app.output
    bad_app = runner.invoke(main, ["verify", str(json_app), "--app", "wsgi"])
    assert bad_app.exit_code == EXIT_USAGE and "MODULE:NAME" in bad_app.output
    scenario = tmp_path / "bad.toml"
    scenario.write_text("[[requests]]\npath = 'nope'\n")
    bad = runner.invoke(
        main, ["verify", str(json_app), "--app", "wsgi:app", "--scenario", str(scenario)]
    )
    assert bad.exit_code == EXIT_USAGE
    assert f"{scenario}: requests[0]: path must be a string starting with '/'" in bad.output


def restore_default_signals() -> None:
    # A shell may start background jobs with SIGINT ignored, and Python then never raises
    # KeyboardInterrupt: give the child the disposition a terminal would.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupt_ends_every_process(json_app: Path, signum: int) -> None:
    """Ctrl-C or SIGTERM to verify only (its children run in their own sessions) ends them all."""
    process = subprocess.Popen(
        [sys.executable, "-m", "flask2quart", "verify", str(json_app), *SHORT,
         "--skip-equivalence", "--duration", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=restore_default_signals,
    )  # fmt: skip
    try:
        groups: set[int] = set()
        deadline = time.monotonic() + 60
        # Wait until a server and the load generator run (two groups besides verify's own).
        while len(groups) < 2 and time.monotonic() < deadline and process.poll() is None:
            for pid in machine.tree_pids(process.pid)[1:]:
                with contextlib.suppress(ProcessLookupError):
                    groups.add(os.getpgid(pid))
            groups.discard(os.getpgid(process.pid))
            time.sleep(0.05)
        assert len(groups) >= 2, "verify never started its servers"
        process.send_signal(signum)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, output.decode(errors="replace")
    assert b"interrupted: every process verify started has been ended" in output
    assert [group for group in groups if processes.group_alive(group)] == []
