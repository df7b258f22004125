"""F2Q405's conversions of the names quart-babel keeps in ``quart_babel.domain`` and of
``import flask_babel``, run on Quart 0.22 and 0.23 against the original on Flask-Babel.

The app carries a real French catalog (compiled here), so ``get_translations()`` and
``get_domain()`` return something that can differ: the same messages must come back from
both frameworks, for a French request, a default one, and outside any request.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from tests._both_frameworks import serve_both
from tests._sample_suites import SuitePython, suite_pythons

APP = """\
from pathlib import Path

import flask_babel
from flask import Flask, request
from flask_babel import Babel, get_translations
from flask_babel import get_domain


def pick_locale():
    return request.accept_languages.best_match(["en", "fr"])


app = Flask(__name__)
app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
Babel(app, locale_selector=pick_locale)
OUTSIDE = type(get_translations()).__name__


@app.route("/")
def hello():
    catalog = get_translations()._catalog
    return {
        "locale": str(flask_babel.get_locale()),
        "catalog": sorted(key for key in catalog if key),
        "domain": get_domain().gettext("Hello"),
        "decimal": flask_babel.format_decimal(1234.5),
        "outside": OUTSIDE,
    }
"""


def catalog(folder: Path) -> None:
    messages = Catalog(locale="fr")
    messages.add("Hello", "Bonjour")
    messages.add("Goodbye", "Au revoir")
    target = folder / "translations" / "fr" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, messages)


@pytest.mark.parametrize("target", suite_pythons())
def test_domain_names_and_the_module_import_answer_as_on_flask(
    tmp_path: Path, target: SuitePython
) -> None:
    catalog(tmp_path / "apps")
    requests = [("/", {"Accept-Language": "fr-FR,fr;q=0.9"}), ("/", {})]
    on_flask, on_quart, converted = serve_both(tmp_path, APP, target, requests)
    assert "import quart_babel as flask_babel" in converted
    assert "from quart_babel.domain import get_domain, get_translations" in converted
    assert "flask_babel import" not in converted
    answers = [[status, json.loads(body)] for status, body in on_quart]
    assert answers == [[status, json.loads(body)] for status, body in on_flask]
    [[_, french], [_, default]] = answers
    assert french["locale"] == "fr"
    assert french["catalog"] == ["Goodbye", "Hello"]
    assert french["domain"] == "Bonjour"
    assert default["catalog"] == []
    assert default["domain"] == "Hello"
    assert french["outside"] == "NullTranslations"
