"""What the analysis knows about Flask, Werkzeug and Quart types, without importing them.

Only *types* live here: what ``flask.request.files['f']`` is, what ``app.test_client()``
returns. Which of those must be awaited once the code runs on Quart is each rule's knowledge
(see ``awaitable_calls`` and friends on :class:`flask2quart._rules.Rule`), so that ``--skip``
can turn a rule's seeds off without the types going away.

Names are canonical: ``flask.templating.render_template`` and ``quart.render_template`` both
become ``flask.render_template``, and a Quart class becomes the Flask class it replaces, so
that a half-converted file (``--only F2Q101`` first, then a full run) is recognised too.
Source of truth: ``../shared/reference/flask-to-quart-spec.md`` §1.
"""

from __future__ import annotations

from typing import Any, TypeAlias

Type: TypeAlias = tuple[Any, ...]
# ("mod", name) | ("fn", fqn) | ("cls", fqn) | ("obj", class_fqn) | ("ext", fqn) | ("?",)

UNKNOWN_TYPE: Type = ("?",)

_FLASK_TOP_LEVEL = (
    "Flask Blueprint request session g current_app jsonify render_template "
    "render_template_string stream_template stream_template_string make_response send_file "
    "send_from_directory flash get_flashed_messages redirect url_for abort stream_with_context "
    "after_this_request copy_current_request_context has_request_context has_app_context "
    "Response Request Config get_template_attribute"
).split()

# Submodules whose public names are the top-level ones.
_RE_EXPORTING_SUBMODULES = (
    "app blueprints globals helpers templating wrappers json ctx sessions signals config"
).split()

# requests (spec §4): what the HTTP-client rules need to follow a Response from its call.
REQUESTS_VERBS = ("get", "options", "head", "post", "put", "patch", "delete")

_RENAMED: dict[str, str] = {
    "quart.Quart": "flask.Flask",
    "quart.app.Quart": "flask.Flask",
    "quart.testing.QuartClient": "flask.testing.FlaskClient",
    "quart.testing.client.QuartClient": "flask.testing.FlaskClient",
    "quart.testing.QuartCliRunner": "flask.testing.FlaskCliRunner",
    "quart.testing.TestApp": "flask.testing.TestApp",
    "quart.testing.app.TestApp": "flask.testing.TestApp",
    "quart.cli.QuartGroup": "flask.cli.FlaskGroup",
    "quart.datastructures.FileStorage": "werkzeug.FileStorage",
    "werkzeug.datastructures.FileStorage": "werkzeug.FileStorage",
    "werkzeug.datastructures.file_storage.FileStorage": "werkzeug.FileStorage",
    "werkzeug.FileStorage": "werkzeug.FileStorage",
    "werkzeug.test.TestResponse": "flask.testing.TestResponse",
    "quart.wrappers.response.Response": "flask.Response",
    "quart.wrappers.request.Request": "flask.Request",
    "flask.ctx.AppContext": "flask.ctx.AppContext",
    "quart.ctx.AppContext": "flask.ctx.AppContext",
    "quart.ctx.RequestContext": "flask.ctx.RequestContext",
    **{f"requests.api.{name}": f"requests.{name}" for name in (*REQUESTS_VERBS, "request")},
    "requests.sessions.Session": "requests.Session",
    "requests.sessions.session": "requests.session",
    "requests.models.Response": "requests.Response",
    # the mocking libraries of requests (F2Q310, F2Q311 convert them to respx)
    "requests_mock.mocker.Mocker": "requests_mock.Mocker",
    "requests_mock.mock": "requests_mock.Mocker",
    "requests_mock.mocker.mock": "requests_mock.Mocker",
    # Flask extensions the extension rules (F2Q4xx) convert, and what they convert them to
    "flask_sqlalchemy.extension.SQLAlchemy": "flask_sqlalchemy.SQLAlchemy",
    "flask_wtf.Form": "flask_wtf.FlaskForm",
    "flask_wtf.form.FlaskForm": "flask_wtf.FlaskForm",
    "quart_wtf.QuartForm": "flask_wtf.FlaskForm",
    "quart_wtf.form.QuartForm": "flask_wtf.FlaskForm",
    "flask_wtf.CSRFProtect": "flask_wtf.csrf.CSRFProtect",
    "quart_wtf.CSRFProtect": "flask_wtf.csrf.CSRFProtect",
    "quart_wtf.csrf.CSRFProtect": "flask_wtf.csrf.CSRFProtect",
}


