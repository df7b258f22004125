"""F2Q308: ``unittest.TestCase`` suites whose tests became async run as ``IsolatedAsyncioTestCase``.

A plain ``TestCase`` calls an ``async def test_...`` and drops the coroutine: the test "passes"
without running. When any method of a ``TestCase`` class (or of a subclass of it) became async,
the class that derives from ``unittest.TestCase`` derives from
``unittest.IsolatedAsyncioTestCase`` instead, which awaits async tests on its own event loop;
``setUp``/``tearDown`` that became async are renamed ``asyncSetUp``/``asyncTearDown`` (the hooks
it awaits), and so are the ``super().setUp()`` calls that reach them. ``setUpClass`` and
``tearDownClass`` cannot be async there: the analysis keeps them sync and reports what they
would need to await.

Flask-Testing's ``TestCase`` (imported ``from flask_testing``, or ``flask_testing.TestCase``)
becomes the generated ``testing_case.TestCase`` (see ``_flask_testing``), an
``IsolatedAsyncioTestCase`` that sets up ``self.app``, ``self.client`` and the request context
on the test's loop; its other names (``LiveServerTestCase``) are reported.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._project import ProjectContext
from flask2quart._rules import Rule
from flask2quart.analysis.model import ClassInfo, FunctionInfo, dotted_name

from ._flask_testing import (
    FLASK_TESTING_CASES,
    USED,
    testing_case_module,
    write_testing_case_module,
)
from ._tests import UNITTEST_CASE, becomes_async, in_unittest_case
from .extension_inventory import mark_handled

ASYNC_CASE = "IsolatedAsyncioTestCase"
RENAMED_HOOKS = {"setUp": "asyncSetUp", "tearDown": "asyncTearDown"}


class AsyncUnittestCases(Rule):
    id = "F2Q308"
    name = "async-unittest-cases"
    summary = (
        "unittest.TestCase with async tests -> IsolatedAsyncioTestCase, asyncSetUp; "
        "Flask-Testing's TestCase -> a generated one"
    )
    requires = ("F2Q103", "F2Q301")

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        info = next((c for c in self.context.model.classes if c.node is original_node), None)
        if info is None:
            return updated_node
        bases = list(updated_node.bases)
        for index, base in enumerate(original_node.bases):
            ref = self.context.model.ref_of(base.value, info.outer_scope)
            name = self.context.evaluator.name_of(ref)
            if name in FLASK_TESTING_CASES and isinstance(base.value, cst.Attribute):
                # ``flask_testing.TestCase``; ``from flask_testing import TestCase`` is moved
                self.context.data[USED] = True
                local = self.context.name_for(self._testing_case(), "TestCase")
                bases[index] = bases[index].with_changes(value=cst.Name(local))
            elif name == UNITTEST_CASE and self._family_is_async(info):
                bases[index] = bases[index].with_changes(value=self._async_case(base.value))
        return updated_node.with_changes(bases=bases)

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        """``from flask_testing import TestCase`` -> the generated Quart TestCase."""
        if updated_node.relative or updated_node.module is None:
            return updated_node
        module = dotted_name(updated_node.module)
        if f"{module}.TestCase" not in FLASK_TESTING_CASES:
            return updated_node
        mark_handled(self.context, "Flask-Testing")
        names = [] if isinstance(updated_node.names, cst.ImportStar) else updated_node.names
        if not names or any(dotted_name(alias.name) != "TestCase" for alias in names):
            others = ", ".join(
                dotted_name(a.name) for a in names if dotted_name(a.name) != "TestCase"
            )
            self.context.report(
                original_node,
                self.id,
                "error",
                f"Flask-Testing's {others or '*'} has no Quart counterpart; it cannot run a "
                "Quart app (only its TestCase is converted)",
                "import TestCase on its own line; test a live server with hypercorn and httpx",
            )
            return updated_node
        self.context.data[USED] = True
        self.context.report(
            original_node,
            self.id,
            "info",
            "Flask-Testing's TestCase became the generated Quart TestCase "
            f"({self._testing_case()}): an IsolatedAsyncioTestCase that sets up self.app, "
            "self.client and a request context on the test's loop, with the same helpers",
        )
        return updated_node.with_changes(module=cst.parse_expression(self._testing_case()))

    def _testing_case(self) -> str:
        index = self.context.plan.index
        return testing_case_module(index.modules, index.functions)

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        write_testing_case_module(project, cls.id)

    def _async_case(self, base: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(base, cst.Attribute):
            return base.with_changes(attr=cst.Name(ASYNC_CASE))
        return cst.Name(self.context.name_for("unittest", ASYNC_CASE))

    def _family_is_async(self, info: ClassInfo) -> bool:
        plan = self.context.plan
        evaluator = self.context.evaluator
        if UNITTEST_CASE not in evaluator.mro(info.fqn):
            return False
        family = [info.fqn, *evaluator.subclasses(info.fqn)]
        return any(
            fqn.startswith(f"{klass}.") and fqn.count(".") == klass.count(".") + 1
            for fqn in plan.async_functions
            for klass in family
        )

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        info = self.context.model.function_by_node.get(original_node)
        if info is None or not self._renamed(info):
            return updated_node
        return updated_node.with_changes(name=cst.Name(RENAMED_HOOKS[info.name]))

    def _renamed(self, info: FunctionInfo) -> bool:
        return (
            info.name in RENAMED_HOOKS
            and in_unittest_case(self.context, info)
            and becomes_async(self.context, info)
        )

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """``super().setUp()`` reaching a renamed hook calls ``asyncSetUp``."""
        if not isinstance(updated_node, cst.Call):
            return updated_node
        func = updated_node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in RENAMED_HOOKS:
            return updated_node
        callee = self.context.callee(original_node)
        if callee[0] != "fn":
            return updated_node
        fqn = str(callee[1])
        if fqn not in self.context.plan.async_functions:
            return updated_node
        return updated_node.with_changes(
            func=func.with_changes(attr=cst.Name(RENAMED_HOOKS[func.attr.value]))
        )
