"""Bad input gets a one-line reason naming the file, every other file is still processed,
nothing is ever half-written, and the exit code says some files failed."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from flask2quart import _runner
from flask2quart._rules import Rule
from flask2quart._runner import Options, run
from flask2quart.cli import EXIT_FAILED_FILES, EXIT_INTERRUPTED, main
from flask2quart.codemods import RULES

VIEW = """from flask import Flask, render_template

app = Flask(__name__)


@app.route("/")
def index():
    return render_template("index.html")
"""


def write_tree(root: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def migrate(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["migrate", str(root)], catch_exceptions=False)
    return result.exit_code, result.stderr


def test_unparsable_file_is_reported_and_others_converted(tmp_path: Path) -> None:
    broken = b"from flask import Flask\ndef broken(:\n    pass\n"
    write_tree(tmp_path, {"a.py": VIEW.encode(), "b.py": broken})
    code, err = migrate(tmp_path)
    assert code == EXIT_FAILED_FILES
    line = next(line for line in err.splitlines() if "b.py" in line)
    assert line.endswith("b.py:2:1 F2Q900 error: does not parse: invalid syntax (line 2)")
    assert "await render_template" in (tmp_path / "a.py").read_text()
    assert (tmp_path / "b.py").read_bytes() == broken


def test_undecodable_file_is_reported_and_others_converted(tmp_path: Path) -> None:
    latin1 = b"from flask import Flask\nNAME = '\xe9t\xe9'\n"  # no coding cookie: not UTF-8
    write_tree(tmp_path, {"a.py": VIEW.encode(), "latin.py": latin1})
    code, err = migrate(tmp_path)
    assert code == EXIT_FAILED_FILES
    assert any("latin.py:1:1 F2Q900" in line for line in err.splitlines())
    assert (tmp_path / "latin.py").read_bytes() == latin1
    assert "await render_template" in (tmp_path / "a.py").read_text()


def test_declared_encoding_bom_crlf_and_tabs_are_preserved(tmp_path: Path) -> None:
    cookie = (
        b"# -*- coding: latin-1 -*-\nfrom flask import Flask\nNAME = '\xe9t\xe9'\n"
        b"app = Flask(NAME)\n"
    )
    bom_crlf = b"\xef\xbb\xbffrom flask import flash\r\n\r\ndef notify():\r\n\tflash('hi')\r\n"
    tabs = b"def f():\n\treturn 1\n"
    write_tree(tmp_path, {"cookie.py": cookie, "bom.py": bom_crlf, "tabs.py": tabs})
    code, _ = migrate(tmp_path)
    assert code == 0
    assert (tmp_path / "cookie.py").read_bytes() == cookie.replace(b"Flask", b"Quart").replace(
        b"from flask", b"from quart"
    )
    assert (tmp_path / "bom.py").read_bytes() == (
        b"\xef\xbb\xbffrom quart import flash\r\n\r\nasync def notify():\r\n\tawait flash('hi')\r\n"
    )
    assert (tmp_path / "tabs.py").read_bytes() == tabs


def test_read_only_file_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"a.py": VIEW.encode(), "b.py": VIEW.encode()})
    (tmp_path / "b.py").chmod(0o444)
    # os.access is what the runner asks; faking its answer keeps the test honest when it runs
    # as root (for whom a 0o444 file is still writable).
    real_access = os.access
    monkeypatch.setattr(
        _runner.os,
        "access",
        lambda path, mode: False if Path(path).name == "b.py" else real_access(path, mode),
    )
    code, err = migrate(tmp_path)
    assert code == EXIT_FAILED_FILES
    assert any(
        "b.py:1:1 F2Q900 error: cannot write: the file is read-only" in line
        for line in err.splitlines()
    )
    assert (tmp_path / "b.py").read_text() == VIEW
    assert "await render_template" in (tmp_path / "a.py").read_text()


def test_mode_is_kept(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.py": VIEW.encode()})
    (tmp_path / "a.py").chmod(0o750)
    assert migrate(tmp_path)[0] == 0
    assert stat.S_IMODE((tmp_path / "a.py").stat().st_mode) == 0o750


def test_file_vanishing_mid_run_is_reported_not_recreated(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.py": VIEW.encode(), "b.py": VIEW.encode()})

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "converting" and done == total:
            (tmp_path / "b.py").unlink()

    report = run([tmp_path], Options(mode="write", rules=RULES), progress)
    failed = [r for r in report.files if r.status == "failed"]
    assert [r.path.endswith("b.py") for r in failed] == [True]
    assert "disappeared" in failed[0].error
    assert not (tmp_path / "b.py").exists()
    assert "await render_template" in (tmp_path / "a.py").read_text()


def test_file_unreadable_when_analysed_is_reported(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.py": VIEW.encode()})
    (tmp_path / "dangling.py").symlink_to(tmp_path / "missing.py")
    code, err = migrate(tmp_path)
    assert code == EXIT_FAILED_FILES
    assert any("dangling.py:1:1 F2Q900 error: cannot read" in line for line in err.splitlines())


class _AwaitAtModuleLevel(Rule):
    """A deliberately broken rule: wraps every module-level call in ``await``."""

    id = "F2Q999"
    name = "broken-for-tests"
    summary = "test only"

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        site = self.context.model.calls.get(original_node)
        if site is not None and site.owner is None:
            return cst.Await(updated_node)
        return updated_node


class _Crashing(Rule):
    id = "F2Q998"
    name = "crashing-for-tests"
    summary = "test only"

    def visit_Module(self, node: cst.Module) -> None:
        if Path(self.context.path).name == "crash.py":
            raise RuntimeError("boom")


def test_output_that_would_not_compile_is_left_unchanged(tmp_path: Path) -> None:
    write_tree(tmp_path, {"a.py": b"import flask\nprint('x')\n"})
    report = run([tmp_path], Options(mode="write", rules=[_AwaitAtModuleLevel]))
    assert report.counts["failed"] == 1
    assert "would not compile" in report.findings[0].message
    assert (tmp_path / "a.py").read_text() == "import flask\nprint('x')\n"


def test_a_crashing_rule_fails_one_file_not_the_run(tmp_path: Path) -> None:
    write_tree(tmp_path, {"crash.py": b"import flask\n", "fine.py": VIEW.encode()})
    report = run([tmp_path], Options(mode="write", rules=[*RULES, _Crashing]))
    by_name = {Path(r.path).name: r for r in report.files}
    assert by_name["crash.py"].status == "failed"
    assert "internal error: RuntimeError: boom" in by_name["crash.py"].error
    assert by_name["fine.py"].status == "changed"


def test_interrupt_leaves_every_file_old_or_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {f"m{i}.py": VIEW.encode() for i in range(4)}
    write_tree(tmp_path, files)
    real_replace = os.replace
    calls = []

    def interrupted_replace(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(_runner.os, "replace", interrupted_replace)
    # no cache: every os.replace below is a write of a converted file
    code = CliRunner().invoke(main, ["migrate", str(tmp_path), "--no-cache"]).exit_code
    assert code == EXIT_INTERRUPTED
    contents = [(tmp_path / name).read_text() for name in files]
    converted = [c for c in contents if "await render_template" in c]
    assert len(converted) == 2 and contents.count(VIEW) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)  # no temp files left
