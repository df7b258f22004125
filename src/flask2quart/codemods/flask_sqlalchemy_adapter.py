"""F2Q402: keep Flask-SQLAlchemy (and Flask-Migrate) working on Quart through a generated adapter.

Flask-SQLAlchemy fails on Quart on the first query ("Working outside of application context":
it scopes ``db.session`` to Flask's own app context). Rewriting every model and query to
SQLAlchemy's asyncio API is a port, not a migration. Instead this rule writes one module into
the converted app, ``sqlalchemy_adapter.py`` (its source is ``_sqlalchemy_adapter.py`` here;
the design and its alternatives are in ``docs/flask-sqlalchemy.md``), and points the imports at
it::

    from flask_sqlalchemy import SQLAlchemy   ->  from app.sqlalchemy_adapter import SQLAlchemy
    from flask_migrate import Migrate         ->  from app.sqlalchemy_adapter import Migrate

Models, queries and config stay as they are. The adapter goes in the top-level package of the
application code that imports Flask-SQLAlchemy (next to it, for a one-module app). Reported:
``async def`` functions that use the database (their queries block the event loop), imports the
adapter does not cover (``import flask_sqlalchemy``, Flask-Migrate's command functions, a custom
``Query`` class whose ``paginate`` would read Flask's request).
"""

from __future__ import annotations

from collections import Counter
from importlib import resources
from pathlib import Path
from typing import ClassVar

import libcst as cst

from flask2quart._discovery import SourceFile
from flask2quart._project import ProjectContext
from flask2quart._report import FileResult
from flask2quart._rules import Rule
from flask2quart._transform import FileContext
from flask2quart.analysis.catalogue import Type
from flask2quart.analysis.facts import is_test_module_name
from flask2quart.analysis.model import FunctionInfo, dotted_name
from flask2quart.analysis.types import ProgramIndex

from .extension_inventory import mark_handled

ADAPTER = "sqlalchemy_adapter"
MARKER = "# Written by flask2quart (rule F2Q402)"
DATA_KEY = "sqlalchemy_adapter"

EXTENSION_CLASS = "flask_sqlalchemy.SQLAlchemy"
MODEL_CLASS = "flask_sqlalchemy.model.Model"
# what the adapter provides, by the module users import it from
PROVIDED = {"flask_sqlalchemy": "SQLAlchemy", "flask_migrate": "Migrate"}
NAMES = {"flask_sqlalchemy": "Flask-SQLAlchemy", "flask_migrate": "Flask-Migrate"}
DATABASE_ATTRIBUTES = frozenset(
    "session query engine engines get_or_404 first_or_404 one_or_404 paginate create_all "
    "drop_all".split()
)


def adapter_module(index: ProgramIndex) -> str:
    """Where the adapter lives: an existing one, else the top-level package of the application
    (not test) code that imports Flask-SQLAlchemy, else a top-level module."""
    for module in sorted(index.modules):
        if module == ADAPTER or module.endswith("." + ADAPTER):
            return module
    importers = sorted(
        module
        for module, bindings in index.bindings.items()
        if any(_imports_extension(ref) for ref in bindings.values())
    )
    application = [m for m in importers if not _is_test_code(m)] or importers
    packages = Counter(_top_package(m, index) for m in application)
    packages.pop(None, None)
    if packages:
        best = min(packages, key=lambda p: (-packages[p], p))
        return f"{best}.{ADAPTER}"
    return ADAPTER


def _imports_extension(ref: tuple[object, ...]) -> bool:
    return ref[0] == "g" and str(ref[1]).split(".")[0] in PROVIDED


def _is_test_code(module: str) -> bool:
    parts = module.split(".")
    return is_test_module_name(module) or parts[0] in ("tests", "test", "testing")


def _top_package(module: str, index: ProgramIndex) -> str | None:
    top = module.split(".")[0]
    if "." in module or any(m.startswith(top + ".") for m in index.modules):
        return top
    return None


