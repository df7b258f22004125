"""Where ``--out`` may write, checked before anything is read or written; and which files
a ``--force`` run left there.

The copy must not land on the sources (it would rewrite them in place), inside them (the next
run would migrate the copy too) or around them (it would mix with them); paths are compared
resolved, so a symlink to a source folder counts as that folder. A folder that already holds
files is refused unless ``--force``: its files would be written over without a word.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import click

from flask2quart._discovery import SKIPPED_EVERYWHERE


class OutputFolderError(click.ClickException):
    """An ``--out`` folder the run must not write into: a usage error (exit 2), one line."""

    exit_code = 2  # EXIT_USAGE in cli.py, which imports this module


def check_output_folder(out_dir: Path | None, paths: Sequence[Path], force: bool) -> None:
    """Raise :class:`OutputFolderError` when ``out_dir`` overlaps a source PATH or is in use."""
    if out_dir is None:
        if force:
            raise OutputFolderError("--force only applies to --out")
        return
    out = out_dir.resolve()
    for path in paths:
        source = path.resolve()
        overlap = _overlap(out, source)
        if overlap is not None:
            relation, consequence = overlap
            raise OutputFolderError(
                f"--out {_shown(out_dir, out)} {relation} {_shown(path, source)} "
                f"({consequence}); choose a folder outside the sources"
            )
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"--out {out_dir} is a file, not a folder")
    if not force and out.is_dir() and not _is_empty(out_dir):
        raise OutputFolderError(
            f"--out {out_dir} is not empty; choose a new or empty folder, or pass --force to "
            "write over the files there"
        )


def _is_empty(folder: Path) -> bool:
    try:
        return not any(folder.iterdir())
    except OSError as error:
        raise OutputFolderError(
            f"--out {folder}: cannot tell whether it is empty ({error.strerror or error})"
        ) from None


def _overlap(out: Path, source: Path) -> tuple[str, str] | None:
    if out == source:
        return "is the source", "the copy would overwrite it"
    if out.is_relative_to(source):
        return "is inside the source", "the next run would migrate the copy too"
    if source.is_relative_to(out):
        return "contains the source", "the copy would mix with the sources"
    return None


def _shown(given: Path, resolved: Path) -> str:
    """The path as typed, and where it leads when that is not obvious (``.``, a symlink)."""
    if Path(os.path.abspath(given)) == resolved and given.name == resolved.name:
        return str(given)
    return f"{given} (-> {resolved})"


def files_under(out_dir: Path, cache_dir: Path | None) -> set[str]:
    """Files already in ``out_dir`` (relative, posix), without the cache if it lives there
    nor what discovery never walks (version control, bytecode): a run never writes those."""
    found: set[str] = set()
    root = out_dir.resolve()
    cache = cache_dir.resolve() if cache_dir is not None else None
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        dirnames[:] = [d for d in dirnames if d not in SKIPPED_EVERYWHERE and here / d != cache]
        found.update((here / name).relative_to(root).as_posix() for name in filenames)
    return found


def kept_files_note(out_dir: Path, kept: set[str], shown: int = 5) -> str:
    names = sorted(kept)
    listed = ", ".join(names[:shown])
    if len(names) > shown:
        listed += f" and {len(names) - shown} more"
    return f"--out {out_dir}: {len(names)} file(s) this run did not write were left there: {listed}"
