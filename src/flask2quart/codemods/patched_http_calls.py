"""F2Q309: a patched requests call becomes the same patch on the httpx call it was converted to.

``mock.patch("app.api.requests.get")`` replaced ``requests.get`` (the module is shared, so
everyone's); after F2Q201 the app calls ``await http_client().get(...)``, so the patch moves to
``httpx.AsyncClient.get`` (and ``requests.Session.get`` to the generated ``SharedSession.get``).
Both are ``async def``, so ``mock.patch`` makes an ``AsyncMock``: awaiting it gives its
``return_value``. That value is given as a ``MagicMock`` (``return_value=mock.MagicMock()``),
because an ``AsyncMock``'s own children are ``AsyncMock`` too and ``response.json()`` would return
a coroutine; the test's ``mock_get.return_value.json.return_value = {...}`` then works as before.
Forms: ``mock.patch``/``patch.object`` (decorator, ``with``, call), pytest-mock's ``mocker.patch``
and pytest's ``monkeypatch.setattr`` (string or object target). A replacement given as a value
(``new=``, ``monkeypatch.setattr(..., fake)``) is wrapped as ``AsyncMock(side_effect=fake)``: it
is not bound to the client as a method, and what it returns is what the await gives.

Assertions on the call's arguments (``assert_called_once_with`` ...) are rewritten as F2Q201
rewrote the call: positional ``params``/``data`` become keywords, ``timeout=5`` becomes
``httpx.Timeout(None, connect=5, read=5)``, ``allow_redirects`` becomes ``follow_redirects``
(``head`` gains ``follow_redirects=False``). Reported instead: arguments that moved elsewhere
(``verify``, ``cert``, ``proxies``) or changed the method (a body on GET), reads of
``call_args``, ``new_callable``/``autospec`` patches, fakes (they now get httpx's arguments and
their response is read as an httpx.Response), a patched ``requests`` module, and a call kept sync
in one place and converted in another (one patch can no longer cover both). A patch of a call
that stayed sync is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import libcst as cst

from flask2quart._rules import Rule
from flask2quart._transform import FieldlessVisitor, FileContext
from flask2quart.analysis.model import FunctionInfo, Site
from flask2quart.analysis.refs import Ref

from ._http_helper import client_module, helper_module
from ._http_mocks import arg_at, fixture_param, httpx_name, keyword, string_value, transport
from .requests_to_httpx import (
    _BODY_ARGS,
    _CLIENT_SETTINGS,
    _NO_BODY_VERBS,
    _POSITIONAL,
    MODULE_CALLS,
    SESSION_CALLS,
    _is_text_or_bytes,
    _keyword_args,
    timeout_expression,
)

PATCH = frozenset({"unittest.mock.patch", "mock.patch"})
PATCH_OBJECT = frozenset({"unittest.mock.patch.object", "mock.patch.object"})
ASSERTIONS = frozenset({"assert_called_with", "assert_called_once_with", "assert_any_call"})
CALL_RECORDS = frozenset({"call_args", "call_args_list", "mock_calls"})


@dataclass(frozen=True, slots=True)
class Patch:
    """One patch of a requests call: how its target is written and what it replaces."""

    form: str  # "patch" | "object" | "mocker" | "mocker-object" | "setattr" | "setattr-object"
    key: str  # requests.get, requests.Session.post ...
    mock_module: str  # where MagicMock/AsyncMock come from


class PatchedHttpCalls(Rule):
    id = "F2Q309"
    name = "patched-http-calls"
    summary = "mock.patch/monkeypatch of a converted requests call -> the same on the httpx call"
    requires = ("F2Q201",)

    attribute_names: ClassVar[frozenset[str]] = CALL_RECORDS

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        # a traversal per function below: only where the text mentions a way to patch
        text = context.source_text
        self._may_patch = any(word in text for word in ("patch", "mocker", "monkeypatch"))
        self.mocks: list[dict[str, str]] = []  # per function: mock variable -> patched key
        self.records_reported: set[str] = set()

    # ------------------------------------------------------------------ finding patches

    def _patch_of(self, call: cst.Call) -> Patch | None:
        """The patch this call makes, if it targets a requests call (converted or not)."""
        context = self.context
        site = context.model.calls.get(call)
        if site is None:
            return None
        name = context.callee_name(call)
        func_ref = context.model.ref_of(call.func, site.scope)
        if name in PATCH or _is_fixture_method(context, func_ref, "mocker", ("patch",)):
            form = "patch" if name in PATCH else "mocker"
            target = arg_at(call.args, 0, "target")
            key = self._string_target(target[1].value) if target else None
        elif name in PATCH_OBJECT or _is_fixture_method(
            context, func_ref, "mocker", ("patch", "object")
        ):
            form = "object" if name in PATCH_OBJECT else "mocker-object"
            key = self._object_target(call, site)
        elif _is_fixture_method(context, func_ref, "monkeypatch", ("setattr",)):
            first = arg_at(call.args, 0, "target")
            if first is not None and string_value(first[1].value) is not None:
                form, key = "setattr", self._string_target(first[1].value)
            else:
                form, key = "setattr-object", self._object_target(call, site)
        else:
            return None
        if key is None:
            return None
        module = name.rsplit(".", 1)[0] if name in PATCH else "unittest.mock"
        if name in PATCH_OBJECT:
            module = name.rsplit(".", 2)[0]
        return Patch(form, key, module)

    def _string_target(self, node: cst.BaseExpression) -> str | None:
        target = string_value(node)
        if target is None or "." not in target:
            return None
        return self.context.evaluator.key_of(self.context.evaluator.evaluate(("g", target)))

    def _object_target(self, call: cst.Call, site: Site) -> str | None:
        owner = arg_at(call.args, 0, "target")
        attribute = arg_at(call.args, 1, "attribute") or arg_at(call.args, 1, "name")
        if owner is None or attribute is None:
            return None
        attr = string_value(attribute[1].value)
        owner_key = self.context.evaluator.key_of(self.context.type_of(owner[1].value, site))
        if attr is None or owner_key is None:
            return None
        return f"{owner_key}.{attr}"

    # ------------------------------------------------------------------ status of a call

    def _status(self, key: str) -> str:
        """converted | mixed | sync | module (the whole requests module) | other."""
        plan = self.context.plan
        if key == "requests":
            return "module"
        if key not in MODULE_CALLS and key not in SESSION_CALLS:
            return "other"
        if key not in plan.seeds.calls:
            return "sync"
        sessions_kept = any(k.startswith("requests.Session.") for k in plan.sync_optional_keys)
        if key in SESSION_CALLS and sessions_kept:
            return "sync"
        converted = key in plan.converted_optional_keys
        if converted and key in plan.sync_optional_keys:
            return "mixed"
        return "converted" if converted else "sync"

    # ------------------------------------------------------------------ functions

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        mocks: dict[str, str] = {}
        info = self.context.model.function_by_node.get(node)
        if info is not None and self._may_patch:
            mocks.update(self._decorator_mocks(info))
            mocks.update(self._body_mocks(node))
        self.mocks.append(mocks)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self.mocks.pop()
        return updated_node

    def _decorator_mocks(self, info: FunctionInfo) -> dict[str, str]:
        """Mocks a stack of ``@mock.patch`` decorators passes in: the bottom one first."""
        injected: list[Patch | None] = []
        for decorator in reversed(info.node.decorators):
            expr = decorator.decorator
            if not isinstance(expr, cst.Call):
                continue
            if self.context.callee_name(expr) not in PATCH | PATCH_OBJECT:
                continue
            new_position = 1 if self.context.callee_name(expr) in PATCH else 2
            if arg_at(expr.args, new_position, "new") is not None:
                continue
            injected.append(self._patch_of(expr))
        params = list(info.params)
        if info.class_info is not None and params:
            params = params[1:]
        found: dict[str, str] = {}
        for patch, param in zip(injected, params, strict=False):
            if patch is not None and self._status(patch.key) == "converted":
                found[param] = patch.key
        return found

    def _body_mocks(self, node: cst.FunctionDef) -> dict[str, str]:
        """``with mock.patch(...) as m`` and ``m = mocker.patch(...)`` in the body."""
        found: dict[str, str] = {}
        rule = self

        class Collector(FieldlessVisitor):
            def visit_WithItem(self, item: cst.WithItem) -> None:
                if isinstance(item.item, cst.Call) and item.asname is not None:
                    rule._bind(found, item.asname.name, item.item)

            def visit_Assign(self, assign: cst.Assign) -> None:
                if isinstance(assign.value, cst.Call) and len(assign.targets) == 1:
                    rule._bind(found, assign.targets[0].target, assign.value)

        node.body.visit(Collector())
        return found

    def _bind(self, found: dict[str, str], target: cst.BaseExpression, call: cst.Call) -> None:
        if not isinstance(target, cst.Name):
            return
        patch = self._patch_of(call)
        if patch is not None and self._status(patch.key) == "converted":
            found[target.value] = patch.key

    # ------------------------------------------------------------------ rewrites

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not isinstance(updated_node, cst.Call):  # an earlier rule replaced the call
            return updated_node
        assertion = self._assertion_key(original_node)
        if assertion is not None:
            return self._assertion(original_node, updated_node, assertion)
        patch = self._patch_of(original_node)
        if patch is None:
            return updated_node
        status = self._status(patch.key)
        if status == "module":
            return self._module_patch(original_node, updated_node)
        if status == "mixed":
            self.context.report(
                original_node,
                self.id,
                "error",
                f"{patch.key}() is converted to httpx in some places and stays sync in others: "
                "this patch now covers only the sync ones",
                f"patch {self._target_text(patch.key)} as well",
            )
            return updated_node
        if status != "converted":
            return updated_node
        return self._retarget(original_node, updated_node, patch)

    def _target_text(self, key: str) -> str:
        if key in SESSION_CALLS:
            return f"{self._helper_module()}.SharedSession.{SESSION_CALLS[key]}"
        return f"{client_module(transport(self.context))}.AsyncClient.{MODULE_CALLS[key]}"

    def _helper_module(self) -> str:
        plan = self.context.plan
        return helper_module(plan.index.modules, plan.index.functions)

    def _module_patch(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        target = arg_at(original.args, 0, "target")
        text = string_value(target[1].value) if target is not None else None
        owner = text.rsplit(".", 1)[0] if text else ""
        if owner in self.context.plan.index.modules and _requests_converted(self.context):
            self.context.report(
                original,
                self.id,
                "error",
                f"this patches {owner}'s `requests`, which the converted module no longer "
                "imports (its calls go through the shared httpx client)",
                "patch the converted calls instead: httpx.AsyncClient.get (...) for module "
                "functions, SharedSession.get (...) for a session",
            )
        return updated

    def _retarget(self, original: cst.Call, updated: cst.Call, patch: Patch) -> cst.Call:
        context = self.context
        args = list(updated.args)
        if patch.form in ("object", "mocker-object", "setattr-object"):
            found = arg_at(args, 0, "target")
            assert found is not None
            index, arg = found
            args[index] = arg.with_changes(value=self._owner_expression(patch.key))
        else:
            found = arg_at(args, 0, "target")
            assert found is not None
            index, arg = found
            quote = '"'
            if isinstance(arg.value, cst.SimpleString):
                quote = arg.value.quote
            args[index] = arg.with_changes(
                value=cst.SimpleString(f"{quote}{self._target_text(patch.key)}{quote}")
            )
        context.data["httpx_names"] = True  # lets F2Q201 drop an `import requests` left unused
        if patch.form == "setattr":
            return updated.with_changes(args=self._wrapped_value(original, args, patch, 1))
        if patch.form == "setattr-object":
            return updated.with_changes(args=self._wrapped_value(original, args, patch, 2))
        new_position = 2 if patch.form in ("object", "mocker-object") else 1
        if arg_at(args, new_position, "new") is not None:
            return updated.with_changes(
                args=self._wrapped_value(original, args, patch, new_position)
            )
        keywords = {a.keyword.value for a in args if a.keyword is not None}
        if "new_callable" in keywords:
            context.report(
                original,
                self.id,
                "error",
                f"{self._target_text(patch.key)} is a coroutine function: the mock made by "
                "new_callable= must be awaitable",
                "use new_callable=AsyncMock (awaiting it gives its return_value)",
            )
        elif keywords & {"autospec", "spec", "spec_set"}:
            context.report(
                original,
                self.id,
                "warning",
                "an autospecced mock of a method also receives the client as its first "
                "argument, so assertions on the call's arguments change",
                "drop autospec= or expect the client instance first",
            )
        if "return_value" not in keywords and "new_callable" not in keywords:
            magic = cst.Call(cst.parse_expression(self._mock_class("MagicMock", patch)))
            args = [*_comma_last(args), keyword("return_value", magic)]
        return updated.with_changes(args=args)

    def _owner_expression(self, key: str) -> cst.BaseExpression:
        if key in SESSION_CALLS:
            return cst.Name(self.context.name_for(self._helper_module(), "SharedSession"))
        return cst.Attribute(cst.Name(httpx_name(self.context)), cst.Name("AsyncClient"))

    def _mock_class(self, name: str, patch: Patch) -> str:
        """``mock.MagicMock`` through the file's own import of the mock module, if any."""
        module = patch.mock_module
        for bound, bindings in self.context.model.module_scope.bindings.items():
            for binding in bindings:
                if binding.kind != "import":
                    continue
                if binding.fqn == module:
                    return f"{bound}.{name}"
                if binding.fqn == f"{module}.{name}":
                    return bound
        return self.context.name_for(module, name)

    def _wrapped_value(
        self, original: cst.Call, args: list[cst.Arg], patch: Patch, position: int
    ) -> list[cst.Arg]:
        """The replacement becomes ``AsyncMock(side_effect=replacement)``."""
        name = "value" if patch.form == "setattr-object" else None
        found = arg_at(args, position, "new" if not patch.form.startswith("setattr") else name)
        if found is None:
            return args
        index, arg = found
        value = arg.value
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name | cst.Attribute):
            callee = cst.Module([]).code_for_node(value.func)
            if callee.rsplit(".", 1)[-1] == "AsyncMock":
                return args
        async_mock = cst.Call(
            cst.parse_expression(self._mock_class("AsyncMock", patch)),
            args=[keyword("side_effect", value)],
        )
        args[index] = arg.with_changes(value=async_mock)
        self.context.report(
            original,
            self.id,
            "warning",
            f"this replacement now stands in for {self._target_text(patch.key)}: it receives "
            "httpx's arguments (timeout=httpx.Timeout(...), follow_redirects=) and what it "
            "returns is read as an httpx.Response",
            "check that the fake takes **kwargs and answers what the converted code reads "
            "(is_error, reason_phrase, raise_for_status ...)",
        )
        return args

    # ------------------------------------------------------------------ assertions

    def _assertion_key(self, call: cst.Call) -> str | None:
        func = call.func
        if (
            not self.mocks
            or not isinstance(func, cst.Attribute)
            or not isinstance(func.value, cst.Name)
            or func.attr.value not in ASSERTIONS
        ):
            return None
        return self.mocks[-1].get(func.value.value)

    def _assertion(self, original: cst.Call, updated: cst.Call, key: str) -> cst.Call:
        verb = MODULE_CALLS.get(key) or SESSION_CALLS[key]
        problem, args = self._translate(list(updated.args), verb)
        if problem:
            self.context.report(
                original,
                self.id,
                "warning",
                f"this assertion is written for {key}(): {problem}",
                "assert on the arguments of the converted httpx call (see F2Q201)",
            )
            return updated
        return updated.with_changes(args=args)

    def _translate(self, args: list[cst.Arg], verb: str) -> tuple[str, list[cst.Arg]]:
        if any(arg.star for arg in args):
            return "its arguments come through */**", args
        named = _keyword_args(args, _POSITIONAL[verb])
        if named is None:
            return "it has more positional arguments than requests takes", args
        keywords = {a.keyword.value for a in named if a.keyword is not None}
        moved = keywords & {*_CLIENT_SETTINGS, "stream", "hooks"}
        if moved:
            return f"{', '.join(sorted(moved))} is no argument of the httpx call", args
        if verb in _NO_BODY_VERBS and keywords & _BODY_ARGS:
            return (
                f"a {verb.upper()} with a body became http_client().request(...), "
                f"which a patch of .{verb} does not see"
            ), args
        result: list[cst.Arg] = []
        for arg in named:
            name = arg.keyword.value if arg.keyword is not None else None
            if name == "allow_redirects":
                arg = arg.with_changes(keyword=cst.Name("follow_redirects"))
            elif name == "timeout":
                arg = arg.with_changes(value=self._timeout(arg.value))
            elif name == "data" and _is_text_or_bytes(arg.value):
                arg = arg.with_changes(keyword=cst.Name("content"))
            result.append(arg)
        if verb == "head" and "allow_redirects" not in keywords:
            result = [*_comma_last(result), keyword("follow_redirects", cst.Name("False"))]
        return "", result

    def _timeout(self, value: cst.BaseExpression) -> cst.BaseExpression:
        def helper(name: str) -> str:
            return self.context.name_for(self._helper_module(), name)

        return timeout_expression(value, httpx_name(self.context), helper)

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        value = original_node.value
        if (
            self.mocks
            and original_node.attr.value in CALL_RECORDS
            and isinstance(value, cst.Name)
            and value.value in self.mocks[-1]
        ):
            key = self.mocks[-1][value.value]
            where = f"{value.value}.{original_node.attr.value}"
            if where not in self.records_reported:
                self.records_reported.add(where)
                self.context.report(
                    original_node,
                    self.id,
                    "info",
                    f"{where} now records the httpx call that replaced {key}(): "
                    "timeout=N is httpx.Timeout(None, connect=N, read=N), allow_redirects is "
                    "follow_redirects, positional params/data are keywords",
                    "check what this test reads from it",
                )
        return updated_node


def _is_fixture_method(
    context: FileContext, ref: Ref, fixture: str, attributes: tuple[str, ...]
) -> bool:
    """``mocker.patch`` / ``mocker.patch.object`` / ``monkeypatch.setattr`` on the fixture."""
    current = ref
    for attribute in reversed(attributes):
        if current[0] != "a" or current[2] != attribute:
            return False
        current = current[1]
    return fixture_param(context, current, fixture)


def _requests_converted(context: FileContext) -> bool:
    plan = context.plan
    return any(key.startswith("requests.") for key in plan.converted_optional_keys)


def _comma_last(args: list[cst.Arg]) -> list[cst.Arg]:
    """Before appending an argument: the current last one needs a comma (and its space)."""
    if not args:
        return args
    last = args[-1]
    if last.comma == cst.MaybeSentinel.DEFAULT:
        last = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return [*args[:-1], last]
