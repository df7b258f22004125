"""F2Q409: Flask extensions that only read Flask's globals keep working, through a generated bridge.

Flask-Login, Flask-HTTPAuth, Flask-JWT-Extended, Flask-Caching, Flask-Talisman, Flask-Mail and
Flask-RESTful import fine on Quart and fail on the first request: they read ``flask.current_app`` /
``flask.request`` / ``flask.g``, which Quart never sets, and call views through
``current_app.ensure_sync``, which Quart lacks. Porting each to a Quart counterpart changes the
app's API (quart-auth has no user loader); quart-flask-patch swaps the ``flask`` module and
cannot be imported on Quart 0.23. Instead this rule writes one module into the converted app,
``flask_bridge.py`` (its source is ``_flask_bridge.py`` here), which makes every Quart context
also Flask's, and imports it in each module that imports such an extension::

    from flask_login import LoginManager  ->  from app import flask_bridge  # noqa: F401
                                              from flask_login import LoginManager

The extensions' decorators (``@login_required``, ``@jwt_required()``, ``@cache.cached()``) keep
wrapping views that become ``async def``: Quart runs the sync wrapper in a worker thread and the
bridge's ``ensure_sync`` runs the view on the event loop. On anything but a view they are
barriers (the function stays ``def``, and what it calls is reported). Extensions flask2quart
does not know get the bridge too; their verdict stays "unknown" until a test proves them.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from importlib import resources
from typing import ClassVar

import libcst as cst

from flask2quart._project import ProjectContext
from flask2quart._rules import Rule
from flask2quart._transform import FileContext
from flask2quart.analysis.model import dotted_name

from ._extensions import EXTENSIONS, extension_for, extension_module
from ._generated import generated_module, write_generated
from .extension_inventory import is_local_module, mark_handled

MODULE_NAME = "flask_bridge"
FUNCTION_NAME = "bridge_flask_extensions"
USED = "flask_bridge_used"
# Set by a conversion rule that kept its extension in the file (F2Q406 keeping Flask-Limiter):
# the modules it keeps, which get the bridge like an extension marked "bridged".
KEPT = "flask_bridge_kept_modules"
BRIDGED_MODULES = frozenset(
    module for ext in EXTENSIONS if ext.verdict == "bridged" for module in ext.modules
)


def bridge_module(modules: Iterable[str], functions: Container[str]) -> str:
    return generated_module(modules, functions, MODULE_NAME, FUNCTION_NAME)


def needs_bridge(module: str) -> bool:
    """Whether importing ``module`` (any dotted name) means the file needs the bridge."""
    extension = extension_module(module)
    if extension is None:
        return False
    known = extension_for(extension)
    return known is None or known.verdict == "bridged"


class FlaskExtensionBridge(Rule):
    id = "F2Q409"
    name = "flask-extension-bridge"
    summary = (
        "Flask-Login, -HTTPAuth, -JWT-Extended, -Caching, -Talisman, -Mail, -RESTful kept, "
        "through a generated bridge that makes Quart's context Flask's"
    )
    triggers = frozenset(BRIDGED_MODULES)
    view_decorator_packages: ClassVar[frozenset[str]] = BRIDGED_MODULES
    # Flask-Login's login_required calls what it wraps through current_app.ensure_sync (the
    # bridge's), so it is transparent on any method, not only on views: a Flask-RESTful
    # Resource's post() behind it is async like a view's (timesketch: 320 tests).
    # The bridge makes Flask-RESTful's marshal_with run an async method it wraps.
    transparent_decorators: ClassVar[frozenset[str]] = frozenset(
        {
            "flask_login.login_required",
            "flask_restful.marshal_with",
            "flask_restful.marshal_with_field",
        }
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._bridged: list[str] = []

    def _bridge(self) -> str:
        index = self.context.evaluator.index
        return bridge_module(index.modules, index.functions)

    def _record(self, module: str) -> None:
        if not needs_bridge(module) or is_local_module(self.context, module):
            return
        extension = extension_module(module)
        assert extension is not None
        known = extension_for(extension)
        if known is not None:
            mark_handled(self.context, known.name)
        self._bridged.append(module)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self._record(dotted_name(alias.name))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if not node.relative and node.module is not None:
            self._record(dotted_name(node.module))

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        bridge = self._bridge()
        kept: list[str] = self.context.data.get(KEPT, [])
        if not (self._bridged or kept) or self.context.model.module_name == bridge:
            return updated_node
        self.context.data[USED] = True
        body: list[cst.BaseStatement] = list(updated_node.body)
        if any(_imports_bridge(statement, bridge) for statement in body):
            return updated_node
        package, _, leaf = bridge.rpartition(".")
        text = f"from {package} import {leaf}" if package else f"import {leaf}"
        statement = cst.parse_statement(
            f"{text}  # noqa: F401  (Flask extensions read Quart's context through it)\n"
        )
        body.insert(_insertion_index(body, kept), statement)
        return updated_node.with_changes(body=body)

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        if not any(True for _ in project.data(USED)):
            return
        index = project.plan.index
        source = bridge_source()
        write_generated(project, bridge_module(index.modules, index.functions), source, cls.id)


def bridge_source() -> str:
    return (resources.files("flask2quart.codemods") / "_flask_bridge.py").read_text(
        encoding="utf-8"
    )


def _imported_modules(statement: cst.BaseStatement) -> list[str]:
    if not isinstance(statement, cst.SimpleStatementLine):
        return []
    modules: list[str] = []
    for small in statement.body:
        if isinstance(small, cst.Import):
            modules.extend(dotted_name(alias.name) for alias in small.names)
        elif isinstance(small, cst.ImportFrom) and not small.relative and small.module:
            base = dotted_name(small.module)
            modules.append(base)
            if not isinstance(small.names, cst.ImportStar):
                modules.extend(f"{base}.{dotted_name(alias.name)}" for alias in small.names)
    return modules


def _imports_bridge(statement: cst.BaseStatement, bridge: str) -> bool:
    return bridge in _imported_modules(statement)


def _insertion_index(body: list[cst.BaseStatement], kept: list[str]) -> int:
    """Before the first top-level import of a bridged (or kept) extension, else after the
    docstring and ``from __future__`` imports (the extension is imported inside a function)."""
    for index, statement in enumerate(body):
        for module in _imported_modules(statement):
            if needs_bridge(module) or extension_module(module) in kept:
                return index
    index = 0
    while index < len(body) and _is_preamble(body[index], index):
        index += 1
    return index


def _is_preamble(statement: cst.BaseStatement, index: int) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if index == 0 and isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString):
        return True
    return (
        isinstance(small, cst.ImportFrom)
        and isinstance(small.module, cst.Name)
        and small.module.value == "__future__"
    )
