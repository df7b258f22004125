"""F2Q304: read a test response's body with Quart's awaited methods.

Quart's test client returns the app's ``Response``, not Werkzeug's ``TestResponse`` (spec §1.4):
the body is behind coroutines. ``r.data`` becomes ``await r.get_data()``, ``r.json``
``await r.get_json()``, ``r.text`` (absent on Quart) ``await r.get_data(as_text=True)``, and
``r.get_data(...)`` / ``r.get_json(...)`` are awaited; parentheses are added where precedence
needs them (``(await r.get_json())["id"]``). ``r.history`` and ``r.request`` do not exist on
Quart and have no equivalent: reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import libcst as cst

from flask2quart._rules import Rule, SeedKind

from ._awaits import await_or_report, awaited, seed_call

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

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        return seed_call(self, CALLS, original_node, updated_node)

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        context = self.context
        site = context.model.attributes.get(original_node)
        if site is None or site.awaited or not isinstance(updated_node, cst.Attribute):
            return updated_node
        key = context.member_key(original_node)
        name = original_node.attr.value
        if key == f"{RESPONSE}.{name}" and name in MISSING and not site.called:
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


def _no_spaces() -> cst.AssignEqual:
    return cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
    )
