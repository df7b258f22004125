"""F2Q201: ``requests`` calls become awaited calls on the app's shared httpx client.

``requests.get(url, ...)`` becomes ``await http_client().get(url, ...)`` and a
``requests.Session()`` becomes a ``SharedSession()`` whose calls are awaited; both come from the
generated ``http_client`` module (F2Q204), which keeps one client per event loop with requests'
defaults: redirects followed, no timeout, no cookie persistence for module-level calls. Each call
keeps requests' semantics (spec §4, httpx's compatibility guide):

* ``allow_redirects=`` -> ``follow_redirects=``; ``head()`` keeps not following redirects;
* ``timeout=N`` -> connect and read limits only (requests has no write or pool timeout);
* ``data=`` with a str/bytes literal -> ``content=``; a body on GET/DELETE/HEAD/OPTIONS ->
  ``request("GET", ...)`` (httpx's ``get()`` takes no body);
* ``verify=``/``cert=``/``proxies=`` (client settings in httpx) -> arguments of ``http_client()``;
* ``stream=True`` -> ``async with http_client().stream("GET", url) as r:``.

These are *optional* seeds: converting them is the point, but the sync call still works, so a
call whose function must stay sync (a property, a CLI command, a thread target ...) keeps
requests and the report says why (F2Q103). A ``requests.Session`` is converted whole or not at
all: if one of its calls must stay sync, every session call stays. ``import requests`` goes when
nothing uses it any more. ``except OSError`` around a converted call is reported: requests'
exceptions are ``OSError`` subclasses, httpx's are not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar

import libcst as cst

from flask2quart._imports import remove_unused_imports
from flask2quart._rules import Rule, SeedKind
from flask2quart._transform import FileContext
from flask2quart.analysis.catalogue import REQUESTS_VERBS
from flask2quart.analysis.model import Site
from flask2quart.analysis.solve import Plan

from ._awaits import awaited, why_not_awaitable
from ._http_helper import client_module, helper_module

MODULE_CALLS = {f"requests.{verb}": verb for verb in (*REQUESTS_VERBS, "request")}
SESSION_CALLS = {f"requests.Session.{verb}": verb for verb in (*REQUESTS_VERBS, "request")}
SESSION_CLASSES = frozenset({"requests.Session", "requests.session"})

CALLS: dict[str, SeedKind] = {
    **{key: "optional" for key in (*MODULE_CALLS, *SESSION_CALLS)},
    "requests.Session.close": "optional",
}

# Positional parameters after which requests' functions take keywords only (httpx: keywords).
_POSITIONAL: dict[str, tuple[str, ...]] = {
    "get": ("url", "params"),
    "options": ("url",),
    "head": ("url",),
    "post": ("url", "data", "json"),
    "put": ("url", "data"),
    "patch": ("url", "data"),
    "delete": ("url",),
    "request": tuple(
        "method url params data headers cookies files auth timeout allow_redirects proxies "
        "hooks stream verify cert json".split()
    ),
}
_NO_BODY_VERBS = frozenset({"get", "delete", "head", "options"})
_BODY_ARGS = frozenset({"data", "json", "files", "content"})
_CLIENT_SETTINGS = ("verify", "cert", "proxies")
_OS_ERRORS = frozenset({"builtins.OSError", "builtins.IOError", "builtins.EnvironmentError"})


class RequestsToHttpx(Rule):
    id = "F2Q201"
    name = "requests-to-httpx"
    summary = "requests calls -> await on the shared httpx client (requests' defaults kept)"
    requires = ("F2Q103", "F2Q204")

    awaitable_calls: ClassVar[Mapping[str, SeedKind]] = CALLS
    optional_groups: ClassVar[frozenset[str]] = frozenset({"requests.Session"})
    names: ClassVar[frozenset[str]] = frozenset({"OSError", "IOError", "EnvironmentError"})

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.try_depth_converted: list[int] = []
        self.streams: dict[cst.Call, cst.Call] = {}  # stream() call made -> original call
        self.async_managers: set[cst.Call] = set()  # SharedSession() calls made

    # ------------------------------------------------------------------ names

    def _module(self) -> str:
        plan = self.context.plan
        return helper_module(plan.index.modules, plan.index.functions)

    def _httpx(self) -> str:
        return self.context.module_for(client_module(self._transport()))

    def _transport(self) -> str:
        return self.context.settings.http_transport

    def _helper(self, name: str) -> str:
        self.context.data["http_client"] = True
        return self.context.name_for(self._module(), name)

    # ------------------------------------------------------------------ calls

    def visit_Try(self, node: cst.Try) -> None:
        self.try_depth_converted.append(0)

    def leave_Try(self, original_node: cst.Try, updated_node: cst.Try) -> cst.Try:
        converted = self.try_depth_converted.pop()
        if converted:
            for handler in original_node.handlers:
                if handler.type is not None and self._catches_os_error(handler.type):
                    self.context.report(
                        handler,
                        self.id,
                        "warning",
                        "this `except` catches OSError around a converted HTTP call: requests' "
                        "exceptions were OSErrors, httpx's are not",
                        "catch httpx.HTTPError (or the precise httpx exception) here as well",
                    )
        return updated_node

    def _catches_os_error(self, expr: cst.BaseExpression) -> bool:
        items = [e.value for e in expr.elements] if isinstance(expr, cst.Tuple) else [expr]
        for item in items:
            site = self.context.model.names.get(item) if isinstance(item, cst.Name) else None
            if site is None:
                continue
            key = self.context.evaluator.key_of(self.context.type_of(item, site))
            if key in _OS_ERRORS:
                return True
        return False

    def _count_conversion(self) -> None:
        self.try_depth_converted[:] = [count + 1 for count in self.try_depth_converted]

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        context = self.context
        site = context.model.calls.get(original_node)
        if site is None or not isinstance(updated_node, cst.Call):
            return updated_node
        name = context.callee_name(original_node)
        if name in SESSION_CLASSES:
            return self._session_class(original_node, updated_node)
        if name not in CALLS:
            self._note_indirect_call(original_node, site)
            return updated_node
        if site.awaited:
            return updated_node
        if name.startswith("requests.Session.") and self._sessions_stay_sync():
            context.report(
                original_node,
                self.id,
                "warning",
                f"{name}() stays sync: requests Sessions are converted all together or not at "
                "all, and a session call must stay sync (or a class subclasses "
                "requests.Session)",
                "give that caller an async path (or convert the subclass by hand), then run "
                "migrate again",
            )
            return updated_node
        if not context.can_await(site):
            if site.context not in ("body", "genexp"):
                context.report(
                    original_node,
                    self.id,
                    "warning",
                    f"{name}() stays a blocking requests call: it is "
                    f"{why_not_awaitable(context, site)}",
                    "move the call into a function that can become async",
                )
            return updated_node
        assert name is not None
        if name == "requests.Session.close":
            assert isinstance(updated_node.func, cst.Attribute)
            self._count_conversion()
            return awaited(
                updated_node.with_changes(
                    func=updated_node.func.with_changes(attr=cst.Name("aclose"))
                )
            )
        return self._convert(original_node, updated_node, name)

    def _note_indirect_call(self, original: cst.Call, site: Site) -> None:
        callee = self.context.callee(original)
        if callee[0] == "fn" and self.context.plan.awaitable_call(str(callee[1])):
            chain = self.context.plan.chain(
                self.context.plan.call_targets.get(str(callee[1]), str(callee[1]))
            )
            if chain and chain[-1].startswith("requests."):
                self._count_conversion()

    def _sessions_stay_sync(self) -> bool:
        return any(
            key.startswith("requests.Session.") for key in self.context.plan.sync_optional_keys
        )

    def _session_class(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        if self._sessions_stay_sync():
            return updated
        if original.args:
            self.context.report(
                original,
                self.id,
                "warning",
                "requests.Session() takes no arguments; left unchanged",
                "",
            )
            return updated
        session = updated.with_changes(func=cst.Name(self._helper("SharedSession")))
        self.async_managers.add(session)
        return session

    def _convert(self, original: cst.Call, updated: cst.Call, name: str) -> cst.BaseExpression:
        context = self.context
        verb = MODULE_CALLS.get(name) or SESSION_CALLS[name]
        args = _keyword_args(updated.args, _POSITIONAL[verb])
        if args is None:
            context.report(
                original, self.id, "warning", f"{name}() has unexpected arguments; left as it is"
            )
            return updated
        keywords = {a.keyword.value: a for a in args if a.keyword is not None}
        for unsupported in ("hooks",):
            if unsupported in keywords:
                context.report(
                    original,
                    self.id,
                    "error",
                    f"{name}(..., hooks=) has no per-request equivalent in httpx; left sync",
                    "move the hook to the client: event_hooks={'response': [async_fn]}",
                )
                return updated
        is_session = name in SESSION_CALLS
        settings = [keywords[k] for k in _CLIENT_SETTINGS if k in keywords]
        if is_session and settings:
            context.report(
                original,
                self.id,
                "error",
                f"{name}(..., {settings[0].keyword.value}=) is a client setting in httpx; "  # type: ignore[union-attr]
                "left sync",
                f"set it on the session instead: session.{settings[0].keyword.value} = ...",  # type: ignore[union-attr]
            )
            return updated
        stream = keywords.get("stream")
        if stream is not None and not _is_constant(stream.value):
            context.report(
                original,
                self.id,
                "error",
                f"{name}(..., stream=<expression>) cannot be converted; left sync",
                "use `async with client.stream(...)` for streamed responses, "
                "`await client.get(...)` otherwise",
            )
            return updated
        streaming = stream is not None and _is_true(stream.value)
        if any(a.star for a in args):
            context.report(
                original,
                self.id,
                "warning",
                f"{name}() gets arguments through */**: their requests-only names "
                "(allow_redirects, verify, proxies, hooks, stream) were not checked",
                "rename allow_redirects to follow_redirects and move client settings to "
                "http_client(...)",
            )
        new_args = self._translate_args(original, args, verb, name)
        method = verb
        if verb in _NO_BODY_VERBS and any(k in keywords for k in _BODY_ARGS):
            method = "request"
            new_args.insert(0, cst.Arg(cst.SimpleString(f'"{verb.upper()}"')))
        if streaming:
            if method != "request":
                new_args.insert(0, cst.Arg(cst.SimpleString(f'"{verb.upper()}"')))
            method = "stream"
        if is_session:
            assert isinstance(updated.func, cst.Attribute)
            receiver = updated.func.value
        else:
            receiver = cst.Call(
                func=cst.Name(self._helper("http_client")),
                args=[_strip_comma(keywords[k]) for k in _CLIENT_SETTINGS if k in keywords],
            )
        call = updated.with_changes(
            func=cst.Attribute(receiver, cst.Name(method)), args=_with_commas(new_args)
        )
        if "timeout" not in keywords and not any(a.star for a in args):
            context.report(
                original,
                self.id,
                "info",
                f"{name}() had no timeout; it still has none (the shared client's timeout=None)",
                "pass timeout=... if this upstream can hang",
            )
        self.context.data["http_client"] = True
        self._count_conversion()
        if streaming:
            self.streams[call] = original
            return call
        return awaited(call)

    def _translate_args(
        self, original: cst.Call, args: list[cst.Arg], verb: str, name: str
    ) -> list[cst.Arg]:
        result: list[cst.Arg] = []
        has_redirects = False
        for arg in args:
            keyword = arg.keyword.value if arg.keyword is not None else None
            if keyword in (*_CLIENT_SETTINGS, "stream"):
                continue
            if keyword == "allow_redirects":
                has_redirects = True
                arg = arg.with_changes(keyword=cst.Name("follow_redirects"))
            elif keyword == "data" and _is_text_or_bytes(arg.value):
                arg = arg.with_changes(keyword=cst.Name("content"))
            elif keyword == "data" and not isinstance(arg.value, cst.Dict | cst.DictComp):
                self.context.report(
                    arg,
                    self.id,
                    "info",
                    f"{name}(data=...) of unknown type: a form dict stays data=, raw str/bytes "
                    "should be content= (httpx deprecates raw data=)",
                    "if it is str or bytes, rename data= to content=",
                )
            elif keyword == "timeout":
                arg = arg.with_changes(value=self._timeout(arg.value))
            elif keyword == "params":
                self._check_params(original, args, arg, name)
            result.append(arg)
        if keyword_value(args[-1]) in (*_CLIENT_SETTINGS, "stream") and result:
            result[-1] = _strip_comma(result[-1])  # the old last argument went
        if verb == "head" and not has_redirects:
            result.append(
                cst.Arg(
                    cst.Name("False"),
                    keyword=cst.Name("follow_redirects"),
                    equal=cst.AssignEqual(
                        whitespace_before=cst.SimpleWhitespace(""),
                        whitespace_after=cst.SimpleWhitespace(""),
                    ),
                )
            )
        return result

    def _timeout(self, value: cst.BaseExpression) -> cst.BaseExpression:
        return timeout_expression(value, self._httpx(), self._helper)

    def _check_params(
        self, original: cst.Call, args: list[cst.Arg], params: cst.Arg, name: str
    ) -> None:
        url = next(
            (a.value for a in args if a.keyword is not None and a.keyword.value == "url"), None
        )
        if url is None and args and args[0].keyword is None:
            url = args[0].value
        if _has_query(url):
            self.context.report(
                original,
                self.id,
                "warning",
                f"{name}() has params= and a query string in the URL: requests merged them, "
                "httpx replaces the URL's query with params",
                "move the URL's query into params (or build the URL with "
                "httpx.URL(url).copy_merge_params(params))",
            )
        if isinstance(params.value, cst.Dict) and any(
            isinstance(e, cst.DictElement)
            and isinstance(e.value, cst.Name)
            and e.value.value in ("None", "True", "False")
            for e in params.value.elements
        ):
            self.context.report(
                params,
                self.id,
                "warning",
                "params with None/True/False values: requests dropped None and sent True as "
                "'True'; httpx sends 'key=' and 'true'",
                "drop None values and pass str(value) for booleans",
            )

    # ------------------------------------------------------------------ stream=True

    def leave_With(self, original_node: cst.With, updated_node: cst.With) -> cst.With:
        items = [item.item for item in updated_node.items if isinstance(item.item, cst.Call)]
        if not any(item in self.streams or item in self.async_managers for item in items):
            return updated_node
        site = self.context.model.withs.get(original_node)
        if site is None or not self.context.function_is_async(site.owner):
            self.context.report(
                original_node,
                self.id,
                "error",
                "this `with` needs `async with` after conversion, but it is not in an async "
                "function",
                "move it into an async function",
            )
            return updated_node
        return updated_node.with_changes(asynchronous=cst.Asynchronous())

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body = list(updated_node.body)
        for index, statement in enumerate(body):
            stream = _stream_assignment(statement, self.streams)
            if stream is None:
                continue
            target, call = stream
            rest = body[index + 1 :] or [cst.SimpleStatementLine([cst.Pass()])]
            block = cst.With(
                items=[cst.WithItem(call, asname=cst.AsName(target))],
                body=cst.IndentedBlock(body=rest),
                asynchronous=cst.Asynchronous(),
                leading_lines=getattr(statement, "leading_lines", ()),
            )
            return updated_node.with_changes(body=[*body[:index], block])
        return updated_node

    # ------------------------------------------------------------------ imports

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self.context.data.get("http_client") and not self.context.data.get("httpx_names"):
            return updated_node
        return remove_unused_imports(updated_node, "requests")


def functions_with_converted_http(context: FileContext) -> set[str]:
    """This file's functions that make a converted HTTP call, directly or through a callee that
    became async because of one: the responses and exceptions they handle are httpx's."""
    plan = context.plan
    sessions_kept = any(key.startswith("requests.Session.") for key in plan.sync_optional_keys)
    found: set[str] = set()
    for call, site in context.model.calls.items():
        owner = site.owner
        if owner is None or owner.fqn in found or not plan.is_async(owner.fqn):
            continue
        name = context.callee_name(call)
        if name in CALLS:
            if context.can_await(site) and not (name in SESSION_CALLS and sessions_kept):
                found.add(owner.fqn)
            continue
        callee = context.callee(call)
        if callee[0] == "fn" and plan.awaitable_call(str(callee[1])):
            target = plan.call_targets.get(str(callee[1]), str(callee[1]))
            if plan.chain(target)[-1].startswith("requests."):
                found.add(owner.fqn)
    return found


