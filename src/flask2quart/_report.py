"""Findings and run reports: what the tool did, and everything it left for a human."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from flask2quart import __version__
from flask2quart._rules import Severity

Status = Literal["changed", "unchanged", "failed", "skipped"]

# Bumped when a key of the JSON report changes meaning or goes away (new keys do not bump it).
SCHEMA_VERSION = 1

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One thing the tool did not (or could not) convert, or a behaviour change to review."""

    path: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: str
    fix: str = ""

    def format(self) -> str:
        """``path:line:col F2Qnnn severity: reason → fix``."""
        where = f"{self.path}:{self.line}:{self.column}"
        text = f"{where} {self.rule} {self.severity}: {self.message}"
        return f"{text} → {self.fix}" if self.fix else text


@dataclass(slots=True)
class FileResult:
    path: str
    status: Status
    findings: list[Finding] = field(default_factory=list)
    original: bytes = b""
    converted: bytes | None = None
    error: str = ""
    target: Path | None = None  # where the file lives on disk
    relative: str = ""  # its path under the migrated root (the layout ``--out`` copies)
    data: dict[str, Any] = field(default_factory=dict)  # what rules recorded for finish()

    @property
    def changed(self) -> bool:
        return self.converted is not None and self.converted != self.original


@dataclass(slots=True)
class RunReport:
    files: list[FileResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra_files: list[str] = field(default_factory=list)
    inventory: list[dict[str, Any]] = field(default_factory=list)
    project_findings: list[Finding] = field(default_factory=list)  # on files that are not Python

    @property
    def counts(self) -> dict[str, int]:
        counter = Counter(result.status for result in self.files)
        return {
            "scanned": len(self.files),
            "changed": counter["changed"],
            "unchanged": counter["unchanged"] + counter["skipped"],
            "failed": counter["failed"],
        }

    @property
    def findings(self) -> list[Finding]:
        found = [f for result in self.files for f in result.findings] + self.project_findings
        return sorted(found, key=lambda f: (f.path, f.line, f.column, f.rule, f.message))

    def severity_counts(self) -> dict[str, int]:
        counter: Counter[str] = Counter(f.severity for f in self.findings)
        return {name: counter[name] for name in _SEVERITY_ORDER}

    def summary_line(self) -> str:
        c = self.counts
        s = self.severity_counts()
        line = (
            f"{c['scanned']} files scanned: {c['changed']} changed, {c['unchanged']} unchanged, "
            f"{c['failed']} failed; {s['error']} errors, {s['warning']} warnings, "
            f"{s['info']} notes left for review"
        )
        # the last line must never read as success for a tree that will not run
        if s["error"]:
            line += f" — not ready: the converted code will not run until the {s['error']} "
            line += "errors are fixed"
        return line

    def inventory_lines(self) -> list[str]:
        """The Flask extensions imported, blockers first: what the report prints before anything."""
        if not self.inventory:
            return []
        verdicts = Counter(entry["verdict"] for entry in self.inventory)
        bridged = f"{verdicts['bridged']} bridged, " if verdicts["bridged"] else ""
        lines = [
            f"Flask extensions imported: {len(self.inventory)} "
            f"({verdicts['blocker']} blocking, {verdicts['converted']} converted automatically, "
            f"{bridged}{verdicts['unchanged']} working unchanged)"
        ]
        for entry in self.inventory:
            by = (
                f" by {entry['rule']}"
                if entry["verdict"] in ("converted", "bridged") and entry["rule"]
                else ""
            )
            target = f" -> {entry['counterpart']}" if entry["counterpart"] else ""
            lines.append(
                f"  {entry['verdict']:9} {entry['name']}{by}{target} "
                f"({', '.join(entry['imported_at'])})"
            )
            lines.append(f"            {entry['manual']}; docs: {entry['docs']}")
        return lines

    def to_json(self) -> dict[str, Any]:
        return {
            "tool": {"name": "flask2quart", "version": __version__},
            "schema_version": SCHEMA_VERSION,
            "counts": self.counts,
            "severity_counts": self.severity_counts(),
            "extensions": self.inventory,
            "files": [
                {"path": r.path, "status": r.status, "error": r.error}
                for r in sorted(self.files, key=lambda r: r.path)
            ],
            "findings": [asdict(f) for f in self.findings],
            "notes": self.notes,
            "generated_files": self.extra_files,
        }

    def json_bytes(self) -> bytes:
        return (json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n").encode()
