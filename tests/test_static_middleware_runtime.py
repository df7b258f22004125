"""F2Q111's WhiteNoise -> servestatic rewrite, run on Quart 0.22 and 0.23.

A Flask app whose only static files come from WhiteNoise (Flask's static route is off), bound
by a chained assignment and given a second folder with ``add_files``, is converted by the real
pipeline; a child process under each interpreter of ``suite_pythons()`` requests the same
paths from the original and the converted app. Both serve both folders' files byte for byte,
and a path no folder holds still reaches the app's own views.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._both_frameworks import serve_both
from tests._sample_suites import SuitePython, suite_pythons

SOURCE = """\
import os

from flask import Flask
from whitenoise import WhiteNoise

HERE = os.path.dirname(os.path.abspath(__file__))

app = Flask(__name__, static_folder=None)
files = app.wsgi_app = WhiteNoise(
    app.wsgi_app, root=os.path.join(HERE, "public"), prefix="assets/"
)
files.add_files(os.path.join(HERE, "theme"), prefix="theme/")


@app.route("/assets/<path:name>")
def not_a_file(name):
    return f"view:{name}", 404


@app.route("/hello")
def hello():
    return "hello"
"""

REQUESTS = ["/assets/site.css", "/assets/js/app.js", "/theme/logo.txt", "/assets/nope.css"]


@pytest.mark.parametrize("target", suite_pythons())
def test_whitenoise_files_are_served_by_servestatic(tmp_path: Path, target: SuitePython) -> None:
    folder = tmp_path / "apps"
    (folder / "public" / "js").mkdir(parents=True)
    (folder / "theme").mkdir()
    (folder / "public" / "site.css").write_text("body { color: red; }\n")
    (folder / "public" / "js" / "app.js").write_text("console.log('hi');\n")
    (folder / "theme" / "logo.txt").write_text("a logo\n")
    requests = [(path, {}) for path in [*REQUESTS, "/hello"]]
    on_flask, on_quart, converted = serve_both(tmp_path, SOURCE, target, requests)
    assert "files = app.asgi_app = ServeStaticASGI(" in converted
    assert "app.asgi_app, root=" in converted
    assert on_quart == on_flask
    assert on_quart == [
        [200, "body { color: red; }\n"],
        [200, "console.log('hi');\n"],
        [200, "a logo\n"],
        [404, "view:nope.css"],
        [200, "hello"],
    ]
