"""Project-wide edits for the converted test suite: a pytest option, test dependencies.

Both edit the project's *existing* files as text, at one spot, so comments, order and layout
survive (the config is the user's, not ours to reformat); every edit is parsed back
(``tomllib`` / ``configparser``) and kept only if the file still parses and now says what we
meant. When there is nothing safe to edit, the run says what to add by hand.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

from flask2quart._project import ProjectContext

# Where pytest looks for its options, in its own order of precedence (per folder).
#   (file name, section, is TOML)
PYTEST_CONFIGS: tuple[tuple[str, str, bool], ...] = (
    ("pytest.ini", "pytest", False),
    (".pytest.ini", "pytest", False),
    ("pyproject.toml", "tool.pytest.ini_options", True),
    ("pyproject.toml", "tool.pytest", True),
    ("tox.ini", "pytest", False),
    ("setup.cfg", "tool:pytest", False),
)

TEST_GROUPS = ("test", "tests", "testing", "dev")
REQUIREMENT_FILES = (
    "requirements-test.txt",
    "requirements-tests.txt",
    "test-requirements.txt",
    "requirements_test.txt",
    "requirements/test.txt",
    "requirements/tests.txt",
    "requirements-dev.txt",
    "dev-requirements.txt",
    "requirements_dev.txt",
    "requirements/dev.txt",
)


# ---------------------------------------------------------------------------- reading


def _text(project: ProjectContext, path: Path) -> str | None:
    data = project.read(path)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _toml(text: str) -> dict[str, object] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def _toml_table(data: dict[str, object], dotted: str) -> dict[str, object] | None:
    current: object = data
    for part in dotted.split("."):
        if not isinstance(current, dict) or part not in current:
            return None
        current = current[part]
    return current if isinstance(current, dict) else None


def _ini(text: str) -> configparser.ConfigParser | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    return parser


def _has_section(text: str, section: str, is_toml: bool) -> bool:
    if is_toml:
        data = _toml(text)
        return data is not None and _toml_table(data, section) is not None
    parser = _ini(text)
    return parser is not None and parser.has_section(section)


def _option(text: str, section: str, is_toml: bool, option: str) -> object | None:
    if is_toml:
        data = _toml(text)
        table = _toml_table(data, section) if data is not None else None
        return table.get(option) if table is not None else None
    parser = _ini(text)
    if parser is None or not parser.has_section(section):
        return None
    return parser.get(section, option, fallback=None)


def _folders(project: ProjectContext) -> Iterator[Path]:
    """The migrated roots, then their parents (pytest looks upwards from its arguments)."""
    seen: set[Path] = set()
    for root in project.roots:
        for folder in (root, *root.parents):
            if folder not in seen:
                seen.add(folder)
                yield folder
            if (folder / ".git").exists():
                break


def _within_roots(project: ProjectContext, path: Path) -> bool:
    return any(path.is_relative_to(root) for root in project.roots)


# ---------------------------------------------------------------------------- pytest option


def _section_header(section: str, is_toml: bool) -> re.Pattern[str]:
    name = re.escape(section)
    if is_toml:
        return re.compile(rf"^\[\s*{name}\s*\][ \t]*(#.*)?$", re.MULTILINE)
    return re.compile(rf"^\[{name}\][ \t]*([#;].*)?$", re.MULTILINE)


def _insert_after_header(text: str, section: str, is_toml: bool, line: str) -> str | None:
    match = _section_header(section, is_toml).search(text)
    if match is None:
        return None
    newline = _newline(text)
    end = match.end()
    if text[end : end + len(newline)] == newline:
        end += len(newline)
        return text[:end] + line + newline + text[end:]
    return text[:end] + newline + line + newline + text[end:]


def _option_line(option: str, value: str, is_toml: bool) -> str:
    return f'{option} = "{value}"' if is_toml else f"{option} = {value}"


def set_pytest_option(project: ProjectContext, rule: str, option: str, value: str) -> None:
    """Set ``option`` in the pytest configuration pytest would read, unless it is set."""
    for folder in _folders(project):
        for name, section, is_toml in PYTEST_CONFIGS:
            path = folder / name
            text = _text(project, path)
            if text is None or not _has_section(text, section, is_toml):
                continue
            if _option(text, section, is_toml, option) is not None:
                return
            if not _within_roots(project, path):
                _tell(project, folder, rule, f'add `{option} = "{value}"` to {path} ([{section}])')
                return
            edited = _insert_after_header(
                text, section, is_toml, _option_line(option, value, is_toml)
            )
            if edited is None or str(_option(edited, section, is_toml, option)) != value:
                _tell(project, path, rule, f"could not edit {name}: add `{option} = {value}`")
                return
            project.write(path, edited.encode("utf-8"))
            return
    _create_pytest_config(project, rule, option, value)


def _create_pytest_config(project: ProjectContext, rule: str, option: str, value: str) -> None:
    root = project.roots[0]
    pyproject = root / "pyproject.toml"
    text = _text(project, pyproject)
    if text is not None:
        newline = _newline(text)
        separator = "" if text.endswith(newline) or not text else newline
        edited = (
            f"{text}{separator}{newline}[tool.pytest.ini_options]{newline}"
            f"{_option_line(option, value, True)}{newline}"
        )
        if _option(edited, "tool.pytest.ini_options", True, option) == value:
            project.write(pyproject, edited.encode("utf-8"))
            return
        _tell(project, pyproject, rule, f"could not edit pyproject.toml: add `{option} = {value}`")
        return
    project.write(root / "pytest.ini", f"[pytest]\n{option} = {value}\n".encode())


def _tell(project: ProjectContext, path: Path, rule: str, message: str) -> None:
    project.report_finding(path, 1, rule, "warning", message)


# ---------------------------------------------------------------------------- dependencies


def _requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return re.sub(r"[-_.]+", "-", match.group(1)).lower() if match else ""


def add_test_requirements(project: ProjectContext, rule: str, packages: list[str]) -> None:
    """Add packages to the project's test dependencies (pyproject group or requirements file)."""
    if not packages:
        return
    for root in project.roots:
        if _add_to_pyproject(project, root / "pyproject.toml", packages):
            return
        for name in REQUIREMENT_FILES:
            if _add_to_requirements(project, root / name, packages):
                return
        # one requirements file for everything: test packages go there if pytest does
        if _lists_pytest(project, root / "requirements.txt") and _add_to_requirements(
            project, root / "requirements.txt", packages
        ):
            return
    listed = ", ".join(packages)
    project.report_finding(
        project.roots[0],
        1,
        rule,
        "warning",
        f"the converted tests need {listed}; no test dependency list was found to add it to",
        f"add {listed} to the project's test dependencies",
    )


