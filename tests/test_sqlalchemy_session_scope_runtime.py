"""F2Q119, run: the sqlalchemy-session-scope fixture project (Flask's documented SQLAlchemy
pattern: a thread-scoped ``scoped_session`` removed at ``teardown_appcontext``) passes its suite
on Flask, and converted on Quart 0.22 and 0.23; there, two concurrent requests each get a
session of their own. Without the rule's ``scopefunc`` they share one: their async views run on
the event loop's one thread, where a thread-scoped session is every request's (and the
sequential test fails as well: its ``def`` view runs in a worker thread, in another session).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests._sample_suites import SuitePython, run_app_suite, run_on_quart, suite_pythons

CASE = Path(__file__).resolve().parent / "fixtures" / "projects" / "sqlalchemy-session-scope"

# Written for Quart: what no Flask test can show, requests served at the same time.
CONCURRENT_REQUESTS = """
import asyncio

import pytest

from notes.database import db_session


@pytest.mark.asyncio
async def test_concurrent_requests_get_sessions_of_their_own(app):
    @app.get("/probe")
    async def probe():
        session = db_session()
        await asyncio.sleep(0.05)  # the other request runs its view meanwhile
        return {"session": id(session), "kept": session is db_session()}

    client = app.test_client()
    first, second = await asyncio.gather(client.get("/probe"), client.get("/probe"))
    first, second = await first.get_json(), await second.get_json()
    assert first["kept"] and second["kept"]
    assert first["session"] != second["session"]
"""


def test_original_suite_passes_on_flask(tmp_path: Path) -> None:
    shutil.copytree(CASE / "before", tmp_path / "app")
    result = run_app_suite(tmp_path / "app")
    assert result.outcomes == {"passed": 1}, result.output


def _converted(tmp_path: Path, keep_scopefunc: bool) -> Path:
    app = tmp_path / "app"
    shutil.copytree(CASE / "after", app)
    if not keep_scopefunc:  # the same tree without this rule's edit: scoped by thread
        database = app / "notes" / "database.py"
        text = database.read_text(encoding="utf-8")
        start = text.index(", scopefunc=")
        database.write_text(text[:start] + text[text.index("\n", start) - 1 :], encoding="utf-8")
    (app / "tests" / "test_concurrency.py").write_text(CONCURRENT_REQUESTS, encoding="utf-8")
    return app


@pytest.mark.parametrize("target", suite_pythons())
def test_converted_requests_each_get_their_own_session(target: SuitePython, tmp_path: Path) -> None:
    result = run_on_quart(_converted(tmp_path, True), target, "-W", "error::RuntimeWarning")
    assert result.outcomes == {"passed": 2}, result.output


def test_without_the_scopefunc_concurrent_requests_share_a_session(tmp_path: Path) -> None:
    target = suite_pythons()[0].values[0]
    result = run_on_quart(_converted(tmp_path, False), target, "-W", "error::RuntimeWarning")
    # the sequential test fails too: its def view, in a worker thread, reads another session
    assert "passed" not in result.outcomes, result.output
    assert "test_concurrency.py::test_concurrent_requests_get_sessions_of_their_own" in (
        result.output
    )
