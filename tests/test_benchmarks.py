"""Every script in benchmarks/ runs, in its smoke mode, so none can rot unnoticed.

Each entry point runs as ``python benchmarks/X.py --smoke``: it must exit 0 and print the
figures it exists to report (a row per client, generator or measurement). Timings are never
asserted. Every process a run starts inherits a marker in its environment, so the test finds
anything left running wherever it was re-parented, ends it, and fails. Loopback only.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from flask2quart.codemods._http_helper import TRANSPORTS

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
MARKER = "F2Q_BENCHMARK_RUN"
TIMEOUT = 60  # seconds: each smoke run takes a few; this only stops a hung one
GRACE = 2.0  # seconds a descendant may take to exit after the script has

ENTRY_POINTS = sorted(
    path.name
    for path in BENCHMARKS.glob("*.py")
    if 'if __name__ == "__main__":' in path.read_text()
)

# A new transport must be measured too: the client list follows the codemod's.
CLIENTS = ["requests", "aiohttp", *(f"converted-{transport}" for transport in TRANSPORTS)]
MIGRATE_ROWS = [
    "floor (all files)",
    "floor (relevant files)",
    "migrate -j1 cold",
    "migrate -j2 cold",
    "migrate cache cold",
    "migrate cached rerun",
]
# Without wrk the run must say so and still measure our own generator.
WRK = r"^r1 wrk -t1 +[\d,]+ " if shutil.which("wrk") else r"^wrk: not installed"

# What each smoke run must print, one pattern per figure (re.MULTILINE).
EXPECTED: dict[str, list[str]] = {
    "generate_codebase.py": [r"^wrote \d+ files, \d+ lines under .*; every file compiles$"],
    "http_client_cpu.py": [rf"^\| {re.escape(client)} \| \d+\.\d+ ms" for client in CLIENTS],
    "loadgen_ceiling.py": [
        r"^r1 flask2quart closed +[\d,]+ ",
        r"^r1 flask2quart open 200/s +[\d,]+ ",
        WRK,
    ],
    "migrate_speed.py": [
        rf"^\| {re.escape(row)} \| \d+\.\d+ \| \d+\.\d+ \|" for row in MIGRATE_ROWS
    ],
}


# ---------------------------------------------------------------------------- processes


def _marked(token: str) -> dict[int, str]:
    """Live processes carrying ``token`` in their environment: pid -> command line."""
    entry = f"{MARKER}={token}".encode()
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            # A zombie's environ reads empty: only live processes match.
            if entry in (proc / "environ").read_bytes().split(b"\0"):
                found[int(proc.name)] = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
    return {pid: cmdline.decode(errors="replace") for pid, cmdline in found.items()}


def _end_leftovers(token: str) -> dict[int, str]:
    """Give descendants a moment to exit, then kill (by pid) and return those still alive."""
    deadline = time.monotonic() + GRACE
    while (left := _marked(token)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


def _read(stream: IO[bytes]) -> str:
    stream.seek(0)
    return stream.read().decode(errors="replace")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM first, so the script's own cleanup runs; SIGKILL its group if it hangs."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass(frozen=True)
class Run:
    process: subprocess.Popen[bytes]
    token: str  # the marker every process of this run inherits
    out: IO[bytes]  # files, not pipes: a leaked child holding a pipe would block the reader
    err: IO[bytes]

    def finish(self) -> tuple[int, str, str]:
        code = self.process.wait(timeout=TIMEOUT)
        return code, _read(self.out), _read(self.err)

    def wait_for(self, pattern: str) -> None:
        """Wait until a descendant whose command line matches ``pattern`` is running."""
        deadline = time.monotonic() + TIMEOUT
        while not any(re.search(pattern, cmdline) for cmdline in _marked(self.token).values()):
            assert self.process.poll() is None, _read(self.err)
            assert time.monotonic() < deadline, f"nothing matching {pattern!r} started"
            time.sleep(0.05)


@contextlib.contextmanager
def benchmark(
    script: str, *args: str, cwd: Path, env: dict[str, str] | None = None
) -> Iterator[Run]:
    """Run ``benchmarks/script``; when the block ends, it and all it started must be gone."""
    token = uuid.uuid4().hex
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, str(BENCHMARKS / script), *args],
            cwd=cwd,
            env={**os.environ, **(env or {}), MARKER: token},
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        try:
            yield Run(process, token, out, err)
        finally:
            _stop(process)
            left = _end_leftovers(token)
    assert not left, f"benchmarks/{script} left processes running: {left}"


def _repository_state() -> dict[Path, int]:
    watched = [*BENCHMARKS.glob("*"), *(ROOT / "docs" / "benchmarks").rglob("*")]
    return {path: path.stat().st_mtime_ns for path in watched if path.name != "__pycache__"}


# ---------------------------------------------------------------------------- tests


def test_every_benchmark_has_a_smoke_check() -> None:
    assert ENTRY_POINTS, "no benchmark scripts found"
    assert set(EXPECTED) == set(ENTRY_POINTS), (
        "each script in benchmarks/ needs a --smoke mode and its expected output in EXPECTED"
    )


@pytest.mark.parametrize("script", ENTRY_POINTS)
def test_smoke_run_reports_its_figures(script: str, tmp_path: Path) -> None:
    patterns = EXPECTED.get(script)
    assert patterns, f"benchmarks/{script}: give it --smoke and list what it prints in EXPECTED"
    before = _repository_state()
    with benchmark(script, "--smoke", cwd=tmp_path) as run:
        code, out, err = run.finish()
    assert code == 0, err
    missing = [pattern for pattern in patterns if not re.search(pattern, out, re.MULTILINE)]
    assert not missing, f"missing {missing} in:\n{out}\n{err}"
    # Nothing written into the repository (docs/benchmarks/*.json) nor the working directory.
    assert _repository_state() == before
    assert list(tmp_path.iterdir()) == []


def test_http_client_cpu_fails_when_a_client_fails_and_stops_its_server(tmp_path: Path) -> None:
    broken = tmp_path / "shadow" / "httpx2"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text("raise ImportError('broken on purpose')\n")
    env = {"PYTHONPATH": str(broken.parent)}
    args = ["--smoke", "--clients", "converted-httpx2"]
    with benchmark("http_client_cpu.py", *args, cwd=tmp_path, env=env) as run:
        code, _, err = run.finish()
    assert code != 0
    assert "converted-httpx2 failed" in err
    assert "broken on purpose" in err


def test_migrate_speed_fails_when_migrate_fails(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "app.py").write_text("from flask import Flask\n\ndef view(:\n")
    with benchmark("migrate_speed.py", "--smoke", "--tree", str(tree), cwd=tmp_path) as run:
        code, _, err = run.finish()
    assert code != 0
    assert "exited 3" in err  # migrate's "some files could not be processed"


def test_loadgen_ceiling_stops_server_and_generator_on_sigterm(tmp_path: Path) -> None:
    args = ["--repeats", "1", "--warmup", "0.2", "--duration", "30", "--connections", "2"]
    with benchmark("loadgen_ceiling.py", *args, cwd=tmp_path) as run:
        run.wait_for(r"flask2quart\.verify\.loadgen")
        run.process.terminate()
        code, _, err = run.finish()
    assert code != 0
    assert "KeyboardInterrupt" in err  # SIGTERM took the cleanup path, not the default death