def requests_fully_converted(plan: Plan) -> bool:
    """Whether every requests call of the program was converted: then every Response and
    exception the code handles is httpx's, even in the sync helpers it is passed to."""
    converted = any(key.startswith("requests.") for key in plan.converted_optional_keys)
    kept = any(key.startswith("requests.") for key in plan.sync_optional_keys)
    return converted and not kept


def timeout_expression(
    value: cst.BaseExpression, httpx: str, helper: Callable[[str], str]
) -> cst.BaseExpression:
    """requests' ``timeout=`` value as httpx's: connect and read limits only. ``helper(name)``
    gives the local name of a function of the generated http_client module."""
    if isinstance(value, cst.Name) and value.value == "None":
        return value
    if isinstance(value, cst.Integer | cst.Float):
        return cst.parse_expression(
            f"{httpx}.Timeout(None, connect={value.value}, read={value.value})"
        )
    if (
        isinstance(value, cst.Tuple)
        and len(value.elements) == 2
        and all(isinstance(e.value, cst.Integer | cst.Float) for e in value.elements)
    ):
        connect, read = (e.value for e in value.elements)
        assert isinstance(connect, cst.Integer | cst.Float)
        assert isinstance(read, cst.Integer | cst.Float)
        return cst.parse_expression(
            f"{httpx}.Timeout(None, connect={connect.value}, read={read.value})"
        )
    return cst.Call(func=cst.Name(helper("requests_timeout")), args=[cst.Arg(value)])


