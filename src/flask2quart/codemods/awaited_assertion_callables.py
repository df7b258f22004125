"""F2Q316: an assertion that calls a function which became async awaits it.

``self.assertRaises(NotImplementedError, formatter.make_response, "a", 1)`` calls
``make_response`` itself. Had the analysis kept that use as "a value", the method and its whole
override family would have stayed sync, leaving every Quart call in them un-awaited (supysonic:
its XML formatter, so every API test). The analysis counts it as a call instead, and this rule
writes it as one, in the context-manager form both unittest and pytest document::

    self.assertRaises(E, f, *args, **kwargs)  ->  with self.assertRaises(E):
                                                      await f(*args, **kwargs)

for ``assertRaises``, ``assertWarns``, ``assertRaisesRegex`` and ``assertWarnsRegex`` (callable
after the regex), ``pytest.raises`` and ``pytest.warns``. Such an assertion anywhere but as a
statement of its own (its value used) is reported when the function it calls became async.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from flask2quart._rules import Rule
from flask2quart._transform import FileContext
from flask2quart.analysis import catalogue

from ._awaits import awaited, why_not_awaitable

METHODS = frozenset(name.rsplit(".", 1)[-1] for name in catalogue.CALLING_ASSERTIONS)


class AwaitedAssertionCallables(Rule):
    id = "F2Q316"
    name = "awaited-assertion-callables"
    summary = "self.assertRaises(E, f, *args) with f async -> with self.assertRaises(E): await f()"
    requires = ("F2Q103",)

    attribute_names: ClassVar[frozenset[str]] = METHODS
    names: ClassVar[frozenset[str]] = METHODS

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._statements: set[cst.Call] = set()  # assertion calls that are a whole statement

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if len(node.body) == 1:
            statement = node.body[0]
            if isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call):
                self._statements.add(statement.value)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if original_node in self._statements or self._async_callable(original_node) is None:
            return updated_node
        self.context.report(
            original_node,
            self.id,
            "error",
            "this assertion calls a function that is async on Quart, and its value is used",
            "write it as `with <assertion>(...):` around `await f(...)`",
        )
        return updated_node

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.BaseStatement:
        statement = original_node.body[0]
        if len(original_node.body) != 1 or not isinstance(statement, cst.Expr):
            return updated_node
        call = statement.value
        if not isinstance(call, cst.Call) or call not in self._statements:
            return updated_node
        position = self._async_callable(call)
        if position is None:
            return updated_node
        site = self.context.model.calls[call]
        if not self.context.can_await(site):
            self.context.report(
                call,
                self.id,
                "error",
                f"this assertion calls a function that is async on Quart, but it is "
                f"{why_not_awaitable(self.context, site)}",
                "move the assertion into an async test and await the call in "
                "`with <assertion>(...):`",
            )
            return updated_node
        updated = updated_node.body[0]
        assert isinstance(updated, cst.Expr) and isinstance(updated.value, cst.Call)
        return _context_form(updated_node, updated.value, position)

    def _async_callable(self, call: cst.Call) -> int | None:
        """The position of the function the assertion calls, if that function became async."""
        context = self.context
        site = context.model.calls.get(call)
        position = catalogue.CALLING_ASSERTIONS.get(context.callee_name(call) or "")
        if site is None or position is None or len(call.args) <= position:
            return None
        if any(arg.keyword is not None or arg.star for arg in call.args[: position + 1]):
            return None
        value = context.evaluator.evaluate(
            context.model.ref_of(call.args[position].value, site.scope)
        )
        if value[0] != "fn" or not context.plan.is_async(str(value[1])):
            return None
        return position


def _context_form(line: cst.SimpleStatementLine, call: cst.Call, position: int) -> cst.With:
    checked = [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT) for arg in call.args[:position]]
    rest = list(call.args[position + 1 :])
    if rest:
        rest[-1] = rest[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    called = cst.Call(func=call.args[position].value, args=rest)
    body = cst.IndentedBlock(
        body=[cst.SimpleStatementLine(body=[cst.Expr(awaited(called))])],
        header=line.trailing_whitespace,  # a comment at the end of the line stays on it
    )
    return cst.With(
        items=[cst.WithItem(item=call.with_changes(args=checked))],
        body=body,
        leading_lines=line.leading_lines,
    )
