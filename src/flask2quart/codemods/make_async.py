"""F2Q103: ``async def`` exactly where a body now awaits, and ``await`` at every call of it.

This applies the whole-program plan (:mod:`flask2quart.analysis.solve`): a function becomes
``async def`` when it awaits something or calls a function that became async, across modules,
through decorators and method override families; every resolvable call of such a function is
awaited. A generator expression that now contains ``await`` and is passed straight to ``sum``,
``any``, ``list`` ... becomes a list comprehension (``any``/``all`` then evaluate every item:
reported). What cannot be converted is reported: a call that cannot be awaited (lambda, import
time, a property, a callback ...), a blocking HTTP call kept because a caller must stay sync, a
view or hook that stays ``def`` (Quart runs it in a worker thread).
"""

from __future__ import annotations

import libcst as cst

from flask2quart._project import ProjectContext
from flask2quart._rules import Rule
from flask2quart.analysis.model import Site
from flask2quart.analysis.solve import short_name

from ._awaits import await_or_report, describe_reason, why_not_awaitable
from ._import_time import run_now_call, write_import_time_module

# Handler kinds Quart awaits: reported when they stay sync.
_THREADED_KINDS = {"view": "view", "hook": "hook"}


class MakeAsync(Rule):
    id = "F2Q103"
    name = "make-async"
    summary = "async def where the body awaits; await every call of a function that became async"

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        info = self.context.model.function_by_node.get(original_node)
        if info is None:
            return updated_node
        plan = self.context.plan
        if info.fqn in plan.async_functions:
            return updated_node.with_changes(asynchronous=cst.Asynchronous())
        if info.is_async:
            return updated_node
        kind = plan.kinds.get(info.fqn)
        quiet = info.fqn in plan.intrinsic or info.fqn in plan.wrappers
        if kind in _THREADED_KINDS and not quiet:
            self.context.report(
                original_node.name,
                self.id,
                "info",
                f"{_THREADED_KINDS[kind]} {info.name}() stays `def` (it awaits nothing): Quart "
                "runs it in a worker thread",
            )
        blocked = plan.optional_blocked.get(info.fqn)
        if blocked is not None:
            seed, reason = blocked
            self.context.report(
                original_node.name,
                self.id,
                "warning",
                f"{info.name}() keeps its blocking {seed} call sync because "
                f"{describe_reason(reason)}",
                "give that caller an async path, or keep this sync helper for it and add an "
                "async one for the views",
            )
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        context = self.context
        site = context.model.calls.get(original_node)
        if site is None or site.awaited or not isinstance(updated_node, cst.Call):
            return updated_node
        callee = context.callee(original_node)
        if callee[0] == "fn":
            fqn = str(callee[1])
            plan = context.plan
            if plan.awaitable_call(fqn):
                chain = plan.describe_chain(plan.call_targets.get(fqn, fqn))
                what = f"{short_name(fqn)}() (now async: {chain})"
                if site.context == "module":
                    return self._run_at_import(original_node, updated_node, what)
                if self._runs_in_own_loop(fqn, site):
                    return self._run_from_sync_caller(original_node, updated_node, what, site)
                return await_or_report(self, original_node, updated_node, site, what, "mandatory")
            if fqn in plan.already_async and original_node not in context.model.passed_calls:
                context.report(
                    original_node,
                    self.id,
                    "warning",
                    f"{short_name(fqn)}() is async but this call does not await it: the "
                    "coroutine never runs",
                    "await it from an async function",
                )
        elif (
            callee[0] == "?"
            and isinstance(original_node.func, cst.Attribute)
            and original_node.func.attr.value in context.plan.async_method_names
            and site.owner is not None
        ):
            name = original_node.func.attr.value
            context.report(
                original_node,
                self.id,
                "warning",
                f"could not tell what `.{name}()` is called on; a method of that name became async",
                f"if it is that method, write `await ….{name}(…)`",
            )
        return updated_node

    def _run_at_import(
        self, original: cst.Call, updated: cst.Call, what: str
    ) -> cst.BaseExpression:
        """``app = create_app()`` at import time: run the coroutine in its own event loop."""
        self.context.report(
            original,
            self.id,
            "warning",
            f"{what} is called at import time; it now runs to its end in its own event loop "
            "(run_now, generated: asyncio.run, or a worker thread while a loop runs)",
            "if it needs the running loop, create the app from an async function (a fixture, "
            "or a lifespan hook)",
        )
        return run_now_call(self.context, updated)

    def _runs_in_own_loop(self, fqn: str, site: Site) -> bool:
        """A sync function that cannot become async calls one that only opens its own app
        context (``create_app()`` -> ``setup_database(app)``): running it to its end in its own
        loop keeps the caller working, where leaving the call would drop the coroutine."""
        plan = self.context.plan
        return (
            site.context == "body"
            and site.owner is not None
            and not self.context.can_await(site)
            and plan.call_targets.get(fqn, fqn) in plan.self_contained
        )

    def _run_from_sync_caller(
        self, original: cst.Call, updated: cst.Call, what: str, site: Site
    ) -> cst.BaseExpression:
        assert site.owner is not None
        self.context.report(
            original,
            self.id,
            "warning",
            f"{what} is called {why_not_awaitable(self.context, site)}; it opens its own app "
            "context and awaits nothing else, so it now runs to its end in its own event loop "
            "(run_now, generated: asyncio.run, or a worker thread while a loop runs)",
            f"to run it on the caller's loop, give {site.owner.name}() an async path and await "
            "the call there",
        )
        return run_now_call(self.context, updated)

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        write_import_time_module(project, cls.id)

    def leave_GeneratorExp(
        self, original_node: cst.GeneratorExp, updated_node: cst.GeneratorExp
    ) -> cst.BaseExpression:
        if original_node not in self.context.eager_genexps:
            return updated_node
        consumer = self.context.model.genexp_consumers.get(original_node)
        if (
            consumer is not None
            and isinstance(consumer.func, cst.Name)
            and consumer.func.value
            in (
                "any",
                "all",
            )
        ):
            self.context.report(
                original_node,
                self.id,
                "info",
                f"{consumer.func.value}() now awaits every item (a list comprehension does not "
                "stop at the first decisive one)",
                "use an explicit `for` loop with `break` if the calls are expensive",
            )
        return cst.ListComp(elt=updated_node.elt, for_in=updated_node.for_in)
