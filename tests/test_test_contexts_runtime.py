"""The test-contexts fixture's converted suite passes on Quart (0.22 and 0.23).

Each test reads a context it did not enter itself: one an async fixture entered around its
``yield`` (``async with app.app_context()``, ``await ctx.push()``), one ``asyncSetUp`` pushed,
one a helper entered on an app it got as a parameter, and one a thread target entered in its
own event loop. pytest-asyncio before 0.25 ran an async fixture's setup, the test and the
fixture's teardown in separate contexts, so the first two failed there with ``LookupError`` on
``quart.app_ctx``; the converted project now declares ``pytest-asyncio>=1.1``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests._sample_suites import SuitePython, run_on_quart, suite_pythons

CASE = Path(__file__).resolve().parent / "fixtures" / "projects" / "test-contexts"


def test_the_converted_project_declares_a_pytest_asyncio_that_carries_contexts() -> None:
    requirements = (CASE / "after" / "requirements.txt").read_text().splitlines()
    assert "pytest-asyncio>=1.1" in requirements
    assert "pytest>=8.2" in requirements  # pytest-asyncio 1.1 needs it; the 7.4 pin was widened


@pytest.mark.parametrize("target", suite_pythons())
def test_contexts_entered_outside_the_test_reach_it(target: SuitePython, tmp_path: Path) -> None:
    shutil.copytree(CASE / "after", tmp_path / "app")
    result = run_on_quart(tmp_path / "app", target, "-W", "error::RuntimeWarning")
    assert result.outcomes == {"passed": 6}, result.output
