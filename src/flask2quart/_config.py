"""``[tool.flask2quart]`` in the project's ``pyproject.toml``: the defaults for every flag.

The file is the nearest ``pyproject.toml`` above the first path given (as ruff and
django-upgrade find theirs). Command-line flags win over it. Unknown keys and wrong types are
errors, not silently ignored: a typo in CI configuration must not change what runs.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# key -> expected type (lists are lists of strings)
MIGRATE_KEYS: dict[str, type] = {
    "only": list,
    "skip": list,
    "enable": list,
    "include": list,
    "exclude": list,
    "http-transport": str,
    "gather": bool,
    "gather-limit": int,
    "wrap-blocking": bool,
    "jobs": int,
    "cache": bool,
    "cache-dir": str,
    "format": str,
    "include-generated": bool,
}


class ConfigError(ValueError):
    """A ``[tool.flask2quart]`` table the tool cannot use; the message names the file."""


@dataclass
class Config:
    path: Path | None = None
    migrate: dict[str, Any] = field(default_factory=dict)
    verify: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()


def find_pyproject(start: Path) -> Path | None:
    directory = start.resolve()
    if directory.is_file():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            return pyproject
        if (candidate / ".git").exists():
            return None
    return None


def load_config(paths: list[Path]) -> Config:
    start = paths[0] if paths else Path.cwd()
    pyproject = find_pyproject(start)
    if pyproject is None:
        return Config()
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{pyproject}: cannot read it ({error})") from None
    table = data.get("tool", {}).get("flask2quart")
    if table is None:
        return Config(path=pyproject)
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.flask2quart] must be a table")
    verify = table.get("verify", {})
    if not isinstance(verify, dict):
        raise ConfigError(f"{pyproject}: [tool.flask2quart.verify] must be a table")
    migrate = {key: value for key, value in table.items() if key != "verify"}
    for key, value in migrate.items():
        expected = MIGRATE_KEYS.get(key)
        if expected is None:
            known = ", ".join(sorted(MIGRATE_KEYS))
            raise ConfigError(f"{pyproject}: unknown key {key!r} in [tool.flask2quart] ({known})")
        if expected is list:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{pyproject}: {key} must be a list of strings")
        elif not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{pyproject}: {key} must be a {expected.__name__}")
    return Config(path=pyproject, migrate=migrate, verify=verify)
