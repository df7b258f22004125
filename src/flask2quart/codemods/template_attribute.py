"""F2Q109: ``get_template_attribute(t, name)(...)`` through Quart's async Jinja environment.

Quart's ``get_template_attribute`` raises ``RuntimeError: Module is not available in async
mode`` (spec §1.2), and in async Jinja a macro call returns a coroutine. An immediately called
``get_template_attribute(template, name)(args)`` becomes
``await getattr(await current_app.jinja_env.get_template(template)
.make_module_async(), name)(args)``; any other use (keeping the macro in a variable) is reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import libcst as cst

from flask2quart._rules import Rule, SeedKind

from ._awaits import awaited, why_not_awaitable

KEY = "flask.get_template_attribute"
# What the solver seeds on: calling the macro that get_template_attribute() returned.
MACRO_CALL = "flask.TemplateMacro.__call__"


class TemplateAttribute(Rule):
    id = "F2Q109"
    name = "template-attribute"
    summary = "get_template_attribute(t, n)(...) -> await the macro of an async template module"
    requires = ("F2Q103",)

    awaitable_calls: ClassVar[Mapping[str, SeedKind]] = {MACRO_CALL: "mandatory"}

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not isinstance(updated_node, cst.Call):
            return updated_node
        context = self.context
        inner = original_node.func
        if isinstance(inner, cst.Call) and context.callee_name(inner) == KEY:
            return self._rewrite(original_node, updated_node)
        if context.callee_name(original_node) != KEY:
            return updated_node
        if not self._is_called(original_node):
            context.report(
                original_node,
                self.id,
                "error",
                "get_template_attribute() does not work on Quart (async Jinja)",
                "call `await getattr(await current_app.jinja_env.get_template(t)"
                ".make_module_async(), name)(...)` where the macro is used",
            )
        return updated_node

    def _is_called(self, node: cst.Call) -> bool:
        return any(call.func is node for call in self.context.model.calls)

    def _rewrite(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        context = self.context
        site = context.model.calls[original]
        inner = updated.func
        assert isinstance(inner, cst.Call)
        if site.awaited or len(inner.args) != 2 or any(a.keyword or a.star for a in inner.args):
            return updated
        if not context.can_await(site):
            context.report(
                original,
                self.id,
                "error",
                f"this template macro call must be awaited on Quart, but it is "
                f"{why_not_awaitable(context, site)}",
                "move it into an async function",
            )
            return updated
        template, name = (arg.value for arg in inner.args)
        current_app = context.name_for("quart", "current_app")
        template_module = awaited(
            cst.Call(
                func=cst.Attribute(
                    cst.Call(
                        func=cst.Attribute(
                            cst.Attribute(cst.Name(current_app), cst.Name("jinja_env")),
                            cst.Name("get_template"),
                        ),
                        args=[cst.Arg(template)],
                    ),
                    cst.Name("make_module_async"),
                )
            )
        )
        macro = cst.Call(
            func=cst.Name("getattr"),
            args=[
                cst.Arg(
                    template_module, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                ),
                cst.Arg(name),
            ],
        )
        return awaited(updated.with_changes(func=macro))
