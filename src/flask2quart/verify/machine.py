"""What the machine is, and who is using its CPUs: read from ``/proc``, nothing else.

CPU time is counted in clock ticks (``USER_HZ``, usually 100 per second), the unit ``/proc``
uses. The load generator samples these counters at the edges of its measured window, so the
figures cover exactly the requests it recorded.
"""

from __future__ import annotations

import os
import platform
import shutil
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


@dataclass(frozen=True, slots=True)
class MachineTicks:
    """Machine-wide CPU ticks since boot, from the first line of ``/proc/stat``."""

    busy: int
    steal: int

    def __sub__(self, other: MachineTicks) -> MachineTicks:
        return MachineTicks(self.busy - other.busy, self.steal - other.steal)


def machine_ticks() -> MachineTicks:
    try:
        first = (PROC / "stat").read_text().splitlines()[0].split()
    except OSError:
        return MachineTicks(0, 0)
    values = [int(field) for field in first[1:]]
    # user nice system idle iowait irq softirq steal guest guest_nice; guest time is already
    # counted in user, idle + iowait is the time nobody ran. Interrupt time is left out: on
    # loopback most of it is the test's own traffic, which no process is charged for.
    user, nice, system, _idle, _iowait, _irq, _softirq, steal = (values + [0] * 8)[:8]
    return MachineTicks(busy=user + nice + system, steal=steal)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list((PROC / str(pid) / "task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return found


def _process_ticks(pid: int) -> int:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return 0
    # The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(fields[i]) for i in (11, 12, 13, 14))
    return utime + stime + cutime + cstime


def tree_pids(root: int) -> list[int]:
    """``root`` and all its descendants that are alive now."""
    pids, queue = [], [root]
    while queue:
        pid = queue.pop()
        pids.append(pid)
        queue.extend(_children(pid))
    return pids


def tree_ticks(root: int) -> int:
    """CPU ticks used so far by ``root`` and every live descendant (reaped ones included)."""
    return sum(_process_ticks(pid) for pid in tree_pids(root))


def tree_rss_bytes(root: int) -> int:
    total = 0
    page = os.sysconf("SC_PAGE_SIZE")
    for pid in tree_pids(root):
        try:
            total += int((PROC / str(pid) / "statm").read_text().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
    return total


def usable_cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0))


def cpu_model() -> str:
    try:
        for line in (PROC / "cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


PACKAGES = ("flask", "werkzeug", "quart", "gunicorn", "hypercorn", "uvicorn", "httptools")


def describe() -> dict[str, object]:
    """Machine metadata for the report: enough to tell whether two reports are comparable."""
    try:
        autogroup = (PROC / "sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        autogroup = False
    return {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": usable_cpus(),
        "python": sys.version.split()[0],
        "python_executable": sys.executable,
        "taskset": shutil.which("taskset"),
        "sched_autogroup": autogroup,
        "root": os.geteuid() == 0,
        "packages": {name: _version(name) for name in PACKAGES},
    }


def raise_priority(pid: int, nice: int = -10) -> bool:
    """Give ``pid``'s autogroup a higher priority; plain ``nice`` does nothing across sessions.

    With ``sched_autogroup_enabled`` every session is its own scheduling group and ``nice``
    only orders processes inside one group. Each measured process is started in its own
    session, so raising its group's nice value is what makes it win against other tenants.
    Returns False when not permitted (not root) or not supported.
    """
    try:
        (PROC / str(pid) / "autogroup").write_text(str(nice))
    except OSError:
        return False
    return True
