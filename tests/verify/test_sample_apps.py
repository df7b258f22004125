"""The sample apps: their own tests pass, and each converts into an app that answers alike."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flask2quart._runner import Options, run
from flask2quart.codemods import RULES
from flask2quart.verify import equivalence
from flask2quart.verify.processes import Children
from flask2quart.verify.scenario import equivalence_requests, load_scenario
from flask2quart.verify.servers import ServerSpec, start_server

SAMPLE_APPS = Path(__file__).resolve().parents[2] / "sample_apps"
CONVERTIBLE = ("json", "cpu", "crud")


def test_sample_apps_own_tests_pass() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         *(str(SAMPLE_APPS / name) for name in CONVERTIBLE)],
        capture_output=True,
        text=True,
        cwd=SAMPLE_APPS.parent,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert " passed" in completed.stdout


def assert_crud_thread_fix(converted: Path) -> None:
    """Quart runs the sync view and the sync teardown hook in different executor threads, and
    a sqlite3 connection refuses to be closed from another thread (about one request in six
    failed with ProgrammingError before F2Q114): the migration must allow it."""
    db = converted / "crudapp" / "db.py"
    assert "check_same_thread=False" in db.read_text()


@pytest.mark.parametrize("name", ["cpu", "crud"])
def test_converted_sample_app_answers_like_the_original(name: str, tmp_path: Path) -> None:
    original = tmp_path / "original"
    shutil.copytree(SAMPLE_APPS / name, original, ignore=shutil.ignore_patterns("__pycache__"))
    converted = tmp_path / "converted"
    report = run([original], Options(mode="out", out_dir=converted, rules=RULES))
    assert report.counts["failed"] == 0
    if name == "crud":
        assert_crud_thread_fix(converted)
    scenario = load_scenario(original / "scenario.toml")
    requests = equivalence_requests(scenario)
    probe = requests[0].raw()
    with Children() as children:
        servers = [
            start_server(
                ServerSpec(label, kind, root, "wsgi:app", workers=1, threads=2),  # type: ignore[arg-type]
                children,
                probe,
                tmp_path,
            )
            for label, kind, root in (
                ("original", "gunicorn", original),
                ("converted", "hypercorn", converted),
            )
        ]
        differences = equivalence.check(requests, servers[0].port, servers[1].port, ())
        logs = "\n".join(server.log_tail() for server in servers)
    assert [d.format() for d in differences] == [], logs
