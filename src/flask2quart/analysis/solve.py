"""Decide, for the whole program at once, which functions become ``async def`` and why.

Seeds are calls that must be awaited on Quart (``render_template``, ``request.form`` ...:
*mandatory*, the code is broken without ``await``) or that we choose to make non-blocking
(converted HTTP calls: *optional*, the sync code still works). From the seeds, async-ness
flows up to callers, across modules, through app-defined decorators and along method override
families, to a fixed point. A function that cannot become async (a property, a dunder, a
generator, a CLI command, a ``url_defaults`` hook, something called at import time, from a
lambda, passed as a callback ...) is *blocked*; blocking flows down to callees, so an optional
seed under a blocked caller is left alone instead of producing a coroutine nobody awaits.

Everything here is pure: facts in, :class:`Plan` out, deterministic whatever the input order.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from flask2quart.analysis import catalogue
from flask2quart.analysis.catalogue import UNKNOWN_TYPE
from flask2quart.analysis.facts import FileFacts, FunctionFacts, ValueUseFact, WithFact
from flask2quart.analysis.refs import Ref
from flask2quart.analysis.types import Evaluator, ProgramIndex

AWAITABLE_CONTEXTS = frozenset({"body", "genexp"})
# What a function awaits when it only opens contexts of its own (``with app.app_context():``):
# it needs nothing from its caller's context, so a sync caller may run it in its own loop.
OWN_CONTEXT_SEEDS = frozenset({"with flask.ctx.AppContext", "with flask.ctx.RequestContext"})

# Names too common to guess about when a receiver's type is unknown.
_COMMON_METHOD_NAMES = frozenset(
    "get set pop items keys values update append extend remove add clear copy close open read "
    "write send run start stop join format split strip encode decode lower upper replace".split()
)

Reason = tuple[str, str]

_HISTORY = "flask.testing.TestResponse.history"
# F2Q313's generated client, as a converted tree (a second run) creates its clients
_GENERATED_CLIENT = "flask_style_client.FlaskStyleClient"


def _creates_test_client(name: str | None) -> bool:
    if name is None:
        return False
    generated = name == _GENERATED_CLIENT or name.endswith("." + _GENERATED_CLIENT)
    return generated or name == "flask.Flask.test_client"


# How a call site that cannot await reads in a report: "it is called <phrase> in <where>".
_CONTEXT_PHRASES = {
    "lambda": "from a lambda",
    "genexp-opaque": "from a generator expression",
    "decorator": "in a decorator expression",
    "default": "in a default argument",
    "annotation": "in an annotation",
    "module": "at import time",
    "class": "in a class body",
}


# A seed is a call or attribute that must be awaited on Quart.
#   mandatory: without await the converted code is broken (Quart returns a coroutine)
#   optional:  the sync call still works, but the async one is the point of migrating
SeedKind = Literal["mandatory", "optional"]


@dataclass(frozen=True, slots=True)
class SeedTable:
    """What the enabled rules say must be awaited on Quart."""

    calls: Mapping[str, SeedKind]
    attributes: Mapping[str, SeedKind]
    async_context_managers: frozenset[str]
    convert_tests: bool
    # classes whose optional methods convert all together or not at all (one object cannot be
    # half sync): a requests Session becomes an async session only if every call on it can
    # await, and never when user code subclasses it
    optional_groups: frozenset[str] = frozenset()
    # decorators enabled rules turn into async-aware ones (not barriers)
    transparent_decorators: frozenset[str] = frozenset()
    # packages whose decorators are transparent on a view only (see Rule)
    view_decorator_packages: frozenset[str] = frozenset()
    flask_style_client: bool = False
    # external names whose imports rules rename (see Rule.renamed_imports)
    renamed_imports: frozenset[str] = frozenset()
    # methods whose result is taken for an async context manager when the analysis cannot
    # type what they are called on (``app.app_context()`` on a parameter ``app``)
    async_context_methods: frozenset[str] = frozenset()


def guessed_context_method(ev: Evaluator, ref: Ref, methods: frozenset[str]) -> str | None:
    """``x.app_context()`` where nothing says what ``x`` is: the method's name, else None.

    An ``x`` typed as anything (an app's own class, a package's object) is not guessed."""
    if not (ref[0] == "c" and ref[1][0] == "a" and ref[1][2] in methods):
        return None
    if ev.evaluate(ref)[0] != "?" or ev.evaluate(ref[1][1])[0] != "?":
        return None
    return str(ref[1][2])


@dataclass(slots=True)
class Wrapper:
    """A nested ``wrapper`` inside an app-defined view decorator."""

    fqn: str
    decorator: str
    wrapped_param: str
    targets: set[str] = field(default_factory=set)
    # applied by a call (``deco(view)``) to a value the analysis cannot type: the wrapper may
    # wrap sync and async functions alike, so it awaits them through ``ensure_async``
    unknown_targets: bool = False


@dataclass(slots=True)
class Plan:
    """The analysis' decisions, shipped to every transform worker."""

    index: ProgramIndex
    seeds: SeedTable
    async_functions: dict[str, Reason] = field(default_factory=dict)
    already_async: set[str] = field(default_factory=set)
    call_targets: dict[str, str] = field(default_factory=dict)
    wrappers: dict[str, Wrapper] = field(default_factory=dict)
    blocked: dict[str, Reason] = field(default_factory=dict)
    intrinsic: dict[str, Reason] = field(default_factory=dict)
    # methods of a class with a package's base class, where a `with` on an untyped receiver was
    # not taken for a reason to become async (the package may call the method synchronously)
    library_methods: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    # handler function -> the method that registers it (``route``, ``before_serving`` ...)
    registrations: dict[str, str] = field(default_factory=dict)
    # functions whose optional seed (a blocking call we would convert) stays, and why
    optional_blocked: dict[str, tuple[str, Reason]] = field(default_factory=dict)
    # optional seeds left sync somewhere (blocked caller, lambda ...): a rule that swaps a shared
    # object for an async one (a requests Session) keeps it whole when one of its calls stays sync
    sync_optional_keys: set[str] = field(default_factory=set)
    converted_optional_keys: set[str] = field(default_factory=set)
    # for each function used as a value: what it was passed to (dotted name, or the source
    # text of the callee when its type is unknown, e.g. ``app.cli.add_command``)
    value_consumers: dict[str, set[str]] = field(default_factory=dict)
    async_method_names: frozenset[str] = frozenset()
    # async functions that only open their own app or request contexts (see OWN_CONTEXT_SEEDS),
    # called from a sync function that cannot become async: that call runs them in their own loop
    self_contained: frozenset[str] = frozenset()
    # Flask test-client behaviours the tests rely on that Quart's client lacks ("g" kept after
    # a request inside ``with client:``, "history"), when the tests create their clients with
    # ``app.test_client()``: F2Q313 then gives them a client that has them.
    test_client_features: frozenset[str] = frozenset()
    # rule id -> module -> what the rule's ``file_facts`` recorded there (Rule.file_facts)
    rule_facts: dict[str, dict[str, Any]] = field(default_factory=dict)

    def is_async(self, fqn: str) -> bool:
        return fqn in self.async_functions or fqn in self.already_async

    def awaitable_call(self, fqn: str) -> bool:
        """Whether calling the function named ``fqn`` must be awaited after conversion."""
        target = self.call_targets.get(fqn, fqn)
        return target in self.async_functions

    def chain(self, fqn: str, limit: int = 8) -> list[str]:
        """``[fqn, callee, callee's callee, ..., seed]``: why fqn became async."""
        result = [fqn]
        current = fqn
        for _ in range(limit):
            reason = self.async_functions.get(current)
            if reason is None:
                break
            kind, detail = reason
            result.append(detail)
            if kind not in ("calls", "wraps", "family") or detail in result[:-1]:
                break
            current = detail
        return result

    def describe_chain(self, fqn: str) -> str:
        """``a → b → flask.flash``; a decorator's wrapper says so: ``w (wrapping) → view``."""
        parts = []
        for name in self.chain(fqn):
            reason = self.async_functions.get(name)
            wrapping = reason is not None and reason[0] == "wraps"
            parts.append(short_name(name) + (" (wrapping)" if wrapping else ""))
        return " → ".join(parts)

    def blocked_chain(self, fqn: str, limit: int = 8) -> list[str]:
        result = [fqn]
        current = fqn
        for _ in range(limit):
            reason = self.blocked.get(current)
            if reason is None:
                break
            kind, detail = reason
            result.append(detail)
            if kind != "caller" or detail in result[:-1]:
                break
            current = detail
        return result


