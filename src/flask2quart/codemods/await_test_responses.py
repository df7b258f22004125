"""F2Q304: read a test response's body with Quart's awaited methods.

Quart's test client returns the app's ``Response``, not Werkzeug's ``TestResponse`` (spec §1.4):
the body is behind coroutines. ``r.data`` becomes ``await r.get_data()``, ``r.json``
``await r.get_json()``, ``r.text`` (absent on Quart) ``await r.get_data(as_text=True)``, and
``r.get_data(...)`` / ``r.get_json(...)`` are awaited; parentheses are added where precedence
needs them (``(await r.get_json())["id"]``).

``r.request`` does not exist on Quart. Where ``r = client.<verb>(...)`` is a statement of a test
or fixture and the following statements read ``r.request`` with no other request in between,
those statements run inside ``async with client:``, which keeps the last request's context
(spec §1.5), and ``r.request`` becomes Quart's ``request``. Elsewhere it is reported, and so is
``r.history`` (Quart's client keeps no intermediate responses) unless F2Q313 gives the tests a
client whose responses have it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import libcst as cst

from flask2quart._rules import Rule, SeedKind
from flask2quart._transform import FieldlessVisitor, FileContext

from ._awaits import await_or_report, awaited, seed_call
from .await_test_client import CALLS as CLIENT_CALLS

RESPONSE = "flask.testing.TestResponse"

CALLS: dict[str, SeedKind] = {
    f"{RESPONSE}.{name}": "mandatory" for name in ("get_data", "get_json", "freeze")
}

# attribute -> (method, whether it takes as_text=True)
BODY_ATTRIBUTES: dict[str, tuple[str, bool]] = {
    "data": ("get_data", False),
    "json": ("get_json", False),
    "text": ("get_data", True),
}

ATTRIBUTES: dict[str, SeedKind] = {f"{RESPONSE}.{name}": "mandatory" for name in BODY_ATTRIBUTES}

MISSING: dict[str, str] = {
    "history": "Quart's client follows redirects without keeping the intermediate responses",
    "request": "Quart's response does not carry the request that produced it",
}


class AwaitTestResponses(Rule):
    id = "F2Q304"
    name = "await-test-responses"
    summary = "response.data/.json/.text -> await response.get_data()/get_json(); report .history"
    requires = ("F2Q103", "F2Q301")

    awaitable_calls: ClassVar[Mapping[str, SeedKind]] = CALLS
    awaitable_attributes: ClassVar[Mapping[str, SeedKind]] = ATTRIBUTES
    attribute_names: ClassVar[frozenset[str]] = frozenset(MISSING)

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        # ``r.request`` sites read inside a preserved client context, and each function's plan
        self._preserved: set[cst.Attribute] = set()
        self._regions: dict[cst.FunctionDef, _Region] = {}

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        return seed_call(self, CALLS, original_node, updated_node)

    # ------------------------------------------------------------------ r.request

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        info = self.context.model.function_by_node.get(node)
        if info is None or self.context.plan.kinds.get(info.fqn) not in ("test", "fixture"):
            return
        if not isinstance(node.body, cst.IndentedBlock):
            return
        region = self._preserved_region(list(node.body.body))
        if region is not None:
            self._regions[node] = region
            self._preserved.update(region.sites)

    def _preserved_region(self, statements: list[cst.BaseStatement]) -> _Region | None:
        for start, statement in enumerate(statements):
            request = self._request_assignment(statement)
            if request is None:
                continue
            target, client = request
            end = None
            sites: list[cst.Attribute] = []
            for index in range(start + 1, len(statements)):
                later = statements[index]
                if _assigns(later, target) or any(
                    self.context.callee_name(c) in CLIENT_CALLS for c in _calls(later)
                ):
                    break
                found = [a for a in _attributes(later) if _is_request_of(a, target)]
                if found:
                    sites.extend(found)
                    end = index
            if end is not None and self._request_name_free():
                return _Region(start, end, client, target, sites)
        return None

    def _request_assignment(self, statement: cst.BaseStatement) -> tuple[str, str] | None:
        """``r = client.get(...)`` with ``client`` a plain name: (``r``, ``client``)."""
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return None
        assign = statement.body[0]
        if (
            not isinstance(assign, cst.Assign)
            or len(assign.targets) != 1
            or not isinstance(assign.targets[0].target, cst.Name)
            or not isinstance(assign.value, cst.Call)
            or not isinstance(assign.value.func, cst.Attribute)
            or not isinstance(assign.value.func.value, cst.Name)
            or self.context.callee_name(assign.value) not in CLIENT_CALLS
        ):
            return None
        return assign.targets[0].target.value, assign.value.func.value.value

    def _request_name_free(self) -> bool:
        bindings = self.context.model.module_scope.bindings.get("request", [])
        return all(
            b.kind == "import" and b.fqn in ("quart.request", "flask.request") for b in bindings
        )

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        region = self._regions.get(original_node)
        if region is None or not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        body = list(updated_node.body.body)
        request = self.context.name_for("quart", "request")
        inner = [
            _RequestOf(region.target, request).visit_statement(statement)
            for statement in body[region.start : region.end + 1]
        ]
        # the first statement's blank lines and comments go before the new block
        leading = getattr(inner[0], "leading_lines", ())
        if leading:
            inner[0] = inner[0].with_changes(leading_lines=[])
        block = cst.With(
            leading_lines=leading,
            items=[cst.WithItem(cst.Name(region.client))],
            body=cst.IndentedBlock(inner),
            asynchronous=cst.Asynchronous(),
        )
        new_body = [*body[: region.start], block, *body[region.end + 1 :]]
        return updated_node.with_changes(body=updated_node.body.with_changes(body=new_body))

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        context = self.context
        site = context.model.attributes.get(original_node)
        if site is None or site.awaited or not isinstance(updated_node, cst.Attribute):
            return updated_node
        key = context.member_key(original_node)
        name = original_node.attr.value
        if original_node in self._preserved:
            return updated_node
        if key == f"{RESPONSE}.{name}" and name in MISSING and not site.called:
            if name in context.plan.test_client_features:
                return updated_node  # the tests get a client whose responses have it (F2Q313)
            context.report(
                original_node,
                self.id,
                "error",
                f"test responses have no `.{name}` on Quart: {MISSING[name]}",
                "assert on the final response (status, location header, body) instead",
            )
            return updated_node
        if key != f"{RESPONSE}.{name}" or name not in BODY_ATTRIBUTES or site.called:
            return updated_node
        if not context.can_await(site):
            return await_or_report(self, original_node, updated_node, site, f".{name}", "mandatory")
        if site.genexp is not None:
            context.eager_genexps.add(site.genexp)
        method, as_text = BODY_ATTRIBUTES[name]
        value = updated_node.value
        if isinstance(value, cst.Await) and not value.lpar:
            value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        args = [cst.Arg(cst.Name("True"), keyword=cst.Name("as_text"), equal=_no_spaces())]
        call = cst.Call(
            func=cst.Attribute(value=value, attr=cst.Name(method)),
            args=args if as_text else [],
        )
        return awaited(call)


@dataclass(frozen=True, slots=True)
class _Region:
    start: int
    end: int
    client: str
    target: str
    sites: list[cst.Attribute]


def _calls(node: cst.CSTNode) -> list[cst.Call]:
    return [n for n in _walk(node) if isinstance(n, cst.Call)]


def _attributes(node: cst.CSTNode) -> list[cst.Attribute]:
    return [n for n in _walk(node) if isinstance(n, cst.Attribute)]


def _walk(node: cst.CSTNode) -> list[cst.CSTNode]:
    found: list[cst.CSTNode] = []

    class Collector(FieldlessVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            found.append(node)
            return True

    node.visit(Collector())
    return found


def _is_request_of(node: cst.Attribute, target: str) -> bool:
    return (
        node.attr.value == "request"
        and isinstance(node.value, cst.Name)
        and node.value.value == target
    )


def _assigns(statement: cst.BaseStatement, name: str) -> bool:
    return any(
        isinstance(n, cst.AssignTarget)
        and isinstance(n.target, cst.Name)
        and n.target.value == name
        for n in _walk(statement)
    )


class _RequestOf(cst.CSTTransformer):
    """``r.request`` -> ``request`` (the preserved request context's request)."""

    def __init__(self, target: str, request: str) -> None:
        super().__init__()
        self.target = target
        self.request = request

    def visit_statement(self, statement: cst.BaseStatement) -> cst.BaseStatement:
        result = statement.visit(self)
        assert isinstance(result, cst.BaseStatement)
        return result

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if _is_request_of(updated_node, self.target):
            return cst.Name(self.request)
        return updated_node


def _no_spaces() -> cst.AssignEqual:
    return cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
    )
