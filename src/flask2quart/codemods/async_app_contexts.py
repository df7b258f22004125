"""F2Q105: Quart's app and request contexts are async context managers.

``with app.app_context():`` and ``with app.test_request_context(...):`` raise ``TypeError`` on
Quart (no ``__enter__``); inside a function that can become async they become ``async with``
(and make the function async), and ``ctx.push()`` / ``ctx.pop()`` are awaited. A ``with`` at
module level whose body binds no module name (``with app.app_context(): db.create_all()``)
becomes an ``async def`` holding the ``async with``, run at once by the generated ``run_now``
(``asyncio.run``, or a worker thread while a loop runs; calls in the body that F2Q103 ran that
way become ``await f()``). A ``with`` whose body binds names at import time, or in a function
that must stay sync, is reported: restructure it into an async function or a fixture.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import libcst as cst

from flask2quart._project import ProjectContext
from flask2quart._rules import Rule, SeedKind
from flask2quart.analysis.model import Site

from ._awaits import seed_call, why_not_awaitable
from ._import_time import run_now_call, write_import_time_module

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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._names_used: set[str] = set()

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        return seed_call(self, CALLS, original_node, updated_node)

    def leave_With(
        self, original_node: cst.With, updated_node: cst.With
    ) -> cst.With | cst.FlattenSentinel[cst.BaseStatement]:
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
        at_import = not awaitable and site.context == "module" and all(managers)
        if at_import and not _binds_names(original_node.body):
            return self._run_at_import(original_node, updated_node)
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
            return _split(updated_node, [bool(m) for m in managers])
        return updated_node.with_changes(asynchronous=cst.Asynchronous())

    def _run_at_import(
        self, original: cst.With, updated: cst.With
    ) -> cst.FlattenSentinel[cst.BaseStatement]:
        """``with app.app_context(): db.create_all()`` at import time: an ``async def`` that
        enters the context, run at once in its own event loop."""
        taken = set(self.context.model.module_scope.bindings)
        name = "_in_app_context"
        suffix = 2
        while name in taken or name in self._names_used:
            name = f"_in_app_context_{suffix}"
            suffix += 1
        self._names_used.add(name)
        self.context.report(
            original,
            self.id,
            "warning",
            f"this `with` runs at import time; it is now {name}(), run to its end in its own "
            "event loop (run_now, generated: asyncio.run, or a worker thread while a loop runs)",
            "if it needs the running loop, enter the context in an async function (a fixture, "
            "or a startup hook)",
        )
        runner = run_now_call(self.context, cst.Call(func=cst.Name(name)))
        assert isinstance(runner.func, cst.Name)
        unwrap = _AwaitOwnLoops(runner.func.value)
        body = updated.body.visit(unwrap)
        assert isinstance(body, cst.BaseSuite)
        if unwrap.unwrapped:
            self._drop_import_time_findings(original.body)
        entered = updated.with_changes(asynchronous=cst.Asynchronous(), body=body, leading_lines=())
        function = cst.FunctionDef(
            name=cst.Name(name),
            params=cst.Parameters(),
            body=cst.IndentedBlock(body=[entered]),
            asynchronous=cst.Asynchronous(),
            leading_lines=updated.leading_lines,
        )
        run = cst.SimpleStatementLine(
            body=[cst.Expr(runner)],
            leading_lines=[cst.EmptyLine(indent=False)] * 2,
        )
        return cst.FlattenSentinel([function, run])

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        write_import_time_module(project, cls.id)

    def _drop_import_time_findings(self, body: cst.BaseSuite) -> None:
        """F2Q103 said the calls in this block run in their own loop; they are awaited now."""
        inside = _Nodes()
        body.visit(inside)
        self.context.pending[:] = [
            finding
            for finding in self.context.pending
            if not (finding.rule == "F2Q103" and id(finding.node) in inside.ids)
        ]

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


def _split(node: cst.With, async_items: list[bool]) -> cst.With:
    """``with a, ctx, b:`` -> ``with a:`` / ``async with ctx:`` / ``with b:``, nested in the
    written order (Python enters the items of one ``with`` in order, exits them in reverse, as
    nested blocks do); consecutive items of one kind share a statement."""
    groups: list[tuple[bool, list[cst.WithItem]]] = []
    for item, is_async in zip(node.items, async_items, strict=True):
        if groups and groups[-1][0] == is_async:
            groups[-1][1].append(item)
        else:
            groups.append((is_async, [item]))
    body = node.body
    for depth, (is_async, items) in reversed(list(enumerate(groups))):
        items = [
            item.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            for item in items[:-1]
        ] + [items[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
        asynchronous = cst.Asynchronous() if is_async else None
        if depth == 0:
            return node.with_changes(items=items, body=body, asynchronous=asynchronous)
        inner = cst.With(items=items, body=body, asynchronous=asynchronous)
        body = cst.IndentedBlock(body=[inner])
    raise AssertionError("a with statement has at least one item")


_BINDING_NODES = (
    cst.Import,
    cst.ImportFrom,
    cst.FunctionDef,
    cst.ClassDef,
    cst.For,
    cst.NamedExpr,
    cst.Global,
    cst.Nonlocal,
    cst.Del,
)


class _NameBindings(cst.CSTVisitor):
    """Does a module-level block bind a name (which an ``async def`` would make local)?"""

    def __init__(self) -> None:
        self.found = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _BINDING_NODES):
            self.found = True
        elif isinstance(node, cst.Assign):
            self.found |= any(_binds(target.target) for target in node.targets)
        elif isinstance(node, cst.AnnAssign | cst.AugAssign):
            self.found |= _binds(node.target)
        elif isinstance(node, cst.WithItem) and node.asname is not None:
            self.found |= _binds(node.asname.name)
        elif isinstance(node, cst.ExceptHandler) and node.name is not None:
            self.found = True
        return not self.found


def _binds(target: cst.BaseExpression) -> bool:
    if isinstance(target, cst.Name):
        return True
    if isinstance(target, cst.Tuple | cst.List):
        return any(_binds(element.value) for element in target.elements)
    if isinstance(target, cst.StarredElement):
        return _binds(target.value)
    return False  # an attribute or an item: the module name itself is only read


def _binds_names(body: cst.BaseSuite) -> bool:
    visitor = _NameBindings()
    body.visit(visitor)
    return visitor.found


class _AwaitOwnLoops(cst.CSTTransformer):
    """F2Q103's ``run_now(f())`` inside the new ``async def`` would wait for another loop from
    this one: ``await f()`` instead."""

    def __init__(self, runner: str) -> None:
        super().__init__()
        self.runner = runner
        self.unwrapped = False

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = updated_node.func
        if not (
            isinstance(func, cst.Name)
            and func.value == self.runner
            and len(updated_node.args) == 1
            and updated_node.args[0].keyword is None
            and not updated_node.args[0].star
        ):
            return updated_node
        self.unwrapped = True
        return cst.Await(updated_node.args[0].value)


class _Nodes(cst.CSTVisitor):
    def __init__(self) -> None:
        self.ids: set[int] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.ids.add(id(node))
        return True
