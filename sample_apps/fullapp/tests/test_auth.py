import pytest
from flask import g, get_flashed_messages, session

from notes.auth import login_required
from notes.db import get_db


def test_register(client, app):
    assert client.get("/auth/register").status_code == 200

    response = client.post("/auth/register", data={"username": "a", "password": "secret"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"

    with app.app_context():
        user = get_db().execute("SELECT * FROM user WHERE username = 'a'").fetchone()
        assert user is not None
        assert user["password"].startswith("pbkdf2:sha256:1000$")


def test_register_flashes_success(client):
    with client:
        client.post("/auth/register", data={"username": "a", "password": "secret"})
        assert get_flashed_messages(with_categories=True) == [
            ("success", "Account created, please log in.")
        ]


@pytest.mark.parametrize(
    ("username", "password", "message"),
    (
        ("", "secret", b"Username is required."),
        ("a", "abc", b"Password must be at least 4 characters."),
        ("test", "test", b"User test is already registered."),
    ),
)
def test_register_validate_input(client, username, password, message):
    response = client.post("/auth/register", data={"username": username, "password": password})
    assert response.status_code == 200
    assert message in response.data
    # The form keeps what was typed.
    assert f'value="{username}"'.encode() in response.data


def test_login(client, auth):
    assert client.get("/auth/login").status_code == 200

    response = auth.login()
    assert response.headers["Location"] == "/"

    with client:
        response = client.get("/")
        assert session["user_id"] == 1
        assert g.user["username"] == "test"
        assert b"Welcome back, test!" in response.data
        assert b"Log out" in response.data


@pytest.mark.parametrize(
    ("username", "password", "message"),
    (("nobody", "test", b"Incorrect username."), ("test", "wrong", b"Incorrect password.")),
)
def test_login_validate_input(auth, username, password, message):
    response = auth.login(username, password)
    assert response.status_code == 200
    assert message in response.data


def test_login_redirects_to_next(client, auth):
    form = {"username": "test", "password": "test"}
    response = client.post("/auth/login?next=/1/update", data=form)
    assert response.headers["Location"] == "/1/update"

    # Only same-site paths: anything else would be an open redirect.
    for target in ("//evil.example/", "https://evil.example/"):
        auth.logout()
        response = client.post("/auth/login", query_string={"next": target}, data=form)
        assert response.status_code == 302
        assert response.headers["Location"] == "/"


def test_logout(client, auth):
    auth.login()

    with client:
        response = auth.logout()
        assert response.status_code == 302
        assert "user_id" not in session

    response = client.get("/", follow_redirects=True)
    assert b"You have been logged out." in response.data
    assert b"Log in" in response.data


def test_session_transaction_logs_in(client):
    with client.session_transaction() as sess:
        sess["user_id"] = 2

    response = client.get("/api/me")
    assert response.get_json()["username"] == "other"


def test_login_required_decorator(app):
    calls = []

    @login_required
    def secret_view():
        calls.append(g.user["username"])
        return "secret"

    assert secret_view.__name__ == "secret_view"

    with app.test_request_context("/private"):
        g.user = None
        response = secret_view()
        assert response.status_code == 302
        assert response.location == "/auth/login?next=/private"

    with app.test_request_context("/private"):
        g.user = {"username": "test"}
        assert secret_view() == "secret"

    assert calls == ["test"]
