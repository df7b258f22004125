"""F2Q401: list every Flask extension the code base imports, each with a verdict.

Most Flask extensions read Flask's own context variables (``flask.current_app``,
``flask.request``, ``flask.g``), which Quart never sets: they import fine and fail on the first
request (spec §3). Before anything else, a team needs to know which of its extensions are
converted, which work unchanged and which block the move. This rule records every import of a
Flask extension (the table in :mod:`._extensions`, plus any other ``flask_*`` module), reports
the blockers at their import lines, and fills ``RunReport.inventory``, which the report prints
first (``migrate --plan`` prints only that).
"""

from __future__ import annotations

from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from flask2quart._project import ProjectContext
from flask2quart._rules import Rule
from flask2quart._transform import FileContext
from flask2quart.analysis.model import dotted_name

from ._extensions import (
    UNKNOWN_DOCS,
    UNKNOWN_MANUAL,
    Extension,
    extension_for,
    extension_module,
)

IMPORTS_KEY = "extension_imports"  # [(module, line)] per file
HANDLED_KEY = "extensions_handled"  # extension names a conversion rule ran on, per file
LEFT_KEY = "extensions_left"  # extension names a conversion rule ran on and left in place

_VERDICT_ORDER = {"blocker": 0, "converted": 1, "bridged": 2, "unchanged": 3}


def is_local_module(context: FileContext, module: str) -> bool:
    """Whether ``module``'s top-level package is the program's own (a ``flask_helpers`` of the
    app, a generated module), not an installed extension."""
    top = module.split(".", 1)[0]
    return any(m == top or m.startswith(top + ".") for m in context.evaluator.index.modules)


def mark_handled(context: FileContext, extension: str) -> None:
    """Called by a conversion rule when it has processed an import of its extension."""
    handled: list[str] = context.data.setdefault(HANDLED_KEY, [])
    if extension not in handled:
        handled.append(extension)


def mark_left(context: FileContext, extension: str) -> None:
    """Called by a conversion rule that ran but kept its extension (its findings say why)."""
    mark_handled(context, extension)
    left: list[str] = context.data.setdefault(LEFT_KEY, [])
    if extension not in left:
        left.append(extension)


class ExtensionInventory(Rule):
    id = "F2Q401"
    name = "extension-inventory"
    summary = "list every Flask extension imported with its verdict; report blockers"

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._imports: list[tuple[cst.CSTNode, str]] = []

    def _is_local(self, module: str) -> bool:
        return is_local_module(self.context, module)

    def _record(self, node: cst.CSTNode, module: str) -> None:
        extension = extension_module(module)
        if extension is not None and not self._is_local(extension):
            self._imports.append((node, extension))

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self._record(node, dotted_name(alias.name))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not node.relative and node.module is not None:
            self._record(node, dotted_name(node.module))

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self._imports:
            return updated_node
        positions = MetadataWrapper(original_node, unsafe_skip_copy=True).resolve(PositionProvider)
        recorded = []
        for node, module in self._imports:
            position = positions.get(node)
            recorded.append((module, position.start.line if position else 1))
            self._report_blocker(node, module)
        self.context.data[IMPORTS_KEY] = recorded
        return updated_node

    def _report_blocker(self, node: cst.CSTNode, module: str) -> None:
        extension = extension_for(module)
        if extension is None:
            self.context.report(
                node,
                self.id,
                "warning",
                f"{module} is a Flask extension flask2quart does not know",
                f"{UNKNOWN_MANUAL} ({UNKNOWN_DOCS})",
            )
        elif extension.verdict == "blocker":
            counterpart = f" (Quart: {extension.counterpart})" if extension.counterpart else ""
            self.context.report(
                node,
                self.id,
                "error",
                f"{extension.name} does not work on Quart{counterpart}",
                f"{extension.manual} ({extension.docs})",
            )

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        sites: dict[str, list[str]] = {}
        for result, imports in project.data(IMPORTS_KEY):
            for module, line in imports:
                where = f"{result.path}:{line}"
                if where not in sites.setdefault(module, []):
                    sites[module].append(where)
        handled = {name for _, names in project.data(HANDLED_KEY) for name in names}
        left = {name for _, names in project.data(LEFT_KEY) for name in names}
        entries = [_entry(module, where, handled, left) for module, where in sites.items()]
        project.report.inventory = sorted(
            entries, key=lambda e: (_VERDICT_ORDER[e["verdict"]], e["name"].lower())
        )


def _entry(module: str, sites: list[str], handled: set[str], left: set[str]) -> dict[str, Any]:
    extension = extension_for(module)
    if extension is None:
        extension = Extension(module, (module,), "blocker", "", UNKNOWN_DOCS, UNKNOWN_MANUAL)
    verdict = extension.verdict
    manual = extension.manual
    if verdict in ("converted", "bridged") and extension.name not in handled:
        if extension.unchanged_without_rule:
            verdict, manual = "unchanged", extension.unchanged_without_rule
        else:
            verdict = "blocker"
            manual = f"{extension.rule} did not run (see --only/--skip/--enable); {manual}"
    elif verdict == "converted" and extension.name in left and extension.bridged_when_kept:
        verdict, manual = "bridged", extension.bridged_when_kept
    elif verdict == "converted" and extension.name in left:
        verdict = "blocker"
        manual = f"{extension.rule} left it in place (its errors say where and why); {manual}"
    return {
        "name": extension.name,
        "module": module,
        "verdict": verdict,
        "rule": extension.rule,
        "counterpart": extension.counterpart,
        "docs": extension.docs,
        "manual": manual,
        "imported_at": sites,
    }
