"""F2Q314: a suite run with pytest-flask keeps running on Quart.

pytest-flask's autouse fixture ``_push_request_context`` pushes ``app.test_request_context()``
around every test that uses the ``app`` fixture, synchronously: on Quart the call needs a path
and the push is a coroutine, so every such test errors at setup (``missing 1 required positional
argument: 'path'``) before its body runs. Its ``client`` fixture enters ``with
app.test_client()``, which Quart's client does not support synchronously. Its other fixtures
(``config``, ``client_class``, the ``options`` marker) work on a Quart app unchanged.

When the project declares pytest-flask (a dependency list names it), this rule appends to the
top conftest.py of each test tree (creating one where there is none) a fixture of the same name
(a conftest fixture overrides a plugin's) that pushes Quart's ``app.test_request_context("/")``
around the same tests, asynchronously, and, unless the project defines its own ``client``, one
returning ``app.test_client()``. The push is a second, async fixture the override requests only
for tests that use ``app``: requested from a sync fixture, pytest-asyncio can resolve an async
``app`` fixture first, and the context it pushes reaches the test (sync or async) as
pytest-flask's did, so ``url_for``, ``request`` and database queries in test bodies keep
working.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask2quart._project import ProjectContext
from flask2quart._rules import Rule
from flask2quart.analysis.facts import is_test_module_name

from ._test_project import set_pytest_option
from .async_test_functions import LOOP_SCOPE_OPTION, PYTEST_ASYNCIO

FIXTURE = "_push_request_context"
_DECLARES_PYTEST_FLASK = re.compile(r"""(^|["'\s])pytest[-_]flask\b""", re.M | re.I)
_DEPENDENCY_FILES = ("pyproject.toml", "setup.cfg", "Pipfile", "tox.ini", "setup.py")
PUSH = "_quart_request_context"
OVERRIDE = f"""

# Added by flask2quart (F2Q314): pytest-flask pushes Flask's request context around each test
# that uses `app`, synchronously, which a Quart app cannot take. These fixtures replace it (same
# name): Quart's test request context, pushed asynchronously around the same tests.
@pytest.fixture(autouse=True)
def {FIXTURE}(request):
    if "app" in request.fixturenames:
        request.getfixturevalue("{PUSH}")


@pytest_asyncio.fixture
async def {PUSH}(app):
    async with app.test_request_context("/"):
        yield
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
                cls._require_pytest_asyncio(project)

    @classmethod
    def _require_pytest_asyncio(cls, project: ProjectContext) -> None:
        """The push is an async fixture: pytest-asyncio runs it, on a stated loop scope."""
        set_pytest_option(project, cls.id, LOOP_SCOPE_OPTION, "function")
        if PYTEST_ASYNCIO not in project.dependencies.add_test:
            project.dependencies.add_test.append(PYTEST_ASYNCIO)

    @classmethod
    def _override(cls, project: ProjectContext, conftest: Path) -> None:
        data = project.read(conftest)
        text = data.decode("utf-8") if data else ""
        if re.search(rf"^(async )?def {FIXTURE}\(", text, re.M):
            return
        edited = _with_import(_with_import(text, "pytest"), "pytest_asyncio") + OVERRIDE
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
            "by Quart's, pushed by an async fixture around the same tests",
            "a test that needs another path or method opens its own "
            "`async with app.test_request_context(path):`",
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


def _with_import(text: str, module: str) -> str:
    if text and not text.endswith("\n"):
        text += "\n"
    if re.search(rf"^import {module}\s*$", text, re.M):
        return text
    beside = re.search(r"^import pytest[ \t]*\n", text, re.M)
    if beside is not None:  # pytest_asyncio right after pytest
        return f"{text[: beside.end()]}import {module}\n{text[beside.end() :]}"
    match = re.search(r"^(import |from (?!__future__))", text, re.M)
    if match is None:  # no import to stand beside (maybe only ``from __future__``): append
        return f"{text}import {module}\n"
    return f"{text[: match.start()]}import {module}\n{text[match.start() :]}"
