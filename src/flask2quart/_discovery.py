"""Which files a run reads, and what module each one is."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

# Where tools put their folders: directly under the project, so they are skipped only there.
# Deeper down the same name can be a real package (an app's ``operations/build/``).
SKIPPED_AT_ROOT = frozenset(
    {
        ".venv",
        "venv",
        "build",
        "node_modules",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
    }
)
# Never source code at any depth: version control, bytecode, and our own cache (written during
# the run, so ``--out`` would copy it half-done). ``*.egg-info`` folders too, and virtualenvs
# (a folder with ``pyvenv.cfg``): walking a nested one would rewrite its site-packages.
SKIPPED_EVERYWHERE = frozenset({".git", ".hg", "__pycache__", ".flask2quart_cache"})
VIRTUALENV_MARKER = "pyvenv.cfg"


@dataclass(frozen=True, slots=True)
class SourceFile:
    path: Path  # absolute
    display: str  # as shown in reports and diffs: relative to the working directory
    relative: str  # relative to the argument it was found under (the layout ``--out`` copies)
    module: str
    is_package: bool


def _gitignore(directory: Path) -> pathspec.GitIgnoreSpec | None:
    ignore_file = directory / ".gitignore"
    if not ignore_file.is_file():
        return None
    try:
        lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


Specs = list[tuple[Path, pathspec.GitIgnoreSpec]]


def _ignored(path: Path, is_dir: bool, specs: Specs) -> bool:
    for base, spec in specs:
        relative = path.relative_to(base).as_posix() + ("/" if is_dir else "")
        if spec.match_file(relative):
            return True
    return False


def _walk(root: Path) -> Iterator[Path]:
    """Every file under root, skipping tool folders and what .gitignore files exclude."""
    specs: Specs = []
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        if here != root and VIRTUALENV_MARKER in filenames:
            dirnames[:] = []
            continue
        specs = [(base, spec) for base, spec in specs if here.is_relative_to(base)]
        spec = _gitignore(here)
        if spec is not None:
            specs.append((here, spec))
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not _skipped(d, at_root=here == root) and not _ignored(here / d, True, specs)
        )
        for name in sorted(filenames):
            path = here / name
            if not _ignored(path, False, specs):
                yield path


def _skipped(name: str, at_root: bool) -> bool:
    return (
        name in SKIPPED_EVERYWHERE
        or name.endswith(".egg-info")
        or (at_root and name in SKIPPED_AT_ROOT)
    )


def module_name_for(path: Path) -> tuple[str, bool]:
    """Dotted module name from the nearest folder without ``__init__.py`` (as Python would)."""
    is_package = path.name == "__init__.py"
    parts = [] if is_package else [path.stem]
    directory = path.parent
    while (directory / "__init__.py").is_file():
        parts.append(directory.name)
        if directory.parent == directory:
            break
        directory = directory.parent
    return ".".join(reversed(parts)) or path.stem, is_package


def namespace_aliases(sources: Iterable[SourceFile]) -> dict[str, str]:
    """Dotted names a module is also imported by, through namespace packages (PEP 420 folders
    without ``__init__.py``) below the layout root: ``beetsplug/web/__init__.py`` is the
    module ``web`` here, and ``from beetsplug import web`` in a test imports that module."""
    aliases: dict[str, str] = {}
    for source in sources:
        parts = source.relative.removesuffix(".py").split("/")
        if source.is_package:
            parts = parts[:-1]
        dotted = ".".join(parts)
        if dotted != source.module and dotted.endswith("." + source.module):
            aliases.setdefault(dotted, source.module)
    return aliases


def display_path(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def discover(paths: list[Path]) -> tuple[list[SourceFile], list[tuple[Path, str]]]:
    """Python sources to convert, and the other files with their relative paths (``--out``).

    Paths are relative to one layout root (see :func:`layout_root`), so a PATH given inside
    another (a skipped ``build/`` passed explicitly) keeps its place in the ``--out`` layout
    and two PATHs never write the same file there.
    """
    sources: list[SourceFile] = []
    others: list[tuple[Path, str]] = []
    seen: set[Path] = set()
    given_paths = [path.resolve() for path in paths]
    root = layout_root(given_paths)
    for given in given_paths:
        candidates = [given] if given.is_file() else list(_walk(given))
        for path in candidates:
            if path in seen:
                continue
            seen.add(path)
            relative = path.relative_to(root).as_posix()
            if path.suffix == ".py":
                module, is_package = module_name_for(path)
                sources.append(SourceFile(path, display_path(path), relative, module, is_package))
            else:
                others.append((path, relative))
    return _unique_modules(sources), others


def layout_root(given_paths: list[Path]) -> Path:
    """The folder ``--out`` mirrors: the one PATH folder holding every PATH (``migrate app
    --out x`` writes ``x/views.py``), else the PATHs' common parent (``migrate app tests --out
    x`` writes ``x/app/...`` and ``x/tests/...``, so their ``__init__.py`` cannot collide)."""
    folders = {path if path.is_dir() else path.parent for path in given_paths}
    tops = {f for f in folders if not any(f != o and f.is_relative_to(o) for o in folders)}
    if len(tops) == 1:
        return tops.pop()
    return Path(os.path.commonpath(sorted(tops)))


def _unique_modules(sources: list[SourceFile]) -> list[SourceFile]:
    """Two ``conftest.py`` in different folders must not share a module name."""
    taken: dict[str, int] = {}
    result = []
    for source in sorted(sources, key=lambda s: (s.module, s.display)):
        count = taken.get(source.module, 0)
        taken[source.module] = count + 1
        if count:
            source = SourceFile(
                source.path,
                source.display,
                source.relative,
                f"{source.module}@{source.display}",
                source.is_package,
            )
        result.append(source)
    return sorted(result, key=lambda s: s.display)
