"""The Flask-SQLAlchemy path on Quart behaves like Flask-SQLAlchemy on Flask.

Every test in ``TestSameBehaviour`` runs twice on the same app code: once on Flask with the
real Flask-SQLAlchemy, once on Quart with the adapter F2Q402 generates
(``codemods/_sqlalchemy_adapter.py``, imported here as the converted app would). The Quart-only
tests cover what has no Flask counterpart: ``async def`` views on the event loop thread next to
``def`` hooks in worker threads, and the ``quart db`` commands.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import flask
import pytest
import quart
import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy as FlaskSQLAlchemy

from flask2quart.codemods import _sqlalchemy_adapter as adapter

FLAVOURS = ("flask", "quart")


@dataclass
class Harness:
    """One app and the means to call it the same way on either framework."""

    app: Any
    db: Any
    models: dict[str, Any]
    flavour: str

    def request(self, method: str, path: str) -> tuple[int, Any]:
        if self.flavour == "flask":
            response = self.app.test_client().open(path, method=method)
            return response.status_code, response.get_json(silent=True)

        async def call() -> tuple[int, Any]:
            response = await self.app.test_client().open(path, method=method)
            return response.status_code, await response.get_json()

        return asyncio.run(call())

    def get(self, path: str) -> tuple[int, Any]:
        return self.request("GET", path)

    def in_app_context(self, function: Callable[[], Any]) -> Any:
        if self.flavour == "flask":
            with self.app.app_context():
                return function()

        async def run() -> Any:
            async with self.app.app_context():
                return function()

        return asyncio.run(run())

    def close(self) -> None:
        """Drop the tables and close the engines' connections (Python 3.13 warns otherwise)."""

        def drop_and_dispose() -> None:
            self.db.drop_all()
            for engine in self.db.engines.values():
                engine.dispose()

        self.in_app_context(drop_and_dispose)


def build(flavour: str, instance: Path, uri: str = "sqlite://") -> Harness:
    """The same application code on both frameworks: what a converted app looks like."""
    if flavour == "flask":
        app = flask.Flask("bookshop", instance_path=str(instance))
        db = FlaskSQLAlchemy()
        g, request = flask.g, flask.request
    else:
        app = quart.Quart("bookshop", instance_path=str(instance))
        db = adapter.SQLAlchemy()
        g, request = quart.g, quart.request
    app.config["SQLALCHEMY_DATABASE_URI"] = uri

    book_tags = db.Table(
        "book_tags",
        db.Column("book_id", db.ForeignKey("book.id"), primary_key=True),
        db.Column("tag", db.String(20), primary_key=True),
    )

    class Author(db.Model):  # type: ignore[name-defined]
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(50), nullable=False, unique=True)
        books = db.relationship("Book", back_populates="author", order_by="Book.id")

    class Book(db.Model):  # type: ignore[name-defined]
        id = db.Column(db.Integer, primary_key=True)
        title = db.Column(db.String(100), nullable=False)
        author_id = db.Column(db.ForeignKey("author.id"), nullable=False)
        author = db.relationship("Author", back_populates="books")

    class BookReview(db.Model):  # type: ignore[name-defined]
        id = db.Column(db.Integer, primary_key=True)

    db.init_app(app)

    @app.before_request
    def remember_session() -> None:
        g.session_id = id(db.session())

    @app.get("/authors/<int:author_id>")
    def author(author_id: int) -> Any:
        found = db.get_or_404(Author, author_id, description="no such author")
        return {"name": found.name, "books": [b.title for b in found.books]}

    @app.post("/authors")
    def add_author() -> Any:
        db.session.add(Author(name=request.args["name"]))
        if request.args.get("commit", "1") == "1":
            db.session.commit()
        return {"count": db.session.scalar(sa.select(sa.func.count(Author.id)))}, 201

    @app.post("/fail")
    def fail() -> Any:
        db.session.add(Author(name="never"))
        db.session.flush()
        raise RuntimeError("boom")

    @app.get("/count")
    def count() -> Any:
        return {"authors": Author.query.count(), "books": db.session.query(Book).count()}

    @app.get("/books")
    def books() -> Any:
        page = db.paginate(db.select(Book).order_by(Book.id))
        return _page(page)

    @app.get("/legacy-books")
    def legacy_books() -> Any:
        page = Book.query.order_by(Book.id).paginate(max_per_page=3)
        return _page(page)

    @app.get("/first/<title>")
    def first(title: str) -> Any:
        return {"id": db.first_or_404(db.select(Book).filter_by(title=title)).id}

    @app.get("/one/<title>")
    def one(title: str) -> Any:
        return {"id": db.one_or_404(db.select(Book).filter_by(title=title)).id}

    @app.get("/query-get/<int:book_id>")
    def query_get(book_id: int) -> Any:
        return {"title": Book.query.get_or_404(book_id).title}

    @app.get("/query-first/<title>")
    def query_first(title: str) -> Any:
        return {"id": Book.query.filter_by(title=title).first_or_404().id}

    @app.get("/session")
    def session() -> Any:
        return {"same_as_hook": g.session_id == id(db.session()), "id": id(db.session())}

    def setup() -> None:
        db.create_all()
        tolkien, pratchett = Author(name="Tolkien"), Author(name="Pratchett")
        db.session.add_all([tolkien, pratchett])
        for number in range(1, 6):
            db.session.add(Book(title=f"Disc {number}", author=pratchett))
        db.session.add(Book(title="Hobbit", author=tolkien))
        db.session.execute(book_tags.insert().values(book_id=1, tag="fantasy"))
        db.session.commit()

    harness = Harness(app, db, {"Author": Author, "Book": Book, "BookReview": BookReview}, flavour)
    harness.in_app_context(setup)
    return harness


