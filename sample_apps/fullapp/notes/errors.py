"""Error pages for the whole application (JSON under /api, HTML elsewhere)."""

from flask import Blueprint, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

bp = Blueprint("errors", __name__)


def wants_json():
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"
    )


def _error_response(error, template):
    if wants_json():
        response = jsonify(error=error.name, message=error.description)
        response.status_code = error.code
        return response
    return render_template(template, error=error), error.code


@bp.app_errorhandler(403)
def forbidden(error):
    return _error_response(error, "errors/403.html")


@bp.app_errorhandler(404)
def page_not_found(error):
    return _error_response(error, "errors/404.html")


@bp.app_errorhandler(413)
def too_large(error):
    return _error_response(error, "errors/413.html")


@bp.app_errorhandler(HTTPException)
def other_http_error(error):
    # Anything without a dedicated page above: keep Flask's status and wording.
    if wants_json():
        return _error_response(error, None)
    return error
