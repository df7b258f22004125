"""F2Q310: ``responses`` mocks become RESPX mocks of the converted httpx calls.

``responses`` patches requests' adapter, so once F2Q201 has moved the app to httpx it no longer
sees a single request. When every requests call of the program was converted:

* ``@responses.activate`` -> ``@respx.mock(using="httpx", assert_all_called=False)`` and the
  function takes the router as ``respx_mock`` (RESPX passes it by that name);
  ``responses.add(...)``, ``responses.get(...)`` ... and ``responses.calls`` inside it use it;
* ``responses.RequestsMock(...)`` -> ``respx.mock(using="httpx", ...)`` (same ``with`` / fixture
  use; ``assert_all_requests_are_fired`` -> ``assert_all_called``), and its ``add``/``get`` ...;
* ``add(GET, url, json=, body=, status=, headers=, content_type=)`` ->
  ``router.get(url).respond(status, json=, content=, headers=, content_type=)``; a ``body``
  that is an exception -> ``router.get(url).mock(side_effect=error)`` (F2Q203 has already
  named httpx's class); a ``body`` keeps responses' default ``content_type="text/plain"``.

URL matching is the same (no query in the pattern: any query; a query: exactly that one) and
``calls`` has the same shape (``call.request.url`` compares equal to a str). Reported: callbacks,
matchers, passthrough and the other registry calls, a second registration of the same URL
(responses answers them in turn, RESPX keeps the last), ``responses.*`` outside the function
that activates it, and a program whose requests calls are only partly converted (both mocks are
then needed).
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from flask2quart._imports import remove_unused_imports
from flask2quart._project import ProjectContext
from flask2quart._rules import Rule
from flask2quart._transform import FileContext
from flask2quart.analysis.model import FunctionInfo, Site

from ._http_mocks import (
    ROUTER_PARAM,
    VERBS,
    add_respx_dependency,
    arg_at,
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

ACTIVATE = "responses.activate"
REQUESTS_MOCK = "responses.RequestsMock"
ADDING = frozenset({"add", *VERBS})
METHOD_CONSTANTS = {f"responses.{verb.upper()}": verb.upper() for verb in VERBS}
# what responses.add(...) takes besides method and url, and where it goes in respond()
RESPONSE_KEYWORDS = frozenset({"body", "json", "status", "headers", "adding_headers"})
DROPPED_KEYWORDS = frozenset({"stream", "auto_calculate_content_length"})


class ResponsesToRespx(Rule):
    id = "F2Q310"
    name = "responses-to-respx"
    summary = "responses mocks -> RESPX mocks of the converted httpx calls"
    requires = ("F2Q201",)

    # responses.activate wraps coroutine functions correctly, and becomes respx.mock here
    transparent_decorators: ClassVar[frozenset[str]] = frozenset({ACTIVATE})
    attribute_names: ClassVar[frozenset[str]] = frozenset({"calls"})

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.enabled = requests_conversion(context.plan) != "none"
        self.blocker = respx_blocker(context) if self.enabled else None
        self.routers: list[str | None] = []  # per function: router of @responses.activate
        self.registered: list[set[str]] = []  # per function: "METHOD url" already routed
        self.converted = False

    # ------------------------------------------------------------------ @responses.activate

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        info = self.context.model.function_by_node.get(node)
        router = None
        index = self._activation(info) if info is not None and self.enabled else None
        if index is not None:
            router = ROUTER_PARAM if self._can_convert(node.decorators[index]) else None
        self.routers.append(router)
        self.registered.append(set())

    def _activation(self, info: FunctionInfo) -> int | None:
        for index, decorator in enumerate(info.node.decorators):
            expr = decorator.decorator
            target = expr.func if isinstance(expr, cst.Call) else expr
            ref = self.context.model.ref_of(target, info.outer_scope)
            if self.context.evaluator.name_of(ref) == ACTIVATE:
                return index
        return None

    def _can_convert(self, where: cst.CSTNode) -> bool:
        if self.blocker is None:
            return True
        self.context.report(
            where,
            self.id,
            "error",
            f"this responses mock is left as it is: {self.blocker}",
            "mock the converted calls with RESPX (docs/rules.md, F2Q310)",
        )
        return False

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        router = self.routers.pop()
        self.registered.pop()
        info = self.context.model.function_by_node.get(original_node)
        if router is None or info is None:
            return updated_node
        index = self._activation(info)
        assert index is not None
        decorator = updated_node.decorators[index]
        settings = self._activate_settings(original_node.decorators[index].decorator)
        if settings is None:
            return updated_node
        decorators = list(updated_node.decorators)
        decorators[index] = decorator.with_changes(
            decorator=router_factory(self.context, *settings)
        )
        self.converted = True
        return updated_node.with_changes(
            decorators=decorators, params=_with_param(updated_node.params, ROUTER_PARAM)
        )

    def _activate_settings(self, expr: cst.BaseExpression) -> tuple[bool, list[cst.Arg]] | None:
        """``assert_all_called`` and other RESPX settings for ``@responses.activate(...)``."""
        if not isinstance(expr, cst.Call):
            return False, []
        assert_all = False
        for arg in expr.args:
            name = arg.keyword.value if arg.keyword is not None else None
            if name == "assert_all_requests_are_fired" and isinstance(arg.value, cst.Name):
                assert_all = arg.value.value == "True"
                continue
            self.context.report(
                expr,
                self.id,
                "error",
                f"responses.activate({name or '...'}=) has no RESPX counterpart here",
                "convert this mock by hand: @respx.mock(using='httpx', ...)",
            )
            return None
        return assert_all, []

    # ------------------------------------------------------------------ calls

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not isinstance(updated_node, cst.Call):  # an earlier rule replaced the call
            return updated_node
        if not self.enabled:
            return updated_node
        context = self.context
        site = context.model.calls.get(original_node)
        name = context.callee_name(original_node)
        if site is None or name is None or not name.startswith("responses."):
            return updated_node
        if name == REQUESTS_MOCK:
            return self._requests_mock(original_node, updated_node)
        if name.startswith(REQUESTS_MOCK + "."):
            if self.blocker is not None or not isinstance(updated_node.func, cst.Attribute):
                return updated_node
            method = name.rsplit(".", 1)[-1]
            return self._registry_call(original_node, updated_node, updated_node.func.value, method)
        method = name.split(".", 1)[1]
        if "." in method or method == "activate" or method[:1].isupper():
            return updated_node
        router = self.routers[-1] if self.routers else None
        if router is None:
            if self.blocker is None and method in ADDING | {"calls", "add_callback"}:
                context.report(
                    original_node,
                    self.id,
                    "error",
                    f"responses.{method}() outside a function decorated with "
                    "@responses.activate is not converted",
                    "register the route on the RESPX router the test uses "
                    f"({ROUTER_PARAM}.get(url).respond(...))",
                )
            return updated_node
        return self._registry_call(original_node, updated_node, cst.Name(router), method)

    def _requests_mock(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if not self._can_convert(original):
            return updated
        assert_all: bool | None = None
        for arg in original.args:
            name = arg.keyword.value if arg.keyword is not None else None
            if name == "assert_all_requests_are_fired" and isinstance(arg.value, cst.Name):
                assert_all = None if arg.value.value == "True" else False
                continue
            self.context.report(
                original,
                self.id,
                "error",
                f"responses.RequestsMock({name or '...'}=) has no RESPX counterpart here",
                "convert this mock by hand: respx.mock(using='httpx', ...)",
            )
            return updated
        self.converted = True
        return router_factory(self.context, assert_all)

    def _registry_call(
        self, original: cst.Call, updated: cst.Call, router: cst.BaseExpression, method: str
    ) -> cst.BaseExpression:
        if method in ADDING:
            converted = self._add(original, updated, router, method)
            if converted is not None:
                self.converted = True
                return converted
            return updated
        if method in ("start", "stop"):
            return updated  # a RESPX router starts and stops the same way
        fixes = {
            "add_callback": "route.mock(side_effect=lambda request: httpx.Response(...)); "
            "the callback gets an httpx.Request and returns a response",
            "add_passthru": "route.pass_through() for the URLs that reach the network",
            "reset": "router.reset() clears the calls; router.clear() the routes as well",
        }
        self.context.report(
            original,
            self.id,
            "error",
            f"responses' {method}() is not converted to RESPX",
            fixes.get(method, "write the RESPX equivalent by hand (respx routes and calls)"),
        )
        return updated

    def _add(
        self, original: cst.Call, updated: cst.Call, router: cst.BaseExpression, method: str
    ) -> cst.BaseExpression | None:
        site = self.context.model.calls[original]
        used: set[int] = set()
        verb: str | cst.BaseExpression | None = method.upper()
        if method == "add":
            found = arg_at(original.args, 0, "method")
            verb = None
            if found is not None:
                used.add(found[0])
                verb = self._method(found[1].value, updated.args[found[0]].value, site)
            if verb is None:
                return self._unsupported(original, "add() of a Response object")
        offset = 1 if method == "add" else 0
        url = arg_at(updated.args, offset, "url")
        body = arg_at(updated.args, offset + 1, "body")
        used.update(found[0] for found in (url, body) if found is not None)
        status: cst.BaseExpression | None = None
        respond_args: list[cst.Arg] = []
        for index, arg in enumerate(updated.args):
            name = arg.keyword.value if arg.keyword is not None else None
            if index in used or name in DROPPED_KEYWORDS:
                continue
            if name == "status":
                status = arg.value
            elif name in ("headers", "adding_headers", "json", "content_type"):
                respond_args.append(
                    keyword("headers" if name == "adding_headers" else name, arg.value)
                )
            else:
                return self._unsupported(original, f"{method}({name or '...'}=...)")
        url_value = url[1].value if url is not None else None
        route_call = route(router, verb, url_value)
        self._check_duplicate(original, verb, url_value)
        if body is not None:
            if is_exception(self.context, original.args[body[0]].value, site):
                return raise_from(route_call, body[1].value)
            given = {a.keyword.value for a in respond_args if a.keyword is not None}
            respond_args.insert(0, keyword("content", body[1].value))
            if not given & {"json", "content_type"}:  # responses' default for a body
                respond_args.append(keyword("content_type", cst.SimpleString('"text/plain"')))
        return respond(route_call, status, respond_args)

    def _method(
        self, original: cst.BaseExpression, updated: cst.BaseExpression, site: Site
    ) -> str | cst.BaseExpression | None:
        text = string_value(original)
        if text is not None:
            return text.upper()
        key = self.context.evaluator.key_of(self.context.type_of(original, site))
        if key in METHOD_CONSTANTS:
            return METHOD_CONSTANTS[key]
        if key is not None and key.startswith("responses."):
            return None  # responses.Response(...), responses.CallbackResponse(...)
        return updated

    def _check_duplicate(
        self, original: cst.Call, verb: str | cst.BaseExpression | None, url: cst.CSTNode | None
    ) -> None:
        if not self.registered or not isinstance(verb, str) or url is None:
            return
        text = f"{verb} {cst.Module([]).code_for_node(url)}"
        if text in self.registered[-1]:
            self.context.report(
                original,
                self.id,
                "warning",
                "a second response for the same request: responses answered them in turn (the "
                "last one repeating), RESPX keeps only the last",
                "give the route all of them: route.mock(side_effect=[httpx.Response(...), ...])",
            )
        self.registered[-1].add(text)

    def _unsupported(self, original: cst.Call, what: str) -> cst.BaseExpression | None:
        self.context.report(
            original,
            self.id,
            "error",
            f"responses' {what} is not converted to RESPX",
            "write the route by hand: router.route(...).respond(...) or .mock(side_effect=...)",
        )
        return None

    # ------------------------------------------------------------------ responses.calls

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        router = self.routers[-1] if self.routers else None
        if router is None or original_node.attr.value != "calls":
            return updated_node
        site = self.context.model.attributes.get(original_node)
        if site is None:
            return updated_node
        key = self.context.evaluator.key_of(self.context.type_of(original_node, site))
        if key != "responses.calls":
            return updated_node
        return cst.Attribute(cst.Name(router), cst.Name("calls"))

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self.converted:
            return updated_node
        return remove_unused_imports(updated_node, "responses")

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        add_respx_dependency(project)


def _with_param(params: cst.Parameters, name: str) -> cst.Parameters:
    """The function also takes ``name`` (RESPX passes the router by keyword)."""
    existing = [*params.posonly_params, *params.params, *params.kwonly_params]
    if any(param.name.value == name for param in existing):
        return params
    new = cst.Param(cst.Name(name))
    ordinary = list(params.params)
    if any(param.default is not None for param in ordinary):
        new = new.with_changes(
            default=cst.Name("None"),
            equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace(""),
            ),
        )
    if ordinary and ordinary[-1].comma == cst.MaybeSentinel.DEFAULT:
        ordinary[-1] = ordinary[-1].with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
    return params.with_changes(params=[*ordinary, new])
