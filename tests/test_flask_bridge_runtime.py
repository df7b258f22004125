"""F2Q409's bridge, proven per extension: the extensions-bridged fixture project (Flask-Login,
Flask-HTTPAuth, Flask-JWT-Extended, Flask-Caching, Flask-Talisman, Flask-Mail and Flask-RESTful,
kept as they are) passes its own suite on Flask, and its converted suite passes on Quart 0.22
and 0.23, through views that became ``async def`` behind the extensions' decorators, with every
"never awaited" warning an error. The table in ``codemods/_extensions.py`` marks an extension
"bridged" only if this suite uses it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flask2quart.codemods._extensions import EXTENSIONS
from tests._sample_suites import SuitePython, run_app_suite, run_on_quart, suite_pythons

CASE = Path(__file__).resolve().parent / "fixtures" / "projects" / "extensions-bridged"
TESTS = 12


def test_original_suite_passes_on_flask(tmp_path: Path) -> None:
    shutil.copytree(CASE / "before", tmp_path / "app")
    result = run_app_suite(tmp_path / "app", "-W", "error::RuntimeWarning")
    assert result.outcomes == {"passed": TESTS}, result.output


@pytest.mark.parametrize("target", suite_pythons())
def test_converted_suite_passes_on_quart_through_the_bridge(
    target: SuitePython, tmp_path: Path
) -> None:
    shutil.copytree(CASE / "after", tmp_path / "app")
    result = run_on_quart(tmp_path / "app", target, "-W", "error::RuntimeWarning")
    assert result.outcomes == {"passed": TESTS}, result.output


def test_the_views_behind_the_extensions_decorators_became_async() -> None:
    views = (CASE / "after" / "notes" / "views.py").read_text(encoding="utf-8")
    for decorated in (
        "@login_required\nasync def home():",
        "@basic.login_required\nasync def token():",
        "@jwt_required()\nasync def me():",
        "@cache.cached(timeout=60)\nasync def stats():",
    ):
        assert decorated in views


def test_the_flask_restful_methods_that_await_became_async() -> None:
    api = (CASE / "after" / "notes" / "api.py").read_text(encoding="utf-8")
    assert "@marshal_with(NOTE_FIELDS)\n    async def post(self, owner):" in api
    assert "    async def put(self, note_id):\n        args = text_parser.parse_args()" in api


def test_every_bridged_extension_is_used_by_the_proving_suite() -> None:
    sources = "".join(path.read_text(encoding="utf-8") for path in (CASE / "before").rglob("*.py"))
    bridged = [ext for ext in EXTENSIONS if ext.verdict == "bridged"]
    assert bridged
    for extension in bridged:
        assert any(f"from {module}" in sources for module in extension.modules), extension.name