class _Solver:
    def __init__(
        self,
        files: list[FileFacts],
        seeds: SeedTable,
        other_modules: Iterable[str] = (),
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self.files = sorted(files, key=lambda f: f.module)
        self.seeds = seeds
        self.index = ProgramIndex.build(self.files, other_modules, aliases)
        self.ev = Evaluator(self.index)
        self.plan = Plan(self.index, seeds)
        for facts in files:
            for rule, data in facts.rule_facts.items():
                self.plan.rule_facts.setdefault(rule, {})[facts.module] = data
        self.fixtures = {fqn for fqns in self.index.fixtures.values() for fqn in fqns}
        self.functions: dict[str, FunctionFacts] = {}
        self.in_test_module: dict[str, bool] = {}
        self.opted_out: set[str] = set()  # functions of files marked skip-file
        for facts in self.files:
            for function in facts.functions:
                self.functions[function.fqn] = function
                self.in_test_module[function.fqn] = facts.is_test_module
                if facts.opted_out:
                    self.opted_out.add(function.fqn)
        # callee target -> [(caller or None for module level, context)]
        self.callers: dict[str, list[tuple[str | None, str]]] = {}
        self.callees: dict[str, list[tuple[str, str]]] = {}
        self.mandatory: dict[str, str] = {}
        self.optional: dict[str, str] = {}
        self.optional_sites: list[tuple[str, str, str]] = []
        self.seed_keys: dict[str, set[str]] = {}  # every seed of a function, not only the first
        # (id of a value-use fact, function): a function passed to an app-defined decorator
        self.wrapped_values: set[tuple[int, str]] = set()

    # ------------------------------------------------------------------ driver

    def solve(self) -> Plan:
        for function in self.functions.values():
            self._classify(function)
        self._find_wrappers()
        for function in self.functions.values():
            self._scan_body(function)
        for facts in self.files:
            for call in facts.module_calls:
                self._module_level_call(facts.module, call.func, call.context)
            for use in facts.module_value_uses:
                self._value_use(None, use)
        for function in self.functions.values():
            for use in function.value_uses:
                self._value_use(function, use)
        for wrapper in self.plan.wrappers.values():
            if wrapper.unknown_targets and self.plan.kinds.get(wrapper.fqn) == "view":
                # Quart awaits a view; ``ensure_async`` awaits whatever it wraps, sync or async
                self.mandatory.setdefault(wrapper.fqn, "a view wrapping functions of unknown type")
        self._share_intrinsic_across_families()
        self._propagate_blocked()
        self._propagate_async()
        self.plan.self_contained = self._self_contained_callees()
        for fqn, key in self.optional.items():
            if fqn in self.plan.blocked and fqn not in self.plan.async_functions:
                self.plan.optional_blocked[fqn] = (key, self.plan.blocked[fqn])
        for fqn, key, context in self.optional_sites:
            if context not in AWAITABLE_CONTEXTS or not self.plan.is_async(fqn):
                self.plan.sync_optional_keys.add(key)
            else:
                self.plan.converted_optional_keys.add(key)
        self.plan.async_method_names = (
            frozenset(
                fqn.rsplit(".", 1)[-1]
                for fqn in self.plan.async_functions
                if self.functions.get(fqn) is not None
                and self.functions[fqn].class_fqn is not None
                and self.plan.kinds.get(fqn) != "view"
            )
            - _COMMON_METHOD_NAMES
        )
        if self.seeds.flask_style_client:
            self.plan.test_client_features = self._test_client_features()
        return self.plan

    def _test_client_features(self) -> frozenset[str]:
        features: set[str] = set()
        creates_clients = False
        for facts in self.files:
            if not facts.is_test_module:
                continue
            imports_g = "g" in facts.bindings and self.ev.evaluate(facts.bindings["g"]) == (
                "obj",
                "flask.g",
            )
            for function in facts.functions:
                creates_clients = creates_clients or any(
                    _creates_test_client(self.ev.name_of(call.func)) for call in function.calls
                )
                if any(self.ev.member_key(a.ref) == _HISTORY for a in function.attributes):
                    features.add("history")
                if imports_g and any(self._enters_client(w) for w in function.withs):
                    features.add("g")
        return frozenset(features) if creates_clients else frozenset()

    def _enters_client(self, with_fact: WithFact) -> bool:
        """``with client:`` (sync, as written for Flask): the client keeps the request context."""
        return not with_fact.is_async and any(
            self.ev.evaluate(item) == ("obj", "flask.testing.FlaskClient")
            for item in with_fact.items
        )

    # ------------------------------------------------------------------ classification

    def _decorator_key(self, ref: Ref) -> tuple[str | None, bool]:
        """(dotted name of the decorator, whether it was called like ``@deco(...)``)."""
        if ref[0] == "c":
            inner = self.ev.evaluate(ref[1])
            key = self.ev.key_of(inner)
            if inner[0] == "fn":
                # a decorator factory: what it returns is the decorator
                produced = self.ev.function_type_of_return(str(inner[1]))
                if produced[0] == "fn":
                    return str(produced[1]), False
                delegate = self._delegated_factory(str(inner[1]))
                if delegate is not None:
                    return delegate, True
            return key, True
        return self.ev.name_of(ref), False

    def _delegated_factory(self, fqn: str) -> str | None:
        """The external decorator factory a user factory hands every call on to: an app
        subclass's ``def route(self, rule, **options): return super().route(rule, **options)``
        registers views as ``flask.Flask.route`` does."""
        returns = self.functions[fqn].returns if fqn in self.functions else ()
        factories = set()
        for ref in returns:
            callee = self.ev.evaluate(ref[1]) if ref[0] == "c" else UNKNOWN_TYPE
            if callee[0] != "ext":
                return None
            factories.add(str(callee[1]))
        return factories.pop() if len(factories) == 1 else None

    def _classify(self, function: FunctionFacts) -> None:
        fqn = function.fqn
        plan = self.plan
        if function.is_async:
            plan.already_async.add(fqn)
        if fqn in self.opted_out:
            plan.intrinsic.setdefault(fqn, ("skip-file", ""))
        view_decorators = [
            key
            for decorator in function.decorators
            if (key := self._view_decorator(decorator.ref)) is not None
        ]
        for decorator in function.decorators:
            self._classify_decorator(function, decorator.ref, decorator.path_argument)
        if function.class_fqn is not None:
            self._classify_method(function)
        if view_decorators and plan.kinds.get(fqn) != "view":
            plan.intrinsic.setdefault(fqn, ("decorator", view_decorators[0]))
        if (
            function.name.startswith("test")
            and self.in_test_module[fqn]
            and function.parent_fqn is None
            and fqn not in plan.kinds
        ):
            plan.kinds[fqn] = "test"
        kind = plan.kinds.get(fqn)
        if kind in ("test", "fixture") and not self.seeds.convert_tests:
            plan.intrinsic.setdefault(fqn, ("tests-off", kind))
        if kind in ("url-processor", "shell", "cli"):
            plan.intrinsic.setdefault(fqn, ("kind", kind))
        if function.is_generator and not function.is_async and kind != "fixture":
            plan.intrinsic.setdefault(fqn, ("generator", ""))
        if (
            function.name.startswith("__")
            and function.name.endswith("__")
            and function.name not in catalogue.ASYNC_DUNDERS
        ):
            plan.intrinsic.setdefault(fqn, ("dunder", function.name))

    def _view_decorator(self, ref: Ref) -> str | None:
        """The decorator's name if it comes from a view-decorator package (``@login_required``,
        ``@auth.login_required`` on a package's object), else None."""
        packages = self.seeds.view_decorator_packages
        if not packages:
            return None
        key, _ = self._decorator_key(ref)
        if key in self.seeds.transparent_decorators:
            return None  # transparent everywhere, not only on views
        if key is not None and _in_packages(key, packages):
            return key
        target = ref[1] if ref[0] == "c" else ref
        if target[0] != "a":
            return None
        owner = self._constructor(target[1])
        if owner is not None and _in_packages(owner, packages):
            return f"{owner}.{target[2]}"
        return None

    def _constructor(self, ref: Ref, depth: int = 0) -> str | None:
        """What built the object ``ref`` names (``auth = HTTPBasicAuth()``; a global imported
        from another module followed), when the analysis cannot type it: an external class."""
        if ref[0] == "c":
            return self.ev.name_of(ref[1])
        if ref[0] == "g" and depth < 4:
            module, _, name = str(ref[1]).rpartition(".")
            binding = self.ev.index.bindings.get(module, {}).get(name)
            if binding is not None:
                return self._constructor(binding, depth + 1)
        return None

    def _classify_decorator(self, function: FunctionFacts, ref: Ref, path_argument: bool) -> None:
        if self._view_decorator(ref) is not None:
            return  # decided in _classify, once the function's kind is known
        plan = self.plan
        fqn = function.fqn
        key, called = self._decorator_key(ref)
        method = _method_name(ref)
        owner = self._decorator_owner(ref)
        if owner in catalogue.REGISTERING_CLASSES and method in catalogue.HANDLER_METHODS:
            plan.kinds[fqn] = catalogue.HANDLER_METHODS[method]
            plan.registrations[fqn] = method
            return
        if (
            owner is None
            and method in catalogue.HANDLER_METHODS
            and (method not in catalogue.HTTP_METHODS or path_argument)
        ):
            # ``@app.route`` on an app whose type we could not infer: the name is distinctive
            plan.kinds[fqn] = catalogue.HANDLER_METHODS[method]
            plan.registrations[fqn] = method
            return
        if key is None:
            text = _ref_text(ref[1] if ref[0] == "c" else ref)
            if _is_cli_decorator(text):
                plan.kinds[fqn] = "cli"
                return
            plan.intrinsic.setdefault(fqn, ("decorator", _ref_text(ref)))
            return
        base_key = key.rsplit(".", 1)[0] if called else key
        if key in catalogue.FIXTURE_DECORATORS or base_key in catalogue.FIXTURE_DECORATORS:
            plan.kinds[fqn] = "fixture"
            return
        if key in catalogue.CLI_DECORATORS or _is_cli_decorator(key):
            plan.kinds[fqn] = "cli"
            return
        if key in ("builtins.property", "functools.cached_property") or key.endswith(
            (".setter", ".deleter", ".getter")
        ):
            plan.intrinsic.setdefault(fqn, ("property", ""))
            return
        if _is_transparent(key) or key in self.seeds.transparent_decorators:
            return
        if key in self.functions:
            return  # app-defined: resolved by _find_wrappers
        plan.intrinsic.setdefault(fqn, ("decorator", key))

    def _decorator_owner(self, ref: Ref) -> str | None:
        """The Flask class a ``@x.method`` decorator is called on, if x's type is known."""
        target = ref[1] if ref[0] == "c" else ref
        if target[0] != "a":
            return None
        owner = self.ev.evaluate(target[1])
        if owner[0] != "obj":
            return None
        for klass in self.ev.mro(str(owner[1])):
            if klass in catalogue.REGISTERING_CLASSES:
                return klass
        return str(owner[1])

    def _classify_method(self, function: FunctionFacts) -> None:
        assert function.class_fqn is not None
        mro = self.ev.mro(function.class_fqn)
        if "flask.views.View" in mro and (
            function.name == "dispatch_request"
            or ("flask.views.MethodView" in mro and function.name in catalogue.HTTP_METHODS)
        ):
            self.plan.kinds[function.fqn] = "view"
        if "unittest.TestCase" in mro and function.name in catalogue.SYNC_TEST_CASE_METHODS:
            self.plan.intrinsic.setdefault(function.fqn, ("unittest", function.name))
        if "flask.Flask" in mro and function.name in catalogue.ASYNC_APP_METHODS:
            self.mandatory.setdefault(function.fqn, f"flask.Flask.{function.name}")
            self.plan.kinds[function.fqn] = "override"

    # ------------------------------------------------------------------ decorators

    def _find_wrappers(self) -> None:
        """App-defined decorators: ``def deco(f): @wraps(f) def wrapper(...): f(...)``."""
        plan = self.plan
        decorators: dict[str, Wrapper | None] = {}
        for function in self.functions.values():
            for decorator in function.decorators:
                key, _ = self._decorator_key(decorator.ref)
                if key in self.functions and key not in decorators:
                    decorators[key] = self._wrapper_of(self.functions[key])
        for function in self.functions.values():
            chain: list[Wrapper] = []
            for decorator in function.decorators:
                key, _ = self._decorator_key(decorator.ref)
                if key not in decorators:
                    continue
                wrapper = decorators[key]
                if wrapper is None:
                    decorator_facts = self.functions[str(key)]
                    if not _returns_first_param(decorator_facts):
                        plan.intrinsic.setdefault(function.fqn, ("decorator", str(key)))
                    continue
                chain.append(wrapper)
            if not chain:
                continue
            plan.call_targets[function.fqn] = chain[0].fqn
            for outer, inner in itertools.pairwise(chain):
                outer.targets.add(inner.fqn)
            chain[-1].targets.add(function.fqn)
            for wrapper in chain:
                plan.wrappers[wrapper.fqn] = wrapper
            kind = plan.kinds.get(function.fqn)
            if kind is not None:
                plan.kinds.setdefault(chain[0].fqn, kind)
        self._find_called_wrappers()

    def _find_called_wrappers(self) -> None:
        """The same decorators applied by a call, ``deco(view)`` or ``self.wrap(self.view)``:
        the function passed in is a target of the wrapper (not a value that must stay sync)."""
        uses = [use for facts in self.files for use in facts.module_value_uses]
        uses += [use for function in self.functions.values() for use in function.value_uses]
        for use in uses:
            if use.consumer is None or use.keyword is not None:
                continue
            consumer = self.ev.evaluate(use.consumer)
            decorator = self.functions.get(str(consumer[1])) if consumer[0] == "fn" else None
            if decorator is None:
                continue
            bound = decorator.class_fqn is not None and not any(
                self.ev.name_of(d.ref) == "builtins.staticmethod" for d in decorator.decorators
            )
            index = use.position + (1 if bound else 0)
            if index >= len(decorator.params):
                continue
            wrapper = self._wrapper_of(decorator, decorator.params[index])
            if wrapper is None:
                continue
            wrapper = self.plan.wrappers.setdefault(wrapper.fqn, wrapper)
            value = self.ev.evaluate(use.value)
            if value[0] == "fn" and str(value[1]) in self.functions:
                wrapper.targets.add(str(value[1]))
                self.wrapped_values.add((id(use), str(value[1])))
                continue
            if value[0] == "ext" and self.seeds.calls.get(str(value[1])) == "mandatory":
                # ``client.get = patch(client.get)``: the wrapper calls a Quart coroutine
                self.mandatory.setdefault(wrapper.fqn, str(value[1]))
            else:
                wrapper.unknown_targets = True

    def _wrapper_of(self, decorator: FunctionFacts, param: str | None = None) -> Wrapper | None:
        if not decorator.params:
            return None
        if param is None:
            param = decorator.params[0]
        for ref in decorator.returns:
            value = self.ev.evaluate(ref)
            if value[0] != "fn":
                continue
            nested = self.functions.get(str(value[1]))
            if nested is None or nested.parent_fqn != decorator.fqn:
                continue
            if any(call.func == ("p", decorator.fqn, param) for call in nested.calls):
                return Wrapper(nested.fqn, decorator.fqn, param)
        return None

    # ------------------------------------------------------------------ bodies

    def target_of(self, fqn: str) -> str:
        return self.plan.call_targets.get(fqn, fqn)

    def _edge(self, caller: str | None, callee: str, context: str) -> None:
        callee = self.target_of(callee)
        self.callers.setdefault(callee, []).append((caller, context))
        if caller is not None:
            self.callees.setdefault(caller, []).append((callee, context))

    def _scan_body(self, function: FunctionFacts) -> None:
        fqn = function.fqn
        wrapper = self.plan.wrappers.get(fqn)
        for call in function.calls:
            if wrapper is not None and call.func == ("p", wrapper.decorator, wrapper.wrapped_param):
                for target in sorted(wrapper.targets):
                    self.callers.setdefault(target, []).append((fqn, call.context))
                    self.callees.setdefault(fqn, []).append((target, call.context))
                continue
            callee = self.ev.callee(call.func)
            if callee[0] == "fn":
                self._edge(fqn, str(callee[1]), call.context)
            elif callee[0] in ("ext", "obj") and not call.awaited:
                # an instance called like a function: ``Class.__call__``
                key = str(callee[1]) if callee[0] == "ext" else f"{callee[1]}.__call__"
                self._seed(fqn, self.seeds.calls.get(key), key, call.context)
            elif callee[0] == "cls" and not call.awaited:
                constructor = self._constructor_seed(str(callee[1]))
                if constructor is not None:
                    self._seed(fqn, self.seeds.calls[constructor], constructor, call.context)
        for attribute in function.attributes:
            if attribute.awaited:
                continue
            member = self.ev.member_key(attribute.ref)
            if member is not None:
                self._seed(fqn, self.seeds.attributes.get(member), member, attribute.context)
        for with_fact in function.withs:
            if with_fact.is_async:
                continue
            for item in with_fact.items:
                manager = self.ev.evaluate(item)
                if manager[0] == "obj" and manager[1] in self.seeds.async_context_managers:
                    self._seed(fqn, "mandatory", f"with {manager[1]}", with_fact.context)
                    continue
                method = guessed_context_method(self.ev, item, self.seeds.async_context_methods)
                if method is None:
                    continue
                library = self._library_base(function)
                if library is None:
                    self._seed(fqn, "mandatory", f"with ….{method}()", with_fact.context)
                else:
                    self.plan.library_methods.setdefault(fqn, library)

    def _library_base(self, function: FunctionFacts) -> str | None:
        """The nearest base class from a package, for a method (a hook it may call)."""
        if function.class_fqn is None:
            return None
        for klass in self.ev.mro(function.class_fqn):
            summary = self.index.classes.get(klass)
            if summary is None:
                if not klass.startswith("builtins."):
                    return klass  # a base the catalogue knows (``flask.Blueprint``)
                continue
            for base in summary.bases:
                base_type = self.ev.evaluate(base)
                if base_type[0] == "ext" and not str(base_type[1]).startswith("builtins."):
                    return str(base_type[1])  # a package's class the catalogue does not know
        return None

    def _constructor_seed(self, class_fqn: str) -> str | None:
        """An external base class whose construction must be awaited (``FlaskForm()`` becomes
        ``await Form.create_form()``), for a call of ``class_fqn`` or of a subclass of it."""
        for klass in self.ev.mro(class_fqn):
            if klass not in self.index.classes and klass in self.seeds.calls:
                return klass
        return None

    def _seed(self, fqn: str, kind: SeedKind | None, key: str, context: str) -> None:
        if kind == "optional":
            self.optional_sites.append((fqn, key, context))
        if kind is None or context not in AWAITABLE_CONTEXTS:
            return
        table = self.mandatory if kind == "mandatory" else self.optional
        table.setdefault(fqn, key)
        self.seed_keys.setdefault(fqn, set()).add(key)

    def _module_level_call(self, module: str, func: Ref, context: str) -> None:
        callee = self.ev.callee(func)
        if callee[0] == "fn":
            target = self.target_of(str(callee[1]))
            self.callers.setdefault(target, []).append((None, context))
            self.plan.blocked.setdefault(target, ("import-time", module))

    def _value_use(self, owner: FunctionFacts | None, use: ValueUseFact) -> None:
        value = self.ev.evaluate(use.value)
        if value[0] != "fn":
            return
        fqn = str(value[1])
        if fqn not in self.functions or (id(use), fqn) in self.wrapped_values:
            return
        if owner is not None and owner.fqn in self.functions:
            parent = self.functions[fqn].parent_fqn
            wrapper = self.plan.wrappers.get(fqn)
            if wrapper is not None and parent == owner.fqn and use.consumer is None:
                return  # ``return wrapper`` inside the decorator
        if use.consumer is not None:
            consumer_name = self.ev.name_of(use.consumer) or _ref_text(use.consumer)
            self.plan.value_consumers.setdefault(fqn, set()).add(consumer_name)
        registration = self._registration(use)
        if registration is not None:
            kind = registration
            self.plan.kinds.setdefault(fqn, kind)
            method = _method_name(use.consumer) if use.consumer is not None else None
            self.plan.registrations.setdefault(fqn, method or "")
            if kind in ("url-processor", "shell"):
                self.plan.intrinsic.setdefault(fqn, ("kind", kind))
            return
        consumer = self.ev.name_of(use.consumer) if use.consumer is not None else None
        if consumer is not None and _is_transparent(consumer):
            return
        if (
            consumer in catalogue.CALLING_ASSERTIONS
            and use.keyword is None
            and use.position == catalogue.CALLING_ASSERTIONS[consumer]
            and use.context == "body"
            and owner is not None
        ):
            # ``self.assertRaises(E, f, *args)`` calls f: a call site, rewritten by F2Q316 into
            # ``with self.assertRaises(E): await f(*args)`` when f becomes async
            self._edge(owner.fqn, fqn, use.context)
            return
        if use.context == "result" and owner is not None and owner.fqn in self.fixtures:
            # A factory fixture: the tests that request it call the function through their
            # parameter, which the evaluator resolves, so those calls are awaited like any other.
            return
        where = owner.fqn if owner is not None else "module level"
        if use.consumer is not None:
            detail = f"passed to {consumer or _ref_text(use.consumer)} in {where}"
        elif use.context == "result":
            detail = f"returned by {where}"
        else:
            detail = f"stored in {where}"
        self.plan.intrinsic.setdefault(self.target_of(fqn), ("value", detail))

    def _registration(self, use: ValueUseFact) -> str | None:
        if use.consumer is None:
            return None
        method = _method_name(use.consumer)
        if method not in catalogue.REGISTRATION_METHODS:
            name = self.ev.name_of(use.consumer)
            if name == "flask.after_this_request":
                return "hook"
            return None
        kind, keyword, position = catalogue.REGISTRATION_METHODS[method]
        owner = self._decorator_owner(use.consumer)
        if owner not in (None, *catalogue.REGISTERING_CLASSES):
            return None
        if use.keyword == keyword or (use.keyword is None and use.position == position):
            return kind
        return None

    # ------------------------------------------------------------------ fixed points

    def _share_intrinsic_across_families(self) -> None:
        """A method that cannot become async keeps its whole override family sync: a call
        through the base class (``self.make_response(...)`` in ``BaseFormatter``) is typed to
        the base's method, so an async override would be called without ``await``, silently."""
        intrinsic = self.plan.intrinsic
        pending = sorted(fqn for fqn in intrinsic if fqn in self.functions)
        while pending:
            fqn = pending.pop()
            for member in self._override_family(fqn):
                if member in self.functions and member not in intrinsic:
                    intrinsic[member] = ("family", fqn)
                    pending.append(member)

    def _self_contained_callees(self) -> frozenset[str]:
        plan = self.plan
        return frozenset(
            callee
            for callee, callers in self.callers.items()
            if callee in plan.async_functions
            and any(caller is not None and not plan.is_async(caller) for caller, _ in callers)
            and self._awaits_only_own_contexts(callee)
        )

    def _awaits_only_own_contexts(self, fqn: str) -> bool:
        """Whether everything ``fqn`` awaits, directly or through the functions it calls, is an
        app or request context it opens itself."""
        plan = self.plan
        seen: set[str] = set()
        pending = [fqn]
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            reason = plan.async_functions.get(current)
            if reason is None or reason[0] not in ("seed", "calls"):
                return False  # already async (awaits we do not know) or async by family/wraps
            if not self.seed_keys.get(current, set()) <= OWN_CONTEXT_SEEDS:
                return False
            pending.extend(
                callee
                for callee, context in self.callees.get(current, ())
                if context in AWAITABLE_CONTEXTS and plan.is_async(callee)
            )
        return True

    def _propagate_blocked(self) -> None:
        plan = self.plan
        for fqn, reason in plan.intrinsic.items():
            plan.blocked.setdefault(fqn, reason)
        for callee, callers in sorted(self.callers.items()):
            for caller, context in callers:
                if context not in AWAITABLE_CONTEXTS:
                    where = caller or "module level"
                    phrase = _CONTEXT_PHRASES.get(context, context)
                    plan.blocked.setdefault(callee, ("context", f"{phrase} in {where}"))
        pending = sorted(plan.blocked)
        while pending:
            caller = pending.pop()
            for callee, context in self.callees.get(caller, ()):
                if context in AWAITABLE_CONTEXTS and callee not in plan.blocked:
                    plan.blocked[callee] = ("caller", caller)
                    pending.append(callee)

    def _propagate_async(self) -> None:
        plan = self.plan
        pending: list[str] = []

        def mark(fqn: str, reason: Reason) -> None:
            if fqn in plan.async_functions or fqn in plan.already_async:
                return
            if fqn in plan.intrinsic or fqn not in self.functions:
                return
            plan.async_functions[fqn] = reason
            pending.append(fqn)

        for fqn, key in sorted(self.mandatory.items()):
            mark(fqn, ("seed", key))
        for fqn, key in sorted(self.optional.items()):
            if fqn not in plan.blocked:
                mark(fqn, ("optional-seed", key))
        while pending:
            callee = pending.pop(0)
            for caller, context in sorted(self.callers.get(callee, ()), key=_caller_key):
                if caller is None or context not in AWAITABLE_CONTEXTS:
                    continue
                kind = "wraps" if caller in plan.wrappers else "calls"
                mark(caller, (kind, callee))
            for member in self._override_family(callee):
                mark(member, ("family", callee))

    def _override_family(self, fqn: str) -> Iterable[str]:
        function = self.functions[fqn]
        if function.class_fqn is None:
            return []
        related = set(self.ev.mro(function.class_fqn)) | set(self.ev.subclasses(function.class_fqn))
        family = []
        for klass in sorted(related):
            summary = self.index.classes.get(klass)
            if summary is not None and function.name in summary.methods:
                member = f"{klass}.{function.name}"
                if member != fqn:
                    family.append(member)
        return family


def short_name(fqn: str) -> str:
    """``module.function`` (or ``Class.method``) without package and ``<locals>`` noise."""
    parts = [p for p in fqn.split(".") if p != "<locals>"]
    return ".".join(parts[-2:]) if len(parts) > 1 else fqn


def _caller_key(item: tuple[str | None, str]) -> tuple[str, str]:
    return (item[0] or "", item[1])


def _method_name(ref: Ref) -> str | None:
    target = ref[1] if ref[0] == "c" else ref
    if target[0] == "a":
        return str(target[2])
    return None


def _in_packages(key: str, packages: frozenset[str]) -> bool:
    return key.split(".", 1)[0] in packages


def _is_cli_decorator(key: str) -> bool:
    return key.startswith("click.") or key.endswith((".cli.command", ".cli.group"))


def _is_transparent(key: str) -> bool:
    return any(
        key == name or key.startswith(name + ".") for name in catalogue.TRANSPARENT_DECORATORS
    )


def _returns_first_param(decorator: FunctionFacts) -> bool:
    if not decorator.params or not decorator.returns:
        return False
    return all(ref == ("p", decorator.fqn, decorator.params[0]) for ref in decorator.returns)


def _ref_text(ref: Ref | None) -> str:
    if ref is None:
        return "?"
    tag = ref[0]
    if tag == "g":
        return str(ref[1]).rsplit(".", 1)[-1]
    if tag == "a":
        return f"{_ref_text(ref[1])}.{ref[2]}"
    if tag == "c":
        return f"{_ref_text(ref[1])}()"
    if tag == "p":
        return str(ref[2])
    if tag in ("self", "cls"):
        return str(tag)
    return "?"


def solve(
    files: list[FileFacts],
    seeds: SeedTable,
    other_modules: Iterable[str] = (),
    aliases: Mapping[str, str] | None = None,
) -> Plan:
    """``aliases``: other names a module is imported by (see ``ProgramIndex.aliases``)."""
    plan = _Solver(files, seeds, other_modules, aliases).solve()
    kept = _groups_kept_sync(plan, seeds)
    if not kept:
        return plan
    dropped = {key for key in seeds.calls if _group_of(key, kept)}
    dropped |= {key for key in seeds.attributes if _group_of(key, kept)}
    narrowed = dataclasses.replace(
        seeds,
        calls={k: v for k, v in seeds.calls.items() if k not in dropped},
        attributes={k: v for k, v in seeds.attributes.items() if k not in dropped},
    )
    plan = _Solver(files, narrowed, other_modules, aliases).solve()
    plan.sync_optional_keys |= dropped
    plan.seeds = seeds
    return plan


def _group_of(key: str, groups: Iterable[str]) -> bool:
    return any(key.startswith(group + ".") for group in groups)


def _groups_kept_sync(plan: Plan, seeds: SeedTable) -> set[str]:
    """Groups with a call that must stay sync, or subclassed by user code."""
    kept = {
        group for group in seeds.optional_groups if _group_of_any(plan.sync_optional_keys, group)
    }
    evaluator = Evaluator(plan.index)
    for klass in plan.index.classes:
        kept.update(group for group in seeds.optional_groups if group in evaluator.mro(klass)[1:])
    return kept


def _group_of_any(keys: Iterable[str], group: str) -> bool:
    return any(key.startswith(group + ".") for key in keys)
