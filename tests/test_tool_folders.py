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


def notes(err: str) -> list[str]:
    """The run's notes, but the "no file imports flask" hint, which these small trees earn."""
    return [
        line.removeprefix("note: ")
        for line in err.splitlines()
        if line.startswith("note: ") and "imports flask: nothing to migrate" not in line
    ]


@pytest.mark.parametrize(
    ("statement", "shown"),
    [
        ("from build.steps import run", "build.steps.run"),
        ("from build import steps", "build.steps"),
        ("import build.steps", "build.steps"),
        ("from build import run", "build.run"),  # a name defined in build/__init__.py
    ],
)
def test_an_imported_root_tool_folder_is_named_in_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, statement: str, shown: str
) -> None:
    write_tree(tmp_path, {"app/x.py": f"{statement}\n", "app/y.py": VIEW})
    write_tree(tmp_path, {"app/build/__init__.py": "run = 1\n", "app/build/steps.py": ""})
    monkeypatch.chdir(tmp_path)
    _, _, err = migrate("app", "--check")
    assert notes(err) == [
        f"app/build/: skipped (a tool folder), but app/x.py imports {shown}; pass it explicitly "
        "(flask2quart migrate ... app/build) to migrate it"
    ]


def test_relative_imports_inside_a_package_root_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, {"pkg/__init__.py": "", "pkg/views.py": "from .build.steps import run\n"})
    write_tree(tmp_path, {"pkg/sub/__init__.py": "", "pkg/sub/m.py": "from ..build import steps\n"})
    write_tree(tmp_path, {"pkg/build/steps.py": "run = 1\n", "pkg/app.py": VIEW})
    monkeypatch.chdir(tmp_path)
    _, _, err = migrate("pkg", "--check")
    assert notes(err) == [
        "pkg/build/: skipped (a tool folder), but pkg/sub/m.py (and 1 other file(s)) imports "
        "pkg.build.steps; pass it explicitly (flask2quart migrate ... pkg/build) to migrate it"
    ]


@pytest.mark.parametrize(
    "files",
    [
        {"x.py": "import venv\n", "venv/pyvenv.cfg": "", "venv/bin/activate": ""},  # stdlib
        {"x.py": "from build import ProjectBuilder\n", "build/lib/pkg/m.py": ""},  # PyPA build
        {"x.py": "import builder\nbuild = 1\n", "build/steps.py": ""},  # the word, no import
        {"x.py": "from .build import steps\n", "build/steps.py": ""},  # root is no package
        {"x.py": "import app.build\n", "build/steps.py": ""},  # another package's build
    ],
    ids=["stdlib-venv", "pypa-build", "word-only", "relative-beyond-root", "other-package"],
)
def test_no_note_when_the_import_does_not_lead_into_the_folder(
    tmp_path: Path, files: dict[str, str]
) -> None:
    write_tree(tmp_path / "root", files)
    _, _, err = migrate(str(tmp_path / "root"), "--check")
    assert notes(err) == []


def test_no_note_when_the_folder_is_given_as_a_path_too(tmp_path: Path) -> None:
    write_tree(tmp_path, {"x.py": "from build import steps\n", "build/steps.py": VIEW})
    code, out, err = migrate(str(tmp_path), str(tmp_path / "build"), "--check")
    assert code == 1 and out.strip().endswith("build/steps.py")
    assert notes(err) == []


def test_a_file_python_warns_about_still_counts_and_prints_no_warning(tmp_path: Path) -> None:
    importer = 'from build import steps\nPATTERN = "\\d+"\n'  # an invalid escape: warns
    write_tree(tmp_path, {"x.py": importer, "build/steps.py": ""})
    _, _, err = migrate(str(tmp_path), "--check")
    assert [note.split(":")[0] for note in notes(err)] == [f"{tmp_path / 'build'}/"]
    assert "Warning" not in err


@pytest.mark.parametrize("build_first", [False, True], ids=["outer-first", "inner-first"])
def test_a_skipped_folder_given_as_a_path_keeps_its_place_under_out(
    tmp_path: Path, build_first: bool
) -> None:
    source, out = tmp_path / "src", tmp_path / "out"
    write_tree(source, {"app.py": VIEW, "build/steps.py": VIEW, "build/data.txt": ""})
    paths = [str(source / "build"), str(source)]
    code, _, err = migrate(*(paths if build_first else paths[::-1]), "--out", str(out))
    assert code == 0, err
    assert "await render_template" in (out / "build" / "steps.py").read_text()
    assert (out / "build" / "data.txt").exists() and (out / "app.py").exists()
    assert not (out / "steps.py").exists()
