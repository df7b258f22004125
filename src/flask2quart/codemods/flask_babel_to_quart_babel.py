"""F2Q405: Flask-Babel -> quart-babel.

Flask-Babel reads Flask's request context to pick the locale; quart-babel has the same API on
Quart's (``Babel(app, locale_selector=...)`` with a sync selector, ``gettext``/``_``,
``lazy_gettext``, ``format_*``, ``get_locale``, ``force_locale``, the Jinja ``_()``)::

    from flask_babel import Babel, gettext as _  ->  from quart_babel import Babel, gettext as _
    from flask_babel import get_translations     ->  from quart_babel.domain import get_translations
    import flask_babel                           ->  import quart_babel as flask_babel

``get_domain`` and ``get_translations`` are not exported by the package, but
``quart_babel.domain`` defines both with Flask-Babel's semantics (the request's domain, or a
default ``Domain`` outside a request; that domain's translations for the current locale, or
``NullTranslations`` outside a request). ``import flask_babel`` becomes the aliased import when
every ``flask_babel.X`` in the module is one quart-babel exports and none is assigned (a
monkeypatch of Flask-Babel's globals has no counterpart: quart-babel's Jinja callables and
shortcuts read their own module's names). Anything else stays on Flask-Babel and is an error;
Flask-Babel then stays in the dependency lists beside quart-babel, so that module still imports.
Otherwise the dependency lists get quart-babel instead of Flask-Babel.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from flask2quart._transform import ImportRequest

from ._extensions import BY_NAME, Extension
from ._module_swap import ModuleSwap, ModuleUses, dotted
from .extension_inventory import mark_handled

# Names quart-babel defines outside its package namespace, with Flask-Babel's semantics.
DOMAIN_MODULE = "quart_babel.domain"
DOMAIN_NAMES = frozenset({"get_domain", "get_translations"})
KEPT_BESIDE = (
    "Flask-Babel stays in the dependency lists beside quart-babel so that this module still "
    "imports, but what it does to Flask-Babel no longer reaches the app's translations"
)


class FlaskBabelToQuartBabel(ModuleSwap):
    id = "F2Q405"
    name = "flask-babel-to-quart-babel"
    summary = "Flask-Babel -> quart-babel (same names, Quart's request context)"

    extension: ClassVar[Extension] = BY_NAME["Flask-Babel"]
    flask_requirement: ClassVar[str] = "Flask-Babel"
    modules: ClassVar[dict[str, str]] = {"flask_babel": "quart_babel"}
    available: ClassVar[frozenset[str]] = frozenset(
        (
            "Babel BabelConfiguration Domain force_locale format_datetime format_date format_time "
            "format_timedelta format_number format_decimal format_currency format_percent "
            "format_scientific get_babel get_locale get_timezone gettext _ ngettext pgettext "
            "npgettext lazy_gettext lazy_ngettext lazy_pgettext lazy_npgettext LazyString refresh "
            "to_user_timezone to_utc"
        ).split()
    )

    def leave_Import(self, original_node: cst.Import, updated_node: cst.Import) -> cst.Import:
        names = list(updated_node.names)
        changed = False
        for index, alias in enumerate(original_node.names):
            if dotted(alias.name) != "flask_babel":
                if dotted(alias.name).split(".")[0] == "flask_babel":
                    what = f"no counterpart of `import {dotted(alias.name)}`"
                    self._report_left(original_node, what)
                continue
            mark_handled(self.context, self.extension.name)
            bound = alias.evaluated_alias or "flask_babel"
            uses = ModuleUses(bound)
            self.context.model.module.visit(uses)
            missing = sorted(uses.attributes - self.available)
            if uses.assigned:
                patched = ", ".join(f"{bound}.{name}" for name in sorted(uses.assigned))
                self._report_left(
                    original_node,
                    f"no counterpart of assigning {patched} (quart-babel's Jinja callables "
                    "and shortcuts read their own module's names)",
                )
                continue
            if missing or uses.bare:
                what = ", ".join(f"{bound}.{name}" for name in missing) or f"bare `{bound}`"
                self._report_left(original_node, f"no counterpart of {what}")
                continue
            names[index] = names[index].with_changes(
                name=cst.Name("quart_babel"),
                asname=cst.AsName(name=cst.Name(bound)),
            )
            changed = True
        if not changed:
            return updated_node
        self.context.data[self.id] = True
        return updated_node.with_changes(names=names)

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        module = dotted(updated_node.module)
        if updated_node.relative or module.split(".")[0] != "flask_babel":
            return updated_node
        mark_handled(self.context, self.extension.name)
        if module != "flask_babel" or isinstance(updated_node.names, cst.ImportStar):
            self._report_left(original_node, f"no counterpart of `from {module} import ...`")
            return updated_node
        aliases = list(updated_node.names)
        missing = [dotted(a.name) for a in aliases]
        missing = [name for name in missing if name not in self.available | DOMAIN_NAMES]
        if missing:
            self._report_left(original_node, f"no counterpart of {', '.join(missing)}")
            return updated_node
        domain = [a for a in aliases if dotted(a.name) in DOMAIN_NAMES]
        if not domain:
            return super().leave_ImportFrom(original_node, updated_node)
        if len(domain) == len(aliases):
            self.context.data[self.id] = True
            return updated_node.with_changes(module=cst.parse_expression(DOMAIN_MODULE))
        # A mix: the package's names stay here, the domain's get an import of their own.
        if any(a.asname is not None for a in domain) or not self._top_level(original_node):
            names = ", ".join(dotted(a.name) for a in domain)
            self._report_left(
                original_node,
                f"{names} must come from {DOMAIN_MODULE}, and this import mixes them with "
                "other names under an alias or below the module's top level",
            )
            return updated_node
        for alias in domain:
            self.context.imports.append(ImportRequest(DOMAIN_MODULE, dotted(alias.name)))
        kept = [a for a in aliases if a not in domain]
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        self.context.data[self.id] = True
        return updated_node.with_changes(
            module=cst.parse_expression(self.modules["flask_babel"]), names=kept
        )

    def _top_level(self, node: cst.ImportFrom) -> bool:
        return any(
            isinstance(statement, cst.SimpleStatementLine)
            and any(small is node for small in statement.body)
            for statement in self.context.model.module.body
        )

    def _report_left(self, node: cst.CSTNode, why: str) -> None:
        # The app moves to quart-babel all the same; the module left on Flask-Babel must still
        # import (a ModuleNotFoundError would fail every test that imports it, searxng: 339).
        self.context.data[self.id] = True
        self.keep_extension()
        self.context.report(
            node,
            self.id,
            "error",
            f"quart-babel: {why}; it was left on Flask-Babel: " + KEPT_BESIDE,
            f"replace it by hand ({self.extension.docs})",
        )
