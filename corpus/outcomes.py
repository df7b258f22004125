"""Pure analysis of one suite's records (written by corpus_recorder): counts, false passes, causes.

A test "passes on Quart" only if it passed on Flask, passed on Quart, and raised no "coroutine ...
was never awaited" warning: a coroutine that nobody awaited means the test's body never ran.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

FALSE_PASS = "passed, but a coroutine was never awaited (its body never ran)"
NOT_RUN = "not run on Quart (no result recorded)"
INTERRUPTED = 2  # pytest's exit status when collection errors stopped the session


@dataclass(frozen=True)
class TestResult:
    nodeid: str
    outcome: str  # passed | failed | error | skipped
    exc_type: str = ""
    message: str = ""
    never_awaited: int = 0

    @property
    def false_pass(self) -> bool:
        return self.outcome == "passed" and self.never_awaited > 0

    @property
    def true_pass(self) -> bool:
        return self.outcome == "passed" and self.never_awaited == 0


@dataclass(frozen=True)
class SuiteRun:
    """One run of a suite: its tests, plus what failed before any test ran."""

    tests: dict[str, TestResult]
    collection_errors: tuple[tuple[str, str], ...] = ()
    unattributed_warnings: int = 0
    exitstatus: int | None = None

    def count(self, outcome: str) -> int:
        return sum(1 for test in self.tests.values() if test.outcome == outcome)

    @property
    def passed(self) -> int:
        return sum(1 for test in self.tests.values() if test.true_pass)

    @property
    def false_passes(self) -> int:
        return sum(1 for test in self.tests.values() if test.false_pass)


@dataclass(frozen=True)
class Comparison:
    """The baseline-passing tests of one app, and what became of each on Quart."""

    baseline_passing: int
    still_passing: int
    false_passes: int
    lost: dict[str, str] = field(default_factory=dict)  # nodeid -> cause


def suite_from_events(events: list[dict[str, Any]]) -> SuiteRun:
    """Fold the recorder plugin's events into a SuiteRun.

    A test's outcome is its first failure (a failed call is "failed", a failed setup or teardown
    "error"), else "skipped" if its setup or call skipped, else "passed"."""
    tests: dict[str, dict[str, Any]] = {}
    errors: list[tuple[str, str]] = []
    unattributed = 0
    exitstatus: int | None = None
    for event in events:
        kind = event.get("event")
        nodeid = str(event.get("nodeid", ""))
        if kind == "report":
            _fold_report(tests.setdefault(nodeid, {"outcome": "passed", "warnings": 0}), event)
        elif kind == "warning" and nodeid:
            tests.setdefault(nodeid, {"outcome": "passed", "warnings": 0})["warnings"] += 1
        elif kind == "warning":
            unattributed += 1
        elif kind == "collect_error":
            errors.append((nodeid, str(event.get("message", ""))))
        elif kind == "finish":
            exitstatus = int(event.get("exitstatus", 0))
    return SuiteRun(
        tests={
            nodeid: TestResult(
                nodeid=nodeid,
                outcome=raw["outcome"],
                exc_type=raw.get("exc_type", ""),
                message=raw.get("message", ""),
                never_awaited=raw["warnings"],
            )
            for nodeid, raw in tests.items()
        },
        collection_errors=tuple(errors),
        unattributed_warnings=unattributed,
        exitstatus=exitstatus,
    )


def _fold_report(record: dict[str, Any], event: dict[str, Any]) -> None:
    if record["outcome"] in ("failed", "error"):
        return
    if event.get("outcome") == "failed":
        record["outcome"] = "failed" if event.get("when") == "call" else "error"
        record["exc_type"] = str(event.get("exc_type", ""))
        record["message"] = str(event.get("message", ""))
    elif event.get("outcome") == "skipped" and event.get("when") in ("setup", "call"):
        record["outcome"] = "skipped"


def startup_error(log_text: str) -> str:
    """Why pytest stopped before any test, from its output: the last `E ` line of its run.

    A conftest that fails to import stops pytest before the plugin sees a collection; only the
    output says why."""
    run = log_text.rsplit("\n$ python -m pytest", 1)[-1]
    errors = [line[1:].strip() for line in run.splitlines() if line.startswith("E ")]
    return errors[-1][:400] if errors else ""


def with_startup_error(events: list[dict[str, Any]], log_text: str) -> list[dict[str, Any]]:
    """The events, plus a collection error for the whole suite if pytest never got to run."""
    if any(event.get("event") in ("report", "collect_error") for event in events):
        return events
    message = startup_error(log_text)
    if not message:
        return events
    return [*events, {"event": "collect_error", "nodeid": "", "message": message}]


HUNG = "Hang"


def started(events: list[dict[str, Any]]) -> list[str]:
    """The node ids of every test that began, in order."""
    return [str(e["nodeid"]) for e in events if e.get("event") == "start" and "nodeid" in e]


def in_progress(events: list[dict[str, Any]]) -> str | None:
    """The test that began last and has not finished its teardown: where a stuck run is."""
    begun = started(events)
    if not begun:
        return None
    last = begun[-1]
    finished = any(
        e.get("event") == "report" and e.get("nodeid") == last and e.get("when") == "teardown"
        for e in events
    )
    return None if finished else last


def hung(nodeid: str, seconds: int) -> dict[str, Any]:
    """The failure recorded for a test the runner killed: it made no progress for seconds."""
    return {
        "event": "report",
        "nodeid": nodeid,
        "when": "call",
        "outcome": "failed",
        "exc_type": HUNG,
        "message": f"no progress for {seconds} s (pytest-timeout could not stop it): killed, "
        "and the rest of the suite resumed without it",
    }


def parse_events(text: str) -> list[dict[str, Any]]:
    """The JSON lines of a record file; a line cut short by a killed run is skipped."""
    events = []
    for line in text.splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events


def compare(
    baseline: SuiteRun, converted: SuiteRun | None, no_run_cause: str = NOT_RUN
) -> Comparison:
    """Follow every test that passed on Flask into the converted run and name why it was lost.

    With no converted run at all (its install failed, say), every test is lost to no_run_cause."""
    passing = [nodeid for nodeid, test in baseline.tests.items() if test.true_pass]
    lost: dict[str, str] = {}
    false_passes = 0
    for nodeid in passing:
        test = converted.tests.get(nodeid) if converted else None
        if test is not None and test.true_pass:
            continue
        if test is not None and test.false_pass:
            false_passes += 1
        lost[nodeid] = cause_of(nodeid, test, converted) if converted else no_run_cause
    return Comparison(
        baseline_passing=len(passing),
        still_passing=len(passing) - len(lost),
        false_passes=false_passes,
        lost=lost,
    )


def cause_of(nodeid: str, test: TestResult | None, run: SuiteRun | None) -> str:
    """One line naming why a test did not pass: exception type and normalised message."""
    if test is None:
        return _cause_of_missing(nodeid, run)
    if test.false_pass:
        return FALSE_PASS
    if test.outcome == "skipped":
        return "skipped on Quart"
    label = test.exc_type or "failure"
    message = normalise_message(test.message)
    return f"{label}: {message}" if message else label


def _cause_of_missing(nodeid: str, run: SuiteRun | None) -> str:
    if run is None:
        return NOT_RUN
    module = nodeid.split("::", 1)[0]
    for error_nodeid, message in run.collection_errors:
        if not error_nodeid or module.startswith(error_nodeid) or error_nodeid.startswith(module):
            return f"collection error: {normalise_message(message)}"
    if run.collection_errors and run.exitstatus == INTERRUPTED:
        first = normalise_message(run.collection_errors[0][1])
        return f"not run: pytest stopped at collection errors in other modules ({first})"
    return NOT_RUN


_HEX = re.compile(r"0x[0-9a-fA-F]+")
_LONG_NUMBER = re.compile(r"\b\d{4,}\b")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
_PATH = re.compile(r"(?:/[\w.+-]+){2,}")
_LONG_QUOTED = re.compile(r"""(b?)(['"])([^'"]{40,})\2""")
_SPACES = re.compile(r"\s+")


def normalise_message(message: str) -> str:
    """Strip what varies between occurrences of one cause: addresses, ids, paths, long literals."""
    text = _first_line(message)
    text = _UUID.sub("<uuid>", text)
    text = _HEX.sub("0x…", text)
    text = _PATH.sub("<path>", text)
    text = _LONG_QUOTED.sub(lambda match: f"{match[1]}{match[2]}…{match[2]}", text)
    text = _LONG_NUMBER.sub("N", text)
    text = _SPACES.sub(" ", text).strip()
    return text[:160]


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


@dataclass(frozen=True)
class Cause:
    cause: str
    tests: int
    apps: tuple[str, ...]
    example: str  # app::nodeid


def group_causes(lost_by_app: dict[str, dict[str, str]]) -> list[Cause]:
    """Causes across apps, most tests first; each with the apps it hit and one example test."""
    counts: Counter[str] = Counter()
    apps: dict[str, list[str]] = {}
    examples: dict[str, str] = {}
    for app, lost in sorted(lost_by_app.items()):
        for nodeid, cause in sorted(lost.items()):
            counts[cause] += 1
            if app not in apps.setdefault(cause, []):
                apps[cause].append(app)
            examples.setdefault(cause, f"{app}::{nodeid}")
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [Cause(cause, count, tuple(apps[cause]), examples[cause]) for cause, count in ranked]
