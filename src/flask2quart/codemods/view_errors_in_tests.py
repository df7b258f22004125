"""F2Q307: tests that expect a view's exception to reach them are reported.

With ``TESTING = True`` Flask re-raises an exception from request handling into the test; Quart
turns it into a 500 response (spec §1.5, ``quart/asgi.py::_handle_exception``). Two test shapes
silently change meaning:

* ``with pytest.raises(E): client.get(...)`` (or ``pytest.raises(E, client.get, ...)``) fails on
  Quart: nothing is raised, a 500 comes back;
* an ``assert`` inside a signal receiver (``with template_rendered.connected_to(check, app):``)
  runs during the request: on Quart its failure becomes a 500 the test never looks at, so the
  test passes whatever the receiver saw.

Whether the view raises exactly ``E`` cannot be proven from the test, so both are reported with
the Quart way to write them, never rewritten.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._rules import Rule
from flask2quart._transform import FieldlessVisitor

from .await_test_client import CALLS, CLIENT

RAISES = "pytest.raises"


class ViewErrorsInTests(Rule):
    id = "F2Q307"
    name = "view-errors-in-tests"
    summary = "report pytest.raises / receiver asserts around test-client requests (500 on Quart)"
    requires = ("F2Q302",)

    def visit_With(self, node: cst.With) -> None:
        site = self.context.model.withs.get(node)
        if site is None or not self._makes_request(node.body):
            return
        for item in node.items:
            manager = item.item
            if not isinstance(manager, cst.Call):
                continue
            if self.context.callee_name(manager) == RAISES:
                self._report_raises(manager)
            elif self._asserting_receiver(manager):
                self.context.report(
                    manager,
                    self.id,
                    "warning",
                    "this receiver's assertions run during the request: on Quart (TESTING) a "
                    "failure becomes a 500 response and the test passes anyway",
                    "record what the receiver sees and assert on it after the request, or "
                    "assert the response status",
                )

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.callee_name(node) != RAISES or len(node.args) < 2:
            return
        site = self.context.model.calls.get(node)
        value = node.args[1].value
        if (
            site is not None
            and isinstance(value, cst.Attribute)
            and self.context.type_of(value.value, site) == ("obj", CLIENT)
            and f"{CLIENT}.{value.attr.value}" in CALLS
        ):
            self._report_raises(node)

    def _report_raises(self, node: cst.Call) -> None:
        self.context.report(
            node,
            self.id,
            "error",
            "with TESTING on, Quart turns a view's exception into a 500 response instead of "
            "raising it into the test, so this pytest.raises fails",
            "assert `response.status_code == 500` instead (or test the function the view calls)",
        )

    def _makes_request(self, body: cst.CSTNode) -> bool:
        found = False
        rule = self

        class Finder(FieldlessVisitor):
            def visit_Call(self, node: cst.Call) -> None:
                nonlocal found
                found = found or rule._is_request_call(node)

        body.visit(Finder())
        return found

    def _is_request_call(self, call: cst.Call) -> bool:
        """A test-client request, directly or through a helper that became async for one."""
        context = self.context
        name = context.callee_name(call)
        if name in CALLS:
            return True
        callee = context.callee(call)
        if callee[0] != "fn" or not context.plan.awaitable_call(str(callee[1])):
            return False
        target = context.plan.call_targets.get(str(callee[1]), str(callee[1]))
        return any(step.startswith(CLIENT) for step in context.plan.chain(target))

    def _asserting_receiver(self, manager: cst.Call) -> bool:
        func = manager.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "connected_to"):
            return False
        if not manager.args or not isinstance(manager.args[0].value, cst.Name):
            return False
        receiver = manager.args[0].value.value
        for info in self.context.model.functions:
            if info.name == receiver and _has_assert(info.node):
                return True
        return False


def _has_assert(function: cst.FunctionDef) -> bool:
    found = False

    class Finder(FieldlessVisitor):
        def visit_Assert(self, node: cst.Assert) -> None:
            nonlocal found
            found = True

    function.body.visit(Finder())
    return found