def canonical_name(fqn: str) -> str:
    """The catalogue's name for an external dotted name (identity when unknown)."""
    if fqn in _RENAMED:
        return _RENAMED[fqn]
    if fqn == "quart" or fqn.startswith("quart."):
        fqn = "flask" + fqn[len("quart") :]
        if fqn in _RENAMED:
            return _RENAMED[fqn]
    parts = fqn.split(".")
    if (
        len(parts) == 3
        and parts[0] == "flask"
        and parts[1] in _RE_EXPORTING_SUBMODULES
        and parts[2] in _FLASK_TOP_LEVEL
    ):
        return f"flask.{parts[2]}"
    return fqn


def _obj(name: str) -> Type:
    return ("obj", name)


# External names that denote something more specific than "an external callable".
VALUES: dict[str, Type] = {
    "flask.Flask": ("cls", "flask.Flask"),
    "flask.Blueprint": ("cls", "flask.Blueprint"),
    "flask.Response": ("cls", "flask.Response"),
    "flask.Request": ("cls", "flask.Request"),
    "flask.views.View": ("cls", "flask.views.View"),
    "flask.views.MethodView": ("cls", "flask.views.MethodView"),
    "flask.testing.FlaskClient": ("cls", "flask.testing.FlaskClient"),
    "flask.sessions.SessionInterface": ("cls", "flask.sessions.SessionInterface"),
    "flask.sessions.SecureCookieSessionInterface": (
        "cls",
        "flask.sessions.SecureCookieSessionInterface",
    ),
    "werkzeug.FileStorage": ("cls", "werkzeug.FileStorage"),
    "unittest.TestCase": ("cls", "unittest.TestCase"),
    # Flask-Testing's TestCase sets self.app and self.client up itself (F2Q308 swaps it)
    "flask_testing.TestCase": ("cls", "flask_testing.TestCase"),
    "flask_testing.utils.TestCase": ("cls", "flask_testing.TestCase"),
    "requests.Session": ("cls", "requests.Session"),
    "responses.RequestsMock": ("cls", "responses.RequestsMock"),
    "requests_mock.Mocker": ("cls", "requests_mock.Mocker"),
    "flask_sqlalchemy.SQLAlchemy": ("cls", "flask_sqlalchemy.SQLAlchemy"),
    "flask_wtf.FlaskForm": ("cls", "flask_wtf.FlaskForm"),
    "flask_wtf.csrf.CSRFProtect": ("cls", "flask_wtf.csrf.CSRFProtect"),
    "flask_limiter.Limiter": ("cls", "flask_limiter.Limiter"),
    "flask.request": _obj("flask.Request"),
    "flask.current_app": _obj("flask.Flask"),
    "flask.session": _obj("flask.Session"),
    "flask.g": _obj("flask.g"),
}

# Packages whose classes' members are named ``package.Class.member`` (the keys rules use).
EXTERNAL_PACKAGES = (
    "flask.",
    "werkzeug.",
    "requests.",
    "httpx.",
    "unittest.",
    "flask_testing.",
    "flask_wtf.",
    "flask_limiter.",
    "responses.",
    "requests_mock.",
)

# Base classes of external classes (for method lookup through user subclasses).
BASES: dict[str, tuple[str, ...]] = {
    "flask.views.MethodView": ("flask.views.View",),
    "flask.sessions.SecureCookieSessionInterface": ("flask.sessions.SessionInterface",),
    "flask_testing.TestCase": ("unittest.TestCase",),
}

