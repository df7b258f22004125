"""F2Q313: tests that rely on Flask's test client get a client that behaves like it.

Quart's client keeps neither ``g`` after a request inside ``with client:`` nor
``response.history`` (spec §1.4, §1.5). When the tests use either and create their clients with
``app.test_client()``, those calls become ``FlaskStyleClient(app)``: Quart's client plus both
behaviours, from a module generated into the app's package (``flask_style_client.py``). Other
tests see no difference: it is Quart's client otherwise.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._project import ProjectContext
from flask2quart._rules import Rule
from flask2quart.analysis.facts import is_test_module_name

from ._flask_style_client import CLASS_NAME, SOURCE, client_module
from ._generated import write_generated

TEST_CLIENT = "flask.Flask.test_client"
_USED = "flask_style_client"
_FEATURES = {"g": "`g` after a request", "history": "`response.history`"}


class FlaskStyleTestClient(Rule):
    id = "F2Q313"
    name = "flask-style-test-client"
    summary = "tests using g after a request or response.history: FlaskStyleClient(app)"
    requires = ("F2Q302",)

    provides_flask_style_client = True

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        context = self.context
        if not context.plan.test_client_features or not is_test_module_name(
            context.model.module_name
        ):
            return updated_node
        if context.callee_name(original_node) != TEST_CLIENT:
            return updated_node
        if not isinstance(updated_node.func, cst.Attribute):
            return updated_node
        index = context.plan.index
        module = client_module(index.modules, index.functions)
        name = context.name_for(module, CLASS_NAME)
        context.data[_USED] = True
        features = sorted(context.plan.test_client_features)
        context.report(
            original_node,
            self.id,
            "info",
            "the tests rely on Flask's test client keeping "
            + " and ".join(_FEATURES[f] for f in features)
            + f", which Quart's lacks: {CLASS_NAME} (generated, Quart's client plus these) "
            "is used instead",
            f"drop {CLASS_NAME} once the tests no longer need it",
        )
        return cst.Call(
            func=cst.Name(name),
            args=[cst.Arg(updated_node.func.value), *updated_node.args],
        )

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        if not any(True for _ in project.data(_USED)):
            return
        index = project.plan.index
        write_generated(project, client_module(index.modules, index.functions), SOURCE, cls.id)
