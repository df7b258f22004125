"""Tool folders (``build``, ``venv``...) are skipped only at a PATH's root, and a note says when
the code imports from one that was skipped."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from flask2quart.cli import main

VIEW = """from flask import Flask, render_template

app = Flask(__name__)


@app.route("/")
def index():
    return render_template("index.html")
"""


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def migrate(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["migrate", "--no-cache", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def would_convert(root: Path) -> list[str]:
    code, out, _ = migrate(str(root), "--check")
    assert code in (0, 1)
    return sorted(
        Path(line.removeprefix("would convert ")).relative_to(root).as_posix()
        for line in out.splitlines()
    )


@pytest.mark.parametrize("name", ["build", "venv", "node_modules", ".tox", ".mypy_cache"])
def test_a_tool_folder_name_deeper_down_is_walked(tmp_path: Path, name: str) -> None:
    write_tree(tmp_path, {"ops/__init__.py": "", f"ops/{name}/steps.py": VIEW})
    assert would_convert(tmp_path) == [f"ops/{name}/steps.py"]


@pytest.mark.parametrize("name", ["build", "venv", ".venv", "node_modules", ".tox", ".eggs"])
def test_a_tool_folder_at_the_root_is_skipped(tmp_path: Path, name: str) -> None:
    write_tree(tmp_path, {"app.py": VIEW, f"{name}/steps.py": VIEW})
    assert would_convert(tmp_path) == ["app.py"]


@pytest.mark.parametrize(
    "folder", ["ops/__pycache__", "ops/.git", "ops/.flask2quart_cache", "ops/x.egg-info"]
)
def test_never_source_folders_are_skipped_at_any_depth(tmp_path: Path, folder: str) -> None:
    write_tree(tmp_path, {"app.py": VIEW, f"{folder}/steps.py": VIEW})
    assert would_convert(tmp_path) == ["app.py"]


def test_a_nested_virtualenv_is_skipped_whatever_its_name(tmp_path: Path) -> None:
    env = "services/api/env"
    write_tree(tmp_path, {"app.py": VIEW, f"{env}/pyvenv.cfg": "", f"{env}/lib/flask/app.py": VIEW})
    assert would_convert(tmp_path) == ["app.py"]


def test_a_nested_build_package_is_copied_under_out(tmp_path: Path) -> None:
    source, out = tmp_path / "src", tmp_path / "out"
    write_tree(source, {"ops/__init__.py": "", "ops/build/__init__.py": "", "ops/build/a.py": VIEW})
    write_tree(source, {"ops/build/data.json": "{}\n", "build/artifact.txt": ""})
    code, _, _ = migrate(str(source), "--out", str(out))
    assert code == 0
    assert "await render_template" in (out / "ops" / "build" / "a.py").read_text()
    assert (out / "ops" / "build" / "data.json").read_text() == "{}\n"
    assert not (out / "build").exists()
