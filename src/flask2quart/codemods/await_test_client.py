"""F2Q302: Quart's test client is asynchronous: await its requests, ``async with`` its contexts.

Every request method of the test client (``get``, ``post`` ... ``open``) is a coroutine on Quart
(spec §1.5), so each call is awaited and the test, fixture or helper making it becomes async,
and so do their callers (an ``AuthActions.login()`` helper and every test using it). ``with
client:``, ``with client.session_transaction() as sess:`` and ``with app.test_app():`` only
support ``async with`` (F2Q105 rewrites the statements, this rule declares the managers).

A request made through ``getattr(client, method)(path)`` (a parametrized verb) is awaited too;
when that is the only thing that makes a test or fixture async, this rule makes it async
itself (pytest calls those, nothing else does).

Reported: ``g`` read inside ``with client:`` after a request. Flask keeps the whole request
context; Quart's client keeps the request and session only (0.22 has no app context there,
0.23 a copy with an empty ``g``), so such an assertion fails after conversion — unless the
tests create their clients with ``app.test_client()``, which F2Q313 then replaces with a client
that keeps ``g``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import libcst as cst

from flask2quart._rules import Rule, SeedKind
from flask2quart._transform import FieldlessVisitor

from ._awaits import awaited, seed_call
from ._tests import becomes_async, kind_of, mark_made_async

CLIENT = "flask.testing.FlaskClient"
REQUEST_METHODS = ("get", "post", "put", "delete", "patch", "head", "options", "trace", "open")

CALLS: dict[str, SeedKind] = {f"{CLIENT}.{verb}": "mandatory" for verb in REQUEST_METHODS}

MANAGERS = frozenset({CLIENT, "flask.testing.SessionTransaction", "flask.testing.TestApp"})


class AwaitTestClient(Rule):
    id = "F2Q302"
    name = "await-test-client"
    summary = "await the test client's requests; async with client / session_transaction()"
    requires = ("F2Q103", "F2Q105", "F2Q301")

    awaitable_calls: ClassVar[Mapping[str, SeedKind]] = CALLS
    async_context_managers: ClassVar[frozenset[str]] = MANAGERS
    names: ClassVar[frozenset[str]] = frozenset({"g"})

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if isinstance(original_node.func, cst.Call) and self._is_dynamic_request(
            original_node.func
        ):
            return self._await_dynamic(original_node, updated_node)
        return seed_call(self, CALLS, original_node, updated_node)

    def _is_dynamic_request(self, inner: cst.Call) -> bool:
        """``getattr(client, name)``: one of the client's (async) request methods."""
        context = self.context
        site = context.model.calls.get(inner)
        if site is None or len(inner.args) != 2 or context.callee_name(inner) != "builtins.getattr":
            return False
        return context.type_of(inner.args[0].value, site) == ("obj", CLIENT)

    def _await_dynamic(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        context = self.context
        site = context.model.calls.get(original)
        if site is None or site.awaited or site.owner is None:
            return updated
        owner = site.owner
        sync_only = owner.fqn in context.plan.blocked or site.context != "body"
        if becomes_async(context, owner) or owner.is_async:
            return awaited(updated)
        if kind_of(context, owner) in ("test", "fixture") and not sync_only:
            mark_made_async(context, owner)
            return awaited(updated)
        context.report(
            original,
            self.id,
            "error",
            "a request made through getattr() on the test client returns a coroutine on Quart, "
            f"and {owner.name}() cannot become async here",
            "call the request method directly and await it",
        )
        return updated

    def visit_With(self, node: cst.With) -> None:
        if "g" in self.context.plan.test_client_features:
            return  # the tests get a client that keeps ``g`` (F2Q313)
        if self._preserves_client_context(node):
            for name in _names_in(node.body, "g"):
                self._report_g(name)

    def _preserves_client_context(self, node: cst.With) -> bool:
        site = self.context.model.withs.get(node)
        if site is None:
            return False
        context = self.context
        return any(
            context.evaluator.evaluate(context.model.ref_of(item.item, site.scope))
            == ("obj", CLIENT)
            for item in node.items
        )

    def _report_g(self, name: cst.Name) -> None:
        site = self.context.model.names.get(name)
        if site is None:
            return
        if self.context.type_of(name, site) != ("obj", "flask.g"):
            return
        self.context.report(
            name,
            self.id,
            "error",
            "`g` after a request inside `with client:` is not kept by Quart's test client (it "
            "keeps the request and the session), so this check fails after conversion",
            "assert on the response or the session instead, or test the hook in "
            "`async with app.test_request_context(...)` after `await app.preprocess_request()`",
        )


def _names_in(body: cst.CSTNode, value: str) -> list[cst.Name]:
    found: list[cst.Name] = []

    class Collector(FieldlessVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            if node.value == value:
                found.append(node)

    body.visit(Collector())
    return found
