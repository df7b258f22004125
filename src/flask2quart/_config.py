"""``[tool.flask2quart]`` in the project's ``pyproject.toml``: the defaults for every flag.

The file is the nearest ``pyproject.toml`` above the first path given (as ruff and
django-upgrade find theirs), looking no higher than the repository root. Its folder (else the
repository root) is the project root: patterns and the cache are relative to it. Unknown keys,
wrong types and values outside the allowed ones are errors, not silently ignored: a typo in CI
configuration must not change what runs. The checks themselves live with the settings
(:mod:`flask2quart._settings`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from flask2quart._settings import SettingsError, from_table


class ConfigError(ValueError):
    """A ``[tool.flask2quart]`` table the tool cannot use; the message names the file."""


@dataclass
class Config:
    path: Path | None = None  # the pyproject.toml read, if any
    project_root: Path | None = None  # its folder, else the repository root, else None
    values: dict[str, object] = field(default_factory=dict)  # by Settings field name


def _project_files(start: Path) -> tuple[Path | None, Path | None]:
    """The nearest pyproject.toml and the repository root, looking up from start."""
    directory = start.resolve()
    if directory.is_file():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        if (candidate / "pyproject.toml").is_file():
            return candidate / "pyproject.toml", candidate
        if (candidate / ".git").exists():
            return None, candidate
    return None, None


def load_config(paths: list[Path]) -> Config:
    pyproject, root = _project_files(paths[0] if paths else Path.cwd())
    if pyproject is None:
        return Config(project_root=root)
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{pyproject}: cannot read it ({error})") from None
    table = data.get("tool", {}).get("flask2quart")
    if table is None:
        return Config(path=pyproject, project_root=root)
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.flask2quart] must be a table")
    verify = table.get("verify", {})
    if verify:
        # verify takes its options from the command line only; accepting keys it never reads
        # would let a user believe they took effect
        raise ConfigError(
            f"{pyproject}: [tool.flask2quart.verify] is not read by verify; give its options on "
            "the command line"
        )
    migrate = {key: value for key, value in table.items() if key != "verify"}
    try:
        values = from_table(migrate, str(pyproject))
    except SettingsError as error:
        raise ConfigError(str(error)) from None
    return Config(path=pyproject, project_root=root, values=values)
