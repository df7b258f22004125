"""The reexported-renamed-imports fixture's converted suite passes on Quart 0.22 and 0.23.

Its package imports ``Flask`` and ``FlaskForm`` from a compat module and ``CORS`` from an
extensions module (F2Q101, F2Q403 and F2Q404 rename those imports: the modules must keep the
names their importers ask for), builds a form through ``import flask_wtf as wtf`` and uses a
WTForms 2 import (``wtforms.fields.html5``) that WTForms 3, which quart-wtforms requires, moved.
Before, the package failed at import time (``ImportError: cannot import name 'FlaskForm'``,
``ModuleNotFoundError: flask_wtf``, ``ModuleNotFoundError: wtforms.fields.html5``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests._sample_suites import SuitePython, run_on_quart, suite_pythons

CASE = Path(__file__).resolve().parent / "fixtures" / "projects" / "reexported-renamed-imports"


@pytest.mark.parametrize("target", suite_pythons())
def test_converted_forms_import_and_validate(target: SuitePython, tmp_path: Path) -> None:
    shutil.copytree(CASE / "after", tmp_path / "app")
    result = run_on_quart(tmp_path / "app", target, "-W", "error::RuntimeWarning")
    assert result.outcomes == {"passed": 3}, result.output
