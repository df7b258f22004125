"""The command line: every flag and every exit code, through click's runner and for real."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from flask2quart import __version__
from flask2quart.cli import main

VIEW = """from flask import Flask, render_template

app = Flask(__name__)


@app.route("/")
def index():
    return render_template("index.html")
"""

PLAIN = "def add(a, b):\n    return a + b\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "views.py").write_text(VIEW)
    (root / "app" / "util.py").write_text(PLAIN)
    (root / "app" / "templates").mkdir()
    (root / "app" / "templates" / "index.html").write_text("<p>hi</p>\n")
    return root


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_in_place_rewrites_and_exits_0(project: Path) -> None:
    code, _, err = invoke("migrate", str(project / "app"))
    assert code == 0
    assert "await render_template" in (project / "app" / "views.py").read_text()
    assert (project / "app" / "util.py").read_text() == PLAIN
    assert "3 files scanned: 1 changed, 2 unchanged, 0 failed" in err


def test_out_writes_a_converted_copy_with_other_files(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "converted"
    code, _, _ = invoke("migrate", str(project / "app"), "--out", str(out))
    assert code == 0
    assert (project / "app" / "views.py").read_text() == VIEW  # the original is untouched
    assert "await render_template" in (out / "views.py").read_text()
    assert (out / "util.py").read_text() == PLAIN
    assert (out / "templates" / "index.html").read_text() == "<p>hi</p>\n"


def test_diff_writes_nothing_exits_1_and_git_applies(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    code, diff, _ = invoke("migrate", "app", "--diff")
    assert code == 1
    assert (project / "app" / "views.py").read_text() == VIEW
    assert diff.startswith("--- a/app/views.py\n+++ b/app/views.py\n")
    subprocess.run(["git", "init", "-q"], check=True)
    (project / "change.patch").write_text(diff)
    subprocess.run(["git", "apply", "change.patch"], check=True)
    assert "await render_template" in (project / "app" / "views.py").read_text()
    code, diff, _ = invoke("migrate", "app", "--diff")
    assert (code, diff) == (0, "")


def test_check_lists_files_and_exits_1_then_0(project: Path) -> None:
    code, out, _ = invoke("migrate", str(project / "app"), "--check")
    assert code == 1
    assert out.strip().endswith("app/views.py")
    assert out.startswith("would convert ")
    assert (project / "app" / "views.py").read_text() == VIEW
    invoke("migrate", str(project / "app"))
    code, out, _ = invoke("migrate", str(project / "app"), "--check")
    assert (code, out) == (0, "")


def test_list_rules_shows_stable_ids() -> None:
    code, out, _ = invoke("migrate", "--list-rules")
    assert code == 0
    ids = [line.split()[0] for line in out.splitlines()]
    assert "F2Q101" in ids and "F2Q103" in ids
    assert ids == sorted(set(ids), key=ids.index)  # no duplicates


def test_only_runs_the_chosen_rule_and_what_it_requires(project: Path) -> None:
    code, _, _ = invoke("migrate", str(project / "app"), "--only", "F2Q101")
    assert code == 0
    text = (project / "app" / "views.py").read_text()
    assert "from quart import Quart, render_template" in text
    assert "await" not in text


def test_skip_also_skips_dependent_rules(project: Path) -> None:
    code, _, err = invoke("migrate", str(project / "app"), "--skip", "F2Q103")
    assert code == 0
    assert "F2Q102 skipped: it requires a skipped rule" in err
    assert "await" not in (project / "app" / "views.py").read_text()


def test_unknown_rule_id_is_a_usage_error(project: Path) -> None:
    code, _, err = invoke("migrate", str(project), "--only", "F2Q999")
    assert code == 2
    assert "unknown rule id F2Q999" in err


def test_conflicting_modes_and_missing_paths_are_usage_errors(project: Path) -> None:
    assert invoke("migrate", str(project), "--diff", "--plan")[0] == 2
    assert invoke("migrate", str(project), "--check", "--out", str(project / "x"))[0] == 2
    assert invoke("migrate", str(project), "-q", "-v")[0] == 2
    assert invoke("migrate")[0] == 2
    assert invoke("migrate", str(project / "missing"))[0] == 2


def test_report_json(project: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, _, _ = invoke("migrate", str(project / "app"), "--diff", "--report", str(target))
    assert code == 1
    data = json.loads(target.read_text())
    assert data["counts"] == {"scanned": 3, "changed": 1, "unchanged": 2, "failed": 0}
    rules = {f["rule"] for f in data["findings"]}
    assert "F2Q115" in rules
    assert all(
        {"path", "line", "column", "rule", "severity", "message"} <= f.keys()
        for f in data["findings"]
    )


def test_report_lines_carry_path_line_column_rule(project: Path) -> None:
    _, _, err = invoke("migrate", str(project / "app"), "--check")
    finding = next(line for line in err.splitlines() if " F2Q115 " in line)
    location, rule = finding.split(" ")[:2]
    assert location.endswith("views.py:3:7") and rule == "F2Q115"
    assert " → " in finding


def test_version_and_module_entry_point() -> None:
    assert invoke("--version")[1].strip() == f"flask2quart, version {__version__}"
    result = subprocess.run(
        [sys.executable, "-m", "flask2quart", "migrate", "--list-rules"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "F2Q101" in result.stdout


def test_directory_walk_skips_tool_folders_and_gitignored(project: Path) -> None:
    for folder in (".venv", "venv", ".git", "build", "node_modules", "generated"):
        (project / folder).mkdir()
        (project / folder / "mod.py").write_text(VIEW)
    (project / ".gitignore").write_text("generated/\n")
    code, out, _ = invoke("migrate", str(project), "--check")
    assert code == 1
    listed = [line.removeprefix("would convert ") for line in out.splitlines()]
    assert len(listed) == 1 and listed[0].endswith("app/views.py")


HTTP_VIEW = """import requests
from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return [requests.get(f"http://127.0.0.1:9/{i}", timeout=1).json() for i in range(3)]
"""


@pytest.mark.parametrize(
    ("options", "in_view", "in_helper"),
    [
        ((), "for i in range(3)]", "from httpx_aiohttp import AiohttpTransport"),
        (("--gather",), "await asyncio.gather(", "from httpx_aiohttp import AiohttpTransport"),
        (("--gather", "--gather-limit", "5"), "await gather_limited(5, (", "import aiohttp"),
        (("--http-transport", "httpcore"), "await http_client().get(", "import httpx\n"),
        (("--http-transport", "httpx2"), "import httpx2", "import httpx2\n"),
    ],
)
def test_http_options_reach_the_rules(
    tmp_path: Path, options: tuple[str, ...], in_view: str, in_helper: str
) -> None:
    (tmp_path / "app.py").write_text(HTTP_VIEW)
    result = CliRunner().invoke(main, ["migrate", str(tmp_path), *options])
    assert result.exit_code == 0, result.stderr
    assert in_view in (tmp_path / "app.py").read_text()
    helper = (tmp_path / "http_client.py").read_text()
    assert in_helper in helper
    if "--http-transport" in options:
        assert "aiohttp" not in helper


def test_unknown_http_transport_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(HTTP_VIEW)
    result = CliRunner().invoke(main, ["migrate", str(tmp_path), "--http-transport", "curl"])
    assert result.exit_code == 2
    assert "curl" in result.stderr


def test_diff_of_a_latin1_file_applies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    source = b"# -*- coding: latin-1 -*-\nfrom flask import Flask\nNAME = '\xe9'\n"
    (tmp_path / "legacy.py").write_bytes(source)
    result = CliRunner().invoke(main, ["migrate", "legacy.py", "--diff"])
    assert result.exit_code == 1
    (tmp_path / "p.patch").write_bytes(result.stdout_bytes)
    subprocess.run(["git", "init", "-q"], check=True)
    subprocess.run(["git", "apply", "p.patch"], check=True)
    assert (tmp_path / "legacy.py").read_bytes() == source.replace(
        b"flask import Flask", b"quart import Quart"
    )


FLASK_CLIENT_TESTS = """\
from flask import Flask, g

app = Flask(__name__)


def test_login_keeps_g():
    client = app.test_client()
    with client:
        client.get("/")
        assert g.user == "test"
"""


def test_without_f2q313_reading_g_after_a_request_is_reported(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_login.py").write_text(FLASK_CLIENT_TESTS)
    code, _, err = invoke("migrate", str(tmp_path), "--diff", "--skip", "F2Q313")
    assert code == 4  # an error-severity finding is left: the converted tests would fail
    assert "tests/test_login.py:10:16 F2Q302 error: `g` after a request" in err
    assert not (tmp_path / "flask_style_client.py").exists()

    code, _, err = invoke("migrate", str(tmp_path))
    assert code == 0
    assert "F2Q302 error" not in err and "F2Q313 info" in err
    assert "FlaskStyleClient(app)" in (tmp_path / "tests" / "test_login.py").read_text()
    assert (tmp_path / "flask_style_client.py").is_file()
