"""Project-wide edits made after every file is converted: the ``Rule.finish`` hook.

Rules use it for what no single file can decide: a generated helper module shared by every
converted file, the project's dependency list, its pytest configuration. Every edit becomes a
:class:`FileResult` like any converted source, so ``--diff``, ``--check``, ``--out`` and the
atomic in-place writes treat it the same way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask2quart._dependencies import DependencyChanges
from flask2quart._discovery import SourceFile, display_path
from flask2quart._report import FileResult, Finding, RunReport
from flask2quart._rules import Severity
from flask2quart._settings import RuleSettings
from flask2quart.analysis.solve import Plan


@dataclass
class ProjectContext:
    roots: list[Path]  # the directories (or files' folders) given on the command line
    sources: list[SourceFile]
    report: RunReport
    plan: Plan
    settings: RuleSettings
    # what rules want in the converted project's dependency lists; applied by F2Q117 last
    dependencies: DependencyChanges = field(default_factory=DependencyChanges)

    def results(self) -> Iterator[FileResult]:
        yield from self.report.files

    def data(self, key: str) -> Iterator[tuple[FileResult, Any]]:
        """Every file's ``FileContext.data[key]``, in path order."""
        for result in sorted(self.report.files, key=lambda r: r.path):
            if key in result.data:
                yield result, result.data[key]

    def root_of(self, path: Path) -> Path:
        for root in self.roots:
            if path.is_relative_to(root):
                return root
        return path.parent

    def read(self, path: Path) -> bytes | None:
        """Current content of a project file (as already edited in this run), or None."""
        for result in self.report.files:
            if result.target == path:
                return result.converted if result.converted is not None else result.original
        try:
            return path.read_bytes()
        except OSError:
            return None

    def write(self, path: Path, content: bytes) -> None:
        """Create or replace a project file (absolute path under one of the roots)."""
        for result in self.report.files:
            if result.target == path:
                result.converted = content
                result.status = "changed" if content != result.original else "unchanged"
                return
        original = b""
        with contextlib.suppress(OSError):
            original = path.read_bytes()
        root = self.root_of(path)
        result = FileResult(
            path=display_path(path),
            status="changed" if content != original else "unchanged",
            original=original,
            converted=content,
            target=path,
            relative=path.relative_to(root).as_posix(),
        )
        self.report.files.append(result)
        if not original:
            self.report.extra_files.append(result.path)

    def report_finding(
        self, path: Path, line: int, rule: str, severity: Severity, message: str, fix: str = ""
    ) -> None:
        finding = Finding(display_path(path), line, 1, rule, severity, message, fix)
        for result in self.report.files:
            if result.target == path:
                result.findings.append(finding)
                return
        # about a file that is not Python (requirements, pyproject.toml): still a finding,
        # counted in the summary and the exit code like any other
        self.report.project_findings.append(finding)
