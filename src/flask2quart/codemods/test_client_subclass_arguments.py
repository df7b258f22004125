"""F2Q315: a test client subclass reads the form where its callers now send it.

Apps subclass Flask's test client to add something to every request, most often a CSRF token::

    class CSRFClient(FlaskClient):
        def post(self, *args, **kwargs):
            data = kwargs.get("data")
            if data is None:
                kwargs["data"] = {"csrf_token": token()}
            elif isinstance(data, dict):
                data["csrf_token"] = token()
            return super().post(*args, **kwargs)

F2Q303 rewrites the callers' ``data={...}`` to Quart's ``form={...}``, so on Quart such an
override finds no ``data``, adds ``data=`` beside the caller's ``form=``, and Quart refuses the
request ("'json', 'form', and 'data' are mutually exclusive"; otterwiki: 212 tests). In the
request methods (``open``, ``get``, ``post``, ...) of a class derived from Flask's test client,
the ``"data"`` key of their ``**kwargs`` becomes ``"form"``: ``kwargs["data"]``,
``kwargs.get("data")``, ``.pop``, ``.setdefault`` and ``"data" in kwargs``. A request method
that names ``data`` as a parameter of its own is reported: its callers no longer pass it.
"""

from __future__ import annotations

import libcst as cst

from flask2quart._rules import Rule
from flask2quart._transform import FileContext

from .await_test_client import CLIENT, REQUEST_METHODS

KWARGS_METHODS = frozenset({"get", "pop", "setdefault"})


class TestClientSubclassArguments(Rule):
    id = "F2Q315"
    name = "test-client-subclass-arguments"
    summary = 'a FlaskClient subclass\'s request methods: kwargs["data"] -> kwargs["form"]'
    requires = ("F2Q303",)

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._classes: list[bool] = []  # per enclosing class: derived from Flask's client
        self._kwargs: list[str | None] = []  # per enclosing function: the **kwargs to rewrite

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.append(self._is_client_class(node))

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        self._classes.pop()
        return updated_node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        in_client = bool(self._classes) and self._classes[-1] and not self._kwargs
        self._kwargs.append(self._request_kwargs(node) if in_client else None)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        self._kwargs.pop()
        return updated_node

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        if not isinstance(updated_node, cst.Subscript) or not self._is_kwargs(updated_node.value):
            return updated_node
        if len(updated_node.slice) != 1:
            return updated_node
        element = updated_node.slice[0]
        index = element.slice
        if not isinstance(index, cst.Index) or not _is_data(index.value):
            return updated_node
        renamed = index.with_changes(value=_as_form(index.value))
        return updated_node.with_changes(slice=[element.with_changes(slice=renamed)])

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if not isinstance(updated_node, cst.Call) or not updated_node.args:
            return updated_node
        func = updated_node.func
        if not (
            isinstance(func, cst.Attribute)
            and func.attr.value in KWARGS_METHODS
            and self._is_kwargs(func.value)
        ):
            return updated_node
        first = updated_node.args[0]
        if first.keyword is not None or not _is_data(first.value):
            return updated_node
        args = [first.with_changes(value=_as_form(first.value)), *updated_node.args[1:]]
        return updated_node.with_changes(args=args)

    def leave_Comparison(
        self, original_node: cst.Comparison, updated_node: cst.Comparison
    ) -> cst.BaseExpression:
        if not isinstance(updated_node, cst.Comparison) or len(updated_node.comparisons) != 1:
            return updated_node
        target = updated_node.comparisons[0]
        if not isinstance(target.operator, cst.In | cst.NotIn):
            return updated_node
        if not (_is_data(updated_node.left) and self._is_kwargs(target.comparator)):
            return updated_node
        return updated_node.with_changes(left=_as_form(updated_node.left))

    def _is_client_class(self, node: cst.ClassDef) -> bool:
        model = self.context.model
        info = next((c for c in model.classes if c.node is node), None)
        if info is None:
            return False
        for base in node.bases:
            ref = model.ref_of(base.value, info.outer_scope)
            if self.context.evaluator.name_of(ref) == CLIENT:
                return True
        return False

    def _request_kwargs(self, node: cst.FunctionDef) -> str | None:
        if node.name.value not in REQUEST_METHODS:
            return None
        params = node.params
        named = [*params.posonly_params, *params.params, *params.kwonly_params]
        if any(param.name.value == "data" for param in named):
            self.context.report(
                node,
                self.id,
                "warning",
                f"{node.name.value}() takes `data`, which its callers no longer pass: "
                "F2Q303 sends a form as `form=` on Quart",
                "read the form from `form` (Quart's `data=` is the raw body)",
            )
            return None
        star = params.star_kwarg
        return star.name.value if isinstance(star, cst.Param) else None

    def _is_kwargs(self, node: cst.BaseExpression) -> bool:
        name = self._kwargs[-1] if self._kwargs else None
        return name is not None and isinstance(node, cst.Name) and node.value == name


def _is_data(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.SimpleString) and node.evaluated_value == "data"


def _as_form(node: cst.BaseExpression) -> cst.BaseExpression:
    assert isinstance(node, cst.SimpleString)
    quote = node.quote
    return node.with_changes(value=f"{node.prefix}{quote}form{quote}")
