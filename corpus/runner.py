"""Measure one app: baseline on Flask, migrate a fresh copy, the same suite on Quart.

Everything here is I/O (copies, venvs, subprocesses); the analysis is in `outcomes`. Each command
runs in its own process group, which is killed when the command ends or its time is up, so no
server a suite started outlives it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import outcomes
from .manifest import App

PLUGIN_DIR = Path(__file__).with_name("_pytest_plugin")
QUART_STACK = (
    "quart==0.22.*",
    "httpx",
    "httpx-aiohttp",
    "aiohttp",
    "pytest-asyncio",
    "respx",
)
PYTEST_TIMEOUT_VERSION = "2.1.0"
TEST_TIMEOUT = 120  # seconds one test may take before pytest-timeout fails it
# A test pytest-timeout cannot stop (stuck joining a thread that never ends) is killed with its
# pytest after this long without a new record, and the suite resumes without it, at most this
# many times.
STALL_SECONDS = TEST_TIMEOUT + 60
MAX_RESUMES = 3
MIGRATE_TIMEOUT = 600  # seconds one migrate may take; a slower one is itself the finding
VERSIONS_OF = ("flask", "werkzeug", "quart", "pytest", "pytest-asyncio")
_DEPENDENCY_FILES = re.compile(
    r"(^|/)(requirements[^/]*\.(txt|in)|requirements/[^/]+\.(txt|in)|Pipfile"
    r"|pyproject\.toml|setup\.py|setup\.cfg)$"
)
_FLASK_OR_REQUESTS_IMPORT = re.compile(r"^\s*(from|import)\s+(flask|requests)\b", re.MULTILINE)


@dataclass(frozen=True)
class Paths:
    """Where one run keeps snapshots, work copies, venvs and logs (all outside the repo)."""

    cache: Path
    tool: Path  # the flask2quart executable under test
    python: str = "python3.11"

    @property
    def snapshots(self) -> Path:
        return self.cache / "snapshots"

    def work(self, app: App, phase: str) -> Path:
        return self.cache / "work" / app.name / phase

    def venv(self, app: App, phase: str) -> Path:
        return self.cache / "venvs" / f"{app.name}-{phase}"

    def logs(self, app: App) -> Path:
        return self.cache / "logs" / app.name


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())


class AppTimeout(RuntimeError):
    """The app's time budget ran out during a step."""


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    seconds: float
    stalled: bool = False  # killed by its stall check, not its own end


# Every command still running, so a signal can end them all (each has its own session: the
# terminal's Ctrl-C never reaches them, and a killed runner would leave them running).
_LIVE: set[subprocess.Popen[Any]] = set()
_LIVE_LOCK = threading.Lock()


def stop_all_commands() -> None:
    """Kill every running command's process group (called on SIGINT/SIGTERM)."""
    with _LIVE_LOCK:
        live = list(_LIVE)
    for process in live:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


def run_command(
    command: str | list[str],
    cwd: Path,
    env: dict[str, str],
    log: Path,
    deadline: Deadline,
    stalled: Callable[[], bool] | None = None,
    poll: float = 5.0,
) -> CommandResult:
    """Run a command (a string goes through sh) with its output appended to log; killed when
    the deadline passes (AppTimeout) or, checked every poll seconds, when stalled() says so."""
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"\n$ {command if isinstance(command, str) else ' '.join(command)}\n")
        handle.flush()
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            shell=isinstance(command, str),
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        with _LIVE_LOCK:
            _LIVE.add(process)
        try:
            while True:
                try:
                    returncode = process.wait(timeout=min(poll, deadline.remaining()))
                    break
                except subprocess.TimeoutExpired:
                    if deadline.remaining() <= 0:
                        handle.write("\n[corpus] timed out; process group killed\n")
                        shown = command if isinstance(command, str) else " ".join(command)
                        raise AppTimeout(f"the app's time ran out during `{shown[:80]}`") from None
                    if stalled is not None and stalled():
                        _kill_group(process)
                        return CommandResult(-signal.SIGKILL, time.monotonic() - start, True)
        finally:
            _kill_group(process)
            with _LIVE_LOCK:
                _LIVE.discard(process)
    return CommandResult(returncode, time.monotonic() - start)


