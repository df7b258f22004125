"""F2Q119: a SQLAlchemy ``scoped_session`` gives each Quart request its own session.

Flask's own SQLAlchemy pattern (``db_session = scoped_session(sessionmaker(bind=engine))``,
removed in ``teardown_appcontext``) scopes the session by thread, which under Flask is one
request at a time. Quart runs every async view of every request on the event loop's one thread,
and a request's ``def`` hooks and views in worker threads: thread-local, concurrent requests
share one session (one transaction, one identity map), and one request's objects live in
several sessions. Without a ``scopefunc`` of its own, the session is scoped by the Quart app
context instead (a request's, copied into its worker threads), as Flask-SQLAlchemy 3 scopes its
own, and by thread outside any context (a script, a worker)::

    scoped_session(factory)
    -> scoped_session(factory, scopefunc=lambda: id(app_ctx._get_current_object())
                      if has_app_context() else get_ident())

``db_session.remove()`` at teardown then ends the request's session, as before.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._rules import Rule

from ._args import add_keyword, has_star_args, keyword

SCOPED_SESSION = frozenset(
    {"sqlalchemy.orm.scoped_session", "sqlalchemy.orm.scoping.scoped_session"}
)


class SqlalchemySessionScope(Rule):
    id = "F2Q119"
    name = "sqlalchemy-session-scope"
    summary = "scoped_session(factory) -> scoped_session(factory, scopefunc=<the Quart context>)"

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not isinstance(updated_node, cst.Call) or has_star_args(updated_node):
            return updated_node
        if keyword(updated_node, "scopefunc") is not None or not updated_node.args:
            return updated_node
        if self.context.callee_name(original_node) not in SCOPED_SESSION:
            return updated_node
        context = self.context
        app_ctx = context.name_for("quart.globals", "app_ctx")
        has_app_context = context.name_for("quart", "has_app_context")
        get_ident = context.name_for("threading", "get_ident")
        scope = cst.parse_expression(
            f"lambda: id({app_ctx}._get_current_object()) if {has_app_context}() else {get_ident}()"
        )
        context.report(
            original_node,
            self.id,
            "info",
            "this session is now one per Quart app context (each request's, also in its worker "
            "threads), as Flask-SQLAlchemy 3 scopes its own, instead of one per thread: "
            "concurrent requests' async views all run on the event loop's thread",
            "keep calling .remove() at teardown_appcontext so each request's session ends",
        )
        return add_keyword(updated_node, "scopefunc", scope)
