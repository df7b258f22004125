"""Where ``--out`` may write, checked before anything is read or written.

The copy must not land on the sources (it would rewrite them in place), inside them (the next
run would migrate the copy too) or around them (it would write next to and over them); paths
are compared resolved, so a symlink to a source folder counts as that folder.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import click


class OutputFolderError(click.ClickException):
    """An ``--out`` folder the run must not write into: a usage error (exit 2), one line."""

    exit_code = 2  # EXIT_USAGE in cli.py, which imports this module


def check_output_folder(out_dir: Path | None, paths: Sequence[Path]) -> None:
    """Raise :class:`OutputFolderError` when ``out_dir`` overlaps a source PATH."""
    if out_dir is None:
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
