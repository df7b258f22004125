"""Run the real pipeline on fixture text: the same code path as the command line."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from flask2quart._report import RunReport
from flask2quart._rules import Rule
from flask2quart._runner import Options, run
from flask2quart._settings import RuleSettings
from flask2quart.codemods import RULES, select_rules

EXPECTED_MARK = "# ----- expected -----\n"
REPORT_MARK = "# ----- report -----\n"
MODULE_PREFIX = "# module: "
SETTINGS_PREFIX = "# settings: "


@dataclass
class Case:
    """One fixture file: input, expected output (None: unchanged), expected report lines."""

    source: str
    expected: str | None
    report: list[str]
    module: str
    settings: dict[str, object]

    @classmethod
    def load(cls, path: Path) -> Case:
        text = path.read_text(encoding="utf-8")
        report: list[str] = []
        if REPORT_MARK in text:
            text, report_text = text.split(REPORT_MARK)
            report = [line for line in report_text.splitlines() if line.strip()]
        expected = None
        if EXPECTED_MARK in text:
            text, expected = text.split(EXPECTED_MARK)
        module = "app"
        settings: dict[str, object] = {}
        for line in text.splitlines()[:2]:
            if line.startswith(MODULE_PREFIX):
                module = line[len(MODULE_PREFIX) :].strip()
            elif line.startswith(SETTINGS_PREFIX):
                settings = json.loads(line[len(SETTINGS_PREFIX) :])
        return cls(text, expected, report, module, settings)


def module_path(root: Path, module: str) -> Path:
    parts = module.split(".")
    for depth in range(1, len(parts)):
        package = root.joinpath(*parts[:depth])
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").touch()
    return root.joinpath(*parts[:-1], parts[-1] + ".py")


def rules_for_fixture(path: Path) -> list[type[Rule]]:
    """Noop cases run with only their rule (and what it requires): the rule must not touch the
    file. Transform cases run with the rules `migrate` runs by default, as users do, plus their
    own rule when it is opt-in."""
    folder = path.parent.name
    rule = next(r for r in RULES if r.name.replace("-", "_") == folder)
    if not path.stem.startswith("noop-"):
        return select_rules(enable=[rule.id])[0]
    return select_rules([rule.id])[0]


def convert_text(
    tmp: Path,
    source: str,
    module: str = "app",
    rules: list[type[Rule]] | None = None,
    settings: dict[str, object] | None = None,
) -> tuple[str, RunReport]:
    """Convert one module's source in a scratch folder; return the new text and the report."""
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    path = module_path(tmp, module)
    path.write_text(source, encoding="utf-8")
    options = Options(
        mode="write",
        rules=RULES if rules is None else rules,
        settings=RuleSettings.from_mapping(settings or {}),
    )
    report = run([tmp], options)
    return path.read_text(encoding="utf-8"), report


def report_lines(report: RunReport, display_prefix: str = "") -> list[str]:
    """The module's findings as ``line:col RULE severity message → fix`` (the path dropped).

    Findings about the scratch folder as a project (no requirements file to update) are left
    out: a fixture is one module, and tests/fixtures/projects covers project edits."""
    lines = []
    for finding in report.findings:
        if finding in report.project_findings:
            continue
        where = f"{finding.line}:{finding.column}"
        text = f"{where} {finding.rule} {finding.severity} {finding.message}"
        if finding.fix:
            text += f" → {finding.fix}"
        lines.append(text)
    return lines


def convert_tree(source_root: Path, work: Path) -> RunReport:
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(source_root, work)
    return run([work], Options(mode="write", rules=RULES))
