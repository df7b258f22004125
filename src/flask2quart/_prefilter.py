"""Decide cheaply which files need LibCST at all.

Most of a real tree mentions neither Flask nor requests nor any of the app's functions that
become async; such a file can neither be converted nor change a conversion. A text search costs
microseconds where a LibCST parse costs milliseconds, so:

1. a file is *relevant* when its text mentions a package the rules know (Flask, Quart, requests,
   Werkzeug, sqlite3, pytest...) or when pytest would collect it (``test_*.py``, ``conftest.py``);
2. relevant files are analysed and the program solved;
3. every name that now matters — a function that became async or keeps a blocking call, a class
   with such a method, and any module-level alias of those (re-exports) — is *marked*, and an
   irrelevant file that mentions a marked name becomes relevant; 2-3 repeat until no file is
   added (at most as many rounds as there are files; in practice one or two).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask2quart.analysis.facts import FileFacts, is_test_module_name
from flask2quart.analysis.solve import Plan
from flask2quart.analysis.types import Evaluator

BASE_WORDS = (
    "flask quart requests werkzeug httpx sqlite3 pytest unittest responses requests_mock respx "
    "click"
).split()
_FRAMEWORK_CALLED = frozenset({"view", "hook", "template", "test", "fixture", "cli", "override"})
_IDENTIFIER = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
GENERATED = re.compile(rb"@generated\b")
_STAR_IMPORT = re.compile(rb"\bimport\s*\*")


def relevance_pattern(extra_words: Iterable[str] = ()) -> re.Pattern[bytes]:
    words = sorted({*BASE_WORDS, *extra_words})
    return re.compile(rb"\b(?:" + b"|".join(re.escape(w.encode()) for w in words) + rb")")


def is_relevant(source: bytes, module: str, pattern: re.Pattern[bytes]) -> bool:
    # a star re-export (``from .core import *`` in a package) is how importers reach the app
    return (
        is_test_module_name(module)
        or pattern.search(source) is not None
        or _STAR_IMPORT.search(source) is not None
    )


def is_generated(source: bytes) -> bool:
    return GENERATED.search(source[:4096]) is not None


def identifiers(source: bytes) -> frozenset[str]:
    return frozenset(match.decode("ascii") for match in _IDENTIFIER.findall(source))


def marked_names(plan: Plan, files: list[FileFacts]) -> set[str]:
    """Names an irrelevant file must not mention without being analysed too."""
    # Handlers (views, hooks, tests...) are called by the framework, not by other modules, and
    # their names (index, create, detail) are common words: marking them would pull in every file.
    important = {
        fqn
        for fqn in (*plan.async_functions, *plan.optional_blocked)
        if plan.kinds.get(fqn) not in _FRAMEWORK_CALLED
    }
    important |= {plan.call_targets.get(fqn, fqn) for fqn in list(important)}
    names = {fqn.rsplit(".", 1)[-1] for fqn in important}
    for fqn in important:  # the class of a method: callers may only name the class
        summary = plan.index.functions.get(fqn)
        if summary is not None and summary.class_fqn is not None:
            names.add(summary.class_fqn.rsplit(".", 1)[-1])
    evaluator = Evaluator(plan.index)
    for facts in files:
        for name in facts.bindings:
            value = evaluator.evaluate(("g", f"{facts.module}.{name}"))
            if (
                (value[0] in ("fn", "cls") and str(value[1]) in important)
                or (value[0] == "ext" and str(value[1]) in plan.seeds.calls)
                or (value[0] in ("cls", "ext") and str(value[1]) in plan.seeds.renamed_imports)
            ):
                names.add(name)
    return names
