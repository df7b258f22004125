"""F2Q402 on whole projects: where the adapter goes, that it is ours, that it is left alone."""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path

import pytest

from flask2quart._runner import Options, run
from flask2quart.codemods import RULES
from flask2quart.codemods.flask_sqlalchemy_adapter import adapter_source

MODELS = """\
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class Note(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    text = db.Column(db.String(80))


def create_app():
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    db.init_app(app)

    @app.route("/notes/<int:note_id>")
    def note(note_id):
        return {"text": db.get_or_404(Note, note_id).text}

    return app
"""

TEST = """\
from shop.models import create_app


def test_app():
    assert create_app()
"""


def write_tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def convert(root: Path, out: Path) -> None:
    report = run([root], Options(mode="out", out_dir=out, rules=RULES))
    assert report.counts["failed"] == 0, [f.format() for f in report.findings]


def test_adapter_goes_into_the_application_package(tmp_path: Path) -> None:
    write_tree(
        tmp_path / "src",
        {"shop/__init__.py": "", "shop/models.py": MODELS, "tests/test_shop.py": TEST},
    )
    convert(tmp_path / "src", tmp_path / "out")
    adapter = tmp_path / "out" / "shop" / "sqlalchemy_adapter.py"
    assert adapter.read_text(encoding="utf-8") == adapter_source()
    models = (tmp_path / "out" / "shop" / "models.py").read_text(encoding="utf-8")
    assert "from shop.sqlalchemy_adapter import SQLAlchemy" in models
    assert not (tmp_path / "out" / "tests" / "sqlalchemy_adapter.py").exists()


def test_a_second_run_changes_nothing_and_leaves_the_adapter_alone(tmp_path: Path) -> None:
    write_tree(tmp_path / "src", {"shop/__init__.py": "", "shop/models.py": MODELS})
    convert(tmp_path / "src", tmp_path / "out")
    again = run([tmp_path / "out"], Options(mode="check", rules=RULES))
    assert again.counts["changed"] == 0
    assert [r.status for r in again.files if r.path.endswith("sqlalchemy_adapter.py")] == [
        "skipped"
    ]


def test_one_module_app_gets_the_adapter_beside_it(tmp_path: Path) -> None:
    write_tree(tmp_path / "src", {"app.py": MODELS.replace("shop.", ""), "test_app.py": TEST})
    convert(tmp_path / "src", tmp_path / "out")
    assert (tmp_path / "out" / "sqlalchemy_adapter.py").is_file()
    app = (tmp_path / "out" / "app.py").read_text(encoding="utf-8")
    assert "from sqlalchemy_adapter import SQLAlchemy" in app


def test_a_module_of_the_same_name_is_not_overwritten(tmp_path: Path) -> None:
    mine = "ENGINE = None\n"
    write_tree(
        tmp_path / "src",
        {"shop/__init__.py": "", "shop/models.py": MODELS, "shop/sqlalchemy_adapter.py": mine},
    )
    report = run([tmp_path / "src"], Options(mode="check", rules=RULES))
    errors = [f for f in report.findings if f.rule == "F2Q402" and f.severity == "error"]
    assert [f.path.rsplit("/", 1)[-1] for f in errors] == ["sqlalchemy_adapter.py"]
    assert (tmp_path / "src" / "shop" / "sqlalchemy_adapter.py").read_text() == mine


def test_the_converted_app_serves_from_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path / "src", {"shop/__init__.py": "", "shop/models.py": MODELS})
    convert(tmp_path / "src", tmp_path / "out")
    monkeypatch.syspath_prepend(str(tmp_path / "out"))
    for name in [m for m in sys.modules if m == "shop" or m.startswith("shop.")]:
        monkeypatch.delitem(sys.modules, name)
    models = importlib.import_module("shop.models")

    async def scenario() -> list[tuple[int, object]]:
        app = models.create_app()
        async with app.app_context():
            models.db.create_all()
            models.db.session.add(models.Note(text="hello"))
            models.db.session.commit()
        client = app.test_client()
        found = await client.get("/notes/1")
        missing = await client.get("/notes/2")
        async with app.app_context():
            models.db.engine.dispose()
        return [(found.status_code, await found.get_json()), (missing.status_code, None)]

    assert asyncio.run(scenario()) == [(200, {"text": "hello"}), (404, None)]
