"""F2Q105: Quart's app and request contexts are async context managers.

``with app.app_context():`` and ``with app.test_request_context(...):`` raise ``TypeError`` on
Quart (no ``__enter__``); inside a function that can become async they become ``async with``
(and make the function async), and ``ctx.push()`` / ``ctx.pop()`` are awaited. A ``with`` at
module level whose body binds no module name (``with app.app_context(): db.create_all()``)
becomes an ``async def`` holding the ``async with``, run at once by the generated ``run_now``
(``asyncio.run``, or a worker thread while a loop runs; calls in the body that F2Q103 ran that
way become ``await f()``). In a function that must stay sync (a thread's target, a hook Flask
calls) the block is moved the same way into a nested ``async def`` run by ``run_now``, when
that keeps its meaning. ``.app_context()`` and the request-context methods on a receiver the
analysis cannot type are taken for the Quart app's. A ``with`` whose body binds names at import
time, or that cannot move out of a function that must stay sync, is reported: restructure it
into an async function or a fixture.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import libcst as cst

from flask2quart._project import ProjectContext
from flask2quart._rules import Rule, SeedKind
from flask2quart.analysis.model import FunctionInfo, Scope, Site
from flask2quart.analysis.solve import guessed_context_method

from ._awaits import seed_call, why_not_awaitable
from ._import_time import run_now_call, write_import_time_module

CONTEXT_MANAGERS = frozenset({"flask.ctx.AppContext", "flask.ctx.RequestContext"})

# Flask's methods that return those: on a receiver the analysis cannot type (a parameter
# ``app``, ``self.flask_app``) the call is taken for the Quart app's.
CONTEXT_METHODS = frozenset({"app_context", "test_request_context", "request_context"})

CALLS: dict[str, SeedKind] = {
    f"{manager}.{method}": "mandatory" for manager in CONTEXT_MANAGERS for method in ("push", "pop")
}


class AsyncAppContexts(Rule):
    id = "F2Q105"
    name = "async-app-contexts"
    summary = "with app.app_context() / test_request_context() -> async with; await push()/pop()"
    requires = ("F2Q103",)

    async_context_managers: ClassVar[frozenset[str]] = CONTEXT_MANAGERS
    async_context_methods: ClassVar[frozenset[str]] = CONTEXT_METHODS
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
        self._report_guesses(original_node)
        owner = site.owner
        awaitable = site.context == "body" and context.function_is_async(owner)
        at_import = not awaitable and site.context == "module" and all(managers)
        if at_import and not _binds_names(original_node.body):
            return self._run_at_import(original_node, updated_node)
        where = self._why_sync(original_node, owner)
        if not awaitable and site.context == "body" and owner is not None and all(managers):
            in_own_loop = self._run_in_own_loop(original_node, updated_node, owner, where)
            if in_own_loop is not None:
                return in_own_loop
        if not awaitable:
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

    def _report_guesses(self, node: cst.With) -> None:
        for item in node.items:
            method = self._guessed(item, self.context.model.withs[node].scope)
            if method is not None:
                self.context.report(
                    item.item,
                    self.id,
                    "info",
                    f"could not tell what `.{method}()` is called on; taken for the Quart "
                    "app's, whose contexts only support `async with`",
                    "if it is not a Quart app, restore the `with`",
                )

    def _guessed(self, item: cst.WithItem, scope: Scope) -> str | None:
        context = self.context
        ref = context.model.ref_of(item.item, scope)
        return guessed_context_method(context.evaluator, ref, CONTEXT_METHODS)

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

    def _why_sync(self, node: cst.With, owner: FunctionInfo | None) -> str:
        site = self.context.model.withs[node]
        library = self.context.plan.library_methods.get(owner.fqn) if owner else None
        if (
            owner is not None
            and library is not None
            and owner.fqn not in self.context.plan.intrinsic
        ):
            return (
                f"in {owner.name}(), a method of a subclass of {library}, which may call it "
                "synchronously, so it stays sync"
            )
        return why_not_awaitable(
            self.context, Site(node.items[0].item, owner, site.scope, site.context, False)
        )

    def _run_in_own_loop(
        self, original: cst.With, updated: cst.With, owner: FunctionInfo, where: str
    ) -> cst.FlattenSentinel[cst.BaseStatement] | None:
        """``with app.app_context():`` in a function that stays sync (a thread's target, a
        hook Flask calls): the block becomes an ``async def`` run to its end by ``run_now``,
        when moving it into a nested function keeps its meaning. None when it would not."""
        last = owner.node.body.body[-1] is original
        escapes = _Escapes()
        original.body.visit(escapes)
        if escapes.found or (escapes.returns and not last):
            return None
        shared = _bound_names(original) & _names_outside(owner.node, original)
        if shared and not shared <= _outer_bindings(owner.node, original):
            return None  # a name the block binds is read elsewhere, and bound nowhere else
        if any(self._unconverted_inside(original)):
            return None  # a call in the block must be awaited, and nothing awaited it
        taken = set(self.context.model.module_scope.bindings) | _names_outside(owner.node, None)
        name = "_in_app_context"
        suffix = 2
        while name in taken:
            name = f"_in_app_context_{suffix}"
            suffix += 1
        self.context.report(
            original,
            self.id,
            "warning",
            f"Quart's contexts only support `async with`, but this `with` is {where}: it is now "
            f"{name}(), run to its end in its own event loop (run_now, generated: asyncio.run, "
            "or a worker thread while a loop runs)",
            "the block no longer sees the caller's request context, and it blocks a loop "
            "running in this thread until it ends; if either matters, enter the context in "
            "an async caller",
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
            body=cst.IndentedBlock(body=[*_nonlocal(sorted(shared)), entered]),
            asynchronous=cst.Asynchronous(),
            leading_lines=updated.leading_lines,
        )
        call: cst.BaseSmallStatement = cst.Return(runner) if escapes.returns else cst.Expr(runner)
        run = cst.SimpleStatementLine(body=[call], leading_lines=[cst.EmptyLine(indent=False)])
        return cst.FlattenSentinel([function, run])

    def _unconverted_inside(self, node: cst.With) -> Iterator[bool]:
        inside = _Nodes()
        node.body.visit(inside)
        for finding in self.context.pending:
            yield finding.severity == "error" and id(finding.node) in inside.ids

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
            elif self._guessed(item, site.scope) is not None:
                result.append(True)
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


_NESTED_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)


class _Escapes(cst.CSTVisitor):
    """What a block does that a nested function would not do the same way: ``yield``,
    ``await``, ``global``/``nonlocal``, a zero-argument ``super()``, and ``break``/``continue``
    out of the block (found); ``return`` (returns)."""

    def __init__(self) -> None:
        self.found = False
        self.returns = False
        self._loops = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _NESTED_SCOPES):
            return False
        if isinstance(node, cst.For | cst.While):
            self._loops += 1
        elif isinstance(node, cst.Return):
            self.returns = True
        else:
            self.found |= _escapes(node, out_of_loops=not self._loops)
        return not self.found

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, cst.For | cst.While):
            self._loops -= 1


def _escapes(node: cst.CSTNode, out_of_loops: bool) -> bool:
    if isinstance(node, cst.Break | cst.Continue):
        return out_of_loops
    if isinstance(node, cst.Yield | cst.Await | cst.Global | cst.Nonlocal):
        return True
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "super"
        and not node.args
    )


class _Bindings(cst.CSTVisitor):
    """The names a block binds in the function that holds it."""

    def __init__(self, skip: cst.CSTNode | None = None) -> None:
        self.names: set[str] = set()
        self.skip = skip
        self.declared = False  # a ``global`` or ``nonlocal`` statement

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node is self.skip:
            return False
        if isinstance(node, cst.Global | cst.Nonlocal):
            self.declared = True
        if isinstance(node, cst.FunctionDef | cst.ClassDef):
            self.names.add(node.name.value)
            return False
        if isinstance(node, cst.Lambda):
            return False
        if isinstance(node, cst.Assign):
            for target in node.targets:
                self._target(target.target)
        elif isinstance(node, cst.AnnAssign | cst.AugAssign | cst.For | cst.NamedExpr | cst.Del):
            self._target(node.target)
        elif isinstance(node, cst.WithItem) and node.asname is not None:
            self._target(node.asname.name)
        elif isinstance(node, cst.ExceptHandler) and node.name is not None:
            self._target(node.name.name)
        elif isinstance(node, cst.Import | cst.ImportFrom) and not isinstance(
            node.names, cst.ImportStar
        ):
            for alias in node.names:
                bound = alias.asname.name if alias.asname is not None else alias.name
                if isinstance(bound, cst.Name):
                    self.names.add(bound.value)
                else:  # ``import a.b`` binds ``a``
                    root: cst.BaseExpression = bound
                    while isinstance(root, cst.Attribute):
                        root = root.value
                    if isinstance(root, cst.Name):
                        self.names.add(root.value)
        return True

    def _target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.names.add(target.value)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._target(element.value)
        elif isinstance(target, cst.StarredElement):
            self._target(target.value)


def _bound_names(node: cst.With) -> set[str]:
    visitor = _Bindings()
    node.visit(visitor)
    return visitor.names


def _outer_bindings(function: cst.FunctionDef, skip: cst.With) -> set[str]:
    """The names ``function`` binds outside ``skip`` (its parameters included); none when it
    declares a name ``global`` or ``nonlocal`` (a nested ``nonlocal`` would then not compile)."""
    visitor = _Bindings(skip)
    function.body.visit(visitor)
    if visitor.declared:
        return set()
    params = function.params
    every = [*params.posonly_params, *params.params, *params.kwonly_params]
    every += [p for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)]
    return visitor.names | {param.name.value for param in every}


def _nonlocal(names: list[str]) -> list[cst.SimpleStatementLine]:
    if not names:
        return []
    declared = cst.Nonlocal(names=[cst.NameItem(cst.Name(n)) for n in names])
    return [cst.SimpleStatementLine(body=[declared])]


class _NamesOutside(cst.CSTVisitor):
    def __init__(self, skip: cst.CSTNode | None) -> None:
        self.skip = skip
        self.names: set[str] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node is self.skip:
            return False
        if isinstance(node, cst.Name):
            self.names.add(node.value)
        return True


def _names_outside(function: cst.FunctionDef, skip: cst.CSTNode | None) -> set[str]:
    """Every name written in ``function`` (its parameters included), leaving ``skip`` out."""
    visitor = _NamesOutside(skip)
    function.visit(visitor)
    return visitor.names


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
