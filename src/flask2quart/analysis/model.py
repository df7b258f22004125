"""One pass over a LibCST module that records what the whole-program analysis needs.

The pass keeps its own light scope table instead of LibCST's ``ScopeProvider`` and
``QualifiedNameProvider``: those qualify every name in the file eagerly and cost 3-8x a parse,
while the rules only need the names of calls, of a few attributes, of ``with`` items and of
functions used as values. Names are resolved after the pass (a name assigned anywhere in a
function is local in all of it), and only for the recorded sites.

The result, :class:`FileModel`, keeps the CST nodes so the transformer of the same file can ask
"what is this call?" by node identity; :mod:`.facts` projects it to plain data for other files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

from flask2quart.analysis.refs import DYNAMIC_MEMBER, STAR_IMPORT, UNKNOWN, Ref, union_ref

ScopeKind = Literal["module", "class", "function", "lambda", "comprehension"]

# Where a call or attribute sits, as far as ``await`` is concerned.
#   body      directly in a function body (awaitable once the function is async)
#   genexp    inside a generator expression passed straight to a call we can make eager
#   lambda    inside a lambda (await is a syntax error there)
#   genexp-opaque  inside any other generator expression
#   decorator / default / annotation  evaluated when the def statement runs
#   module / class  module or class body: runs at import time
Context = Literal[
    "body",
    "genexp",
    "lambda",
    "genexp-opaque",
    "decorator",
    "default",
    "annotation",
    "module",
    "class",
]
BARRIER_MARKERS: tuple[Context, ...] = ("class", "decorator", "default", "annotation")

# Generator expressions consumed by these builtins can become list comprehensions without
# changing the result: they read the whole iterable (``any``/``all`` lose short-circuiting,
# which the report says).
EAGER_CONSUMERS = frozenset(
    {"sum", "any", "all", "list", "tuple", "set", "frozenset", "min", "max", "sorted", "dict"}
)


@dataclass(eq=False, slots=True)
class Binding:
    kind: Literal["import", "def", "class", "value", "param", "enter", "unknown"]
    fqn: str = ""
    node: cst.CSTNode | None = None
    scope: Scope | None = None
    function: FunctionInfo | None = None


@dataclass(eq=False, slots=True)
class Scope:
    kind: ScopeKind
    parent: Scope | None
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    global_names: set[str] = field(default_factory=set)
    function: FunctionInfo | None = None
    class_info: ClassInfo | None = None

    def bind(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)


@dataclass(eq=False, slots=True)
class FunctionInfo:
    node: cst.FunctionDef
    fqn: str
    name: str
    class_info: ClassInfo | None
    parent: FunctionInfo | None
    outer_scope: Scope
    scope: Scope
    params: list[str]
    is_async: bool
    is_generator: bool = False
    returns: list[tuple[cst.BaseExpression, Scope]] = field(default_factory=list)
    yields: list[tuple[cst.BaseExpression, Scope]] = field(default_factory=list)
    nested: list[FunctionInfo] = field(default_factory=list)

    @property
    def class_fqn(self) -> str | None:
        return self.class_info.fqn if self.class_info else None

    @property
    def decorators(self) -> list[cst.BaseExpression]:
        return [d.decorator for d in self.node.decorators]


@dataclass(eq=False, slots=True)
class ClassInfo:
    node: cst.ClassDef
    fqn: str
    outer_scope: Scope
    scope: Scope | None = None
    methods: dict[str, FunctionInfo] = field(default_factory=dict)
    # attribute name -> values assigned to it in the class body or as ``self.name = value``
    attrs: dict[str, list[tuple[cst.BaseExpression, Scope]]] = field(default_factory=dict)


@dataclass(eq=False, slots=True)
class Site:
    """An expression the rules may need to await or rewrite."""

    node: cst.BaseExpression
    owner: FunctionInfo | None
    scope: Scope
    context: Context
    awaited: bool
    genexp: cst.GeneratorExp | None = None
    called: bool = False  # an attribute that is the callee of a call: ``x.attr(...)``


@dataclass(eq=False, slots=True)
class WithSite:
    node: cst.With
    owner: FunctionInfo | None
    scope: Scope
    context: Context


@dataclass(eq=False, slots=True)
class ValueUse:
    """A function-like name used as a value: passed to a call, stored, returned."""

    node: cst.BaseExpression
    owner: FunctionInfo | None
    scope: Scope
    consumer: cst.Call | None
    keyword: str | None
    position: int
    returned: bool = False  # the function's ``return`` or ``yield`` value


class FileModel:
    """Everything one file contributes, with CST nodes for the transformer of that file."""

    def __init__(self, module: cst.Module, module_name: str, is_package: bool) -> None:
        self.module = module
        self.module_name = module_name
        self.is_package = is_package
        self.module_scope = Scope("module", None)
        self.functions: list[FunctionInfo] = []
        self.function_by_node: dict[cst.FunctionDef, FunctionInfo] = {}
        self.classes: list[ClassInfo] = []
        self.calls: dict[cst.Call, Site] = {}
        self.attributes: dict[cst.Attribute, Site] = {}
        # attributes of the interesting names assigned to (``limiter.enabled = True``)
        self.attribute_stores: dict[cst.Attribute, Site] = {}
        self.names: dict[cst.Name, Site] = {}
        self.withs: dict[cst.With, WithSite] = {}
        self.value_uses: list[ValueUse] = []
        self.genexp_consumers: dict[cst.GeneratorExp, cst.Call] = {}
        # calls whose result is passed straight to another call (``asyncio.run(main())``)
        self.passed_calls: set[cst.Call] = set()
        # ``request.cls.client = client`` in a pytest fixture: attributes given to test classes
        self.injected_attrs: dict[str, list[tuple[cst.BaseExpression, Scope]]] = {}
        self._ref_cache: dict[int, Ref] = {}
        self._resolving: set[int] = set()

    # ---------------------------------------------------------------- name resolution

    def lookup(self, name: str, scope: Scope) -> list[Binding] | None:
        current: Scope | None = scope
        first = True
        while current is not None:
            if current.kind == "class" and not first:
                current = current.parent
                continue
            if name in current.global_names:
                current = self.module_scope
            if name in current.bindings:
                return current.bindings[name]
            first = False
            current = current.parent
        return None

    def ref_of_name(self, name: str, scope: Scope) -> Ref:
        bindings = self.lookup(name, scope)
        if bindings is None:
            return ("g", f"builtins.{name}")
        return union_ref([self._ref_of_binding(b, name) for b in bindings])

    def _ref_of_binding(self, binding: Binding, name: str) -> Ref:
        kind = binding.kind
        if kind in ("import", "def", "class"):
            return ("g", binding.fqn)
        if kind == "value" and binding.node is not None and binding.scope is not None:
            assert isinstance(binding.node, cst.BaseExpression)
            return self.ref_of(binding.node, binding.scope)
        if kind == "enter" and binding.node is not None and binding.scope is not None:
            assert isinstance(binding.node, cst.BaseExpression)
            return ("e", self.ref_of(binding.node, binding.scope))
        if kind == "param" and binding.function is not None:
            return self._ref_of_param(binding.function, name, binding.node)
        return UNKNOWN

    def _ref_of_param(self, function: FunctionInfo, name: str, node: cst.CSTNode | None) -> Ref:
        if function.class_info is not None and function.params and function.params[0] == name:
            decorators = {_decorator_name(d) for d in function.decorators}
            if "staticmethod" in decorators:
                pass
            elif "classmethod" in decorators:
                return ("cls", function.class_info.fqn)
            else:
                return ("self", function.class_info.fqn)
        if isinstance(node, cst.Param) and node.annotation is not None:
            annotation = node.annotation.annotation
            if isinstance(annotation, cst.Name | cst.Attribute):
                return (
                    "pa",
                    ("c", self.ref_of(annotation, function.outer_scope)),
                    function.fqn,
                    name,
                )
        return ("p", function.fqn, name)

    def ref_of(self, expr: cst.BaseExpression, scope: Scope) -> Ref:
        """The symbolic reference for ``expr`` as seen from ``scope``."""
        key = id(expr)
        cached = self._ref_cache.get(key)
        if cached is not None:
            return cached
        if key in self._resolving:
            return UNKNOWN
        self._resolving.add(key)
        try:
            ref = self._compute_ref(expr, scope)
        finally:
            self._resolving.discard(key)
        self._ref_cache[key] = ref
        return ref

    def _compute_ref(self, expr: cst.BaseExpression, scope: Scope) -> Ref:
        if isinstance(expr, cst.Name):
            return self.ref_of_name(expr.value, scope)
        if isinstance(expr, cst.Attribute):
            return ("a", self.ref_of(expr.value, scope), expr.attr.value)
        if isinstance(expr, cst.Call):
            if isinstance(expr.func, cst.Name) and expr.func.value == "super":
                method = _enclosing_function(scope)
                if (
                    method is not None
                    and method.class_info is not None
                    and (_is_bare_super(expr) or self._is_explicit_super(expr, method, scope))
                ):
                    return ("sup", method.class_info.fqn)
            dynamic = self._getattr_ref(expr, scope)
            if dynamic is not None:
                return dynamic
            return ("c", self.ref_of(expr.func, scope))
        if isinstance(expr, cst.Subscript):
            return ("i", self.ref_of(expr.value, scope))
        if isinstance(expr, cst.Await):
            return self.ref_of(expr.expression, scope)
        if isinstance(expr, cst.IfExp):
            return union_ref([self.ref_of(expr.body, scope), self.ref_of(expr.orelse, scope)])
        if isinstance(expr, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString):
            return ("g", "builtins.str")
        return UNKNOWN

    def _is_explicit_super(self, call: cst.Call, method: FunctionInfo, scope: Scope) -> bool:
        """``super(Class, self)`` in a method of Class: the Python 2 spelling of ``super()``."""
        assert method.class_info is not None
        if len(call.args) != 2 or any(arg.keyword or arg.star for arg in call.args):
            return False
        first, second = call.args[0].value, call.args[1].value
        return (
            isinstance(second, cst.Name)
            and bool(method.params)
            and second.value == method.params[0]
            and self.ref_of(first, scope) == ("g", method.class_info.fqn)
        )

    def _getattr_ref(self, call: cst.Call, scope: Scope) -> Ref | None:
        """``getattr(owner, name)`` with a computed name is "some member of owner", so
        ``getattr(client, verb)(path)`` (a parametrized verb) is typed like ``client.get(path)``.
        A literal name keeps the old, plain-call reading: rules rewrite calls by name."""
        if not isinstance(call.func, cst.Name) or call.func.value != "getattr":
            return None
        if len(call.args) not in (2, 3) or any(arg.keyword or arg.star for arg in call.args):
            return None
        if isinstance(call.args[1].value, cst.SimpleString | cst.ConcatenatedString):
            return None
        if self.ref_of_name("getattr", scope) != ("g", "builtins.getattr"):
            return None  # a getattr of the module's own
        return ("a", self.ref_of(call.args[0].value, scope), DYNAMIC_MEMBER)

    def module_bindings(self) -> dict[str, Ref]:
        return {
            name: self.ref_of_name(name, self.module_scope) for name in self.module_scope.bindings
        }


def _is_bare_super(call: cst.Call) -> bool:
    return isinstance(call.func, cst.Name) and call.func.value == "super" and not call.args


def _enclosing_function(scope: Scope) -> FunctionInfo | None:
    current: Scope | None = scope
    while current is not None:
        if current.function is not None:
            return current.function
        current = current.parent
    return None


def _decorator_name(expr: cst.BaseExpression) -> str:
    if isinstance(expr, cst.Call):
        expr = expr.func
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return ""


def resolve_relative(module_name: str, is_package: bool, level: int, target: str | None) -> str:
    """The absolute module named by ``from <level dots><target> import ...``."""
    parts = module_name.split(".")
    package = parts if is_package else parts[:-1]
    if level > 1:
        package = package[: len(package) - (level - 1)]
    base = ".".join(package)
    if target:
        return f"{base}.{target}" if base else target
    return base


def dotted_name(node: cst.BaseExpression | None) -> str:
    """``a.b.c`` for a name or attribute chain, else ``""``."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted_name(node.value)}.{node.attr.value}"
    return ""


