"""A small CRUD service on SQLite: every request runs one query (TechEmpower "single query")."""

import os

from flask import Flask

from crudapp import db


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        DATABASE=os.environ.get("CRUD_DATABASE", os.path.join(app.instance_path, "crud.sqlite3")),
        WORLD_ROWS=10_000,
    )
    if test_config is not None:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    db.create_if_missing(app.config["DATABASE"], app.config["WORLD_ROWS"])

    from crudapp import worlds

    app.register_blueprint(worlds.bp)

    @app.get("/health")
    def health():
        return {"status": "ok"}

    return app
