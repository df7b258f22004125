"""Turn symbolic references into types, with every module's facts in hand.

This is a deliberately small type inference: module-level names and imports (through
re-exports and aliases), classes and their bases, instances created by calling a class,
``self``/``super()``, attributes assigned in methods, return values of user functions
(so ``create_app()`` is known to return a Flask app), pytest fixtures by parameter name, and
the Flask/Werkzeug catalogue. Anything else is unknown, and unknown never triggers a rewrite.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask2quart.analysis import catalogue
from flask2quart.analysis.catalogue import UNKNOWN_TYPE, Type
from flask2quart.analysis.facts import CallFact, FileFacts, FunctionFacts
from flask2quart.analysis.refs import STAR_IMPORT, Ref

FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})
# Fixtures pytest-flask builds from the project's ``app`` fixture: name -> app method called.
PLUGIN_APP_FIXTURES = {"client": "test_client"}

CallArguments = tuple[bool, tuple[Ref, ...], tuple[tuple[str, Ref], ...]]


NONE_TYPE: Type = ("ext", "builtins.None")


@dataclass(slots=True)
class FunctionSummary:
    fqn: str
    class_fqn: str | None
    params: tuple[str, ...]
    returns: tuple[Ref, ...]
    yields: tuple[Ref, ...]
    is_generator: bool
    is_async: bool
    decorators: tuple[Ref, ...]
    takes_fixtures: bool
    is_static: bool
    is_classmethod: bool = False


@dataclass(slots=True)
class ClassSummary:
    fqn: str
    bases: tuple[Ref, ...]
    methods: frozenset[str]
    attrs: dict[str, tuple[Ref, ...]]


@dataclass(slots=True)
class ProgramIndex:
    """The part of every file's facts that evaluating a reference may need."""

    modules: set[str] = field(default_factory=set)
    bindings: dict[str, dict[str, Ref]] = field(default_factory=dict)
    functions: dict[str, FunctionSummary] = field(default_factory=dict)
    classes: dict[str, ClassSummary] = field(default_factory=dict)
    fixtures: dict[str, list[str]] = field(default_factory=dict)
    # function -> its call sites' arguments: (bound method call?, positional refs, keyword refs)
    call_arguments: dict[str, list[CallArguments]] = field(default_factory=dict)
    # another name a module is imported by -> its name here: ``beetsplug.web`` for the package
    # ``web`` inside the namespace package ``beetsplug`` (a folder without ``__init__.py``)
    aliases: dict[str, str] = field(default_factory=dict)
    # attributes pytest fixtures give test classes (``request.cls.client = client``), and the
    # classes of test modules they may reach
    injected_attrs: dict[str, list[Ref]] = field(default_factory=dict)
    test_classes: set[str] = field(default_factory=set)

    @classmethod
    def build(
        cls,
        files: list[FileFacts],
        other_modules: Iterable[str] = (),
        aliases: Mapping[str, str] | None = None,
    ) -> ProgramIndex:
        """``other_modules``: modules of the program that were not analysed (the pre-filter
        found nothing in them): known to exist, with nothing known about their names."""
        index = cls(aliases=dict(aliases or {}))
        for module in other_modules:
            index.modules.add(module)
            index.bindings.setdefault(module, {})
        for facts in files:
            index.modules.add(facts.module)
            index.bindings[facts.module] = facts.bindings
            for name, refs in facts.injected_attrs.items():
                index.injected_attrs.setdefault(name, []).extend(refs)
            if facts.is_test_module:
                index.test_classes.update(klass.fqn for klass in facts.classes)
            for function in facts.functions:
                index.functions[function.fqn] = _summary(function, facts.is_test_module)
            for klass in facts.classes:
                index.classes[klass.fqn] = ClassSummary(
                    klass.fqn, klass.bases, frozenset(klass.methods), klass.attrs
                )
        evaluator = Evaluator(index)
        for facts in files:
            for function in facts.functions:
                if function.class_fqn is None and _is_fixture(evaluator, function):
                    name = _fixture_name(function)
                    index.fixtures.setdefault(name, []).append(function.fqn)
        for facts in files:
            calls = [*facts.module_calls, *(c for f in facts.functions for c in f.calls)]
            for call in calls:
                if call.args or call.keywords:
                    _record_call_arguments(index, evaluator, call)
        return index


