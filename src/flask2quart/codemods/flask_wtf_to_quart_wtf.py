"""F2Q403: Flask-WTF -> quart-wtforms (import name ``quart_wtf``).

On Quart a form cannot read the request in its constructor (the body is a coroutine), so
quart-wtforms builds submitted forms with an async class method, and validation is async::

    from flask_wtf import FlaskForm          ->  from quart_wtf import QuartForm
    class LoginForm(FlaskForm): ...          ->  class LoginForm(QuartForm): ...
    form = LoginForm()                       ->  form = await LoginForm.create_form()
    if form.validate_on_submit():            ->  if await form.validate_on_submit():
    form.validate()                          ->  await form.validate()
    form.is_submitted()                      ->  form.is_submitted        (a property there)

``flask_wtf.csrf`` and ``flask_wtf.file`` map to ``quart_wtf.csrf`` / ``quart_wtf.file``; a
``validate`` override becomes async and awaits ``super().validate()``. A form built with
explicit ``formdata`` keeps its constructor (it reads no request). Reported: names quart-wtforms
does not have (Recaptcha), forms built where ``await`` cannot go. The dependency lists get
``quart-wtforms`` instead of Flask-WTF.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import libcst as cst

from flask2quart._dependencies import requirement_name
from flask2quart._project import ProjectContext
from flask2quart._rules import Rule, SeedKind
from flask2quart._transform import FileContext
from flask2quart.analysis.model import dotted_name

from ._awaits import await_or_report, seed_call
from ._extensions import BY_NAME
from .extension_inventory import mark_handled

EXTENSION = BY_NAME["Flask-WTF"]
FORM = "flask_wtf.FlaskForm"
CALLS: dict[str, SeedKind] = {
    FORM: "mandatory",
    f"{FORM}.validate_on_submit": "mandatory",
    f"{FORM}.validate": "mandatory",
}
VALIDATION_CALLS = {key: kind for key, kind in CALLS.items() if key != FORM}
MODULES = {
    "flask_wtf": "quart_wtf",
    "flask_wtf.form": "quart_wtf.form",
    "flask_wtf.csrf": "quart_wtf.csrf",
    "flask_wtf.file": "quart_wtf.file",
}
RENAMED = {"FlaskForm": "QuartForm", "Form": "QuartForm"}
_FILES = "FileField FileRequired file_required FileAllowed file_allowed FileSize file_size"
AVAILABLE = {
    "flask_wtf": frozenset(f"CSRFProtect CSRFError FlaskForm Form {_FILES}".split()),
    "flask_wtf.form": frozenset({"FlaskForm"}),
    "flask_wtf.csrf": frozenset("CSRFProtect CSRFError generate_csrf validate_csrf".split()),
    "flask_wtf.file": frozenset(_FILES.split()),
}
DATA_KEY = "flask_wtf_converted"


def _unsupported(node: cst.ImportFrom) -> list[str]:
    """Names of a ``from flask_wtf... import`` that quart-wtforms lacks (``*``: the star)."""
    module = dotted_name(node.module)
    if node.relative or module.split(".")[0] != "flask_wtf":
        return []
    if isinstance(node.names, cst.ImportStar):
        return ["*"]
    available = AVAILABLE.get(module, frozenset())
    return [dotted_name(a.name) for a in node.names if dotted_name(a.name) not in available]


class FlaskWtfToQuartWtf(Rule):
    id = "F2Q403"
    name = "flask-wtf-to-quart-wtf"
    summary = "Flask-WTF -> quart-wtforms: await Form.create_form(), await form.validate..."
    requires = ("F2Q103",)

    awaitable_calls: ClassVar[Mapping[str, SeedKind]] = CALLS
    names: ClassVar[frozenset[str]] = frozenset(RENAMED)
    # registers the view and returns it unchanged, on both frameworks
    transparent_decorators: ClassVar[frozenset[str]] = frozenset(
        {"flask_wtf.csrf.CSRFProtect.exempt"}
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._convertible = True

    # ------------------------------------------------------------------ imports

    def visit_Module(self, node: cst.Module) -> None:
        """A file with a Flask-WTF import quart-wtforms cannot satisfy keeps all its imports
        (renaming some would leave names undefined); the report says which."""
        for statement in node.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if isinstance(small, cst.ImportFrom) and _unsupported(small):
                    self._convertible = False

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        for alias in original_node.names:
            if dotted_name(alias.name).split(".")[0] == "flask_wtf":
                mark_handled(self.context, EXTENSION.name)
                self.context.report(
                    original_node,
                    self.id,
                    "warning",
                    "`import flask_wtf` was left as it is: Flask-WTF forms do not work on Quart",
                    "import the names from quart_wtf (FlaskForm is quart_wtf.QuartForm)",
                )
        return updated_node

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        if updated_node.relative or updated_node.module is None:
            return updated_node
        module = dotted_name(updated_node.module)
        if module.split(".")[0] != "flask_wtf":
            return updated_node
        mark_handled(self.context, EXTENSION.name)
        target = MODULES.get(module)
        missing = _unsupported(updated_node)
        if target is None or missing or not self._convertible:
            what = ", ".join(missing) if missing else f"`from {module} import ...`"
            if missing:
                self.context.report(
                    original_node,
                    self.id,
                    "error",
                    f"quart-wtforms has no counterpart of {what}; Flask-WTF imports in this "
                    "file were left as they are",
                    "replace it by hand (Recaptcha: render the widget yourself and verify the "
                    "token in an async validator), then run migrate again",
                )
            return updated_node
        assert not isinstance(updated_node.names, cst.ImportStar)
        names = updated_node.names
        self.context.data[DATA_KEY] = True
        renamed = [
            alias.with_changes(name=cst.Name(RENAMED[dotted_name(alias.name)]))
            if dotted_name(alias.name) in RENAMED
            else alias
            for alias in names
        ]
        return updated_node.with_changes(module=cst.parse_expression(target), names=renamed)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        if original_node.value not in RENAMED or not self._convertible:
            return updated_node
        site = self.context.model.names.get(original_node)
        if site is None:
            return updated_node
        bindings = self.context.model.lookup(original_node.value, site.scope)
        if bindings and all(
            b.kind == "import" and b.fqn in (f"{m}.{original_node.value}" for m in MODULES)
            for b in bindings
        ):
            return updated_node.with_changes(value=RENAMED[original_node.value])
        return updated_node

    # ------------------------------------------------------------------ forms

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        context = self.context
        site = context.model.calls.get(original_node)
        if site is None or site.awaited or not isinstance(updated_node, cst.Call):
            return updated_node
        callee = context.callee(original_node)
        if callee[0] == "cls" and FORM in context.evaluator.mro(str(callee[1])):
            return self._create_form(original_node, updated_node)
        name = context.callee_name(original_node)
        if name == f"{FORM}.is_submitted" and not updated_node.args:
            return updated_node.func  # a property in quart-wtforms
        return seed_call(self, VALIDATION_CALLS, original_node, updated_node)

    def _create_form(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        explicit = any(
            (arg.keyword is None and arg.star == "")
            or (arg.keyword and arg.keyword.value == "formdata")
            for arg in updated.args
        )
        if explicit:
            return updated  # reads no request: the constructor still works
        site = self.context.model.calls[original]
        created = updated.with_changes(
            func=cst.Attribute(updated.func, cst.Name("create_form")),
        )
        result = await_or_report(
            self, original, created, site, "a form built from the request", "mandatory"
        )
        return result if isinstance(result, cst.Await) else updated

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        if any(flag for _, flag in project.data(DATA_KEY)):
            project.dependencies.replace[requirement_name("Flask-WTF")] = EXTENSION.requirement
