"""Which names of a module other modules read: shared by the rules that rename imported names.

A rule that moves ``from flask_wtf import FlaskForm`` to ``from quart_wtf import QuartForm``
renames the module's binding too, and every importer of it (``from app.compat import FlaskForm``)
then fails with ``ImportError``. When another module can read the name, the binding keeps it:
``from quart_wtf import QuartForm as FlaskForm``, and the module's own uses stay as they are.

A name counts as read by another module when one of the analysed modules imports it from this
one (``from app.compat import FlaskForm``), imports this module itself (``from app import
compat``, ``import app.compat as compat``: any of its names may then be read as an attribute;
a bare ``import app`` is not counted, it is also what ``import app.sub`` binds), or reads it
from a module that star-imports this one, or when the module's ``__all__`` names it. Imports
inside functions of other modules are not seen (the analysis records module-level bindings).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import libcst as cst

from flask2quart._transform import FileContext
from flask2quart.analysis.refs import STAR_IMPORT, Ref
from flask2quart.analysis.types import ProgramIndex

_ALL = "*"  # every name of the module may be read


def _global_names(ref: Ref, depth: int = 0) -> Iterator[str]:
    """The dotted names a binding's reference reads directly (``("g", fqn)`` leaves)."""
    if depth > 4 or not ref:
        return
    if ref[0] == "g" and isinstance(ref[1], str):
        yield ref[1]
    elif ref[0] == "u":
        for item in ref[1]:
            if isinstance(item, tuple):
                yield from _global_names(item, depth + 1)


# The exports of every module, computed once per program index (one index per run).
_CACHE: dict[int, tuple[ProgramIndex, dict[str, set[str]]]] = {}


def _read_names(index: ProgramIndex) -> dict[str, set[str]]:
    cached = _CACHE.get(id(index))
    if cached is not None and cached[0] is index:
        return cached[1]
    read: dict[str, set[str]] = {}
    stars: list[tuple[str, str]] = []  # (importer, star-imported module)
    for importer, bindings in index.bindings.items():
        for key, ref in bindings.items():
            for fqn in _global_names(ref):
                if key.startswith(STAR_IMPORT):
                    if fqn != importer:
                        stars.append((importer, fqn))
                    continue
                # ``import top`` binds the top package for ``import top.sub`` too: not counted
                bare = key == fqn and "." not in fqn
                if fqn in index.modules:
                    if fqn != importer and not bare:
                        read.setdefault(fqn, set()).add(_ALL)
                    continue
                module, _, name = fqn.rpartition(".")
                if module and module != importer and module in index.modules:
                    read.setdefault(module, set()).add(name)
    # ``from .core import *`` in a package: what importers read from the package, they may be
    # reading from core
    changed = True
    while changed:
        changed = False
        for importer, module in stars:
            names = read.get(importer, set()) - read.get(module, set())
            if names:
                read.setdefault(module, set()).update(names)
                changed = True
    _CACHE.clear()
    _CACHE[id(index)] = (index, read)
    return read


def _in_dunder_all(context: FileContext, name: str) -> bool:
    if "__all__" not in context.model.module_scope.bindings:
        return False
    return re.search(rf"""['"]{re.escape(name)}['"]""", context.source_text) is not None


def keeps_name(context: FileContext, name: str) -> bool:
    """Whether a module-level binding ``name`` of this file is read by other modules, so that
    a rule renaming what it imports must keep binding ``name``."""
    read = _read_names(context.evaluator.index).get(context.model.module_name, set())
    return (
        name in read or (_ALL in read and not name.startswith("_")) or _in_dunder_all(context, name)
    )


def renamed_alias(context: FileContext, alias: cst.ImportAlias, new: str) -> cst.ImportAlias:
    """``alias`` importing ``new`` instead of its name: ``new as old`` when the old name must
    stay bound (see :func:`keeps_name`), an existing ``as`` kept."""
    old = alias.name.value if isinstance(alias.name, cst.Name) else None
    if alias.asname is None and old is not None and old != new and keeps_name(context, old):
        return alias.with_changes(name=cst.Name(new), asname=cst.AsName(name=cst.Name(old)))
    return alias.with_changes(name=cst.Name(new))


_IMPORTERS: dict[int, tuple[ProgramIndex, dict[str, bool]]] = {}


def imported_anywhere(context: FileContext, package: str) -> bool:
    """Whether a module-level import of ``package`` (or of one of its modules) is in any
    analysed module of the program: what a project-wide swap of that package depends on."""
    index = context.evaluator.index
    cached = _IMPORTERS.get(id(index))
    if cached is None or cached[0] is not index:
        _IMPORTERS.clear()
        cached = _IMPORTERS[id(index)] = (index, {})
    known = cached[1]
    if package not in known:
        known[package] = any(
            fqn == package or fqn.startswith(package + ".")
            for bindings in index.bindings.values()
            for ref in bindings.values()
            for fqn in _global_names(ref)
        )
    return known[package]
