"""Plain-data facts about one file: what the whole-program solver reads.

:func:`extract_facts` projects a :class:`~flask2quart.analysis.model.FileModel` onto frozen
dataclasses of strings and :mod:`refs <flask2quart.analysis.refs>` tuples, cheap to send to and
from worker processes and to cache as JSON keyed by the file's content hash.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from flask2quart.analysis.model import FileModel, FunctionInfo, Site, ValueUse
from flask2quart.analysis.refs import UNKNOWN, Ref, from_json


@dataclass(frozen=True, slots=True)
class CallFact:
    func: Ref
    context: str
    awaited: bool
    # argument references, for typing the callee's parameters from its call sites
    args: tuple[Ref, ...] = ()
    keywords: tuple[tuple[str, Ref], ...] = ()


@dataclass(frozen=True, slots=True)
class AttributeFact:
    ref: Ref
    context: str
    awaited: bool


@dataclass(frozen=True, slots=True)
class WithFact:
    items: tuple[Ref, ...]
    context: str
    is_async: bool


@dataclass(frozen=True, slots=True)
class ValueUseFact:
    value: Ref
    consumer: Ref | None
    keyword: str | None
    position: int
    context: str


@dataclass(frozen=True, slots=True)
class DecoratorFact:
    ref: Ref
    path_argument: bool
    # ``@pytest.fixture(name="app")``: the name tests request the fixture by
    name_argument: str | None = None


@dataclass(slots=True)
class FunctionFacts:
    fqn: str
    name: str
    class_fqn: str | None
    parent_fqn: str | None
    is_async: bool
    is_generator: bool
    params: tuple[str, ...]
    decorators: tuple[DecoratorFact, ...]
    returns: tuple[Ref, ...]
    yields: tuple[Ref, ...]
    calls: tuple[CallFact, ...] = ()
    attributes: tuple[AttributeFact, ...] = ()
    withs: tuple[WithFact, ...] = ()
    value_uses: tuple[ValueUseFact, ...] = ()


@dataclass(slots=True)
class ClassFacts:
    fqn: str
    bases: tuple[Ref, ...]
    methods: tuple[str, ...]
    attrs: dict[str, tuple[Ref, ...]]


@dataclass(slots=True)
class FileFacts:
    module: str
    is_package: bool
    is_test_module: bool
    bindings: dict[str, Ref]
    functions: list[FunctionFacts]
    classes: list[ClassFacts]
    module_calls: list[CallFact] = field(default_factory=list)
    module_value_uses: list[ValueUseFact] = field(default_factory=list)
    # rule id -> what that rule's ``file_facts`` recorded about this file (see Rule.file_facts)
    rule_facts: dict[str, Any] = field(default_factory=dict)
    # the file opts out of rewriting (``flask2quart: skip-file``): its functions stay as written
    opted_out: bool = False
    # attributes pytest fixtures give test classes (``request.cls.client = client``)
    injected_attrs: dict[str, tuple[Ref, ...]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileFacts:
        return cls(
            module=data["module"],
            is_package=data["is_package"],
            is_test_module=data["is_test_module"],
            bindings={k: from_json(v) for k, v in data["bindings"].items()},
            functions=[_function_from_json(f) for f in data["functions"]],
            classes=[
                ClassFacts(
                    fqn=c["fqn"],
                    bases=from_json(c["bases"]),
                    methods=tuple(c["methods"]),
                    attrs={k: from_json(v) for k, v in c["attrs"].items()},
                )
                for c in data["classes"]
            ],
            module_calls=[_call_from_json(c) for c in data["module_calls"]],
            module_value_uses=[
                ValueUseFact(**_refs(v, "value", "consumer")) for v in data["module_value_uses"]
            ],
            rule_facts={k: from_json(v) for k, v in data.get("rule_facts", {}).items()},
            opted_out=data.get("opted_out", False),
            injected_attrs={k: from_json(v) for k, v in data.get("injected_attrs", {}).items()},
        )


def _refs(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: (from_json(v) if k in keys else v) for k, v in data.items()}


def _call_from_json(data: dict[str, Any]) -> CallFact:
    return CallFact(
        func=from_json(data["func"]),
        context=data["context"],
        awaited=data["awaited"],
        args=from_json(data["args"]),
        keywords=from_json(data["keywords"]),
    )


def _function_from_json(data: dict[str, Any]) -> FunctionFacts:
    return FunctionFacts(
        fqn=data["fqn"],
        name=data["name"],
        class_fqn=data["class_fqn"],
        parent_fqn=data["parent_fqn"],
        is_async=data["is_async"],
        is_generator=data["is_generator"],
        params=tuple(data["params"]),
        decorators=tuple(DecoratorFact(**_refs(d, "ref")) for d in data["decorators"]),
        returns=from_json(data["returns"]),
        yields=from_json(data["yields"]),
        calls=tuple(_call_from_json(c) for c in data["calls"]),
        attributes=tuple(AttributeFact(**_refs(a, "ref")) for a in data["attributes"]),
        withs=tuple(
            WithFact(items=from_json(w["items"]), context=w["context"], is_async=w["is_async"])
            for w in data["withs"]
        ),
        value_uses=tuple(ValueUseFact(**_refs(v, "value", "consumer")) for v in data["value_uses"]),
    )


def is_test_module_name(module: str) -> bool:
    # "conftest@docs/tests/conftest.py": a second module of that name (see _discovery)
    leaf = module.split("@", 1)[0].rsplit(".", 1)[-1]
    return leaf.startswith("test_") or leaf.endswith("_test") or leaf == "conftest"


def name_argument(decorator: cst.BaseExpression) -> str | None:
    if not isinstance(decorator, cst.Call):
        return None
    for arg in decorator.args:
        if arg.keyword is not None and arg.keyword.value == "name":
            value = arg.value
            if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
                return value.evaluated_value
    return None


def has_path_argument(decorator: cst.BaseExpression) -> bool:
    if not isinstance(decorator, cst.Call) or not decorator.args:
        return False
    first = decorator.args[0]
    return (
        first.keyword is None
        and isinstance(first.value, cst.SimpleString)
        and first.value.raw_value.startswith("/")
    )


def extract_facts(model: FileModel) -> FileFacts:
    calls: dict[FunctionInfo | None, list[CallFact]] = {}
    for call, site in model.calls.items():
        calls.setdefault(site.owner, []).append(_call_fact(model, call, site))
    attributes: dict[FunctionInfo | None, list[AttributeFact]] = {}
    for attribute, site in model.attributes.items():
        if site.called:
            continue
        attributes.setdefault(site.owner, []).append(_attribute_fact(model, attribute, site))
    withs: dict[FunctionInfo | None, list[WithFact]] = {}
    for with_node, with_site in model.withs.items():
        items = tuple(model.ref_of(i.item, with_site.scope) for i in with_node.items)
        withs.setdefault(with_site.owner, []).append(
            WithFact(items, with_site.context, with_node.asynchronous is not None)
        )
    uses: dict[FunctionInfo | None, list[ValueUseFact]] = {}
    for use in model.value_uses:
        uses.setdefault(use.owner, []).append(_value_use_fact(model, use))

    functions = [
        FunctionFacts(
            fqn=f.fqn,
            name=f.name,
            class_fqn=f.class_fqn,
            parent_fqn=f.parent.fqn if f.parent else None,
            is_async=f.is_async,
            is_generator=f.is_generator,
            params=tuple(f.params),
            decorators=tuple(
                DecoratorFact(
                    model.ref_of(d, f.outer_scope), has_path_argument(d), name_argument(d)
                )
                for d in f.decorators
            ),
            returns=tuple(model.ref_of(value, scope) for value, scope in f.returns),
            yields=tuple(model.ref_of(value, scope) for value, scope in f.yields),
            calls=tuple(calls.get(f, ())),
            attributes=tuple(attributes.get(f, ())),
            withs=tuple(withs.get(f, ())),
            value_uses=tuple(uses.get(f, ())),
        )
        for f in model.functions
    ]
    classes = [
        ClassFacts(
            fqn=c.fqn,
            bases=tuple(model.ref_of(arg.value, c.outer_scope) for arg in c.node.bases),
            methods=tuple(c.methods),
            attrs={
                name: tuple(model.ref_of(value, scope) for value, scope in values)
                for name, values in c.attrs.items()
            },
        )
        for c in model.classes
    ]
    return FileFacts(
        module=model.module_name,
        is_package=model.is_package,
        is_test_module=is_test_module_name(model.module_name),
        bindings=model.module_bindings(),
        functions=functions,
        classes=classes,
        module_calls=calls.get(None, []),
        module_value_uses=uses.get(None, []),
        injected_attrs={
            name: tuple(model.ref_of(value, scope) for value, scope in values)
            for name, values in model.injected_attrs.items()
        },
    )


def _argument_ref(model: FileModel, value: cst.BaseExpression, site: Site) -> Ref:
    # Only names and the like can carry a type worth knowing; literals stay unknown (cheap).
    if isinstance(value, cst.Name | cst.Attribute | cst.Call | cst.Subscript):
        return model.ref_of(value, site.scope)
    return UNKNOWN


def _call_fact(model: FileModel, call: cst.Call, site: Site) -> CallFact:
    args: list[Ref] = []
    keywords: list[tuple[str, Ref]] = []
    for arg in call.args:
        if arg.star:
            break  # positions after *args are unknown
        if arg.keyword is not None:
            keywords.append((arg.keyword.value, _argument_ref(model, arg.value, site)))
        else:
            args.append(_argument_ref(model, arg.value, site))
    return CallFact(
        model.ref_of(call.func, site.scope),
        site.context,
        site.awaited,
        tuple(args),
        tuple(keywords),
    )


def _attribute_fact(model: FileModel, attribute: cst.Attribute, site: Site) -> AttributeFact:
    return AttributeFact(model.ref_of(attribute, site.scope), site.context, site.awaited)


def _value_use_fact(model: FileModel, use: ValueUse) -> ValueUseFact:
    context = "module"
    if use.owner is not None:
        context = "result" if use.returned else "body"
    consumer = model.ref_of(use.consumer.func, use.scope) if use.consumer is not None else None
    return ValueUseFact(
        value=model.ref_of(use.node, use.scope),
        consumer=consumer,
        keyword=use.keyword,
        position=use.position,
        context=context,
    )
