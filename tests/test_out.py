"""``--out`` and the files a run creates: modes, refusals, and write errors."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
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

HTTP_VIEW = """import requests
from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return requests.get("http://127.0.0.1:9/", timeout=1).json()
"""


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def migrate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["migrate", "--no-cache", *args], catch_exceptions=False)
    return result.exit_code, result.stderr


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o077], ids=["umask-022", "umask-077"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def test_out_keeps_the_mode_of_every_copied_file(tmp_path: Path) -> None:
    source, out = tmp_path / "src", tmp_path / "out"
    modes = {"views.py": 0o640, "tool.py": 0o755, "run.sh": 0o750, "secret.cfg": 0o600}
    write_tree(source, {"views.py": VIEW, "tool.py": "print(1)\n", "run.sh": "", "secret.cfg": ""})
    for name, mode in modes.items():
        (source / name).chmod(mode)
    assert migrate(str(source), "--out", str(out))[0] == 0
    assert "await render_template" in (out / "views.py").read_text()  # converted, then chmod
    assert {name: mode_of(out / name) for name in modes} == modes


def test_generated_module_gets_the_umask_mode_in_place(tmp_path: Path, umask: int) -> None:
    write_tree(tmp_path, {"app.py": HTTP_VIEW})
    assert migrate(str(tmp_path))[0] == 0
    assert mode_of(tmp_path / "http_client.py") == 0o666 & ~umask


def test_generated_module_gets_the_umask_mode_under_out(tmp_path: Path, umask: int) -> None:
    source, out = tmp_path / "src", tmp_path / "out"
    write_tree(source, {"app.py": HTTP_VIEW})
    (source / "app.py").chmod(0o640)
    assert migrate(str(source), "--out", str(out))[0] == 0
    assert mode_of(out / "http_client.py") == 0o666 & ~umask
    assert mode_of(out / "app.py") == 0o640


def test_in_place_rewrite_keeps_the_mode_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    write_tree(tmp_path, {"views.py": VIEW})
    (tmp_path / "views.py").chmod(0o604)
    assert migrate(str(tmp_path))[0] == 0
    assert "await render_template" in (tmp_path / "views.py").read_text()
    assert mode_of(tmp_path / "views.py") == 0o604
