"""F2Q117 project-dependencies: requirements files and pyproject.toml, edited as text."""

from __future__ import annotations

import tomllib
from pathlib import Path

from click.testing import CliRunner

from flask2quart._dependencies import (
    DependencyChanges,
    Plan,
    cannot_meet,
    edit_pipfile,
    edit_pyproject,
    edit_requirements,
    poetry_to_pep440,
)
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
    edit = edit_pyproject(text, changes)
    assert edit is not None
    new = edit.text
    data = tomllib.loads(new)
    assert data["project"]["dependencies"] == ["quart>=0.22", "click", "httpx"]
    assert data["project"]["optional-dependencies"]["test"] == ["pytest", "pytest-asyncio>=0.24"]
    assert new.endswith('[tool.other]\nkeep = "me"\n')
    assert '    "httpx",\n]' in new  # the one-per-line layout is kept


def test_additions_are_not_duplicated() -> None:
    changes = DependencyChanges()
    assert edit_requirements("httpx>=0.27\n", changes, add=["httpx"]).text == "httpx>=0.27\n"
    assert edit_requirements("pytest\n", changes, True, add=["respx"]).text == "pytest\nrespx\n"
    assert edit_requirements("flask", changes, add=["httpx"]).text == "flask\nhttpx\n"


def test_noop_without_dependency_files_is_reported_only_when_something_is_needed(
    tmp_path: Path,
) -> None:
    (tmp_path / "app.py").write_text(VIEW)
    err = migrate(tmp_path)
    assert "F2Q117" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.py"]


def test_pyproject_without_dependency_lists_is_left_alone() -> None:
    text = '[tool.black]\nline-length = 100\n\n[tool.poetry]\nname = "x"\n'
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


def test_a_pin_conflicts_only_when_no_release_the_stack_needs_satisfies_it() -> None:
    assert cannot_meet("==2.3.1", ">=3.0")
    assert cannot_meet("<3", ">=3.0")
    assert cannot_meet("~=2.3", ">=3.0")
    assert cannot_meet(">=2.0,<2.4", ">=3.0")
    assert not cannot_meet("", ">=3.0")
    assert not cannot_meet(">=2.0", ">=3.0")
    assert not cannot_meet("<4", ">=3.0")
    assert not cannot_meet("==3.1.*", ">=3.0")
    assert not cannot_meet("!=3.0", ">=3.0")
    assert not cannot_meet("~=3.0.1", ">=3.0")


def test_poetry_constraints_read_as_pep440() -> None:
    assert poetry_to_pep440("^2.3") == [">=2.3,<3"]
    assert poetry_to_pep440("^0.2.3") == [">=0.2.3,<0.3"]
    assert poetry_to_pep440("~1.2.3") == [">=1.2.3,<1.3"]
    assert poetry_to_pep440("^2.2.3 || ^3.0.0") == [">=2.2.3,<3", ">=3.0.0,<4"]
    assert poetry_to_pep440(">=0.14.3, <2.0.0") == [">=0.14.3,<2.0.0"]
    assert poetry_to_pep440("2.3.1") == ["==2.3.1"]
    assert poetry_to_pep440("*") == [""]
    # a pin is replaced only when every alternative conflicts
    plan = Plan({}, {"werkzeug": ">=3.0"})
    text = '[tool.poetry.dependencies]\nwerkzeug = "^2.3 || ^3.0"\nwtforms = "^2"\n'
    edit = edit_pyproject(text, plan)
    assert edit is not None
    assert edit.text == text
    assert edit.notes == []


def test_requirement_lines_keep_markers_comments_and_line_endings() -> None:
    plan = Plan({"flask": "quart>=0.22"}, {"werkzeug": ">=3.0"})
    text = 'Flask[async]==2.3 ; python_version < "4"  # web\r\nWerkzeug[watchdog] == 2.3.7\r\n'
    edit = edit_requirements(text, plan)
    assert edit.text == ('quart>=0.22 ; python_version < "4"  # web\r\nWerkzeug[watchdog]>=3.0\r\n')
    assert [note.line for note in edit.notes] == [2]
    assert edit.replaced
    assert edit.main == {"quart", "werkzeug"}


def test_pipfile_package_categories_and_inline_tables() -> None:
    plan = Plan({"flask-session": "quart-session[redis]>=3.0"}, {"babel": ">=2.11"})
    text = (
        '[packages]\n"Flask-Session" = {version = "*", index = "pypi"}\n'
        'babel = {version = "==2.9.1"}\n\n[worker]\nflask-session = "*"\n'
    )
    edit = edit_pipfile(text, plan, add=["httpx"])
    assert edit is not None
    data = tomllib.loads(edit.text)
    session = {"version": ">=3.0", "extras": ["redis"]}
    assert data["packages"] == {
        "quart-session": session,
        "babel": {"version": ">=2.11"},
        "httpx": "*",
    }
    assert data["worker"] == {"quart-session": session}
    assert [note.line for note in edit.notes] == [3]