def _page(page: Any) -> dict[str, Any]:
    return {
        "items": [book.title for book in page],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
        "has_next": page.has_next,
        "next_num": page.next_num,
        "iter_pages": list(page.iter_pages()),
    }


@pytest.fixture(params=FLAVOURS)
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    harness = build(request.param, tmp_path / "instance")
    yield harness
    harness.close()


class TestSameBehaviour:
    def test_get_or_404_finds_and_lazy_loads_relationships(self, shop: Harness) -> None:
        assert shop.get("/authors/2") == (
            200,
            {"name": "Pratchett", "books": [f"Disc {n}" for n in range(1, 6)]},
        )

    def test_get_or_404_missing_is_404(self, shop: Harness) -> None:
        assert shop.get("/authors/99")[0] == 404

    # Flask-SQLAlchemy's Query.get_or_404 calls the legacy Query.get: same warning on both
    @pytest.mark.filterwarnings("ignore::sqlalchemy.exc.LegacyAPIWarning")
    def test_first_one_and_query_helpers(self, shop: Harness) -> None:
        assert shop.get("/first/Hobbit") == (200, {"id": 6})
        assert shop.get("/first/Silmarillion")[0] == 404
        assert shop.get("/one/Hobbit") == (200, {"id": 6})
        assert shop.get("/one/Nope")[0] == 404
        assert shop.get("/query-get/3") == (200, {"title": "Disc 3"})
        assert shop.get("/query-get/42")[0] == 404
        assert shop.get("/query-first/Disc 2") == (200, {"id": 2})
        assert shop.get("/query-first/Disc 9")[0] == 404

    def test_paginate_reads_page_and_per_page_from_the_query_string(self, shop: Harness) -> None:
        status, page = shop.get("/books?page=2&per_page=2")
        assert status == 200
        assert page == {
            "items": ["Disc 3", "Disc 4"],
            "page": 2,
            "per_page": 2,
            "total": 6,
            "pages": 3,
            "has_next": True,
            "next_num": 3,
            "iter_pages": [1, 2, 3],
        }

    def test_paginate_defaults_and_errors(self, shop: Harness) -> None:
        status, page = shop.get("/books")
        assert (status, page["page"], page["per_page"], len(page["items"])) == (200, 1, 20, 6)
        assert shop.get("/books?page=abc")[0] == 404
        assert shop.get("/books?page=9")[0] == 404
        assert shop.get("/books?per_page=0")[0] == 404

    def test_query_paginate_honours_max_per_page(self, shop: Harness) -> None:
        status, page = shop.get("/legacy-books?per_page=50&page=2")
        assert status == 200
        assert (page["per_page"], page["items"]) == (3, ["Disc 4", "Disc 5", "Hobbit"])

    def test_commit_persists_across_requests(self, shop: Harness) -> None:
        assert shop.request("POST", "/authors?name=Le+Guin") == (201, {"count": 3})
        assert shop.get("/count") == (200, {"authors": 3, "books": 6})

    def test_uncommitted_changes_are_dropped_when_the_request_ends(self, shop: Harness) -> None:
        assert shop.request("POST", "/authors?name=Banks&commit=0") == (201, {"count": 3})
        assert shop.get("/count") == (200, {"authors": 2, "books": 6})

    def test_a_failing_view_leaves_no_trace(self, shop: Harness) -> None:
        assert shop.request("POST", "/fail")[0] == 500
        assert shop.get("/count") == (200, {"authors": 2, "books": 6})

    def test_one_session_per_request_shared_with_hooks(self, shop: Harness) -> None:
        first = shop.get("/session")[1]
        assert first["same_as_hook"] is True
        assert shop.get("/session")[1]["same_as_hook"] is True

    def test_the_session_is_removed_at_teardown(self, shop: Harness) -> None:
        shop.get("/count")
        assert shop.db.session.registry.registry == {}

    def test_table_names_repr_and_metadata(self, shop: Harness) -> None:
        models = shop.models
        assert [models[n].__tablename__ for n in ("Author", "Book", "BookReview")] == [
            "author",
            "book",
            "book_review",
        ]
        assert sorted(shop.db.metadata.tables) == ["author", "book", "book_review", "book_tags"]
        author = shop.in_app_context(lambda: shop.db.session.get(models["Author"], 1))
        assert repr(author) == "<Author 1>"

    def test_engine_and_create_drop_all_need_an_app_context(self, shop: Harness) -> None:
        with pytest.raises(RuntimeError):
            shop.db.engine  # noqa: B018
        assert shop.in_app_context(lambda: str(shop.db.engine.url)) == "sqlite://"
        shop.in_app_context(shop.db.drop_all)
        names = shop.in_app_context(lambda: sa.inspect(shop.db.engine).get_table_names())
        assert names == []
        shop.in_app_context(shop.db.create_all)
        assert shop.get("/count") == (200, {"authors": 0, "books": 0})

    def test_session_outside_an_app_context_raises(self, shop: Harness) -> None:
        with pytest.raises(RuntimeError):
            shop.db.session.get(shop.models["Author"], 1)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_relative_sqlite_path_lives_in_the_instance_folder(flavour: str, tmp_path: Path) -> None:
    harness = build(flavour, tmp_path / "instance", "sqlite:///shop.db")
    assert (tmp_path / "instance" / "shop.db").is_file()
    assert harness.get("/count") == (200, {"authors": 2, "books": 6})
    harness.close()


