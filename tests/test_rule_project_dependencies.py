"""F2Q117 project-dependencies: requirements files and pyproject.toml, edited as text."""

from __future__ import annotations

import tomllib
from pathlib import Path

from click.testing import CliRunner

from flask2quart._dependencies import DependencyChanges, edit_pyproject, edit_requirements
from flask2quart.cli import main

VIEW = "from flask import Flask\n\napp = Flask(__name__)\n"


def migrate(root: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["migrate", str(root), *args])
    assert result.exit_code in (0, 1), result.stderr
    return result.stderr


def test_requirements_flask_becomes_quart_keeping_the_rest(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(VIEW)
    text = "# web\nFlask>=3.0,<4  # the framework\nrequests==2.32.0\n\n-r base.txt\n"
    (tmp_path / "requirements.txt").write_text(text)
    migrate(tmp_path)
    assert (tmp_path / "requirements.txt").read_text() == (
        "# web\nquart>=0.22  # the framework\nrequests==2.32.0\n\n-r base.txt\n"
    )


def test_pyproject_dependencies_and_test_group(tmp_path: Path) -> None:
    text = (
        '[project]\nname = "x"\ndependencies = [\n    "flask>=2",\n    "click",\n]\n\n'
        '[project.optional-dependencies]\ntest = ["pytest"]\n\n[tool.other]\nkeep = "me"\n'
    )
    changes = DependencyChanges(add=["httpx"], add_test=["pytest-asyncio>=0.24"])
    changes.replace["flask"] = "quart>=0.22"
    new = edit_pyproject(text, changes)
    assert new is not None
    data = tomllib.loads(new)
    assert data["project"]["dependencies"] == ["quart>=0.22", "click", "httpx"]
    assert data["project"]["optional-dependencies"]["test"] == ["pytest", "pytest-asyncio>=0.24"]
    assert new.endswith('[tool.other]\nkeep = "me"\n')
    assert '    "httpx",\n]' in new  # the one-per-line layout is kept


def test_additions_are_not_duplicated_and_test_requirements_go_to_test_files() -> None:
    changes = DependencyChanges(add=["httpx"], add_test=["respx"])
    assert edit_requirements("httpx>=0.27\n", changes, test_file=False) == "httpx>=0.27\n"
    assert edit_requirements("pytest\n", changes, test_file=True) == "pytest\nhttpx\nrespx\n"
    assert edit_requirements("flask", changes, test_file=False) == "flask\nhttpx\n"


def test_noop_without_dependency_files_is_reported_only_when_something_is_needed(
    tmp_path: Path,
) -> None:
    (tmp_path / "app.py").write_text(VIEW)
    err = migrate(tmp_path)
    assert "F2Q117" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.py"]


def test_pyproject_without_pep621_dependencies_is_left_alone() -> None:
    text = '[tool.poetry.dependencies]\nflask = "^3"\n'
    assert edit_pyproject(text, DependencyChanges(replace={"flask": "quart>=0.22"})) is None


def test_diff_and_out_modes_include_the_dependency_edit(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "app.py").write_text(VIEW)
    (source / "requirements.txt").write_text("flask\n")
    result = CliRunner().invoke(main, ["migrate", str(source), "--check"])
    assert result.exit_code == 1
    assert "requirements.txt" in result.stdout
    out = tmp_path / "out"
    CliRunner().invoke(main, ["migrate", str(source), "--out", str(out)])
    assert (out / "requirements.txt").read_text() == "quart>=0.22\n"
    assert (source / "requirements.txt").read_text() == "flask\n"
