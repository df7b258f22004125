"""F2Q306: tests of an app with serving hooks run them, through ``app.test_app()``.

Quart's plain test client does not run ``before_serving`` / ``while_serving`` /
``after_serving`` (spec §1.5, §5.5): whatever they set up (a shared HTTP client, a connection
pool, a background task) is missing and the views fail. When the program registers any such
hook (decided from the whole program, not guessed), a test or fixture that builds a client with
``app.test_client()`` runs the rest of its body inside ``async with app.test_app() as
test_app:`` and takes the client from ``test_app.test_client()``; a fixture that returned the
client yields it instead, so the app keeps serving until the test is done.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._rules import Rule
from flask2quart._transform import FieldlessVisitor
from flask2quart.analysis.model import FunctionInfo

from ._tests import in_unittest_case, kind_of, mark_made_async

SERVING_HOOKS = frozenset(
    {
        "before_serving",
        "while_serving",
        "after_serving",
        "before_app_serving",
        "while_app_serving",
        "after_app_serving",
    }
)
TEST_CLIENT = "flask.Flask.test_client"
CLOSE_HTTP_CLIENT = "http_client.close_http_client"


# The registrations are the same object for every file of a run: decide once per program.
_SERVING: dict[int, tuple[object, bool]] = {}


def _app_has_serving_hooks(registrations: dict[str, str]) -> bool:
    cached = _SERVING.get(id(registrations))
    if cached is not None and cached[0] is registrations:
        return cached[1]
    # F2Q204's close_http_client needs no serving: its clients also close with their loop
    found = any(
        method in SERVING_HOOKS and not fqn.endswith(CLOSE_HTTP_CLIENT)
        for fqn, method in registrations.items()
    )
    _SERVING.clear()
    _SERVING[id(registrations)] = (registrations, found)
    return found


class ServingHooksInTests(Rule):
    id = "F2Q306"
    name = "serving-hooks-in-tests"
    summary = "app with serving hooks: tests build the client inside async with app.test_app()"
    requires = ("F2Q103", "F2Q301", "F2Q302")

    def visit_Module(self, node: cst.Module) -> None:
        self.serving_hooks = _app_has_serving_hooks(self.context.plan.registrations)

    def _app_has_serving_hooks(self) -> bool:
        return self.serving_hooks

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        context = self.context
        info = context.model.function_by_node.get(original_node)
        if (
            info is None
            or kind_of(context, info) not in ("test", "fixture")
            or in_unittest_case(context, info)
            or not self._app_has_serving_hooks()
            or not isinstance(updated_node.body, cst.IndentedBlock)
            or not isinstance(original_node.body, cst.IndentedBlock)
        ):
            return updated_node
        original_body = list(original_node.body.body)
        body = list(updated_node.body.body)
        if len(body) != len(original_body):
            return updated_node
        found = self._first_client_statement(original_body)
        if found is None:
            return updated_node
        index, app = found
        name = self._free_name(info)
        rest = [_ClientFromTestApp(app, name).visit_statement(s) for s in body[index:]]
        if not info.is_generator and kind_of(context, info) == "fixture":
            rest = [_return_to_yield(s) for s in rest]
        # the first statement's blank lines and comments go before the new block
        leading = getattr(rest[0], "leading_lines", ())
        if leading:
            rest[0] = rest[0].with_changes(leading_lines=[])
        block = cst.With(
            leading_lines=leading,
            items=[
                cst.WithItem(
                    cst.Call(cst.Attribute(cst.parse_expression(app), cst.Name("test_app"))),
                    asname=cst.AsName(cst.Name(name)),
                )
            ],
            body=cst.IndentedBlock(rest),
            asynchronous=cst.Asynchronous(),
        )
        if not (info.is_async or info.fqn in context.plan.async_functions):
            mark_made_async(context, info)
        return updated_node.with_changes(
            body=updated_node.body.with_changes(body=[*body[:index], block])
        )

    def _first_client_statement(
        self, statements: list[cst.BaseStatement]
    ) -> tuple[int, str] | None:
        for index, statement in enumerate(statements):
            for call in _calls_in(statement):
                if (
                    self.context.callee_name(call) == TEST_CLIENT
                    and isinstance(call.func, cst.Attribute)
                    and isinstance(call.func.value, cst.Name | cst.Attribute)
                ):
                    return index, cst.Module([]).code_for_node(call.func.value)
        return None

    def _free_name(self, info: FunctionInfo) -> str:
        for name in ("test_app", "serving_app", "running_app"):
            if (
                name not in info.scope.bindings
                and self.context.model.lookup(name, info.scope) is None
            ):
                return name
        return "f2q_test_app"


def _calls_in(statement: cst.CSTNode) -> list[cst.Call]:
    found: list[cst.Call] = []

    class Collector(FieldlessVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            found.append(node)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False  # a nested function runs later, outside this body

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

    statement.visit(Collector())
    return found


class _ClientFromTestApp(cst.CSTTransformer):
    """``app.test_client(...)`` -> ``test_app.test_client(...)`` for one app expression."""

    def __init__(self, app: str, name: str) -> None:
        super().__init__()
        self.app = app
        self.name = name

    def visit_statement(self, statement: cst.BaseStatement) -> cst.BaseStatement:
        result = statement.visit(self)
        assert isinstance(result, cst.BaseStatement)
        return result

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        func = updated_node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "test_client"
            and cst.Module([]).code_for_node(func.value) == self.app
        ):
            return updated_node.with_changes(func=func.with_changes(value=cst.Name(self.name)))
        return updated_node


def _return_to_yield(statement: cst.BaseStatement) -> cst.BaseStatement:
    """A fixture's ``return client`` becomes ``yield client``: the app serves until teardown."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return statement
    body = [
        cst.Expr(cst.Yield(small.value)) if isinstance(small, cst.Return) and small.value else small
        for small in statement.body
    ]
    return statement.with_changes(body=body)
