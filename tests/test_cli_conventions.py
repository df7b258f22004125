"""Issue 10: exit codes that tell the truth, one typed settings object, and the CLI habits of
black, ruff and django-upgrade (--check --diff, -q/-v, colour, excludes, SARIF, the cache)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from flask2quart import __version__
from flask2quart._report import SCHEMA_VERSION
from flask2quart._settings import Settings, cache_location
from flask2quart.cli import main

# Two error-severity findings (F2Q111): the converted app would not run as it is.
BROKEN = """from flask import Flask, request

app = Flask(__name__)
app.wsgi_app = MyMiddleware(app.wsgi_app)


@app.route("/")
def index():
    return request.stream.read()
"""

CLEAN = """from flask import Flask, render_template

app = Flask(__name__)


@app.route("/")
def index():
    return render_template("index.html")
"""


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner(env=env).invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


# --- exit codes ------------------------------------------------------------------------------


def test_errors_left_exit_4_and_the_last_line_says_not_ready(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": BROKEN})
    code, _, err = invoke("migrate", str(tmp_path))
    assert code == 4
    last = err.strip().splitlines()[-1]
    assert "2 errors" in last and "not ready" in last
    assert "from quart import" in (tmp_path / "app.py").read_text()  # written, and reported


def test_exit_zero_turns_only_the_findings_code_into_0(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": BROKEN})
    assert invoke("migrate", str(tmp_path), "--exit-zero", "--no-cache")[0] == 0
    write(tmp_path, {"app.py": BROKEN})
    # --check still fails while files would change: that is what it was asked
    assert invoke("migrate", str(tmp_path), "--check", "--exit-zero", "--no-cache")[0] == 1
    assert invoke("migrate", str(tmp_path), "--check", "--no-cache")[0] == 4


def test_a_clean_conversion_exits_0_and_does_not_say_not_ready(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": CLEAN})
    code, _, err = invoke("migrate", str(tmp_path))
    assert code == 0 and "not ready" not in err


def test_every_exit_code_is_in_the_help() -> None:
    _, out, _ = invoke("migrate", "--help")
    for text in ("0 done", "1 --diff/--check", "2 usage", "3 some files", "4 error-severity"):
        assert text in " ".join(out.split()), text


# --- settings: flags, config and defaults ----------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('http-transport = "bogus"', "http-transport = 'bogus' is not one of aiohttp, httpcore"),
        ('format = "yapf"', "format = 'yapf' is not one of ruff, black"),
        ("jobs = -1", "jobs = -1 must be at least 0"),
        ("gather-limit = -2", "gather-limit = -2 must be at least 0"),
        ("gather-limit = true", "gather-limit = True must be a whole number"),
        ('gather = "yes"', "gather = 'yes' must be true or false"),
        ('skip = "F2Q115"', "skip = 'F2Q115' must be a list of strings"),
        ('only = ["F2Q999"]', "only names an unknown rule id F2Q999"),
        ("cache-dir = 3", "cache-dir = 3 must be a string"),
        ("jobz = 2", "unknown key 'jobz' in [tool.flask2quart]"),
        ("[tool.flask2quart.verify]\nrate = 40", "[tool.flask2quart.verify] is not read by verify"),
    ],
)
def test_a_bad_config_value_is_a_usage_error_with_key_value_and_choices(
    tmp_path: Path, line: str, message: str
) -> None:
    write(tmp_path, {"app.py": CLEAN, "pyproject.toml": f"[tool.flask2quart]\n{line}\n"})
    code, _, err = invoke("migrate", str(tmp_path), "--check")
    assert code == 2
    assert str(tmp_path / "pyproject.toml") in err
    assert message in " ".join(err.split())


def test_an_empty_rule_list_on_the_command_line_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": CLEAN})
    code, _, err = invoke("migrate", str(tmp_path), "--only", "")
    assert code == 2 and "--only was given an empty value" in err
    assert (tmp_path / "app.py").read_text() == CLEAN


def test_a_flag_wins_over_the_config_and_the_config_over_the_default(tmp_path: Path) -> None:
    view = 'import requests\nfrom flask import Flask\napp = Flask(__name__)\n\n\n@app.route("/")\n'
    view += 'def index():\n    return requests.get("http://127.0.0.1:1/x").text\n'
    write(
        tmp_path,
        {"app.py": view, "pyproject.toml": '[tool.flask2quart]\nhttp-transport = "httpcore"\n'},
    )
    invoke("migrate", str(tmp_path), "--no-cache")
    assert "aiohttp" not in (tmp_path / "http_client.py").read_text()
    write(tmp_path, {"app.py": view})
    invoke("migrate", str(tmp_path), "--no-cache", "--http-transport", "aiohttp")
    assert "aiohttp" in (tmp_path / "http_client.py").read_text()


def test_verbose_says_which_settings_and_where_from(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": CLEAN, "pyproject.toml": "[tool.flask2quart]\ngather = true\n"})
    _, _, err = invoke("migrate", str(tmp_path), "-v", "--check")
    assert f"settings: gather=on ({tmp_path / 'pyproject.toml'})" in err
    assert "changed   app.py" in err or f"changed   {tmp_path / 'app.py'}" in err


def test_verify_converts_with_the_settings_migrate_uses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from flask2quart.verify.cli import _migrate

    view = 'import requests\nfrom flask import Flask\napp = Flask(__name__)\n\n\n@app.route("/")\n'
    view += 'def index():\n    return requests.get("http://127.0.0.1:1/x").text\n'
    config = '[tool.flask2quart]\nhttp-transport = "httpcore"\nskip = ["F2Q115"]\n'
    original = write(tmp_path / "original", {"app.py": view, "pyproject.toml": config})
    how = _migrate(original, tmp_path / "converted")
    assert "http-transport=httpcore" in how and str(original / "pyproject.toml") in how
    assert "aiohttp" not in (tmp_path / "converted" / "http_client.py").read_text()
    err = capsys.readouterr().err
    assert "settings: skip=F2Q115, http-transport=httpcore" in err
    assert "F2Q115" not in err.split("migrated:")[-1]


def test_verify_reports_say_how_the_converted_tree_was_made() -> None:
    from flask2quart.verify.report import how_run
    from flask2quart.verify.results import RunRecord

    migration = "as `flask2quart migrate` would: 43 rules; settings: defaults"
    record = RunRecord(
        settings={"migration": migration},
        machine={},
        scenario={"source": "scenario.toml"},
        servers={},
        equivalence={},
    )
    shown = {item.what: item.how for item in how_run(record)}
    assert shown["converted"] == record.settings["migration"]


def test_verify_leaves_opt_in_rules_off_as_migrate_does(tmp_path: Path) -> None:
    from flask2quart.verify.cli import _migrate

    session_app = "from flask import Flask\nfrom flask_session import Session\n\n"
    session_app += 'app = Flask(__name__)\napp.config["SESSION_TYPE"] = "redis"\nSession(app)\n'
    original = write(tmp_path / "original", {"app.py": session_app, ".git/HEAD": ""})
    _migrate(original, tmp_path / "converted")
    assert "quart_session" not in (tmp_path / "converted" / "app.py").read_text()


# --- output: --check --diff, -q, colour, hints, reports --------------------------------------


def test_check_and_diff_together_print_the_diff_and_exit_1(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": CLEAN})
    code, out, err = invoke("migrate", str(tmp_path), "--check", "--diff")
    assert code == 1
    assert out.startswith("--- a/") and "+from quart import" in out
    assert "would convert" not in out and "would convert" in err
    assert (tmp_path / "app.py").read_text() == CLEAN


def test_quiet_prints_only_errors_and_the_summary(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": BROKEN})
    _, _, err = invoke("migrate", str(tmp_path), "-q", "--check")
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert all(" error: " in line for line in lines[:2]) and "files scanned" in lines[2]


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        (("--color",), {}, True),
        (("--no-color",), {}, False),
        ((), {"NO_COLOR": "1"}, False),
        (("--color",), {"NO_COLOR": "1"}, True),  # the flag wins over the environment
    ],
)
def test_colour_follows_the_flag_then_no_color(
    tmp_path: Path, args: tuple[str, ...], env: dict[str, str], coloured: bool
) -> None:
    write(tmp_path, {"app.py": BROKEN})
    result = CliRunner(env=env).invoke(main, ["migrate", str(tmp_path), "--check", *args])
    assert ("\x1b[" in result.stderr) is coloured


def test_exclude_and_extend_exclude(tmp_path: Path) -> None:
    files = {"app.py": CLEAN, "legacy/old.py": CLEAN, "vendor/lib.py": CLEAN}
    config = '[tool.flask2quart]\nexclude = ["legacy/"]\n'
    write(tmp_path, {**files, "pyproject.toml": config})

    def would_convert(*args: str) -> set[str]:
        _, out, _ = invoke("migrate", str(tmp_path), "--check", *args)
        return {
            Path(line.removeprefix("would convert ")).relative_to(tmp_path).as_posix()
            for line in out.splitlines()
        }

    assert would_convert() == {"app.py", "vendor/lib.py"}
    assert would_convert("--extend-exclude", "vendor/") == {"app.py"}
    assert would_convert("--exclude", "vendor/") == {"app.py", "legacy/old.py"}


def test_an_empty_folder_and_a_folder_without_flask_get_a_hint(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, _, err = invoke("migrate", str(tmp_path / "empty"))
    assert code == 0 and "no Python file found under" in err
    write(tmp_path / "plain", {"util.py": "def add(a, b):\n    return a + b\n"})
    _, _, err = invoke("migrate", str(tmp_path / "plain"))
    assert "imports flask: nothing to migrate" in err


def test_the_json_report_carries_the_tool_and_schema_version(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": BROKEN})
    invoke("migrate", str(tmp_path), "--check", "--report", str(tmp_path / "r.json"))
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["tool"] == {"name": "flask2quart", "version": __version__}
    assert data["schema_version"] == SCHEMA_VERSION


def test_sarif_report_locates_every_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"app/views.py": BROKEN})
    monkeypatch.chdir(tmp_path)
    invoke("migrate", "app", "--check", "--report-sarif", "out.sarif")
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    (run,) = sarif["runs"]
    assert run["tool"]["driver"]["name"] == "flask2quart"
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == tmp_path.as_uri() + "/"
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    errors = [r for r in run["results"] if r["level"] == "error"]
    assert len(errors) == 2
    for result in errors:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"] == "F2Q111"
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": "app/views.py", "uriBaseId": "SRCROOT"}
        assert location["region"]["startLine"] in (4, 9)
    assert {r["level"] for r in run["results"]} <= {"error", "warning", "note"}


# --- the cache lives with the project, not in the current folder ----------------------------


def test_the_cache_goes_to_the_project_root_not_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLASK2QUART_CACHE_DIR")
    project = write(tmp_path / "project", {"pyproject.toml": "", "app/app.py": CLEAN})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    invoke("migrate", str(project / "app"), "--check")
    assert (project / ".flask2quart_cache" / "facts").is_dir()
    assert list(elsewhere.iterdir()) == []


def test_without_a_project_root_the_cache_is_the_user_cache_folder(tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert cache_location(Settings(), None, env) == tmp_path / "xdg" / "flask2quart"
    assert cache_location(Settings(), tmp_path, env) == tmp_path / ".flask2quart_cache"
    env["FLASK2QUART_CACHE_DIR"] = str(tmp_path / "env")
    assert cache_location(Settings(), tmp_path, env) == tmp_path / "env"
    configured = Settings(cache_dir="build/cache")
    assert cache_location(configured, tmp_path, env) == tmp_path / "build" / "cache"
    assert os.path.isabs(cache_location(configured, None, env))


def test_a_finding_on_a_file_that_is_not_python_counts_like_any_other() -> None:
    from flask2quart._report import Finding, RunReport
    from flask2quart.cli import EXIT_ERRORS_LEFT, _exit_code

    pinned = Finding(
        "requirements.txt", 3, 1, "F2Q117", "error", "Werkzeug==1.0.1 cannot co-install"
    )
    report = RunReport(project_findings=[pinned])
    assert report.findings == [pinned]
    assert "1 errors" in report.summary_line() and "not ready" in report.summary_line()
    assert _exit_code(report, pending=False, exit_zero=False) == EXIT_ERRORS_LEFT
    assert report.to_json()["findings"][0]["path"] == "requirements.txt"