# The only node types whose per-field hooks (``visit_FunctionDef_body``...) the builder defines.
_FIELD_HOOK_NODES = frozenset({"FunctionDef", "ClassDef"})


class ModelBuilder(cst.CSTVisitor):
    """Fills a :class:`FileModel` in one traversal."""

    # LibCST looks up a ``visit_<Node>_<field>`` method for every field of every node; only two
    # node types have any here, so the lookup is skipped for the rest.
    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        if type(node).__name__ in _FIELD_HOOK_NODES:
            super().on_visit_attribute(node, attribute)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        if type(original_node).__name__ in _FIELD_HOOK_NODES:
            super().on_leave_attribute(original_node, attribute)

    def __init__(
        self,
        model: FileModel,
        interesting_attributes: frozenset[str],
        interesting_names: frozenset[str],
    ) -> None:
        super().__init__()
        self.model = model
        self.interesting_attributes = interesting_attributes
        self.interesting_names = interesting_names
        self.not_references: set[int] = set()
        self.scope = model.module_scope
        self.functions: list[FunctionInfo] = []
        self.classes: list[ClassInfo] = []
        self.markers: list[str] = []
        self.marker_base: list[int] = [0]
        self.genexps: list[cst.GeneratorExp] = []
        self.awaited: set[int] = set()
        self.call_funcs: set[int] = set()
        self.store_targets: set[int] = set()

    # ---------------------------------------------------------------- context

    def _context(self) -> tuple[Context, cst.GeneratorExp | None]:
        owner = self.functions[-1] if self.functions else None
        local = self.markers[self.marker_base[-1] :]
        if owner is None:
            return ("class" if "class" in local else "module"), None
        if "lambda" in local:
            return "lambda", None
        for marker in BARRIER_MARKERS:
            if marker in local:
                return marker, None
        if "genexp" in local:
            genexp = self.genexps[-1]
            consumer = self.model.genexp_consumers.get(genexp)
            if consumer is not None and local.count("genexp") == 1:
                return "genexp", genexp
            return "genexp-opaque", genexp
        return "body", None

    def _site(self, node: cst.BaseExpression) -> Site:
        context, genexp = self._context()
        return Site(
            node=node,
            owner=self.functions[-1] if self.functions else None,
            scope=self.scope,
            context=context,
            awaited=id(node) in self.awaited,
            genexp=genexp,
        )

    def _push_scope(self, kind: ScopeKind) -> Scope:
        scope = Scope(kind, self.scope)
        self.scope = scope
        return scope

    def _pop_scope(self) -> None:
        assert self.scope.parent is not None
        self.scope = self.scope.parent

    def _qualname_prefix(self) -> str:
        parts: list[str] = []
        scope: Scope | None = self.scope
        while scope is not None and scope.kind != "module":
            if scope.kind == "function" and scope.function is not None:
                parts.append(f"{scope.function.name}.<locals>")
            elif scope.kind == "class" and scope.class_info is not None:
                parts.append(scope.class_info.fqn.rsplit(".", 1)[-1])
            scope = scope.parent
        prefix = ".".join(reversed(parts))
        base = self.model.module_name
        return f"{base}.{prefix}" if prefix else base

    # ---------------------------------------------------------------- bindings

    def _bind_target(self, target: cst.BaseExpression, binding: Binding) -> None:
        if isinstance(target, cst.Name):
            self.store_targets.add(id(target))
            # ``global app`` then ``app = create_app()``: the module's ``app``, seen everywhere
            scope = self.model.module_scope if target.value in self.scope.global_names else None
            (scope or self.scope).bind(target.value, binding)
        elif isinstance(target, cst.Tuple | cst.List):
            self.store_targets.add(id(target))
            for element in target.elements:
                inner = element.value
                if isinstance(inner, cst.StarredElement):
                    inner = inner.value
                self._bind_target(inner, Binding("unknown"))
        elif isinstance(target, cst.StarredElement):
            self._bind_target(target.value, Binding("unknown"))
        elif isinstance(target, cst.Attribute):
            self.store_targets.add(id(target))
            self._record_instance_attribute(target, binding)

    def _record_instance_attribute(self, target: cst.Attribute, binding: Binding) -> None:
        owner = self.functions[-1] if self.functions else None
        if owner is not None and _is_request_cls(target.value, owner.params):
            if binding.kind == "value" and binding.node is not None and binding.scope is not None:
                assert isinstance(binding.node, cst.BaseExpression)
                self.model.injected_attrs.setdefault(target.attr.value, []).append(
                    (binding.node, binding.scope)
                )
            return
        if (
            owner is None
            or owner.class_info is None
            or not owner.params
            or binding.kind != "value"
            or not isinstance(target.value, cst.Name)
            or target.value.value != owner.params[0]
            or binding.node is None
            or binding.scope is None
        ):
            return
        assert isinstance(binding.node, cst.BaseExpression)
        owner.class_info.attrs.setdefault(target.attr.value, []).append(
            (binding.node, binding.scope)
        )

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                self.scope.bind(alias.asname.name.value, Binding("import", dotted))
            else:
                top = dotted.split(".", 1)[0]
                self.scope.bind(top, Binding("import", top))
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        target = dotted_name(node.module) if node.module is not None else None
        level = len(node.relative)
        module = (
            resolve_relative(self.model.module_name, self.model.is_package, level, target)
            if level
            else (target or "")
        )
        if isinstance(node.names, cst.ImportStar):
            # recorded under a name no identifier can have: the evaluator looks a module's
            # missing names up in the modules it star-imports (``from .core import *``)
            self.scope.bind(STAR_IMPORT + module, Binding("import", module))
            return False
        for alias in node.names:
            name = dotted_name(alias.name)
            bound = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                bound = alias.asname.name.value
            self.scope.bind(bound, Binding("import", f"{module}.{name}" if module else name))
        return False

    def visit_Global(self, node: cst.Global) -> bool:
        self.scope.global_names.update(item.name.value for item in node.names)
        return False

    def visit_Nonlocal(self, node: cst.Nonlocal) -> bool:
        return False

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.not_references.add(id(node.keyword))

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.interesting_names and id(node) not in self.not_references:
            self.model.names[node] = self._site(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind_target(target.target, Binding("value", node=node.value, scope=self.scope))
        if not self._is_method_alias(node.value):
            self._maybe_value_use(node.value, None, None, 0)

    def _is_method_alias(self, value: cst.BaseExpression) -> bool:
        """``error = make_error`` in a class body: another name for the method, called as it is
        (not a value that must stay sync)."""
        if self.scope.kind != "class" or not isinstance(value, cst.Name):
            return False
        return any(binding.kind == "def" for binding in self.scope.bindings.get(value.value, []))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind_target(node.target, Binding("value", node=node.value, scope=self.scope))
            self._maybe_value_use(node.value, None, None, 0)
        else:
            self._bind_target(node.target, Binding("unknown"))

    # Only the annotation: ``response: Response = send_file(path)`` awaits its value as usual
    def visit_AnnAssign_annotation(self, node: cst.AnnAssign) -> None:
        self.markers.append("annotation")

    def leave_AnnAssign_annotation(self, node: cst.AnnAssign) -> None:
        self.markers.pop()

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.store_targets.add(id(node.target))

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        scope = self.scope
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        if isinstance(node.target, cst.Name):
            scope.bind(node.target.value, Binding("value", node=node.value, scope=self.scope))

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node.target, Binding("unknown"))

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind_target(node.target, Binding("unknown"))

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self.scope.bind(node.name.name.value, Binding("unknown"))

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            if item.asname is not None:
                self._bind_target(
                    item.asname.name, Binding("enter", node=item.item, scope=self.scope)
                )
        context, _ = self._context()
        self.model.withs[node] = WithSite(
            node, self.functions[-1] if self.functions else None, self.scope, context
        )

    # ---------------------------------------------------------------- classes

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.not_references.add(id(node.name))
        fqn = f"{self._qualname_prefix()}.{node.name.value}"
        info = ClassInfo(node=node, fqn=fqn, outer_scope=self.scope)
        self.scope.bind(node.name.value, Binding("class", fqn))
        self.model.classes.append(info)
        self.classes.append(info)

    def visit_ClassDef_body(self, node: cst.ClassDef) -> None:
        info = self.classes[-1]
        scope = self._push_scope("class")
        scope.class_info = info
        info.scope = scope
        self.markers.append("class")

    def leave_ClassDef_body(self, node: cst.ClassDef) -> None:
        self.markers.pop()
        self._pop_scope()

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        info = self.classes.pop()
        assert info.scope is not None
        for name, bindings in info.scope.bindings.items():
            for binding in bindings:
                if binding.kind == "value" and binding.node is not None:
                    assert isinstance(binding.node, cst.BaseExpression)
                    info.attrs.setdefault(name, []).append((binding.node, info.scope))

    # ---------------------------------------------------------------- functions

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.not_references.add(id(node.name))
        class_info = self.scope.class_info if self.scope.kind == "class" else None
        fqn = f"{self._qualname_prefix()}.{node.name.value}"
        params = [p.name.value for p in _all_params(node.params)]
        parent = self.functions[-1] if self.functions else None
        info = FunctionInfo(
            node=node,
            fqn=fqn,
            name=node.name.value,
            class_info=class_info,
            parent=parent,
            outer_scope=self.scope,
            scope=Scope("function", self.scope),
            params=params,
            is_async=node.asynchronous is not None,
        )
        info.scope.function = info
        for param in _all_params(node.params):
            info.scope.bind(param.name.value, Binding("param", node=param, function=info))
        self.scope.bind(node.name.value, Binding("def", fqn))
        if class_info is not None:
            class_info.methods[node.name.value] = info
        if parent is not None:
            parent.nested.append(info)
        self.model.functions.append(info)
        self.model.function_by_node[node] = info

    def visit_FunctionDef_decorators(self, node: cst.FunctionDef) -> None:
        self.markers.append("decorator")

    def leave_FunctionDef_decorators(self, node: cst.FunctionDef) -> None:
        self.markers.pop()

    def visit_FunctionDef_params(self, node: cst.FunctionDef) -> None:
        self.markers.append("default")

    def leave_FunctionDef_params(self, node: cst.FunctionDef) -> None:
        self.markers.pop()

    def visit_FunctionDef_returns(self, node: cst.FunctionDef) -> None:
        self.markers.append("annotation")

    def leave_FunctionDef_returns(self, node: cst.FunctionDef) -> None:
        self.markers.pop()

    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        info = self.model.function_by_node[node]
        self.scope = info.scope
        self.functions.append(info)
        self.marker_base.append(len(self.markers))

    def leave_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self.marker_base.pop()
        self.functions.pop()
        self._pop_scope()

    def visit_Param(self, node: cst.Param) -> bool:
        # Only defaults and annotations hold expressions; the name is not a reference.
        if node.default is not None:
            node.default.visit(self)
        if node.annotation is not None:
            self.markers.append("annotation")
            node.annotation.visit(self)
            self.markers.pop()
        return False

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.markers.append("lambda")
        scope = self._push_scope("lambda")
        for param in _all_params(node.params):
            scope.bind(param.name.value, Binding("unknown"))

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._pop_scope()
        self.markers.pop()

    def visit_Yield(self, node: cst.Yield) -> None:
        if self.functions and not any(m == "lambda" for m in self.markers[self.marker_base[-1] :]):
            self.functions[-1].is_generator = True
            if isinstance(node.value, cst.BaseExpression):
                self.functions[-1].yields.append((node.value, self.scope))
        if isinstance(node.value, cst.BaseExpression):
            self._maybe_value_use(node.value, None, None, 0, returned=True)

    def visit_Return(self, node: cst.Return) -> None:
        if self.functions and node.value is not None:
            self.functions[-1].returns.append((node.value, self.scope))
            self._maybe_value_use(node.value, None, None, 0, returned=True)

    # ---------------------------------------------------------------- comprehensions

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self.markers.append("genexp")
        self.genexps.append(node)
        self._push_scope("comprehension")

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._pop_scope()
        self.genexps.pop()
        self.markers.pop()

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._push_scope("comprehension")

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._pop_scope()

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._push_scope("comprehension")

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self._pop_scope()

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._push_scope("comprehension")

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._pop_scope()

    # ---------------------------------------------------------------- sites

    def visit_Await(self, node: cst.Await) -> None:
        self.awaited.add(id(node.expression))

    def visit_Call(self, node: cst.Call) -> None:
        self.call_funcs.add(id(node.func))
        self.model.calls[node] = self._site(node)
        consumer = _eager_consumer_name(node.func)
        for position, arg in enumerate(node.args):
            value = arg.value
            if isinstance(value, cst.GeneratorExp) and consumer and len(node.args) == 1:
                self.model.genexp_consumers[value] = node
            elif isinstance(value, cst.Call):
                self.model.passed_calls.add(value)
            keyword = arg.keyword.value if arg.keyword is not None else None
            self._maybe_value_use(value, node, keyword, position)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.not_references.add(id(node.attr))
        if node.attr.value in self.interesting_attributes and id(node) not in self.store_targets:
            site = self._site(node)
            site.called = id(node) in self.call_funcs
            self.model.attributes[node] = site
        elif node.attr.value in self.interesting_attributes:
            self.model.attribute_stores[node] = self._site(node)

    def visit_Dict(self, node: cst.Dict) -> None:
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                self._maybe_value_use(element.value, None, None, 0)

    def visit_List(self, node: cst.List) -> None:
        self._container_value_uses(node)

    def visit_Tuple(self, node: cst.Tuple) -> None:
        self._container_value_uses(node)

    def visit_Set(self, node: cst.Set) -> None:
        self._container_value_uses(node)

    def _container_value_uses(self, node: cst.List | cst.Tuple | cst.Set) -> None:
        if id(node) in self.store_targets:
            return
        for element in node.elements:
            if isinstance(element, cst.Element):
                self._maybe_value_use(element.value, None, None, 0)

    def _maybe_value_use(
        self,
        value: cst.BaseExpression,
        consumer: cst.Call | None,
        keyword: str | None,
        position: int,
        *,
        returned: bool = False,
    ) -> None:
        if isinstance(value, cst.Name | cst.Attribute):
            self.model.value_uses.append(
                ValueUse(
                    node=value,
                    owner=self.functions[-1] if self.functions else None,
                    scope=self.scope,
                    consumer=consumer,
                    keyword=keyword,
                    position=position,
                    returned=returned,
                )
            )


