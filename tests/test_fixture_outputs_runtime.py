"""Rule fixtures whose converted output is itself a test module: run it on Quart (0.22 and
0.23) and check every test in it passes with no coroutine left un-awaited.

A fixture pair proves the text the tool writes; this proves that text works. Listed here are
fixtures of test-code rewrites, where a wrong await would make a test pass without running.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._harness import Case
from tests._sample_suites import SuitePython, run_on_quart, suite_pythons

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "rules"
RUNNABLE = {
    "await_quart_apis/a-private-method-called-by-its-mangled-name-is-awaited": 1,
    "await_test_client/a-client-method-wrapped-by-a-helper-is-awaited-inside-it": 1,
    "await_test_client/a-client-a-fixture-gives-the-test-class-is-awaited": 1,
    "await_test_client/a-client-of-a-lazily-created-global-app-is-awaited": 1,
    "await_test_responses/an-annotated-helper-parameter-still-takes-the-call-sites-type": 1,
    "test_client_subclass_arguments/a-csrf-client-adds-its-token-to-the-form": 1,
    "awaited_assertion_callables/an-assertion-calling-an-async-method-awaits-it": 4,
    "hook_registries/a-reset-teardown-registry-stays-a-defaultdict": 1,
    "await_quart_apis/a-method-aliased-in-its-class-body-is-awaited-through-the-alias": 1,
    "await_quart_apis/a-form-that-is-one-of-two-related-classes-is-awaited": 1,
    "async_app_contexts/a-context-of-the-clients-application-is-entered-async": 1,
}


@pytest.mark.parametrize("target", suite_pythons())
@pytest.mark.parametrize("fixture", sorted(RUNNABLE))
def test_converted_fixture_runs_and_passes_on_quart(
    fixture: str, target: SuitePython, tmp_path: Path
) -> None:
    case = Case.load(FIXTURES / f"{fixture}.py")
    assert case.expected is not None and case.module.startswith("test_")
    (tmp_path / f"{case.module}.py").write_text(case.expected)
    # its own config, so a stray pytest.ini or pyproject.toml above tmp_path is not the rootdir's
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
    )
    result = run_on_quart(tmp_path, target, "-W", "error::RuntimeWarning")
    assert result.outcomes == {"passed": RUNNABLE[fixture]}, result.output
