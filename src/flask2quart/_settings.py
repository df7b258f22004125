"""Every ``migrate`` setting, spelled once: its type, default, flag, config key and help.

A setting is a field of :class:`Settings`. The field's name gives the ``[tool.flask2quart]`` key
(``gather_limit`` -> ``gather-limit``) and the flag (``--gather-limit``); its metadata gives the
help, the allowed values and the bounds. ``cli.py`` builds its options from these fields, the
config loader checks values against them, and ``verify`` resolves the same object, so the three
cannot disagree about a name, a default or what is allowed.

Resolution: the defaults here, replaced by the config table's values, replaced by the flags
given on the command line (list settings prefixed ``extend_`` add to the config's instead).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HTTP_TRANSPORTS = ("aiohttp", "httpcore", "httpx2")
FORMATTERS = ("ruff", "black")


class SettingsError(ValueError):
    """A setting the tool cannot use; the message names where it came from."""


def _setting(
    default: Any,
    help: str,
    *,
    choices: tuple[str, ...] = (),
    minimum: int | None = None,
    short: str = "",
    off: str = "",
    metavar: str = "",
    ids: bool = False,
) -> Any:
    """A :class:`Settings` field with what the flag, the config check and the docs need."""
    meta = {
        "help": help,
        "choices": choices,
        "minimum": minimum,
        "short": short,
        "off": off,
        "metavar": metavar,
        "ids": ids,
    }
    return field(default=default, metadata=meta)


@dataclass(frozen=True, slots=True)
class RuleSettings:
    """The settings rules read while they rewrite (``context.settings``)."""

    http_transport: str = "aiohttp"
    gather: bool = False
    gather_limit: int = 0
    wrap_blocking: bool = False

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> RuleSettings:
        """From a fixture's ``settings.json`` (snake_case keys); unknown keys are errors."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise SettingsError(f"unknown rule setting(s): {', '.join(unknown)}")
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Settings:
    only: tuple[str, ...] = _setting(
        (), "Run only these rules (comma-separated ids; what they require is added).", ids=True
    )
    skip: tuple[str, ...] = _setting(
        (), "Do not run these rules (nor the rules that require them).", ids=True
    )
    enable: tuple[str, ...] = _setting(
        (), "Also run these opt-in rules (see --list-rules).", ids=True
    )
    include: tuple[str, ...] = _setting(
        (),
        "Only convert files matching these gitignore-style patterns (comma-separated).",
        metavar="PATTERNS",
    )
    exclude: tuple[str, ...] = _setting(
        (),
        "Leave files matching these gitignore-style patterns alone (replaces the config's).",
        metavar="PATTERNS",
    )
    extend_exclude: tuple[str, ...] = _setting(
        (),
        "Like --exclude, but added to the config's patterns instead of replacing them.",
        metavar="PATTERNS",
    )
    http_transport: str = _setting(
        "aiohttp",
        "What converted requests calls run on: httpx over aiohttp (default), plain httpx, "
        "or httpx2.",
        choices=HTTP_TRANSPORTS,
    )
    gather: bool = _setting(
        False,
        "Turn loops that await one call per item into asyncio.gather (runs them concurrently).",
        off="no-gather",
    )
    gather_limit: int = _setting(
        0, "With --gather: at most this many calls at once (default 0: no limit).", minimum=0
    )
    wrap_blocking: bool = _setting(
        False, "Wrap blocking calls left in async code in Quart's run_sync.", off="no-wrap-blocking"
    )
    jobs: int = _setting(
        0,
        "Worker processes (default 0: the number of CPUs; small runs stay in one process).",
        minimum=0,
        short="-j",
    )
    cache: bool = _setting(True, "Read and write the cache (default on).", off="no-cache")
    cache_dir: str = _setting(
        "",
        "Where to cache analysis facts and results (default: $FLASK2QUART_CACHE_DIR, else "
        ".flask2quart_cache in the project root, else the user cache folder).",
        metavar="DIR",
    )
    format: str = _setting(
        "",
        "Run this formatter over the files the migration changes (only those).",
        choices=FORMATTERS,
    )
    include_generated: bool = _setting(
        False, "Also convert files marked @generated (skipped by default).", off="exclude-generated"
    )

    def rule_settings(self) -> RuleSettings:
        return RuleSettings(
            http_transport=self.http_transport,
            gather=self.gather,
            gather_limit=self.gather_limit,
            wrap_blocking=self.wrap_blocking,
        )

    def describe(self) -> str:
        """The settings that differ from the defaults, as config keys (for reports)."""
        defaults = Settings()
        changed = [
            f"{config_key(f.name)}={_shown(getattr(self, f.name))}"
            for f in dataclasses.fields(self)
            if getattr(self, f.name) != getattr(defaults, f.name)
        ]
        return ", ".join(changed) or "defaults"


