"""Edit a project's dependency lists as text, keeping everything else byte for byte.

Two formats are edited: pip requirements files (``requirements*.txt``) and PEP 621
``pyproject.toml`` (``[project] dependencies`` and ``[project.optional-dependencies]``). Each
edit is checked by parsing the result (``tomllib``) before it is used; anything else (setup.py,
setup.cfg, Poetry, a pyproject the editor cannot place an entry in) is left to the caller to
report.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass, field

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = _NAME.match(requirement)
    return canonical(match.group(1)) if match else ""


@dataclass
class DependencyChanges:
    """What the rules asked for: replacements, and additions to the main or test group."""

    replace: dict[str, str] = field(default_factory=dict)  # canonical old name -> new requirement
    add: list[str] = field(default_factory=list)
    add_test: list[str] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.replace or self.add or self.add_test)


def edit_requirements(text: str, changes: DependencyChanges, test_file: bool) -> str:
    """Apply the changes to a requirements file (one requirement per line)."""
    lines = text.splitlines(keepends=True)
    present = set()
    out = []
    for line in lines:
        name = requirement_name(line) if not line.lstrip().startswith(("#", "-")) else ""
        if name in changes.replace:
            new = changes.replace[name]
            ending = "\n" if line.endswith("\n") else ""
            comment = line[line.index("#") :].rstrip("\n") if "#" in line else ""
            line = new + (f"  {comment}" if comment else "") + ending
            name = requirement_name(new)
        if name:
            present.add(name)
        out.append(line)
    wanted = [*changes.add, *(changes.add_test if test_file else ())]
    additions = [r for r in wanted if requirement_name(r) not in present]
    if additions and out and not out[-1].endswith("\n"):
        out[-1] += "\n"
    out.extend(f"{requirement}\n" for requirement in dict.fromkeys(additions))
    return "".join(out)


_ARRAY_START = re.compile(r"^(\s*)([A-Za-z0-9_.\"'-]+)\s*=\s*\[")


def _tables(lines: list[str]) -> list[tuple[str, int]]:
    tables = []
    for number, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            tables.append((stripped.strip("[]").strip(), number))
    return tables


def _array_span(lines: list[str], start: int) -> int:
    """Index of the line holding the ``]`` that closes the array opened on ``start``."""
    depth = 0
    for number in range(start, len(lines)):
        text = re.sub(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'", "", lines[number].split("#")[0])
        depth += text.count("[") - text.count("]")
        if depth <= 0:
            return number
    return len(lines) - 1


def _edit_array(
    lines: list[str], start: int, changes: dict[str, str], additions: list[str]
) -> None:
    end = _array_span(lines, start)
    items: list[str] = []
    for number in range(start, end + 1):
        for match in re.finditer(r"\"((?:[^\"\\]|\\.)*)\"|'([^']*)'", lines[number]):
            value = match.group(1) if match.group(1) is not None else match.group(2)
            name = requirement_name(value)
            items.append(name)
            if name in changes:
                quote = match.group(0)[0]
                new = f"{quote}{changes[name]}{quote}"
                lines[number] = lines[number].replace(match.group(0), new, 1)
    missing = [r for r in additions if requirement_name(r) not in items]
    if not missing:
        return
    if start == end:  # one-line array: insert before the closing bracket
        line = lines[start]
        close = line.rindex("]")
        inside = line[line.index("[") + 1 : close].strip()
        joined = ", ".join(f'"{r}"' for r in missing)
        separator = ", " if inside and not inside.endswith(",") else (" " if inside else "")
        lines[start] = line[:close].rstrip() + separator + joined + line[close:]
        return
    indent = re.match(r"\s*", lines[start + 1]).group(0) if start + 1 < end else "    "  # type: ignore[union-attr]
    previous = end - 1
    while previous > start and not lines[previous].strip():
        previous -= 1
    if previous > start and not lines[previous].rstrip().endswith((",", "[")):
        lines[previous] = lines[previous].rstrip("\n").rstrip() + ",\n"
    lines[end:end] = [f'{indent}"{r}",\n' for r in missing]


def edit_pyproject(text: str, changes: DependencyChanges) -> str | None:
    """Apply the changes to a PEP 621 pyproject.toml; None when there is nothing to edit."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    project = data.get("project")
    if not isinstance(project, dict) or "dependencies" not in project:
        return None
    lines = text.splitlines(keepends=True)
    tables = [*_tables(lines), ("", len(lines))]
    test_group = _test_group(project)
    for (table, start), (_, stop) in itertools.pairwise(tables):
        if table not in ("project", "project.optional-dependencies"):
            continue
        for number in range(start + 1, stop):
            match = _ARRAY_START.match(lines[number])
            if not match:
                continue
            key = match.group(2).strip("\"'")
            if table == "project" and key == "dependencies":
                _edit_array(lines, number, changes.replace, changes.add)
            elif table == "project.optional-dependencies":
                additions = changes.add_test if key == test_group else []
                _edit_array(lines, number, changes.replace, additions)
    result = "".join(lines)
    try:
        tomllib.loads(result)
    except tomllib.TOMLDecodeError:
        return None
    return result


def _test_group(project: dict[str, object]) -> str | None:
    groups = project.get("optional-dependencies")
    if not isinstance(groups, dict):
        return None
    for name in ("test", "tests", "testing", "dev"):
        if name in groups:
            return name
    return None
