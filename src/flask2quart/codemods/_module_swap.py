"""Shared by the rules that move an extension's imports to a Quart package with the same API.

A rule names the Flask modules, the Quart module each maps to, and the names the Quart package
has; imports of those names are moved, and an import of a name the Quart package lacks is left
as it is and reported. When a module keeps an import of the Flask extension, the extension stays
in the dependency lists beside the Quart package (that module must still import).
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from flask2quart._dependencies import requirement_name
from flask2quart._project import ProjectContext
from flask2quart._rules import Rule
from flask2quart._transform import FieldlessVisitor
from flask2quart.analysis.model import dotted_name

from ._extensions import Extension
from .extension_inventory import mark_handled

dotted = dotted_name


def attribute_path(node: cst.Attribute) -> tuple[str, tuple[str, ...]] | None:
    """``("wtf", ("csrf", "CSRFProtect"))`` for ``wtf.csrf.CSRFProtect``; None unless the chain
    is names all the way down."""
    parts = [node.attr.value]
    value = node.value
    while isinstance(value, cst.Attribute):
        parts.append(value.attr.value)
        value = value.value
    if not isinstance(value, cst.Name):
        return None
    return value.value, tuple(reversed(parts))


class ModuleUses(FieldlessVisitor):
    """How a module uses the name an ``import extension [as bound]`` binds."""

    def __init__(self, bound: str) -> None:
        self.bound = bound
        self.attributes: set[str] = set()  # X of every ``bound.X...``
        self.paths: set[tuple[str, ...]] = (
            set()
        )  # ("csrf", "CSRFProtect") of ``bound.csrf.CSRFProtect``
        self.assigned: set[str] = set()
        self.bare = False  # used other than as ``bound.X``

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        found = attribute_path(node)
        if found is not None and found[0] == self.bound:
            self.attributes.add(found[1][0])
            self.paths.add(found[1])
            return False
        return True

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._target(node.target)

    def _target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Attribute):
            found = attribute_path(target)
            if found is not None and found[0] == self.bound:
                self.assigned.add(found[1][0])

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.bound:
            self.bare = True


class ModuleSwap(Rule):
    extension: ClassVar[Extension]
    flask_requirement: ClassVar[str]
    modules: ClassVar[dict[str, str]]  # Flask module -> Quart module
    available: ClassVar[frozenset[str]]  # names the Quart modules provide

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        for alias in original_node.names:
            if dotted(alias.name).split(".")[0] == self._top():
                mark_handled(self.context, self.extension.name)
                self.keep_extension()
                self.context.report(
                    original_node,
                    self.id,
                    "error",
                    f"`import {dotted(alias.name)}` was left as it is; {self._kept_note()}",
                    f"import the names you use from {self.modules[self._top()]}",
                )
        return updated_node

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        module = dotted(updated_node.module)
        if updated_node.relative or module.split(".")[0] != self._top():
            return updated_node
        mark_handled(self.context, self.extension.name)
        target = self.modules.get(module)
        names = [] if isinstance(updated_node.names, cst.ImportStar) else updated_node.names
        missing = [dotted(a.name) for a in names if dotted(a.name) not in self.available]
        if target is None or missing or not names:
            what = ", ".join(missing) if missing else f"`from {module} import ...`"
            self.keep_extension()
            self.context.report(
                original_node,
                self.id,
                "error",
                f"{self.extension.counterpart} has no counterpart of {what}; this import was "
                f"left on {self.extension.name}; {self._kept_note()}",
                f"replace it by hand ({self.extension.docs})",
            )
            return updated_node
        self.context.data[self.id] = True
        return updated_node.with_changes(module=cst.parse_expression(target))

    def _top(self) -> str:
        return self.extension.modules[0]

    def keep_extension(self) -> None:
        """This file keeps an import of the Flask extension: its requirement must stay."""
        self.context.data[f"{self.id}:kept"] = True

    def _kept_note(self) -> str:
        return (
            f"{self.extension.name} stays in the dependency lists beside "
            f"{self.extension.requirement} so that this module still imports"
        )

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        if not any(flag for _, flag in project.data(cls.id)):
            return
        if any(flag for _, flag in project.data(f"{cls.id}:kept")):
            project.dependencies.add.append(cls.extension.requirement)
        else:
            name = requirement_name(cls.flask_requirement)
            project.dependencies.replace[name] = cls.extension.requirement
