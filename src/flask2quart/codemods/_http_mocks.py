"""Shared by the rules that carry mocks of requests calls over to the converted httpx calls
(F2Q309-F2Q311): whether the calls were converted, the RESPX router, routes and responses.

Why RESPX, and why ``using="httpx"``: the generated ``http_client`` module sends through
httpx-aiohttp by default, which never reaches httpcore, so RESPX's default mocker (it patches
httpcore's connection pools) and pytest-httpx (it patches ``httpx.AsyncHTTPTransport``) would let
every request through to the network. RESPX's ``httpx`` mocker patches
``AsyncClient._transport_for_url`` instead: every client is intercepted, whatever its transport
(aiohttp or httpcore), and the app's helper module stays as it is under test.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import libcst as cst

from flask2quart._project import ProjectContext
from flask2quart._transform import FileContext
from flask2quart.analysis.model import Site
from flask2quart.analysis.refs import Ref
from flask2quart.analysis.solve import Plan

from ._http_helper import client_module
from .httpx_exceptions import MAPPING as REQUESTS_EXCEPTIONS

RESPX_REQUIREMENT = "respx>=0.22"
ROUTER_PARAM = "respx_mock"  # the name RESPX's decorator and pytest fixture pass the router as
USES_RESPX = "http-mocks.respx"  # FileContext.data: this file now uses RESPX
VERBS = ("get", "post", "put", "patch", "delete", "head", "options")

Conversion = Literal["none", "partial", "full"]


def requests_conversion(plan: Plan) -> Conversion:
    """How much of the program's requests traffic now goes through httpx."""
    if not any(key.startswith("requests.") for key in plan.seeds.calls):
        return "none"
    converted = any(key.startswith("requests.") for key in plan.converted_optional_keys)
    kept = any(key.startswith("requests.") for key in plan.sync_optional_keys)
    if not converted:
        return "none"
    return "partial" if kept else "full"


def transport(context: FileContext) -> str:
    return context.settings.http_transport


def httpx_name(context: FileContext) -> str:
    return context.module_for(client_module(transport(context)))


def respx_blocker(context: FileContext) -> str | None:
    """Why a RESPX mock cannot replace a mock of requests here, or None when it can."""
    conversion = requests_conversion(context.plan)
    if conversion == "partial":
        return (
            "some requests calls of the app stay sync (see F2Q201's report): this mock must "
            "keep intercepting them, and the converted calls need a RESPX mock as well"
        )
    if transport(context) == "httpx2":
        return "RESPX intercepts httpx clients, not httpx2 ones (--http-transport httpx2)"
    return None


def keyword(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )


def without_commas(args: Iterable[cst.Arg]) -> list[cst.Arg]:
    """Arguments moved to a new call: LibCST puts the commas back between them."""
    return [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT) for arg in args]


def router_factory(
    context: FileContext, assert_all_called: bool | None, extra: Iterable[cst.Arg] = ()
) -> cst.Call:
    """``respx.mock(using="httpx", ...)``: a router of its own, started by ``with`` or as a
    decorator. ``assert_all_called`` None keeps RESPX's default (True)."""
    context.data[USES_RESPX] = True
    args = [keyword("using", cst.SimpleString('"httpx"'))]
    if assert_all_called is not None:
        args.append(keyword("assert_all_called", cst.Name(str(assert_all_called))))
    args.extend(without_commas(extra))
    respx = context.module_for("respx")
    return cst.Call(cst.Attribute(cst.Name(respx), cst.Name("mock")), args=args)


def route(
    router: cst.BaseExpression,
    method: str | cst.BaseExpression | None,
    url: cst.BaseExpression | None,
    lookups: Iterable[cst.Arg] = (),
) -> cst.Call:
    """``router.get(url)`` for a known verb, ``router.route(method=..., url=...)`` otherwise."""
    lookups = without_commas(lookups)
    if isinstance(method, str) and method.lower() in VERBS:
        args = [cst.Arg(url)] if url is not None else []
        return cst.Call(cst.Attribute(router, cst.Name(method.lower())), args=[*args, *lookups])
    args = []
    if method is not None:
        value = cst.SimpleString(f'"{method}"') if isinstance(method, str) else method
        args.append(keyword("method", value))
    if url is not None:
        args.append(keyword("url", url))
    return cst.Call(cst.Attribute(router, cst.Name("route")), args=[*args, *lookups])


def respond(
    route_call: cst.BaseExpression, status: cst.BaseExpression | None, args: Iterable[cst.Arg]
) -> cst.Call:
    """``route.respond(status, json=..., ...)`` (it returns the route, as responses did)."""
    first = [cst.Arg(status)] if status is not None else []
    return cst.Call(
        cst.Attribute(route_call, cst.Name("respond")), args=[*first, *without_commas(args)]
    )


def raise_from(route_call: cst.BaseExpression, error: cst.BaseExpression) -> cst.Call:
    """``route.mock(side_effect=error)``: the request fails with ``error``. An instance made
    without arguments is passed as its class: httpx's exceptions require a message, which RESPX
    gives them (with the request) when it raises a class."""
    if isinstance(error, cst.Call) and not error.args:
        error = error.func
    return cst.Call(
        cst.Attribute(route_call, cst.Name("mock")), args=[keyword("side_effect", error)]
    )


def is_exception(context: FileContext, expr: cst.BaseExpression, site: Site) -> bool:
    """Whether ``expr`` is an exception class or instance we can name (requests', httpx's,
    or a builtin): responses' ``body=`` and requests_mock's ``exc=`` raise those."""
    target = expr.func if isinstance(expr, cst.Call) else expr
    key = context.evaluator.key_of(context.type_of(target, site))
    if key is None:
        return False
    for owner in ("requests.exceptions.", "requests."):
        if key.startswith(owner) and key[len(owner) :] in REQUESTS_EXCEPTIONS:
            return True
    if key.startswith(("httpx.", "httpx2.")):
        return key.rsplit(".", 1)[-1][:1].isupper()
    return key.startswith("builtins.") and key.endswith(("Error", "Exception", "Timeout"))


def fixture_param(context: FileContext, ref: Ref, name: str) -> bool:
    """``ref`` is a parameter called ``name`` of a test or fixture, served by a pytest plugin
    (``monkeypatch``, ``mocker``, ``requests_mock``) rather than by the project."""
    if ref[0] != "p" or ref[2] != name or name in context.plan.index.fixtures:
        return False
    return context.plan.kinds.get(str(ref[1])) in ("test", "fixture") or bool(
        (summary := context.plan.index.functions.get(str(ref[1]))) and summary.takes_fixtures
    )


def add_respx_dependency(project: ProjectContext) -> None:
    if any(True for _ in project.data(USES_RESPX)):
        wanted = project.dependencies.add_test
        if RESPX_REQUIREMENT not in wanted:
            wanted.append(RESPX_REQUIREMENT)


def string_value(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def arg_at(args: Iterable[cst.Arg], position: int, name: str | None) -> tuple[int, cst.Arg] | None:
    """The argument passed at ``position`` or as ``name=`` (its index in ``args``)."""
    positional = 0
    for index, arg in enumerate(args):
        if arg.star:
            return None
        if arg.keyword is None:
            if positional == position:
                return index, arg
            positional += 1
        elif name is not None and arg.keyword.value == name:
            return index, arg
    return None