def _kill_group(process: subprocess.Popen[Any]) -> None:
    """End the command's whole process group: what it left running dies with it."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            break
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            continue
        if sig == signal.SIGTERM:
            time.sleep(0.2)


def fresh_copy(snapshot: Path, destination: Path) -> Path:
    if destination.exists():
        shutil.rmtree(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(snapshot, destination, symlinks=True)
    return destination


def venv_env(venv: Path, app: App, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a command run "inside" the venv, as an activated shell would have."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(app.env)
    return with_extra(env, extra or {})


def with_extra(env: dict[str, str], extra: dict[str, str]) -> dict[str, str]:
    """``env`` with ``extra`` set; a PYTHONPATH already there (the manifest's: a src layout,
    say) is kept behind the one added (the recorder plugin's folder)."""
    env = dict(env)
    for key, value in extra.items():
        env[key] = f"{value}{os.pathsep}{env[key]}" if key == "PYTHONPATH" and key in env else value
    return env


def dependency_stamp(copy: Path, commands: list[str]) -> str:
    """A digest of what an install depends on: the commands and the dependency files."""
    digest = hashlib.sha256("\n".join(commands).encode())
    for path in sorted(copy.rglob("*")):
        relative = path.relative_to(copy).as_posix()
        if relative.count("/") <= 2 and path.is_file() and _DEPENDENCY_FILES.search(relative):
            digest.update(relative.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def prepare_venv(
    venv: Path,
    copy: Path,
    commands: list[str],
    app: App,
    paths: Paths,
    log: Path,
    deadline: Deadline,
    reuse: bool,
) -> bool:
    """Create the venv and run the install commands in copy; True if every command succeeded.

    A venv whose stamp matches (same commands, same dependency files) is reused."""
    stamp = dependency_stamp(copy, commands)
    stamp_file = venv / ".corpus-stamp"
    if reuse and stamp_file.is_file() and stamp_file.read_text() == stamp:
        _append(log, f"[corpus] reusing {venv} (stamp {stamp[:12]})\n")
        return True
    if venv.exists():
        shutil.rmtree(venv)
    env = venv_env(venv, app)
    result = run_command([paths.python, "-m", "venv", str(venv)], copy, env, log, deadline)
    if result.returncode != 0:
        return False
    # Python 3.11's bundled pip cannot parse some metadata that poetry-core writes today
    upgrade = run_command("python -m pip install -q --upgrade pip", copy, env, log, deadline)
    if upgrade.returncode != 0:
        return False
    for command in commands:
        if run_command(command, copy, env, log, deadline).returncode != 0:
            return False
    stamp_file.write_text(stamp)
    return True


def installed_versions(venv: Path, app: App, log: Path, deadline: Deadline) -> dict[str, str]:
    script = (
        "import importlib.metadata as m, json\n"
        "out = {}\n"
        f"for name in {list(VERSIONS_OF)!r}:\n"
        "    try: out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print('CORPUS-VERSIONS ' + json.dumps(out))\n"
    )
    versions_log = log.with_suffix(".versions")
    versions_log.unlink(missing_ok=True)
    run_command(
        [str(venv / "bin" / "python"), "-c", script],
        venv,
        venv_env(venv, app),
        versions_log,
        deadline,
    )
    for line in versions_log.read_text().splitlines():
        if line.startswith("CORPUS-VERSIONS "):
            loaded: dict[str, str] = json.loads(line.split(" ", 1)[1])
            return loaded
    return {}


def run_suite(
    app: App, venv: Path, copy: Path, log: Path, record: Path, deadline: Deadline
) -> tuple[outcomes.SuiteRun, dict[str, Any]]:
    """Run the app's pytest command with the recorder plugin; the parsed records and timings."""
    env = venv_env(venv, app)
    # A test that hangs fails alone instead of taking the app's whole time budget with it;
    # --no-deps leaves the app's pytest as it is (2.1.0 still supports pytest 5 and 6).
    run_command(
        f"python -c 'import pytest_timeout' 2>/dev/null || "
        f"python -m pip install -q --no-deps pytest-timeout=={PYTEST_TIMEOUT_VERSION}",
        copy,
        env,
        log,
        deadline,
    )
    command = (
        f"python -m pytest {app.test} -p corpus_recorder -p no:cacheprovider "
        f"-W always::RuntimeWarning --timeout={TEST_TIMEOUT}"
    )
    result = run_resuming(command, copy, env, log, record, deadline)
    events = outcomes.parse_events(record.read_text()) if record.is_file() else []
    suite = outcomes.suite_from_events(outcomes.with_startup_error(events, log.read_text()))
    return suite, {"returncode": result.returncode, "seconds": round(result.seconds, 1)}


def run_resuming(
    command: str,
    cwd: Path,
    env: dict[str, str],
    log: Path,
    record: Path,
    deadline: Deadline,
    stall_seconds: float = STALL_SECONDS,
    poll: float = 5.0,
) -> CommandResult:
    """Run a pytest command that loads the recorder; a test that makes no progress for
    stall_seconds is killed with its pytest, recorded as failed, and the suite runs again
    without the tests that already began (at most MAX_RESUMES times)."""
    record.unlink(missing_ok=True)
    deselect = record.with_name(record.name + ".deselect")
    deselect.unlink(missing_ok=True)
    env = with_extra(
        env,
        {
            "CORPUS_RECORD": str(record),
            "CORPUS_DESELECT": str(deselect),
            "PYTHONPATH": str(PLUGIN_DIR),
        },
    )
    seconds = 0.0
    for _ in range(MAX_RESUMES + 1):
        result = run_command(
            command, cwd, env, log, deadline, lambda: _stalled(record, stall_seconds), poll
        )
        seconds += result.seconds
        events = outcomes.parse_events(record.read_text()) if record.is_file() else []
        stuck = outcomes.in_progress(events) if result.stalled else None
        if stuck is None:
            break
        seconds_shown = round(stall_seconds)
        with record.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(outcomes.hung(stuck, seconds_shown)) + "\n")
        _append(
            log,
            f"\n[corpus] {stuck} made no progress for {seconds_shown} s: killed; "
            f"the suite resumes without the tests already run\n",
        )
        deselect.write_text("\n".join(outcomes.started(events)) + "\n", encoding="utf-8")
    return CommandResult(result.returncode, seconds, result.stalled)


def _stalled(record: Path, stall_seconds: float) -> bool:
    """A test is under way and the record has not grown for stall_seconds."""
    try:
        idle = time.time() - record.stat().st_mtime
    except FileNotFoundError:
        return False
    if idle < stall_seconds:
        return False
    return outcomes.in_progress(outcomes.parse_events(record.read_text())) is not None


def suite_summary(suite: outcomes.SuiteRun, timing: dict[str, Any]) -> dict[str, Any]:
    return {
        "passed": suite.passed,
        "false_passes": suite.false_passes,
        "failed": suite.count("failed"),
        "errors": suite.count("error"),
        "skipped": suite.count("skipped"),
        "collection_errors": len(suite.collection_errors),
        "unattributed_never_awaited": suite.unattributed_warnings,
        **timing,
    }


def baseline_phase(
    app: App, paths: Paths, deadline: Deadline, reuse: bool
) -> tuple[outcomes.SuiteRun | None, dict[str, Any]]:
    logs = paths.logs(app)
    log = logs / "baseline.log"
    copy = fresh_copy(paths.snapshots / app.name, paths.work(app, "baseline"))
    env = venv_env(paths.venv(app, "baseline"), app)
    for command in app.prepare:
        run_command(command, copy, env, log, deadline)
    venv = paths.venv(app, "baseline")
    if not prepare_venv(venv, copy, list(app.install), app, paths, log, deadline, reuse):
        return None, {"install_ok": False}
    suite, timing = run_suite(app, venv, copy, log, logs / "baseline-record.json", deadline)
    summary = {
        "install_ok": True,
        "versions": installed_versions(venv, app, log, deadline),
        **suite_summary(suite, timing),
    }
    return suite, summary


def migrate_copy(app: App, paths: Paths, copy: Path, deadline: Deadline) -> dict[str, Any]:
    """Run migrate in place on copy; files changed, compile, idempotence, report counts."""
    logs = paths.logs(app)
    log = logs / "migrate.log"
    report_path = logs / "report.json"
    report_path.unlink(missing_ok=True)
    env = dict(os.environ)
    tool = str(paths.tool)
    base = [tool, "migrate", *app.migrate, "--no-cache"]
    limit = Deadline(min(MIGRATE_TIMEOUT, deadline.remaining()))
    try:
        result = run_command([*base, "--report", str(report_path)], copy, env, log, limit)
    except AppTimeout:
        raise AppTimeout(f"migrate did not finish in {MIGRATE_TIMEOUT} s") from None
    report = read_report(report_path)
    # --exit-zero: error findings left for review must not read as "the second run changed files"
    second_path = logs / "report-second-run.json"
    second_path.unlink(missing_ok=True)
    check_command = [*base, "--check", "--exit-zero", "--report", str(second_path)]
    check = run_command(check_command, copy, env, logs / "migrate-check.log", deadline)
    second_changed = changed_on_second_run(check.returncode, read_report(second_path))
    changed = [
        entry["path"] for entry in report.get("files", []) if entry.get("status") == "changed"
    ]
    return {
        "returncode": result.returncode,
        "files_changed": len(changed),
        "generated_files": len(report.get("generated_files", [])),
        "compile_failures": compile_failures(copy, [*changed, *report.get("generated_files", [])]),
        "idempotent": second_changed == [],
        "changed_on_second_run": second_changed,
        "counts": report.get("counts", {}),
        "severity_counts": report.get("severity_counts", {}),
        "rules": rule_counts(report.get("findings", [])),
        "imports_left": files_importing_flask_or_requests(copy),
    }


def read_report(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text()) if path.is_file() else {}


def changed_on_second_run(returncode: int, report: dict[str, Any]) -> list[str] | None:
    """The files a second migrate would change; None when that run failed or left no report."""
    if returncode not in (0, 1) or not report:
        return None
    return [entry["path"] for entry in report.get("files", []) if entry.get("status") == "changed"]


def compile_failures(copy: Path, relative_paths: list[str]) -> list[str]:
    failures = []
    for relative in relative_paths:
        path = copy / relative
        if path.suffix != ".py" or not path.is_file():
            continue
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as error:
            failures.append(f"{relative}: {error}")
    return failures


def rule_counts(findings: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in findings:
        rule = str(finding.get("rule", "?"))
        counts[rule] = counts.get(rule, 0) + 1
    return dict(sorted(counts.items()))


def files_importing_flask_or_requests(copy: Path) -> int:
    total = 0
    for path in copy.rglob("*.py"):
        try:
            if _FLASK_OR_REQUESTS_IMPORT.search(path.read_text(encoding="utf-8", errors="replace")):
                total += 1
        except OSError:
            continue
    return total


def converted_phase(
    app: App, paths: Paths, deadline: Deadline, reuse: bool
) -> tuple[outcomes.SuiteRun | None, dict[str, Any], dict[str, Any]]:
    logs = paths.logs(app)
    log = logs / "converted.log"
    copy = fresh_copy(paths.snapshots / app.name, paths.work(app, "converted"))
    venv = paths.venv(app, "quart")
    env = venv_env(venv, app)
    for command in app.prepare:
        run_command(command, copy, env, log, deadline)
    migrated = migrate_copy(app, paths, copy, deadline)
    stack = "pip install " + " ".join(f"'{requirement}'" for requirement in QUART_STACK)
    commands = [*app.install, stack]
    if not prepare_venv(venv, copy, commands, app, paths, log, deadline, reuse):
        return None, migrated, {"install_ok": False}
    suite, timing = run_suite(app, venv, copy, log, logs / "converted-record.json", deadline)
    summary = {
        "install_ok": True,
        "versions": installed_versions(venv, app, log, deadline),
        **suite_summary(suite, timing),
    }
    return suite, migrated, summary


def measure_app(app: App, paths: Paths, phases: set[str], reuse: bool) -> dict[str, Any]:
    """The whole measurement of one app, as a JSON-ready dict; never raises for the app's faults."""
    deadline = Deadline(app.timeout)
    result: dict[str, Any] = {
        "name": app.name,
        "repository": app.repository,
        "commit": app.commit,
        "baseline_expected": app.baseline_passed,
        "year": app.year,
        "features": list(app.features),
        "notes": app.notes,
        "status": "ok",
    }
    for log in paths.logs(app).glob("*.log"):
        log.unlink()
    baseline: outcomes.SuiteRun | None = None
    converted: outcomes.SuiteRun | None = None
    try:
        baseline, result["baseline"] = baseline_phase(app, paths, deadline, reuse)
        if baseline is None:
            result["status"] = "baseline install failed"
        elif "converted" in phases:
            converted, result["migrate"], result["converted"] = converted_phase(
                app, paths, deadline, reuse
            )
            if converted is None:
                result["status"] = "converted install failed"
    except AppTimeout as error:
        result["status"] = f"timeout: {error}"
    except Exception as error:  # a bug in one app's run must not lose the others' results
        result["status"] = f"runner error: {type(error).__name__}: {error}"
        print(f"[corpus] {app.name}: {result['status']}", file=sys.stderr)
    if baseline is not None and "converted" in phases:
        _store_comparison(result, outcomes.compare(baseline, converted, result["status"]))
    return result


def _store_comparison(result: dict[str, Any], comparison: outcomes.Comparison) -> None:
    result["comparison"] = {
        "baseline_passing": comparison.baseline_passing,
        "still_passing": comparison.still_passing,
        "false_passes": comparison.false_passes,
    }
    result["lost"] = comparison.lost


def load_record(path: Path, log: Path) -> outcomes.SuiteRun | None:
    """The suite a run left: its record, plus a startup error from the log (a conftest that
    failed to import leaves no record at all); None if the suite never ran."""
    if not path.is_file() and not log.is_file():
        return None
    events = outcomes.parse_events(path.read_text()) if path.is_file() else []
    log_text = log.read_text(errors="replace") if log.is_file() else ""
    return outcomes.suite_from_events(outcomes.with_startup_error(events, log_text))


def recompare(result: dict[str, Any], logs: Path) -> None:
    """Recompute an app's comparison from the records its last run left in logs."""
    baseline = load_record(logs / "baseline-record.json", logs / "baseline.log")
    if baseline is None or "comparison" not in result:
        return
    converted = None
    if "converted" in result:
        converted = load_record(logs / "converted-record.json", logs / "converted.log")
    if result.get("converted", {}).get("install_ok") is False:
        converted = None
    _store_comparison(result, outcomes.compare(baseline, converted, result["status"]))


def _append(log: Path, text: str) -> None:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a", encoding="utf-8") as handle:
        handle.write(text)
