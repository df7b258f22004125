"""A pytest plugin the corpus runner loads into each app's suite (`-p corpus_recorder`).

It appends one JSON line per event to the file named by $CORPUS_RECORD, flushed as it goes, so a
suite killed at its time limit still leaves what it did:
  {"event": "start", "nodeid"}                 a test begins (a test that hangs has no report)
  {"event": "report", "nodeid", "when", "outcome", "exc_type", "message"}  each test phase
  {"event": "warning", "nodeid", "message"}    a "coroutine ... was never awaited" warning
  {"event": "collect_error", "nodeid", "message"}
  {"event": "finish", "exitstatus"}
Tests listed in the file named by $CORPUS_DESELECT (one node id a line) are deselected: the
runner resumes a suite after a test that hung that way.
Standalone on purpose: it runs in the app's venv, which does not have the corpus package.
"""

from __future__ import annotations

import gc
import json
import os
from typing import Any

import pytest

NEVER_AWAITED = "was never awaited"


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:400]
    return ""


def _emit(**event: Any) -> None:
    path = os.environ.get("CORPUS_RECORD")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(event) + "\n")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    path = os.environ.get("CORPUS_DESELECT")
    if not path or not os.path.isfile(path):
        return
    with open(path, encoding="utf-8") as handle:
        done = set(handle.read().splitlines())
    removed = [item for item in items if item.nodeid in done]
    if removed:
        config.hook.pytest_deselected(items=removed)
        items[:] = [item for item in items if item.nodeid not in done]


def pytest_runtest_logstart(nodeid: str, location: Any) -> None:
    _emit(event="start", nodeid=nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    outcome = yield
    if outcome.excinfo is not None:  # making the report itself failed
        outcome.force_result(_report_with_native_traceback(item, call))
    report = outcome.get_result()
    excinfo = call.excinfo if report.failed else None
    _emit(
        event="report",
        nodeid=item.nodeid,
        when=call.when,
        outcome=report.outcome,
        exc_type=excinfo.typename if excinfo else "",
        message=_first_line(str(excinfo.value)) if excinfo else "",
    )


def _report_with_native_traceback(
    item: pytest.Item, call: pytest.CallInfo[Any]
) -> pytest.TestReport:
    """The report pytest failed to make, its failure formatted by Python's own traceback module.

    pytest's long tracebacks re-parse each frame's source, and CPython 3.11.7 can fail there
    ("SystemError: AST constructor recursion depth mismatch"): an INTERNALERROR that ends the
    whole suite at its first such failure, leaving every later test unrecorded.
    """
    option = item.config.option
    style = option.tbstyle
    option.tbstyle = "native"
    try:
        return pytest.TestReport.from_item_and_call(item, call)
    finally:
        option.tbstyle = style


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    yield
    # A coroutine caught in a reference cycle (a traceback holding its frame) warns only when
    # the cycle is collected, often during a later test, which would then count as the false
    # pass: collect while this test's warnings are still recorded as its own.
    gc.collect()


def _error_line(longrepr: str) -> str:
    """The exception of a collection error: its last `E   ` line, else its first line."""
    errors = [line[1:].strip() for line in longrepr.splitlines() if line.startswith("E ")]
    return errors[-1][:400] if errors else _first_line(longrepr)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _emit(
            event="collect_error", nodeid=report.nodeid, message=_error_line(str(report.longrepr))
        )


def pytest_warning_recorded(warning_message: Any, when: str, nodeid: str, location: Any) -> None:
    text = str(warning_message.message)
    if NEVER_AWAITED in text:
        _emit(event="warning", nodeid=nodeid, message=_first_line(text))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _emit(event="finish", exitstatus=int(exitstatus))
