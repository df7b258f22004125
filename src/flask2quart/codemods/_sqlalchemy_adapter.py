# Written by flask2quart (rule F2Q402); flask2quart: skip-file
"""Flask-SQLAlchemy (and Flask-Migrate) on Quart.

This is the real Flask-SQLAlchemy with the few places that read Flask's own context pointed at
Quart's, so models, queries, ``Model.query``, ``db.get_or_404``, ``paginate``,
``db.create_all()`` and the ``SQLALCHEMY_*`` settings behave exactly as they did on Flask:

* ``db.session`` is scoped to Quart's app context: one session per request, shared by the
  ``def`` hooks and views Quart runs in worker threads and the ``async def`` ones on the event
  loop thread, and removed when the app context is torn down. (Scoped to the thread instead, a
  request would see two sessions and leak one into the next request.)
* ``db.engine``, ``db.create_all()`` and ``db.drop_all()`` find the current Quart app.
* ``paginate()`` reads ``?page=`` and ``?per_page=`` from Quart's request.
* ``Migrate`` keeps Flask-Migrate's commands as ``quart db ...``; ``migrations/`` is unchanged.

Views that use the database are best kept ``def``: Quart runs them in worker threads. An
``async def`` view that queries blocks the event loop while the query runs.

Not supported: ``SQLALCHEMY_RECORD_QUERIES`` and ``SQLALCHEMY_TRACK_MODIFICATIONS`` (their
code reads ``flask.g`` and ``flask.current_app``); ``init_app`` warns when they are on.
"""

from __future__ import annotations

import asyncio
import importlib.util
import typing as t
import warnings

import click
import flask
import flask_sqlalchemy
import flask_sqlalchemy.cli
import flask_sqlalchemy.pagination
import flask_sqlalchemy.query
import sqlalchemy as sa
from quart import Quart, current_app, has_request_context, request
from quart.globals import app_ctx
from werkzeug.exceptions import abort

__all__ = ["Migrate", "SQLAlchemy"]

# The Flask-SQLAlchemy 3.x internals this module overrides: fail at import, not on a request.
for _owner, _name in (
    (flask_sqlalchemy.SQLAlchemy, "_make_scoped_session"),
    (flask_sqlalchemy.pagination.Pagination, "_prepare_page_args"),
):
    if not hasattr(_owner, _name):
        raise ImportError(
            f"this Flask-SQLAlchemy has no {_owner.__name__}.{_name}: the Quart adapter "
            "supports Flask-SQLAlchemy 3.0 and 3.1"
        )


def _app_context_id() -> int:
    return id(t.cast(t.Any, app_ctx)._get_current_object())


def _page_argument(name: str, default: int, error_out: bool) -> int:
    try:
        return int(request.args.get(name, default))
    except (TypeError, ValueError):
        if error_out:
            abort(404)
        return default


class _QuartPageArguments:
    @staticmethod
    def _prepare_page_args(
        *,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = True,
    ) -> tuple[int, int]:
        if has_request_context():
            if page is None:
                page = _page_argument("page", 1, error_out)
            if per_page is None:
                per_page = _page_argument("per_page", 20, error_out)
        return flask_sqlalchemy.pagination.Pagination._prepare_page_args(
            page=page, per_page=per_page, max_per_page=max_per_page, error_out=error_out
        )


class SelectPagination(_QuartPageArguments, flask_sqlalchemy.pagination.SelectPagination):
    pass


class QueryPagination(_QuartPageArguments, flask_sqlalchemy.pagination.QueryPagination):
    pass


class Query(flask_sqlalchemy.query.Query):
    def paginate(
        self,
        *,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = True,
        count: bool = True,
    ) -> flask_sqlalchemy.pagination.Pagination:
        return QueryPagination(
            query=self,
            page=page,
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=error_out,
            count=count,
        )


