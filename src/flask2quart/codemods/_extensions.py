"""What flask2quart knows about Flask extensions: one row per extension, as data.

The pre-flight inventory (F2Q401) reads this table to give every extension a code base imports
a verdict; the conversion rules (F2Q402-F2Q408) name the row they implement. Sources: the spec
(``flask-to-quart-spec.md`` §3) and the runs kept as tests in ``tests/test_extension_runtime.py``.

Verdicts:

* ``converted``: a rule rewrites it to a maintained Quart counterpart (or, for Flask-SQLAlchemy,
  to a generated adapter); what the rule cannot convert is reported at its line.
* ``bridged``: kept, and works on Quart through the generated bridge (F2Q409), which makes
  Quart's context Flask's; proven per extension in ``tests/test_flask_bridge_runtime.py``.
* ``unchanged``: works on Quart as it is.
* ``blocker``: the app will not work on Quart until someone does the manual path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Verdict = Literal["converted", "bridged", "unchanged", "blocker"]


@dataclass(frozen=True, slots=True)
class Extension:
    name: str  # as its users know it (the PyPI project name)
    modules: tuple[str, ...]  # top-level import names
    verdict: Verdict
    counterpart: str  # the PyPI project that replaces it on Quart ("" when none)
    docs: str  # where to read about the Quart path
    manual: str  # blocker: what to do by hand; converted: what still needs a look
    rule: str = ""  # the rule that converts it
    requirement: str = ""  # requirement line that replaces the extension's in dependency lists
    # when its rule does not run: "" makes it a blocker; otherwise it works unchanged, and why
    unchanged_without_rule: str = ""
    # where its rule keeps it (cannot port it): "" makes it a blocker; otherwise the bridge
    # (F2Q409) runs it, and what to know
    bridged_when_kept: str = ""


BRIDGE_DOCS = "docs/extensions.md#the-bridge"

EXTENSIONS: tuple[Extension, ...] = (
    Extension(
        "Flask-SQLAlchemy",
        ("flask_sqlalchemy",),
        "converted",
        "flask-sqlalchemy (kept) + generated adapter",
        "docs/flask-sqlalchemy.md",
        "models and queries are unchanged; views that use the database stay `def` (worker "
        "threads); async views that use it block the event loop while they query",
        rule="F2Q402",
    ),
    Extension(
        "Flask-Migrate",
        ("flask_migrate",),
        "converted",
        "flask-migrate (kept) + generated adapter",
        "docs/flask-sqlalchemy.md#flask-migrate",
        "`quart db upgrade` replaces `flask db upgrade`; migrations/ is unchanged",
        rule="F2Q402",
    ),
    Extension(
        "Flask-WTF",
        ("flask_wtf",),
        "converted",
        "quart-wtforms",
        "https://quart-wtf.readthedocs.io/en/latest/",
        "Recaptcha fields have no counterpart",
        rule="F2Q403",
        requirement="quart-wtforms>=1.0",
    ),
    Extension(
        "Flask-Testing",
        ("flask_testing",),
        "converted",
        "generated testing_case.TestCase (IsolatedAsyncioTestCase)",
        "docs/rules.md#f2q308-async-unittest-cases",
        "its TestCase is replaced; LiveServerTestCase and the other names are reported",
        rule="F2Q308",
    ),
    Extension(
        "Flask-CORS",
        ("flask_cors",),
        "converted",
        "quart-cors",
        "https://github.com/pgjones/quart-cors",
        "options quart-cors does not have are reported",
        rule="F2Q404",
        requirement="quart-cors>=0.7",
    ),
    Extension(
        "Flask-Babel",
        ("flask_babel",),
        "converted",
        "quart-babel",
        "https://quart-babel.readthedocs.io/en/latest/",
        "locale/timezone selectors keep their signature",
        rule="F2Q405",
        requirement="quart-babel>=1.0",
    ),
    Extension(
        "Flask-Limiter",
        ("flask_limiter",),
        "converted",
        "quart-rate-limiter",
        "https://github.com/pgjones/quart-rate-limiter",
        "limits become RateLimit(count, timedelta); quart-rate-limiter refills gradually (GCRA) "
        "and words its 429 differently; shared limits, costs, exempt_when, storage other than "
        "memory and custom key functions are reported",
        rule="F2Q406",
        requirement="quart-rate-limiter>=0.12",
        bridged_when_kept=(
            "F2Q406 kept it where quart-rate-limiter has no counterpart (its warnings say "
            "where and why); it works through the bridge (F2Q409): limits, deduct_when, 429s, "
            "checked in Quart's worker threads"
        ),
    ),
    Extension(
        "Flask-Session",
        ("flask_session",),
        "converted",
        "quart-session (redis); Flask-Session kept for its other backends",
        "https://github.com/kroketio/quart-session",
        "redis: quart-session connects when the app starts serving (tests need "
        "`async with app.test_app()`) and does not read sessions Flask-Session stored; "
        "filesystem, cachelib, sqlalchemy, mongodb, memcached, dynamodb: Flask-Session runs on "
        "Quart unchanged",
        rule="F2Q407",
        requirement="quart-session[redis]>=3.0",
        unchanged_without_rule=(
            "Flask-Session runs on Quart unchanged (its sync session interface runs in a worker "
            "thread; verified on Quart 0.22 and 0.23) and keeps the sessions already stored; "
            "`--enable F2Q407` moves a redis backend to quart-session for non-blocking I/O"
        ),
    ),
    Extension(
        "Flask-Login",
        ("flask_login",),
        "bridged",
        "",
        BRIDGE_DOCS,
        "its API is kept: LoginManager, user_loader, login_user, current_user and "
        "@login_required on async views; `--enable F2Q408` lists what a port to quart-auth "
        "would change",
        rule="F2Q409",
    ),
    Extension(
        "Flask-Caching",
        ("flask_caching",),
        "bridged",
        "",
        BRIDGE_DOCS,
        "@cache.cached on views and cache.get/set work; @cache.memoize on a function that "
        "becomes async would cache its coroutine, so that function stays def (reported)",
        rule="F2Q409",
    ),
    Extension(
        "Flask-Mail",
        ("flask_mail",),
        "bridged",
        "",
        BRIDGE_DOCS,
        "mail.send() and record_messages() work; sending from an async view blocks the event "
        "loop while SMTP runs: move it to app.add_background_task or aiosmtplib",
        rule="F2Q409",
    ),
    Extension(
        "Flask-RESTful",
        ("flask_restful",),
        "bridged",
        "",
        BRIDGE_DOCS,
        "Api, Resource methods that become async (also behind method_decorators and "
        "@marshal_with), reqparse, abort and its JSON errors work; quart-schema is the "
        "native counterpart",
        rule="F2Q409",
    ),
    Extension(
        "Flask-RESTX",
        ("flask_restx",),
        "blocker",
        "quart-schema",
        "https://quart-schema.readthedocs.io/",
        "Namespace/Resource -> Blueprint + MethodView; models -> dataclasses with "
        "@validate_request/@validate_response",
    ),
    Extension(
        "flask-smorest",
        ("flask_smorest",),
        "blocker",
        "quart-schema",
        "https://quart-schema.readthedocs.io/",
        "Blueprint.arguments/response -> @validate_request/@validate_response",
    ),
    Extension(
        "Flask-JWT-Extended",
        ("flask_jwt_extended",),
        "bridged",
        "",
        BRIDGE_DOCS,
        "tokens in headers, cookies and the query string work with @jwt_required() on async "
        "views; JWT_TOKEN_LOCATION 'json' reads the body, which works from def views only",
        rule="F2Q409",
    ),
    Extension(
        "Flask-SocketIO",
        ("flask_socketio",),
        "blocker",
        "python-socketio (ASGI mode)",
        "https://python-socketio.readthedocs.io/en/latest/server.html",
        "socketio.AsyncServer(async_mode='asgi') + socketio.ASGIApp(sio, other_asgi_app=app); "
        "native Quart websockets do not speak Socket.IO",
    ),
    Extension(
        "Flask-HTTPAuth",
        ("flask_httpauth",),
        "bridged",
        "",
        BRIDGE_DOCS,
        "@auth.login_required on async views, verify_password / get_password callbacks and "
        "auth.current_user() work",
        rule="F2Q409",
    ),
    Extension(
        "Flask-Redis",
        ("flask_redis",),
        "blocker",
        "redis.asyncio",
        "https://redis.readthedocs.io/en/stable/examples/asyncio_examples.html",
        "create redis.asyncio.Redis in before_serving and await every command",
    ),
    Extension(
        "Flask-APScheduler",
        ("flask_apscheduler",),
        "blocker",
        "quart-tasks",
        "https://github.com/pgjones/quart-tasks",
        "register periodic jobs with quart-tasks",
    ),
    Extension(
        "Flask-Admin",
        ("flask_admin",),
        "blocker",
        "",
        "https://quart.palletsprojects.com/en/latest/how_to_guides/flask_extensions.html",
        "no Quart admin UI exists; serve the admin from a separate Flask process",
    ),
    Extension(
        "Flask-Talisman",
        ("flask_talisman",),
        "bridged",
        "",
        BRIDGE_DOCS,
        "its headers, force_https redirects and per-view @talisman(...) options work",
        rule="F2Q409",
    ),
    Extension(
        "Flask-Compress",
        ("flask_compress",),
        "blocker",
        "",
        "https://quart.palletsprojects.com/en/latest/how_to_guides/flask_extensions.html",
        "compress at the proxy or server instead",
    ),
)

UNKNOWN_DOCS = "https://quart.palletsprojects.com/en/latest/how_to_guides/flask_extensions.html"
UNKNOWN_MANUAL = (
    "not in flask2quart's table: the bridge (F2Q409) gives it Quart's context as Flask's, "
    "which is enough for extensions that only read flask.current_app, flask.request or "
    "flask.g; no test here proves it: run your tests, and port it if it renders templates or "
    "overrides the app's methods"
)

BY_MODULE: dict[str, Extension] = {module: ext for ext in EXTENSIONS for module in ext.modules}
BY_NAME: dict[str, Extension] = {ext.name: ext for ext in EXTENSIONS}


# Modules flask2quart generates into converted apps whose names look like extensions'
# (_flask_style_client.MODULE_NAME, flask_extension_bridge.MODULE_NAME).
GENERATED_MODULES = frozenset({"flask_style_client", "flask_bridge"})


def extension_module(module: str) -> str | None:
    """The top-level import name if ``module`` belongs to a Flask extension, else None."""
    if module.rsplit(".", 1)[-1] in GENERATED_MODULES or module.split(".", 1)[0] in (
        GENERATED_MODULES
    ):
        return None
    if module.startswith("flask.ext."):  # removed in Flask 1.0; F2Q101 rewrites it
        module = "flask_" + module[len("flask.ext.") :]
    top = module.split(".", 1)[0]
    if top in BY_MODULE or (top.startswith("flask_") and top != "flask_") or top == "flaskext":
        if top == "flaskext" and "." in module:
            return "flaskext." + module.split(".")[1]
        return top
    return None


def extension_for(module: str) -> Extension | None:
    return BY_MODULE.get(module)
