"""F2Q404: Flask-CORS -> quart-cors.

Flask-CORS fails on Quart (it calls ``app.make_response`` synchronously, spec §3). quart-cors
registers the same kind of ``after_request`` hook::

    from flask_cors import CORS, cross_origin  ->  from quart_cors import cors, route_cors
    CORS(app, origins=[...], supports_credentials=True)
                                    ->  cors(app, allow_origin=[...], allow_credentials=True)
    @cross_origin(origins="*")      ->  @route_cors(allow_origin="*")

Options are renamed (``origins`` -> ``allow_origin``, ``methods`` -> ``allow_methods``,
``supports_credentials`` -> ``allow_credentials``; ``allow_headers``, ``expose_headers`` and
``max_age`` keep their names). A file that uses an option quart-cors does not have
(``resources``, ``send_wildcard``, ``vary_header``, ...), ``CORS()`` without an app
(``init_app``), or credentials with the default any-origin (quart-cors refuses the pair) is left
as it is and each site is reported. ``route_cors`` awaits async views and runs sync ones in a
thread, so the analysis does not treat ``cross_origin`` as a barrier.

Behaviour change, reported once per ``CORS(app)``: for an allowed origin quart-cors answers
``Access-Control-Allow-Origin: *`` where Flask-CORS echoed the request's Origin (browsers
treat both alike for requests without credentials).
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from flask2quart._dependencies import requirement_name
from flask2quart._project import ProjectContext
from flask2quart._rules import Rule
from flask2quart._transform import FileContext
from flask2quart.analysis.model import dotted_name

from ._exports import keeps_name, renamed_alias
from ._extensions import BY_NAME
from .extension_inventory import mark_handled

EXTENSION = BY_NAME["Flask-CORS"]
RENAMED = {"CORS": "cors", "cross_origin": "route_cors"}
CALLABLES = {f"flask_cors.{name}" for name in RENAMED}
OPTIONS = {
    "origins": "allow_origin",
    "methods": "allow_methods",
    "allow_headers": "allow_headers",
    "expose_headers": "expose_headers",
    "supports_credentials": "allow_credentials",
    "max_age": "max_age",
}
DATA_KEY = "flask_cors_converted"


class FlaskCorsToQuartCors(Rule):
    id = "F2Q404"
    name = "flask-cors-to-quart-cors"
    summary = "Flask-CORS -> quart-cors: cors(app, allow_origin=...), @route_cors(...)"

    names: ClassVar[frozenset[str]] = frozenset(RENAMED)
    renamed_imports: ClassVar[frozenset[str]] = frozenset(CALLABLES)
    transparent_decorators: ClassVar[frozenset[str]] = frozenset({"flask_cors.cross_origin"})

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._problems: list[tuple[cst.CSTNode, str]] = []
        self._convertible = True

    def visit_Module(self, node: cst.Module) -> None:
        for call in self.context.model.calls:
            if self.context.callee_name(call) in CALLABLES:
                problem = self._problem(call)
                if problem is not None:
                    self._problems.append((call, problem))
        self._convertible = not self._problems

    def _problem(self, call: cst.Call) -> str | None:
        name = self.context.callee_name(call)
        keywords = {arg.keyword.value: arg for arg in call.args if arg.keyword is not None}
        unknown = sorted(k for k in keywords if k not in OPTIONS)
        if unknown:
            return f"quart-cors has no option {', '.join(unknown)}"
        if any(arg.keyword is None for arg in call.args[1:] if name == "flask_cors.CORS"):
            return "options passed by position"
        if name == "flask_cors.CORS" and (not call.args or call.args[0].keyword is not None):
            return "CORS() without an app is set up with init_app(), which quart-cors lacks"
        if name == "flask_cors.cross_origin" and any(a.keyword is None for a in call.args):
            return "options passed by position"
        if "supports_credentials" in keywords and "origins" not in keywords:
            return "quart-cors refuses credentials with the default any-origin"
        return None

    # ------------------------------------------------------------------ rewrites

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        module = dotted_name(updated_node.module)
        if updated_node.relative or module.split(".")[0] != "flask_cors":
            return updated_node
        mark_handled(self.context, EXTENSION.name)
        if isinstance(updated_node.names, cst.ImportStar) or any(
            dotted_name(a.name) not in RENAMED for a in updated_node.names
        ):
            self._report(original_node, "this import names what quart-cors does not have")
            return updated_node
        if not self._convertible:
            for node, problem in self._problems:
                self._report(node, problem)
            return updated_node
        self.context.data[DATA_KEY] = True
        names = [
            renamed_alias(self.context, a, RENAMED[dotted_name(a.name)]) for a in updated_node.names
        ]
        return updated_node.with_changes(module=cst.Name("quart_cors"), names=names)

    def _report(self, node: cst.CSTNode, problem: str) -> None:
        self.context.report(
            node,
            self.id,
            "error",
            f"Flask-CORS was left in this file: {problem}",
            "apply cors(app_or_blueprint, allow_origin=...) to the app or to each blueprint, "
            f"or @route_cors(...) to views ({EXTENSION.docs})",
        )

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        if (
            not self._convertible
            or original_node.value not in RENAMED
            or keeps_name(self.context, original_node.value)
        ):
            return updated_node
        site = self.context.model.names.get(original_node)
        if site is None:
            return updated_node
        bindings = self.context.model.lookup(original_node.value, site.scope)
        if bindings and all(
            b.kind == "import" and b.fqn == f"flask_cors.{original_node.value}" for b in bindings
        ):
            return updated_node.with_changes(value=RENAMED[original_node.value])
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not self._convertible or not isinstance(updated_node, cst.Call):
            return updated_node
        name = self.context.callee_name(original_node)
        if name not in CALLABLES:
            return updated_node
        args = [
            arg.with_changes(keyword=cst.Name(OPTIONS[arg.keyword.value]))
            if arg.keyword is not None
            else arg
            for arg in updated_node.args
        ]
        if name == "flask_cors.CORS" and not any(
            a.keyword is not None and a.keyword.value in ("origins",) for a in original_node.args
        ):
            self.context.report(
                original_node,
                self.id,
                "info",
                "quart-cors answers `Access-Control-Allow-Origin: *` where Flask-CORS echoed "
                "the request's Origin (alike for browsers without credentials)",
                "set QUART_CORS_SEND_ORIGIN_WILDCARD = False in the config to echo it",
            )
        return updated_node.with_changes(args=args)

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        if any(flag for _, flag in project.data(DATA_KEY)):
            project.dependencies.replace[requirement_name("Flask-Cors")] = EXTENSION.requirement
