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
from ._exports import imported_anywhere, keeps_name, renamed_alias
from ._extensions import BY_NAME
from ._module_swap import ModuleUses, attribute_path
from ._wtforms3 import ALIAS_ATTRIBUTES as WTFORMS2_ALIAS_ATTRIBUTES
from ._wtforms3 import ALIASED_NAMES as WTFORMS2_ALIASED_NAMES
from ._wtforms3 import ALIASES as WTFORMS2_ALIASES
from ._wtforms3 import MOVED as WTFORMS2_MOVED
from ._wtforms3 import removed_module as wtforms2_removed_module
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
# names ``import flask_wtf`` reaches as attributes: the package's and its imported submodules'
SUBMODULES = ("csrf", "file", "form")
# what WTForms exports at its top level (3.x): what Flask-WTF before 0.9 re-exported too
WTFORMS_NAMES = frozenset(
    (
        "Form ValidationError validators widgets fields Field Label Flags "
        "BooleanField DecimalField DateField DateTimeField FieldList FloatField FormField "
        "IntegerField RadioField SelectField SelectMultipleField StringField TextAreaField "
        "PasswordField HiddenField FileField SubmitField"
    ).split()
)
DATA_KEY = "flask_wtf_converted"
KEPT_KEY = "flask_wtf_kept"  # a Flask-WTF import was left: the dependency must stay
WILL_STAY = (
    "Flask-WTF stays in the dependency lists beside quart-wtforms so that this module still "
    "imports, but its forms do not work on Quart"
)


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
    renamed_imports: ClassVar[frozenset[str]] = frozenset({FORM})
    attribute_names: ClassVar[frozenset[str]] = WTFORMS2_ALIASED_NAMES
    # a module importing only wtforms may still need its WTForms 2 imports moved
    triggers: ClassVar[frozenset[str]] = frozenset({"wtforms"})
    # registers the view and returns it unchanged, on both frameworks
    transparent_decorators: ClassVar[frozenset[str]] = frozenset(
        {"flask_wtf.csrf.CSRFProtect.exempt"}
    )

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._convertible = True
        self._modules: set[str] = set()  # names ``import flask_wtf [as name]`` binds, converted
        self._wtforms3 = imported_anywhere(context, "flask_wtf")

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
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        if dotted_name(alias.name).split(".")[0] == "flask_wtf":
                            problem = self._module_problem(alias)
                            if problem is None:
                                self._modules.add(alias.evaluated_alias or "flask_wtf")
                            else:
                                self._convertible = False
        if not self._convertible:
            self._modules.clear()

    def _module_problem(self, alias: cst.ImportAlias) -> str | None:
        """Why ``import flask_wtf [as x]`` cannot become ``import quart_wtf as x`` (None: it
        can): every ``x.Name`` and ``x.submodule.Name`` must be one quart-wtforms has."""
        module = dotted_name(alias.name)
        if module != "flask_wtf":
            return f"quart-wtforms has no counterpart of `import {module}` spelled this way"
        bound = alias.evaluated_alias or "flask_wtf"
        bindings = self.context.model.module_scope.bindings.get(bound, [])
        if any(b.kind != "import" or b.fqn != "flask_wtf" for b in bindings):
            return f"`{bound}` is bound to something else too"
        uses = ModuleUses(bound)
        self.context.model.module.visit(uses)
        if uses.assigned:
            return "it assigns " + ", ".join(f"{bound}.{n}" for n in sorted(uses.assigned))
        if uses.bare:
            return f"`{bound}` is used other than as `{bound}.Name`"
        missing = sorted(
            ".".join((bound, *path)) for path in uses.paths if self._module_member(path) is None
        )
        if missing:
            return "quart-wtforms has no counterpart of " + ", ".join(missing)
        return None

    @staticmethod
    def _module_member(path: tuple[str, ...]) -> tuple[str, ...] | None:
        """The path under ``quart_wtf`` of ``flask_wtf.<path>`` (a prefix of it renamed), or
        None when quart-wtforms has no such name. ``("wtforms", ...)``: a name of WTForms that
        Flask-WTF before 0.9 re-exported (0.9.0 dropped them: "import them from wtforms")."""
        head = path[0]
        if head in AVAILABLE["flask_wtf"]:
            return (RENAMED.get(head, head), *path[1:])
        if head in SUBMODULES and len(path) >= 2 and path[1] in AVAILABLE[f"flask_wtf.{head}"]:
            return (head, RENAMED.get(path[1], path[1]), *path[2:])
        if head in WTFORMS_NAMES:
            return ("wtforms", *path)
        return None

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        names = list(updated_node.names)
        changed = False
        for index, alias in enumerate(original_node.names):
            if dotted_name(alias.name).split(".")[0] != "flask_wtf":
                continue
            mark_handled(self.context, EXTENSION.name)
            bound = alias.evaluated_alias or "flask_wtf"
            problem = self._module_problem(alias)
            if problem is not None or not self._convertible or bound not in self._modules:
                self.context.data[KEPT_KEY] = True
                self.context.report(
                    original_node,
                    self.id,
                    "error",
                    f"`import {dotted_name(alias.name)}` was left on Flask-WTF: "
                    f"{problem or 'other Flask-WTF imports in this file were left'}; " + WILL_STAY,
                    "import the names from quart_wtf (FlaskForm is quart_wtf.QuartForm), then "
                    "run migrate again",
                )
                continue
            names[index] = names[index].with_changes(
                name=cst.Name("quart_wtf"), asname=cst.AsName(name=cst.Name(bound))
            )
            changed = True
        if not changed:
            return updated_node
        self.context.data[DATA_KEY] = True
        return updated_node.with_changes(names=names)

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if not self._modules and not self._wtforms3:
            return updated_node
        found = attribute_path(original_node)
        if found is None:
            return self._wtforms_alias(original_node, updated_node)
        bound, path = found
        if bound not in self._modules:
            return self._wtforms_alias(original_node, updated_node)
        member = self._module_member(path)
        if member is None or member == path:
            return updated_node
        if member[0] == "wtforms":
            head: cst.BaseExpression = cst.Name(self.context.module_for("wtforms"))
            member = member[1:]
        else:
            head = cst.Name(bound)
        for part in member[:-1]:
            head = cst.Attribute(head, cst.Name(part))
        return updated_node.with_changes(value=head, attr=cst.Name(member[-1]))

    def _wtforms_alias(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        """``wtforms.validators.Required`` -> ``wtforms.validators.DataRequired`` (WTForms 3)."""
        if not self._wtforms3 or original_node.attr.value not in WTFORMS2_ALIASED_NAMES:
            return updated_node
        site = self.context.model.attributes.get(original_node)
        if site is None:
            return updated_node
        name = self.context.evaluator.name_of(self.context.model.ref_of(original_node, site.scope))
        target = WTFORMS2_ALIAS_ATTRIBUTES.get(name or "")
        if target is None or not isinstance(updated_node, cst.Attribute):
            return updated_node
        return updated_node.with_changes(attr=cst.Name(target))

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        if updated_node.relative or updated_node.module is None:
            return updated_node
        module = dotted_name(updated_node.module)
        if module.split(".")[0] == "wtforms":
            return self._wtforms_import(original_node, updated_node, module)
        if module.split(".")[0] != "flask_wtf":
            return updated_node
        mark_handled(self.context, EXTENSION.name)
        target = MODULES.get(module)
        missing = _unsupported(updated_node)
        if target is None or missing or not self._convertible:
            self.context.data[KEPT_KEY] = True
            what = ", ".join(missing) if missing else f"`from {module} import ...`"
            if missing or target is None:
                self.context.report(
                    original_node,
                    self.id,
                    "error",
                    f"quart-wtforms has no counterpart of {what}; Flask-WTF imports in this "
                    "file were left as they are; " + WILL_STAY,
                    "replace it by hand (Recaptcha: render the widget yourself and verify the "
                    "token in an async validator), then run migrate again",
                )
            return updated_node
        assert not isinstance(updated_node.names, cst.ImportStar)
        names = updated_node.names
        self.context.data[DATA_KEY] = True
        renamed = [
            renamed_alias(self.context, alias, RENAMED[dotted_name(alias.name)])
            if dotted_name(alias.name) in RENAMED
            else alias
            for alias in names
        ]
        return updated_node.with_changes(module=cst.parse_expression(target), names=renamed)

    def _wtforms_import(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom, module: str
    ) -> cst.ImportFrom:
        """A WTForms 2 import made one WTForms 3 has, in a project moved to quart-wtforms."""
        if not self._wtforms3:
            return updated_node
        replacement = wtforms2_removed_module(module)
        if replacement is not None:
            self.context.report(
                original_node,
                self.id,
                "error",
                f"WTForms 3 (which quart-wtforms requires) has no module {module}; this import "
                "fails when the converted project is installed",
                replacement,
            )
            return updated_node
        if isinstance(updated_node.names, cst.ImportStar):
            if module in WTFORMS2_MOVED:
                self.context.report(
                    original_node,
                    self.id,
                    "error",
                    f"WTForms 3 (which quart-wtforms requires) has no module {module}",
                    f"import the names you use from {WTFORMS2_MOVED[module][0]}",
                )
            return updated_node
        names = list(updated_node.names)
        aliased = [
            alias.with_changes(
                name=cst.Name(WTFORMS2_ALIASES[(module, dotted_name(alias.name))]),
                asname=alias.asname or cst.AsName(name=cst.Name(dotted_name(alias.name))),
            )
            if (module, dotted_name(alias.name)) in WTFORMS2_ALIASES
            else alias
            for alias in names
        ]
        if module not in WTFORMS2_MOVED:
            return updated_node.with_changes(names=aliased)
        target, available = WTFORMS2_MOVED[module]
        missing = [dotted_name(a.name) for a in names if dotted_name(a.name) not in available]
        if missing:
            self.context.report(
                original_node,
                self.id,
                "error",
                f"WTForms 3 (which quart-wtforms requires) has no module {module}, and "
                f"{', '.join(missing)} is not one of the names it moved to {target}",
                f"import it from where WTForms 3 defines it ({target} or wtforms)",
            )
            return updated_node
        return updated_node.with_changes(module=cst.parse_expression(target), names=aliased)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        if (
            original_node.value not in RENAMED
            or not self._convertible
            or keeps_name(self.context, original_node.value)
        ):
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
        if not any(flag for _, flag in project.data(DATA_KEY)):
            return
        if any(flag for _, flag in project.data(KEPT_KEY)):
            project.dependencies.add.append(EXTENSION.requirement)
        else:
            project.dependencies.replace[requirement_name("Flask-WTF")] = EXTENSION.requirement
