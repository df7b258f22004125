"""Worker processes for the analysis and transform passes (``-j N``).

Each worker owns a share of the files: it parses each of them once, returns the plain facts,
keeps the parsed tree, and transforms the same files when the whole-program plan arrives, so a
file is parsed once per run whatever ``-j`` is. Work is handed out in small batches (for
progress and balance), every message is plain picklable data, results are keyed by file index
so the output is identical whatever the number of workers, and the processes are always ended:
normally, on error, or on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from flask2quart._discovery import SourceFile
from flask2quart._pipeline import Parsed, analyse_bytes, transform
from flask2quart._report import FileResult
from flask2quart._rules import Rule
from flask2quart.analysis.types import Evaluator

BATCH = 16

# what travels: (file index, source, content)
Item = tuple[int, SourceFile, bytes]


@dataclass
class AnalysisOutcome:
    """The picklable part of an analysis: facts, or why there are none."""

    facts: Any = None
    error: str = ""
    error_line: int = 1


def _serve(
    connection: Connection,
    attributes: frozenset[str],
    names: frozenset[str],
    fact_rules: tuple[type[Rule], ...],
) -> None:
    parsed: dict[int, Parsed] = {}
    evaluator: Evaluator | None = None
    try:
        while True:
            message = connection.recv()
            if message[0] == "stop":
                return
            if message[0] == "analyse":
                replies = []
                for index, source, content in message[1]:
                    done = parsed[index] = analyse_bytes(
                        source, content, attributes, names, fact_rules
                    )
                    replies.append(
                        (index, AnalysisOutcome(done.facts, done.error, done.error_line))
                    )
                connection.send(replies)
            elif message[0] == "plan":
                plan, options = message[1], message[2]
                evaluator = Evaluator(plan.index)
                connection.send(None)
            elif message[0] == "transform":
                assert evaluator is not None
                results = []
                for index, source, content in message[1]:
                    kept = parsed.pop(index) if index in parsed else None
                    done = kept or analyse_bytes(source, content, attributes, names, fact_rules)
                    results.append((index, transform(done, plan, evaluator, options)))
                connection.send(results)
    except (KeyboardInterrupt, EOFError):
        return


@dataclass
class _Worker:
    process: Any
    connection: Connection
    owned: set[int] = field(default_factory=set)
    load: int = 0


class WorkerPool:
    def __init__(
        self,
        jobs: int,
        attributes: frozenset[str],
        names: frozenset[str],
        fact_rules: tuple[type[Rule], ...] = (),
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self.workers: list[_Worker] = []
        try:
            for _ in range(jobs):
                parent, child = context.Pipe()
                process = context.Process(
                    target=_serve, args=(child, attributes, names, fact_rules), daemon=True
                )
                process.start()
                child.close()
                self.workers.append(_Worker(process, parent))
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(OSError, ValueError):
                worker.connection.send(("stop",))
        for worker in self.workers:
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
        self.workers = []

    def _run(
        self,
        command: str,
        queues: list[list[Item]],
        done: Callable[[int], None] | None,
    ) -> list[tuple[int, Any]]:
        """Feed each worker its queue in batches; collect every reply."""
        results: list[tuple[int, Any]] = []
        busy: dict[int, int] = {}
        for number, worker in enumerate(self.workers):
            if queues[number]:
                batch, queues[number] = queues[number][:BATCH], queues[number][BATCH:]
                worker.connection.send((command, batch))
                busy[number] = len(batch)
        connections = {w.connection: n for n, w in enumerate(self.workers)}
        while busy:
            ready = multiprocessing.connection.wait([self.workers[n].connection for n in busy])
            for connection in ready:
                number = connections[connection]  # type: ignore[index]
                reply = self.workers[number].connection.recv()
                results.extend(reply)
                if done is not None:
                    done(len(reply))
                if queues[number]:
                    batch, queues[number] = queues[number][:BATCH], queues[number][BATCH:]
                    self.workers[number].connection.send((command, batch))
                    busy[number] = len(batch)
                else:
                    del busy[number]
        return results

    def analyse(
        self, items: Sequence[Item], done: Callable[[int], None] | None = None
    ) -> dict[int, AnalysisOutcome]:
        queues: list[list[Item]] = [[] for _ in self.workers]
        for item in sorted(items, key=lambda item: -len(item[2])):
            number = min(range(len(self.workers)), key=lambda n: self.workers[n].load)
            self.workers[number].load += len(item[2])
            self.workers[number].owned.add(item[0])
            queues[number].append(item)
        return dict(self._run("analyse", queues, done))

    def transform(
        self,
        plan: Any,
        options: Any,
        items: Sequence[Item],
        done: Callable[[int], None] | None = None,
    ) -> dict[int, FileResult]:
        for worker in self.workers:
            worker.connection.send(("plan", plan, options))
        for worker in self.workers:
            worker.connection.recv()
        queues: list[list[Item]] = [[] for _ in self.workers]
        for index, source, content in sorted(items, key=lambda item: -len(item[2])):
            owners = [n for n, w in enumerate(self.workers) if index in w.owned]
            if owners:  # the worker kept its parsed tree: no need to send the content again
                queues[owners[0]].append((index, source, b""))
            else:
                number = min(range(len(self.workers)), key=lambda n: len(queues[n]))
                queues[number].append((index, source, content))
        return dict(self._run("transform", queues, done))
