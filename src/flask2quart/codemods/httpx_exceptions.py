"""F2Q203: requests' exception classes become the matching httpx classes, at every use.

In async functions (where the HTTP calls were converted), each reference to a requests exception
— ``requests.HTTPError``, ``requests.exceptions.Timeout``, or a name imported with
``from requests.exceptions import ConnectionError`` — is replaced by the httpx class(es) that
catch the same failures (spec §4.5). Every use site is rewritten, not just the import: once the
import goes, a bare ``ConnectionError`` would silently mean the builtin.

* ``HTTPError`` -> ``httpx.HTTPStatusError`` (``httpx.HTTPError`` is the base of everything);
* ``ConnectionError`` -> ``(ConnectError, ConnectTimeout, ReadError, WriteError,
  RemoteProtocolError, ProxyError)`` (a server closing without answering is a
  ``RemoteProtocolError``, not a network error);
* ``Timeout`` -> ``httpx.TimeoutException``; ``JSONDecodeError`` -> ``json.JSONDecodeError``;
* ``RequestException`` -> ``(httpx.HTTPError, httpx.InvalidURL, json.JSONDecodeError)``.

A class that maps to several is a tuple: fine in ``except`` and ``isinstance``/``issubclass``;
anywhere else (``raise``, a base class) the first class is used and the site reported.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from flask2quart._rules import Rule
from flask2quart._transform import FileContext
from flask2quart.analysis.model import Site

from ._args import add_keyword, drop_keywords, keyword, positional
from ._http_helper import client_module
from .requests_to_httpx import functions_with_converted_http, requests_fully_converted

_CONNECTION = (
    "ConnectError ConnectTimeout ReadError WriteError RemoteProtocolError ProxyError".split()
)
# requests class -> httpx classes ("json.X" for the standard library)
MAPPING: dict[str, tuple[str, ...]] = {
    "RequestException": ("HTTPError", "InvalidURL", "json.JSONDecodeError"),
    "HTTPError": ("HTTPStatusError",),
    "ConnectionError": tuple(_CONNECTION),
    "ProxyError": ("ProxyError",),
    "SSLError": ("ConnectError",),
    "Timeout": ("TimeoutException",),
    "ConnectTimeout": ("ConnectTimeout",),
    "ReadTimeout": ("ReadTimeout",),
    "TooManyRedirects": ("TooManyRedirects",),
    "JSONDecodeError": ("json.JSONDecodeError",),
    "InvalidJSONError": ("json.JSONDecodeError",),
    "MissingSchema": ("UnsupportedProtocol",),
    "InvalidSchema": ("UnsupportedProtocol",),
    "InvalidURL": ("InvalidURL", "UnsupportedProtocol"),
    "ChunkedEncodingError": ("RemoteProtocolError", "ReadError"),
    "ContentDecodingError": ("DecodingError",),
    "StreamConsumedError": ("StreamConsumed",),
}
_OWNERS = ("requests.", "requests.exceptions.")


class HttpxExceptions(Rule):
    id = "F2Q203"
    name = "httpx-exceptions"
    summary = "requests exception classes -> the httpx classes that catch the same failures"
    requires = ("F2Q201",)

    names: ClassVar[frozenset[str]] = frozenset(MAPPING)
    attribute_names: ClassVar[frozenset[str]] = frozenset(MAPPING)

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.tuple_ok: set[cst.CSTNode] = set()
        self.raised: set[cst.Call] = set()
        self.all_converted = requests_fully_converted(context.plan)
        self.http_functions = functions_with_converted_http(context)

    # ------------------------------------------------------------------ where a tuple is fine

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.type is None:
            return
        self.tuple_ok.add(node.type)
        if isinstance(node.type, cst.Tuple):
            self.tuple_ok.update(e.value for e in node.type.elements)

    def visit_Raise(self, node: cst.Raise) -> None:
        # only raised instances are constructed here; mock rules (F2Q309-F2Q311) own the others
        if isinstance(node.exc, cst.Call):
            self.raised.add(node.exc)

    def visit_Call(self, node: cst.Call) -> None:
        if (
            isinstance(node.func, cst.Name)
            and node.func.value in ("isinstance", "issubclass")
            and len(node.args) == 2
        ):
            second = node.args[1].value
            self.tuple_ok.add(second)
            if isinstance(second, cst.Tuple):
                self.tuple_ok.update(e.value for e in second.elements)

    # ------------------------------------------------------------------ rewrites

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        site = self.context.model.names.get(original_node)
        return self._rewrite(original_node, updated_node, site)

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        site = self.context.model.attributes.get(original_node)
        return self._rewrite(original_node, updated_node, site)

    def _requests_class(self, node: cst.BaseExpression, site: Site) -> str | None:
        key = self.context.evaluator.key_of(self.context.type_of(node, site))
        if key is None:
            return None
        for owner in _OWNERS:
            name = key[len(owner) :]
            if key.startswith(owner) and name in MAPPING:
                return name
        return None

    def _rewrite(
        self, original: cst.BaseExpression, updated: cst.BaseExpression, site: Site | None
    ) -> cst.BaseExpression:
        if site is None:
            return updated
        name = self._requests_class(original, site)
        if name is None:
            return updated
        converted = site.owner is not None and site.owner.fqn in self.http_functions
        if not self.all_converted and not converted:
            return updated
        classes = [self._class(target) for target in MAPPING[name]]
        self.context.data["httpx_names"] = True
        if len(classes) == 1:
            return classes[0]
        if original in self.tuple_ok:
            return cst.Tuple([cst.Element(c) for c in classes])
        self.context.report(
            original,
            self.id,
            "warning",
            f"requests' {name} covers several httpx classes; only the first is used here",
            "catch them all with `except (...)` where this matters: " + ", ".join(MAPPING[name]),
        )
        return classes[0]

    def _class(self, target: str) -> cst.Attribute:
        if target.startswith("json."):
            return cst.Attribute(cst.Name(self.context.module_for("json")), cst.Name(target[5:]))
        httpx = client_module(self.context.settings.http_transport)
        return cst.Attribute(cst.Name(self.context.module_for(httpx)), cst.Name(target))

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        """``raise requests.ReadTimeout()``: httpx exceptions need a message (and, for
        ``HTTPStatusError``, the request and response), or constructing them is a TypeError."""
        site = self.context.model.calls.get(original_node)
        if site is None or not isinstance(updated_node, cst.Call):
            return updated_node
        if original_node not in self.raised or updated_node.func is original_node.func:
            return updated_node  # the class was not rewritten here
        name = self._requests_class(original_node.func, site)
        if name is None or name == "JSONDecodeError":
            return updated_node
        call = updated_node
        if not positional(call):
            message = cst.Arg(cst.SimpleString(f'"{name}"'))
            if call.args:
                message = message.with_changes(
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                )
            call = call.with_changes(args=[message, *call.args])
        response = keyword(call, "response")
        if MAPPING[name][0] == "HTTPStatusError":
            if response is not None and keyword(call, "request") is None:
                request = cst.Attribute(response.value, cst.Name("request"))
                call = add_keyword(call, "request", request)
            if response is None:
                self.context.report(
                    original_node,
                    self.id,
                    "error",
                    "httpx.HTTPStatusError needs request= and response=",
                    "pass the httpx response: HTTPStatusError(message, request=r.request, "
                    "response=r)",
                )
        elif response is not None:
            call = drop_keywords(call, ["response"])
            self.context.report(
                original_node,
                self.id,
                "warning",
                f"httpx's {MAPPING[name][0]} has no response; it was dropped",
            )
        return call

    def leave_ExceptHandler(
        self, original_node: cst.ExceptHandler, updated_node: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        """``except (a, (b, c))`` -> ``except (a, b, c)``, without duplicates."""
        if not isinstance(updated_node.type, cst.Tuple) or original_node.type is None:
            return updated_node
        flat: list[cst.BaseExpression] = []
        seen: set[str] = set()
        for element in updated_node.type.elements:
            values = (
                [e.value for e in element.value.elements]
                if isinstance(element.value, cst.Tuple)
                else [element.value]
            )
            for value in values:
                code = cst.Module([]).code_for_node(value)
                if code not in seen:
                    seen.add(code)
                    flat.append(value)
        if len(flat) == 1:
            return updated_node.with_changes(type=flat[0])
        elements = [cst.Element(v) for v in flat]
        return updated_node.with_changes(type=updated_node.type.with_changes(elements=elements))
