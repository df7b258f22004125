"""Classifying a converted suite: false passes count as failed, and causes are grouped."""

from __future__ import annotations

from typing import Any

import pytest

from corpus.outcomes import (
    FALSE_PASS,
    NOT_RUN,
    compare,
    group_causes,
    normalise_message,
    suite_from_record,
)


def record(**tests: dict[str, Any]) -> dict[str, Any]:
    return {"tests": tests, "collection_errors": [], "unattributed_warnings": []}


PASSED: dict[str, Any] = {"outcome": "passed", "warnings": []}
NEVER_AWAITED = {
    "outcome": "passed",
    "warnings": ["coroutine 'T.test_x' was never awaited"],
}


def test_a_pass_with_a_never_awaited_coroutine_counts_as_failed() -> None:
    baseline = suite_from_record(record(a=PASSED, b=PASSED))
    converted = suite_from_record(record(a=PASSED, b=NEVER_AWAITED))
    assert converted.passed == 1
    assert converted.false_passes == 1
    comparison = compare(baseline, converted)
    assert (comparison.still_passing, comparison.false_passes) == (1, 1)
    assert comparison.lost == {"b": FALSE_PASS}


def test_only_tests_that_passed_on_flask_are_followed() -> None:
    baseline = suite_from_record(record(a=PASSED, b={"outcome": "failed"}))
    converted = suite_from_record(record(a=PASSED, b=PASSED, c=PASSED))
    comparison = compare(baseline, converted)
    assert (comparison.baseline_passing, comparison.still_passing) == (1, 1)


def test_a_baseline_false_pass_is_not_a_baseline_pass() -> None:
    baseline = suite_from_record(record(a=NEVER_AWAITED))
    assert compare(baseline, baseline).baseline_passing == 0


def test_failures_are_named_by_exception_and_message() -> None:
    failing = {
        "outcome": "failed",
        "exc_type": "AttributeError",
        "message": "'coroutine' object has no attribute 'status_code'",
    }
    comparison = compare(suite_from_record(record(a=PASSED)), suite_from_record(record(a=failing)))
    assert comparison.lost == {
        "a": "AttributeError: 'coroutine' object has no attribute 'status_code'"
    }


def test_missing_tests_are_blamed_on_their_modules_collection_error() -> None:
    baseline = suite_from_record(
        record(**{"tests/test_a.py::t": PASSED, "tests/test_b.py::t": PASSED})
    )
    converted = suite_from_record(
        {
            "tests": {},
            "collection_errors": [
                {"nodeid": "tests/test_a.py", "message": "ModuleNotFoundError: No module named 'x'"}
            ],
        }
    )
    lost = compare(baseline, converted).lost
    assert (
        lost["tests/test_a.py::t"] == "collection error: ModuleNotFoundError: No module named 'x'"
    )
    assert lost["tests/test_b.py::t"] == NOT_RUN


def test_no_converted_run_loses_every_test_to_the_reason_given() -> None:
    baseline = suite_from_record(record(a=PASSED))
    assert compare(baseline, None, no_run_cause="install failed").lost == {"a": "install failed"}


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        pytest.param("<Foo object at 0x7f3a2b>", "<Foo object at 0x…>", id="address"),
        pytest.param("no such file /tmp/abc/def.db", "no such file <path>", id="path"),
        pytest.param("id 123456 not found", "id N not found", id="long-number"),
        pytest.param("assert 500 == 200", "assert 500 == 200", id="status-codes-kept"),
        pytest.param("first\nsecond", "first", id="first-line"),
        pytest.param("assert b'" + "x" * 50 + "' in r", "assert b'…' in r", id="long-literal"),
    ],
)
def test_normalise_message(message: str, expected: str) -> None:
    assert normalise_message(message) == expected


def test_causes_are_ranked_by_tests_with_apps_and_an_example() -> None:
    causes = group_causes(
        {
            "app1": {"t1": "KeyError: 'x'", "t2": "KeyError: 'x'"},
            "app2": {"t3": "KeyError: 'x'", "t4": "TypeError: y"},
        }
    )
    assert [(c.cause, c.tests, c.apps) for c in causes] == [
        ("KeyError: 'x'", 3, ("app1", "app2")),
        ("TypeError: y", 1, ("app2",)),
    ]
    assert causes[0].example == "app1::t1"
