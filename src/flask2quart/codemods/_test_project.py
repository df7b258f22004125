"""Project-wide edit for the converted test suite: a pytest option.

It edits the project's *existing* configuration as text, one line under the section header, so
comments, order and layout survive (the config is the user's, not ours to reformat); the edit is
parsed back (``tomllib`` / ``configparser``) and kept only if the file still parses and now says
what we meant. When there is nothing safe to edit, the run says what to add by hand. (Test
dependencies go through ``ProjectContext.dependencies``, which F2Q117 writes.)
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
