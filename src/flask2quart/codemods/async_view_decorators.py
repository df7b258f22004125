"""F2Q104: app-defined view decorators await the view they wrap.

A ``def deco(f): @wraps(f) def wrapper(*a, **k): ...; return f(*a, **k)`` decorator around an
async view returns the coroutine un-awaited from a sync wrapper: every request through it is a
500 (spec §1.9). When the plan makes the wrapper async (a wrapped view became async, or the
wrapper itself awaits), the call of the wrapped function becomes
``await current_app.ensure_async(f)(*a, **k)`` — Quart's documented pattern, which runs a sync
view in a worker thread and awaits an async one, used whenever the decorator wraps a view (so a
sync view decorated later still works) — or plain ``await f(...)`` for a decorator that only
wraps helpers, all of them async (no app context needed).
"""

from __future__ import annotations

import libcst as cst

from flask2quart._rules import Rule

from ._awaits import awaited


class AsyncViewDecorators(Rule):
    id = "F2Q104"
    name = "async-view-decorators"
    summary = "app-defined view decorators: async wrapper that awaits the wrapped view"
    requires = ("F2Q103",)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        context = self.context
        site = context.model.calls.get(original_node)
        if (
            site is None
            or site.owner is None
            or site.awaited
            or not isinstance(updated_node, cst.Call)
            or not isinstance(original_node.func, cst.Name)
        ):
            return updated_node
        wrapper = context.plan.wrappers.get(site.owner.fqn)
        if wrapper is None or not context.plan.is_async(wrapper.fqn):
            return updated_node
        ref = context.model.ref_of(original_node.func, site.scope)
        if ref != ("p", wrapper.decorator, wrapper.wrapped_param):
            return updated_node
        if not context.can_await(site):
            return updated_node
        # Views go through ensure_async even when all of them are async today, so a sync view
        # decorated tomorrow still works (Quart runs it in a thread); helpers need no app context.
        views = wrapper.unknown_targets or any(
            context.plan.kinds.get(t) == "view" for t in wrapper.targets
        )
        if not views and all(context.plan.is_async(target) for target in wrapper.targets):
            return awaited(updated_node)
        current_app = context.name_for("quart", "current_app")
        ensured = cst.Call(
            func=cst.Attribute(cst.Name(current_app), cst.Name("ensure_async")),
            args=[cst.Arg(updated_node.func)],
        )
        return awaited(updated_node.with_changes(func=ensured))