def _add_models_to_shell() -> dict[str, t.Any]:
    db = current_app.extensions["sqlalchemy"]
    shell: dict[str, t.Any] = {m.class_.__name__: m.class_ for m in db.Model._sa_registry.mappers}
    shell["db"] = db
    return shell


class SQLAlchemy(flask_sqlalchemy.SQLAlchemy):
    """Flask-SQLAlchemy's extension, bound to Quart's app context."""

    def __init__(
        self,
        app: t.Any = None,
        *,
        query_class: type[flask_sqlalchemy.query.Query] = Query,
        **kwargs: t.Any,
    ) -> None:
        super().__init__(app, query_class=query_class, **kwargs)

    def init_app(self, app: t.Any) -> None:
        super().init_app(app)
        processors = app.shell_context_processors
        for index, processor in enumerate(processors):
            if processor is flask_sqlalchemy.cli.add_models_to_shell:
                processors[index] = _add_models_to_shell
        for key in ("SQLALCHEMY_RECORD_QUERIES", "SQLALCHEMY_TRACK_MODIFICATIONS"):
            if app.config.get(key):
                warnings.warn(
                    f"{key} has no effect on Quart: Flask-SQLAlchemy reads flask.g and "
                    "flask.current_app for it, which Quart does not set",
                    RuntimeWarning,
                    stacklevel=2,
                )

    def _make_scoped_session(
        self, options: dict[str, t.Any]
    ) -> sa.orm.scoped_session[flask_sqlalchemy.session.Session]:
        options.setdefault("scopefunc", _app_context_id)
        return super()._make_scoped_session(options)

    @property
    def engines(self) -> t.Mapping[str | None, sa.engine.Engine]:
        app = t.cast(t.Any, current_app)._get_current_object()
        if app not in self._app_engines:
            raise RuntimeError(
                "The current Quart app is not registered with this 'SQLAlchemy' instance. Did "
                "you forget to call 'init_app', or did you create multiple instances?"
            )
        return self._app_engines[app]

    def paginate(
        self,
        select: sa.sql.Select[t.Any],
        *,
        page: int | None = None,
        per_page: int | None = None,
        max_per_page: int | None = None,
        error_out: bool = True,
        count: bool = True,
    ) -> flask_sqlalchemy.pagination.Pagination:
        return SelectPagination(
            select=select,
            session=self.session(),
            page=page,
            per_page=per_page,
            max_per_page=max_per_page,
            error_out=error_out,
            count=count,
        )


class _FlaskMigrateCommands(click.Group):
    """Flask-Migrate's ``db`` command group, run inside the Quart app's context and a Flask app
    context sharing the Quart app's config and extensions (Flask-Migrate and the ``env.py`` it
    generated read ``flask.current_app``; the database engine comes from the Quart app)."""

    def __init__(self, app: Quart, group: click.Group) -> None:
        super().__init__(
            name=group.name,
            commands=group.commands,
            params=group.params,
            callback=group.callback,
            help=group.help,
        )
        self.quart_app = app

    def invoke(self, ctx: click.Context) -> t.Any:
        shadow = flask.Flask(self.quart_app.import_name)
        shadow.config = self.quart_app.config
        shadow.extensions = self.quart_app.extensions

        async def run() -> t.Any:
            async with self.quart_app.app_context():
                with shadow.app_context():
                    return super(_FlaskMigrateCommands, self).invoke(ctx)

        return asyncio.run(run())


if importlib.util.find_spec("flask_migrate") is not None:
    import flask_migrate

    class Migrate(flask_migrate.Migrate):  # type: ignore[misc]
        """Flask-Migrate, with its commands available as ``quart db ...``."""

        def init_app(self, app: Quart, *args: t.Any, **kwargs: t.Any) -> None:
            super().init_app(app, *args, **kwargs)
            group = app.cli.commands[self.command]
            assert isinstance(group, click.Group)
            app.cli.add_command(_FlaskMigrateCommands(app, group), name=self.command)
