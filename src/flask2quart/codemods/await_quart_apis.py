"""F2Q102: await the Flask APIs that are coroutines on Quart.

``render_template``, ``flash``, ``make_response``, ``send_file``, ``request.form`` /
``files`` / ``values`` / ``json`` / ``data``, ``request.get_json()``, ``FileStorage.save()``
and friends (spec §1.2-§1.6) return coroutines on Quart; un-awaited, some fail loudly (500) and
some silently (a lost flash message, an upload never written). Each use inside a function that
can become async is awaited, with parentheses where precedence needs them:
``(await request.form)['name']``. A use that cannot be awaited (in a lambda, at import time, in a
function that must stay sync) is left alone and reported as an error.

``response.data += b"\n"`` would become the uncompilable ``await response.data += ...``: the
property is read with ``await`` and written with its (sync) setter,
``response.data = await response.data + b"\n"``, when the owner is a plain name or attribute
chain (evaluated twice); otherwise the line stays as it was and is reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import libcst as cst

from flask2quart._rules import Rule, SeedKind

from ._awaits import seed_attribute, seed_call

_APP_METHODS = (
    "make_response send_static_file preprocess_request process_response dispatch_request "
    "full_dispatch_request handle_exception handle_http_exception handle_user_exception "
    "finalize_request make_default_options_response do_teardown_request "
    "do_teardown_appcontext update_template_context"
).split()

CALLS: dict[str, SeedKind] = {
    **{
        f"flask.{name}": "mandatory"
        for name in (
            "render_template render_template_string stream_template stream_template_string "
            "make_response send_file send_from_directory flash"
        ).split()
    },
    **{f"flask.Flask.{name}": "mandatory" for name in _APP_METHODS},
    "flask.Blueprint.send_static_file": "mandatory",
    "flask.Request.get_json": "mandatory",
    "flask.Request.get_data": "mandatory",
    "flask.Request.close": "mandatory",
    "werkzeug.FileStorage.save": "mandatory",
    **{
        f"flask.Response.{name}": "mandatory"
        for name in "get_data get_json freeze make_conditional add_etag make_sequence".split()
    },
}

ATTRIBUTES: dict[str, SeedKind] = {
    **{
        f"flask.Request.{name}": "mandatory" for name in ("form", "files", "values", "json", "data")
    },
    "flask.Response.data": "mandatory",
    "flask.Response.json": "mandatory",
}


# awaitable properties whose setter is sync on Quart (``Response.data = ...`` sets the body)
SETTABLE_ATTRIBUTES = frozenset(("flask.Response.data",))


class AwaitQuartApis(Rule):
    id = "F2Q102"
    name = "await-quart-apis"
    summary = (
        "await render_template, flash, request.form, FileStorage.save and the other coroutines"
    )
    requires = ("F2Q103",)

    awaitable_calls: ClassVar[Mapping[str, SeedKind]] = CALLS
    awaitable_attributes: ClassVar[Mapping[str, SeedKind]] = ATTRIBUTES

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        return seed_call(self, CALLS, original_node, updated_node)

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        return seed_attribute(self, ATTRIBUTES, original_node, updated_node)

    def leave_AugAssign(
        self, original_node: cst.AugAssign, updated_node: cst.AugAssign
    ) -> cst.BaseSmallStatement:
        target = updated_node.target
        if not isinstance(target, cst.Await) or not isinstance(original_node.target, cst.Attribute):
            return updated_node
        if self.context.member_key(original_node.target) not in SETTABLE_ATTRIBUTES:
            return updated_node
        attribute = target.expression
        assert isinstance(attribute, cst.Attribute)
        if not _evaluates_once_safely(attribute.value):
            self.context.report(
                original_node,
                self.id,
                "error",
                f".{attribute.attr.value} must be awaited on Quart, and its owner would be "
                "evaluated twice here",
                f"bind the owner to a name, then write `x.{attribute.attr.value} = "
                f"await x.{attribute.attr.value} + ...`",
            )
            owner = attribute.value
            if isinstance(owner, cst.Await) and not owner.lpar:
                owner = owner.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            return updated_node.with_changes(target=attribute.with_changes(value=owner))
        operator = getattr(cst, type(updated_node.operator).__name__.removesuffix("Assign"))()
        value = updated_node.value
        if isinstance(value, _LOOSE_EXPRESSIONS) and not value.lpar:
            value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return cst.Assign(
            targets=[cst.AssignTarget(attribute)],
            value=cst.BinaryOperation(left=target, operator=operator, right=value),
            semicolon=updated_node.semicolon,
        )


# right operands that need parentheses after ``await x.data <op>``
_LOOSE_EXPRESSIONS = (
    cst.BinaryOperation,
    cst.BooleanOperation,
    cst.Comparison,
    cst.IfExp,
    cst.Lambda,
    cst.NamedExpr,
    cst.UnaryOperation,
)


def _evaluates_once_safely(node: cst.BaseExpression) -> bool:
    """A name or a chain of attributes of a name: reading it twice reads the same object."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return isinstance(node, cst.Name)
