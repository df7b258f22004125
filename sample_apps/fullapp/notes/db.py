"""SQLite access: one connection per application context, closed at teardown."""

import sqlite3

import click
from flask import current_app, g
from flask.cli import with_appcontext


def get_db():
    """Return the connection for this context, opening it on first use."""
    if "db" not in g:
        g.db = sqlite3.connect(current_app.config["DATABASE"])
        g.db.row_factory = sqlite3.Row
        g.db.execute("PRAGMA foreign_keys = ON")
    return g.db


def close_db(e=None):
    db = g.pop("db", None)

    if db is not None:
        db.close()


def init_db():
    """Drop and re-create every table."""
    db = get_db()

    with current_app.open_resource("schema.sql") as f:
        db.executescript(f.read().decode("utf8"))


@click.command("init-db")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def init_db_command(yes):
    """Clear the existing data and create new tables."""
    if not yes:
        click.confirm("This deletes every note and account. Continue?", abort=True)
    init_db()
    click.echo("Initialized the database.")


@click.command("count-notes")
@with_appcontext
def count_notes_command():
    """Print how many notes each user has."""
    rows = (
        get_db()
        .execute(
            "SELECT u.username, COUNT(n.id) AS total"
            " FROM user u LEFT JOIN note n ON n.author_id = u.id"
            " GROUP BY u.id ORDER BY u.username"
        )
        .fetchall()
    )
    for row in rows:
        click.echo(f"{row['username']}: {row['total']}")


def init_app(app):
    """Register database functions with the Flask app."""
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
    app.cli.add_command(count_notes_command)