def _keyword_args(args: Sequence[cst.Arg], positional: Sequence[str]) -> list[cst.Arg] | None:
    """Every positional argument after the first (the URL) named, as httpx wants keywords."""
    result = []
    for index, arg in enumerate(args):
        if arg.keyword is not None or arg.star:
            result.append(arg)
            continue
        if index >= len(positional):
            return None
        first = index == 0 or (positional[0] == "method" and index == 1)
        if first:
            result.append(arg)
        else:
            result.append(
                arg.with_changes(
                    keyword=cst.Name(positional[index]),
                    equal=cst.AssignEqual(
                        whitespace_before=cst.SimpleWhitespace(""),
                        whitespace_after=cst.SimpleWhitespace(""),
                    ),
                )
            )
    return result


def _strip_comma(arg: cst.Arg) -> cst.Arg:
    return arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)


def _with_commas(args: list[cst.Arg]) -> list[cst.Arg]:
    """Arguments keep their own commas (and so the call's layout); a missing one between two
    arguments is added by LibCST's codegen (MaybeSentinel.DEFAULT)."""
    return list(args)


def keyword_value(arg: cst.Arg) -> str | None:
    return arg.keyword.value if arg.keyword is not None else None


def _is_constant(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value in ("True", "False", "None")


def _is_true(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def _is_text_or_bytes(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString):
        return True
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        method = node.func.attr.value
        if method == "encode":
            return True
        if method == "dumps" and isinstance(node.func.value, cst.Name):
            return node.func.value.value == "json"
    return False


def _has_query(url: cst.BaseExpression | None) -> bool:
    if isinstance(url, cst.SimpleString):
        return "?" in url.evaluated_value if isinstance(url.evaluated_value, str) else False
    if isinstance(url, cst.FormattedString):
        return any(
            isinstance(part, cst.FormattedStringText) and "?" in part.value for part in url.parts
        )
    if isinstance(url, cst.BinaryOperation):
        return _has_query(url.left) or _has_query(url.right)
    return False


def _stream_assignment(
    statement: cst.BaseStatement, streams: dict[cst.Call, cst.Call]
) -> tuple[cst.Name | cst.Tuple | cst.List, cst.Call] | None:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    assign = statement.body[0]
    if (
        isinstance(assign, cst.Assign)
        and len(assign.targets) == 1
        and isinstance(assign.value, cst.Call)
        and assign.value in streams
        and isinstance(assign.targets[0].target, cst.Name | cst.Tuple | cst.List)
    ):
        return assign.targets[0].target, assign.value
    return None
