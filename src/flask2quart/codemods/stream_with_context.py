"""F2Q110: streamed responses use an async generator decorated with ``stream_with_context``.

Quart's ``stream_with_context`` accepts only async generator functions and captures the request
context when it decorates (spec §1.11): ``Response(stream_with_context(generate()))`` is a 500,
and a decorated sync generator fails mid-response. The common shape — a generator defined inside
the view and passed as ``stream_with_context(generate(...))`` — becomes
``@stream_with_context async def generate(...)`` with ``generate(...)`` passed directly. Any other
use (a module-level generator, ``yield from``, a generator used elsewhere) is reported.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._rules import Rule
from flask2quart._transform import FieldlessVisitor
from flask2quart.analysis.model import FunctionInfo

KEY = "flask.stream_with_context"


class _BodyCheck(FieldlessVisitor):
    """Finds what an async generator cannot contain: ``yield from`` and ``return value``."""

    def __init__(self) -> None:
        self.problem = ""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Yield(self, node: cst.Yield) -> None:
        if isinstance(node.value, cst.From):
            self.problem = "`yield from`"

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.problem = "`return <value>`"


class StreamWithContext(Rule):
    id = "F2Q110"
    name = "stream-with-context"
    summary = "stream_with_context(gen()) -> @stream_with_context async def gen() inside the view"

    def visit_Module(self, node: cst.Module) -> None:
        self.generators: dict[cst.FunctionDef, str] = {}
        self.unwrap: set[cst.Call] = set()
        for call in self.context.model.calls:
            if self.context.callee_name(call) == KEY:
                self._plan(call)

    def _plan(self, call: cst.Call) -> None:
        if isinstance(call.func, cst.Name) and len(call.args) == 1 and not call.args[0].keyword:
            generator = self._nested_generator(call.args[0].value)
            if generator is not None:
                check = _BodyCheck()
                generator.node.body.visit(check)
                if not check.problem and self._only_use(generator, call):
                    self.generators[generator.node] = call.func.value
                    self.unwrap.add(call)
                    return
                if check.problem:
                    self.context.report(
                        call,
                        self.id,
                        "error",
                        f"{generator.name}() uses {check.problem}, which an async generator "
                        "cannot; Quart's stream_with_context needs one",
                        "rewrite the generator as an async generator by hand",
                    )
                    return
        self.context.report(
            call,
            self.id,
            "error",
            "Quart's stream_with_context() only takes an async generator function, and "
            "captures the context when it decorates",
            "define `@stream_with_context async def gen(): ...` inside the view and return gen()",
        )

    def _nested_generator(self, value: cst.BaseExpression) -> FunctionInfo | None:
        if not isinstance(value, cst.Call) or not isinstance(value.func, cst.Name):
            return None
        site = self.context.model.calls.get(value)
        if site is None:
            return None
        callee = self.context.callee(value)
        if callee[0] != "fn":
            return None
        for function in self.context.model.functions:
            if (
                function.fqn == callee[1]
                and function.parent is not None
                and function.is_generator
                and not function.is_async
            ):
                return function
        return None

    def _only_use(self, generator: FunctionInfo, call: cst.Call) -> bool:
        uses = 0
        for other, site in self.context.model.calls.items():
            func = other.func
            if site.owner is generator.parent and isinstance(func, cst.Name):
                uses += func.value == generator.name
        value_uses = [
            u
            for u in self.context.model.value_uses
            if isinstance(u.node, cst.Name) and u.node.value == generator.name
        ]
        return uses == 1 and not value_uses

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        info = self.context.model.function_by_node.get(original_node)
        if original_node in self.generators:
            decorator = cst.Decorator(cst.Name(self.generators[original_node]))
            return updated_node.with_changes(
                decorators=[*updated_node.decorators, decorator],
                asynchronous=cst.Asynchronous(),
            )
        if info is None or info.is_async or not info.is_generator:
            return updated_node
        if any(self._is_stream_decorator(d.decorator, info) for d in original_node.decorators):
            if info.parent is None:
                self.context.report(
                    original_node.name,
                    self.id,
                    "error",
                    "@stream_with_context on a module-level generator fails at import on Quart "
                    "(it captures the context when it decorates)",
                    "move the generator into the view as `@stream_with_context async def`",
                )
                return updated_node
            return updated_node.with_changes(asynchronous=cst.Asynchronous())
        return updated_node

    def _is_stream_decorator(self, expr: cst.BaseExpression, info: FunctionInfo) -> bool:
        ref = self.context.model.ref_of(expr, info.outer_scope)
        return self.context.evaluator.name_of(ref) == KEY

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if original_node in self.unwrap and isinstance(updated_node, cst.Call):
            return updated_node.args[0].value
        return updated_node
