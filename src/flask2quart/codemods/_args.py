"""Small helpers for rewriting call arguments without disturbing their formatting."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def positional(call: cst.Call) -> list[cst.Arg]:
    return [a for a in call.args if a.keyword is None and not a.star]


def has_star_args(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def rename_keyword(call: cst.Call, old: str, new: str) -> cst.Call:
    args = [
        arg.with_changes(keyword=cst.Name(new))
        if arg.keyword is not None and arg.keyword.value == old
        else arg
        for arg in call.args
    ]
    return call.with_changes(args=args)


def drop_keywords(call: cst.Call, names: Sequence[str]) -> cst.Call:
    kept = [a for a in call.args if a.keyword is None or a.keyword.value not in names]
    return call.with_changes(args=_fix_trailing_comma(call.args, kept))


def _separator(call: cst.Call) -> cst.BaseParenthesizableWhitespace:
    """The whitespace the call already puts between arguments (or after its ``(``)."""
    for arg in call.args[:-1]:
        if isinstance(arg.comma, cst.Comma):
            return arg.comma.whitespace_after
    if isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        return call.whitespace_before_args
    return cst.SimpleWhitespace(" ")


def add_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """Append ``name=value`` as the last argument, in the layout the call already has."""
    new = cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    args = list(call.args)
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    # The last argument's comma (if any) and trailing whitespace hold the layout before ``)``:
    # they move to the new last argument; the old one gets the usual separator.
    new = new.with_changes(comma=last.comma, whitespace_after_arg=last.whitespace_after_arg)
    args[-1] = last.with_changes(
        comma=cst.Comma(whitespace_after=_separator(call)),
        whitespace_after_arg=cst.SimpleWhitespace(""),
    )
    args.append(new)
    return call.with_changes(args=args)


def _fix_trailing_comma(original: Sequence[cst.Arg], kept: list[cst.Arg]) -> list[cst.Arg]:
    if kept and original and not isinstance(original[-1].comma, cst.Comma):
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return kept


def literal_bool(node: cst.BaseExpression) -> bool | None:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def literal_int(node: cst.BaseExpression) -> int | None:
    if isinstance(node, cst.Integer):
        return int(node.value, 0)
    return None
