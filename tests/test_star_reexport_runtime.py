"""The star-reexport fixture's converted suite runs and passes on Quart (0.22 and 0.23).

Its tests reach the app as ``shop.app`` through ``from .core import *`` in the package: before
star re-exports were followed, the tests stayed sync against the converted app and every
response was an un-awaited coroutine.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests._sample_suites import SuitePython, run_on_quart, suite_pythons

CASE = Path(__file__).resolve().parent / "fixtures" / "projects" / "star-reexport"


@pytest.mark.parametrize("target", suite_pythons())
def test_converted_suite_passes_through_the_reexported_app(
    target: SuitePython, tmp_path: Path
) -> None:
    shutil.copytree(CASE / "after", tmp_path / "app")
    result = run_on_quart(tmp_path / "app", target, "-W", "error::RuntimeWarning")
    assert result.outcomes == {"passed": 1}, result.output
