"""Play a scripted session against a Flask app or its Quart conversion; print the responses.

``python run_session.py flask|quart APP_DIR SESSION.json WORK_DIR`` imports ``notes`` from
APP_DIR, creates the app on a fresh database in WORK_DIR, initialises it through the app's own
CLI, replays every request of the session with one test client (cookies kept), and prints one
JSON object per response: status, the headers that matter, and the body (JSON decoded when it
is JSON). Run in a subprocess: the Flask and Quart apps share a package name.
"""

from __future__ import annotations

import base64
import io
import json
import sys
from pathlib import Path
from typing import Any

COMPARED_HEADERS = ("Location", "Content-Type", "Content-Disposition", "X-Total-Count")


def _config(work: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "differential",
        "DATABASE": str(work / "notes.sqlite"),
        "UPLOAD_FOLDER": str(work / "uploads"),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


def _record(status: int, headers: Any, body: bytes, content_type: str) -> dict[str, Any]:
    decoded: Any = body.decode("utf-8", errors="replace")
    if content_type.startswith("application/json"):
        decoded = json.loads(body)
    return {
        "status": status,
        "headers": {name: headers.get(name) for name in COMPARED_HEADERS if headers.get(name)},
        "body": decoded,
    }


def _init_db(app: Any) -> None:
    result = app.test_cli_runner().invoke(args=["init-db", "--yes"])
    assert result.exit_code == 0, result.output


def run_flask(steps: list[dict[str, Any]], work: Path) -> list[dict[str, Any]]:
    from notes import create_app

    app = create_app(_config(work))
    _init_db(app)
    client = app.test_client()
    out = []
    for step in steps:
        data: dict[str, Any] = dict(step.get("form", {}))
        for field, (name, content) in step.get("files", {}).items():
            data[field] = (io.BytesIO(base64.b64decode(content)), name)
        kwargs: dict[str, Any] = {"headers": step.get("headers", {})}
        if data:
            kwargs["data"] = data
        if "json" in step:
            kwargs["json"] = step["json"]
        response = client.open(step["path"], method=step["method"], **kwargs)
        out.append(
            _record(response.status_code, response.headers, response.data, response.content_type)
        )
    return out


def run_quart(steps: list[dict[str, Any]], work: Path) -> list[dict[str, Any]]:
    import asyncio

    from notes import create_app
    from quart.datastructures import FileStorage

    app = create_app(_config(work))
    _init_db(app)  # outside any event loop: Quart's CLI runs its own

    async def play() -> list[dict[str, Any]]:
        client = app.test_client()
        out = []
        for step in steps:
            kwargs: dict[str, Any] = {"headers": step.get("headers", {})}
            if "form" in step:
                kwargs["form"] = step["form"]
            if "files" in step:
                kwargs["files"] = {
                    field: FileStorage(io.BytesIO(base64.b64decode(content)), filename=name)
                    for field, (name, content) in step["files"].items()
                }
            if "json" in step:
                kwargs["json"] = step["json"]
            response = await client.open(step["path"], method=step["method"], **kwargs)
            body = await response.get_data()
            out.append(_record(response.status_code, response.headers, body, response.content_type))
        return out

    return asyncio.run(play())


def main() -> None:
    framework, app_dir, session, work = sys.argv[1:5]
    sys.path.insert(0, app_dir)
    steps = json.loads(Path(session).read_text())
    runner = run_flask if framework == "flask" else run_quart
    print(json.dumps(runner(steps, Path(work)), indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
