"""HTML pages: list, read, write, edit, lock, export and delete notes."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from .auth import login_required
from .db import get_db

bp = Blueprint("notes", __name__)

SORT_ORDERS = {
    "newest": "n.created DESC, n.id DESC",
    "oldest": "n.created ASC, n.id ASC",
    "title": "n.title COLLATE NOCASE ASC",
}


class NoteLockedError(Exception):
    """Raised when someone tries to change a note its author has locked."""

    def __init__(self, note_id):
        super().__init__(f"note {note_id} is locked")
        self.note_id = note_id


@bp.errorhandler(NoteLockedError)
def handle_locked(error):
    flash("This note is locked. Unlock it before editing.", "error")
    return redirect(url_for("notes.detail", id=error.note_id)), 303


def get_note(id, check_author=True):
    """Fetch a note with its author's name.

    404 when it does not exist, 403 when ``check_author`` and someone else wrote it.
    """
    note = (
        get_db()
        .execute(
            "SELECT n.id, title, body, created, locked, author_id, username"
            " FROM note n JOIN user u ON n.author_id = u.id"
            " WHERE n.id = ?",
            (id,),
        )
        .fetchone()
    )

    if note is None:
        abort(404, f"Note id {id} doesn't exist.")

    if check_author and note["author_id"] != g.user["id"]:
        abort(403)

    return note


def get_attachments(note_id):
    return (
        get_db()
        .execute(
            "SELECT id, filename, size, created FROM attachment WHERE note_id = ? ORDER BY id",
            (note_id,),
        )
        .fetchall()
    )


def _validate(title, body):
    if not title:
        return "Title is required."
    if len(title) > 200:
        return "Title is too long (200 characters at most)."
    if not body:
        return "Write something in the note."
    return None


@bp.route("/")
def index():
    sort = request.args.get("sort")
    if sort in SORT_ORDERS:
        # Remember the reader's choice for the next visit.
        session["sort"] = sort
    else:
        sort = session.get("sort", "newest")

    query = request.args.get("q", "").strip()
    sql = (
        "SELECT n.id, title, body, created, locked, author_id, username"
        " FROM note n JOIN user u ON n.author_id = u.id"
    )
    params = []
    if query:
        sql += " WHERE title LIKE ? OR body LIKE ?"
        params += [f"%{query}%", f"%{query}%"]
    sql += f" ORDER BY {SORT_ORDERS[sort]} LIMIT ?"
    params.append(current_app.config["NOTES_PER_PAGE"])

    notes = get_db().execute(sql, params).fetchall()
    return render_template("notes/index.html", notes=notes, sort=sort, query=query)


@bp.route("/<int:id>")
def detail(id):
    note = get_note(id, check_author=False)
    return render_template("notes/detail.html", note=note, attachments=get_attachments(id))


@bp.route("/create", methods=("GET", "POST"))
@login_required
def create():
    if request.method == "POST":
        title = request.form["title"].strip()
        body = request.form.get("body", "").strip()
        error = _validate(title, body)

        if error is not None:
            flash(error, "error")
        else:
            db = get_db()
            cursor = db.execute(
                "INSERT INTO note (title, body, author_id) VALUES (?, ?, ?)",
                (title, body, g.user["id"]),
            )
            db.commit()
            flash(f"Saved “{title}”.", "success")
            return redirect(url_for("notes.detail", id=cursor.lastrowid))

    return render_template("notes/create.html")


@bp.route("/<int:id>/update", methods=("GET", "POST"))
@login_required
def update(id):
    note = get_note(id)

    if request.method == "POST":
        if note["locked"]:
            raise NoteLockedError(id)

        title = request.form["title"].strip()
        body = request.form.get("body", "").strip()
        error = _validate(title, body)

        if error is not None:
            flash(error, "error")
        else:
            db = get_db()
            db.execute("UPDATE note SET title = ?, body = ? WHERE id = ?", (title, body, id))
            db.commit()
            flash("Note updated.", "success")
            return redirect(url_for("notes.detail", id=id))

    return render_template("notes/update.html", note=note)


@bp.post("/<int:id>/lock")
@login_required
def toggle_lock(id):
    note = get_note(id)
    locked = not note["locked"]
    db = get_db()
    db.execute("UPDATE note SET locked = ? WHERE id = ?", (int(locked), id))
    db.commit()
    flash("Note locked." if locked else "Note unlocked.", "info")
    return redirect(url_for("notes.detail", id=id))


@bp.post("/<int:id>/delete")
@login_required
def delete(id):
    note = get_note(id)
    if note["locked"]:
        raise NoteLockedError(id)
    db = get_db()
    db.execute("DELETE FROM note WHERE id = ?", (id,))
    db.commit()
    flash("Note deleted.", "info")
    return redirect(url_for("notes.index"))


@bp.route("/<int:id>/export.md")
def export(id):
    """The note as a Markdown download."""
    note = get_note(id, check_author=False)
    text = render_template("notes/export.md", note=note)
    response = make_response(text)
    response.headers["Content-Type"] = "text/markdown; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="note-{note["id"]}.md"'
    response.headers["Cache-Control"] = "no-store"
    return response
