"""F2Q314, run: the pytest-flask-suite fixture project (tests that use pytest-flask's ``client``,
``config`` and ``options`` marker, and a test relying on its autouse request context) passes on
Flask, and its converted suite passes on Quart 0.22 and 0.23 with pytest-flask still installed
and every "never awaited" warning an error. Before, every test errored at setup."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests._projects import migrate_tree, tree
from tests._sample_suites import SuitePython, run_app_suite, run_on_quart, suite_pythons

CASE = Path(__file__).resolve().parent / "fixtures" / "projects" / "pytest-flask-suite"


def test_original_suite_passes_on_flask_with_pytest_flask(tmp_path: Path) -> None:
    shutil.copytree(CASE / "before", tmp_path / "app")
    result = run_app_suite(tmp_path / "app", "-W", "error::RuntimeWarning", pytest_flask=True)
    assert result.outcomes == {"passed": 5}, result.output


@pytest.mark.parametrize("target", suite_pythons())
def test_converted_suite_passes_on_quart_with_pytest_flask(
    target: SuitePython, tmp_path: Path
) -> None:
    shutil.copytree(CASE / "after", tmp_path / "app")
    result = run_on_quart(
        tmp_path / "app", target, "-W", "error::RuntimeWarning", pytest_flask=True
    )
    assert result.outcomes == {"passed": 5}, result.output


def test_a_second_run_changes_nothing(tmp_path: Path) -> None:
    work = tmp_path / "work"
    migrate_tree(CASE / "after", work, {})
    assert tree(work) == tree(CASE / "after")


def test_without_pytest_flask_declared_no_conftest_changes(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(CASE / "before", source)
    pyproject = source / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"pytest-flask>=1.3"', '"pytest-mock"'))
    work = tmp_path / "work"
    migrate_tree(source, work, {})
    assert "F2Q314" not in (work / "tests" / "conftest.py").read_text()
    assert "_push_request_context" not in (work / "tests" / "conftest.py").read_text()


def test_own_client_fixture_is_kept_and_a_missing_conftest_is_created(tmp_path: Path) -> None:
    source = tmp_path / "source"
    (source / "tests").mkdir(parents=True)
    (source / "requirements.txt").write_text("flask\npytest-flask\n")
    (source / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    (source / "tests" / "test_app.py").write_text(
        "import pytest\nfrom app import app as flask_app\n\n\n"
        "@pytest.fixture\ndef app():\n    return flask_app\n\n\n"
        "@pytest.fixture\ndef client(app):\n    return app.test_client()\n\n\n"
        "def test_home(client):\n    assert client.get('/').status_code == 404\n"
    )
    work = tmp_path / "work"
    report = migrate_tree(source, work, {})
    conftest = (work / "tests" / "conftest.py").read_text()
    compile(conftest, "conftest.py", "exec")
    assert conftest.startswith("import pytest\n")
    assert "def _push_request_context(request):" in conftest
    assert "def client(" not in conftest
    assert [f.rule for f in report.findings if f.rule == "F2Q314"] == ["F2Q314"]


def test_the_pytest_import_goes_after_future_imports(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(CASE / "before", source)
    conftest = source / "tests" / "conftest.py"
    conftest.write_text('"""Fixtures."""\nfrom __future__ import annotations\n')
    work = tmp_path / "work"
    migrate_tree(source, work, {})
    text = (work / "tests" / "conftest.py").read_text()
    compile(text, "conftest.py", "exec")
    assert text.index("from __future__") < text.index("import pytest")
