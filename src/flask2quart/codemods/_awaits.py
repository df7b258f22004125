"""Shared by the rules that insert ``await``: the check, the node, and the report when not."""

from __future__ import annotations

from collections.abc import Mapping

import libcst as cst

from flask2quart._rules import Rule, SeedKind
from flask2quart._transform import FileContext
from flask2quart.analysis.model import Site


def awaited(node: cst.BaseExpression) -> cst.Await:
    return cst.Await(expression=node)


def why_not_awaitable(context: FileContext, site: Site) -> str:
    where = {
        "lambda": "inside a lambda",
        "genexp-opaque": "inside a generator expression",
        "decorator": "in a decorator expression",
        "default": "in a default argument value",
        "annotation": "in an annotation",
        "module": "at module level (import time)",
        "class": "in a class body",
    }.get(site.context)
    if where is not None:
        return where
    owner = site.owner
    if owner is None:
        return "outside any function"
    reason = context.plan.intrinsic.get(owner.fqn) or context.plan.blocked.get(owner.fqn)
    because = describe_reason(reason)
    if reason is not None and reason[0] == "family":
        # name the member's own reason: the family is only the messenger
        because += f": {describe_reason(context.plan.intrinsic.get(reason[1]))}"
    return f"in {owner.name}(), which cannot become async ({because})"


def describe_reason(reason: tuple[str, str] | None) -> str:
    if reason is None:
        return "unknown reason"
    kind, detail = reason
    if kind == "decorator" and detail in ("functools.lru_cache", "functools.cache"):
        return f"{detail} would cache a coroutine, which can be awaited only once (use async-lru)"
    return {
        "property": "it is a property",
        "dunder": f"{detail} cannot be a coroutine",
        "generator": "it is a generator; its consumers would need `async for`",
        "kind": f"it is a {detail} function, which Quart or click call synchronously",
        "decorator": f"it is wrapped by {detail}, a decorator that calls it synchronously",
        "value": f"it is used as a value ({detail})",
        "import-time": f"it is called at import time in {detail}",
        "context": f"it is called {detail}",
        "caller": f"its caller {detail} cannot become async",
        "family": f"it overrides, or is overridden by, {detail}, which cannot become async",
        "tests-off": f"it is a pytest {detail} and the test-code rules are not enabled",
        "skip-file": "its file is marked `flask2quart: skip-file`, so it is not rewritten",
    }.get(kind, f"{kind} {detail}")


def await_or_report(
    rule: Rule,
    original: cst.BaseExpression,
    updated: cst.BaseExpression,
    site: Site,
    what: str,
    kind: SeedKind,
) -> cst.BaseExpression:
    """Await ``updated`` if its site allows; otherwise leave it and say why."""
    context = rule.context
    if context.can_await(site):
        if site.genexp is not None:
            context.eager_genexps.add(site.genexp)
        return awaited(updated)
    if kind == "mandatory":
        context.report(
            original,
            rule.id,
            "error",
            f"{what} must be awaited on Quart, but this call is {why_not_awaitable(context, site)}",
            "move the call into an async function (a view, hook or helper) and await it",
        )
    return updated


def seed_call(
    rule: Rule,
    table: Mapping[str, SeedKind],
    original: cst.Call,
    updated: cst.BaseExpression,
) -> cst.BaseExpression:
    """Await a call whose callee is one of ``table``'s names."""
    context = rule.context
    site = context.model.calls.get(original)
    if site is None or site.awaited or not isinstance(updated, cst.Call):
        return updated
    name = context.callee_name(original)
    if name is None or name not in table:
        return updated
    label = name.rsplit(".", 1)[-1] + "()"
    return await_or_report(rule, original, updated, site, label, table[name])


def seed_attribute(
    rule: Rule,
    table: Mapping[str, SeedKind],
    original: cst.Attribute,
    updated: cst.BaseExpression,
) -> cst.BaseExpression:
    context = rule.context
    site = context.model.attributes.get(original)
    if site is None or site.called or site.awaited or not isinstance(updated, cst.Attribute):
        return updated
    key = context.member_key(original)
    if key is None or key not in table:
        return updated
    label = "." + key.rsplit(".", 1)[-1]
    return await_or_report(rule, original, updated, site, label, table[key])
