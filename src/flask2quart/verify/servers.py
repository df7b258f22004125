"""Serve the original app (WSGI, gunicorn) and the converted one (ASGI, hypercorn or uvicorn).

Fairness rules (docs/verify.md): both sides get the same CPU set, the same number of worker
processes, the same environment, the same keep-alive timeout and no access log. The original
runs under gunicorn's ``gthread`` worker with ``2 × cores + 1`` workers — gunicorn's own starting
point, where *cores* are the CPUs the server is pinned to — and 8 threads each: a ``sync``
baseline would have no keep-alive and would make any async conversion look several times better.
Every choice is in :attr:`ServerSpec.command`, which the report prints as it was run.
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from flask2quart.verify.processes import Children, pin_prefix

ServerKind = Literal["gunicorn", "hypercorn", "uvicorn"]
KEEP_ALIVE_SECONDS = 30  # both sides: idle keep-alive connections outlive the quietest schedule
LOG_TAIL_LINES = 30
TRACEBACK_START = "Traceback (most recent call last):"
# The line that ends a traceback: "ModuleNotFoundError: No module named 'redis'", or a bare
# class name. Indented frame lines and "Process SpawnProcess-1:" headers do not match.
EXCEPTION_LINE = re.compile(r"[A-Za-z_][\w.]*(: .*)?")


class ServerError(Exception):
    """A server did not start or did not answer; the message names the error and the log."""


def first_error(log: str) -> str | None:
    """The exception line of the log's first traceback: the cause of a failed boot.

    It comes first: gunicorn's arbiter then halts with its own ``HaltServer`` traceback, and
    hypercorn's other workers repeat the same traceback, interleaved.
    """
    lines = [line.rstrip() for line in log.splitlines()]
    if TRACEBACK_START not in lines:
        return None
    after = lines[lines.index(TRACEBACK_START) + 1 :]
    return next((line for line in after if EXCEPTION_LINE.fullmatch(line)), None)


def failure_reason(log: str) -> str:
    """What a failed server's log says: its first error, else its last line."""
    error = first_error(log)
    if error is not None:
        return error
    lines = log.strip().splitlines()
    return f"its log ends with {lines[-1].strip()!r}" if lines else "its log is empty"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def default_workers(cpus: Sequence[int] | None) -> int:
    """Gunicorn's guidance, ``2 × cores + 1``, counting only the cores the server may use."""
    cores = len(cpus) if cpus else (os.cpu_count() or 1)
    return 2 * cores + 1


def server_available(kind: ServerKind) -> bool:
    return importlib.util.find_spec(kind) is not None


@dataclass(frozen=True)
class ServerSpec:
    label: str  # "original" / "converted"
    kind: ServerKind
    root: Path  # the app's directory: working directory and first entry of PYTHONPATH
    app: str  # MODULE:NAME or MODULE:factory()
    workers: int
    threads: int = 8  # gunicorn gthread only
    cpus: tuple[int, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)

    def command(self, port: int | str) -> list[str]:
        bind = f"127.0.0.1:{port}"
        python = [sys.executable, "-m"]
        if self.kind == "gunicorn":
            server = [
                *python,
                "gunicorn",
                "--worker-class",
                "gthread",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--bind",
                bind,
                "--keep-alive",
                str(KEEP_ALIVE_SECONDS),
                "--graceful-timeout",
                "2",
                "--log-level",
                "warning",
                self.app,
            ]
        elif self.kind == "hypercorn":
            server = [
                *python,
                "hypercorn",
                "--workers",
                str(self.workers),
                "--bind",
                bind,
                "--keep-alive",
                str(KEEP_ALIVE_SECONDS),
                "--graceful-timeout",
                "2",
                "--log-level",
                "WARNING",
                self.app,
            ]
        else:
            module, _, attribute = self.app.partition(":")
            factory = attribute.endswith("()")
            server = [
                *python,
                "uvicorn",
                "--workers",
                str(self.workers),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--timeout-keep-alive",
                str(KEEP_ALIVE_SECONDS),
                "--no-access-log",
                "--log-level",
                "warning",
                *(["--factory"] if factory else []),
                f"{module}:{attribute.removesuffix('()')}",
            ]
        return [*pin_prefix(self.cpus), *server]

    def environment(self) -> dict[str, str]:
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        env["PYTHONPATH"] = os.pathsep.join(
            [str(self.root), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
        return env

    def budget(self) -> str:
        cpus = ",".join(map(str, self.cpus)) if self.cpus else "not pinned"
        threads = f" × {self.threads} threads" if self.kind == "gunicorn" else ""
        return f"{self.workers} worker processes{threads}, CPUs {cpus}"


@dataclass
class RunningServer:
    spec: ServerSpec
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    command: list[str]
    started_in: float = 0.0

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        return "\n".join(self.log_text().strip().splitlines()[-lines:])

    def kept_log(self) -> Path:
        """A copy of the log outside the run's temporary folder, which goes when verify ends."""
        handle, name = tempfile.mkstemp(prefix=f"f2q-verify-{self.spec.label}-", suffix=".log")
        with os.fdopen(handle, "w", encoding="utf-8") as copy:
            copy.write(self.log_text())
        return Path(name)

    def failure(self, what: str) -> ServerError:
        """``what`` happened: the error from the log, and where the whole log is kept."""
        return ServerError(
            f"the {self.spec.label} app's server ({self.spec.kind}) {what}: "
            f"{failure_reason(self.log_text())} (full log: {self.kept_log()})"
        )


def _answers(port: int, probe: bytes, timeout: float = 2.0) -> bool:
    """True once the server sends back a status line for ``probe``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(probe)
            return sock.recv(12).startswith(b"HTTP/1.")
    except OSError:
        return False


def start_server(
    spec: ServerSpec, children: Children, probe: bytes, log_dir: Path, timeout: float = 30.0
) -> RunningServer:
    """Start ``spec`` on a free loopback port and wait until it answers ``probe``."""
    port = free_port()
    command = spec.command(port)
    handle, name = tempfile.mkstemp(prefix=f"{spec.label}-", suffix=".log", dir=log_dir)
    log_path = Path(name)
    started = time.monotonic()
    with os.fdopen(handle, "wb") as log:
        process = children.start(
            command, cwd=spec.root, env=spec.environment(), stdout=log, stderr=subprocess.STDOUT
        )
    server = RunningServer(spec, port, process, log_path, command)
    deadline = started + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            children.stop(process)  # its workers may outlive it
            raise server.failure(f"exited with code {process.returncode} before answering")
        if _answers(port, probe):
            server.started_in = time.monotonic() - started
            return server
        time.sleep(0.05)
    children.stop(process)
    raise server.failure(f"did not answer within {timeout:.0f} s")


def stop_server(server: RunningServer, children: Children) -> None:
    children.stop(server.process)
