"""JSON API: ``/api/notes`` (collection) and ``/api/notes/<id>`` (one note)."""

import functools

from flask import Blueprint, g, jsonify, make_response, request, url_for
from flask.views import MethodView

from .db import get_db

bp = Blueprint("api", __name__, url_prefix="/api")


class APIError(Exception):
    """An error the API reports as ``{"error": message}`` with a status code."""

    status_code = 400

    def __init__(self, message, status_code=None, payload=None):
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.payload = payload

    def to_dict(self):
        data = dict(self.payload or ())
        data["error"] = self.message
        return data


@bp.errorhandler(APIError)
def handle_api_error(error):
    return jsonify(error.to_dict()), error.status_code


def api_login_required(view):
    """Answer 401 with a JSON body instead of redirecting to the login page."""

    @functools.wraps(view)
    def decorated(*args, **kwargs):
        if g.user is None:
            raise APIError("authentication required", 401)
        return view(*args, **kwargs)

    return decorated


def note_to_dict(row):
    return {
        "id": row["id"],
        "title": row["title"],
        "body": row["body"],
        "created": row["created"],
        "locked": bool(row["locked"]),
        "author": row["username"],
        "url": url_for("api.note", note_id=row["id"], _external=True),
    }


def fetch_note(note_id):
    row = (
        get_db()
        .execute(
            "SELECT n.id, title, body, created, locked, author_id, username"
            " FROM note n JOIN user u ON n.author_id = u.id WHERE n.id = ?",
            (note_id,),
        )
        .fetchone()
    )
    if row is None:
        raise APIError(f"note {note_id} not found", 404)
    return row


def read_note_payload(partial=False):
    """Validate the JSON body of a create (all fields) or update (``partial``) request."""
    if not request.is_json:
        raise APIError("expected a JSON body", 415)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise APIError("the JSON body must be an object")

    fields = {}
    for name in ("title", "body"):
        if name in data:
            value = data[name]
            if not isinstance(value, str) or not value.strip():
                raise APIError(f"{name} must be a non-empty string", payload={"field": name})
            fields[name] = value.strip()
        elif not partial:
            raise APIError(f"{name} is required", payload={"field": name})
    return fields


class NoteCollectionAPI(MethodView):
    init_every_request = False

    def get(self):
        limit = request.args.get("limit", default=20, type=int)
        if not 1 <= limit <= 100:
            raise APIError("limit must be between 1 and 100")
        rows = (
            get_db()
            .execute(
                "SELECT n.id, title, body, created, locked, author_id, username"
                " FROM note n JOIN user u ON n.author_id = u.id"
                " ORDER BY n.id LIMIT ?",
                (limit,),
            )
            .fetchall()
        )
        return jsonify(notes=[note_to_dict(row) for row in rows], count=len(rows))

    @api_login_required
    def post(self):
        fields = read_note_payload()
        db = get_db()
        cursor = db.execute(
            "INSERT INTO note (title, body, author_id) VALUES (?, ?, ?)",
            (fields["title"], fields["body"], g.user["id"]),
        )
        db.commit()
        note = fetch_note(cursor.lastrowid)

        response = make_response(jsonify(note_to_dict(note)), 201)
        response.headers["Location"] = url_for("api.note", note_id=note["id"])
        return response


class NoteItemAPI(MethodView):
    init_every_request = False
    decorators = [api_login_required]

    def _own_note(self, note_id):
        note = fetch_note(note_id)
        if note["author_id"] != g.user["id"]:
            raise APIError("you can only change your own notes", 403)
        if note["locked"]:
            raise APIError("note is locked", 409, payload={"id": note_id})
        return note

    def get(self, note_id):
        return jsonify(note_to_dict(fetch_note(note_id)))

    def patch(self, note_id):
        self._own_note(note_id)
        fields = read_note_payload(partial=True)
        if fields:
            assignments = ", ".join(f"{name} = ?" for name in fields)
            db = get_db()
            db.execute(
                f"UPDATE note SET {assignments} WHERE id = ?",
                (*fields.values(), note_id),
            )
            db.commit()
        return jsonify(note_to_dict(fetch_note(note_id)))

    def delete(self, note_id):
        self._own_note(note_id)
        db = get_db()
        db.execute("DELETE FROM note WHERE id = ?", (note_id,))
        db.commit()
        return "", 204


bp.add_url_rule("/notes", view_func=NoteCollectionAPI.as_view("notes"))
bp.add_url_rule("/notes/<int:note_id>", view_func=NoteItemAPI.as_view("note"))


@bp.get("/me")
@api_login_required
def me():
    count = (
        get_db()
        .execute("SELECT COUNT(*) FROM note WHERE author_id = ?", (g.user["id"],))
        .fetchone()[0]
    )
    response = make_response(jsonify(id=g.user["id"], username=g.user["username"], notes=count))
    response.headers["Cache-Control"] = "private, no-store"
    return response
