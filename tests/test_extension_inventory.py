"""The pre-flight inventory (F2Q401): ids, verdicts, the text report, the JSON report, --plan."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from flask2quart.cli import main

FILES = {
    "shop/__init__.py": "from flask import Flask\nfrom flask_cors import CORS\n",
    "shop/models.py": "from flask_sqlalchemy import SQLAlchemy\nfrom flask_restx import Api\n",
    "shop/forms.py": "from flask_wtf import FlaskForm\nimport flask_mystery\nimport flask_login\n",
    "shop/flask_helpers.py": "VALUE = 1\n",
    "shop/views.py": "from shop import flask_helpers\nfrom flask_cors import cross_origin\n",
}


def project(tmp_path: Path) -> Path:
    for name, text in FILES.items():
        path = tmp_path / "app" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path / "app"


def inventory(root: Path, *options: str) -> tuple[list[dict[str, object]], str, str]:
    report = root.parent / "report.json"
    result = CliRunner().invoke(main, ["migrate", str(root), *options, "--report", str(report)])
    # 4: a blocking extension is an error finding, the converted app would not run as it is
    assert result.exit_code in (0, 1, 4), result.output
    return json.loads(report.read_text())["extensions"], result.stdout, result.stderr


def test_json_lists_every_extension_with_its_verdict(tmp_path: Path) -> None:
    entries, _, _ = inventory(project(tmp_path), "--check")
    summary = [(e["name"], e["verdict"], e["rule"]) for e in entries]
    assert summary == [
        ("Flask-RESTX", "blocker", ""),
        ("flask_mystery", "blocker", ""),
        ("Flask-CORS", "converted", "F2Q404"),
        ("Flask-SQLAlchemy", "converted", "F2Q402"),
        ("Flask-WTF", "converted", "F2Q403"),
        ("Flask-Login", "bridged", "F2Q409"),
    ]
    cors = next(e for e in entries if e["name"] == "Flask-CORS")
    assert [str(site).rsplit("/", 1)[-1] for site in cors["imported_at"]] == [
        "__init__.py:2",
        "views.py:2",
    ]
    assert cors["counterpart"] == "quart-cors"
    assert str(cors["docs"]).startswith("https://")
    assert set(cors) == {
        "name",
        "module",
        "verdict",
        "rule",
        "counterpart",
        "docs",
        "manual",
        "imported_at",
    }


def test_a_skipped_conversion_rule_makes_its_extension_a_blocker(tmp_path: Path) -> None:
    entries, _, _ = inventory(project(tmp_path), "--check", "--skip", "F2Q404,F2Q409")
    for name, rule in (("Flask-CORS", "F2Q404"), ("Flask-Login", "F2Q409")):
        entry = next(e for e in entries if e["name"] == name)
        assert entry["verdict"] == "blocker"
        assert str(entry["manual"]).startswith(f"{rule} did not run")


def test_plan_prints_only_the_inventory_and_writes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*.py")}
    _, out, err = inventory(root, "--plan")
    lines = out.splitlines()
    assert lines[0] == (
        "Flask extensions imported: 6 (2 blocking, 3 converted automatically, 1 bridged, "
        "0 working unchanged)"
    )
    assert [line.split()[:2] for line in lines[1::2]] == [
        ["blocker", "Flask-RESTX"],
        ["blocker", "flask_mystery"],
        ["converted", "Flask-CORS"],
        ["converted", "Flask-SQLAlchemy"],
        ["converted", "Flask-WTF"],
        ["bridged", "Flask-Login"],
    ]
    assert all(line.startswith(" " * 12) for line in lines[2::2])
    assert "F2Q" not in err
    assert {p: p.read_bytes() for p in root.rglob("*.py")} == before


def test_the_text_report_starts_with_the_inventory(tmp_path: Path) -> None:
    _, _, err = inventory(project(tmp_path), "--check")
    assert err.startswith("Flask extensions imported: 6 ")
    assert "Flask-RESTX does not work on Quart" in err


def test_no_extensions_no_inventory(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    root.mkdir()
    (root / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    entries, out, _ = inventory(root, "--plan")
    assert entries == []
    assert out == "Flask extensions imported: none\n"
