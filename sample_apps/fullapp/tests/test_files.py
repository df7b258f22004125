import os
from io import BytesIO

from notes.db import get_db


def upload(client, filename, content=b"hello, world", note=1):
    return client.post(
        f"/notes/{note}/attachments",
        data={"file": (BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def test_upload_saves_file(client, auth, app):
    auth.login()
    response = client.get("/notes/1/attachments")
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.data

    response = upload(client, "my notes.txt")
    assert response.status_code == 302
    assert response.headers["Location"] == "/1"

    with app.app_context():
        row = get_db().execute("SELECT * FROM attachment WHERE note_id = 1").fetchone()
        assert row["filename"] == "my_notes.txt"
        assert row["size"] == len(b"hello, world")
        path = os.path.join(app.config["UPLOAD_FOLDER"], row["stored_name"])
        with open(path, "rb") as f:
            assert f.read() == b"hello, world"

    response = client.get("/1")
    assert b"Attached my_notes.txt." in response.data
    assert b"my_notes.txt</a> (12 bytes)" in response.data


def test_upload_then_download(client, auth):
    auth.login()
    content = b"%PDF-1.4 not really a pdf\n"
    upload(client, "../../report.pdf", content)
    auth.logout()

    # Anyone can download; the name is the sanitised one the uploader chose.
    response = client.get("/notes/1/attachments/1")
    assert response.status_code == 200
    assert response.data == content
    assert response.headers["Content-Disposition"] == "attachment; filename=report.pdf"
    assert response.mimetype == "application/pdf"


def test_upload_rejections(client, auth, app):
    auth.login()
    response = upload(client, "virus.exe")
    assert response.status_code == 200
    assert b"That kind of file is not allowed." in response.data

    response = upload(client, "")
    assert b"Choose a file to upload." in response.data

    response = client.post("/notes/1/attachments", data={"other": "field"}, follow_redirects=True)
    assert response.request.path == "/notes/1/attachments"
    assert b"No file part in the request." in response.data

    with app.app_context():
        assert get_db().execute("SELECT COUNT(*) FROM attachment").fetchone()[0] == 0
    assert os.listdir(app.config["UPLOAD_FOLDER"]) == []


def test_upload_too_large(client, auth, app):
    auth.login()
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = upload(client, "big.txt", b"x" * 4096)
    assert response.status_code == 413
    assert b"Uploads are limited to 1 KiB." in response.data


def test_upload_requires_author(client, auth):
    auth.login("other", "other")
    assert upload(client, "a.txt").status_code == 403


def test_download_missing(client):
    response = client.get("/notes/1/attachments/42")
    assert response.status_code == 404
    assert b"Page not found" in response.data
