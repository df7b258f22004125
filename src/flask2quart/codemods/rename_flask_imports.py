"""F2Q101: import Quart instead of Flask, and rename the classes whose names differ.

``from flask import Flask, request`` becomes ``from quart import Quart, request`` and every use of
the ``Flask`` binding (calls, base classes, annotations, ``isinstance``) follows; ``import flask``
chains (``flask.Flask``) are renamed too. ``flask.ext.foo`` becomes ``flask_foo`` (removed in
Flask 1.0; the extension rules take it from there). A name Quart does not provide is left alone
and reported, and Werkzeug imports are left as they are: they keep working.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from flask2quart._rules import Rule
from flask2quart.analysis.model import Binding, dotted_name

from ._exports import keeps_name, renamed_alias
from ._quart_names import QUART_NAMES

# Names that change, by the Flask module they are imported from.
RENAMED = {
    "Flask": "Quart",
    "FlaskClient": "QuartClient",
    "FlaskCliRunner": "QuartCliRunner",
    "FlaskGroup": "QuartGroup",
}

# Flask modules with no Quart counterpart: keep importing from Flask.
KEPT_MODULES = ("flask.sansio",)


def quart_module(module: str) -> str | None:
    """The Quart module for a Flask module path, or None when it stays (or has no match)."""
    if module.startswith(KEPT_MODULES):
        return None
    if module.startswith("flask.ext."):
        extension, _, rest = module[len("flask.ext.") :].partition(".")
        return f"flask_{extension}" + (f".{rest}" if rest else "")
    if module == "flask" or module.startswith("flask."):
        return "quart" + module[len("flask") :]
    return None


class RenameFlaskImports(Rule):
    id = "F2Q101"
    name = "rename-flask-imports"
    summary = "import from quart instead of flask; Flask -> Quart and the other renamed classes"

    names: ClassVar[frozenset[str]] = frozenset({"flask", *RENAMED})
    attribute_names: ClassVar[frozenset[str]] = frozenset(RENAMED)
    renamed_imports: ClassVar[frozenset[str]] = frozenset(
        {"flask.Flask", "flask.testing.FlaskClient", "flask.testing.FlaskCliRunner"}
        | {"flask.cli.FlaskGroup"}
    )

    # ------------------------------------------------------------------ import statements

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        names = []
        for alias in updated_node.names:
            dotted = dotted_name(alias.name)
            target = quart_module(dotted)
            if target is not None and not dotted.startswith("flask.ext."):
                alias = alias.with_changes(name=cst.parse_expression(target))
            elif dotted.startswith("flask.ext."):
                self.context.report(
                    original_node,
                    self.id,
                    "warning",
                    f"`import {dotted}` (removed in Flask 1.0) was left as it is",
                    f"import {quart_module(dotted)} and use it directly",
                )
            names.append(alias)
        return updated_node.with_changes(names=names)

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        if updated_node.relative or updated_node.module is None:
            return updated_node
        module = dotted_name(updated_node.module)
        target = quart_module(module)
        if target is None:
            return updated_node
        if module.startswith("flask.ext."):
            return updated_node.with_changes(module=cst.parse_expression(target))
        if isinstance(updated_node.names, cst.ImportStar):
            self.context.report(
                original_node,
                self.id,
                "warning",
                f"`from {module} import *` was left as it is",
                f"import the names you use from {target} explicitly",
            )
            return updated_node
        available = QUART_NAMES.get(module)
        missing = [
            dotted_name(alias.name)
            for alias in updated_node.names
            if dotted_name(alias.name) not in RENAMED
            and available is not None
            and dotted_name(alias.name) not in available
        ]
        if missing or available is None:
            what = ", ".join(missing) if missing else f"module {module}"
            self.context.report(
                original_node,
                self.id,
                "error",
                f"Quart has no equivalent of {what}; this import was left on Flask",
                "replace it by hand (see the Quart API docs)",
            )
            return updated_node
        names = [
            renamed_alias(self.context, alias, RENAMED[dotted_name(alias.name)])
            if dotted_name(alias.name) in RENAMED
            else alias
            for alias in updated_node.names
        ]
        return updated_node.with_changes(module=cst.parse_expression(target), names=names)

    # ------------------------------------------------------------------ uses

    def _flask_binding(self, node: cst.Name) -> Binding | None:
        site = self.context.model.names.get(node)
        if site is None:
            return None
        bindings = self.context.model.lookup(node.value, site.scope)
        if not bindings or any(b.kind != "import" or b.fqn != bindings[0].fqn for b in bindings):
            return None
        return bindings[0]

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        binding = self._flask_binding(original_node)
        if binding is None:
            return updated_node
        fqn = binding.fqn
        if fqn == "flask" and original_node.value == "flask":
            return updated_node.with_changes(value="quart")
        module, _, name = fqn.rpartition(".")
        if (
            name == original_node.value
            and name in RENAMED
            and quart_module(module) is not None
            and not module.startswith("flask.ext.")
            and not keeps_name(self.context, name)
        ):
            return updated_node.with_changes(value=RENAMED[name])
        return updated_node

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        attr = original_node.attr.value
        if attr not in RENAMED or not isinstance(updated_node, cst.Attribute):
            return updated_node
        site = self.context.model.attributes.get(original_node)
        if site is None:
            return updated_node
        owner = self.context.evaluator.evaluate(
            self.context.model.ref_of(original_node.value, site.scope)
        )
        if owner[0] == "ext" and quart_module(str(owner[1])) is not None:
            return updated_node.with_changes(attr=cst.Name(RENAMED[attr]))
        return updated_node
