"""Issue 2's end-to-end proof: the converted full-featured app answers like the original.

``sample_apps/fullapp`` is migrated with ``--out``; the original is served through Flask's test
client and the conversion through Quart's, each in its own process, and a scripted session
(register, log in, forms, flash messages, sessions, a locked note's custom error handler, an
upload and its download, the JSON API's MethodViews, 404s in HTML and JSON, the CLI that
creates the database) must produce the same statuses, headers and bodies.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from flask2quart.cli import main

ROOT = Path(__file__).parent.parent
FULLAPP = ROOT / "sample_apps" / "fullapp"
SESSION = Path(__file__).parent / "differential" / "fullapp_session.json"
RUNNER = Path(__file__).parent / "differential" / "run_session.py"
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def play(framework: str, app_dir: Path, work: Path) -> list[dict[str, Any]]:
    work.mkdir()
    result = subprocess.run(
        [sys.executable, str(RUNNER), framework, str(app_dir), str(SESSION), str(work)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # SQLite's CURRENT_TIMESTAMP differs between the two runs by a second or so.
    responses: list[dict[str, Any]] = json.loads(TIMESTAMP.sub("<timestamp>", result.stdout))
    return responses


def test_converted_fullapp_answers_like_the_original(tmp_path: Path) -> None:
    converted = tmp_path / "converted"
    result = CliRunner().invoke(main, ["migrate", str(FULLAPP), "--out", str(converted)])
    assert result.exit_code == 0, result.stderr
    assert ", 0 failed;" in result.stderr

    original = play("flask", FULLAPP, tmp_path / "flask")
    quart = play("quart", converted, tmp_path / "quart")

    steps = json.loads(SESSION.read_text())
    assert len(original) == len(quart) == len(steps)
    for step, expected, actual in zip(steps, original, quart, strict=True):
        assert actual == expected, f"{step['method']} {step['path']}"
    # The session is meaningful: it logs in, uploads and downloads, and hits error handlers.
    statuses = [r["status"] for r in original]
    assert statuses.count(302) >= 8 and {201, 204, 303, 400, 401, 404} <= set(statuses)
    download = steps.index({"method": "GET", "path": "/notes/1/attachments/1"})
    assert original[download]["body"] == "hello attachment"


def test_second_migration_of_the_converted_app_changes_nothing(tmp_path: Path) -> None:
    converted = tmp_path / "converted"
    CliRunner().invoke(main, ["migrate", str(FULLAPP), "--out", str(converted)])
    again = CliRunner().invoke(main, ["migrate", str(converted / "notes"), "--check"])
    assert again.exit_code == 0, again.stdout
