"""The Flask-Testing fixture project's suite passes on Flask before and on Quart after.

Flask-Testing's ``TestCase`` pushes a request context from a synchronous ``__call__``; on
Quart that context needs a path and an awaited ``push()``, so before F2Q308 generated its own
``TestCase`` every test of such a suite failed in its setup (timesketch: 460 tests). The
converted suite uses the generated ``shop/testing_case.py``: app and client before a ``setUp``
that does not call ``super()``, the request context during the test, flashed messages, the
template context, ``render_templates = False`` and the status helpers.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests._sample_suites import SuitePython, run_app_suite, run_on_quart, suite_pythons

CASE = Path(__file__).resolve().parent / "fixtures" / "projects" / "flask-testing-suite"


def test_original_suite_passes_on_flask(tmp_path: Path) -> None:
    shutil.copytree(CASE / "before", tmp_path / "app")
    result = run_app_suite(tmp_path / "app", python=sys.executable)
    assert result.outcomes == {"passed": 5}, result.output


@pytest.mark.parametrize("target", suite_pythons())
def test_converted_suite_passes_on_quart(target: SuitePython, tmp_path: Path) -> None:
    shutil.copytree(CASE / "after", tmp_path / "app")
    result = run_on_quart(tmp_path / "app", target, "-W", "error::RuntimeWarning")
    assert result.outcomes == {"passed": 5}, result.output
