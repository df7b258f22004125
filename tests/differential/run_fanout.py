"""Replay every request fanout's own tests make, against its mock upstream; print what happened.

``python run_fanout.py flask|quart APP_DIR SESSION.json`` imports ``fanout`` from APP_DIR (the
original or a converted copy), starts the upstream of fanout's own test suite (its conftest's
``UpstreamServer``) on 127.0.0.1, and for each scenario — a working upstream, a refused
connection, an upstream that never answers (with a 0.2 s timeout) — creates the app with the
scenario's environment and replays the steps. One JSON object per step: our response (status,
Content-Type, body) and what the upstream received (method, path, body, a few headers).
Quart scenarios each run in their own event loop, as pytest-asyncio would.
"""

from __future__ import annotations

import asyncio
import base64
import importlib.util
import json
import os
import socket
import sys
import threading
from pathlib import Path
from typing import Any

UPSTREAM_HEADERS = ("User-Agent", "Accept", "Content-Type")


def _body(step: dict[str, Any]) -> bytes | None:
    if step.get("body_hex") == "range256x4":
        return bytes(range(256)) * 4
    if "body" in step:
        return str(step["body"]).encode()
    return None


def _load_upstream_server(app_dir: Path) -> Any:
    spec = importlib.util.spec_from_file_location(
        "fanout_conftest", app_dir / "tests" / "conftest.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.UpstreamServer


def _record(status: int, content_type: str | None, body: bytes) -> dict[str, Any]:
    decoded: Any = base64.b64encode(body).decode()
    if content_type and content_type.startswith("application/json"):
        decoded = json.loads(body)
    return {"status": status, "content_type": content_type, "body": decoded}


def _upstream_seen(server: Any) -> list[dict[str, Any]]:
    seen = []
    for request in server.requests:
        headers = {
            k.title(): v for k, v in request["headers"].items() if k.title() in UPSTREAM_HEADERS
        }
        seen.append(
            {
                "method": request["method"],
                "path": request["path"],
                "body": base64.b64encode(request["body"]).decode(),
                "headers": headers,
            }
        )
    server.reset()
    return seen


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def play_flask(create_app: Any, steps: list[dict[str, Any]], server: Any) -> list[dict[str, Any]]:
    client = create_app().test_client()
    out = []
    for step in steps:
        kwargs: dict[str, Any] = {}
        if _body(step) is not None:
            kwargs["data"] = _body(step)
        if "content_type" in step:
            kwargs["content_type"] = step["content_type"]
        response = client.open(step["path"], method=step["method"], **kwargs)
        result = _record(response.status_code, response.content_type, response.data)
        result["upstream"] = _upstream_seen(server)
        out.append(result)
    return out


def play_quart(create_app: Any, steps: list[dict[str, Any]], server: Any) -> list[dict[str, Any]]:
    async def play() -> list[dict[str, Any]]:
        client = create_app().test_client()
        out = []
        for step in steps:
            kwargs: dict[str, Any] = {}
            if _body(step) is not None:
                kwargs["data"] = _body(step)
            if "content_type" in step:
                kwargs["headers"] = {"Content-Type": step["content_type"]}
            response = await client.open(step["path"], method=step["method"], **kwargs)
            body = await response.get_data()
            result = _record(response.status_code, response.content_type, body)
            result["upstream"] = _upstream_seen(server)
            out.append(result)
        return out

    return asyncio.run(play())


def main() -> None:
    framework, app_dir, session = sys.argv[1:4]
    sys.path.insert(0, app_dir)
    scenarios = json.loads(Path(session).read_text())
    server = _load_upstream_server(Path(app_dir))()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    urls = {
        "normal": server.url,
        "upstream_down": _closed_port_url(),
        "upstream_silent": f"http://127.0.0.1:{silent.getsockname()[1]}",
    }
    from fanout import create_app

    play = play_flask if framework == "flask" else play_quart
    results = {}
    try:
        for name, steps in scenarios.items():
            os.environ["UPSTREAM_URL"] = urls[name]
            os.environ["UPSTREAM_TIMEOUT"] = "0.2" if name == "upstream_silent" else "5"
            results[name] = play(create_app, steps, server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        silent.close()
    print(json.dumps(results, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
