"""F2Q111: WSGI-only APIs: ``request.environ``, ``request.stream``, ``app.wsgi_app`` middleware.

Quart is an ASGI framework: there is no WSGI environ, no ``wsgi_app``, and WSGI middleware
cannot wrap an ASGI app (spec §1.1, §1.3, §1.15). Werkzeug's ``ProxyFix`` has an ASGI
counterpart in Hypercorn: ``app.wsgi_app = ProxyFix(app.wsgi_app, x_for=N, x_proto=N,
x_host=N)`` becomes ``app.asgi_app = ProxyFixMiddleware(app.asgi_app, mode="legacy",
trusted_hops=N)`` when the three counts agree (Hypercorn's legacy mode trusts the three headers
alike); any other middleware, and every use of an environ-only request attribute, is reported.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from flask2quart._rules import Rule

from ._args import keyword, literal_int, positional

REQUEST_ATTRIBUTES = {
    "environ": "request.scope (the ASGI scope) holds what the WSGI environ held",
    "stream": "read the body with `await request.get_data()` or `async for chunk in request.body`",
    "input_stream": "read the body with `await request.get_data()`",
    "is_multithread": "this WSGI flag has no ASGI meaning; remove it",
    "is_multiprocess": "this WSGI flag has no ASGI meaning; remove it",
    "is_run_once": "this WSGI flag has no ASGI meaning; remove it",
    "remote_user": "read the user from your authentication layer instead",
    "want_form_data_parsed": "check request.mimetype instead",
}

PROXY_FIX = "werkzeug.middleware.proxy_fix.ProxyFix"
# Werkzeug's ProxyFix defaults for each trusted header count.
PROXY_FIX_DEFAULTS = {"x_for": 1, "x_proto": 1, "x_host": 0, "x_port": 0, "x_prefix": 0}


class WsgiOnlyApis(Rule):
    id = "F2Q111"
    name = "wsgi-only-apis"
    summary = (
        "report request.environ & co; ProxyFix(app.wsgi_app) -> ProxyFixMiddleware(app.asgi_app)"
    )

    attribute_names: ClassVar[frozenset[str]] = frozenset({*REQUEST_ATTRIBUTES, "wsgi_app"})

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        attr = original_node.attr.value
        if attr not in REQUEST_ATTRIBUTES:
            return updated_node
        if self.context.member_key(original_node) != f"flask.Request.{attr}":
            return updated_node
        self.context.report(
            original_node,
            self.id,
            "error",
            f"request.{attr} does not exist on Quart (no WSGI environ)",
            REQUEST_ATTRIBUTES[attr],
        )
        return updated_node

    def leave_Assign(
        self, original_node: cst.Assign, updated_node: cst.Assign
    ) -> cst.BaseSmallStatement:
        if len(original_node.targets) != 1:
            return updated_node
        target = original_node.targets[0].target
        if not isinstance(target, cst.Attribute) or target.attr.value != "wsgi_app":
            return updated_node
        value = original_node.value
        site = self.context.model.calls.get(value) if isinstance(value, cst.Call) else None
        if site is None:
            return updated_node
        owner = self.context.type_of(target.value, site)
        if owner != ("obj", "flask.Flask"):
            return updated_node
        assert isinstance(value, cst.Call)
        hops = self._proxy_fix_hops(value)
        if hops is None:
            self.context.report(
                original_node,
                self.id,
                "error",
                "WSGI middleware cannot wrap a Quart app (it has no wsgi_app)",
                "use an ASGI middleware around app.asgi_app (see Quart's middleware guide)",
            )
            return updated_node
        middleware = self.context.name_for("hypercorn.middleware", "ProxyFixMiddleware")
        new_value = cst.Call(
            func=cst.Name(middleware),
            args=[
                cst.Arg(
                    cst.Attribute(target.value, cst.Name("asgi_app")),
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                ),
                _kwarg("mode", cst.SimpleString('"legacy"'), last=False),
                _kwarg("trusted_hops", cst.Integer(str(hops)), last=True),
            ],
        )
        self.context.report(
            original_node,
            self.id,
            "info",
            f"ProxyFix became Hypercorn's ProxyFixMiddleware (trusted_hops={hops}); it trusts "
            "X-Forwarded-For, -Proto and -Host alike",
        )
        new_target = original_node.targets[0].with_changes(
            target=target.with_changes(attr=cst.Name("asgi_app"))
        )
        return updated_node.with_changes(targets=[new_target], value=new_value)

    def _proxy_fix_hops(self, call: cst.Call) -> int | None:
        if self.context.callee_name(call) != PROXY_FIX or len(positional(call)) != 1:
            return None
        counts = {}
        for name, default in PROXY_FIX_DEFAULTS.items():
            arg = keyword(call, name)
            counts[name] = default if arg is None else literal_int(arg.value)
        if counts["x_port"] or counts["x_prefix"]:
            return None
        hops = {counts["x_for"], counts["x_proto"], counts["x_host"]}
        if len(hops) != 1 or None in hops:
            return None
        value = hops.pop()
        return value if value else None


def _kwarg(name: str, value: cst.BaseExpression, last: bool) -> cst.Arg:
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
        comma=cst.MaybeSentinel.DEFAULT
        if last
        else cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
    )