def test_async_view_on_the_loop_shares_the_request_session_with_a_def_hook(
    tmp_path: Path,
) -> None:
    """A sync hook runs in a worker thread, an async view on the loop thread: one session."""
    harness = build("quart", tmp_path / "instance", "sqlite:///threads.db")
    app, db, author = harness.app, harness.db, harness.models["Author"]
    threads: dict[str, str] = {}

    @app.before_request
    def add_pending_author() -> None:
        if quart.request.path == "/async-count":
            threads["hook"] = threading.current_thread().name
            db.session.add(author(name="Pending"))

    @app.get("/async-count")
    async def async_count() -> Any:
        threads["view"] = threading.current_thread().name
        return {"authors": db.session.scalar(sa.select(sa.func.count(author.id)))}

    assert harness.get("/async-count") == (200, {"authors": 3})  # sees the hook's object
    assert threads["hook"] != threads["view"] == threading.main_thread().name
    assert harness.get("/count") == (200, {"authors": 2, "books": 6})  # never committed
    harness.close()


def test_record_queries_is_reported_at_init(tmp_path: Path) -> None:
    app = quart.Quart("recorder", instance_path=str(tmp_path))
    app.config.update(SQLALCHEMY_DATABASE_URI="sqlite://", SQLALCHEMY_RECORD_QUERIES=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        db = adapter.SQLAlchemy(app)
    for engine in db._app_engines[app].values():
        engine.dispose()
    assert [str(w.message).split(" ")[0] for w in caught] == ["SQLALCHEMY_RECORD_QUERIES"]


MIGRATE_APP = """\
from quart import Quart
from models_adapter import Migrate, SQLAlchemy

db = SQLAlchemy()
migrate = Migrate()


class Note(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    text = db.Column(db.String(200))


def create_app():
    app = Quart(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///notes.db"
    db.init_app(app)
    migrate.init_app(app, db)
    return app
"""


def test_flask_migrate_commands_run_as_quart_db(tmp_path: Path) -> None:
    """`quart db init/migrate/upgrade` create and apply an Alembic migration."""
    (tmp_path / "notesapp.py").write_text(MIGRATE_APP)
    (tmp_path / "models_adapter.py").write_text(Path(adapter.__file__).read_text())
    env = {**os.environ, "QUART_APP": "notesapp:create_app", "PYTHONPATH": str(tmp_path)}
    quart_cli = [sys.executable, "-c", "from quart.cli import main; main()"]
    for command in (["db", "init"], ["db", "migrate", "-m", "notes"], ["db", "upgrade"]):
        done = subprocess.run(
            [*quart_cli, *command],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    versions = list((tmp_path / "migrations" / "versions").glob("*_notes.py"))
    assert len(versions) == 1
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'instance' / 'notes.db'}")
    with engine.connect() as connection:
        assert sorted(sa.inspect(connection).get_table_names()) == ["alembic_version", "note"]
    engine.dispose()
