"""Fan-out: an API gateway that aggregates an upstream inventory service.

Every request to ``/summary`` fans out into many upstream calls; the upstream base URL
comes from the ``UPSTREAM_URL`` environment variable.
"""

import os

from flask import Flask, jsonify

from .errors import UpstreamError

DEFAULT_UPSTREAM_URL = "http://127.0.0.1:9000"


def create_app():
    app = Flask(__name__)
    app.config.from_mapping(
        UPSTREAM_URL=os.environ.get("UPSTREAM_URL", DEFAULT_UPSTREAM_URL).rstrip("/"),
        UPSTREAM_TIMEOUT=float(os.environ.get("UPSTREAM_TIMEOUT", "5")),
        SUMMARY_DEFAULT_N=40,
        SUMMARY_MAX_N=500,
    )

    from . import views

    app.register_blueprint(views.bp)

    @app.errorhandler(UpstreamError)
    def handle_upstream_error(error):
        return jsonify(error.to_dict()), error.status_code

    @app.errorhandler(404)
    def not_found(error):
        return jsonify(error="not found"), 404

    return app
