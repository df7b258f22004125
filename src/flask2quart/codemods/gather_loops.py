"""F2Q502: loops that await one call per item, in order, can run the calls concurrently.

After conversion, ``[await fetch(i) for i in ids]`` and ``for i in ids: out.append(await
fetch(i))`` wait for each call before starting the next: 40 upstream calls cost 40 round trips.
With ``--gather`` (setting ``gather``) they become one ``asyncio.gather`` — results keep their
order, the calls overlap — and with ``--gather-limit N`` the generated ``gather_limited(N, ...)``
caps how many run at once. Without ``--gather`` each qualifying loop is reported, because running
calls concurrently is a behaviour change only the author can accept: their side effects
interleave and an exception no longer stops the later calls from starting.

A loop qualifies when its body is exactly one awaited call (or ``name.append(await call)``), with
no ``if``/``else``/``async for``, and nothing in the call is awaited itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from flask2quart._rules import Rule
from flask2quart._transform import FieldlessVisitor

from ._http_helper import helper_module


class GatherLoops(Rule):
    id = "F2Q502"
    name = "gather-loops"
    summary = "--gather: a loop awaiting one call per item -> await asyncio.gather(...)"

    def leave_ListComp(
        self, original_node: cst.ListComp, updated_node: cst.ListComp
    ) -> cst.BaseExpression:
        loop = updated_node.for_in
        if loop.inner_for_in is not None or loop.ifs or loop.asynchronous:
            return updated_node
        split = _split_element(updated_node.elt, loop.target)
        if split is None or not self._enabled(original_node):
            return updated_node
        call, projection = split
        gathered = self._gather(call, loop.target, loop.iter)
        return _project(gathered, projection).with_changes(
            lpar=updated_node.lpar, rpar=updated_node.rpar
        )

    def leave_For(
        self, original_node: cst.For, updated_node: cst.For
    ) -> cst.BaseStatement | cst.RemovalSentinel:
        if updated_node.orelse is not None or updated_node.asynchronous is not None:
            return updated_node
        appended = _single_append(updated_node.body)
        if appended is None:
            return updated_node
        collector, element = appended
        split = _split_element(element, updated_node.target)
        if split is None or not self._enabled(original_node):
            return updated_node
        call, projection = split
        gathered = self._gather(call, updated_node.target, updated_node.iter)
        extend = cst.Call(
            func=cst.Attribute(collector, cst.Name("extend")),
            args=[cst.Arg(_project(gathered, projection))],
        )
        return cst.SimpleStatementLine(
            body=[cst.Expr(extend)], leading_lines=updated_node.leading_lines
        )

    def _enabled(self, node: cst.CSTNode) -> bool:
        if self.context.settings.gather:
            return True
        self.context.report(
            node,
            self.id,
            "info",
            "this loop awaits one call per item, one after the other",
            "migrate --gather runs them concurrently with asyncio.gather (results keep their "
            "order; side effects interleave)",
        )
        return False

    def _gather(
        self,
        call: cst.BaseExpression,
        target: cst.BaseAssignTargetExpression,
        iterable: cst.BaseExpression,
    ) -> cst.Await:
        calls = cst.GeneratorExp(elt=call, for_in=cst.CompFor(target=target, iter=iterable))
        limit = self.context.settings.gather_limit
        if limit > 0:
            index = self.context.plan.index
            module = helper_module(index.modules, index.functions)
            self.context.data["http_client"] = True
            gather = self.context.name_for(module, "gather_limited")
            return cst.Await(
                cst.Call(
                    func=cst.Name(gather),
                    args=[cst.Arg(cst.Integer(str(limit))), cst.Arg(calls)],
                )
            )
        asyncio = self.context.module_for("asyncio")
        return cst.Await(
            cst.Call(
                func=cst.Attribute(cst.Name(asyncio), cst.Name("gather")),
                args=[cst.Arg(_parenthesized(calls), star="*")],
            )
        )


Projection = tuple[cst.BaseExpression, str] | None  # (element with the await replaced, name)


def _split_element(
    element: cst.BaseExpression, target: cst.BaseExpression
) -> tuple[cst.Call, Projection] | None:
    """The awaited call in a loop element, and what the element does with its result.

    ``await f(x)`` -> (f(x), None); ``(await f(x)).json()`` -> (f(x), (result.json(), "result"))
    when the rest of the element does not read the loop variable (it would need zip)."""
    direct = _awaited_call(element)
    if direct is not None:
        return direct, None
    awaits = _Awaits()
    element.visit(awaits)
    if len(awaits.found) != 1:
        return None
    call = _awaited_call(awaits.found[0])
    if call is None:
        return None
    taken = _names(element) | _names(target)
    result = next(n for n in ("result", "result_", "gathered_result") if n not in taken)
    projected = element.deep_replace(awaits.found[0], cst.Name(result))
    assert isinstance(projected, cst.BaseExpression)
    if _names(projected) & _names(target):
        return None  # the element reads the loop variable outside the call (needs zip)
    return call, (projected, result)


def _project(gathered: cst.Await, projection: Projection) -> cst.BaseExpression:
    if projection is None:
        return gathered
    element, name = projection
    return cst.ListComp(elt=element, for_in=cst.CompFor(target=cst.Name(name), iter=gathered))


class _Awaits(FieldlessVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[cst.Await] = []

    def visit_Await(self, node: cst.Await) -> bool:
        self.found.append(node)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


def _names(node: cst.CSTNode) -> set[str]:
    collector = _NameCollector()
    node.visit(collector)
    return collector.names


class _NameCollector(FieldlessVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False


def _awaited_call(node: cst.BaseExpression) -> cst.Call | None:
    """The call in ``await call`` when nothing inside the call awaits."""
    if not isinstance(node, cst.Await) or not isinstance(node.expression, cst.Call):
        return None
    call = node.expression
    if _contains_await(call):
        return None
    return call.with_changes(lpar=[], rpar=[])


def _contains_await(node: cst.CSTNode) -> bool:
    finder = _AwaitFinder()
    node.visit(finder)
    return finder.found


class _AwaitFinder(FieldlessVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Await(self, node: cst.Await) -> bool:
        self.found = True
        return False

    def visit_NamedExpr(self, node: cst.NamedExpr) -> bool:
        self.found = True  # an assignment inside the call: order matters
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


def _single_append(
    body: cst.BaseSuite,
) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """``collector.append(<element>)`` as the loop's only statement."""
    small: Sequence[cst.BaseSmallStatement] = ()
    if isinstance(body, cst.SimpleStatementSuite):
        small = body.body
    elif (
        isinstance(body, cst.IndentedBlock)
        and len(body.body) == 1
        and isinstance(body.body[0], cst.SimpleStatementLine)
    ):
        small = body.body[0].body
    if len(small) != 1 or not isinstance(small[0], cst.Expr):
        return None
    append = small[0].value
    if (
        not isinstance(append, cst.Call)
        or not isinstance(append.func, cst.Attribute)
        or append.func.attr.value != "append"
        or not isinstance(append.func.value, cst.Name)
        or len(append.args) != 1
        or append.args[0].keyword is not None
    ):
        return None
    return append.func.value, append.args[0].value


def _parenthesized(node: cst.GeneratorExp) -> cst.GeneratorExp:
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