# Result of calling an external function or method ("Class.method" for methods).
CALL_RESULTS: dict[str, Type] = {
    "flask.Flask": _obj("flask.Flask"),
    "flask.Blueprint": _obj("flask.Blueprint"),
    "flask.Flask.test_client": _obj("flask.testing.FlaskClient"),
    "flask.Flask.test_cli_runner": _obj("flask.testing.FlaskCliRunner"),
    # Quart only: runs the serving hooks around the tests (spec §1.5)
    "flask.Flask.test_app": _obj("flask.testing.TestApp"),
    "flask.testing.TestApp.test_client": _obj("flask.testing.FlaskClient"),
    "flask.Flask.app_context": _obj("flask.ctx.AppContext"),
    "flask.Flask.test_request_context": _obj("flask.ctx.RequestContext"),
    "flask.Flask.request_context": _obj("flask.ctx.RequestContext"),
    "flask.Flask.make_response": _obj("flask.Response"),
    "flask.Flask.send_static_file": _obj("flask.Response"),
    "flask.Flask.process_response": _obj("flask.Response"),
    "flask.Blueprint.send_static_file": _obj("flask.Response"),
    "flask.make_response": _obj("flask.Response"),
    "flask.jsonify": _obj("flask.Response"),
    "flask.redirect": _obj("flask.Response"),
    "flask.send_file": _obj("flask.Response"),
    "flask.send_from_directory": _obj("flask.Response"),
    "flask.render_template": ("obj", "builtins.str"),
    "flask.get_template_attribute": _obj("flask.TemplateMacro"),
    "flask.render_template_string": ("obj", "builtins.str"),
    "flask.url_for": ("obj", "builtins.str"),
    "flask.testing.FlaskClient.session_transaction": _obj("flask.testing.SessionTransaction"),
    "flask.Request.get_json": ("?",),
    "werkzeug.MultiDict.get": ("?",),
    "werkzeug.FileMultiDict.get": _obj("werkzeug.FileStorage"),
    "werkzeug.FileStorage": _obj("werkzeug.FileStorage"),
    **{
        f"flask.testing.FlaskClient.{verb}": _obj("flask.testing.TestResponse")
        # "*": getattr(client, verb) with a computed verb; every request method answers alike
        for verb in (
            "get",
            "post",
            "put",
            "delete",
            "patch",
            "head",
            "options",
            "trace",
            "open",
            "*",
        )
    },
    "requests.session": _obj("requests.Session"),
    **{
        f"{owner}{verb}": _obj("requests.Response")
        for owner in ("requests.", "requests.Session.")
        for verb in (*REQUESTS_VERBS, "request")
    },
}

# Type of an attribute of an instance ("Class.attr").
ATTRIBUTES: dict[str, Type] = {
    "flask.Flask.cli": _obj("flask.cli.AppGroup"),
    "flask.Blueprint.cli": _obj("flask.cli.AppGroup"),
    "flask.Flask.config": _obj("flask.Config"),
    "flask.Request.form": _obj("werkzeug.MultiDict"),
    "flask.Request.values": _obj("werkzeug.MultiDict"),
    "flask.Request.args": _obj("werkzeug.MultiDict"),
    "flask.Request.files": _obj("werkzeug.FileMultiDict"),
    "requests.Response.request": _obj("requests.PreparedRequest"),
    "flask_sqlalchemy.SQLAlchemy.Model": ("cls", "flask_sqlalchemy.model.Model"),
    "flask_testing.TestCase.app": _obj("flask.Flask"),
    "flask_testing.TestCase.client": _obj("flask.testing.FlaskClient"),
    # Werkzeug's client keeps the app under test (Quart's calls it ``app``: F2Q312)
    "flask.testing.FlaskClient.application": _obj("flask.Flask"),
}

# Type of ``x[...]`` for an instance of the class.
ITEMS: dict[str, Type] = {
    "werkzeug.FileMultiDict": _obj("werkzeug.FileStorage"),
}

# Value bound by ``with x as y`` when x is an instance of the class.
ENTERS: dict[str, Type] = {
    "flask.testing.FlaskClient": _obj("flask.testing.FlaskClient"),
    "flask.ctx.AppContext": _obj("flask.ctx.AppContext"),
    "flask.ctx.RequestContext": _obj("flask.ctx.RequestContext"),
    "flask.testing.SessionTransaction": _obj("flask.Session"),
    "requests.Session": _obj("requests.Session"),
    "requests.Response": _obj("requests.Response"),
    "flask.testing.TestApp": _obj("flask.testing.TestApp"),
    "responses.RequestsMock": _obj("responses.RequestsMock"),
    "requests_mock.Mocker": _obj("requests_mock.Mocker"),
}


