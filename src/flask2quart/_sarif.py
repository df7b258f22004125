"""The report as SARIF 2.1.0, so findings show up as review annotations in code-scanning UIs
(GitHub code scanning, GitLab, VS Code's SARIF viewer).

Paths are relative to ``%SRCROOT%``, the folder the run started in, as those UIs expect paths
relative to the repository checked out there.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask2quart import __version__
from flask2quart._report import Finding, RunReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/flask2quart/flask2quart"

_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _rule_entry(rule_id: str, name: str, summary: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": summary},
        "helpUri": f"{INFORMATION_URI}/blob/main/docs/rules.md",
    }


def _artifact(path: str) -> dict[str, str]:
    if Path(path).is_absolute():  # a file outside the folder the run started in
        return {"uri": Path(path).as_uri()}
    return {"uri": path, "uriBaseId": "SRCROOT"}


def _result(finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    text = f"{finding.message} → {finding.fix}" if finding.fix else finding.message
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": _LEVELS[finding.severity],
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(finding.path),
                    "region": {"startLine": finding.line, "startColumn": finding.column},
                }
            }
        ],
    }
    if finding.rule in rule_index:
        result["ruleIndex"] = rule_index[finding.rule]
    return result


def to_sarif(
    report: RunReport, rules: Sequence[tuple[str, str, str]], source_root: Path
) -> dict[str, Any]:
    """``rules``: (id, name, summary) of every rule a finding can name."""
    entries = [_rule_entry(*rule) for rule in sorted(rules)]
    rule_index = {entry["id"]: index for index, entry in enumerate(entries)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "flask2quart",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": entries,
                    }
                },
                "originalUriBaseIds": {"SRCROOT": {"uri": source_root.resolve().as_uri() + "/"}},
                "results": [_result(f, rule_index) for f in report.findings],
            }
        ],
    }


def sarif_bytes(
    report: RunReport, rules: Sequence[tuple[str, str, str]], source_root: Path
) -> bytes:
    return (json.dumps(to_sarif(report, rules, source_root), indent=2) + "\n").encode()
