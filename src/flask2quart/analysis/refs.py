"""Symbolic references: what an expression denotes, before the whole program is known.

A per-file pass cannot tell what ``service.fetch()`` calls: ``service`` may be imported from a
module that has not been read yet. So each interesting expression is recorded as a *reference*,
a small immutable tuple that the whole-program evaluator (:mod:`.types`) turns into a type once
every module's facts are in. Tuples keep the facts cheap to pickle between processes and to
store in the cache as JSON.

Shapes (the first element is the tag)::

    ("g", "pkg.mod.name")          a module-level name, an import, or a module
    ("p", "pkg.mod.func", "x")     parameter ``x`` of a function (how pytest fixtures are found)
    ("pa", ref, "pkg.mod.func", "x")  annotated parameter ``x: ref``: an instance of ref where
                                   ref is known, else what fixtures and call sites pass
    ("self", "pkg.mod.Class")      ``self`` inside a method of Class
    ("cls", "pkg.mod.Class")       ``cls`` inside a classmethod of Class
    ("sup", "pkg.mod.Class")       ``super()`` inside a method of Class
    ("a", ref, "name")             attribute access; name "*": some member, computed at run time
    ("c", ref)                     the result of calling ref
    ("i", ref)                     ref[...]
    ("e", ref)                     the value bound by ``with ref as x``
    ("u", (ref, ref, ...))         one of several values (a name assigned more than once)
    ("?",)                         unknown
"""

from __future__ import annotations

from typing import Any, TypeAlias

Ref: TypeAlias = tuple[Any, ...]

UNKNOWN: Ref = ("?",)

# ``getattr(owner, computed_name)``: the catalogue types ``Class.*`` where every member agrees
DYNAMIC_MEMBER = "*"
# Module bindings key prefix for ``from <module> import *`` (no identifier starts with it)
STAR_IMPORT = "*import "


def global_ref(fqn: str) -> Ref:
    return ("g", fqn)


def attr_ref(base: Ref, name: str) -> Ref:
    return ("a", base, name)


def call_ref(base: Ref) -> Ref:
    return ("c", base)


def item_ref(base: Ref) -> Ref:
    return ("i", base)


def enter_ref(base: Ref) -> Ref:
    return ("e", base)


def union_ref(refs: list[Ref]) -> Ref:
    unique: list[Ref] = []
    for ref in refs:
        if ref not in unique:
            unique.append(ref)
    if not unique:
        return UNKNOWN
    if len(unique) == 1:
        return unique[0]
    return ("u", tuple(unique))


def from_json(value: Any) -> Any:
    """Turn the lists that JSON gives back into the tuples a Ref is made of."""
    if isinstance(value, list):
        return tuple(from_json(item) for item in value)
    return value


def dotted(ref: Ref) -> str | None:
    """``a.b.c`` for a global reference followed by attributes, else None."""
    if ref[0] == "g":
        return str(ref[1])
    if ref[0] == "a":
        base = dotted(ref[1])
        return None if base is None else f"{base}.{ref[2]}"
    return None
