"""HTTP routes."""

from flask import Blueprint, abort, current_app, jsonify, request

from . import services

bp = Blueprint("fanout", __name__)


@bp.get("/health")
def health():
    return jsonify(status="ok")


@bp.get("/summary")
def summary():
    limit = current_app.config["SUMMARY_MAX_N"]
    try:
        n = int(request.args.get("n", current_app.config["SUMMARY_DEFAULT_N"]))
    except ValueError:
        n = -1
    if not 0 <= n <= limit:
        return jsonify(error=f"n must be an integer between 0 and {limit}"), 400
    return jsonify(services.summarize(n))


@bp.get("/item/<int:id>")
def item(id):
    found = services.get_item(id)
    if found is None:
        abort(404)
    return jsonify(found)


@bp.post("/forward")
def forward():
    body, content_type = services.forward(
        request.get_data(), request.content_type or "application/octet-stream"
    )
    return current_app.response_class(body, status=200, content_type=content_type)


@bp.get("/legacy")
def legacy():
    return jsonify(services.legacy_item())


@bp.get("/unstable")
def unstable():
    """Calls an upstream endpoint that is known to fail: exercises the error mapping."""
    return jsonify(services.unstable())
