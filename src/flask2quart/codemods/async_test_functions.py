"""F2Q301: tests and fixtures that became ``async def`` run under pytest-asyncio.

The analysis lets a test function or a pytest fixture become async when it drives Quart's test
client (or anything else that must be awaited). pytest cannot run such functions by itself:
under pytest-asyncio's default strict mode an unmarked ``async def test_...`` fails and an async
fixture declared with ``@pytest.fixture`` errors (spec §1.5). So each test that became async gets
``@pytest.mark.asyncio`` and each fixture ``@pytest_asyncio.fixture`` (same arguments), which
works whatever mode the project runs in. Methods of ``unittest.TestCase`` classes are left to
F2Q308. Then, once for the project, ``asyncio_default_fixture_loop_scope = "function"`` is written
into its existing pytest configuration (pytest-asyncio warns when it is unset, and a project with
``filterwarnings = error`` fails to start) and ``pytest-asyncio>=1.1`` into its test
dependencies: older releases do not carry an async fixture's contextvars (Quart's contexts) into
the test and the fixture's teardown.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from flask2quart._project import ProjectContext
from flask2quart._rules import Rule
from flask2quart.analysis.model import FunctionInfo

from ._test_project import set_pytest_option
from ._tests import (
    ASYNC_TESTS,
    MADE_ASYNC,
    TEST_REQUIREMENTS,
    becomes_async,
    decorator_names,
    in_unittest_case,
    kind_of,
    require,
)

FIXTURE = "pytest.fixture"
ASYNCIO_MARK = "pytest.mark.asyncio"
LOOP_SCOPE_OPTION = "asyncio_default_fixture_loop_scope"
# the first release that carries an async fixture's contextvars (Quart's app and request
# contexts) into the test and the fixture's teardown on every Python (its changelog: 0.25.0,
# #1008, Python 3.11+; 1.1.0, #127, older Pythons)
PYTEST_ASYNCIO = "pytest-asyncio>=1.1"


class AsyncTestFunctions(Rule):
    id = "F2Q301"
    name = "async-test-functions"
    summary = "tests/fixtures that became async: @pytest.mark.asyncio, @pytest_asyncio.fixture"
    requires = ("F2Q103",)
    converts_tests: ClassVar[bool] = True

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        context = self.context
        info = context.model.function_by_node.get(original_node)
        if info is None or not becomes_async(context, info):
            return updated_node
        if info.fqn in context.data.get(MADE_ASYNC, ()):
            # made async by a test rule itself: the plan did not, so MakeAsync will not
            updated_node = updated_node.with_changes(asynchronous=cst.Asynchronous())
        kind = kind_of(context, info)
        if kind == "test" and not in_unittest_case(context, info):
            context.data[ASYNC_TESTS] = True
            require(context, PYTEST_ASYNCIO)
            return self._mark(info, updated_node)
        if kind == "fixture":
            context.data[ASYNC_TESTS] = True
            require(context, PYTEST_ASYNCIO)
            return self._async_fixture(info, original_node, updated_node)
        return updated_node

    def leave_Comparison(
        self, original_node: cst.Comparison, updated_node: cst.Comparison
    ) -> cst.BaseExpression:
        """``"asyncio" in request.keywords``: true now for every test this rule marks."""
        comparisons = original_node.comparisons
        if (
            len(comparisons) == 1
            and isinstance(comparisons[0].operator, cst.In | cst.NotIn)
            and _is_asyncio(original_node.left)
            and isinstance(comparisons[0].comparator, cst.Attribute)
            and comparisons[0].comparator.attr.value == "keywords"
        ):
            self._report_marker_check(original_node)
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """``node.get_closest_marker("asyncio")`` / ``iter_markers("asyncio")``: likewise."""
        func = original_node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in ("get_closest_marker", "iter_markers")
            and original_node.args
            and _is_asyncio(original_node.args[0].value)
        ):
            self._report_marker_check(original_node)
        return updated_node

    def _report_marker_check(self, node: cst.CSTNode) -> None:
        self.context.report(
            node,
            self.id,
            "warning",
            "this asks whether a test carries the asyncio marker; every test this run makes "
            "async now does (`@pytest.mark.asyncio`), so the check is true for them too",
            "if it meant the tests that were async before the migration, mark those with a "
            "marker of your own and check that instead",
        )

    def _mark(self, info: FunctionInfo, node: cst.FunctionDef) -> cst.FunctionDef:
        if any(name == ASYNCIO_MARK for _, name in decorator_names(self.context, info)):
            return node
        pytest = self.context.module_for("pytest")
        mark = cst.Decorator(decorator=cst.parse_expression(f"{pytest}.mark.asyncio"))
        return node.with_changes(decorators=[mark, *node.decorators])

    def _async_fixture(
        self, info: FunctionInfo, original: cst.FunctionDef, node: cst.FunctionDef
    ) -> cst.FunctionDef:
        decorators = list(node.decorators)
        for index, name in decorator_names(self.context, info):
            if name != FIXTURE:
                continue
            module = self.context.module_for("pytest_asyncio")
            replacement = cst.Attribute(cst.Name(module), cst.Name("fixture"))
            expr = decorators[index].decorator
            if isinstance(expr, cst.Call):
                where = original.decorators[index].decorator
                expr = expr.with_changes(func=replacement, args=self._loop_scope(expr, where))
            else:
                expr = replacement
            decorators[index] = decorators[index].with_changes(decorator=expr)
        return node.with_changes(decorators=decorators)

    def _loop_scope(self, call: cst.Call, where: cst.BaseExpression) -> list[cst.Arg]:
        """A fixture wider than a test keeps its event loop as long as it lives."""
        args = list(call.args)
        keywords = {a.keyword.value: a for a in args if a.keyword is not None}
        scope = keywords.get("scope")
        if scope is None or "loop_scope" in keywords:
            return args
        value = scope.value
        if isinstance(value, cst.SimpleString) and value.evaluated_value == "function":
            return args
        self.context.report(
            where,
            self.id,
            "warning",
            "this async fixture outlives a test, so it gets its own event loop "
            "(loop_scope = its scope); objects bound to that loop (an httpx client, a "
            "background task) cannot be used from a test's loop",
            "mark the tests that use it with @pytest.mark.asyncio(loop_scope=...) of the "
            "same scope, or make the fixture function-scoped",
        )
        loop_scope = cst.Arg(
            value=value,
            keyword=cst.Name("loop_scope"),
            equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace(""),
            ),
        )
        if args and args[-1].comma == cst.MaybeSentinel.DEFAULT:
            args[-1] = args[-1].with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
        return [*args, loop_scope]

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        if not any(True for _ in project.data(ASYNC_TESTS)):
            return
        set_pytest_option(project, cls.id, LOOP_SCOPE_OPTION, "function")
        # F2Q117 (after this rule in the registry) writes them into the dependency lists
        for _, packages in project.data(TEST_REQUIREMENTS):
            for package in packages:
                if package not in project.dependencies.add_test:
                    project.dependencies.add_test.append(package)


def _is_asyncio(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.SimpleString) and node.evaluated_value == "asyncio"
