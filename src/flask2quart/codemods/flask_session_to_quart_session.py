"""F2Q407: Flask-Session -> quart-session (redis), or Flask-Session kept where it is the one that
has the backend.

quart-session keeps Flask-Session's API (``Session(app)``, ``Session().init_app(app)``, the
``SESSION_*`` keys) on an asyncio redis client; its backends are redis, memcached and mongodb
only. Flask-Session itself runs on Quart unchanged: its session interface reads only the app and
request Quart passes it, and Quart calls a sync interface in a worker thread (checked by running
it on Quart 0.22 and 0.23). So::

    from flask_session import Session   ->  from quart_session import Session
    SESSION_REDIS = redis.from_url(url)  ->  SESSION_URI = url

A file that sets ``SESSION_TYPE`` to another backend (filesystem, cachelib, sqlalchemy,
mongodb, memcached, dynamodb) keeps Flask-Session, with an info line saying why; a config file
elsewhere that does so gets a warning. Reported on conversion: stored sessions do not carry over
(Flask-Session stores msgpack, quart-session tagged JSON), the cookie is sent only when the
session changes, and the redis connection is made when the app starts serving, so tests need
``async with app.test_app()``. A ``SESSION_REDIS`` client other than ``redis.from_url(url)`` is
reported (quart-session awaits it: it must be a ``redis.asyncio`` client), and so are keys
quart-session does not read.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from flask2quart._transform import FieldlessVisitor

from ._config_keys import ConfigKeyHooks, setting_of, string_value, with_setting
from ._extensions import BY_NAME, Extension
from ._module_swap import ModuleSwap, dotted
from .extension_inventory import mark_handled

REDIS_FROM_URL = frozenset(
    {"redis.from_url", "redis.Redis.from_url", "redis.StrictRedis.from_url", "Redis.from_url"}
)
IGNORED_KEYS = frozenset(
    {"SESSION_ID_LENGTH", "SESSION_SERIALIZATION_FORMAT", "SESSION_CLEANUP_N_REQUESTS"}
)


def _session_types(module: cst.Module) -> tuple[set[str], bool]:
    """Every literal SESSION_TYPE the file sets, lower case ("?" for a non-literal value), and
    whether it imports Flask-Session."""
    found: set[str] = set()
    imports = []

    class Finder(FieldlessVisitor):
        def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
            if not node.relative and dotted(node.module).split(".")[0] == "flask_session":
                imports.append(node)

        def _check(self, node: cst.CSTNode) -> None:
            setting = setting_of(node)
            if setting is not None and setting.key == "SESSION_TYPE":
                value = string_value(setting.value)
                found.add(value.lower() if value is not None else "?")

        def visit_Assign(self, node: cst.Assign) -> None:
            self._check(node)

        def visit_Arg(self, node: cst.Arg) -> None:
            self._check(node)

        def visit_DictElement(self, node: cst.DictElement) -> None:
            self._check(node)

    module.visit(Finder())
    return found, bool(imports)


class FlaskSessionToQuartSession(ConfigKeyHooks, ModuleSwap):
    id = "F2Q407"
    name = "flask-session-to-quart-session"
    summary = "Flask-Session (redis) -> quart-session; other backends keep Flask-Session"
    # Flask-Session works on Quart as it is and keeps the sessions already stored; moving a
    # redis backend to quart-session (non-blocking I/O) is a choice: --enable F2Q407.
    opt_in = True
    # config modules need not mention Flask: their SESSION_* settings are still this rule's
    triggers = frozenset({"SESSION_"})

    extension: ClassVar[Extension] = BY_NAME["Flask-Session"]
    flask_requirement: ClassVar[str] = "Flask-Session"
    modules: ClassVar[dict[str, str]] = {"flask_session": "quart_session"}
    available: ClassVar[frozenset[str]] = frozenset({"Session"})

    _kept_for: str | None = None  # the backend that keeps Flask-Session in this file

    def visit_Module(self, node: cst.Module) -> None:
        types, imports = _session_types(node)
        others = sorted(t for t in types if t not in ("redis", "?"))
        self._kept_for = others[0] if others and imports else None

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        module = dotted(updated_node.module)
        if updated_node.relative or module.split(".")[0] != "flask_session":
            return updated_node
        if self._kept_for is not None:
            mark_handled(self.context, self.extension.name)
            self.keep_extension()
            self.context.report(
                original_node,
                self.id,
                "info",
                f"Flask-Session kept: quart-session has no {self._kept_for!r} backend, and "
                "Flask-Session runs on Quart unchanged (Quart calls its session interface in a "
                "worker thread)",
            )
            return updated_node
        result = super().leave_ImportFrom(original_node, updated_node)
        if result is not updated_node:
            self.context.report(
                original_node,
                self.id,
                "info",
                "quart-session stores sessions as tagged JSON (Flask-Session: msgpack), so "
                "sessions stored before the switch start afresh; it sends the cookie only when "
                "the session changes; it connects to redis when the app starts serving",
                "tests must serve the app: `async with app.test_app() as test_app:` and "
                "test_app.test_client()",
            )
        return result

    # ------------------------------------------------------------------ config keys

    def _config(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
        setting = setting_of(updated)
        if setting is None or not setting.key.startswith("SESSION_") or self._kept_for:
            return updated
        if setting.key == "SESSION_TYPE":
            value = string_value(setting.value)
            if value is not None and value.lower() != "redis":
                self._warn(
                    original,
                    f"quart-session has no {value!r} backend",
                    "keep `from flask_session import Session` where the app sets up sessions: "
                    "Flask-Session runs on Quart unchanged with it",
                )
        elif setting.key == "SESSION_REDIS":
            url = _from_url_argument(setting.value)
            if url is not None:
                return with_setting(updated, "SESSION_URI", url)
            self._warn(
                original,
                "quart-session awaits the SESSION_REDIS client: a sync redis client fails",
                "set SESSION_URI = 'redis://...' (quart-session connects when the app starts "
                "serving) or pass a redis.asyncio client",
            )
        elif setting.key in IGNORED_KEYS:
            self.context.report(
                original, self.id, "info", f"quart-session does not read {setting.key}"
            )
        return updated

    def _warn(self, node: cst.CSTNode, message: str, fix: str) -> None:
        self.context.report(node, self.id, "warning", message, fix)


def _from_url_argument(value: cst.BaseExpression) -> cst.BaseExpression | None:
    """``url`` of ``redis.from_url(url)`` (one argument, nothing else), else None."""
    if (
        isinstance(value, cst.Call)
        and dotted(value.func) in REDIS_FROM_URL
        and len(value.args) == 1
        and value.args[0].keyword is None
        and not value.args[0].star
    ):
        return value.args[0].value
    return None
