"""Serve the same requests by a Flask module and its conversion, in a child interpreter.

The child (any interpreter of ``suite_pythons()``, so Quart 0.22 and 0.23) imports
``flask_app`` and ``quart_app`` from a folder, sends each request to both through their test
clients, and prints what each answered, with the Quart version it imported.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests._harness import convert_text
from tests._sample_suites import SUITE_TIMEOUT_SECONDS, SuitePython

Request = tuple[str, dict[str, str]]  # path, headers

CHILD = """\
import asyncio, importlib, importlib.metadata, json, sys

sys.path.insert(0, sys.argv[1])
requests = json.loads(sys.argv[2])
flask_app = importlib.import_module("flask_app").app
quart_app = importlib.import_module("quart_app").app
client = flask_app.test_client()
on_flask = []
for path, headers in requests:
    response = client.get(path, headers=headers)
    on_flask.append([response.status_code, response.get_data(as_text=True)])


async def on_quart():
    client = quart_app.test_client()
    answers = []
    for path, headers in requests:
        response = await client.get(path, headers=headers)
        answers.append([response.status_code, await response.get_data(as_text=True)])
    return answers


print(json.dumps({
    "quart": importlib.metadata.version("quart"),
    "flask": on_flask,
    "quart_app": asyncio.run(on_quart()),
}))
"""


def serve_both(
    tmp_path: Path, source: str, target: SuitePython, requests: list[Request]
) -> tuple[list[Any], list[Any], str]:
    """(Flask's answers, Quart's answers, the converted source), each answer [status, body]."""
    converted, report = convert_text(tmp_path / "conv", source, "app")
    assert report.counts["failed"] == 0
    folder = tmp_path / "apps"
    folder.mkdir(exist_ok=True)
    (folder / "flask_app.py").write_text(source, encoding="utf-8")
    (folder / "quart_app.py").write_text(converted, encoding="utf-8")
    completed = subprocess.run(
        [
            target.python,
            "-W",
            "error::RuntimeWarning",
            "-c",
            CHILD,
            str(folder),
            json.dumps(requests),
        ],
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT_SECONDS,
        check=False,
        env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"},
    )
    assert completed.returncode == 0, completed.stderr
    seen: dict[str, Any] = json.loads(completed.stdout)
    release = tuple(int(part) for part in seen["quart"].split(".")[:2])
    assert release >= target.min_quart, f"ran on Quart {seen['quart']} ({target.source})"
    return seen["flask"], seen["quart_app"], converted
