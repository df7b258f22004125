"""A server that fails to start says why: the first error in its log, and where the log is."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from flask2quart.verify import machine, processes
from flask2quart.verify.servers import (
    ServerError,
    ServerKind,
    ServerSpec,
    failure_reason,
    first_error,
    start_server,
)

PROBE = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
MISSING = "ModuleNotFoundError: No module named 'f2q_no_such_module'"
FRAME = '  File "/srv/app/wsgi.py", line 1, in <module>\n    import f2q_no_such_module\n'
GUNICORN_LOG = (
    "[2026-12-06 22:26:45 +0000] [15011] [ERROR] Exception in worker process\n"
    f"Traceback (most recent call last):\n{FRAME}{MISSING}\n"
    "No module named 'f2q_no_such_module'\n"
    "Traceback (most recent call last):\n"
    '  File "/venv/gunicorn/arbiter.py", line 683, in reap_workers\n'
    "    raise HaltServer(reason, self.WORKER_BOOT_ERROR)\n"
    "gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>\n"
)
# Two hypercorn workers failing at once write their tracebacks into each other.
HYPERCORN_LOG = (
    "Process SpawnProcess-2:\nProcess SpawnProcess-1:\nTraceback (most recent call last):\n"
    f"{FRAME}Traceback (most recent call last):\n{FRAME}{MISSING}\n{MISSING}\n"
)
SYNTAX_LOG = (
    "Traceback (most recent call last):\n"
    '  File "/srv/app/wsgi.py", line 3\n    app = (\n          ^\n'
    "SyntaxError: '(' was never closed\n"
)


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        pytest.param(GUNICORN_LOG, MISSING, id="gunicorn-cause-before-its-halt-server"),
        pytest.param(HYPERCORN_LOG, MISSING, id="interleaved-hypercorn-workers"),
        pytest.param(SYNTAX_LOG, "SyntaxError: '(' was never closed", id="syntax-error-caret"),
        pytest.param(
            "Traceback (most recent call last):\n" + FRAME + "KeyboardInterrupt\n",
            "KeyboardInterrupt",
            id="exception-without-a-message",
        ),
    ],
)
def test_first_error_is_the_exception_line_of_the_first_traceback(log: str, expected: str) -> None:
    assert first_error(log) == expected


def test_without_a_traceback_the_reason_is_the_last_line() -> None:
    log = "[INFO] Starting gunicorn\n[ERROR] Connection in use: ('127.0.0.1', 8000)\n"
    assert first_error(log) is None
    assert (
        failure_reason(log)
        == "its log ends with \"[ERROR] Connection in use: ('127.0.0.1', 8000)\""
    )
    assert failure_reason("") == "its log is empty"


class RecordingChildren(processes.Children):
    """Children that remember every process group they started."""

    def __init__(self) -> None:
        super().__init__()
        self.groups: list[int] = []

    def start(self, command: Sequence[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        process = super().start(command, **kwargs)
        self.groups.append(process.pid)
        return process


@pytest.mark.parametrize("kind", ["gunicorn", "hypercorn"])
def test_a_server_whose_app_cannot_be_imported_says_why(kind: ServerKind, tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    (root / "wsgi.py").write_text("import f2q_no_such_module\n\napp = None\n")
    # Two workers: gunicorn's arbiter halts after them, hypercorn's workers interleave.
    spec = ServerSpec(label="converted", kind=kind, root=root, app="wsgi:app", workers=2, threads=1)
    with RecordingChildren() as children, pytest.raises(ServerError) as caught:
        start_server(spec, children, PROBE, tmp_path, timeout=60)
    message = str(caught.value)
    assert message.startswith(f"the converted app's server ({kind}) ")
    assert f": {MISSING} (full log: " in message
    kept = Path(message.rsplit("(full log: ", 1)[1].removesuffix(")"))
    try:
        assert "Traceback (most recent call last):" in kept.read_text()
    finally:
        kept.unlink()
    assert children.groups and not any(map(processes.group_alive, children.groups))
    leftovers = [pid for pid in machine.tree_pids(os.getpid()) if pid in children.groups]
    assert leftovers == []
