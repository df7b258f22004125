"""The helper that runs sample suites: which interpreters it offers, and which Quart it saw."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

from tests._sample_suites import (
    PY313_VARIABLE,
    SuitePython,
    SuiteResult,
    assert_ran_on,
    parse_summary,
    probed_quart,
    run_app_suite,
    run_on_quart,
    suite_pythons,
    version_tuple,
)


def test_without_the_variable_the_py313_cases_are_skipped_naming_it() -> None:
    venv, py313 = suite_pythons({})
    assert venv.id == "venv" and not venv.marks
    assert py313.id == "py313"
    [mark] = py313.marks
    assert mark.name == "skip" and PY313_VARIABLE in mark.kwargs["reason"]


def test_with_the_variable_set_the_py313_cases_run_even_if_it_names_nothing() -> None:
    _, py313 = suite_pythons({PY313_VARIABLE: "/nowhere/python"})
    assert not py313.marks
    [target] = py313.values
    assert target == SuitePython("/nowhere/python", (0, 23), PY313_VARIABLE)
    with pytest.raises(AssertionError, match="/nowhere/python"):
        run_on_quart(Path(), target)


def test_the_run_reports_the_quart_it_imported(tmp_path: Path) -> None:
    (tmp_path / "test_one.py").write_text("import quart\n\ndef test_one():\n    assert quart\n")
    result = run_app_suite(tmp_path)
    assert result.outcomes == {"passed": 1}, result.output
    assert result.quart_version == importlib.metadata.version("quart")


def suite_result(probe_line: str) -> SuiteResult:
    stdout = f".\n{probe_line}\n1 passed in 0.01s\n"
    return SuiteResult(0, parse_summary(stdout), stdout, probed_quart(stdout))


def test_a_run_that_never_imported_quart_fails() -> None:
    result = suite_result("flask2quart-suite-probe: python 3.13.0 quart -")
    assert result.quart_version is None
    with pytest.raises(AssertionError, match="ran no Quart"):
        assert_ran_on(result, SuitePython("/venv/bin/python", (0, 22), "this venv"))


def test_a_quart_older_than_required_fails() -> None:
    result = suite_result("flask2quart-suite-probe: python 3.13.0 quart 0.22.0")
    assert result.quart_version == "0.22.0"
    with pytest.raises(AssertionError, match=r"ran on Quart 0\.22\.0, needs 0\.23\+"):
        assert_ran_on(result, SuitePython("/py313/bin/python", (0, 23), PY313_VARIABLE))
    assert_ran_on(result, SuitePython("/venv/bin/python", (0, 22), "this venv"))


@pytest.mark.parametrize(
    ("version", "numbers"),
    [("0.23.1", (0, 23, 1)), ("0.22", (0, 22)), ("1.0rc1", (1, 0)), ("0.23.0.dev0", (0, 23, 0))],
)
def test_version_tuple(version: str, numbers: tuple[int, ...]) -> None:
    assert version_tuple(version) == numbers
