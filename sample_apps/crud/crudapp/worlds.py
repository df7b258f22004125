from flask import Blueprint, abort, jsonify, request

from crudapp.db import get_db

bp = Blueprint("worlds", __name__, url_prefix="/worlds")


def world_as_dict(row):
    return {"id": row["id"], "randomNumber": row["randomNumber"]}


@bp.get("/<int:world_id>")
def get_world(world_id):
    row = get_db().execute(
        "SELECT id, randomNumber FROM world WHERE id = ?", (world_id,)
    ).fetchone()
    if row is None:
        abort(404)
    return jsonify(world_as_dict(row))


@bp.get("/")
def list_worlds():
    limit = min(request.args.get("limit", 20, type=int), 100)
    offset = max(request.args.get("offset", 0, type=int), 0)
    rows = get_db().execute(
        "SELECT id, randomNumber FROM world ORDER BY id LIMIT ? OFFSET ?", (limit, offset)
    ).fetchall()
    return jsonify([world_as_dict(row) for row in rows])


@bp.put("/<int:world_id>")
def update_world(world_id):
    payload = request.get_json(silent=True) or {}
    number = payload.get("randomNumber")
    if not isinstance(number, int):
        return jsonify(error="randomNumber must be an integer"), 400
    connection = get_db()
    with connection:
        cursor = connection.execute(
            "UPDATE world SET randomNumber = ? WHERE id = ?", (number, world_id)
        )
    if cursor.rowcount == 0:
        abort(404)
    return jsonify({"id": world_id, "randomNumber": number})