def test_findings_name_the_file_that_declares_the_dependencies(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(VIEW)
    (tmp_path / "setup.py").write_text(
        'from setuptools import setup\n\nsetup(\n    install_requires=["flask"],\n)\n'
    )
    err = migrate(tmp_path)
    assert "pyproject.toml" not in err
    assert 'setup.py:4:1 F2Q117 warning: setup.py is not edited: "flask"' in err


def test_one_requirements_file_for_the_app_and_its_tests_gets_both_additions(
    tmp_path: Path,
) -> None:
    # listing pytest beside the app's packages does not make requirements.txt test-only: the
    # app's own additions (the HTTP client here) must still land in it
    (tmp_path / "app.py").write_text(
        VIEW + "import requests\n\n\n@app.get('/')\ndef index():\n"
        "    return requests.get('http://127.0.0.1:1/').text\n"
    )
    (tmp_path / "test_app.py").write_text(
        "from app import app\n\n\ndef test_index():\n"
        "    assert app.test_client().get('/missing').status_code == 404\n"
    )
    (tmp_path / "requirements.txt").write_text("Flask>=3\nrequests\n\n# tests\npytest>=8\n")
    migrate(tmp_path)
    names = (tmp_path / "requirements.txt").read_text().split()
    assert "quart>=0.22" in names
    assert any(name.startswith("httpx-aiohttp") for name in names)
    assert "pytest-asyncio>=1.1" in names


def test_flask_wtf_stays_beside_quart_wtforms_when_an_import_is_left(tmp_path: Path) -> None:
    # forms.py converts; signup.py uses Recaptcha (no counterpart) through ``import flask_wtf``
    # and is left on Flask-WTF: it must still import, so Flask-WTF is not swapped out.
    (tmp_path / "forms.py").write_text(
        "from flask_wtf import FlaskForm\n\n\nclass NoteForm(FlaskForm):\n    pass\n"
    )
    (tmp_path / "signup.py").write_text(
        "import flask_wtf\n\n\nclass SignupForm(flask_wtf.FlaskForm):\n"
        "    captcha = flask_wtf.RecaptchaField()\n"
    )
    (tmp_path / "requirements.txt").write_text("Flask>=2.3\nFlask-WTF>=1.1\n")
    result = CliRunner().invoke(main, ["migrate", str(tmp_path)])
    assert result.exit_code == 4, result.stderr  # errors left for review
    report = result.stderr
    assert (tmp_path / "requirements.txt").read_text() == (
        "quart>=0.22\nFlask-WTF>=1.1\nquart-wtforms>=1.0\n"
    )
    assert "from quart_wtf import QuartForm" in (tmp_path / "forms.py").read_text()
    assert (tmp_path / "signup.py").read_text().startswith("import flask_wtf\n")
    assert "signup.py:1:1 F2Q403 error: `import flask_wtf` was left on Flask-WTF" in report
    assert "Flask-WTF stays in the dependency lists" in report


def test_flask_wtf_is_swapped_when_every_import_converts(tmp_path: Path) -> None:
    (tmp_path / "forms.py").write_text(
        "import flask_wtf as wtf\n\n\nclass NoteForm(wtf.FlaskForm):\n    pass\n"
    )
    (tmp_path / "requirements.txt").write_text("Flask>=2.3\nFlask-WTF>=1.1\n")
    migrate(tmp_path)
    assert (tmp_path / "requirements.txt").read_text() == "quart>=0.22\nquart-wtforms>=1.0\n"
    assert (tmp_path / "forms.py").read_text().startswith("import quart_wtf as wtf\n")


def test_flask_session_stays_beside_quart_session_when_an_import_is_left(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from flask import Flask\nfrom flask_session import Session\n\napp = Flask(__name__)\n"
        'app.config.update(SESSION_TYPE="redis")\nSession(app)\n'
    )
    # a module import is left on Flask-Session: it must still import
    (tmp_path / "sessions.py").write_text("import flask_session\n\nBACKEND = flask_session\n")
    (tmp_path / "requirements.txt").write_text("Flask>=2.3\nFlask-Session>=0.8\n")
    result = CliRunner().invoke(main, ["migrate", str(tmp_path), "--enable", "F2Q407"])
    assert result.exit_code == 4, result.stderr  # errors left for review
    assert (tmp_path / "requirements.txt").read_text() == (
        "quart>=0.22\nFlask-Session>=0.8\nquart-session[redis]>=3.0\n"
    )
    assert "from quart_session import Session" in (tmp_path / "app.py").read_text()
    assert "sessions.py:1:1 F2Q407 error: `import flask_session` was left as it is" in (
        result.stderr
    )


def test_flask_babel_stays_beside_quart_babel_when_an_import_is_left(tmp_path: Path) -> None:
    # locales.py monkeypatches Flask-Babel (no quart-babel counterpart): it is left on
    # Flask-Babel and must still import; views.py converts (searxng: 339 tests failed to import)
    (tmp_path / "views.py").write_text("from flask_babel import gettext\n\nHELLO = gettext\n")
    (tmp_path / "locales.py").write_text(
        "import flask_babel\n\n\ndef mine():\n    return None\n\n\n"
        "flask_babel.get_translations = mine\n"
    )
    (tmp_path / "requirements.txt").write_text("Flask>=2.3\nFlask-Babel>=4.0\n")
    result = CliRunner().invoke(main, ["migrate", str(tmp_path)])
    assert result.exit_code == 4, result.stderr  # errors left for review
    assert (tmp_path / "requirements.txt").read_text() == (
        "quart>=0.22\nFlask-Babel>=4.0\nquart-babel>=1.0\n"
    )
    assert "from quart_babel import gettext" in (tmp_path / "views.py").read_text()
    assert (tmp_path / "locales.py").read_text().startswith("import flask_babel\n")
    assert "Flask-Babel stays in the dependency lists beside quart-babel" in result.stderr
