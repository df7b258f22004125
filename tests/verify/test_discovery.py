"""Finding the app like `flask run` does: from FLASK_APP or the source, never by importing it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from flask2quart.cli import main
from flask2quart.verify.cli import EXIT_OK, EXIT_USAGE
from flask2quart.verify.discovery import AppNotFound, FoundApp, find_app

SAMPLE_APPS = Path(__file__).resolve().parents[2] / "sample_apps"
# A module that would fail if imported: discovery must only read it.
UNIMPORTABLE = "import f2q_no_such_module\n"


def tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    ("files", "spec", "origin"),
    [
        pytest.param(
            {"wsgi.py": UNIMPORTABLE + "from notes import create_app\napp = create_app()\n"},
            "wsgi:app",
            "found in wsgi.py",
            id="wsgi-py-app-assigned-from-a-factory",
        ),
        pytest.param(
            {"app.py": "from flask import Flask\napplication = Flask(__name__)\n"},
            "app:application",
            "found in app.py",
            id="app-py-application",
        ),
        pytest.param(
            {"wsgi.py": "from myapp import app\n", "app.py": "app = None\n"},
            "wsgi:app",
            "found in wsgi.py",
            id="wsgi-py-wins-over-app-py",
        ),
        pytest.param(
            {"app.py": "import flask\nserver = flask.Flask(__name__)\n"},
            "app:server",
            "found in app.py",
            id="the-one-flask-object-under-another-name",
        ),
        pytest.param(
            {"wsgi.py": "from flask import Flask\ndef create_app(config=None):\n    return 1\n"},
            "wsgi:create_app()",
            "found in wsgi.py",
            id="factory-whose-arguments-have-defaults",
        ),
        pytest.param(
            {"wsgi.py": "from notes import make_app\n"},
            "wsgi:make_app()",
            "found in wsgi.py",
            id="imported-make-app-factory",
        ),
        pytest.param(
            {"app/__init__.py": "from flask import Flask\napp = Flask(__name__)\n"},
            "app:app",
            "found in app/__init__.py",
            id="app-package",
        ),
        pytest.param(
            {"wsgi.py": "try:\n    from a import app\nexcept ImportError:\n    from b import app"},
            "wsgi:app",
            "found in wsgi.py",
            id="app-bound-inside-try",
        ),
    ],
)
def test_app_found_in_the_source(
    tmp_path: Path, files: dict[str, str], spec: str, origin: str
) -> None:
    assert find_app(tree(tmp_path, files), {}) == FoundApp(spec, origin)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param({}, "neither wsgi.py nor app.py", id="no-candidate-file"),
        pytest.param(
            {"wsgi.py": "app_name = 'x'\n", "app.py": "app = Flask(__name__)\n"},
            "wsgi.py: no module-level app or application",
            id="first-existing-file-decides-as-in-flask",
        ),
        pytest.param(
            {"wsgi.py": "app = 'not an app'\n"}, "no module-level app", id="a-string-is-not-an-app"
        ),
        pytest.param(
            {"wsgi.py": "import app\n"}, "no module-level app", id="imported-module-is-not-an-app"
        ),
        pytest.param(
            {"wsgi.py": "def create_app(config):\n    pass\n"},
            "callable without arguments",
            id="factory-needing-an-argument",
        ),
        pytest.param(
            {"wsgi.py": "if __name__ == '__main__':\n    app = make()\n"},
            "no module-level app",
            id="app-only-under-the-main-guard",
        ),
        pytest.param(
            {"wsgi.py": "a = Flask('a')\nb = Flask('b')\n"},
            "2 Flask objects: a, b",
            id="two-flask-objects-are-ambiguous",
        ),
    ],
)
def test_no_app_found_says_what_was_looked_for(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    with pytest.raises(AppNotFound, match="pass --app MODULE:NAME") as caught:
        find_app(tree(tmp_path, files), {})
    assert message in str(caught.value)


def test_a_file_that_does_not_parse_is_named_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(AppNotFound, match=r"wsgi.py: not valid Python \(line 1: '\(' was never"):
        find_app(tree(tmp_path, {"wsgi.py": "app = (\n"}), {})


@pytest.mark.parametrize(
    ("flask_app", "spec", "origin"),
    [
        pytest.param("hello:make()", "hello:make()", "from FLASK_APP", id="module-and-factory"),
        pytest.param("pkg/hello.py:app", "pkg.hello:app", "from FLASK_APP", id="path-and-name"),
        pytest.param("pkg.hello", "pkg.hello:app", "FLASK_APP, found in pkg/hello.py", id="module"),
    ],
)
def test_flask_app_from_the_environment_comes_first(
    tmp_path: Path, flask_app: str, spec: str, origin: str
) -> None:
    root = tree(tmp_path, {"wsgi.py": "app = create()\n", "pkg/hello.py": "app = create()\n"})
    assert find_app(root, {"FLASK_APP": flask_app}) == FoundApp(spec, origin)


@pytest.mark.parametrize(
    ("flask_app", "message"),
    [
        pytest.param("hello:create_app('dev')", "a factory without arguments", id="factory-args"),
        pytest.param("missing", "no module missing in", id="module-not-in-the-tree"),
        pytest.param("my-app.py", "not 'my-app:app'", id="not-an-importable-module-name"),
    ],
)
def test_unusable_flask_app_is_a_usage_error(tmp_path: Path, flask_app: str, message: str) -> None:
    with pytest.raises(AppNotFound, match=re.escape(f"FLASK_APP={flask_app!r}")) as caught:
        root = tree(tmp_path, {"wsgi.py": "app = create()\n", "my-app.py": "app = create()\n"})
        find_app(root, {"FLASK_APP": flask_app})
    assert message in str(caught.value)


def test_sample_apps_with_wsgi_py_are_found() -> None:
    for name in ("cpu", "crud", "fanout", "fullapp", "json"):
        assert find_app(SAMPLE_APPS / name, {}) == FoundApp("wsgi:app", "found in wsgi.py")


def test_verify_without_app_or_scenario_uses_what_it_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLASK_APP", raising=False)
    target = tmp_path / "locustfile.py"
    result = CliRunner().invoke(
        main, ["verify", str(SAMPLE_APPS / "fanout"), "--export-locust", str(target)]
    )
    assert result.exit_code == EXIT_OK, result.output
    assert "using app wsgi:app (found in wsgi.py)" in result.output
    assert f"using scenario {SAMPLE_APPS / 'fanout' / 'scenario.toml'} (found beside" in (
        result.output
    )
    assert "def " in target.read_text()


def test_verify_without_an_app_to_find_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLASK_APP", raising=False)
    result = CliRunner().invoke(main, ["verify", str(tmp_path)])
    assert result.exit_code == EXIT_USAGE
    assert "neither wsgi.py nor app.py" in result.output
    assert "pass --app MODULE:NAME" in result.output
