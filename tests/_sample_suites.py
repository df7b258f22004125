"""Run a sample app's own pytest suite in a child process and read pytest's summary line.

Each sample app under ``sample_apps/`` is a project of its own (its own ``pytest.ini``,
``conftest.py`` and top-level package), so its suite runs with the app folder as working
directory and rootdir, exactly as its developers would run it, never inside this repository's
pytest session. A converted suite runs under each interpreter of ``suite_pythons()``: this venv
and, where ``make test`` found a Python 3.13, a venv with Quart 0.23 (which needs 3.13).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from _pytest.mark import ParameterSet

SAMPLE_APPS = Path(__file__).resolve().parent.parent / "sample_apps"
# The Python 3.13 venv's interpreter; `make test` exports it when it finds a Python 3.13.
PY313_VARIABLE = "FLASK2QUART_PY313"
# Holds the plugin that tells which Quart a suite's run imported.
PROBE_DIR = Path(__file__).resolve().parent / "_suite_probe"

# Generous: the suites take about a second each; this only bounds a hung child.
SUITE_TIMEOUT_SECONDS = 180

_SUMMARY_LINE = re.compile(r"^=*\s*(?P<counts>\d+ \w+.*) in [\d.]+s")
_COUNT = re.compile(r"(\d+) (\w+)")
_PLURALS = {"error": "errors", "warning": "warnings"}
_PROBE_LINE = re.compile(r"^flask2quart-suite-probe: python \S+ quart (?P<quart>\S+)$", re.M)


@dataclass(frozen=True)
class SuiteResult:
    returncode: int
    counts: dict[str, int]
    output: str
    quart_version: str | None  # as the run imported it; None when the suite never imported it

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


@dataclass(frozen=True)
class SuitePython:
    """An interpreter to run a converted suite under, and the oldest Quart its run must import."""

    python: str
    min_quart: tuple[int, int]
    source: str  # where the interpreter came from, for the failure messages


def suite_pythons(environ: Mapping[str, str] | None = None) -> list[ParameterSet]:
    """This venv, and the Python 3.13 venv named by ``FLASK2QUART_PY313``: skipped when that is
    unset, never when it is set (a missing or broken interpreter then fails the case)."""
    py313 = (os.environ if environ is None else environ).get(PY313_VARIABLE)
    skip = pytest.mark.skip(
        reason=f"{PY313_VARIABLE} is not set (make test sets it when it finds a Python 3.13)"
    )
    return [
        pytest.param(SuitePython(sys.executable, (0, 22), "this venv"), id="venv"),
        pytest.param(
            SuitePython(py313 or "", (0, 23), PY313_VARIABLE),
            id="py313",
            marks=() if py313 is not None else skip,
        ),
    ]


def run_app_suite(
    app_dir: Path, *pytest_args: str, python: str = sys.executable, pytest_flask: bool = False
) -> SuiteResult:
    """Run ``python -m pytest`` on the app's own tests (by default this interpreter, so this
    venv), with the probe plugin loaded; pytest-flask (installed for F2Q314's suite, and
    autouse in every suite with an ``app`` fixture) only when asked for."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    env.pop("UPSTREAM_URL", None)  # the fan-out suite points its app at its own mock
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # leave the sample tree as it was
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROBE_DIR), env.get("PYTHONPATH")]))
    command = [
        python,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "flask2quart_suite_probe",
        *([] if pytest_flask else ["-p", "no:flask"]),
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
    counts, quart = parse_summary(completed.stdout), probed_quart(completed.stdout)
    return SuiteResult(completed.returncode, counts, output, quart)


def probed_quart(output: str) -> str | None:
    """The Quart version the probe plugin printed; None when the run never imported Quart."""
    probe = _PROBE_LINE.search(output)
    return probe["quart"] if probe and probe["quart"] != "-" else None


def run_on_quart(
    app_dir: Path, target: SuitePython, *pytest_args: str, pytest_flask: bool = False
) -> SuiteResult:
    """Run a converted suite under ``target`` and check it ran on a Quart at least as new as
    ``target`` requires (so a 3.13 venv left with Quart 0.22 cannot pass for a 0.23 run)."""
    assert shutil.which(target.python), f"{target.python!r} ({target.source}) is not executable"
    result = run_app_suite(app_dir, *pytest_args, python=target.python, pytest_flask=pytest_flask)
    assert_ran_on(result, target)
    return result


def assert_ran_on(result: SuiteResult, target: SuitePython) -> None:
    seen = result.quart_version
    assert seen is not None, f"{target.python} ({target.source}) ran no Quart:\n{result.output}"
    minimum = ".".join(map(str, target.min_quart))
    assert version_tuple(seen) >= target.min_quart, (
        f"{target.python} ran on Quart {seen}, needs {minimum}+"
    )


def version_tuple(version: str) -> tuple[int, ...]:
    """``"0.23.1"`` → ``(0, 23, 1)``: the release numbers, a suffix such as ``rc1`` left out."""
    release = re.match(r"\d+(?:\.\d+)*", version)
    return tuple(int(part) for part in release[0].split(".")) if release else ()


def tree_files(root: Path) -> set[str]:
    """Every file under ``root`` (relative paths), bytecode caches excepted."""
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
