"""Progress for long runs: a rich progress bar on a terminal, a few plain lines otherwise."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from flask2quart._runner import ProgressCallback

# Fewer files than this finish before a bar would be worth drawing.
MINIMUM_FILES = 50


@contextmanager
def progress_display(enabled: bool = True) -> Iterator[ProgressCallback | None]:
    """A callback for :func:`flask2quart._runner.run`; it shows nothing for small runs."""
    if not enabled:
        yield None
        return
    if sys.stderr.isatty():
        with Progress(
            TextColumn("{task.description:>10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            tasks: dict[str, TaskID] = {}

            def update(stage: str, done: int, total: int) -> None:
                if total < MINIMUM_FILES:
                    return
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done)

            yield update
        return
    printed: dict[str, int] = {}

    def plain(stage: str, done: int, total: int) -> None:
        if total < MINIMUM_FILES:
            return
        # one line per stage per tenth of the work, so CI logs stay short
        step = max(1, total // 10)
        if done == total or done // step > printed.get(stage, -1):
            printed[stage] = done // step
            click.echo(f"{stage} {done}/{total}", err=True)

    yield plain
