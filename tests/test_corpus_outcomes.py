"""Classifying a converted suite: false passes count as failed, and causes are grouped."""

from __future__ import annotations

from typing import Any

import pytest

from corpus.outcomes import (
    FALSE_PASS,
    NOT_RUN,
    SuiteRun,
    compare,
    group_causes,
    normalise_message,
    parse_events,
    suite_from_events,
    with_startup_error,
)

Event = dict[str, Any]


def report(nodeid: str, outcome: str = "passed", when: str = "call", **fields: str) -> Event:
    return {"event": "report", "nodeid": nodeid, "when": when, "outcome": outcome, **fields}


def never_awaited(nodeid: str) -> Event:
    return {"event": "warning", "nodeid": nodeid, "message": "coroutine 'T.t' was never awaited"}


def suite(*events: Event) -> SuiteRun:
    return suite_from_events(list(events))


def test_a_pass_with_a_never_awaited_coroutine_counts_as_failed() -> None:
    baseline = suite(report("a"), report("b"))
    converted = suite(report("a"), report("b"), never_awaited("b"))
    assert converted.passed == 1
    assert converted.false_passes == 1
    comparison = compare(baseline, converted)
    assert (comparison.still_passing, comparison.false_passes) == (1, 1)
    assert comparison.lost == {"b": FALSE_PASS}


def test_only_tests_that_passed_on_flask_are_followed() -> None:
    baseline = suite(report("a"), report("b", "failed"))
    converted = suite(report("a"), report("b"), report("c"))
    comparison = compare(baseline, converted)
    assert (comparison.baseline_passing, comparison.still_passing) == (1, 1)


def test_a_baseline_false_pass_is_not_a_baseline_pass() -> None:
    baseline = suite(report("a"), never_awaited("a"))
    assert compare(baseline, baseline).baseline_passing == 0


def test_failures_are_named_by_exception_and_message() -> None:
    failing = report(
        "a",
        "failed",
        exc_type="AttributeError",
        message="'coroutine' object has no attribute 'status_code'",
    )
    comparison = compare(suite(report("a")), suite(failing))
    assert comparison.lost == {
        "a": "AttributeError: 'coroutine' object has no attribute 'status_code'"
    }


def test_missing_tests_are_blamed_on_their_modules_collection_error() -> None:
    baseline = suite(report("tests/test_a.py::t"), report("tests/test_b.py::t"))
    converted = suite(
        {
            "event": "collect_error",
            "nodeid": "tests/test_a.py",
            "message": "ModuleNotFoundError: No module named 'x'",
        }
    )
    lost = compare(baseline, converted).lost
    assert (
        lost["tests/test_a.py::t"] == "collection error: ModuleNotFoundError: No module named 'x'"
    )
    assert lost["tests/test_b.py::t"] == NOT_RUN


def test_tests_of_clean_modules_are_lost_to_the_collection_errors_that_stopped_pytest() -> None:
    baseline = suite(report("tests/test_ok.py::t"))
    converted = suite(
        {"event": "collect_error", "nodeid": "tests/test_bad.py", "message": "ImportError: x"},
        {"event": "finish", "exitstatus": 2},
    )
    assert compare(baseline, converted).lost == {
        "tests/test_ok.py::t": "not run: pytest stopped at collection errors in other modules "
        "(ImportError: x)"
    }


def test_a_failed_teardown_after_a_pass_is_an_error_and_a_skip_is_not_a_pass() -> None:
    run = suite(
        report("t", when="setup"),
        report("t"),
        report("t", "failed", when="teardown", exc_type="KeyError"),
        report("s", "skipped", when="setup"),
    )
    assert (run.tests["t"].outcome, run.tests["t"].exc_type) == ("error", "KeyError")
    assert run.tests["s"].outcome == "skipped"
    assert run.passed == 0


def test_a_record_cut_short_by_a_killed_run_keeps_its_whole_lines() -> None:
    text = '{"event": "report", "nodeid": "a", "when": "call", "outcome": "passed"}\n{"event": "rep'
    assert suite_from_events(parse_events(text)).passed == 1


def test_no_converted_run_loses_every_test_to_the_reason_given() -> None:
    baseline = suite(report("a"))
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


CONFTEST_FAILURE = """
$ python -m pytest tests -p corpus_recorder
ImportError while loading conftest '/w/tests/conftest.py'.
tests/conftest.py:7: in <module>
    from app import create_app
E   ModuleNotFoundError: No module named 'quart_babel'
"""


def test_a_conftest_that_fails_to_import_is_named_from_pytests_output() -> None:
    events = with_startup_error([{"event": "finish", "exitstatus": 4}], CONFTEST_FAILURE)
    lost = compare(suite(report("tests/test_a.py::t")), suite(*events)).lost
    assert lost == {
        "tests/test_a.py::t": "collection error: ModuleNotFoundError: No module named 'quart_babel'"
    }


def test_a_suite_that_ran_gets_no_startup_error() -> None:
    events = [report("a")]
    assert with_startup_error(events, CONFTEST_FAILURE) == events
