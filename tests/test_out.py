"""``--out`` and the files a run creates: modes, refusals, and write errors."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from flask2quart import _runner
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


@pytest.fixture
def source(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    write_tree(root, {"__init__.py": "", "views.py": VIEW, "static/site.css": "p {}\n"})
    return root


def assert_refused(args: list[str], *named: str) -> str:
    code, err = migrate(*args)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert all(name in lines[0] for name in named), lines[0]
    return lines[0]


def test_out_equal_to_the_source_is_refused(source: Path) -> None:
    line = assert_refused([str(source), "--out", str(source)], f"--out {source} is the source")
    assert "SameFileError" not in line
    assert (source / "views.py").read_text() == VIEW


def test_out_inside_the_source_is_refused(source: Path) -> None:
    inside = source / "converted"
    assert_refused([str(source), "--out", str(inside)], f"{inside} is inside the source {source}")
    assert not inside.exists()


def test_out_containing_the_source_is_refused(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert_refused(["app", "--out", "."], "--out . (-> ", "contains the source app")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app"]  # not even a cache folder


def test_out_containing_a_file_path_is_refused(source: Path) -> None:
    assert_refused([str(source / "views.py"), "--out", str(source)], "contains the source")


def test_any_of_several_paths_counts(source: Path, tmp_path: Path) -> None:
    other = tmp_path / "tests"
    write_tree(other, {"test_views.py": "def test(): pass\n"})
    inside = other / "out"
    assert_refused([str(source), str(other), "--out", str(inside)], "inside the source")


def test_symlinks_are_followed_both_ways(source: Path, tmp_path: Path) -> None:
    to_source = tmp_path / "link"
    to_source.symlink_to(source)
    assert_refused([str(source), "--out", str(to_source)], f"{to_source} (-> {source})")
    assert_refused([str(to_source), "--out", str(source / "x")], f"{to_source} (-> {source})")
    assert_refused([str(source), "--out", str(to_source / "new")], "is inside the source")
    assert (source / "views.py").read_text() == VIEW


def test_out_beside_the_source_is_accepted(source: Path, tmp_path: Path) -> None:
    # a sibling whose name starts like the source's is not inside it
    out = tmp_path / "app-quart"
    assert migrate(str(source), "--out", str(out))[0] == 0
    assert "await render_template" in (out / "views.py").read_text()


def test_force_gives_an_overwritten_file_its_source_s_mode(tmp_path: Path) -> None:
    source, out = tmp_path / "src", tmp_path / "out"
    write_tree(source, {"views.py": VIEW})
    (source / "views.py").chmod(0o644)
    write_tree(out, {"views.py": "old\n"})
    (out / "views.py").chmod(0o600)
    assert migrate(str(source), "--out", str(out), "--force")[0] == 0
    assert mode_of(out / "views.py") == 0o644


def test_a_non_empty_out_is_refused_without_force(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, {"notes.txt": "mine\n"})
    assert_refused([str(source), "--out", str(out)], f"--out {out} is not empty", "--force")
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_an_empty_out_needs_no_force(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert migrate(str(source), "--out", str(out))[0] == 0
    assert "await render_template" in (out / "views.py").read_text()


def test_a_file_as_out_is_refused_even_with_force(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("x\n")
    assert_refused([str(source), "--out", str(out), "--force"], f"--out {out} is a file")
    assert out.read_text() == "x\n"


def test_force_writes_over_and_lists_the_files_it_kept(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, {"views.py": "old\n", "old_module.py": "", "static/old.css": ""})
    write_tree(out, {".git/HEAD": "ref\n", "__pycache__/views.cpython-312.pyc": ""})
    code, err = migrate(str(source), "--out", str(out), "--force")
    assert code == 0
    assert "await render_template" in (out / "views.py").read_text()
    assert (out / "old_module.py").exists() and (out / "static" / "old.css").exists()
    notes = [line for line in err.splitlines() if line.startswith(f"note: --out {out}:")]
    assert notes == [
        f"note: --out {out}: 2 file(s) this run did not write were left there: "
        "old_module.py, static/old.css"
    ]


def test_force_does_not_list_the_cache_kept_inside_out(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, {"README": ""})
    args = ["migrate", str(source), "--out", str(out), "--force", "--cache-dir", str(out / "c")]
    for _ in range(2):  # the second run finds the cache the first one left in out/c
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0
        assert "1 file(s) this run did not write were left there: README" in result.stderr
    assert any((out / "c").iterdir())


def test_an_out_that_cannot_be_listed_is_a_usage_error(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()

    def unreadable(self: Path) -> Iterator[Path]:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "iterdir", unreadable)
    assert_refused(
        [str(source), "--out", str(out)],
        f"--out {out}: cannot tell whether it is empty (Permission denied)",
    )


def test_force_without_out_is_a_usage_error(source: Path) -> None:
    assert_refused([str(source), "--force"], "--force only applies to --out")
    assert (source / "views.py").read_text() == VIEW


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if " F2Q900 error: " in line]


def test_an_out_that_cannot_be_created_is_one_line_exit_3(source: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    out = tmp_path / "a-file" / "out"
    code, err = migrate(str(source), "--out", str(out))
    assert code == 3
    assert error_lines(err) == [
        f"{out}:1:1 F2Q900 error: the --out folder cannot be written: Not a directory; nothing "
        "was written → check the path and its permissions, or choose another --out folder"
    ]
    assert "2 files scanned: 0 changed, 0 unchanged, 2 failed" in err


def test_an_out_without_write_permission_is_one_line_exit_3(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    # what the runner asks; faked so the test means the same when it runs as root
    real_access = os.access
    monkeypatch.setattr(
        _runner.os,
        "access",
        lambda path, mode: real_access(path, mode) and not (Path(path) == out and mode & os.W_OK),
    )
    code, err = migrate(str(source), "--out", str(out))
    assert code == 3, err
    [line] = error_lines(err)
    assert line.startswith(f"{out}:1:1 F2Q900 error: the --out folder cannot be written: ")
    assert "Permission denied" in line
    assert list(out.iterdir()) == []


def test_a_tree_without_python_still_fails_when_out_cannot_be_written(tmp_path: Path) -> None:
    write_tree(tmp_path / "site", {"index.html": ""})
    (tmp_path / "a-file").write_text("")
    code, err = migrate(str(tmp_path / "site"), "--out", str(tmp_path / "a-file" / "out"))
    assert code == 3
    assert len(error_lines(err)) == 1


def test_a_file_that_cannot_be_written_fails_alone(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "views.py").mkdir(parents=True)  # a folder where the converted file must go
    code, err = migrate(str(source), "--out", str(out), "--force")
    assert code == 3
    assert [line.split(" F2Q900 ")[1] for line in error_lines(err)] == [
        f"error: cannot write {out / 'views.py'}: Is a directory"
    ]
    assert (out / "__init__.py").exists() and (out / "static" / "site.css").exists()


def test_an_other_file_that_cannot_be_copied_fails_alone(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, {"static": "a file where a folder must go\n"})
    code, err = migrate(str(source), "--out", str(out), "--force", "--report", str(tmp_path / "r"))
    assert code == 3
    [line] = error_lines(err)
    assert line.endswith(f"error: cannot create folder {out / 'static'}: File exists")
    assert line.startswith(f"{source / 'static' / 'site.css'}:1:1")
    assert "await render_template" in (out / "views.py").read_text()
    files = json.loads((tmp_path / "r").read_text())["files"]
    assert [f["status"] for f in files if f["path"].endswith("site.css")] == ["failed"]


def test_files_left_out_by_exclude_are_copied_unchanged(tmp_path: Path) -> None:
    write_tree(tmp_path / "src", {"app.py": VIEW, "legacy/old.py": VIEW})
    code, err = migrate(str(tmp_path / "src"), "--exclude", "legacy/", "--out", str(tmp_path / "x"))
    assert code == 0, err
    assert "from quart import" in (tmp_path / "x" / "app.py").read_text()
    assert (tmp_path / "x" / "legacy" / "old.py").read_text() == VIEW


def test_sibling_paths_keep_their_folders_under_out(tmp_path: Path) -> None:
    tree = {"app/__init__.py": "", "app/core.py": VIEW, "tests/__init__.py": "# tests\n"}
    write_tree(tmp_path / "src", tree)
    paths = [str(tmp_path / "src" / "app"), str(tmp_path / "src" / "tests")]
    code, err = migrate(*paths, "--out", str(tmp_path / "x"))
    assert code == 0, err
    assert (tmp_path / "x" / "tests" / "__init__.py").read_text() == "# tests\n"
    assert (tmp_path / "x" / "app" / "__init__.py").read_text() == ""
    assert "from quart import" in (tmp_path / "x" / "app" / "core.py").read_text()
