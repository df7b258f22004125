"""Child processes that always end: each in its own process group, killed as a group.

Every process verify starts (servers, the load generator, the mock upstream) is started in a
new session, so it and everything it forks (gunicorn and hypercorn workers) share one process
group that can be signalled at once. :class:`Children` keeps track of them; leaving its ``with``
block — normally, on an error or on Ctrl-C — ends every group still running: SIGTERM, a short
grace period, then SIGKILL.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

from flask2quart.verify import machine

GRACE_SECONDS = 3.0


def pin_prefix(cpus: Sequence[int] | None) -> list[str]:
    """``taskset -c LIST`` when pinning is asked for and possible; workers inherit it."""
    if not cpus:
        return []
    return ["taskset", "-c", ",".join(str(cpu) for cpu in cpus)]


def pinning_problem(server_cpus: Sequence[int], load_cpus: Sequence[int]) -> str | None:
    """Why the server and the load cannot each get their own CPUs here, or None if they can."""
    if shutil.which("taskset") is None:
        return "taskset is not installed (Debian package util-linux)"
    usable = set(machine.usable_cpus())
    wanted = set(server_cpus) | set(load_cpus)
    if not wanted <= usable:
        missing = sorted(wanted - usable)
        return f"CPUs {missing} are not available to this process (usable: {sorted(usable)})"
    if set(server_cpus) & set(load_cpus):
        return "the server and the load generator would share CPUs"
    return None


def default_cpu_split() -> tuple[list[int], list[int]] | None:
    """Server on the first usable CPU(s), load generator and mocks on the last one."""
    usable = machine.usable_cpus()
    if len(usable) < 2:
        return None
    return usable[:-1], usable[-1:]


def kill_group(process: subprocess.Popen[bytes], grace: float = GRACE_SECONDS) -> None:
    """End ``process`` and every process in its group; wait for the leader."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    # The leader may be gone while workers it forked are not: kill what is left of the group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    _wait_until_group_ends(process.pid, grace)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def _wait_until_group_ends(pgid: int, timeout: float) -> None:
    """SIGKILL is delivered asynchronously, and orphaned members (hypercorn's workers once its
    master exited) cannot be waited for: poll until none is left, or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.01)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # killpg(…, 0) also succeeds for zombies; look for a live member.
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


class Children:
    """The process groups started so far; all of them end when the ``with`` block ends."""

    def __init__(self) -> None:
        self._running: list[subprocess.Popen[bytes]] = []
        self.priority_raised: bool | None = None

    def start(
        self,
        command: Sequence[str],
        *,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        stdin: int | IO[bytes] | None = subprocess.DEVNULL,
        stdout: int | IO[bytes] | None = None,
        stderr: int | IO[bytes] | None = None,
    ) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env=env,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
        self._running.append(process)
        raised = machine.raise_priority(process.pid)
        if self.priority_raised is None:
            self.priority_raised = raised
        self.priority_raised = self.priority_raised and raised
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        kill_group(process)
        if process in self._running:
            self._running.remove(process)

    def stop_all(self) -> None:
        # Ignore Ctrl-C while cleaning up, so a second one cannot leave orphans behind.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            for process in reversed(self._running):
                kill_group(process)
            self._running.clear()
        finally:
            signal.signal(signal.SIGINT, previous)

    def __enter__(self) -> Children:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop_all()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt so the same cleanup runs for both."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
