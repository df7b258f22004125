"""F2Q105: Quart's app and request contexts are async context managers.

``with app.app_context():`` and ``with app.test_request_context(...):`` raise ``TypeError`` on
Quart (no ``__enter__``); inside a function that can become async they become ``async with``
(and make the function async), and ``ctx.push()`` / ``ctx.pop()`` are awaited. A sync ``with``
at import time or in a function that must stay sync is reported: restructure it into an async
function run by ``asyncio.run`` or a fixture.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import libcst as cst

from flask2quart._rules import Rule, SeedKind
from flask2quart.analysis.model import Site

from ._awaits import seed_call, why_not_awaitable

CONTEXT_MANAGERS = frozenset({"flask.ctx.AppContext", "flask.ctx.RequestContext"})

CALLS: dict[str, SeedKind] = {
    f"{manager}.{method}": "mandatory" for manager in CONTEXT_MANAGERS for method in ("push", "pop")
}


class AsyncAppContexts(Rule):
    id = "F2Q105"
    name = "async-app-contexts"
    summary = "with app.app_context() / test_request_context() -> async with; await push()/pop()"
    requires = ("F2Q103",)

    async_context_managers: ClassVar[frozenset[str]] = CONTEXT_MANAGERS
    awaitable_calls: ClassVar[Mapping[str, SeedKind]] = CALLS

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        return seed_call(self, CALLS, original_node, updated_node)

    def leave_With(self, original_node: cst.With, updated_node: cst.With) -> cst.With:
        context = self.context
        site = context.model.withs.get(original_node)
        if site is None or original_node.asynchronous is not None:
            return updated_node
        managers = self.async_context_managers_of(original_node)
        async_items = [is_async for is_async in managers if is_async is not None]
        if not any(async_items):
            return updated_node
        owner = site.owner
        awaitable = site.context == "body" and context.function_is_async(owner)
        if not awaitable:
            where = why_not_awaitable(
                context, Site(original_node.items[0].item, owner, site.scope, site.context, False)
            )
            context.report(
                original_node,
                self.id,
                "error",
                f"Quart's contexts only support `async with`, but this `with` is {where}",
                "move it into an async function (a fixture, or a coroutine run by asyncio.run)",
            )
            return updated_node
        if not all(managers):
            context.report(
                original_node,
                self.id,
                "error",
                "this `with` mixes Quart's async contexts with sync context managers",
                "split it into an `async with` for the Quart context and a nested `with`",
            )
            return updated_node
        return updated_node.with_changes(asynchronous=cst.Asynchronous())

    def async_context_managers_of(self, node: cst.With) -> list[bool | None]:
        """For each item: True for an async-only manager, False for a sync one, None unknown."""
        context = self.context
        site = context.model.withs[node]
        result: list[bool | None] = []
        for item in node.items:
            manager = context.evaluator.evaluate(context.model.ref_of(item.item, site.scope))
            if manager[0] == "obj":
                result.append(manager[1] in context.plan.seeds.async_context_managers)
            else:
                result.append(None)
        return result
