"""The corpus manifest: one `[[app]]` table per public app, validated before anything runs."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

MANIFEST_PATH = Path(__file__).with_name("manifest.toml")

_COMMIT = re.compile(r"[0-9a-f]{40}")
_REPOSITORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")


class ManifestError(ValueError):
    """The manifest is malformed; the message names the app and the field."""


@dataclass(frozen=True)
class App:
    """One public app: where its code is, how to install and test it, what its baseline was."""

    name: str
    repository: str
    commit: str
    test: str
    baseline_passed: int
    subfolder: str = ""
    install: tuple[str, ...] = ()
    prepare: tuple[str, ...] = ()
    migrate: tuple[str, ...] = (".",)
    env: dict[str, str] = field(default_factory=dict)
    timeout: int = 1200
    year: int = 0
    features: tuple[str, ...] = ()
    notes: str = ""

    @property
    def mirror_name(self) -> str:
        """The folder name the fetch tool gives this repository: owner+name."""
        return self.repository.replace("/", "+")


_STRING_LISTS = ("install", "prepare", "migrate", "features")


def parse_manifest(text: str) -> list[App]:
    """Parse and validate manifest TOML text; raise ManifestError on the first problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ManifestError(f"manifest is not valid TOML: {error}") from error
    tables = data.get("app", [])
    if not isinstance(tables, list):
        raise ManifestError("manifest: `app` must be an array of tables ([[app]])")
    apps = [_app_from_table(table, index) for index, table in enumerate(tables)]
    _check_unique_names(apps)
    return apps


def load_manifest(path: Path = MANIFEST_PATH) -> list[App]:
    return parse_manifest(path.read_text(encoding="utf-8"))


def select_apps(apps: list[App], names: list[str]) -> list[App]:
    """The apps named (all when none are); an unknown name is an error, not an empty run."""
    if not names:
        return apps
    known = {app.name: app for app in apps}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ManifestError(f"unknown app(s): {', '.join(unknown)}; see corpus/manifest.toml")
    return [known[name] for name in names]


def _app_from_table(table: Any, index: int) -> App:
    if not isinstance(table, dict):
        raise ManifestError(f"app #{index + 1}: not a table")
    label = str(table.get("name", f"#{index + 1}"))
    known_fields = set(App.__dataclass_fields__)
    extra = sorted(set(table) - known_fields)
    if extra:
        raise ManifestError(f"app {label}: unknown field(s) {', '.join(extra)}")
    for required in ("name", "repository", "commit", "test", "baseline_passed"):
        if required not in table:
            raise ManifestError(f"app {label}: `{required}` is required")
    values = dict(table)
    for key in _STRING_LISTS:
        if key in values:
            values[key] = tuple(_string_list(values[key], label, key))
    app = App(**values)
    _check_app(app, label)
    return app


def _string_list(value: Any, label: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ManifestError(f"app {label}: `{key}` must be a list of strings")
    return value


def _check_app(app: App, label: str) -> None:
    if not _NAME.fullmatch(app.name):
        raise ManifestError(f"app {label}: name must be lower-case letters, digits, - or _")
    if not _REPOSITORY.fullmatch(app.repository):
        raise ManifestError(f"app {label}: repository must be owner/name, got {app.repository!r}")
    if not _COMMIT.fullmatch(app.commit):
        raise ManifestError(f"app {label}: commit must be 40 lower-case hex digits")
    for path in (app.subfolder, *app.migrate):
        if not _is_relative_inside(path):
            raise ManifestError(f"app {label}: path {path!r} must be relative, without '..'")
    if not app.migrate:
        raise ManifestError(f"app {label}: `migrate` needs at least one path")
    if not isinstance(app.baseline_passed, int) or app.baseline_passed < 0:
        raise ManifestError(f"app {label}: baseline_passed must be a non-negative integer")
    if not isinstance(app.timeout, int) or app.timeout <= 0:
        raise ManifestError(f"app {label}: timeout must be a positive number of seconds")
    if not isinstance(app.env, dict) or not all(isinstance(v, str) for v in app.env.values()):
        raise ManifestError(f"app {label}: env must be a table of strings")


def _is_relative_inside(path: str) -> bool:
    pure = PurePosixPath(path)
    return not pure.is_absolute() and ".." not in pure.parts


def _check_unique_names(apps: list[App]) -> None:
    seen: set[str] = set()
    for app in apps:
        if app.name in seen:
            raise ManifestError(f"app {app.name}: name used twice")
        seen.add(app.name)
