"""Run a sample app's own pytest suite in a child process and read pytest's summary line.

Each sample app under ``sample_apps/`` is a project of its own (its own ``pytest.ini``,
``conftest.py`` and top-level package), so its suite runs with the app folder as working
directory and rootdir, exactly as its developers would run it, never inside this repository's
pytest session.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SAMPLE_APPS = Path(__file__).resolve().parent.parent / "sample_apps"

# Generous: the suites take about a second each; this only bounds a hung child.
SUITE_TIMEOUT_SECONDS = 180

_SUMMARY_LINE = re.compile(r"^=*\s*(?P<counts>\d+ \w+.*) in [\d.]+s")
_COUNT = re.compile(r"(\d+) (\w+)")
_PLURALS = {"error": "errors", "warning": "warnings"}


@dataclass(frozen=True)
class SuiteResult:
    returncode: int
    counts: dict[str, int]
    output: str

    @property
    def outcomes(self) -> dict[str, int]:
        """The counts that say how tests ended (warnings left out)."""
        return {kind: n for kind, n in self.counts.items() if kind != "warnings"}


def parse_summary(output: str) -> dict[str, int]:
    """``"58 passed, 2 failed, 1 warning in 1.2s"`` → ``{"passed": 58, "failed": 2, ...}``."""
    for line in reversed(output.splitlines()):
        match = _SUMMARY_LINE.match(line.strip())
        if match:
            counts: dict[str, int] = {}
            for number, kind in _COUNT.findall(match["counts"]):
                counts[_PLURALS.get(kind, kind)] = int(number)
            return counts
    return {}


def run_app_suite(app_dir: Path, *pytest_args: str) -> SuiteResult:
    """Run ``python -m pytest`` (this interpreter, so this venv) on the app's own tests."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    env.pop("UPSTREAM_URL", None)  # the fan-out suite points its app at its own mock
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave the sample tree as it was
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(app_dir),
        *pytest_args,
    ]
    completed = subprocess.run(
        command,
        cwd=app_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT_SECONDS,
        check=False,
    )
    output = completed.stdout + completed.stderr
    return SuiteResult(completed.returncode, parse_summary(completed.stdout), output)


def tree_files(root: Path) -> set[str]:
    """Every file under ``root`` (relative paths), bytecode caches excepted."""
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
