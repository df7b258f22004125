"""Connection handling in the style of the Flask tutorial: one connection per request, on ``g``."""

import random
import sqlite3

import click
from flask import current_app, g
from flask.cli import with_appcontext


def get_db():
    if "db" not in g:
        g.db = sqlite3.connect(current_app.config["DATABASE"], timeout=10)
        g.db.row_factory = sqlite3.Row
    return g.db


def close_db(exception=None):
    connection = g.pop("db", None)
    if connection is not None:
        connection.close()


def fill_world_table(connection, rows):
    """(Re)create the ``world`` table with deterministic rows, so every copy holds the same data."""
    generator = random.Random(20240501)
    with connection:
        connection.execute("DROP TABLE IF EXISTS world")
        connection.execute(
            "CREATE TABLE world (id INTEGER PRIMARY KEY, randomNumber INTEGER NOT NULL)"
        )
        connection.executemany(
            "INSERT INTO world (id, randomNumber) VALUES (?, ?)",
            ((number, generator.randint(1, 10_000)) for number in range(1, rows + 1)),
        )


def init_db():
    fill_world_table(get_db(), current_app.config["WORLD_ROWS"])


def create_if_missing(database, rows):
    """Called at start-up, before any request: several workers may start at once."""
    connection = sqlite3.connect(database, timeout=10, isolation_level=None)
    try:
        # BEGIN IMMEDIATE takes the write lock, so only the first worker fills the table.
        connection.execute("BEGIN IMMEDIATE")
        exists = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'world'"
        ).fetchone()
        connection.execute("COMMIT")
        if not exists:
            connection.isolation_level = ""
            fill_world_table(connection, rows)
    finally:
        connection.close()


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Clear the existing data and create the table."""
    init_db()
    click.echo("Initialized the database.")


def init_app(app):
    app.teardown_appcontext(close_db)
    app.cli.add_command(init_db_command)
