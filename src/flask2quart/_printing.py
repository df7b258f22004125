"""How a run's report reaches the terminal: how much (``-q``/``-v``) and in colour or not.

Everything goes to standard error, so standard output stays for what a pipe wants (a diff, the
``would convert`` list, the plan). Colour is on for a terminal unless ``NO_COLOR`` is set
(no-color.org); ``--color``/``--no-color`` decide otherwise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import click

from flask2quart._report import Finding, RunReport

QUIET, NORMAL, VERBOSE = -1, 0, 1

_SEVERITY_STYLE = {
    "error": {"fg": "red", "bold": True},
    "warning": {"fg": "yellow"},
    "info": {"fg": "cyan"},
}


def use_color(flag: bool | None, environ: dict[str, str] | None = None) -> bool | None:
    """True/False when decided; None lets click colour a terminal and strip colour otherwise."""
    if flag is not None:
        return flag
    if (environ if environ is not None else os.environ).get("NO_COLOR"):
        return False
    return None


@dataclass(frozen=True)
class Printer:
    verbosity: int = NORMAL
    color: bool | None = None

    def line(self, text: str, *, level: int = NORMAL) -> None:
        if self.verbosity >= level:
            click.echo(text, err=True, color=self.color)

    def finding(self, finding: Finding) -> str:
        severity = click.style(finding.severity, **_SEVERITY_STYLE[finding.severity])  # type: ignore[arg-type]
        text = f"{finding.path}:{finding.line}:{finding.column} {finding.rule} {severity}: "
        text += finding.message
        return f"{text} → {finding.fix}" if finding.fix else text

    def report(self, report: RunReport, notes: list[str]) -> None:
        """Inventory, notes and findings (``-q``: errors only), then the summary line."""
        for line in report.inventory_lines():
            self.line(line)
        for note in [*notes, *report.notes]:
            self.line(f"note: {note}")
        for result in sorted(report.files, key=lambda r: r.path):
            reason = f": {result.error}" if result.error else ""
            self.line(f"{result.status:9} {result.path}{reason}", level=VERBOSE)
        for finding in report.findings:
            level = QUIET if finding.severity == "error" else NORMAL
            self.line(self.finding(finding), level=level)
        summary = report.summary_line()
        errors = report.severity_counts()["error"] or report.counts["failed"]
        style = {"fg": "red", "bold": True} if errors else {"bold": True}
        self.line(click.style(summary, **style), level=QUIET)
