"""F2Q408 (opt-in): Flask-Login -> quart-auth, by hand: every site that needs a change.

By default Flask-Login is kept and works through the generated bridge (F2Q409); this rule is
for teams that choose to port to quart-auth (``--enable F2Q408``).

Flask-Login does not work on Quart (its ``current_user`` reads Flask's request context; under
quart-flask-patch ``login_required`` fails, spec §3). quart-auth is the maintained counterpart,
but the mapping is conceptual, not a rename: quart-auth stores only an id in the cookie, the
user object is yours to load (an ``AuthUser`` subclass instead of ``user_loader``),
``is_authenticated`` is awaited, and an unauthenticated request raises ``Unauthorized`` (401)
instead of redirecting to ``login_view``. So this rule changes no code; it reports each use of
``LoginManager``, ``user_loader``, ``login_user``, ``logout_user``, ``current_user``,
``login_required`` and ``UserMixin`` with what to write instead.

``login_required`` is treated as transparent by the analysis: quart-auth's ``login_required``
awaits an async view and runs a sync one in a thread, so views behind it are converted as they
will be once the decorator is swapped.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from flask2quart._rules import Rule
from flask2quart.analysis.model import dotted_name

from ._extensions import BY_NAME
from .extension_inventory import mark_handled

EXTENSION = BY_NAME["Flask-Login"]
QUART_AUTH_DOCS = "https://quart-auth.readthedocs.io/en/latest/"
RECIPES = {
    "LoginManager": "QuartAuth(app) from quart_auth; for login_view, add "
    "@app.errorhandler(quart_auth.Unauthorized) that redirects to the login page",
    "user_loader": "subclass quart_auth.AuthUser, load your user lazily from self.auth_id, and "
    "pass QuartAuth(app, user_class=YourUser)",
    "login_user": "quart_auth.login_user(AuthUser(str(user.id)), remember=...)",
    "logout_user": "quart_auth.logout_user() (same name)",
    "current_user": "quart_auth.current_user: `await current_user.is_authenticated`, "
    "current_user.auth_id for get_id(); other attributes through your AuthUser subclass "
    "(templates auto-await)",
    "login_required": "quart_auth.login_required (answers 401 via Unauthorized, not a redirect)",
    "fresh_login_required": "quart_auth.login_required; quart-auth has no fresh logins",
    "UserMixin": "drop the mixin: quart-auth reads no attributes of your model",
    "AnonymousUserMixin": "quart-auth's AuthUser with auth_id None is the anonymous user",
}


class FlaskLoginToQuartAuth(Rule):
    id = "F2Q408"
    name = "flask-login-to-quart-auth"
    summary = "Flask-Login: report every site to port to quart-auth, with the recipe"

    names: ClassVar[frozenset[str]] = frozenset(RECIPES)
    attribute_names: ClassVar[frozenset[str]] = frozenset({"user_loader"})
    transparent_decorators: ClassVar[frozenset[str]] = frozenset({"flask_login.login_required"})
    opt_in = True  # Flask-Login works through the bridge (F2Q409); porting is a choice

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not node.relative and dotted_name(node.module).split(".")[0] == "flask_login":
            mark_handled(self.context, EXTENSION.name)

    def visit_Name(self, node: cst.Name) -> None:
        site = self.context.model.names.get(node)
        if site is None or node.value not in RECIPES:
            return
        bindings = self.context.model.lookup(node.value, site.scope)
        if bindings and all(
            b.kind == "import" and b.fqn.startswith("flask_login.") for b in bindings
        ):
            self._report(node, bindings[0].fqn.rsplit(".", 1)[-1])

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value != "user_loader" or node not in self.context.model.attributes:
            return
        site = self.context.model.attributes[node]
        ref = self.context.model.ref_of(
            node.value, site.scope
        )  # LoginManager(...) -> login_manager
        if ref[0] == "c" and self.context.evaluator.name_of(ref[1]) == "flask_login.LoginManager":
            self._report(node, "user_loader")

    def _report(self, node: cst.CSTNode, name: str) -> None:
        self.context.report(
            node,
            self.id,
            "warning",
            f"Flask-Login's {name} (kept through the bridge, F2Q409): to port it to quart-auth",
            f"{RECIPES[name]} ({QUART_AUTH_DOCS})",
        )
