"""F2Q311: ``requests_mock`` mocks become RESPX mocks of the converted httpx calls.

requests-mock replaces requests' transport adapter, so it sees nothing once F2Q201 has moved
the app to httpx. When every requests call of the program was converted:

* the ``requests_mock`` pytest fixture -> RESPX's ``respx_mock`` fixture; each test that uses
  it (directly or through its fixtures) gets ``@pytest.mark.respx(using="httpx",
  assert_all_called=False)``, which makes the fixture intercept every httpx client (see
  ``_http_mocks``) and, like requests-mock, not fail on routes left unused;
* ``requests_mock.Mocker()`` -> ``respx.mock(using="httpx", assert_all_called=False)`` (as a
  ``with`` or a decorator, whose argument becomes ``respx_mock``); ``real_http=True`` ->
  ``assert_all_mocked=False``;
* ``m.get(url, json=, text=, content=, status_code=, headers=)`` ->
  ``m.get(url).respond(status, json=, content=, headers=)``; ``exc=`` ->
  ``.mock(side_effect=...)``; ``register_uri``/``request`` with a method likewise. A query in
  the URL matches a subset of the request's query, as in requests-mock:
  ``params__contains={...}``;
* ``m.called``/``call_count``/``last_request``/``request_history`` -> ``m.calls.called`` ...;
  a matcher's ``called_once`` -> ``call_count == 1``; ``last_request.json()`` ->
  ``json.loads(....content)``, ``.text`` -> ``.content.decode()``.

Reported: response lists, ``reason``, ``cookies``, matchers on headers or bodies, request
attributes with no httpx equivalent (``qs``, ``body`` ...), and a program whose requests calls are
only partly converted. Differences left: requests-mock matched paths case-insensitively and
added no Content-Type for ``json=``; RESPX compares paths exactly and answers JSON with
``application/json``.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import ClassVar

import libcst as cst

from flask2quart._imports import remove_unused_imports
from flask2quart._project import ProjectContext
from flask2quart._rules import Rule
from flask2quart._transform import FileContext
from flask2quart.analysis.model import FunctionInfo, Scope
from flask2quart.analysis.refs import Ref

from ._http_mocks import (
    ROUTER_PARAM,
    USES_RESPX,
    VERBS,
    add_respx_dependency,
    arg_at,
    fixture_param,
    is_exception,
    keyword,
    raise_from,
    requests_conversion,
    respond,
    respx_blocker,
    route,
    router_factory,
    string_value,
)
from ._tests import kind_of

MOCKER = "requests_mock.Mocker"
FIXTURE = "requests_mock"
ANY = "requests_mock.ANY"
REGISTERING = frozenset({*VERBS, "register_uri", "request"})
# requests_mock response arguments -> RESPX respond() arguments
RESPONSE_KEYWORDS = {"json": "json", "text": "content", "content": "content", "headers": "headers"}
MOCKER_ATTRIBUTES = frozenset({"called", "call_count", "called_once", "last_request"})
ATTRIBUTES = MOCKER_ATTRIBUTES | {"request_history", "text"}


class RequestsMockToRespx(Rule):
    id = "F2Q311"
    name = "requests-mock-to-respx"
    summary = "requests_mock (fixture, Mocker) -> RESPX mocks of the converted httpx calls"
    requires = ("F2Q201",)

    transparent_decorators: ClassVar[frozenset[str]] = frozenset({MOCKER})
    attribute_names: ClassVar[frozenset[str]] = ATTRIBUTES

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.enabled = requests_conversion(context.plan) != "none"
        self.blocker = respx_blocker(context) if self.enabled else None
        self.convert = self.enabled and self.blocker is None
        self.functions: list[FunctionInfo | None] = []
        self.decorator_params: dict[str, str] = {}  # function -> param @Mocker() passes
        self.converted = False

    # ------------------------------------------------------------------ what things are

    def _scope(self) -> Scope:
        info = next((f for f in reversed(self.functions) if f is not None), None)
        return info.scope if info is not None else self.context.model.module_scope

    def _kind(self, expr: cst.BaseExpression) -> str | None:
        return self._kind_of(self.context.model.ref_of(expr, self._scope()))

    def _kind_of(self, ref: Ref, depth: int = 0) -> str | None:
        """mocker | matcher | request | None for a reference."""
        if fixture_param(self.context, ref, FIXTURE):
            return "mocker"
        if ref[0] == "p" and self.decorator_params.get(str(ref[1])) == ref[2]:
            return "mocker"
        if ref[0] == "p" and depth < 4:
            found = self._fixture_kind(str(ref[1]), str(ref[2]), depth)
            if found is not None:
                return found
        if self.context.evaluator.evaluate(ref) == ("obj", MOCKER):
            return "mocker"
        tag = ref[0]
        if tag == "c" and ref[1][0] == "a" and ref[1][2] in REGISTERING:
            return "matcher" if self._kind_of(ref[1][1]) == "mocker" else None
        if tag == "a" and ref[2] == "last_request":
            return "request" if self._kind_of(ref[1]) in ("mocker", "matcher") else None
        if tag == "i" and ref[1][0] == "a" and ref[1][2] == "request_history":
            return "request" if self._kind_of(ref[1][1]) in ("mocker", "matcher") else None
        return None

    def _fixture_kind(self, fqn: str, name: str, depth: int) -> str | None:
        """What a project fixture passed as ``name`` to ``fqn`` gives (``return requests_mock``)."""
        index = self.context.plan.index
        summary = index.functions.get(fqn)
        fixtures = index.fixtures.get(name, [])
        if summary is None or not summary.takes_fixtures or len(fixtures) != 1:
            return None
        fixture = index.functions[fixtures[0]]
        values = fixture.yields if fixture.is_generator else fixture.returns
        kinds = {self._kind_of(value, depth + 1) for value in values}
        return kinds.pop() if len(kinds) == 1 else None

    def _takes_fixture(self, fqn: str, seen: set[str] | None = None) -> bool:
        """Whether the test or fixture ``fqn`` gets requests_mock, itself or via fixtures."""
        index = self.context.plan.index
        summary = index.functions.get(fqn)
        if summary is None:
            return False
        seen = seen if seen is not None else set()
        seen.add(fqn)
        for param in summary.params:
            if param == FIXTURE and FIXTURE not in index.fixtures:
                return True
            for fixture in index.fixtures.get(param, ()):
                if fixture not in seen and self._takes_fixture(fixture, seen):
                    return True
        return False

    # ------------------------------------------------------------------ functions

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        info = self.context.model.function_by_node.get(node)
        self.functions.append(info)
        decorated = self._mocker_decorator(info) if info is not None else None
        if info is not None and decorated is not None:
            self.decorator_params[info.fqn] = decorated
        if (
            info is not None
            and self.blocker is not None
            and FIXTURE in info.params
            and kind_of(self.context, info) in ("test", "fixture")
        ):
            self._report_blocked(node, "the requests_mock fixture")

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        info = self.functions.pop()
        if info is None or not self.convert:
            return updated_node
        kind = kind_of(self.context, info)
        renames: dict[str, str] = {}
        fixtures = self.context.plan.index.fixtures
        if kind in ("test", "fixture") and FIXTURE in info.params and FIXTURE not in fixtures:
            renames[FIXTURE] = ROUTER_PARAM
        decorated = self._mocker_decorator(info)
        if decorated is not None:
            renames[decorated] = ROUTER_PARAM
        if renames and ROUTER_PARAM in info.params:
            self.context.report(
                original_node,
                self.id,
                "error",
                f"{info.name}() already has a {ROUTER_PARAM} parameter; requests_mock is left",
                "rename that parameter, then run migrate again",
            )
            return updated_node
        if renames:
            self.converted = True
            updated_node = _rename(updated_node, renames)
        if kind == "test" and self._takes_fixture(info.fqn):
            updated_node = self._mark(updated_node)
        return updated_node

    def _mocker_decorator(self, info: FunctionInfo) -> str | None:
        """The parameter ``@requests_mock.Mocker()`` passes the mocker as (its ``kw=`` or the
        last positional one)."""
        for decorator in info.node.decorators:
            expr = decorator.decorator
            if not isinstance(expr, cst.Call):
                continue
            ref = self.context.model.ref_of(expr.func, info.outer_scope)
            if self.context.evaluator.name_of(ref) != MOCKER:
                continue
            kw = arg_at(expr.args, 99, "kw")
            if kw is not None:
                return string_value(kw[1].value)
            params = info.node.params.params
            return params[-1].name.value if params else None
        return None

    def _mark(self, node: cst.FunctionDef) -> cst.FunctionDef:
        pytest = self.context.module_for("pytest")
        self.context.data[USES_RESPX] = True
        marker = cst.parse_expression(
            f'{pytest}.mark.respx(using="httpx", assert_all_called=False)'
        )
        decorator = cst.Decorator(decorator=marker)
        return node.with_changes(decorators=[*node.decorators, decorator])

    def _report_blocked(self, node: cst.CSTNode, what: str) -> None:
        self.context.report(
            node,
            self.id,
            "error",
            f"{what} is left as it is: {self.blocker}",
            "mock the converted calls with RESPX (docs/rules.md, F2Q311)",
        )

    # ------------------------------------------------------------------ calls

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not isinstance(updated_node, cst.Call):  # an earlier rule replaced the call
            return updated_node
        if not self.enabled:
            return updated_node
        context = self.context
        if context.callee_name(original_node) == MOCKER:
            if self.blocker is not None:
                self._report_blocked(original_node, "requests_mock.Mocker()")
                return updated_node
            return self._mocker(original_node, updated_node)
        func = original_node.func
        if (
            not self.convert
            or not isinstance(func, cst.Attribute)
            or not isinstance(updated_node.func, cst.Attribute)
            or func.attr.value not in (*REGISTERING, "json")
        ):
            return updated_node
        method = func.attr.value
        kind = self._kind(func.value)
        if kind == "mocker" and method in REGISTERING:
            converted = self._register(original_node, updated_node, method)
            if converted is not None:
                self.converted = True
                return converted
            return updated_node
        if kind == "request" and method == "json" and not original_node.args:
            loads = f"{context.module_for('json')}.loads(x)"
            content = cst.Attribute(updated_node.func.value, cst.Name("content"))
            return cst.parse_expression(loads).with_changes(args=[cst.Arg(content)])
        return updated_node

    def _mocker(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        extra: list[cst.Arg] = []
        for arg in original.args:
            name = arg.keyword.value if arg.keyword is not None else None
            if name == "real_http" and isinstance(arg.value, cst.Name):
                if arg.value.value == "True":
                    extra.append(keyword("assert_all_mocked", cst.Name("False")))
                continue
            if name == "kw":
                continue  # the decorated function's parameter becomes respx_mock
            self.context.report(
                original,
                self.id,
                "error",
                f"requests_mock.Mocker({name or '...'}=) has no RESPX counterpart here",
                "convert this mock by hand: respx.mock(using='httpx', ...)",
            )
            return updated
        self.converted = True
        return router_factory(self.context, False, extra)

    def _register(
        self, original: cst.Call, updated: cst.Call, method: str
    ) -> cst.BaseExpression | None:
        assert isinstance(updated.func, cst.Attribute)
        site = self.context.model.calls[original]
        router = updated.func.value
        used: set[int] = set()
        verb: str | cst.BaseExpression | None = method.upper()
        offset = 0
        if method in ("register_uri", "request"):
            found = arg_at(updated.args, 0, "method")
            if found is None:
                return self._unsupported(original, f"{method}() without a method")
            used.add(found[0])
            offset = 1
            text = string_value(found[1].value)
            key = self.context.evaluator.key_of(self.context.type_of(found[1].value, site))
            verb = None if key == ANY else (text.upper() if text is not None else found[1].value)
        url = arg_at(updated.args, offset, "url")
        if url is not None:
            used.add(url[0])
            url_key = self.context.evaluator.key_of(
                self.context.type_of(original.args[url[0]].value, site)
            )
            if url_key == ANY:
                url = None
        if arg_at(updated.args, offset + 1, "response_list") is not None:
            return self._unsupported(original, "a list of responses")
        url_value, lookups = self._url(url[1].value if url is not None else None, updated)
        status: cst.BaseExpression | None = None
        respond_args: list[cst.Arg] = []
        error: cst.BaseExpression | None = None
        for index, arg in enumerate(updated.args):
            name = arg.keyword.value if arg.keyword is not None else None
            if index in used or name == "complete_qs":
                continue
            if name == "status_code":
                status = arg.value
            elif name in RESPONSE_KEYWORDS:
                respond_args.append(keyword(RESPONSE_KEYWORDS[name], arg.value))
            elif name == "exc" and is_exception(self.context, original.args[index].value, site):
                error = arg.value
            else:
                return self._unsupported(original, f"{method}({name or '...'}=...)")
        if url is not None and url_value is None:
            return self._unsupported(original, "a URL whose query is not a literal")
        route_call = route(router, verb, url_value, lookups)
        if error is not None:
            return raise_from(route_call, error)
        return respond(route_call, status, respond_args)

    def _url(
        self, url: cst.BaseExpression | None, call: cst.Call
    ) -> tuple[cst.BaseExpression | None, list[cst.Arg]]:
        """The URL without its query, and ``params__contains`` for the query (requests-mock
        matches a subset of the request's query; ``complete_qs=True``: exactly it)."""
        if url is None:
            return None, []
        complete = arg_at(call.args, 99, "complete_qs")
        value = complete[1].value if complete is not None else None
        if isinstance(value, cst.Name) and value.value == "True":
            return url, []
        base, query = _split_query(url)
        if query is None:
            return (url, []) if base is not None else (None, [])
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        if len({name for name, _ in pairs}) != len(pairs):
            return None, []
        params = cst.Dict(
            [
                cst.DictElement(
                    cst.SimpleString(json.dumps(name)), cst.SimpleString(json.dumps(value))
                )
                for name, value in pairs
            ]
        )
        return base, [keyword("params__contains", params)]

    def _unsupported(self, original: cst.Call, what: str) -> cst.BaseExpression | None:
        self.context.report(
            original,
            self.id,
            "error",
            f"this requests_mock registration ({what}) is not converted to RESPX",
            "write the route by hand: router.route(...).respond(...) or .mock(side_effect=...)",
        )
        return None

    # ------------------------------------------------------------------ attributes

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if not self.convert or original_node.attr.value not in ATTRIBUTES:
            return updated_node
        kind = self._kind(original_node.value)
        attr = original_node.attr.value
        value = updated_node.value
        if kind == "request":
            if attr == "text":
                content = cst.Attribute(value, cst.Name("content"))
                return cst.Call(cst.Attribute(content, cst.Name("decode")))
            return updated_node
        if kind not in ("mocker", "matcher"):
            return updated_node
        calls: cst.BaseExpression = cst.Attribute(value, cst.Name("calls"))
        if kind == "matcher" and attr in ("called", "call_count"):
            return updated_node  # a RESPX route has them too
        if attr == "called_once":
            count = cst.Attribute(calls if kind == "mocker" else value, cst.Name("call_count"))
            return cst.Comparison(
                count,
                [cst.ComparisonTarget(cst.Equal(), cst.Integer("1"))],
                lpar=[cst.LeftParen()],
                rpar=[cst.RightParen()],
            )
        if attr == "last_request":
            return cst.Attribute(cst.Attribute(calls, cst.Name("last")), cst.Name("request"))
        if attr == "request_history":
            return cst.ListComp(
                elt=cst.parse_expression("call.request"),
                for_in=cst.CompFor(target=cst.Name("call"), iter=calls),
            )
        return cst.Attribute(calls, cst.Name(attr))

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self.converted:
            return updated_node
        return remove_unused_imports(updated_node, "requests_mock")

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        add_respx_dependency(project)


def _split_query(url: cst.BaseExpression) -> tuple[cst.BaseExpression | None, str | None]:
    """(URL without query, query) when the query is literal text; (url, None) without one;
    (None, None) when there is a query we cannot read."""
    if isinstance(url, cst.SimpleString):
        text = string_value(url)
        if text is None or "?" not in text:
            return url, None
        base, query = text.split("?", 1)
        return cst.SimpleString(url.prefix + url.quote + base + url.quote), query
    if isinstance(url, cst.FormattedString):
        parts = list(url.parts)
        for index, part in enumerate(parts):
            if isinstance(part, cst.FormattedStringText) and "?" in part.value:
                if any(not isinstance(p, cst.FormattedStringText) for p in parts[index + 1 :]):
                    return None, None
                before, after = part.value.split("?", 1)
                rest = [
                    p.value for p in parts[index + 1 :] if isinstance(p, cst.FormattedStringText)
                ]
                query = after + "".join(rest)
                kept = (
                    [*parts[:index], cst.FormattedStringText(before)] if before else parts[:index]
                )
                return url.with_changes(parts=kept), query
        if any(isinstance(p, cst.FormattedStringExpression) for p in parts):
            return url, None
    return url, None


def _rename(node: cst.FunctionDef, renames: dict[str, str]) -> cst.FunctionDef:
    """Rename parameters and their uses in the body (not attributes or keywords)."""

    class Renamer(cst.CSTTransformer):
        def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
            return updated.with_changes(attr=original.attr)

        def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
            return updated.with_changes(keyword=original.keyword)

        def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
            if original.value in renames:
                return updated.with_changes(value=renames[original.value])
            return updated

    params = node.params.visit(Renamer())
    body = node.body.visit(Renamer())
    assert isinstance(params, cst.Parameters)
    assert isinstance(body, cst.BaseSuite)
    return node.with_changes(params=params, body=body)