def _lists_pytest(project: ProjectContext, path: Path) -> bool:
    text = _text(project, path)
    return text is not None and any(
        _requirement_name(line) == "pytest" for line in text.splitlines()
    )


def _add_to_requirements(project: ProjectContext, path: Path, packages: list[str]) -> bool:
    text = _text(project, path)
    if text is None:
        return False
    present = {_requirement_name(line) for line in text.splitlines()}
    missing = [p for p in packages if _requirement_name(p) not in present]
    if missing:
        newline = _newline(text)
        separator = "" if not text or text.endswith(newline) else newline
        text = text + separator + newline.join(missing) + newline
        project.write(path, text.encode("utf-8"))
    return True


def _dependency_group(data: dict[str, object]) -> tuple[str, str, list[object]] | None:
    for table_name in ("project.optional-dependencies", "dependency-groups"):
        table = _toml_table(data, table_name)
        if table is None:
            continue
        for group in TEST_GROUPS:
            value = table.get(group)
            if isinstance(value, list):
                return table_name, group, value
    return None


def _add_to_pyproject(project: ProjectContext, path: Path, packages: list[str]) -> bool:
    text = _text(project, path)
    data = _toml(text) if text is not None else None
    if text is None or data is None:
        return False
    found = _dependency_group(data)
    if found is None:
        return False
    table, group, current = found
    present = {_requirement_name(str(item)) for item in current if isinstance(item, str)}
    edited = text
    for package in packages:
        if _requirement_name(package) in present:
            continue
        attempt = _append_to_array(edited, table, group, package)
        check = _toml(attempt) if attempt is not None else None
        group_now = _toml_table(check, table) if check is not None else None
        values = group_now.get(group) if group_now is not None else None
        if attempt is None or not isinstance(values, list) or package not in values:
            return False
        edited = attempt
    if edited != text:
        project.write(path, edited.encode("utf-8"))
    return True


def _append_to_array(text: str, table: str, key: str, item: str) -> str | None:
    """``key = [..]`` in ``[table]`` with ``"item"`` appended, keeping the array's layout."""
    header = _section_header(table, True).search(text)
    if header is None:
        return None
    next_header = re.compile(r"^\[", re.MULTILINE).search(text, header.end())
    limit = next_header.start() if next_header else len(text)
    assignment = re.compile(rf"^[ \t]*\"?{re.escape(key)}\"?[ \t]*=[ \t]*\[", re.MULTILINE)
    match = assignment.search(text, header.end(), limit)
    if match is None:
        return None
    close, last = _array_end(text, match.end())
    if close is None:
        return None
    quoted = f'"{item}"'
    if last is None:  # empty array
        return text[: match.end()] + quoted + text[match.end() :]
    if "\n" not in text[match.end() : close]:
        comma = "" if text[last] == "," else ","
        return text[: last + 1] + f"{comma} {quoted}" + text[last + 1 :]
    line_start = text.rfind("\n", 0, last) + 1
    indent = re.match(r"[ \t]*", text[line_start:]).group(0)  # type: ignore[union-attr]
    line_end = text.find("\n", last)
    if text[last] == ",":
        return text[:line_end] + f"\n{indent}{quoted}," + text[line_end:]
    return (
        text[: last + 1] + "," + text[last + 1 : line_end] + f"\n{indent}{quoted}" + text[line_end:]
    )


def _array_end(text: str, start: int) -> tuple[int | None, int | None]:
    """Index of the ``]`` closing the array opened before ``start``, and of its last token."""
    depth = 1
    last: int | None = None
    index = start
    while index < len(text):
        char = text[index]
        if char == "#":
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
            continue
        if char in "\"'":
            end = _string_end(text, index)
            if end is None:
                return None, None
            last = end - 1
            index = end
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
            if depth == 0:
                return index, last
        if not char.isspace():
            last = index
        index += 1
    return None, None


def _string_end(text: str, start: int) -> int | None:
    quote = text[start]
    triple = text[start : start + 3] == quote * 3
    delimiter = quote * 3 if triple else quote
    index = start + len(delimiter)
    while index < len(text):
        if quote == '"' and text[index] == "\\":
            index += 2
            continue
        if text.startswith(delimiter, index):
            return index + len(delimiter)
        if not triple and text[index] == "\n":
            return None
        index += 1
    return None
