"""Attachments: upload files to a note and download them again."""

import os
import uuid

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from werkzeug.utils import secure_filename

from .auth import login_required
from .db import get_db
from .notes import get_attachments, get_note

bp = Blueprint("files", __name__, url_prefix="/notes")


def allowed_file(filename):
    return (
        "." in filename
        and filename.rsplit(".", 1)[1].lower() in current_app.config["ALLOWED_EXTENSIONS"]
    )


def store_upload(note_id, upload):
    """Save one uploaded file under a unique name and record it; return its row id."""
    filename = secure_filename(upload.filename)
    extension = filename.rsplit(".", 1)[1].lower()
    stored_name = f"{uuid.uuid4().hex}.{extension}"
    path = os.path.join(current_app.config["UPLOAD_FOLDER"], stored_name)
    upload.save(path)

    db = get_db()
    cursor = db.execute(
        "INSERT INTO attachment (note_id, filename, stored_name, size) VALUES (?, ?, ?, ?)",
        (note_id, filename, stored_name, os.path.getsize(path)),
    )
    db.commit()
    return cursor.lastrowid


@bp.route("/<int:id>/attachments", methods=("GET", "POST"))
@login_required
def upload(id):
    note = get_note(id)

    if request.method == "POST":
        if "file" not in request.files:
            flash("No file part in the request.", "error")
            return redirect(request.url)

        uploaded = request.files["file"]
        if uploaded.filename == "":
            flash("Choose a file to upload.", "error")
        elif not allowed_file(uploaded.filename):
            flash("That kind of file is not allowed.", "error")
        else:
            store_upload(id, uploaded)
            flash(f"Attached {secure_filename(uploaded.filename)}.", "success")
            return redirect(url_for("notes.detail", id=id))

    return render_template("files/upload.html", note=note, attachments=get_attachments(id))


@bp.route("/<int:id>/attachments/<int:attachment_id>")
def download(id, attachment_id):
    attachment = (
        get_db()
        .execute(
            "SELECT filename, stored_name FROM attachment WHERE id = ? AND note_id = ?",
            (attachment_id, id),
        )
        .fetchone()
    )
    if attachment is None:
        abort(404)

    return send_from_directory(
        current_app.config["UPLOAD_FOLDER"],
        attachment["stored_name"],
        as_attachment=True,
        download_name=attachment["filename"],
    )
