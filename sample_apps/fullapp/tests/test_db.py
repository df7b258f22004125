import sqlite3

import pytest

from notes.db import get_db


def test_get_close_db(app):
    with app.app_context():
        db = get_db()
        assert db is get_db()

    with pytest.raises(sqlite3.ProgrammingError) as e:
        db.execute("SELECT 1")

    assert "closed" in str(e.value)


def test_init_db_command(app, runner):
    result = runner.invoke(args=["init-db", "--yes"])
    assert result.exit_code == 0
    assert "Initialized" in result.output

    with app.app_context():
        assert get_db().execute("SELECT COUNT(*) FROM note").fetchone()[0] == 0
        assert get_db().execute("SELECT COUNT(*) FROM user").fetchone()[0] == 0


def test_init_db_command_asks_first(app, runner):
    result = runner.invoke(args=["init-db"], input="n\n")
    assert result.exit_code == 1
    assert "Aborted" in result.output

    with app.app_context():
        assert get_db().execute("SELECT COUNT(*) FROM note").fetchone()[0] == 3


def test_count_notes_command(runner):
    result = runner.invoke(args=["count-notes"])
    assert result.exit_code == 0
    assert result.output == "other: 1\ntest: 2\n"
