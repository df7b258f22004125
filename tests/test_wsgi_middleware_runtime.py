"""F2Q111's rewrites of ``app.wsgi_app`` middleware, run on Quart 0.22 and 0.23.

A Flask app with ProxyFix in one of its forms, and one with WSGI middleware that has no ASGI
counterpart, are converted by the real pipeline. A child process under each interpreter of
``suite_pythons()`` imports the original (Flask) and the converted (Quart) module, sends both
the same forwarded request and prints what each app saw, so the difference the report
announces is pinned here: the client address and scheme agree; X-Forwarded-Host, which
ProxyFix's default ignores, is followed by Hypercorn's middleware; the commented-out
middleware's effect is gone while the app still imports and serves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests._both_frameworks import serve_both
from tests._sample_suites import SuitePython, suite_pythons

VIEW = """
@app.route("/")
def where():
    return {
        "addr": request.remote_addr,
        "scheme": request.scheme,
        "host": request.host,
        "root": request.script_root,
        "tagged": request.headers.get("X-Tagged"),
    }
"""

PROXY_FIX_DEFAULTS = (
    """\
from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

app = Flask(__name__)
app.wsgi_app = ProxyFix(app.wsgi_app)
"""
    + VIEW
)

PROXY_FIX_FROM_CONFIG = (
    """\
from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix


def create_app():
    app = Flask(__name__)
    hops = app.config.get("PROXIES", 2)
    app.wsgi_app = ProxyFix(
        app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops
    )
    return app


app = create_app()
"""
    + VIEW
)

OWN_MIDDLEWARE = (
    """\
from flask import Flask, request


class Tagging:
    def __init__(self, app):
        self.wsgi_app = app.wsgi_app

    def __call__(self, environ, start_response):
        environ["HTTP_X_TAGGED"] = "yes"
        return self.wsgi_app(environ, start_response)


app = Flask(__name__)
app.wsgi_app = Tagging(app)
"""
    + VIEW
)

HEADERS = {
    "X-Forwarded-For": "203.0.113.9, 198.51.100.7",
    "X-Forwarded-Proto": "https, https",
    "X-Forwarded-Host": "outer.example, inner.example",
    "X-Forwarded-Prefix": "/outer, /inner",
}


def run_both(tmp_path: Path, source: str, target: SuitePython) -> tuple[dict[str, Any], str]:
    on_flask, on_quart, converted = serve_both(tmp_path, source, target, [("/", HEADERS)])
    assert on_flask[0][0] == on_quart[0][0] == 200
    return {"flask": json.loads(on_flask[0][1]), "quart_app": json.loads(on_quart[0][1])}, converted


@pytest.mark.parametrize("target", suite_pythons())
def test_proxy_fix_defaults_agree_but_for_the_forwarded_host(
    tmp_path: Path, target: SuitePython
) -> None:
    seen, converted = run_both(tmp_path, PROXY_FIX_DEFAULTS, target)
    assert "ProxyFixMiddleware(app.asgi_app" in converted
    flask, quart = seen["flask"], seen["quart_app"]
    assert flask["addr"] == quart["addr"] == "198.51.100.7"
    assert flask["scheme"] == quart["scheme"] == "https"
    # ProxyFix() ignores X-Forwarded-Host (x_host=0); Hypercorn's legacy mode follows it.
    assert flask["host"] == "localhost"
    assert quart["host"] == "inner.example"


@pytest.mark.parametrize("target", suite_pythons())
def test_proxy_fix_hops_from_config_agree_but_for_the_prefix(
    tmp_path: Path, target: SuitePython
) -> None:
    seen, converted = run_both(tmp_path, PROXY_FIX_FROM_CONFIG, target)
    assert "trusted_hops=hops" in converted
    flask, quart = seen["flask"], seen["quart_app"]
    assert flask["addr"] == quart["addr"] == "203.0.113.9"
    assert flask["scheme"] == quart["scheme"] == "https"
    assert flask["host"] == quart["host"] == "outer.example"
    # x_prefix is lost (reported as an error): Flask's script root follows the header.
    assert flask["root"] == "/outer"
    assert quart["root"] == ""


@pytest.mark.parametrize("target", suite_pythons())
def test_other_middleware_is_left_out_and_the_app_still_serves(
    tmp_path: Path, target: SuitePython
) -> None:
    seen, converted = run_both(tmp_path, OWN_MIDDLEWARE, target)
    assert "# app.wsgi_app = Tagging(app)" in converted
    assert seen["flask"]["tagged"] == "yes"
    assert seen["quart_app"]["tagged"] is None
    assert seen["quart_app"]["scheme"] == seen["flask"]["scheme"] == "http"  # no proxy fix
