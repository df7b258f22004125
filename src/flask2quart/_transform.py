"""The single transform pass over one file: every enabled rule, one traversal, one codegen.

Rules are plain classes with LibCST-style ``visit_<Node>``/``leave_<Node>`` methods. The
:class:`BatchedTransformer` calls them in registry order for each node (Fixit's batching, so
that adding a rule never adds a traversal), then fixes the one thing LibCST will not do for
us: an ``await`` that became the value of an attribute, subscript or call gets parentheses
(``(await request.form)['x']``, never ``await request.form['x']``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from flask2quart._report import Finding
from flask2quart._rules import Rule, Severity
from flask2quart._settings import RuleSettings
from flask2quart.analysis import catalogue
from flask2quart.analysis.catalogue import Type
from flask2quart.analysis.model import FileModel, FunctionInfo, Site
from flask2quart.analysis.solve import AWAITABLE_CONTEXTS, Plan
from flask2quart.analysis.types import Evaluator


@dataclass(frozen=True, slots=True)
class ImportRequest:
    module: str
    name: str | None  # None: ``import module``


@dataclass(slots=True)
class _PendingFinding:
    node: cst.CSTNode
    rule: str
    severity: Severity
    message: str
    fix: str


@dataclass
class FileContext:
    """What every rule can see and do while transforming one file."""

    path: str
    model: FileModel
    plan: Plan
    evaluator: Evaluator
    settings: RuleSettings = field(default_factory=RuleSettings)
    pending: list[_PendingFinding] = field(default_factory=list)
    imports: list[ImportRequest] = field(default_factory=list)
    # generator expressions that received an ``await`` and must become list comprehensions
    eager_genexps: set[cst.GeneratorExp] = field(default_factory=set)
    # plain data a rule wants its finish() to see (picklable: workers may produce it)
    data: dict[str, Any] = field(default_factory=dict)
    original: bytes | None = None
    _callees: dict[cst.Call, Type] = field(default_factory=dict)
    _source_text: str | None = None

    # ------------------------------------------------------------------ reporting

    def report(
        self, node: cst.CSTNode, rule: str, severity: Severity, message: str, fix: str = ""
    ) -> None:
        self.pending.append(_PendingFinding(node, rule, severity, message, fix))

    # ------------------------------------------------------------------ questions

    def callee(self, call: cst.Call) -> Type:
        cached = self._callees.get(call)
        if cached is not None:
            return cached
        site = self.model.calls.get(call)
        if site is None:
            return catalogue.UNKNOWN_TYPE
        result = self.evaluator.callee(self.model.ref_of(call.func, site.scope))
        self._callees[call] = result
        return result

    @property
    def source_text(self) -> str:
        """The file's original text (decoded with its own encoding), computed once."""
        if self._source_text is None:
            self._source_text = (
                self.model.module.code
                if self.original is None
                else self.original.decode(self.model.module.encoding, errors="replace")
            )
        return self._source_text

    def callee_name(self, call: cst.Call) -> str | None:
        return self.evaluator.key_of(self.callee(call))

    def type_of(self, expr: cst.BaseExpression, site: Site) -> Type:
        return self.evaluator.evaluate(self.model.ref_of(expr, site.scope))

    def member_key(self, attribute: cst.Attribute) -> str | None:
        site = self.model.attributes.get(attribute)
        if site is None:
            return None
        return self.evaluator.member_key(self.model.ref_of(attribute, site.scope))

    def function_is_async(self, function: FunctionInfo | None) -> bool:
        return function is not None and self.plan.is_async(function.fqn)

    def can_await(self, site: Site) -> bool:
        """Whether ``await`` may be inserted at this site in the converted code."""
        return site.context in AWAITABLE_CONTEXTS and self.function_is_async(site.owner)

    def name_for(self, module: str, name: str) -> str:
        """The local name of ``module.name``, scheduling ``from module import name`` if needed."""
        wanted = catalogue.canonical_name(f"{module}.{name}")
        for bound, bindings in self.model.module_scope.bindings.items():
            for binding in bindings:
                if binding.kind == "import" and catalogue.canonical_name(binding.fqn) == wanted:
                    return bound
        request = ImportRequest(module, name)
        if request not in self.imports:
            self.imports.append(request)
        return name

    def module_for(self, module: str) -> str:
        """The local name of an imported module, scheduling ``import module`` if needed."""
        for bound, bindings in self.model.module_scope.bindings.items():
            for binding in bindings:
                if binding.kind == "import" and binding.fqn == module and bound == module:
                    return bound
        request = ImportRequest(module, None)
        if request not in self.imports:
            self.imports.append(request)
        return module


