"""F2Q202: the requests ``Response`` attributes that differ on an httpx ``Response``.

Only where the response comes from a converted call (its function is async), so a response a
sync caller still gets from requests keeps its API (spec §4.4):

* ``r.ok`` -> ``not r.is_error`` (``is_success`` would turn 3xx into failures);
* ``r.reason`` -> ``r.reason_phrase``; ``r.next`` -> ``r.next_request``;
* ``r.is_permanent_redirect`` -> ``r.status_code in (301, 308)``;
* ``r.url`` / ``r.request.url`` used as a string -> ``str(r.url)`` (an ``httpx.URL`` compares
  equal to a str, and ``.host``/``.path``/``.port``/... work, so those uses stay);
* ``for chunk in r.iter_content(n)`` -> ``async for chunk in r.aiter_bytes(n)``
  (``decode_unicode=True`` -> ``aiter_text``), ``r.iter_lines()`` -> ``r.aiter_lines()``, which
  yields ``str``, not ``bytes`` (reported).

``r.apparent_encoding`` and ``r.raw`` have no equivalent: reported. The same names on an object
of unknown type, in a module that imports requests, are reported (a response passed to a
helper has no known type), not rewritten.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from flask2quart._rules import Rule
from flask2quart._transform import FileContext
from flask2quart.analysis.model import Site

from .requests_to_httpx import functions_with_converted_http, requests_fully_converted

RESPONSE = "requests.Response"
_RENAMED = {"reason": "reason_phrase", "next": "next_request"}
_URL_ATTRIBUTES = frozenset(
    "host path port params scheme query fragment netloc raw_path userinfo username password "
    "copy_with copy_merge_params copy_set_param join".split()
)
_UNSUPPORTED = {
    "apparent_encoding": "httpx has no apparent_encoding; pass AsyncClient(default_encoding=...) "
    "(charset-normalizer) if you relied on it",
    "raw": "httpx has no .raw; use `async for chunk in r.aiter_raw()` inside client.stream(...)",
}
_ITERATORS = {"iter_content": "aiter_bytes", "iter_lines": "aiter_lines"}
# Distinctive enough to report on a receiver of unknown type.
_DISTINCTIVE = frozenset({"ok", "reason", "iter_content", "iter_lines", "apparent_encoding"})


class HttpxResponseAttributes(Rule):
    id = "F2Q202"
    name = "httpx-response-attributes"
    summary = "r.ok, r.reason, r.url, iter_content/iter_lines: the httpx equivalents"
    requires = ("F2Q201",)

    attribute_names: ClassVar[frozenset[str]] = frozenset(
        {"ok", "reason", "next", "is_permanent_redirect", "url", *_UNSUPPORTED, *_ITERATORS}
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.string_safe: set[cst.CSTNode] = set()  # `.url` nodes fine as httpx.URL
        self.bare_safe: set[cst.CSTNode] = set()  # nodes where `not x` needs no parentheses
        self.async_iterators: set[cst.Call] = set()
        self.loop_iterables: set[cst.CSTNode] = set()
        self.negations: set[cst.CSTNode] = set()  # `not r.is_error` made from `r.ok`
        self.all_converted = requests_fully_converted(context.plan)
        self.http_functions = functions_with_converted_http(context)
        self.imports_requests = any(
            binding.kind == "import" and binding.fqn.split(".")[0] == "requests"
            for bindings in context.model.module_scope.bindings.values()
            for binding in bindings
        )

    # ------------------------------------------------------------------ parents

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if all(isinstance(t.operator, cst.Equal | cst.NotEqual) for t in node.comparisons):
            self.string_safe.add(node.left)
            self.string_safe.update(t.comparator for t in node.comparisons)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in _URL_ATTRIBUTES:
            self.string_safe.add(node.value)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "str" and len(node.args) == 1:
            self.string_safe.add(node.args[0].value)

    def visit_For(self, node: cst.For) -> None:
        self.loop_iterables.add(node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self.loop_iterables.add(node.iter)

    def visit_If(self, node: cst.If) -> None:
        self.bare_safe.add(node.test)

    def visit_While(self, node: cst.While) -> None:
        self.bare_safe.add(node.test)

    def visit_Assert(self, node: cst.Assert) -> None:
        self.bare_safe.add(node.test)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.bare_safe.add(node.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        self.bare_safe.add(node.value)

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        self.bare_safe.update((node.left, node.right))

    # ------------------------------------------------------------------ rewrites

    def _response_site(self, node: cst.Attribute) -> tuple[Site, str | None] | None:
        site = self.context.model.attributes.get(node)
        if site is None:
            return None
        key = self.context.member_key(node)
        converted = site.owner is not None and site.owner.fqn in self.http_functions
        if not converted and not self.all_converted:
            self._report_unknown(node, site, key)
            return None
        return site, key

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        found = self._response_site(original_node)
        if found is None or not isinstance(updated_node, cst.Attribute):
            return updated_node
        site, key = found
        name = original_node.attr.value
        if isinstance(updated_node.value, cst.Await) and not updated_node.value.lpar:
            # the rewrites below put this attribute inside another node, where the batched
            # transformer's own parenthesising of `(await x).attr` does not reach
            awaited = updated_node.value.with_changes(
                lpar=[cst.LeftParen()], rpar=[cst.RightParen()]
            )
            updated_node = updated_node.with_changes(value=awaited)
        if key is None or not key.startswith(("requests.Response.", "requests.PreparedRequest.")):
            self._report_unknown(original_node, site, key)
            return updated_node
        if key == "requests.PreparedRequest.url" or (key == f"{RESPONSE}.url"):
            if original_node in self.string_safe:
                return updated_node
            return cst.Call(func=cst.Name("str"), args=[cst.Arg(updated_node)])
        if key == f"{RESPONSE}.ok":
            is_error = updated_node.with_changes(attr=cst.Name("is_error"))
            negated = cst.UnaryOperation(operator=cst.Not(), expression=is_error)
            if original_node not in self.bare_safe:
                negated = negated.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            self.negations.add(negated)
            return negated
        if key == f"{RESPONSE}.is_permanent_redirect":
            status = updated_node.with_changes(attr=cst.Name("status_code"))
            moved = cst.ensure_type(cst.parse_expression("x in (301, 308)"), cst.Comparison)
            moved = moved.with_changes(left=status)
            if original_node in self.bare_safe:
                return moved
            return moved.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        if name in _RENAMED and key == f"{RESPONSE}.{name}":
            return updated_node.with_changes(attr=cst.Name(_RENAMED[name]))
        if name in _UNSUPPORTED:
            self.context.report(original_node, self.id, "warning", _UNSUPPORTED[name])
        return updated_node

    def _report_unknown(self, node: cst.Attribute, site: Site, key: str | None) -> None:
        name = node.attr.value
        if key is not None or name not in _DISTINCTIVE or not self.imports_requests:
            return
        if self.context.type_of(node.value, site)[0] != "?":
            return
        self.context.report(
            node,
            self.id,
            "warning",
            f"could not tell whether `.{name}` is read from a requests Response; if it is, "
            "it differs on httpx",
            "ok -> not r.is_error, reason -> reason_phrase, iter_content -> aiter_bytes "
            "(async for), iter_lines -> aiter_lines (yields str)",
        )

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in _ITERATORS:
            return updated_node
        found = self._response_site(func)
        if found is None or found[1] != f"{RESPONSE}.{func.attr.value}":
            return updated_node
        if not isinstance(updated_node, cst.Call) or not isinstance(
            updated_node.func, cst.Attribute
        ):
            return updated_node
        if original_node not in self.loop_iterables or not self.context.function_is_async(
            found[0].owner
        ):
            self.context.report(
                original_node,
                self.id,
                "error",
                f"{func.attr.value}() outside a `for` cannot be converted: httpx streams are "
                "read with `async for`",
                f"iterate it with `async for x in r.{_ITERATORS[func.attr.value]}()`",
            )
            return updated_node
        method = _ITERATORS[func.attr.value]
        args = []
        for position, arg in enumerate(updated_node.args):
            keyword = arg.keyword.value if arg.keyword is not None else None
            if keyword == "decode_unicode" or (keyword is None and position == 1):
                if isinstance(arg.value, cst.Name) and arg.value.value == "True":
                    method = "aiter_text"
                continue
            if keyword == "delimiter":
                self.context.report(
                    original_node, self.id, "warning", "aiter_lines() has no delimiter="
                )
                continue
            args.append(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT))
        if method == "aiter_lines":
            self.context.report(
                original_node,
                self.id,
                "info",
                "iter_lines() became aiter_lines(), which yields str, not bytes",
                "drop any .decode() applied to its lines",
            )
        new_call = updated_node.with_changes(
            func=updated_node.func.with_changes(attr=cst.Name(method)), args=args
        )
        self.async_iterators.add(new_call)
        return new_call

    def leave_UnaryOperation(
        self, original_node: cst.UnaryOperation, updated_node: cst.UnaryOperation
    ) -> cst.BaseExpression:
        """``not r.ok`` -> ``r.is_error``, not ``not (not r.is_error)``."""
        inner = updated_node.expression
        if isinstance(updated_node.operator, cst.Not) and inner in self.negations:
            assert isinstance(inner, cst.UnaryOperation)
            return inner.expression.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)
        return updated_node

    def leave_For(self, original_node: cst.For, updated_node: cst.For) -> cst.For:
        if updated_node.iter in self.async_iterators:
            return updated_node.with_changes(asynchronous=cst.Asynchronous())
        return updated_node

    def leave_CompFor(self, original_node: cst.CompFor, updated_node: cst.CompFor) -> cst.CompFor:
        if updated_node.iter in self.async_iterators:
            return updated_node.with_changes(asynchronous=cst.Asynchronous())
        return updated_node
