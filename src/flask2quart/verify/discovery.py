"""Find the app to serve when ``--app`` is not given, the way ``flask run`` finds it.

Order, as Flask's ``ScriptInfo.load_app``: ``FLASK_APP`` from the environment; else the first of
``wsgi.py`` and ``app.py`` (or a package of that name) in the ORIGINAL folder. Inside the module,
as Flask's ``find_best_app``: a module-level ``app`` or ``application``; else the one module-level
``Flask(...)`` object; else a ``create_app()`` or ``make_app()`` factory.

The source is read with :mod:`ast`, never imported: discovery is fast and runs none of the
user's code (importing the app is the servers' job, and they say when it fails).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from flask2quart.verify.scenario import APP_SPEC

MODULE_NAMES = ("wsgi", "app")
APP_NAMES = ("app", "application")
FACTORY_NAMES = ("create_app", "make_app")
HOW_TO_PASS = "pass --app MODULE:NAME or --app 'MODULE:create_app()'"
# Values that are certainly not a Flask object: `app = "name"` does not count as an app.
_NOT_AN_APP = (
    ast.Constant,
    ast.JoinedStr,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.Lambda,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Import,  # `import x as app` binds a module
)


class AppNotFound(Exception):
    """No app to serve; the message says what was looked for and how to pass ``--app``."""


@dataclass(frozen=True)
class FoundApp:
    spec: str  # MODULE:NAME or MODULE:factory(), as --app takes it
    origin: str  # for "using app wsgi:app (found in wsgi.py)"


def find_app(root: Path, env: Mapping[str, str]) -> FoundApp:
    """The app in ``root`` that ``flask run`` would serve there, read from the source."""
    flask_app = env.get("FLASK_APP", "").strip()
    if flask_app:
        return _from_flask_app(root, flask_app)
    for module in MODULE_NAMES:
        source = module_file(root, module)
        if source is not None:
            return _found_in(root, module, source, "found in")
    raise AppNotFound(
        f"{root}: no --app given, no FLASK_APP set, and neither wsgi.py nor app.py to find "
        f"the app in; {HOW_TO_PASS}"
    )


def module_file(root: Path, module: str) -> Path | None:
    """``root/a/b.py`` or ``root/a/b/__init__.py`` for module ``a.b``, if either exists."""
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _from_flask_app(root: Path, value: str) -> FoundApp:
    where, _, attribute = value.partition(":")
    module = _module_name(where)
    if attribute:
        found = FoundApp(f"{module}:{attribute}", "from FLASK_APP")
    else:
        source = module_file(root, module)
        if source is None:
            raise AppNotFound(f"FLASK_APP={value!r}: no module {module} in {root}; {HOW_TO_PASS}")
        found = _found_in(root, module, source, "FLASK_APP, found in")
    if not APP_SPEC.match(found.spec):
        raise AppNotFound(
            f"FLASK_APP={value!r}: verify serves MODULE:NAME or MODULE:factory() (a factory "
            f"without arguments), not {found.spec!r}; {HOW_TO_PASS}"
        )
    return found


def _module_name(where: str) -> str:
    """``pkg/app.py`` or ``pkg.app`` as the dotted name servers import from the tree's top."""
    path = where.removesuffix(".py").replace("\\", "/").strip("/")
    return path.replace("/", ".").removesuffix(".__init__")


def _found_in(root: Path, module: str, source: Path, origin: str) -> FoundApp:
    bindings = module_bindings(_parse(source))
    relative = source.relative_to(root)
    for name in APP_NAMES:
        value = bindings.get(name)
        if value is not None and not isinstance(value, _NOT_AN_APP):
            return FoundApp(f"{module}:{name}", f"{origin} {relative}")
    flask_objects = [name for name, value in bindings.items() if _is_flask_call(value)]
    if len(flask_objects) == 1:
        return FoundApp(f"{module}:{flask_objects[0]}", f"{origin} {relative}")
    for name in FACTORY_NAMES:
        value = bindings.get(name)
        if value is not None and _callable_without_arguments(value):
            return FoundApp(f"{module}:{name}()", f"{origin} {relative}")
    several = f" ({len(flask_objects)} Flask objects: {', '.join(flask_objects)})"
    raise AppNotFound(
        f"{source}: no module-level app or application, no single Flask(...) object"
        f"{several if flask_objects else ''}, and no create_app() or make_app() factory "
        f"callable without arguments; {HOW_TO_PASS}"
    )


def _parse(source: Path) -> ast.Module:
    try:
        return ast.parse(source.read_bytes(), filename=str(source))
    except OSError as error:
        raise AppNotFound(f"{source}: cannot read it ({error.strerror})") from None
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None)
        at = f"line {line}: " if line else ""
        raise AppNotFound(f"{source}: not valid Python ({at}{error.args[0]})") from None


def module_bindings(tree: ast.Module) -> dict[str, ast.AST]:
    """Module-level names and what binds them last (an assignment's value, an import, a def)."""
    bindings: dict[str, ast.AST] = {}
    for statement in _executed_on_import(tree.body):
        for name, value in _bound_by(statement):
            bindings[name] = value
    return bindings


def _executed_on_import(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Top-level statements, looking inside if/try/with, but not ``if __name__ == "__main__"``."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.If) and not _is_main_guard(statement):
            yield from _executed_on_import(statement.body)
            yield from _executed_on_import(statement.orelse)
        elif isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody):
                yield from _executed_on_import(block)
            for handler in statement.handlers:
                yield from _executed_on_import(handler.body)
        elif isinstance(statement, ast.With):
            yield from _executed_on_import(statement.body)


def _is_main_guard(statement: ast.If) -> bool:
    test = statement.test
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _bound_by(statement: ast.stmt) -> Iterator[tuple[str, ast.AST]]:
    if isinstance(statement, ast.Assign):
        for target in statement.targets:
            if isinstance(target, ast.Name):
                yield target.id, statement.value
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        if isinstance(statement.target, ast.Name):
            yield statement.target.id, statement.value
    elif isinstance(statement, ast.Import):
        for alias in statement.names:
            yield alias.asname or alias.name.split(".")[0], statement
    elif isinstance(statement, ast.ImportFrom):
        for alias in statement.names:
            yield alias.asname or alias.name, alias
    elif isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield statement.name, statement


def _is_flask_call(value: ast.AST) -> bool:
    if not isinstance(value, ast.Call):
        return False
    function = value.func
    return (isinstance(function, ast.Name) and function.id == "Flask") or (
        isinstance(function, ast.Attribute) and function.attr == "Flask"
    )


def _callable_without_arguments(value: ast.AST) -> bool:
    """A def whose parameters all have defaults; an imported factory is given the benefit."""
    if isinstance(value, ast.alias):
        return True
    if not isinstance(value, ast.FunctionDef):
        return False  # an async factory returns a coroutine, not an app
    arguments = value.args
    positional = [*arguments.posonlyargs, *arguments.args]
    keyword_only_required = any(default is None for default in arguments.kw_defaults)
    return len(positional) == len(arguments.defaults) and not keyword_only_required
