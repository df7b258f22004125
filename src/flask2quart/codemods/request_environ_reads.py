"""F2Q118: reads of ``request.environ`` that Quart's request answers, rewritten to it.

Quart has no WSGI environ (spec §1.1): ``request.environ`` raises ``AttributeError``. Reading a
key whose value Quart's request holds becomes that read::

    request.environ.get("HTTP_X_REAL_IP", d)  ->  request.headers.get("X-Real-Ip", d)
    request.environ["CONTENT_TYPE"]           ->  request.headers["Content-Type"]
    "HTTP_ORIGIN" in request.environ          ->  "Origin" in request.headers
    request.environ["REMOTE_ADDR"]            ->  request.remote_addr
    request.environ.get("REMOTE_ADDR", d)     ->  (request.remote_addr or d)
    request.environ["wsgi.url_scheme"]        ->  request.scheme
    request.environ["REQUEST_METHOD"]         ->  request.method
    request.environ["QUERY_STRING"]           ->  request.query_string.decode("latin-1")

A missing header raises werkzeug's ``BadRequestKeyError`` (a ``KeyError``: ``except KeyError``
still catches it; uncaught, it answers 400 where the environ's ``KeyError`` answered 500).
Any other use (another key, a computed key, a write, the environ passed on) stays as it is and
is reported as an error: those lines raise ``AttributeError`` on Quart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import libcst as cst

from flask2quart._rules import Rule

if TYPE_CHECKING:
    from flask2quart._transform import FileContext

ENVIRON = "flask.Request.environ"
# WSGI keys for request headers that do not start with HTTP_ (PEP 3333)
UNPREFIXED_HEADERS = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}
# keys every WSGI environ has: their default (``.get(key, default)``) is never used
ALWAYS_SET = {"wsgi.url_scheme": "scheme", "REQUEST_METHOD": "method"}
HINT = "request.scope (the ASGI scope) holds what the WSGI environ held"


def header_name(key: str) -> str | None:
    """``HTTP_X_FORWARDED_FOR`` -> ``X-Forwarded-For``; None for a key that is no header."""
    if key in UNPREFIXED_HEADERS:
        return UNPREFIXED_HEADERS[key]
    if key.startswith("HTTP_") and len(key) > 5:
        return "-".join(part.capitalize() for part in key[5:].split("_"))
    return None


def _string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _quoted(text: str) -> cst.SimpleString:
    return cst.SimpleString(f'"{text}"')


def _attribute(receiver: cst.BaseExpression, *names: str) -> cst.BaseExpression:
    node = receiver
    for name in names:
        node = cst.Attribute(node, cst.Name(name))
    return node


def _value_of(receiver: cst.BaseExpression, key: str) -> cst.BaseExpression | None:
    """What ``environ[key]`` becomes on Quart's request (headers aside)."""
    if key in ALWAYS_SET:
        return _attribute(receiver, ALWAYS_SET[key])
    if key == "REMOTE_ADDR":
        return _attribute(receiver, "remote_addr")
    if key == "QUERY_STRING":
        return cst.Call(
            func=_attribute(receiver, "query_string", "decode"),
            args=[cst.Arg(_quoted("latin-1"))],
        )
    return None


