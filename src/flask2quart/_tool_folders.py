"""Tool folders skipped at a PATH's root that the code imports from: worth a note.

A root ``build/`` or ``venv/`` is nearly always a tool's, so discovery skips it; when a
discovered file imports a module that lives there, the folder was the app's after all and
its files are neither migrated nor copied. Cheap: a word search picks the few files that can
import such a folder, ``ast`` (C-speed, unlike LibCST) reads only their imports, and a couple
of ``stat`` calls tell whether the module is really in the folder.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from flask2quart._discovery import SKIPPED_AT_ROOT, SourceFile, display_path, module_name_for


@dataclass(frozen=True, slots=True)
class ToolFolder:
    path: Path
    module: str  # the dotted name a file would import it by


def skipped_tool_folders(paths: Sequence[Path]) -> list[ToolFolder]:
    """Folders directly under a PATH that discovery skipped and Python could import."""
    given = [path.resolve() for path in paths]
    folders = []
    for root in given:
        if not root.is_dir():
            continue
        package = module_name_for(root / "__init__.py")[0] if _is_package(root) else ""
        for name in sorted(SKIPPED_AT_ROOT):
            folder = root / name
            # .venv and the like cannot be imported; a folder also given as a PATH was walked
            if not name.isidentifier() or not folder.is_dir():
                continue
            if not any(path.is_relative_to(folder) for path in given):
                folders.append(ToolFolder(folder, f"{package}.{name}" if package else name))
    return folders


def imported_tool_folder_notes(
    folders: Sequence[ToolFolder], files: Iterable[tuple[SourceFile, bytes]]
) -> list[str]:
    if not folders:
        return []
    words = re.compile(
        rb"\b(?:" + b"|".join(re.escape(f.path.name.encode()) for f in folders) + rb")\b"
    )
    importers: dict[ToolFolder, list[tuple[str, str]]] = {}
    for source, content in files:
        if not words.search(content):
            continue
        for name in _imported_names(source, content):
            for folder in folders:
                if _resolves_into(name, folder):
                    importers.setdefault(folder, []).append((source.display, name))
    return [_note(folder, importers[folder]) for folder in folders if folder in importers]


def _note(folder: ToolFolder, importers: list[tuple[str, str]]) -> str:
    display, name = min(importers)
    others = len({d for d, _ in importers}) - 1
    more = f" (and {others} other file(s))" if others else ""
    shown = display_path(folder.path)
    return (
        f"{shown}/: skipped (a tool folder), but {display}{more} imports {name}; pass it "
        f"explicitly (flask2quart migrate ... {shown}) to migrate it"
    )


def _imported_names(source: SourceFile, content: bytes) -> Iterator[str]:
    """Absolute dotted names the file imports (``from a import b`` gives ``a.b``)."""
    try:
        with warnings.catch_warnings():  # an invalid escape in the user's file is not ours to say
            warnings.simplefilter("ignore")
            tree = ast.parse(content)
    except (SyntaxError, ValueError):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(source, node.module or "", node.level)
            if base is not None:
                yield from (f"{base}.{a.name}" if base else a.name for a in node.names)


def _absolute(source: SourceFile, module: str, level: int) -> str | None:
    if not level:
        return module
    parts = source.module.split("@", 1)[0].split(".")  # "@..." tells same-named files apart
    package = parts if source.is_package else parts[:-1]
    if level - 1 >= len(package):  # beyond the top-level package: Python refuses it too
        return None
    package = package[: len(package) - (level - 1)]
    return ".".join([*package, module] if module else package)


def _resolves_into(name: str, folder: ToolFolder) -> bool:
    """Whether ``name`` is a module, or a name in a module, that lives in the folder."""
    if name != folder.module and not name.startswith(folder.module + "."):
        return False
    rest = name[len(folder.module) + 1 :].split(".") if name != folder.module else []
    for depth in range(len(rest), -1, -1):
        base = folder.path.joinpath(*rest[:depth])
        if depth and base.with_suffix(".py").is_file():
            return True
        if (base / "__init__.py").is_file():
            return True
    return False


def _is_package(folder: Path) -> bool:
    return (folder / "__init__.py").is_file()
