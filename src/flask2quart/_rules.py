"""The contract every rewrite rule implements, and the registry helpers.

A rule is a class in its own module under ``flask2quart/codemods/``. It contributes two things:

* knowledge for the whole-program analysis (which external calls and attributes must be
  awaited on Quart, which context managers become ``async with``), as class attributes;
* ``visit_<Node>`` / ``leave_<Node>`` hooks that :class:`flask2quart._transform.BatchedTransformer`
  calls in registry order during the single transform pass over a file.

Rules never mutate the tree in place and never parse: they read the file's
:class:`~flask2quart._transform.FileContext` (model, plan, findings, imports to add) and return
new nodes from ``leave_`` hooks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from flask2quart.analysis.solve import SeedKind as SeedKind  # the rules' name for it

if TYPE_CHECKING:
    from flask2quart._project import ProjectContext
    from flask2quart._transform import FileContext
    from flask2quart.analysis.model import FileModel

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: str
    name: str
    summary: str


class Rule:
    id: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    requires: ClassVar[tuple[str, ...]] = ()

    awaitable_calls: ClassVar[Mapping[str, SeedKind]] = {}
    awaitable_attributes: ClassVar[Mapping[str, SeedKind]] = {}
    async_context_managers: ClassVar[frozenset[str]] = frozenset()
    # Methods taken to return one of those when what they are called on cannot be typed.
    async_context_methods: ClassVar[frozenset[str]] = frozenset()
    # Classes whose optional seeds convert together or not at all (see SeedTable).
    optional_groups: ClassVar[frozenset[str]] = frozenset()
    # Third-party decorators this rule rewrites to async-aware ones (they await an async view
    # and run a sync one in a thread): the analysis no longer treats them as barriers.
    transparent_decorators: ClassVar[frozenset[str]] = frozenset()
    # Packages whose decorators wrap views so that an async view still works (they call the
    # view through ``current_app.ensure_sync``, which the rule provides): not barriers on a
    # view, barriers on anything else.
    view_decorator_packages: ClassVar[frozenset[str]] = frozenset()
    # External names (as the catalogue spells them) whose imports the rule renames
    # (``flask_wtf.FlaskForm`` -> ``QuartForm``): a module re-exporting one keeps its name for
    # its importers, so the pre-filter analyses every file that mentions a re-exported one.
    renamed_imports: ClassVar[frozenset[str]] = frozenset()
    # Attribute and bare names the per-file pass records sites for (what leave_ hooks look up).
    attribute_names: ClassVar[frozenset[str]] = frozenset()
    names: ClassVar[frozenset[str]] = frozenset()
    # Whether the rule converts test code (test functions and fixtures may then become async).
    converts_tests: ClassVar[bool] = False
    # Whether the rule gives the tests a client with Flask's ``g``-after-request and
    # ``response.history`` (the analysis then plans which of them the tests need).
    provides_flask_style_client: ClassVar[bool] = False
    # Words whose presence in a file's text may make the rule act, beyond the packages every
    # run looks for (flask, requests, ...): the pre-filter never skips a file that has one.
    triggers: ClassVar[frozenset[str]] = frozenset()
    # An opt-in rule runs only when asked for (``--enable`` or ``--only``): the code works
    # without it, and its rewrite is a trade-off the user should choose.
    opt_in: ClassVar[bool] = False

    def __init__(self, context: FileContext) -> None:
        self.context = context

    @classmethod
    def file_facts(cls, model: FileModel) -> Any:
        """What this rule must know about every file of the project before it transforms any
        one of them: plain data (JSON-able, references as :mod:`refs <flask2quart.analysis.refs>`
        tuples), or None for nothing. The analysis records it per file, cached with the other
        facts; the transform of every file reads all of it as ``plan.rule_facts[rule.id]``
        (module -> data), so a decision that spans files is the same in each of them."""
        return None

    @classmethod
    def info(cls) -> RuleInfo:
        return RuleInfo(cls.id, cls.name, cls.summary)

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        """Called once per run after every file is transformed, before anything is written:
        the place for project-wide edits (generated modules, dependency lists, pytest config).
        Per-file information reaches it through ``FileContext.data`` -> ``FileResult.data``."""
