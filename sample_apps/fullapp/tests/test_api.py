import pytest
from flask import url_for


def test_list_notes(client):
    response = client.get("/api/notes")
    assert response.status_code == 200
    data = response.get_json()
    assert data["count"] == 3
    assert [n["title"] for n in data["notes"]] == ["test title", "shopping list", "frozen plan"]
    assert data["notes"][0] == {
        "id": 1,
        "title": "test title",
        "body": "test\nbody",
        "created": "2024-01-01 00:00:00",
        "locked": False,
        "author": "test",
        "url": "http://localhost/api/notes/1",
    }

    assert client.get("/api/notes?limit=1").get_json()["count"] == 1


def test_list_notes_bad_limit(client):
    for limit in ("0", "101"):
        response = client.get("/api/notes", query_string={"limit": limit})
        assert response.status_code == 400
        assert response.get_json() == {"error": "limit must be between 1 and 100"}


def test_create_requires_login(client):
    response = client.post("/api/notes", json={"title": "t", "body": "b"})
    assert response.status_code == 401
    assert response.get_json() == {"error": "authentication required"}


def test_create_note(client, auth):
    auth.login()
    response = client.post("/api/notes", json={"title": " via api ", "body": "json body"})
    assert response.status_code == 201
    assert response.headers["Location"] == "/api/notes/4"
    note = response.get_json()
    assert (note["id"], note["title"], note["author"]) == (4, "via api", "test")

    assert client.get("/api/notes/4").get_json()["body"] == "json body"


@pytest.mark.parametrize(
    ("kwargs", "status", "body"),
    (
        ({"data": "title=t"}, 415, {"error": "expected a JSON body"}),
        ({"json": ["t", "b"]}, 400, {"error": "the JSON body must be an object"}),
        ({"json": {"title": "t"}}, 400, {"error": "body is required", "field": "body"}),
    ),
)
def test_create_note_validation(client, auth, kwargs, status, body):
    auth.login()
    response = client.post("/api/notes", **kwargs)
    assert response.status_code == status
    assert response.get_json() == body


def test_get_note_requires_login(client, auth):
    response = client.get("/api/notes/1")
    assert response.status_code == 401

    auth.login()
    assert client.get("/api/notes/1").get_json()["title"] == "test title"
    response = client.get("/api/notes/99")
    assert response.status_code == 404
    assert response.get_json() == {"error": "note 99 not found"}


def test_patch_note(client, auth):
    auth.login()
    response = client.patch("/api/notes/1", json={"body": "patched"})
    assert response.status_code == 200
    assert response.get_json()["body"] == "patched"
    assert response.get_json()["title"] == "test title"


def test_patch_refused(client, auth):
    auth.login()
    response = client.patch("/api/notes/2", json={"title": "mine now"})
    assert response.status_code == 403
    assert response.get_json() == {"error": "you can only change your own notes"}

    response = client.patch("/api/notes/3", json={"title": "mine now"})
    assert response.status_code == 409
    assert response.get_json() == {"error": "note is locked", "id": 3}


def test_delete_note(client, auth):
    auth.login()
    response = client.delete("/api/notes/1")
    assert response.status_code == 204
    assert response.data == b""
    assert client.get("/api/notes/1").status_code == 404


def test_me(client, auth):
    auth.login()
    response = client.get("/api/me")
    assert response.get_json() == {"id": 1, "username": "test", "notes": 2}
    assert response.headers["Cache-Control"] == "private, no-store"


def test_api_errors_are_json(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404
    assert response.get_json()["error"] == "Not Found"

    response = client.put("/api/notes")
    assert response.status_code == 405
    assert response.get_json()["error"] == "Method Not Allowed"


def test_html_or_json_404_by_accept_header(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"

    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "Not Found"


def test_url_for_api(app):
    with app.test_request_context():
        assert url_for("api.note", note_id=7) == "/api/notes/7"
        assert url_for("api.notes", limit=5) == "/api/notes?limit=5"