def _record_call_arguments(index: ProgramIndex, evaluator: Evaluator, call: CallFact) -> None:
    callee = evaluator.evaluate(call.func)
    if callee[0] == "cls":
        # ``AuthActions(client)`` passes ``client`` to ``AuthActions.__init__`` (self is bound)
        init = evaluator.evaluate(("a", call.func, "__init__"))
        if init[0] == "fn" and str(init[1]) in index.functions:
            index.call_arguments.setdefault(str(init[1]), []).append(
                (True, call.args, call.keywords)
            )
        return
    if callee[0] != "fn":
        return
    fqn = str(callee[1])
    summary = index.functions[fqn]
    # an instance's method, or a classmethod called on its class (``Form.build(request)``):
    # the first parameter is bound, the call's arguments start at the second
    owner = evaluator.evaluate(call.func[1])[0] if call.func[0] == "a" else None
    bound = (
        summary.class_fqn is not None
        and not summary.is_static
        and (owner in ("obj", "sup") or (owner == "cls" and summary.is_classmethod))
    )
    index.call_arguments.setdefault(fqn, []).append((bound, call.args, call.keywords))


def _summary(function: FunctionFacts, in_test_module: bool) -> FunctionSummary:
    return FunctionSummary(
        fqn=function.fqn,
        class_fqn=function.class_fqn,
        params=function.params,
        returns=function.returns,
        yields=function.yields,
        is_generator=function.is_generator,
        is_async=function.is_async,
        decorators=tuple(d.ref for d in function.decorators),
        # Parameters are looked up as fixtures only in test code: an app helper's ``client``
        # parameter must not take the type of a ``client`` fixture.
        takes_fixtures=in_test_module or function.name.startswith("test"),
        is_static=any(d.ref == ("g", "builtins.staticmethod") for d in function.decorators),
        is_classmethod=any(d.ref == ("g", "builtins.classmethod") for d in function.decorators),
    )


def _fixture_name(function: FunctionFacts) -> str:
    for decorator in function.decorators:
        if decorator.name_argument:
            return decorator.name_argument
    return function.name


def _is_fixture(evaluator: Evaluator, function: FunctionFacts) -> bool:
    for decorator in function.decorators:
        ref = decorator.ref[1] if decorator.ref[0] == "c" else decorator.ref
        if evaluator.name_of(ref) in FIXTURE_DECORATORS:
            return True
    return False


