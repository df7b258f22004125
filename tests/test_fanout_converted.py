"""Issue 3's end-to-end proof: the converted fan-out gateway answers like the original.

``sample_apps/fanout`` (views → services → upstream client, a module-level ``requests.Session``,
plain ``requests`` calls, a followed redirect, raw-body posts, error mapping) is migrated with and
without ``--gather``. The original runs on Flask's test client and each conversion on Quart's
(every scenario in a new event loop, as pytest-asyncio does), in separate processes, against the
mock upstream of fanout's own test suite; every request those tests make must get the same
status, Content-Type and body, and the upstream must receive the same requests (bodies and the
headers the app sets). Only the HTTP library's default User-Agent differs, and with ``--gather``
the order in which the upstream receives one view's calls.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from flask2quart.cli import main

ROOT = Path(__file__).parent.parent
FANOUT = ROOT / "sample_apps" / "fanout"
SESSION = Path(__file__).parent / "differential" / "fanout_session.json"
RUNNER = Path(__file__).parent / "differential" / "run_fanout.py"
LIBRARY_USER_AGENT = re.compile(r"^python-(requests|httpx)/[\d.]+$")


def play(framework: str, app_dir: Path) -> dict[str, list[dict[str, Any]]]:
    result = subprocess.run(
        [sys.executable, str(RUNNER), framework, str(app_dir), str(SESSION)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    played: dict[str, list[dict[str, Any]]] = json.loads(result.stdout)
    for steps in played.values():
        for step in steps:
            for request in step["upstream"]:
                agent = request["headers"].get("User-Agent", "")
                if LIBRARY_USER_AGENT.match(agent):
                    request["headers"]["User-Agent"] = "<the HTTP library's default>"
    return played


@pytest.fixture(scope="module")
def original() -> dict[str, list[dict[str, Any]]]:
    return play("flask", FANOUT)


def _response(step: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in step.items() if key != "upstream"}


def _migrate(out: Path, *options: str) -> Path:
    result = CliRunner().invoke(main, ["migrate", str(FANOUT), "--out", str(out), *options])
    assert result.exit_code == 0, result.stderr
    assert ", 0 failed;" in result.stderr
    return out


@pytest.mark.parametrize("options", [(), ("--gather",)], ids=["sequential", "gather"])
def test_converted_fanout_answers_like_the_original(
    tmp_path: Path, original: dict[str, list[dict[str, Any]]], options: tuple[str, ...]
) -> None:
    converted = _migrate(tmp_path / "converted", *options)
    quart = play("quart", converted)

    assert quart.keys() == original.keys()
    for scenario, steps in original.items():
        assert len(quart[scenario]) == len(steps)
        for expected, actual in zip(steps, quart[scenario], strict=True):
            expected_upstream = expected["upstream"]
            actual_upstream = actual["upstream"]
            assert _response(actual) == _response(expected), scenario
            if options:  # concurrent calls reach the upstream in any order
                key = json.dumps
                assert sorted(actual_upstream, key=key) == sorted(expected_upstream, key=key)
            else:
                assert actual_upstream == expected_upstream
    # The session is meaningful: 40 upstream calls, a redirect, errors, raw bodies.
    normal = original["normal"]
    assert len(normal[1]["upstream"]) == 40
    assert {s["status"] for s in normal} >= {200, 400, 404, 502}
    assert {s["status"] for s in original["upstream_down"]} == {503}
    assert original["upstream_silent"][0]["status"] == 504


def test_gather_turns_the_fan_out_loop_into_one_gather(tmp_path: Path) -> None:
    converted = _migrate(tmp_path / "converted", "--gather")
    services = (converted / "fanout" / "services.py").read_text()
    assert "await asyncio.gather(*(upstream.fetch_item_value(item_id) for item_id in" in services


def test_second_migration_of_converted_fanout_changes_nothing(tmp_path: Path) -> None:
    converted = _migrate(tmp_path / "converted")
    assert (converted / "fanout" / "http_client.py").is_file()
    assert "httpx-aiohttp" in (converted / "requirements.txt").read_text()
    again = CliRunner().invoke(main, ["migrate", str(converted), "--check"])
    assert again.exit_code == 0, again.stdout
