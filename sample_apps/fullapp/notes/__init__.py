"""Notes: a small note-taking service with accounts, attachments and a JSON API."""

import os
from datetime import datetime, timezone

from flask import Flask, current_app, g


def create_app(test_config=None):
    """Application factory."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        SECRET_KEY="dev",
        APP_NAME="Notes",
        DATABASE=os.path.join(app.instance_path, "notes.sqlite"),
        UPLOAD_FOLDER=os.path.join(app.instance_path, "uploads"),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        ALLOWED_EXTENSIONS={"txt", "md", "pdf", "png", "jpg", "jpeg", "gif"},
        NOTES_PER_PAGE=20,
        PASSWORD_HASH_METHOD="scrypt",
    )

    if test_config is None:
        # Deployment settings (a real SECRET_KEY above all) live outside the code.
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("NOTES")
    else:
        app.config.from_mapping(test_config)

    os.makedirs(os.path.dirname(app.config["DATABASE"]), exist_ok=True)
    os.makedirs(app.config["UPLOAD_FOLDER"], exist_ok=True)

    from . import db

    db.init_app(app)

    from . import api, auth, errors, files, notes

    app.register_blueprint(auth.bp)
    app.register_blueprint(notes.bp)
    app.register_blueprint(files.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(errors.bp)

    # The index lives in the notes blueprint; make "/" reachable as plain "index" too.
    app.add_url_rule("/", endpoint="index")

    app.context_processor(inject_template_globals)

    @app.template_filter("shortdate")
    def shortdate(value):
        """Render a SQLite ``CURRENT_TIMESTAMP`` string as ``YYYY-MM-DD``."""
        if not value:
            return ""
        return str(value)[:10]

    @app.get("/ping")
    def ping():
        return {"status": "ok", "app": app.config["APP_NAME"]}

    return app


def inject_template_globals():
    """Values every template can use without the view passing them."""
    user = g.get("user")
    return {
        "app_name": current_app.config["APP_NAME"],
        "current_year": datetime.now(timezone.utc).year,
        "is_logged_in": user is not None,
    }
