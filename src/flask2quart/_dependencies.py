"""Add requirements to a converted project's dependency lists (one function, for every rule).

Edits are textual and minimal, so a reviewer sees one added line per requirement: a
``requirements*.txt`` at a migrated root gets the missing lines appended; a ``pyproject.toml``
whose ``[project]`` table has a ``dependencies = [...]`` array gets them appended to it. A
requirement already present under any spelling of its name (``httpx``, ``HTTPX>=0.27``) is left
as it is. Nothing else (setup.py, Pipfile, poetry) is edited: the report says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

from flask2quart._project import ProjectContext

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(line: str) -> str | None:
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    match = _NAME.match(line)
    return _normalise(match.group(1)) if match else None


def _missing(present: set[str], requirements: Sequence[str]) -> list[str]:
    return [r for r in requirements if _requirement_name(r) not in present]


def _edit_requirements_txt(text: str, requirements: Sequence[str]) -> str:
    present = {name for line in text.splitlines() if (name := _requirement_name(line))}
    missing = _missing(present, requirements)
    if not missing:
        return text
    if text and not text.endswith("\n"):
        text += "\n"
    return text + "".join(f"{r}\n" for r in missing)


_DEPENDENCIES_START = re.compile(r"(?m)^dependencies\s*=\s*\[")


def _dependencies_span(text: str) -> tuple[int, int] | None:
    """Where the items of ``[project] dependencies = [...]`` are (quotes respected)."""
    section = re.search(r"(?m)^\[project\]\s*$", text)
    if section is None:
        return None
    next_section = re.search(r"(?m)^\[", text[section.end() :])
    limit = section.end() + next_section.start() if next_section else len(text)
    found = _DEPENDENCIES_START.search(text, section.end(), limit)
    if found is None:
        return None
    quote = ""
    for index in range(found.end(), len(text)):
        char = text[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "]":
            return found.end(), index
    return None


def _edit_pyproject(text: str, requirements: Sequence[str]) -> str:
    span = _dependencies_span(text)
    if span is None:
        return text
    items = text[span[0] : span[1]]
    quoted = re.findall(r"""["']([^"']+)["']""", items)
    present = {name for item in quoted if (name := _requirement_name(item))}
    missing = _missing(present, requirements)
    if not missing:
        return text
    if "\n" in items:
        indent = re.search(r"\n([ \t]+)\S", items)
        pad = indent.group(1) if indent else "    "
        body = items.rstrip()
        if body.strip() and not body.endswith(","):
            body += ","
        new_items = body + "".join(f'\n{pad}"{r}",' for r in missing) + "\n"
    else:
        body = items.strip().rstrip(",")
        new_items = ", ".join([*([body] if body else []), *(f'"{r}"' for r in missing)])
    return text[: span[0]] + new_items + text[span[1] :]


def add_dependencies(project: ProjectContext, requirements: Sequence[str], rule: str) -> None:
    """Add ``requirements`` (PEP 508 strings) to every dependency list at the migrated roots."""
    edited = False
    for root in project.roots:
        for path in sorted(root.glob("requirements*.txt")):
            edited |= _edit(project, path, requirements, _edit_requirements_txt)
        pyproject = root / "pyproject.toml"
        if pyproject.is_file():
            edited |= _edit(project, pyproject, requirements, _edit_pyproject)
    if not edited and project.roots:
        project.report_finding(
            project.roots[0] / "requirements.txt",
            1,
            rule,
            "info",
            f"no requirements*.txt or pyproject.toml [project] dependencies found; "
            f"the converted app needs {', '.join(requirements)}",
            "add them to the project's dependency list",
        )


def _edit(
    project: ProjectContext,
    path: Path,
    requirements: Sequence[str],
    edit: Callable[[str, Sequence[str]], str],
) -> bool:
    current = project.read(path)
    if current is None:
        return False
    text = current.decode("utf-8", errors="surrogateescape")
    new_text = edit(text, requirements)
    if new_text != text:
        project.write(path, new_text.encode("utf-8", errors="surrogateescape"))
    return True
