"""WTForms 2 spellings that WTForms 3 removed, for F2Q403.

quart-wtforms requires WTForms 3 (``Requires-Dist: WTForms (>=3.0)``), so a project moved to it
gets WTForms 3 even when it pinned ``WTForms<3``; the dependency editor widens that pin. Imports
that only WTForms 2 has then fail at import time. Verified against WTForms 2.3.3 and 3.3.2:

* the HTML5 fields of ``wtforms.fields.html5`` and widgets of ``wtforms.widgets.html5`` are
  defined by ``wtforms.fields`` / ``wtforms.widgets`` in WTForms 3 (the ``html5`` modules are
  gone); the names below are the 2.3.3 modules' ``__all__``, all present in 3.x;
* ``TextField`` (an alias of ``StringField``) and ``validators.Required`` (an alias of
  ``DataRequired``), deprecated in 2.x, are gone: imported as ``StringField as TextField``;
* ``wtforms.compat`` (Python 2 helpers) and ``wtforms.ext.*`` (deprecated in 2.3.1: "will be
  removed in version 3.0") have no module in WTForms 3: reported, with where each went.

Both spellings after the rewrite also import on WTForms 3 only, which is what the converted
project installs.
"""

from __future__ import annotations

HTML5_FIELDS = frozenset(
    (
        "DateField DateTimeField DateTimeLocalField DecimalField DecimalRangeField EmailField "
        "IntegerField IntegerRangeField SearchField TelField TimeField URLField"
    ).split()
)
HTML5_WIDGETS = frozenset(
    (
        "ColorInput DateInput DateTimeInput DateTimeLocalInput EmailInput MonthInput NumberInput "
        "RangeInput SearchInput TelInput TimeInput URLInput WeekInput"
    ).split()
)
# WTForms 2 module -> (WTForms 3 module, the names it may import from there)
MOVED: dict[str, tuple[str, frozenset[str]]] = {
    "wtforms.fields.html5": ("wtforms.fields", HTML5_FIELDS),
    "wtforms.widgets.html5": ("wtforms.widgets", HTML5_WIDGETS),
}
# legacy aliases: (module, name) -> the WTForms 3 name they aliased
ALIASES: dict[tuple[str, str], str] = {
    ("wtforms", "TextField"): "StringField",
    ("wtforms.fields", "TextField"): "StringField",
    ("wtforms.fields.simple", "TextField"): "StringField",
    ("wtforms.validators", "Required"): "DataRequired",
}
ALIASED_NAMES = frozenset(name for _, name in ALIASES)
# the same aliases reached as attributes (``wtforms.validators.Required``)
ALIAS_ATTRIBUTES = {f"{module}.{name}": target for (module, name), target in ALIASES.items()}

_EXT = {
    "sqlalchemy": "the WTForms-SQLAlchemy package (wtforms_sqlalchemy.fields, .orm)",
    "appengine": "the WTForms-Appengine package",
    "django": "the WTForms-Django package",
    "dateutil": "wtforms.fields.DateTimeField/DateField with a format",
    "csrf": "wtforms.csrf (class Meta: csrf = True, csrf_class = SessionCSRF)",
    "i18n": "Form.Meta (locales = [...], or get_translations)",
}
COMPAT_FIX = (
    "replace its Python 2 helpers: text_type is str, string_types is (str,), iteritems(d) is "
    "d.items(), itervalues(d) is d.values(), izip is zip, with_metaclass(M, B) is a base B "
    "with metaclass=M"
)


def removed_module(module: str) -> str | None:
    """How to replace a WTForms 2 module that WTForms 3 does not have (None: not one)."""
    if module == "wtforms.compat" or module.startswith("wtforms.compat."):
        return COMPAT_FIX
    if module == "wtforms.ext" or module.startswith("wtforms.ext."):
        part = module.split(".")[2] if module.count(".") >= 2 else ""
        return "use " + _EXT.get(
            part, "the package that took it over (see the WTForms 3.0 changes)"
        )
    return None
