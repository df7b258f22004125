"""Swap a Flask extension for its Quart counterpart in the project's dependency lists.

Called from the conversion rules' ``finish`` (F2Q403-F2Q407). It edits, in every migrated root,
``requirements*.txt`` (also under ``requirements/``) line by line and the quoted requirement
strings of ``pyproject.toml``; comments, order and the other lines stay as they were. A
``setup.py`` or ``setup.cfg`` that names the extension is reported, not edited.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from flask2quart._project import ProjectContext

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_QUOTED = re.compile(r"""(["'])([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?([^"'\n]*)\1""")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_files(root: Path) -> list[Path]:
    found = sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    return [path for path in found if path.is_file()]


def replace_requirement(project: ProjectContext, old: str, new: str, rule: str) -> None:
    """Replace the requirement named ``old`` by the line ``new`` wherever it is listed."""
    wanted = normalise(old)
    for root in project.roots:
        for path in requirement_files(root):
            _edit(project, path, lambda text: _replace_lines(text, wanted, new))
        pyproject = root / "pyproject.toml"
        if pyproject.is_file():
            _edit(project, pyproject, lambda text: _replace_quoted(text, wanted, new))
        for name in ("setup.py", "setup.cfg"):
            _report_setup(project, root / name, wanted, old, new, rule)


def _edit(project: ProjectContext, path: Path, change: Callable[[str], str]) -> None:
    content = project.read(path)
    if content is None:
        return
    text = content.decode("utf-8", errors="surrogateescape")
    edited = change(text)
    if edited != text:
        project.write(path, edited.encode("utf-8", errors="surrogateescape"))


def _replace_lines(text: str, wanted: str, new: str) -> str:
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        match = _NAME.match(line)
        if match and not line.lstrip().startswith(("#", "-")) and normalise(match[1]) == wanted:
            ending = "\n" if line.endswith("\n") else ""
            lines[index] = new + ending
    return "".join(lines)


def _replace_quoted(text: str, wanted: str, new: str) -> str:
    def swap(match: re.Match[str]) -> str:
        if normalise(match[2]) != wanted:
            return match[0]
        return f"{match[1]}{new}{match[1]}"

    return _QUOTED.sub(swap, text)


def _report_setup(
    project: ProjectContext, path: Path, wanted: str, old: str, new: str, rule: str
) -> None:
    content = project.read(path) if path.is_file() else None
    if content is None:
        return
    for number, line in enumerate(content.decode("utf-8", errors="replace").splitlines(), 1):
        if any(normalise(word) == wanted for word in re.findall(r"[A-Za-z0-9._-]+", line)):
            project.report_finding(
                path, number, rule, "warning", f"{old} is still a dependency here", f"use {new}"
            )