def _eager_consumer_name(func: cst.BaseExpression) -> bool:
    if isinstance(func, cst.Name):
        return func.value in EAGER_CONSUMERS
    return isinstance(func, cst.Attribute) and func.attr.value == "join"


def _all_params(params: cst.Parameters) -> list[cst.Param]:
    result = [*params.posonly_params, *params.params, *params.kwonly_params]
    if isinstance(params.star_arg, cst.Param):
        result.append(params.star_arg)
    if params.star_kwarg is not None:
        result.append(params.star_kwarg)
    return result


def build_model(
    module: cst.Module,
    module_name: str,
    is_package: bool,
    interesting_attributes: frozenset[str] = frozenset(),
    interesting_names: frozenset[str] = frozenset(),
) -> FileModel:
    model = FileModel(module, module_name, is_package)
    module.visit(ModelBuilder(model, interesting_attributes, interesting_names))
    return model


def _is_request_cls(node: cst.BaseExpression, params: list[str]) -> bool:
    """``request.cls`` where ``request`` is the function's parameter (pytest's fixture request):
    what a fixture assigns there becomes an attribute of the requesting test's class."""
    return (
        isinstance(node, cst.Attribute)
        and node.attr.value == "cls"
        and isinstance(node.value, cst.Name)
        and node.value.value == "request"
        and "request" in params
    )