class RequestEnvironReads(Rule):
    id = "F2Q118"
    name = "request-environ-reads"
    summary = "request.environ[...] reads -> request.headers / remote_addr / scheme / method"

    attribute_names: ClassVar[frozenset[str]] = frozenset({"environ"})

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._rewritten: set[int] = set()  # ids of the ``request.environ`` nodes replaced
        self._stores: set[int] = set()  # ids of subscripts assigned or deleted

    def _is_environ(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Attribute) and self.context.member_key(node) == ENVIRON

    # ------------------------------------------------------------------ which reads convert

    def _get_key(self, call: cst.Call) -> str | None:
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "get"):
            return None
        args = call.args
        if not self._is_environ(func.value) or not 1 <= len(args) <= 2:
            return None
        if any(arg.keyword is not None or arg.star for arg in args):
            return None
        key = _string(args[0].value)
        return key if key is not None and self._convertible(key) else None

    def _item_key(self, node: cst.Subscript) -> str | None:
        if id(node) in self._stores or not self._is_environ(node.value):
            return None
        if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
            return None
        key = _string(node.slice[0].slice.value)
        return key if key is not None and self._convertible(key) else None

    def _membership_key(self, node: cst.Comparison) -> str | None:
        if len(node.comparisons) != 1:
            return None
        target = node.comparisons[0]
        if not isinstance(target.operator, cst.In | cst.NotIn):
            return None
        if not self._is_environ(target.comparator):
            return None
        key = _string(node.left)
        return key if key is not None and header_name(key) is not None else None

    @staticmethod
    def _convertible(key: str) -> bool:
        return header_name(key) is not None or key in (*ALWAYS_SET, "REMOTE_ADDR", "QUERY_STRING")

    # ------------------------------------------------------------------ marking (top-down)

    def visit_Assign(self, node: cst.Assign) -> None:
        self._stores.update(id(t.target) for t in node.targets)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._stores.add(id(node.target))

    def visit_Del(self, node: cst.Del) -> None:
        self._stores.add(id(node.target))

    def visit_Call(self, node: cst.Call) -> None:
        if self._get_key(node) is not None:
            assert isinstance(node.func, cst.Attribute)
            self._rewritten.add(id(node.func.value))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if self._item_key(node) is not None:
            self._rewritten.add(id(node.value))

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if self._membership_key(node) is not None:
            self._rewritten.add(id(node.comparisons[0].comparator))

    # ------------------------------------------------------------------ rewriting (bottom-up)

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if id(original_node) in self._rewritten or not self._is_environ(original_node):
            return updated_node
        self.context.report(
            original_node,
            self.id,
            "error",
            "request.environ does not exist on Quart (no WSGI environ)",
            HINT,
        )
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        key = self._get_key(original_node)
        if key is None or not isinstance(updated_node, cst.Call):
            return updated_node
        func = updated_node.func
        assert isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute)
        receiver = func.value.value
        header = header_name(key)
        if header is not None:
            args = [updated_node.args[0].with_changes(value=_quoted(header))]
            return updated_node.with_changes(
                func=_attribute(receiver, "headers", "get"), args=[*args, *updated_node.args[1:]]
            )
        value = _value_of(receiver, key)
        assert value is not None
        if key == "REMOTE_ADDR" and len(updated_node.args) == 2:
            default = updated_node.args[1].value
            return cst.BooleanOperation(
                value,
                cst.Or(),
                default,
                lpar=[cst.LeftParen()],
                rpar=[cst.RightParen()],
            )
        return value

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        key = self._item_key(original_node)
        if key is None or not isinstance(updated_node.value, cst.Attribute):
            return updated_node
        receiver = updated_node.value.value
        header = header_name(key)
        if header is not None:
            element = updated_node.slice[0]
            assert isinstance(element.slice, cst.Index)
            return updated_node.with_changes(
                value=_attribute(receiver, "headers"),
                slice=[
                    element.with_changes(slice=element.slice.with_changes(value=_quoted(header)))
                ],
            )
        value = _value_of(receiver, key)
        assert value is not None
        return value

    def leave_Comparison(
        self, original_node: cst.Comparison, updated_node: cst.Comparison
    ) -> cst.BaseExpression:
        key = self._membership_key(original_node)
        if key is None:
            return updated_node
        header = header_name(key)
        assert header is not None
        target = updated_node.comparisons[0]
        environ = target.comparator
        assert isinstance(environ, cst.Attribute)
        return updated_node.with_changes(
            left=_quoted(header),
            comparisons=[target.with_changes(comparator=_attribute(environ.value, "headers"))],
        )
