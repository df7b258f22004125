"""F2Q106: ``send_file``, ``send_from_directory`` and ``redirect`` take different arguments.

Quart kept Flask's pre-2.0 names (spec §1.10): ``download_name`` is ``attachment_filename``,
``etag`` is ``add_etags`` (a bool only), ``max_age`` is ``cache_timeout`` (an int or None
only), ``path_or_file`` is ``filename_or_io`` and ``send_from_directory``'s ``path`` is
``file_name``; the old names raise ``TypeError``. Quart's ``send_file`` defaults to
``conditional=False`` where Flask's is True, so ``conditional=True`` is added to keep Range and
304 responses. ``redirect(..., Response=...)`` has no Quart equivalent: the argument is dropped
and reported. What has no equivalent (a string etag, a callable max_age, an open file object)
is left alone and reported.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._rules import Rule

from ._args import add_keyword, drop_keywords, keyword, literal_bool, positional, rename_keyword

RENAMES = {
    "download_name": "attachment_filename",
    "etag": "add_etags",
    "max_age": "cache_timeout",
}


class HelperSignatures(Rule):
    id = "F2Q106"
    name = "helper-signatures"
    summary = "send_file/send_from_directory argument names; conditional=True; redirect(Response=)"

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not isinstance(updated_node, cst.Call):
            return updated_node
        name = self.context.callee_name(original_node)
        if name == "flask.send_file":
            return self._send_file(original_node, updated_node)
        if name == "flask.send_from_directory":
            return self._common(original_node, rename_keyword(updated_node, "path", "file_name"))
        if name == "flask.redirect" and keyword(updated_node, "Response") is not None:
            self.context.report(
                original_node,
                self.id,
                "warning",
                "Quart's redirect() has no Response= argument; it was dropped",
                "build the response yourself if you need a custom response class",
            )
            return drop_keywords(updated_node, ["Response"])
        return updated_node

    def _send_file(self, original: cst.Call, call: cst.Call) -> cst.Call:
        call = rename_keyword(call, "path_or_file", "filename_or_io")
        first = positional(call)[:1] or [a for a in call.args if _is(a, "filename_or_io")]
        if first and isinstance(first[0].value, cst.Call) and _calls_open(first[0].value):
            self.context.report(
                original,
                self.id,
                "error",
                "Quart's send_file() takes a path or a BytesIO, not an open file",
                "pass the path, or io.BytesIO(f.read())",
            )
        call = self._common(original, call)
        if keyword(call, "conditional") is None:
            call = add_keyword(call, "conditional", cst.Name("True"))
        return call

    def _common(self, original: cst.Call, call: cst.Call) -> cst.Call:
        etag = keyword(call, "etag")
        if etag is not None and literal_bool(etag.value) is None:
            self.context.report(
                original,
                self.id,
                "warning",
                "Quart's add_etags= takes a bool only; check the value passed as etag=",
                "compute the ETag yourself and set response.set_etag(...) if it is a string",
            )
        max_age = keyword(call, "max_age")
        if max_age is not None and isinstance(max_age.value, cst.Lambda):
            self.context.report(
                original,
                self.id,
                "error",
                "Quart's cache_timeout= takes an int or None, not a callable",
                "compute the max age before the call",
            )
            return call
        for old, new in RENAMES.items():
            call = rename_keyword(call, old, new)
        return call


def _is(arg: cst.Arg, name: str) -> bool:
    return arg.keyword is not None and arg.keyword.value == name


def _calls_open(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Name) and call.func.value == "open"
