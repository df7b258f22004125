"""A pytest plugin the corpus runner loads into each app's suite (`-p corpus_recorder`).

It writes, to the JSON file named by $CORPUS_RECORD, one record per test (outcome, and the
exception type and first message line of a failure), the collection errors, and every
"coroutine ... was never awaited" warning with the test it was raised in. Standalone on purpose:
it runs in the app's venv, which does not have the corpus package.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

NEVER_AWAITED = "was never awaited"

_tests: dict[str, dict[str, Any]] = {}
_collection_errors: list[dict[str, str]] = []
_unattributed_warnings: list[str] = []


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:400]
    return ""


def _exception_fields(call: pytest.CallInfo[Any]) -> dict[str, str]:
    excinfo = call.excinfo
    if excinfo is None:
        return {}
    return {"exc_type": excinfo.typename, "message": _first_line(str(excinfo.value))}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    outcome = yield
    report = outcome.get_result()
    record = _tests.setdefault(item.nodeid, {"outcome": "passed", "warnings": []})
    if report.skipped and call.when in ("setup", "call"):
        if record["outcome"] == "passed":
            record["outcome"] = "skipped"
    elif report.failed and record["outcome"] in ("passed", "skipped"):
        record["outcome"] = "failed" if call.when == "call" else "error"
        record["when"] = call.when
        record.update(_exception_fields(call))


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _collection_errors.append(
            {"nodeid": report.nodeid, "message": _first_line(str(report.longrepr))[:400]}
        )


def pytest_warning_recorded(warning_message: Any, when: str, nodeid: str, location: Any) -> None:
    text = str(warning_message.message)
    if NEVER_AWAITED not in text:
        return
    if nodeid and nodeid in _tests:
        _tests[nodeid]["warnings"].append(_first_line(text))
    elif nodeid:
        _tests.setdefault(nodeid, {"outcome": "passed", "warnings": []})["warnings"].append(
            _first_line(text)
        )
    else:
        _unattributed_warnings.append(_first_line(text))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = os.environ.get("CORPUS_RECORD")
    if not path:
        return
    data = {
        "exitstatus": int(exitstatus),
        "tests": _tests,
        "collection_errors": _collection_errors,
        "unattributed_warnings": _unattributed_warnings,
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