class FlaskSqlalchemyAdapter(Rule):
    id = "F2Q402"
    name = "flask-sqlalchemy-adapter"
    summary = "Flask-SQLAlchemy / Flask-Migrate -> a generated adapter bound to Quart's context"

    attribute_names: ClassVar[frozenset[str]] = DATABASE_ATTRIBUTES

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._adapter: str | None = None
        self._reported: set[str] = set()

    @property
    def adapter(self) -> str:
        if self._adapter is None:
            self._adapter = adapter_module(self.context.evaluator.index)
        return self._adapter

    def _is_adapter_itself(self) -> bool:
        return self.context.model.module_name == self.adapter

    # ------------------------------------------------------------------ imports

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        for alias in original_node.names:
            module = dotted_name(alias.name)
            top = module.split(".")[0]
            if top in PROVIDED:
                mark_handled(self.context, NAMES[top])
            if top in PROVIDED and not self._is_adapter_itself():
                self.context.report(
                    original_node,
                    self.id,
                    "warning",
                    f"`import {module}` still uses {NAMES[top]}'s Flask-only "
                    f"{PROVIDED[top]} on Quart",
                    f"use `from {self.adapter} import {PROVIDED[top]}`",
                )
        return updated_node

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        if updated_node.relative or updated_node.module is None:
            return updated_node
        module = dotted_name(updated_node.module)
        top = module.split(".")[0]
        if top not in PROVIDED:
            return updated_node
        mark_handled(self.context, NAMES[top])
        if self._is_adapter_itself():
            return updated_node
        self.context.data[DATA_KEY] = self.adapter
        if isinstance(updated_node.names, cst.ImportStar):
            self._report_unsupported(original_node, module, "*")
            return updated_node
        names = [dotted_name(alias.name) for alias in updated_node.names]
        if module in ("flask_sqlalchemy", "flask_sqlalchemy.extension", "flask_migrate"):
            provided = PROVIDED[top]
            if names == [provided] or all(n == provided for n in names):
                return updated_node.with_changes(module=cst.parse_expression(self.adapter))
            return self._split(original_node, updated_node, module, provided)
        if module == "flask_sqlalchemy.query":
            self.context.report(
                original_node,
                self.id,
                "warning",
                "a Query class based on flask_sqlalchemy.query.Query reads Flask's request in "
                "paginate(), so ?page= and ?per_page= would be ignored on Quart",
                f"base it on `{self.adapter}.Query` instead",
            )
        return updated_node

    def _split(
        self, original: cst.ImportFrom, updated: cst.ImportFrom, module: str, provided: str
    ) -> cst.ImportFrom:
        assert not isinstance(updated.names, cst.ImportStar)
        keep = [alias for alias in updated.names if dotted_name(alias.name) != provided]
        moved = [alias for alias in updated.names if dotted_name(alias.name) == provided]
        if any(alias.asname is not None for alias in moved):
            self._report_unsupported(original, module, provided)
            return updated
        if moved:
            self.context.name_for(self.adapter, provided)
        for alias in keep:
            self._report_unsupported(original, module, dotted_name(alias.name))
        keep[-1] = keep[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(names=keep)

    def _report_unsupported(self, node: cst.CSTNode, module: str, name: str) -> None:
        top = module.split(".")[0]
        self.context.report(
            node,
            self.id,
            "error",
            f"{module}.{name} reads Flask's own context (flask.current_app / flask.g), which "
            "Quart does not set",
            f"use {NAMES[top]} through `{self.adapter}.{PROVIDED[top]}`; for Flask-Migrate's "
            "functions run `quart db ...` instead",
        )

    # ------------------------------------------------------------------ database use

    def visit_Attribute(self, node: cst.Attribute) -> None:
        site = self.context.model.attributes.get(node)
        if site is None or node.attr.value not in DATABASE_ATTRIBUTES:
            return
        owner = site.owner
        if owner is None or owner.fqn in self._reported or not self._is_async(owner):
            return
        if is_test_module_name(self.context.model.module_name) or self.context.plan.kinds.get(
            owner.fqn
        ) in ("test", "fixture"):
            return  # a test blocking its own loop for a query costs nothing
        if self._is_database(self.context.type_of(node.value, site)):
            self._reported.add(owner.fqn)
            self.context.report(
                owner.node.name,
                self.id,
                "info",
                f"{owner.name}() is async and uses the database (`.{node.attr.value}`): each "
                "query blocks the event loop while it runs",
                "keep database work in `def` views and helpers (Quart runs them in worker "
                "threads), e.g. `await run_sync(helper)()` from quart",
            )

    def _is_async(self, function: FunctionInfo) -> bool:
        return function.is_async or self.context.function_is_async(function)

    def _is_database(self, value: Type) -> bool:
        evaluator = self.context.evaluator
        if value[0] == "obj":
            return EXTENSION_CLASS in evaluator.mro(str(value[1]))
        if value[0] == "cls":
            return MODEL_CLASS in evaluator.mro(str(value[1]))
        return False

    # ------------------------------------------------------------------ the adapter module

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        importers: dict[str, list[FileResult]] = {}
        for result, module in project.data(DATA_KEY):
            importers.setdefault(module, []).append(result)
        for module, results in sorted(importers.items()):
            path = _adapter_path(module, project.sources, results)
            if path is None:
                continue
            existing = project.read(path)
            if existing and not existing.startswith(MARKER.encode()):
                project.report_finding(
                    path,
                    1,
                    cls.id,
                    "error",
                    f"{path.name} exists and was not written by flask2quart; the adapter was "
                    "not written",
                    "rename that module, then run migrate again",
                )
                continue
            project.write(path, adapter_source().encode())


def adapter_source() -> str:
    return (resources.files("flask2quart.codemods") / "_sqlalchemy_adapter.py").read_text(
        encoding="utf-8"
    )


def _adapter_path(
    module: str, sources: list[SourceFile], importers: list[FileResult]
) -> Path | None:
    """The file for ``module``: ``<package dir>/sqlalchemy_adapter.py``, or for a top-level
    module next to the application module that imports Flask-SQLAlchemy."""
    package = module.rpartition(".")[0]
    for source in sorted(sources, key=lambda s: s.module):
        if source.module == module:
            return source.path
        if package and (source.module == package or source.module.startswith(package + ".")):
            depth = source.module.count(".") - (0 if source.is_package else 1)
            return source.path.parents[depth] / f"{ADAPTER}.py"
    located = [r for r in importers if r.target is not None]
    located.sort(key=lambda r: (_is_test_code(Path(r.path).stem), r.path))
    if package or not located:
        return None
    assert located[0].target is not None
    return located[0].target.parent / f"{ADAPTER}.py"
