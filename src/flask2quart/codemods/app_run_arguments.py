"""F2Q113: ``app.run(...)`` takes Quart's arguments and keeps Flask's reloader behaviour.

Quart's ``run`` serves with Hypercorn: ``threaded=``, ``processes=``, ``load_dotenv=`` and the
other Werkzeug-server options only produce a warning, ``ssl_context=(cert, key)`` is
``certfile=cert, keyfile=key``, and the reloader is on by default where Flask ties it to
``debug`` (spec §1.15). Unsupported arguments are dropped (reported), a literal certificate pair
is split, and ``use_reloader=`` is made explicit so the converted app reloads exactly when the
original did.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._rules import Rule

from ._args import add_keyword, drop_keywords, keyword, positional

UNSUPPORTED = (
    "threaded",
    "processes",
    "load_dotenv",
    "passthrough_errors",
    "use_evalex",
    "use_debugger",
    "extra_files",
    "exclude_patterns",
    "reloader_interval",
    "reloader_type",
    "request_handler",
    "static_files",
)


class AppRunArguments(Rule):
    id = "F2Q113"
    name = "app-run-arguments"
    summary = "app.run(): drop Werkzeug-only options, split ssl_context, explicit use_reloader"

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not isinstance(updated_node, cst.Call) or not isinstance(
            original_node.func, cst.Attribute
        ):
            return updated_node
        if original_node.func.attr.value != "run":
            return updated_node
        if self.context.callee_name(original_node) != "flask.Flask.run":
            return updated_node
        call = updated_node
        dropped = [name for name in UNSUPPORTED if keyword(call, name) is not None]
        if dropped:
            call = drop_keywords(call, dropped)
            self.context.report(
                original_node,
                self.id,
                "info",
                f"dropped what Quart's run() (Hypercorn) does not take: {', '.join(dropped)}",
            )
        call = self._ssl(original_node, call)
        if keyword(call, "use_reloader") is None and len(positional(call)) < 4:
            debug = keyword(call, "debug")
            positional_debug = positional(call)[2] if len(positional(call)) >= 3 else None
            value = debug.value if debug else positional_debug.value if positional_debug else None
            call = add_keyword(
                call, "use_reloader", value if value is not None else cst.Name("False")
            )
        return call

    def _ssl(self, original: cst.Call, call: cst.Call) -> cst.Call:
        ssl = keyword(call, "ssl_context")
        if ssl is None:
            return call
        value = ssl.value
        if isinstance(value, cst.Tuple) and len(value.elements) == 2:
            cert, key = (element.value for element in value.elements)
            call = drop_keywords(call, ["ssl_context"])
            call = add_keyword(call, "certfile", cert)
            return add_keyword(call, "keyfile", key)
        self.context.report(
            original,
            self.id,
            "error",
            "Quart's run() has no ssl_context=; it takes certfile= and keyfile=",
            "pass the certificate and key files (an 'adhoc' certificate is not supported)",
        )
        return call
