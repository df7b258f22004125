"""Issue 6: at home in a Python team's toolchain — config, formatters, pre-commit, libcst.tool."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

from flask2quart.cli import main

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent

VIEW = (
    "from flask import Flask, render_template\n\napp = Flask(__name__)\n\n\n"
    '@app.route("/")\ndef index():\n'
    '    return render_template("i.html", title="a very long title that makes this line '
    'longer than eighty-eight characters")\n'
)
SESSION_APP = (
    "from flask import Flask\nfrom flask_session import Session\n\napp = Flask(__name__)\n"
    'app.config["SESSION_TYPE"] = "redis"\nSession(app)\n'
)


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def project(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "x"\n\n{table}')
    (tmp_path / "app").mkdir(exist_ok=True)
    (tmp_path / "app" / "views.py").write_text(VIEW)
    (tmp_path / "app" / "legacy.py").write_text(VIEW)
    return tmp_path


def test_config_table_sets_rules_and_excludes(tmp_path: Path) -> None:
    project(tmp_path, '[tool.flask2quart]\nonly = ["F2Q101"]\nexclude = ["app/legacy.py"]\n')
    code, out, _ = invoke("migrate", str(tmp_path / "app"), "--check")
    assert code == 1
    assert [line.rsplit("/", 1)[-1] for line in out.splitlines()] == ["views.py"]
    invoke("migrate", str(tmp_path / "app"))
    assert "from quart import" in (tmp_path / "app" / "views.py").read_text()
    assert "await" not in (tmp_path / "app" / "views.py").read_text()  # only F2Q101 ran
    assert (tmp_path / "app" / "legacy.py").read_text() == VIEW


def test_flags_win_over_the_config(tmp_path: Path) -> None:
    project(tmp_path, '[tool.flask2quart]\nonly = ["F2Q101"]\n')
    invoke("migrate", str(tmp_path / "app"), "--only", "F2Q102")
    text = (tmp_path / "app" / "views.py").read_text()
    assert "await render_template" in text and "from flask import" in text


def test_bad_config_is_a_usage_error_naming_the_file(tmp_path: Path) -> None:
    project(tmp_path, "[tool.flask2quart]\njobz = 2\n")
    code, _, err = invoke("migrate", str(tmp_path / "app"), "--check")
    assert code == 2
    assert "pyproject.toml: unknown key 'jobz' in [tool.flask2quart]" in err
    project(tmp_path, '[tool.flask2quart]\ngather = "yes"\n')
    code, _, err = invoke("migrate", str(tmp_path / "app"), "--check")
    assert code == 2 and "pyproject.toml: gather = 'yes' must be true or false" in err


def test_format_ruff_formats_only_changed_files(tmp_path: Path) -> None:
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ['PATH']}"
    (tmp_path / "views.py").write_text(VIEW)
    untouched = "x = {'a':1}\n"
    (tmp_path / "other.py").write_text(untouched)
    code, _, err = invoke("migrate", str(tmp_path), "--format", "ruff")
    assert code == 0, err
    text = (tmp_path / "views.py").read_text()
    assert "    return await render_template(\n" in text  # ruff wrapped the long line
    assert (tmp_path / "other.py").read_text() == untouched


def test_opt_in_rule_runs_only_when_enabled(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SESSION_APP)
    _, out, err = invoke("migrate", str(tmp_path), "--diff")
    assert "quart_session" not in out
    assert "Flask-Session" in err and "unchanged" in err
    _, out, _ = invoke("migrate", str(tmp_path), "--diff", "--enable", "F2Q407")
    assert "+from quart_session import Session" in out


def test_pre_commit_hook_definition_runs_as_pre_commit_would(tmp_path: Path) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "flask2quart-check")
    assert hook["language"] == "python" and hook["pass_filenames"] is False
    command = [*shlex.split(hook["entry"]), *hook["args"]]
    assert command[0] == "flask2quart"
    executable = [str(BIN / "flask2quart"), *command[1:]]
    (tmp_path / "app.py").write_text(VIEW)
    pending = subprocess.run(executable, cwd=tmp_path, capture_output=True, text=True)
    assert pending.returncode == 1 and "would convert app.py" in pending.stdout
    subprocess.run([str(BIN / "flask2quart"), "migrate", "."], cwd=tmp_path, check=True)
    clean = subprocess.run(executable, cwd=tmp_path, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout


def test_libcst_tool_runs_a_rule_and_lists_them(tmp_path: Path) -> None:
    (tmp_path / ".libcst.codemod.yaml").write_text((ROOT / ".libcst.codemod.yaml").read_text())
    (tmp_path / "app.py").write_text(VIEW)
    tool = [sys.executable, "-m", "libcst.tool"]
    listed = subprocess.run([*tool, "list"], cwd=tmp_path, capture_output=True, text=True)
    assert "commands.AwaitQuartApis - F2Q102 await-quart-apis" in listed.stdout
    assert "commands.RuleCommand" not in listed.stdout
    run = subprocess.run(
        [*tool, "codemod", "--no-format", "commands.AwaitQuartApis", "app.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert "Transformed 1 files successfully" in run.stderr, run.stderr
    text = (tmp_path / "app.py").read_text()
    assert "async def index" in text and "await render_template" in text
    assert "from flask import" in text  # F2Q101 was not asked for
