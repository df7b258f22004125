"""A pytest plugin that ``tests/_sample_suites.py`` loads (``-p``) into each sample suite's run.

After the summary it prints the Python and the Quart that run imported, so the parent test can
check the suite really ran on the Quart it meant: a 3.13 venv whose install resolved to Quart
0.22 (or never imported Quart) must not pass for a Quart 0.23 run.
"""

from __future__ import annotations

import importlib.metadata
import platform
import sys

import pytest

MARKER = "flask2quart-suite-probe:"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    quart = importlib.metadata.version("quart") if "quart" in sys.modules else "-"
    terminalreporter.write_line(f"{MARKER} python {platform.python_version()} quart {quart}")
