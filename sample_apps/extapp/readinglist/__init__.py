import os

import click
from flask import Flask

from .extensions import csrf, db


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY="dev",
        SQLALCHEMY_DATABASE_URI="sqlite:///readinglist.sqlite",
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    csrf.init_app(app)

    from . import api, books

    app.register_blueprint(books.bp)
    app.register_blueprint(api.bp)

    @app.cli.command("init-db")
    def init_db_command():
        """Create the tables."""
        db.create_all()
        click.echo("Initialized the database.")

    return app
