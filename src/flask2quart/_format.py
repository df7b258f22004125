"""``--format ruff|black``: run a formatter over the files the migration changed, only them."""

from __future__ import annotations

import shutil
import subprocess

COMMANDS = {
    "ruff": ["ruff", "format", "--quiet", "--stdin-filename", "{name}", "-"],
    "black": ["black", "--quiet", "--stdin-filename", "{name}", "-"],
}


class FormatterError(RuntimeError):
    pass


def check_available(formatter: str) -> None:
    if formatter not in COMMANDS:
        raise FormatterError(f"unknown formatter {formatter!r} (choose ruff or black)")
    if shutil.which(COMMANDS[formatter][0]) is None:
        raise FormatterError(f"{formatter} is not installed (pip install {formatter})")


def format_source(formatter: str, content: bytes, name: str) -> bytes:
    """The formatted content; raises FormatterError with the formatter's own message."""
    command = [part.format(name=name) for part in COMMANDS[formatter]]
    result = subprocess.run(command, input=content, capture_output=True, timeout=60, check=False)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise FormatterError(message[-1] if message else f"{formatter} failed")
    return result.stdout