Hook = Callable[..., Any]


class FieldlessVisitor(cst.CSTVisitor):
    """A visitor without per-field hooks (``visit_<Node>_<field>``): LibCST's lookup of them,
    twice for every field of every node, is skipped. The base for the rules' small walks."""

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None


# (visit hooks, leave hooks) by node class name, per tuple of rule classes: computed once.
_HOOK_NAMES: dict[tuple[type[Rule], ...], tuple[dict[str, list[str]], dict[str, list[str]]]] = {}


def _hook_names(
    classes: tuple[type[Rule], ...],
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    cached = _HOOK_NAMES.get(classes)
    if cached is None:
        visit: dict[str, list[str]] = {}
        leave: dict[str, list[str]] = {}
        for index, rule in enumerate(classes):
            for attr in dir(rule):
                kind, _, node = attr.partition("_")
                if node and "_" not in node and kind in ("visit", "leave"):
                    table = visit if kind == "visit" else leave
                    table.setdefault(node, []).append(f"{index}:{attr}")
        cached = _HOOK_NAMES[classes] = (visit, leave)
    return cached


class BatchedTransformer(cst.CSTTransformer):
    def __init__(self, rules: Sequence[Rule]) -> None:
        super().__init__()
        visit, leave = _hook_names(tuple(type(rule) for rule in rules))
        self._visit = {node: _bind(rules, names) for node, names in visit.items()}
        self._leave = {node: _bind(rules, names) for node, names in leave.items()}

    def on_visit(self, node: cst.CSTNode) -> bool:
        for hook in self._visit.get(type(node).__name__, ()):
            hook(node)
        return True

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        result: Any = updated_node
        for hook in self._leave.get(type(original_node).__name__, ()):
            result = hook(original_node, result)
            if result is cst.RemovalSentinel.REMOVE or type(result) is cst.FlattenSentinel:
                return result
        return _parenthesize_awaited_primary(result)

    # Rules have no per-field hooks: skip LibCST's lookup of ``visit_<Node>_<field>`` methods,
    # which it would otherwise do twice for every field of every node.
    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None


def _bind(rules: Sequence[Rule], names: list[str]) -> list[Hook]:
    hooks = []
    for name in names:
        index, _, attr = name.partition(":")
        hooks.append(getattr(rules[int(index)], attr))
    return hooks


_PRIMARY_VALUE = (cst.Attribute, cst.Subscript)


def _parenthesize_awaited_primary(node: cst.CSTNode) -> cst.CSTNode:
    kind = type(node)
    if kind in _PRIMARY_VALUE and _bare_await(node.value):  # type: ignore[attr-defined]
        return node.with_changes(value=_wrap(node.value))  # type: ignore[attr-defined]
    if kind is cst.Call and _bare_await(node.func):  # type: ignore[attr-defined]
        return node.with_changes(func=_wrap(node.func))  # type: ignore[attr-defined]
    return node


def _bare_await(node: cst.BaseExpression) -> bool:
    return type(node) is cst.Await and not node.lpar


def _wrap(node: cst.BaseExpression) -> cst.BaseExpression:
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def resolve_findings(module: cst.Module, context: FileContext) -> list[Finding]:
    """Attach line:column to the findings; positions are computed only when there are some."""
    if not context.pending:
        return []
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    findings = []
    seen = set()
    for pending in context.pending:
        position = positions.get(pending.node)
        line, column = (position.start.line, position.start.column + 1) if position else (1, 1)
        finding = Finding(
            context.path, line, column, pending.rule, pending.severity, pending.message, pending.fix
        )
        if finding not in seen:
            seen.add(finding)
            findings.append(finding)
    return findings
