"""The runner's I/O helpers: the recorder plugin run for real, and the venv stamp."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from corpus.outcomes import SuiteRun, parse_events, suite_from_events
from corpus.runner import (
    PLUGIN_DIR,
    Deadline,
    changed_on_second_run,
    dependency_stamp,
    run_resuming,
)

SUITE = """
import unittest

class T(unittest.TestCase):
    async def test_async_body_never_runs(self):
        raise AssertionError("unreachable")

    def test_plain(self):
        assert True

    def test_fails(self):
        raise KeyError("k")
"""


def test_recorder_attributes_never_awaited_warnings_to_their_test(tmp_path: Path) -> None:
    (tmp_path / "test_suite.py").write_text(SUITE)
    suite = _recorded_suite(tmp_path)
    tests = {nodeid.split("::")[-1]: test for nodeid, test in suite.tests.items()}
    assert tests["test_async_body_never_runs"].false_pass
    assert tests["test_plain"].true_pass
    assert (tests["test_fails"].outcome, tests["test_fails"].exc_type) == ("failed", "KeyError")


# What CPython 3.11.7 does to pytest's long tracebacks now and then (timesketch's suite).
AST_PARSE_CRASH = """
import _pytest._code.code

def crash(*args, **kwargs):
    raise SystemError("AST constructor recursion depth mismatch (before=48, after=46)")

_pytest._code.code.getstatementrange_ast = crash
"""


def test_recorder_keeps_the_suite_going_when_pytest_cannot_format_a_failure(
    tmp_path: Path,
) -> None:
    (tmp_path / "conftest.py").write_text(AST_PARSE_CRASH)
    (tmp_path / "test_suite.py").write_text(SUITE)
    suite = _recorded_suite(tmp_path)
    tests = {nodeid.split("::")[-1]: test for nodeid, test in suite.tests.items()}
    assert (tests["test_fails"].outcome, tests["test_fails"].exc_type) == ("failed", "KeyError")
    assert tests["test_plain"].true_pass


def _recorded_suite(tmp_path: Path) -> SuiteRun:
    record = tmp_path / "record.json"
    env = {**os.environ, "CORPUS_RECORD": str(record), "PYTHONPATH": str(PLUGIN_DIR)}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "corpus_recorder",
            "-p",
            "no:cacheprovider",
            "-W",
            "always::RuntimeWarning",
            "-o",
            "filterwarnings=",
            "test_suite.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        check=False,
    )
    return suite_from_events(parse_events(record.read_text()))


CYCLE_SUITE = """
import unittest

class T(unittest.TestCase):
    def test_a_leaks_a_coroutine_in_a_cycle(self):
        async def body():
            pass
        holder = {"coroutine": body()}
        holder["self"] = holder

    def test_b_clean(self):
        assert True
"""


def test_recorder_blames_a_coroutine_freed_by_the_cycle_collector_on_the_test_that_made_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_suite.py").write_text(CYCLE_SUITE)
    suite = _recorded_suite(tmp_path)
    tests = {nodeid.split("::")[-1]: test for nodeid, test in suite.tests.items()}
    assert tests["test_a_leaks_a_coroutine_in_a_cycle"].false_pass
    assert tests["test_b_clean"].true_pass


HANGING_SUITE = """
import threading

def test_a_before():
    assert True

def test_b_hangs():
    threading.Event().wait()  # pytest-timeout's signal could not end a join; nothing here

def test_c_after():
    assert True
"""


def test_a_hanging_test_fails_alone_and_the_suite_resumes_after_it(tmp_path: Path) -> None:
    (tmp_path / "test_suite.py").write_text(HANGING_SUITE)
    record = tmp_path / "record.json"
    log = tmp_path / "log.txt"
    command = f"{sys.executable} -m pytest -q -p corpus_recorder -p no:cacheprovider test_suite.py"
    result = run_resuming(
        command, tmp_path, dict(os.environ), log, record, Deadline(120), stall_seconds=2, poll=0.2
    )
    suite = suite_from_events(parse_events(record.read_text()))
    tests = {nodeid.split("::")[-1]: test for nodeid, test in suite.tests.items()}
    assert tests["test_a_before"].true_pass
    assert (tests["test_b_hangs"].outcome, tests["test_b_hangs"].exc_type) == ("failed", "Hang")
    assert tests["test_c_after"].true_pass
    assert not result.stalled
    assert "made no progress" in log.read_text()


def test_dependency_stamp_sees_requirement_files_in_a_requirements_folder(tmp_path: Path) -> None:
    (tmp_path / "requirements").mkdir()
    prod = tmp_path / "requirements" / "prod.txt"
    prod.write_text("flask==2.0\n")
    before = dependency_stamp(tmp_path, ["pip install -r requirements/prod.txt"])
    prod.write_text("flask>=3\n")
    assert dependency_stamp(tmp_path, ["pip install -r requirements/prod.txt"]) != before


ERROR_LEFT_APP = """\
from flask import Flask
from werkzeug.middleware.profiler import ProfilerMiddleware

app = Flask(__name__)
app.wsgi_app = ProfilerMiddleware(app.wsgi_app)
"""


def _second_run(tree: Path) -> tuple[int, dict[str, object]]:
    report = tree / "second.json"
    check = subprocess.run(
        [
            sys.executable,
            "-m",
            "flask2quart",
            "migrate",
            ".",
            "--no-cache",
            "--check",
            "--exit-zero",
            "--report",
            str(report),
        ],
        cwd=tree / "app",
        capture_output=True,
        check=False,
    )
    return check.returncode, json.loads(report.read_text())


def test_a_second_run_with_errors_left_for_review_counts_as_idempotent(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text(ERROR_LEFT_APP)
    first = subprocess.run(
        [sys.executable, "-m", "flask2quart", "migrate", str(tmp_path / "app"), "--no-cache"],
        capture_output=True,
        check=False,
    )
    assert first.returncode == 4, first.stderr  # the error finding is left for review
    returncode, report = _second_run(tmp_path)
    assert changed_on_second_run(returncode, report) == []


def test_a_second_run_that_would_change_a_file_names_it(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text(ERROR_LEFT_APP)
    returncode, report = _second_run(tmp_path)  # never migrated: the whole file is pending
    assert changed_on_second_run(returncode, report) == ["views.py"]
    assert changed_on_second_run(3, report) is None


STOPPED_RUNNER = """
import sys, threading, time
from pathlib import Path
from corpus import __main__ as cli, runner

out = Path(sys.argv[1])
deadline = runner.Deadline(60)
for signum in (cli.signal.SIGINT, cli.signal.SIGTERM):
    cli.signal.signal(signum, cli._stop_on_signal)
command = f"echo $$ > {out / 'pid'}; exec sleep 60"
threading.Thread(
    target=runner.run_command,
    args=(command, out, {"PATH": "/bin:/usr/bin"}, out / "log", deadline),
    daemon=True,
).start()
time.sleep(60)
"""


def test_a_stopped_runner_leaves_no_command_running(tmp_path: Path) -> None:
    import signal
    import time

    process = subprocess.Popen(
        [sys.executable, "-c", STOPPED_RUNNER, str(tmp_path)],
        cwd=Path(__file__).resolve().parent.parent,
    )
    pid_file = tmp_path / "pid"
    for _ in range(200):
        if pid_file.is_file() and pid_file.read_text().strip():
            break
        time.sleep(0.05)
    child = int(pid_file.read_text())
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 128 + signal.SIGTERM
    for _ in range(100):
        if not _alive(child):
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"command {child} outlived the stopped runner")


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for a parent that may never reap it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status
