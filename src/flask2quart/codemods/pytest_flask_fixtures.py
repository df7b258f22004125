"""F2Q314: a suite run with pytest-flask keeps running on Quart.

pytest-flask's autouse fixture ``_push_request_context`` pushes ``app.test_request_context()``
around every test that uses the ``app`` fixture, synchronously: on Quart the call needs a path
and the push is a coroutine, so every such test errors at setup (``missing 1 required positional
argument: 'path'``) before its body runs. Its ``client`` fixture enters ``with
app.test_client()``, which Quart's client does not support synchronously. Its other fixtures
(``config``, ``client_class``, the ``options`` marker) work on a Quart app unchanged.

When the project declares pytest-flask (a dependency list names it), this rule appends to the
top conftest.py of each test tree (creating one where there is none) a fixture of the same name
that pushes nothing (a conftest fixture overrides a plugin's), and, unless the project defines
its own ``client``, one returning ``app.test_client()``. A test that relied on the implicit
context (``url_for`` in the test body) then fails saying it is outside a request context, and
the run says so (info): open ``async with app.test_request_context("/"):`` in the test.
(Pushing Quart's context from the override would need the ``app`` fixture from inside the
test's event loop, where an async ``app`` fixture cannot be resolved.)
"""

from __future__ import annotations

import re
from pathlib import Path

from flask2quart._project import ProjectContext
from flask2quart._rules import Rule
from flask2quart.analysis.facts import is_test_module_name

FIXTURE = "_push_request_context"
_DECLARES_PYTEST_FLASK = re.compile(r"""(^|["'\s])pytest[-_]flask\b""", re.M | re.I)
_DEPENDENCY_FILES = ("pyproject.toml", "setup.cfg", "Pipfile", "tox.ini", "setup.py")
OVERRIDE = f"""

# Added by flask2quart (F2Q314): pytest-flask pushes Flask's request context around each test
# that uses `app`, synchronously, which a Quart app cannot take. This fixture replaces it (same
# name); a test that needs a request context opens `async with app.test_request_context("/")`.
@pytest.fixture(autouse=True)
def {FIXTURE}():
    pass
"""
CLIENT_OVERRIDE = """

# Added by flask2quart (F2Q314): pytest-flask's `client` enters `with app.test_client()`, which
# Quart's client does not support synchronously; the same client, without the `with`.
@pytest.fixture
def client(app):
    return app.test_client()
"""


class PytestFlaskFixtures(Rule):
    id = "F2Q314"
    name = "pytest-flask-fixtures"
    summary = "pytest-flask's sync request-context push replaced in the top conftest.py"

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        for root in project.roots:
            if _declares_pytest_flask(project, root):
                for conftest in _top_conftests(project, root):
                    cls._override(project, conftest)

    @classmethod
    def _override(cls, project: ProjectContext, conftest: Path) -> None:
        data = project.read(conftest)
        text = data.decode("utf-8") if data else ""
        if re.search(rf"^(async )?def {FIXTURE}\(", text, re.M):
            return
        edited = _with_pytest_import(text) + OVERRIDE
        if "client" not in project.plan.index.fixtures:
            edited += CLIENT_OVERRIDE
        project.write(conftest, edited.encode("utf-8"))
        line = edited.count("\n", 0, edited.index(f"def {FIXTURE}(")) + 1
        project.report_finding(
            conftest,
            line,
            cls.id,
            "info",
            "pytest-flask's autouse request context (Flask's, pushed synchronously) is replaced "
            "by a fixture that pushes none: tests that use request, session or url_for outside "
            "a request fail saying so",
            'open `async with app.test_request_context("/"):` in those tests',
        )


def _declares_pytest_flask(project: ProjectContext, root: Path) -> bool:
    candidates = [root / name for name in _DEPENDENCY_FILES]
    candidates += sorted(root.glob("*requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    for path in candidates:
        data = project.read(path)
        if data and _DECLARES_PYTEST_FLASK.search(data.decode("utf-8", errors="replace")):
            return True
    return False


def _top_conftests(project: ProjectContext, root: Path) -> list[Path]:
    """The conftest.py of each test tree under ``root`` that no other conftest.py covers; a new
    one beside the outermost test modules where none covers them."""
    sources = [s for s in project.sources if s.path.is_relative_to(root)]
    conftests = sorted(s.path for s in sources if s.path.name == "conftest.py")
    top = [c for c in conftests if not any(_covers(other, c) for other in conftests)]
    tests = [s.path for s in sources if is_test_module_name(s.module) and s.path not in top]
    uncovered = [t for t in tests if not any(_covers(c, t) for c in conftests)]
    folders = sorted({t.parent for t in uncovered})
    outer = [f for f in folders if not any(f != o and f.is_relative_to(o) for o in folders)]
    return top + [folder / "conftest.py" for folder in outer]


def _covers(conftest: Path, path: Path) -> bool:
    return conftest != path and path.is_relative_to(conftest.parent)


def _with_pytest_import(text: str) -> str:
    if text and not text.endswith("\n"):
        text += "\n"
    if re.search(r"^import pytest\s*$", text, re.M):
        return text
    match = re.search(r"^(import |from (?!__future__))", text, re.M)
    if match is None:  # no import to stand beside (maybe only ``from __future__``): append
        return f"{text}import pytest\n"
    return f"{text[: match.start()]}import pytest\n{text[match.start() :]}"
