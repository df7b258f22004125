"""Shared by the rules that convert test code: which functions are tests, fixtures, unittest
methods, and which of them end up ``async def`` in this run."""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from flask2quart._transform import FileContext
from flask2quart.analysis.model import FunctionInfo

# FileContext.data keys (plain data: finish() reads them from every file's result)
MADE_ASYNC = "tests.made-async"  # fqns a test rule made async itself (not in the plan)
ASYNC_TESTS = "tests.async"  # True when some test or fixture of the file became async
TEST_REQUIREMENTS = "tests.requirements"  # packages the converted tests need

UNITTEST_CASE = "unittest.TestCase"


def mark_made_async(context: FileContext, info: FunctionInfo) -> None:
    made: list[str] = context.data.setdefault(MADE_ASYNC, [])
    if info.fqn not in made:
        made.append(info.fqn)


def becomes_async(context: FileContext, info: FunctionInfo) -> bool:
    """Whether a function that is ``def`` in the input is ``async def`` in the output."""
    if info.is_async:
        return False
    return info.fqn in context.plan.async_functions or info.fqn in context.data.get(MADE_ASYNC, ())


def kind_of(context: FileContext, info: FunctionInfo) -> str | None:
    return context.plan.kinds.get(info.fqn)


def in_unittest_case(context: FileContext, info: FunctionInfo) -> bool:
    return info.class_info is not None and UNITTEST_CASE in context.evaluator.mro(
        info.class_info.fqn
    )


def require(context: FileContext, package: str) -> None:
    """Record a package the converted test suite needs (finish() adds it to the project)."""
    needed: list[str] = context.data.setdefault(TEST_REQUIREMENTS, [])
    if package not in needed:
        needed.append(package)


def decorator_names(context: FileContext, info: FunctionInfo) -> Iterator[tuple[int, str | None]]:
    """(index, dotted name) of each decorator; a called decorator is named by its callee."""
    for index, decorator in enumerate(info.node.decorators):
        expr = decorator.decorator
        if isinstance(expr, cst.Call):
            expr = expr.func
        ref = context.model.ref_of(expr, info.outer_scope)
        yield index, context.evaluator.name_of(ref)


def dotted_expression(text: str) -> cst.BaseExpression:
    return cst.parse_expression(text)
