"""F2Q111: WSGI-only APIs: ``request.environ``, ``request.stream``, ``app.wsgi_app`` middleware.

Quart is an ASGI framework: there is no WSGI environ, no ``wsgi_app``, and WSGI middleware
cannot wrap an ASGI app (spec §1.1, §1.3, §1.15). Werkzeug's ``ProxyFix`` has an ASGI
counterpart in Hypercorn: ``app.wsgi_app = ProxyFix(app.wsgi_app, x_for=N, x_proto=N, ...)``
becomes ``app.asgi_app = ProxyFixMiddleware(app.asgi_app, mode="legacy", trusted_hops=N)``
when ``x_for`` and ``x_proto`` agree (literals or one same expression). Hypercorn's legacy
mode trusts X-Forwarded-For, -Proto and -Host alike and nothing else, so each difference is
reported: a warning when ProxyFix did not trust X-Forwarded-Host (its default), an error when
it applied X-Forwarded-Prefix or -Port. WhiteNoise around ``app.wsgi_app`` becomes
servestatic's ``ServeStaticASGI`` around ``app.asgi_app`` (WhiteNoise's maintained fork: same
root, prefix, keywords and ``add_files``). Chained (``x = app.wsgi_app = ...``) and annotated
targets are converted alike. Any other middleware assigned to ``app.wsgi_app`` (werkzeug's
profiler and dispatcher, the app's own classes) would raise AttributeError when the line runs,
so the statement is commented out (the app imports and serves without the middleware) and an
error names it with its ASGI replacement; a chained one stays, reported, since its other names
would be unbound. Every use of an environ-only request attribute is reported
(``request.environ`` itself: F2Q118).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

import libcst as cst

from flask2quart._rules import Rule

if TYPE_CHECKING:
    from flask2quart._project import ProjectContext
    from flask2quart._transform import FileContext

from ._args import keyword, literal_int, positional

REQUEST_ATTRIBUTES = {
    "stream": "read the body with `await request.get_data()` or `async for chunk in request.body`",
    "input_stream": "read the body with `await request.get_data()`",
    "is_multithread": "this WSGI flag has no ASGI meaning; remove it",
    "is_multiprocess": "this WSGI flag has no ASGI meaning; remove it",
    "is_run_once": "this WSGI flag has no ASGI meaning; remove it",
    "remote_user": "read the user from your authentication layer instead",
    "want_form_data_parsed": "check request.mimetype instead",
}

PROXY_FIX = "werkzeug.middleware.proxy_fix.ProxyFix"
PROXY_FIX_HINT = (
    'use hypercorn.middleware.ProxyFixMiddleware(app.asgi_app, mode="legacy", trusted_hops=N): '
    "it trusts N hops of X-Forwarded-For, -Proto and -Host alike"
)
ASGI_MIDDLEWARE_HINT = (
    "rewrite it as ASGI middleware (an object whose `async __call__(scope, receive, send)` "
    "edits the scope and awaits the wrapped app) and assign it to app.asgi_app, wrapping "
    "app.asgi_app (Quart's middleware guide)"
)
# What replaces each known WSGI middleware; an unknown one gets ASGI_MIDDLEWARE_HINT.
MIDDLEWARE_HINTS = {
    PROXY_FIX: PROXY_FIX_HINT,
    "whitenoise.WhiteNoise": (
        "serve the files with servestatic's ServeStaticASGI(app.asgi_app, root=..., "
        "prefix=...) (WhiteNoise's ASGI port, same options) assigned to app.asgi_app, or from "
        "Quart's static folder; until then only the static folder is served"
    ),
    "werkzeug.middleware.profiler.ProfilerMiddleware": (
        "profile the ASGI app instead (an ASGI profiling middleware around app.asgi_app, or "
        "cProfile around the server); werkzeug has no ASGI profiler"
    ),
    "werkzeug.middleware.dispatcher.DispatcherMiddleware": (
        "mount ASGI apps with hypercorn.middleware.DispatcherMiddleware({prefix: app.asgi_app, "
        "...}) served instead of app; every mounted app must be ASGI"
    ),
    "werkzeug.middleware.shared_data.SharedDataMiddleware": (
        "serve the files from Quart's static folder or a route returning "
        "`await send_from_directory(...)`"
    ),
}
MIDDLEWARE_HINTS["whitenoise.base.WhiteNoise"] = MIDDLEWARE_HINTS["whitenoise.WhiteNoise"]
WHITENOISE = frozenset({"whitenoise.WhiteNoise", "whitenoise.base.WhiteNoise"})
# WhiteNoise 5-6's keywords; servestatic's ServeStaticASGI takes each alike (and root, prefix
# positionally in the same places), its add_files(root, prefix) too.
WHITENOISE_KEYWORDS = frozenset(
    {
        "root",
        "prefix",
        "autorefresh",
        "max_age",
        "allow_all_origins",
        "charset",
        "mimetypes",
        "add_headers_function",
        "index_file",
        "immutable_file_test",
    }
)
SERVESTATIC_KEY = "servestatic_middleware"
SERVESTATIC_REQUIREMENT = "servestatic>=4.4"


class WsgiOnlyApis(Rule):
    id = "F2Q111"
    name = "wsgi-only-apis"
    summary = (
        "report request.stream & co; ProxyFix(app.wsgi_app) -> ProxyFixMiddleware(app.asgi_app);"
        " WhiteNoise -> servestatic's ServeStaticASGI; other middleware commented out, reported"
    )

    attribute_names: ClassVar[frozenset[str]] = frozenset({*REQUEST_ATTRIBUTES, "wsgi_app"})

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        # The ``pass`` of each commented-out line: dropped where the comments can sit elsewhere.
        self._placeholders: set[int] = set()

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        # applied with every other rule's requirements by F2Q117 (project-dependencies)
        used = any(flag for _, flag in project.data(SERVESTATIC_KEY))
        if used and SERVESTATIC_REQUIREMENT not in project.dependencies.add:
            project.dependencies.add.append(SERVESTATIC_REQUIREMENT)

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
        found = self._app_middleware(original_node)
        if found is None:
            return updated_node
        call, index = found
        converted = self._converted(original_node, call)
        if converted is None:
            return updated_node  # leave_SimpleStatementLine comments it out or reports it
        targets = list(updated_node.targets)
        targets[index] = targets[index].with_changes(target=_asgi_target(targets[index].target))
        return updated_node.with_changes(targets=targets, value=converted)

    def leave_AnnAssign(
        self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign
    ) -> cst.BaseSmallStatement:
        found = self._app_middleware(original_node)
        if found is None:
            return updated_node
        converted = self._converted(original_node, found[0])
        if converted is None:
            return updated_node
        return updated_node.with_changes(target=_asgi_target(updated_node.target), value=converted)

    def _converted(self, statement: cst.CSTNode, call: cst.Call) -> cst.Call | None:
        """The ASGI middleware call standing in for ``call``, reported; None when none can."""
        app = self._wrapped_app(call)
        if app is None:
            return None
        name = self.context.callee_name(call)
        if name in WHITENOISE:
            return self._serve_static(statement, call, app)
        hops = self._proxy_fix_hops(call)
        if hops is None:
            return None
        return self._proxy_fix(statement, app, hops)

    def _serve_static(
        self, statement: cst.CSTNode, call: cst.Call, app: cst.BaseExpression
    ) -> cst.Call:
        middleware = self.context.name_for("servestatic", "ServeStaticASGI")
        self.context.data[SERVESTATIC_KEY] = True
        self.context.report(
            statement,
            self.id,
            "warning",
            "WhiteNoise became servestatic's ServeStaticASGI (WhiteNoise's maintained fork, same "
            "arguments and add_files()); unlike WhiteNoise it caches files whose names carry a "
            "12-hex-digit hash for ten years (immutable) and does not follow symlinks out of the "
            "root",
            "pass immutable_file_test=lambda path, url: False to keep WhiteNoise's caching, "
            "allow_unsafe_symlinks=True to follow such links",
        )
        first, *rest = call.args
        return call.with_changes(
            func=cst.Name(middleware),
            args=[first.with_changes(value=cst.Attribute(app, cst.Name("asgi_app"))), *rest],
        )

    def _proxy_fix(
        self,
        statement: cst.CSTNode,
        app: cst.BaseExpression,
        hops: tuple[cst.BaseExpression, bool, list[str]],
    ) -> cst.Call:
        trusted, lost_host, lost = hops
        middleware = self.context.name_for("hypercorn.middleware", "ProxyFixMiddleware")
        new_value = cst.Call(
            func=cst.Name(middleware),
            args=[
                cst.Arg(
                    cst.Attribute(app, cst.Name("asgi_app")),
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                ),
                _kwarg("mode", cst.SimpleString('"legacy"'), last=False),
                _kwarg("trusted_hops", trusted, last=True),
            ],
        )
        hops_text = cst.Module([]).code_for_node(trusted)
        message = (
            f"ProxyFix became Hypercorn's ProxyFixMiddleware (trusted_hops={hops_text}); it trusts "
            "X-Forwarded-For, -Proto and -Host alike"
        )
        host_note = (
            "X-Forwarded-Host is now trusted too (ProxyFix's x_host was 0), so the Host the app "
            "sees and the external URLs it builds follow it"
        )
        if lost:
            headers = " and ".join(f"X-Forwarded-{name.title()}" for name in lost)
            self.context.report(
                statement,
                self.id,
                "error",
                f"{message}, and no longer applies {headers} "
                f"({', '.join(f'x_{name}' for name in lost)} of ProxyFix)"
                + (f"; {host_note}" if lost_host else ""),
                "behind a proxy that sends them, add an ASGI middleware that sets "
                "scope['root_path'] (prefix) or the host's port from them",
            )
        elif lost_host:
            self.context.report(
                statement,
                self.id,
                "warning",
                f"{message}: {host_note}",
                "make sure the proxy sets or strips X-Forwarded-Host",
            )
        else:
            self.context.report(statement, self.id, "info", message)
        return new_value

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        if len(original_node.body) != 1:
            self._report_left(original_node.body)
            return updated_node
        [statement] = original_node.body
        if isinstance(statement, cst.Assign) and len(statement.targets) > 1:
            # other names bound by a chained assignment would be lost with the line
            self._report_left(original_node.body)
            return updated_node
        found = self._other_middleware(statement)
        if found is None:
            return updated_node
        short, hint = found
        self.context.report(
            statement,
            self.id,
            "error",
            f"{short} is WSGI middleware and Quart has no wsgi_app: the line is commented "
            f"out, so the app serves without {short}",
            hint,
        )
        line = _commented_out(original_node, short)
        self._placeholders.add(id(line.body[0]))
        return line

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        self._report_left(original_node.body)
        return updated_node

    def _report_left(self, statements: Sequence[cst.BaseSmallStatement]) -> None:
        """Middleware sharing its line with other code (``a; b``, ``if x: b``) stays, reported."""
        for statement in statements:
            found = self._other_middleware(statement)
            if found is not None:
                short, hint = found
                self.context.report(
                    statement,
                    self.id,
                    "error",
                    f"{short} is WSGI middleware and Quart has no wsgi_app: this line raises "
                    "AttributeError when it runs",
                    f"{hint}, then delete the line",
                )

    def _other_middleware(self, statement: cst.BaseSmallStatement) -> tuple[str, str] | None:
        """(name, replacement hint) of WSGI middleware this rule cannot convert, else None."""
        if not isinstance(statement, cst.Assign | cst.AnnAssign):
            return None
        found = self._app_middleware(statement)
        if found is None or self._convertible(found[0]):
            return None
        call = found[0]
        name = self.context.callee_name(call) or cst.Module([]).code_for_node(call.func)
        return name.rsplit(".", 1)[-1], MIDDLEWARE_HINTS.get(name, ASGI_MIDDLEWARE_HINT)

    def _convertible(self, call: cst.Call) -> bool:
        if self._wrapped_app(call) is None:
            return False
        if self.context.callee_name(call) in WHITENOISE:
            return True
        return self._proxy_fix_hops(call) is not None

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body, footer = self._without_placeholders(updated_node.body, updated_node.footer)
        return updated_node.with_changes(body=body, footer=footer)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body, footer = self._without_placeholders(updated_node.body, updated_node.footer)
        return updated_node.with_changes(body=body, footer=footer)

    def _without_placeholders(
        self, body: Sequence[cst.BaseStatement], footer: Sequence[cst.EmptyLine]
    ) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
        """Move each placeholder's comments onto the next statement (or the block's footer)
        and drop its ``pass``; a block the placeholder is alone in keeps it."""
        kept: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []
        for statement in body:
            if self._is_placeholder(statement) and len(body) > 1:
                assert isinstance(statement, cst.SimpleStatementLine)
                carried.extend(statement.leading_lines)
                continue
            if carried and isinstance(
                statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)
            ):
                statement = statement.with_changes(
                    leading_lines=[*carried, *statement.leading_lines]
                )
                carried = []
            kept.append(statement)
        if not kept:  # only placeholders: keep the last one
            return list(body), list(footer)
        return kept, [*carried, *footer]

    def _is_placeholder(self, statement: cst.BaseStatement) -> bool:
        return (
            isinstance(statement, cst.SimpleStatementLine)
            and len(statement.body) == 1
            and id(statement.body[0]) in self._placeholders
        )

    def _app_middleware(self, node: cst.Assign | cst.AnnAssign) -> tuple[cst.Call, int] | None:
        """The call in ``<Flask app>.wsgi_app = Middleware(...)`` (also chained, ``x =
        app.wsgi_app = ...``, or annotated) and the index of the wsgi_app target, else None."""
        value = node.value
        if not isinstance(value, cst.Call):
            return None
        site = self.context.model.calls.get(value)
        if site is None:
            return None
        targets = (
            [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        )
        for index, target in enumerate(targets):
            if (
                isinstance(target, cst.Attribute)
                and target.attr.value == "wsgi_app"
                and self.context.type_of(target.value, site) == ("obj", "flask.Flask")
            ):
                return value, index
        return None

    def _wrapped_app(self, call: cst.Call) -> cst.BaseExpression | None:
        """``app`` when the middleware's first argument is a Flask ``app.wsgi_app``, and for
        WhiteNoise only arguments that servestatic's ServeStaticASGI takes alike."""
        if not call.args or any(arg.star for arg in call.args):
            return None
        first = call.args[0]
        if first.keyword is not None or not isinstance(first.value, cst.Attribute):
            return None
        if first.value.attr.value != "wsgi_app":
            return None
        site = self.context.model.calls.get(call)
        if site is None or self.context.type_of(first.value.value, site) != ("obj", "flask.Flask"):
            return None
        if self.context.callee_name(call) in WHITENOISE and (
            len(positional(call)) > 3
            or any(
                a.keyword is not None and a.keyword.value not in WHITENOISE_KEYWORDS
                for a in call.args
            )
        ):
            return None
        return first.value.value

    def _proxy_fix_hops(self, call: cst.Call) -> tuple[cst.BaseExpression, bool, list[str]] | None:
        """(trusted_hops, whether X-Forwarded-Host becomes trusted, the headers no longer
        applied) when Hypercorn's middleware can stand in for this ProxyFix, else None."""
        if self.context.callee_name(call) != PROXY_FIX or len(positional(call)) != 1:
            return None
        if any(arg.star for arg in call.args):
            return None
        known = {"x_for", "x_proto", "x_host", "x_port", "x_prefix"}
        if any(arg.keyword is not None and arg.keyword.value not in known for arg in call.args):
            return None
        counts: dict[str, cst.BaseExpression | int] = {"x_for": 1, "x_proto": 1}
        for name in known:
            arg = keyword(call, name)
            if arg is not None:
                literal = literal_int(arg.value)
                counts[name] = arg.value if literal is None else literal
        trusted = _same(counts["x_for"], counts["x_proto"])
        if trusted is None or trusted == 0:
            return None
        host = counts.get("x_host", 0)
        if host != 0 and _same(host, trusted) is None:
            return None
        lost = [name for name in ("prefix", "port") if counts.get(f"x_{name}", 0) != 0]
        expr = cst.Integer(str(trusted)) if isinstance(trusted, int) else trusted
        return expr, host == 0, lost


def _same(
    a: cst.BaseExpression | int, b: cst.BaseExpression | int
) -> cst.BaseExpression | int | None:
    """The common value of two hop counts (equal literals, or one same expression)."""
    if isinstance(a, int) or isinstance(b, int):
        return a if a == b else None
    return a if a.deep_equals(b) else None


def _commented_out(line: cst.SimpleStatementLine, name: str) -> cst.SimpleStatementLine:
    """``pass`` preceded by the statement's own lines as comments, under a line saying why."""
    code = cst.Module([]).code_for_node(line.with_changes(leading_lines=[])).rstrip("\n")
    comments = [
        f"# F2Q111: {name} is WSGI middleware (Quart has no wsgi_app); see the migrate report:",
        *(f"# {text}".rstrip() for text in code.splitlines()),
    ]
    lines = [*line.leading_lines, *(cst.EmptyLine(comment=cst.Comment(c)) for c in comments)]
    return cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=lines)


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


def _asgi_target(target: cst.BaseAssignTargetExpression) -> cst.BaseAssignTargetExpression:
    assert isinstance(target, cst.Attribute)
    return target.with_changes(attr=cst.Name("asgi_app"))
