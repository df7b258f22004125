"""F2Q405: Flask-Babel -> quart-babel.

Flask-Babel reads Flask's request context to pick the locale; quart-babel has the same API on
Quart's (``Babel(app, locale_selector=...)`` with a sync selector, ``gettext``/``_``,
``lazy_gettext``, ``format_*``, ``get_locale``, ``force_locale``, the Jinja ``_()``)::

    from flask_babel import Babel, gettext as _   ->   from quart_babel import Babel, gettext as _

Reported: names quart-babel lacks (``get_domain``, ``get_translations``), left on Flask-Babel.
The dependency lists get quart-babel instead of Flask-Babel.
"""

from __future__ import annotations

from typing import ClassVar

from ._extensions import BY_NAME, Extension
from ._module_swap import ModuleSwap


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