class Evaluator:
    """Evaluates references against a :class:`ProgramIndex`; results are memoised."""

    def __init__(self, index: ProgramIndex) -> None:
        self.index = index
        # Memo and cycle guard, keyed by the id of a reference's canonical copy (see _canonical)
        self._cache: dict[int, Type] = {}
        self._active: set[int] = set()
        self._mro: dict[str, list[str]] = {}
        self._star_active: set[str] = set()  # modules whose star imports are being searched
        self._test_class_bases: set[str] | None = None
        # Hash-consing. A reference is a DAG of shared tuples: ``q = q.where(...)`` assigned n
        # times makes each binding's reference contain the union of the others, so a reference
        # of a hundred distinct tuples can be 10^11 tuples long written out. Python hashes and
        # compares a tuple by walking it, so keying the memo by the reference itself cost its
        # written-out size on every lookup. Every tuple is instead mapped once to one canonical
        # tuple per structure (found by a key made of its atoms and its children's canonical
        # ids): two references are equal exactly when their canonical copies are the same
        # object, so keying by that id keeps the structural memo's behaviour, cycles included.
        self._canonical_by_key: dict[tuple[object, ...], Ref] = {}
        # id of any tuple met -> (that tuple, kept alive so the id stays its own; its canonical)
        self._canonical_by_id: dict[int, tuple[Ref, Ref]] = {}

    # ------------------------------------------------------------------ public helpers

    def evaluate(self, ref: Ref) -> Type:
        key = id(self._canonical(ref))
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if key in self._active:
            return UNKNOWN_TYPE
        self._active.add(key)
        try:
            result = self._evaluate(ref)
        finally:
            self._active.discard(key)
        self._cache[key] = result
        return result

    def _canonical(self, ref: Ref) -> Ref:
        """The one tuple standing for every tuple equal to ``ref``; each tuple object is
        visited once, so this costs the number of distinct tuples, not the written-out size."""
        known = self._canonical_by_id.get(id(ref))
        if known is not None:
            return known[1]
        # A child is keyed by a 1-tuple of its canonical id: an atom (a str, None) is never a
        # tuple, so the two cannot be confused; atoms compare by ``==`` as in tuple equality.
        key = tuple(
            (id(self._canonical(item)),) if isinstance(item, tuple) else item for item in ref
        )
        canonical = self._canonical_by_key.setdefault(key, ref)
        self._canonical_by_id[id(ref)] = (ref, canonical)
        return canonical

    def callee(self, func: Ref) -> Type:
        """What calling ``func`` runs: for an instance of a class of the program with a
        ``__call__`` of its own (``formatter(...)``), that method."""
        value = self.evaluate(func)
        if value[0] == "obj" and str(value[1]) in self.index.classes:
            method = self._class_member(str(value[1]), "__call__", instance=True)
            if method[0] == "fn":
                return method
        return value

    def name_of(self, ref: Ref) -> str | None:
        """The dotted name a reference evaluates to: a user function, class or external name."""
        return self.key_of(self.evaluate(ref))

    @staticmethod
    def key_of(value: Type) -> str | None:
        if value[0] in ("fn", "cls", "ext", "mod"):
            return str(value[1])
        return None

    def member_key(self, ref: Ref) -> str | None:
        """``Class.member`` for an attribute reference whose owner's class is known."""
        if ref[0] != "a":
            return None
        owner = self.evaluate(ref[1])
        name = ref[2]
        if owner[0] == "obj":
            return self._external_member(owner[1], name) or f"{owner[1]}.{name}"
        return None

    def mro(self, class_fqn: str) -> list[str]:
        """Ancestors, nearest first (a breadth-first walk is enough for the code we meet)."""
        cached = self._mro.get(class_fqn)
        if cached is not None:
            return cached
        self._mro[class_fqn] = [class_fqn]  # guards against cyclic bases
        result: list[str] = []
        pending = [class_fqn]
        while pending:
            current = pending.pop(0)
            if current in result:
                continue
            result.append(current)
            summary = self.index.classes.get(current)
            if summary is not None:
                for base in summary.bases:
                    base_type = self.evaluate(base)
                    if base_type[0] == "cls":
                        pending.append(str(base_type[1]))
            else:
                pending.extend(catalogue.BASES.get(current, ()))
        self._mro[class_fqn] = result
        return result

    def subclasses(self, class_fqn: str) -> list[str]:
        return [c for c in self.index.classes if c != class_fqn and class_fqn in self.mro(c)]

    def function_type_of_return(self, fqn: str) -> Type:
        summary = self.index.functions.get(fqn)
        if summary is None or summary.is_generator:
            return UNKNOWN_TYPE
        return self._union([self.evaluate(r) for r in summary.returns])

    # ------------------------------------------------------------------ evaluation

    def _evaluate(self, ref: Ref) -> Type:
        tag = ref[0]
        if tag == "g":
            return self._global(str(ref[1]))
        if tag == "a":
            return self._attribute(self.evaluate(ref[1]), str(ref[2]))
        if tag == "c":
            return self._call(self.evaluate(ref[1]))
        if tag == "i":
            owner = self.evaluate(ref[1])
            if owner[0] == "obj":
                return catalogue.ITEMS.get(owner[1], UNKNOWN_TYPE)
            return UNKNOWN_TYPE
        if tag == "e":
            return self._enter(self.evaluate(ref[1]))
        if tag == "self":
            return ("obj", ref[1])
        if tag == "cls":
            return ("cls", ref[1])
        if tag == "sup":
            return ("sup", ref[1])
        if tag == "p":
            return self._parameter(str(ref[1]), str(ref[2]))
        if tag == "pa":
            # ``response: TestResponse`` where the catalogue lacks the class: the call sites
            # still know what the test passes
            annotated = self.evaluate(ref[1])
            return annotated if annotated != UNKNOWN_TYPE else self._parameter(ref[2], ref[3])
        if tag == "u":
            return self._union([self.evaluate(r) for r in ref[1]])
        return UNKNOWN_TYPE

    def _union(self, types: list[Type]) -> Type:
        # ``_app = None`` then ``_app = create_app()`` (a lazy singleton): None only holds the place
        known = [t for t in types if t not in (UNKNOWN_TYPE, NONE_TYPE)]
        if known and all(t == known[0] for t in known):
            return known[0]
        # ``return Form`` beside ``return Form()``: a class and its instances share their
        # methods, so the instance stands for both (``form.validate_on_submit()`` is awaited
        # either way). Without this the first run saw "unknown" and left it un-awaited while a
        # second run, where ``await Form.create_form()`` has replaced ``Form()`` (unknown), saw
        # the class and awaited it: not idempotent.
        if known and {t[0] for t in known} == {"cls", "obj"} and len({t[1] for t in known}) == 1:
            return ("obj", known[0][1])
        # ``return FormWithCaptcha()`` beside ``return Form()``, a subclass beside its base:
        # the base's members are the ones both have (an override shares its family's async-ness)
        if known and all(t[0] == "obj" and str(t[1]) in self.index.classes for t in known):
            for candidate in {str(t[1]) for t in known}:
                if all(candidate in self.mro(str(t[1])) for t in known):
                    return ("obj", candidate)
        return UNKNOWN_TYPE

    def _global(self, fqn: str) -> Type:
        index = self.index
        if fqn in index.functions:
            return ("fn", fqn)
        if fqn in index.classes:
            return ("cls", fqn)
        if fqn in index.modules:
            return ("mod", fqn)
        parts = fqn.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = ".".join(parts[:cut])
            if module not in index.modules:
                continue
            binding = index.bindings[module].get(parts[cut])
            if binding is None:
                return self._star_imported(module, parts[cut:])
            value = self.evaluate(binding)
            for part in parts[cut + 1 :]:
                value = self._attribute(value, part)
            return value
        for cut in range(len(parts), 1, -1):
            alias = index.aliases.get(".".join(parts[:cut]))
            if alias is not None:
                return self._global(".".join([alias, *parts[cut:]]))
        return self._external(fqn)

    def _star_imported(self, module: str, parts: list[str]) -> Type:
        """``module.name`` where module binds name only through ``from other import *``."""
        if parts[0].startswith("_") or module in self._star_active:
            return UNKNOWN_TYPE
        self._star_active.add(module)
        try:
            for key, ref in self.index.bindings[module].items():
                if key.startswith(STAR_IMPORT) and ref[0] == "g":
                    value = self._global(".".join([str(ref[1]), *parts]))
                    if value != UNKNOWN_TYPE:
                        return value
        finally:
            self._star_active.discard(module)
        return UNKNOWN_TYPE

    @staticmethod
    def _external(fqn: str) -> Type:
        name = catalogue.canonical_name(fqn)
        return catalogue.VALUES.get(name, ("ext", name))

    def _attribute(self, owner: Type, name: str) -> Type:
        kind = owner[0]
        if kind == "mod":
            return self._global(f"{owner[1]}.{name}")
        if kind == "cls":
            return self._class_member(str(owner[1]), name, instance=False)
        if kind == "obj":
            return self._class_member(str(owner[1]), name, instance=True)
        if kind == "sup":
            for base in self.mro(str(owner[1]))[1:]:
                found = self._own_member(base, name, instance=True)
                if found is not None:
                    return found
            return UNKNOWN_TYPE
        if kind == "ext":
            return self._external(f"{owner[1]}.{name}")
        return UNKNOWN_TYPE

    def _class_member(self, class_fqn: str, name: str, instance: bool) -> Type:
        for klass in self.mro(class_fqn):
            found = self._own_member(klass, name, instance)
            if found is not None:
                return found
        injected = self.index.injected_attrs.get(name)
        if instance and injected and class_fqn in self._test_classes_and_bases():
            return self._union([self.evaluate(ref) for ref in injected])
        return UNKNOWN_TYPE

    def _test_classes_and_bases(self) -> set[str]:
        """Test classes and the program's classes they derive from (a helper base class in a
        non-test module reads ``self.client`` too)."""
        if self._test_class_bases is None:
            self._test_class_bases = set()  # a cycle guard while the MROs below are computed
            found = {
                klass
                for test_class in self.index.test_classes
                for klass in self.mro(test_class)
                if klass in self.index.classes
            }
            self._test_class_bases = found
        return self._test_class_bases

    def _own_member(self, klass: str, name: str, instance: bool) -> Type | None:
        summary = self.index.classes.get(klass)
        if summary is not None:
            name = _unmangled(klass, name)
            if name in summary.methods:
                return ("fn", f"{klass}.{name}")
            if name in summary.attrs:
                return self._union([self.evaluate(r) for r in summary.attrs[name]])
            return None
        key = f"{klass}.{name}"
        if key in catalogue.ATTRIBUTES:
            return catalogue.ATTRIBUTES[key]
        if klass.startswith(catalogue.EXTERNAL_PACKAGES):
            return ("ext", key)
        return None

    def _external_member(self, class_fqn: str, name: str) -> str | None:
        for klass in self.mro(class_fqn):
            if klass not in self.index.classes and klass.startswith(catalogue.EXTERNAL_PACKAGES):
                return f"{klass}.{name}"
        return None

    def _call(self, callee: Type) -> Type:
        kind = callee[0]
        if kind == "cls":
            name = str(callee[1])
            return catalogue.CALL_RESULTS.get(name, ("obj", name))
        if kind == "fn":
            return self.function_type_of_return(str(callee[1]))
        if kind == "ext":
            return catalogue.CALL_RESULTS.get(str(callee[1]), UNKNOWN_TYPE)
        return UNKNOWN_TYPE

    def _enter(self, manager: Type) -> Type:
        if manager[0] != "obj":
            return UNKNOWN_TYPE
        name = str(manager[1])
        if name in catalogue.ENTERS:
            return catalogue.ENTERS[name]
        enter = self._class_member(name, "__enter__", instance=True)
        if enter[0] == "fn":
            return self.function_type_of_return(str(enter[1]))
        return UNKNOWN_TYPE

    def _parameter(self, function_fqn: str, name: str) -> Type:
        owner = self.index.functions.get(function_fqn)
        if owner is None:
            return UNKNOWN_TYPE
        fixtures = self.index.fixtures.get(name)
        if fixtures and owner.takes_fixtures:
            types: list[Type] = []
            for fixture in fixtures:
                summary = self.index.functions[fixture]
                values = summary.yields if summary.is_generator else summary.returns
                types.extend(self.evaluate(v) for v in values)
            return self._union(types)
        if owner.takes_fixtures and name in PLUGIN_APP_FIXTURES and "app" in self.index.fixtures:
            # pytest-flask's: ``client`` is ``app.test_client()`` of the project's ``app``
            app = self._parameter(function_fqn, "app")
            return self._call(self._attribute(app, PLUGIN_APP_FIXTURES[name]))
        return self._parameter_from_call_sites(owner, name)

    def _parameter_from_call_sites(self, owner: FunctionSummary, name: str) -> Type:
        """The type every call site passes for this parameter, if they all agree."""
        sites = self.index.call_arguments.get(owner.fqn)
        if not sites or name not in owner.params:
            return UNKNOWN_TYPE
        position = owner.params.index(name)
        types: list[Type] = []
        for bound, args, keywords in sites:
            ref = dict(keywords).get(name)
            index = position - 1 if bound else position
            if ref is None and 0 <= index < len(args):
                ref = args[index]
            if ref is None:
                return UNKNOWN_TYPE
            types.append(self.evaluate(ref))
        if types and all(t == types[0] for t in types) and types[0] != UNKNOWN_TYPE:
            return types[0]
        return UNKNOWN_TYPE


def _unmangled(klass: str, name: str) -> str:
    """``_LastFm__api_request`` (a private name spelled from outside its class, as tests do)
    is ``__api_request`` of ``LastFm``; the class body's facts spell it unmangled."""
    prefix = "_" + klass.rsplit(".", 1)[-1].lstrip("_") + "__"
    if name.startswith(prefix) and not name.endswith("__"):
        return "__" + name[len(prefix) :]
    return name
