"""Generate a realistic Flask code base for the migrate speed benchmark.

``python benchmarks/generate_codebase.py OUT [--files 1000] [--seed 1]`` writes about 100 lines
per file: blueprint view modules (routes, forms, templates, flash, JSON), service modules that
call HTTP APIs with ``requests`` two calls away from the views, model and utility modules that
mention neither Flask nor requests (most of a real tree), and pytest modules that drive the test
client. The mix is deterministic for a given seed. Every file written must compile, or the run
fails. ``--smoke`` writes a tree of ``--files 10`` into a temporary folder and removes it.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

VIEW = '''"""Views for the {name} area."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for

from {package}.services.{service} import fetch_{service}, summarize_{service}
from {package}.util.{util} import clean_{util}

bp = Blueprint("{name}", __name__, url_prefix="/{name}")


@bp.route("/")
def index():
    items = summarize_{service}(request.args.get("q", ""))
    return render_template("{name}/index.html", items=items)


@bp.route("/<int:item_id>")
def detail(item_id):
    item = fetch_{service}(item_id)
    if item is None:
        flash("Not found.")
        return redirect(url_for("{name}.index"))
    return render_template("{name}/detail.html", item=item)


@bp.post("/create")
def create():
    title = clean_{util}(request.form["title"])
    body = request.form.get("body", "")
    if not title:
        flash("Title is required.")
        return render_template("{name}/create.html"), 400
    return redirect(url_for("{name}.detail", item_id=len(title + body)))


@bp.get("/api")
def api():
    payload = request.get_json(silent=True) or {{}}
    return jsonify(count=len(payload), name="{name}")
{extra}
'''

EXTRA_VIEW = """

@bp.route("/page{n}")
def page{n}():
    value = clean_{util}(request.args.get("v{n}", ""))
    return render_template("{name}/page.html", value=value, number={n})
"""

SERVICE = '''"""Upstream client for {name}."""

import requests

from {package}.util.{util} import clean_{util}

BASE_URL = "http://127.0.0.1:9000"


def _get(path, **params):
    response = requests.get(f"{{BASE_URL}}{{path}}", params=params, timeout=5)
    response.raise_for_status()
    return response.json()


def fetch_{name}(item_id):
    try:
        return _get(f"/{name}/{{item_id}}")
    except requests.HTTPError:
        return None


def summarize_{name}(query):
    items = _get("/{name}", q=clean_{util}(query))
    return [item for item in items if item.get("visible", True)]
{extra}
'''

EXTRA_SERVICE = """

def helper{n}(value):
    return [clean_{util}(str(value)) for _ in range({n} % 7 + 1)]
"""

UTIL = '''"""Pure helpers: no Flask, no HTTP."""

import re
from dataclasses import dataclass

_SPACES = re.compile(r"\\s+")


@dataclass
class Record{n}:
    name: str
    size: int = 0

    def label(self) -> str:
        return f"{{self.name}} ({{self.size}})"


def clean_{name}(text):
    return _SPACES.sub(" ", text).strip()
{extra}
'''

EXTRA_UTIL = """

def compute{n}(values):
    total = 0
    for index, value in enumerate(values):
        if index % 2:
            total += value * {n}
        else:
            total -= value
    return total
"""

TEST = '''"""Tests for the {name} views."""

import pytest

from {package} import create_app


@pytest.fixture
def client():
    app = create_app({{"TESTING": True}})
    return app.test_client()


def test_api(client):
    response = client.get("/{name}/api", json={{"a": 1}})
    assert response.status_code == 200
    assert response.get_json()["name"] == "{name}"


def test_create_requires_title(client):
    response = client.post("/{name}/create", data={{"title": ""}})
    assert response.status_code == 400
    assert b"Title is required." in response.data
{extra}
'''

EXTRA_TEST = """

def test_page{n}(client):
    response = client.get("/{name}/page{n}?v{n}=x")
    assert response.status_code in (200, 500)
"""

APP = """from flask import Flask


def create_app(test_config=None):
    app = Flask(__name__)
    app.config.update(SECRET_KEY="bench")
    if test_config:
        app.config.update(test_config)
{registrations}
    return app
"""


def _fill(template: str, extra: str, count: int, **values: object) -> str:
    extras = "".join(extra.format(**{**values, "n": n}) for n in range(count))
    return template.format(extra=extras, **values)


def generate(out: Path, files: int, seed: int) -> int:
    rng = random.Random(seed)
    package = "benchapp"
    root = out / package
    for sub in ("views", "services", "util", "models"):
        (root / sub).mkdir(parents=True, exist_ok=True)
        (root / sub / "__init__.py").write_text("")
    (out / "tests").mkdir(parents=True, exist_ok=True)
    groups = max(1, files // 5)
    names = [f"area{index}" for index in range(groups)]
    written = 0
    for name in names:
        util, service = name, name
        (root / "util" / f"{util}.py").write_text(
            _fill(UTIL, EXTRA_UTIL, rng.randint(9, 14), name=util, n=rng.randint(100, 199))
        )
        (root / "models" / f"{name}.py").write_text(
            _fill(
                UTIL, EXTRA_UTIL, rng.randint(9, 14), name=f"{name}_model", n=rng.randint(100, 199)
            )
        )
        (root / "services" / f"{service}.py").write_text(
            _fill(
                SERVICE, EXTRA_SERVICE, rng.randint(5, 9), name=service, package=package, util=util
            )
        )
        (root / "views" / f"{name}.py").write_text(
            _fill(
                VIEW,
                EXTRA_VIEW,
                rng.randint(4, 7),
                name=name,
                package=package,
                service=service,
                util=util,
            )
        )
        (out / "tests" / f"test_{name}.py").write_text(
            _fill(TEST, EXTRA_TEST, rng.randint(6, 10), name=name, package=package)
        )
        written += 5
    registrations = "".join(
        f"    from {package}.views.{name} import bp as {name}_bp\n"
        f"    app.register_blueprint({name}_bp)\n"
        for name in names
    )
    (root / "__init__.py").write_text(APP.format(registrations=registrations))
    return written + 5


def check_compiles(out: Path) -> int:
    """Lines under ``out``; a file that does not compile ends the run (the template broke)."""
    lines = 0
    for path in sorted(out.rglob("*.py")):
        source = path.read_text()
        try:
            compile(source, str(path), "exec")
        except SyntaxError as error:
            raise SystemExit(f"generated file does not compile: {error}") from None
        lines += source.count("\n")
    return lines


def write(out: Path, files: int, seed: int) -> None:
    count = generate(out, files, seed)
    lines = check_compiles(out)
    print(f"wrote {count} files, {lines} lines under {out}; every file compiles")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?")
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--smoke", action="store_true", help="a tiny tree in a temporary folder, then removed"
    )
    args = parser.parse_args()
    if args.smoke:
        with tempfile.TemporaryDirectory(prefix="f2q-codebase-") as scratch:
            write(args.out or Path(scratch), 10, args.seed)
    elif args.out is None:
        parser.error("OUT is required (or --smoke)")
    else:
        write(args.out, args.files, args.seed)


if __name__ == "__main__":
    main()