def _shown(value: object) -> str:
    if isinstance(value, tuple):
        return ",".join(value)
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def config_key(name: str) -> str:
    return name.replace("_", "-")


def setting_fields() -> tuple[dataclasses.Field[Any], ...]:
    return dataclasses.fields(Settings)


def _split(values: object) -> tuple[str, ...]:
    assert isinstance(values, list | tuple)
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _checked(spec: dataclasses.Field[Any], value: object, where: str) -> object:
    """The value in the field's type, or a SettingsError naming the key, value and choices."""
    key = config_key(spec.name)
    default = spec.default
    meta = spec.metadata
    shown = repr(value)
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingsError(f"{where}: {key} = {shown} must be a list of strings")
        parts = _split(value)
        return tuple(p.upper() for p in parts) if meta["ids"] else parts
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise SettingsError(f"{where}: {key} = {shown} must be true or false")
        return value
    if isinstance(default, int):
        if not isinstance(value, int) or isinstance(value, bool):
            raise SettingsError(f"{where}: {key} = {shown} must be a whole number")
        if meta["minimum"] is not None and value < meta["minimum"]:
            raise SettingsError(f"{where}: {key} = {shown} must be at least {meta['minimum']}")
        return value
    if not isinstance(value, str):
        raise SettingsError(f"{where}: {key} = {shown} must be a string")
    if meta["choices"] and value not in meta["choices"]:
        allowed = ", ".join(meta["choices"])
        raise SettingsError(f"{where}: {key} = {shown} is not one of {allowed}")
    return value


def from_table(table: Mapping[str, object], where: str) -> dict[str, object]:
    """The ``[tool.flask2quart]`` values by field name, each checked; unknown keys are errors."""
    specs = {config_key(spec.name): spec for spec in setting_fields()}
    values: dict[str, object] = {}
    for key, value in table.items():
        spec = specs.get(key)
        if spec is None:
            known = ", ".join(sorted(specs))
            raise SettingsError(f"{where}: unknown key {key!r} in [tool.flask2quart] ({known})")
        values[spec.name] = _checked(spec, value, where)
    return values


def resolve(config: Mapping[str, object], flags: Mapping[str, object]) -> Settings:
    """Defaults, then the config's values, then the flags given (None or () = not given)."""
    merged: dict[str, object] = dict(config)
    for spec in setting_fields():
        given = flags.get(spec.name)
        if given is None or given == ():
            continue
        if isinstance(spec.default, tuple):
            parts = _split(given)
            given = tuple(p.upper() for p in parts) if spec.metadata["ids"] else parts
            if spec.name.startswith("extend_"):
                previous = merged.get(spec.name, ())
                assert isinstance(previous, tuple)
                given = (*previous, *given)
        merged[spec.name] = given
    return Settings(**merged)  # type: ignore[arg-type]


def cache_location(settings: Settings, project_root: Path | None, env: Mapping[str, str]) -> Path:
    """The cache folder: the setting, else $FLASK2QUART_CACHE_DIR, else ``.flask2quart_cache``
    in the project root, else the user cache folder: never the current folder by accident, so
    a run started from elsewhere finds the same cache. A relative ``cache-dir`` is relative to
    the project root (the flag is made absolute against the current folder first)."""
    if settings.cache_dir:
        return (project_root or Path.cwd()) / settings.cache_dir
    if env.get("FLASK2QUART_CACHE_DIR"):
        return Path(env["FLASK2QUART_CACHE_DIR"])
    if project_root is not None:
        return project_root / ".flask2quart_cache"
    user_cache = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return user_cache / "flask2quart"
