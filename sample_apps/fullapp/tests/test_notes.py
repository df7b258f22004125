import pytest

from notes.db import get_db


def test_index(client, auth):
    response = client.get("/")
    assert b"Log in" in response.data
    assert b"Register" in response.data
    assert b"test title" in response.data
    assert b"by test on 2024-01-01" in response.data
    assert b'href="/1"' in response.data

    auth.login()
    response = client.get("/")
    assert b"Log out" in response.data
    assert b'href="/create"' in response.data


def test_index_search(client):
    response = client.get("/", query_string={"q": "apples"})
    assert b"shopping list" in response.data
    assert b"test title" not in response.data

    response = client.get("/?q=nothing-matches")
    assert b"No notes yet." in response.data


def test_sort_order_is_remembered_in_session(client):
    response = client.get("/?sort=title")
    data = response.data
    assert data.index(b"frozen plan") < data.index(b"shopping list") < data.index(b"test title")

    with client.session_transaction() as sess:
        assert sess["sort"] == "title"

    # No ?sort= this time: the session's choice still applies; a bad value is ignored.
    data = client.get("/?sort=bogus").data
    assert data.index(b"frozen plan") < data.index(b"shopping list")

    data = client.get("/?sort=oldest").data
    assert data.index(b"test title") < data.index(b"shopping list") < data.index(b"frozen plan")


def test_detail(client):
    response = client.get("/2")
    assert response.status_code == 200
    assert b"apples, pears" in response.data
    assert b"Edit" not in response.data


@pytest.mark.parametrize(
    ("method", "path"),
    (("get", "/create"), ("get", "/1/update"), ("post", "/1/delete")),
)
def test_login_required(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/auth/login?next={path}"


def test_author_required(app, client, auth):
    auth.login()
    # Note 2 belongs to "other".
    response = client.post("/2/update", data={"title": "x", "body": "y"})
    assert response.status_code == 403
    assert b"You can only change your own notes." in response.data
    assert client.post("/2/delete").status_code == 403
    assert client.post("/2/lock").status_code == 403

    with app.app_context():
        assert get_db().execute("SELECT title FROM note WHERE id = 2").fetchone()[0] == (
            "shopping list"
        )


@pytest.mark.parametrize("path", ("/99", "/99/update"))
def test_exists_required(client, auth, path):
    auth.login()
    response = client.get(path)
    assert response.status_code == 404
    assert b"Note id 99 doesn&#39;t exist." in response.data
    assert b"Page not found" in response.data


def test_create(client, auth, app):
    auth.login()
    assert client.get("/create").status_code == 200

    response = client.post(
        "/create", data={"title": "created", "body": "a new note"}, follow_redirects=True
    )
    assert response.request.path == "/4"
    assert "Saved “created”.".encode() in response.data
    assert b"a new note" in response.data

    with app.app_context():
        count = get_db().execute("SELECT COUNT(id) FROM note").fetchone()[0]
        assert count == 4


def test_update(client, auth, app):
    auth.login()
    assert b'value="test title"' in client.get("/1/update").data

    response = client.post("/1/update", data={"title": "updated", "body": ""})
    assert b"Write something in the note." in response.data

    response = client.post("/1/update", data={"title": "updated", "body": "changed"})
    assert response.headers["Location"] == "/1"

    with app.app_context():
        note = get_db().execute("SELECT * FROM note WHERE id = 1").fetchone()
        assert (note["title"], note["body"]) == ("updated", "changed")


@pytest.mark.parametrize(
    ("form", "message"),
    (
        ({"title": "  ", "body": "b"}, b"Title is required."),
        ({"title": "t"}, b"Write something in the note."),
        ({"title": "t" * 201, "body": "b"}, b"Title is too long"),
    ),
)
def test_create_validate(client, auth, form, message):
    auth.login()
    response = client.post("/create", data=form)
    assert response.status_code == 200
    assert message in response.data


def test_locked_note_cannot_change(client, auth, app):
    auth.login()
    response = client.post("/3/update", data={"title": "t", "body": "b"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/3"

    response = client.post("/3/delete", follow_redirects=True)
    assert len(response.history) == 1
    assert b"This note is locked. Unlock it before editing." in response.data

    with app.app_context():
        assert get_db().execute("SELECT COUNT(*) FROM note WHERE id = 3").fetchone()[0] == 1


def test_toggle_lock(client, auth, app):
    auth.login()
    response = client.post("/1/lock", follow_redirects=True)
    assert b"Note locked." in response.data
    assert b'value="Unlock"' in response.data

    response = client.post("/1/lock", follow_redirects=True)
    assert b"Note unlocked." in response.data

    with app.app_context():
        assert get_db().execute("SELECT locked FROM note WHERE id = 1").fetchone()[0] == 0


def test_delete(client, auth, app):
    auth.login()
    response = client.post("/1/delete")
    assert response.headers["Location"] == "/"
    assert b"Note deleted." in client.get("/").data

    with app.app_context():
        assert get_db().execute("SELECT * FROM note WHERE id = 1").fetchone() is None


def test_export_markdown(client):
    response = client.get("/1/export.md")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="note-1.md"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_data(as_text=True).startswith("# test title\n\n_by test, 2024-01-01_")