# ---------------------------------------------------------------------------- frameworks

HTTP_METHODS = frozenset({"get", "post", "put", "delete", "patch", "head", "options"})

# What a function registered with a Flask app or blueprint is, by the registering method.
#   view, hook, template: Quart awaits them, so they may become async
#   url-processor, shell, cli: Quart or click calls them synchronously, so they must stay sync
HANDLER_METHODS: dict[str, str] = {
    "route": "view",
    **{verb: "view" for verb in ("get", "post", "put", "delete", "patch")},
    **{
        name: "hook"
        for name in (
            "before_request after_request teardown_request teardown_appcontext "
            "before_app_request after_app_request teardown_app_request context_processor "
            "app_context_processor errorhandler app_errorhandler before_serving "
            "after_serving while_serving before_app_serving after_app_serving "
            "while_app_serving"
        ).split()
    },
    **{
        name: "template"
        for name in (
            "template_filter template_global template_test app_template_filter "
            "app_template_global app_template_test"
        ).split()
    },
    **{
        name: "url-processor"
        for name in (
            "url_value_preprocessor url_defaults app_url_value_preprocessor app_url_defaults"
        ).split()
    },
    "shell_context_processor": "shell",
}

# Methods that register a function passed as an argument: name -> (kind, keyword, position).
REGISTRATION_METHODS: dict[str, tuple[str, str | None, int]] = {
    "add_url_rule": ("view", "view_func", 2),
    "register_error_handler": ("hook", "f", 1),
    "add_template_filter": ("template", "f", 0),
    "add_template_global": ("template", "f", 0),
    "add_template_test": ("template", "f", 0),
    "add_background_task": ("hook", "func", 0),
    **{
        name: (kind, None, 0)
        for name, kind in HANDLER_METHODS.items()
        if kind != "view" and name != "errorhandler"
    },
}

REGISTERING_CLASSES = ("flask.Flask", "flask.Blueprint")

# Assertions that call the function passed at this position with the arguments after it:
# ``self.assertRaises(E, f, *args)`` is a call of f (F2Q316 awaits it where f becomes async).
CALLING_ASSERTIONS: dict[str, int] = {
    **{
        f"{case}.{method}": position
        for case in ("unittest.TestCase", "unittest.case.TestCase")
        for method, position in (
            ("assertRaises", 1),
            ("assertWarns", 1),
            ("assertRaisesRegex", 2),
            ("assertWarnsRegex", 2),
        )
    },
    "pytest.raises": 1,
    "pytest.warns": 1,
}

# Decorators that keep the decorated function callable as before.
TRANSPARENT_DECORATORS = frozenset(
    {
        "builtins.staticmethod",
        "builtins.classmethod",
        "typing.overload",
        "abc.abstractmethod",
        "functools.wraps",
        "pytest.mark",
        "unittest.mock.patch",
        "mock.patch",
    }
)

FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})

CLI_DECORATORS = frozenset(
    {"click.command", "click.group", "flask.cli.AppGroup.command", "flask.cli.AppGroup.group"}
)

# Flask methods that are ``async def`` in Quart: a subclass override must be async too.
ASYNC_APP_METHODS = frozenset(
    (
        "dispatch_request full_dispatch_request preprocess_request process_response "
        "finalize_request make_response make_default_options_response handle_exception "
        "handle_http_exception handle_user_exception do_teardown_request do_teardown_appcontext "
        "update_template_context send_static_file"
    ).split()
)

# unittest calls these synchronously even on IsolatedAsyncioTestCase (no async counterpart).
SYNC_TEST_CASE_METHODS = frozenset({"setUpClass", "tearDownClass"})

# Dunder methods that may be (or already are) coroutines.
ASYNC_DUNDERS = frozenset({"__aenter__", "__aexit__", "__anext__", "__call__"})
