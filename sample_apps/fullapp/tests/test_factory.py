from flask import g, render_template_string

from notes import create_app


def test_config(tmp_path):
    paths = {
        "DATABASE": str(tmp_path / "db.sqlite"),
        "UPLOAD_FOLDER": str(tmp_path / "up"),
    }
    assert not create_app(paths).testing
    assert create_app({"TESTING": True, **paths}).testing
    assert (tmp_path / "up").is_dir()


def test_ping(client):
    response = client.get("/ping")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "app": "Notes"}
    assert response.is_json


def test_context_processor_and_filter(app, client):
    app.config["APP_NAME"] = "Jottings"
    response = client.get("/")
    assert b"<title>Notes \xc2\xb7 Jottings</title>" in response.data
    assert b"2024-01-01" in response.data  # shortdate filter
    assert b"2024-01-01 00:00:00" not in response.data


def test_template_globals_in_app_context(app):
    with app.test_request_context("/"):
        g.user = None
        html = render_template_string("{{ app_name }}|{{ is_logged_in }}|{{ 'x'|shortdate }}")
    assert html == "Notes|False|x"
