"""F2Q102: await the Flask APIs that are coroutines on Quart.

``render_template``, ``flash``, ``make_response``, ``send_file``, ``request.form`` /
``files`` / ``values`` / ``json`` / ``data``, ``request.get_json()``, ``FileStorage.save()``
and friends (spec §1.2-§1.6) return coroutines on Quart; un-awaited, some fail loudly (500) and
some silently (a lost flash message, an upload never written). Each use inside a function that
can become async is awaited, with parentheses where precedence needs them:
``(await request.form)['name']``. A use that cannot be awaited (in a lambda, at import time, in a
function that must stay sync) is left alone and reported as an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import libcst as cst

from flask2quart._rules import Rule, SeedKind

from ._awaits import seed_attribute, seed_call

_APP_METHODS = (
    "make_response send_static_file preprocess_request process_response dispatch_request "
    "full_dispatch_request handle_exception handle_http_exception handle_user_exception "
    "finalize_request make_default_options_response do_teardown_request "
    "do_teardown_appcontext update_template_context"
).split()

CALLS: dict[str, SeedKind] = {
    **{
        f"flask.{name}": "mandatory"
        for name in (
            "render_template render_template_string stream_template stream_template_string "
            "make_response send_file send_from_directory flash"
        ).split()
    },
    **{f"flask.Flask.{name}": "mandatory" for name in _APP_METHODS},
    "flask.Blueprint.send_static_file": "mandatory",
    "flask.Request.get_json": "mandatory",
    "flask.Request.get_data": "mandatory",
    "flask.Request.close": "mandatory",
    "werkzeug.FileStorage.save": "mandatory",
    **{
        f"flask.Response.{name}": "mandatory"
        for name in "get_data get_json freeze make_conditional add_etag make_sequence".split()
    },
}

ATTRIBUTES: dict[str, SeedKind] = {
    **{
        f"flask.Request.{name}": "mandatory" for name in ("form", "files", "values", "json", "data")
    },
    "flask.Response.data": "mandatory",
    "flask.Response.json": "mandatory",
}


class AwaitQuartApis(Rule):
    id = "F2Q102"
    name = "await-quart-apis"
    summary = (
        "await render_template, flash, request.form, FileStorage.save and the other coroutines"
    )
    requires = ("F2Q103",)

    awaitable_calls: ClassVar[Mapping[str, SeedKind]] = CALLS
    awaitable_attributes: ClassVar[Mapping[str, SeedKind]] = ATTRIBUTES

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        return seed_call(self, CALLS, original_node, updated_node)

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        return seed_attribute(self, ATTRIBUTES, original_node, updated_node)
