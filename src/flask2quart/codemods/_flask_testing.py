"""Flask-Testing's ``TestCase`` on Quart: the module generated into a converted app
(``testing_case.py``) and where it goes.

Flask-Testing's ``TestCase`` builds the app, its test client and a request context around each
test from a synchronous ``__call__``: on Quart the context's ``push()`` is a coroutine, and
``test_request_context()`` needs a path, so every test of such a suite fails before it starts.
The generated ``TestCase`` is an ``IsolatedAsyncioTestCase`` that does the same work on the
test's own event loop, before ``setUp`` (as Flask-Testing did, so a ``setUp`` that does not call
``super()`` still finds ``self.app``), and offers the same helpers (``assert200`` & co,
``assertRedirects``, ``assertTemplateUsed``, ``get_context_variable``, ``assertMessageFlashed``,
``render_templates = False``).
"""

from __future__ import annotations

from collections.abc import Container, Iterable

from flask2quart._project import ProjectContext

from ._generated import MARKER, generated_module, write_generated

MODULE_NAME = "testing_case"
FUNCTION_NAME = "create_case_app"
USED = "flask_testing_case"
FLASK_TESTING_CASES = frozenset({"flask_testing.TestCase", "flask_testing.utils.TestCase"})

SOURCE = f'''\
{MARKER} (`migrate`, rule F2Q308) for Flask-Testing's TestCase. Edit freely.
"""Flask-Testing's ``TestCase`` for Quart: the app, ``self.client`` and a request context are
set up on the test's event loop before ``setUp``, and torn down after the test's cleanups."""

from __future__ import annotations

import inspect
import unittest
from typing import Any
from urllib.parse import urljoin, urlparse

import quart.templating
from quart.signals import message_flashed, template_rendered


class ContextVariableDoesNotExist(Exception):
    pass


async def {FUNCTION_NAME}(case: Any) -> Any:
    """``case.create_app()``, awaited when the migration made it async."""
    app = case.create_app()
    if inspect.isawaitable(app):
        app = await app
    return app


async def _empty_render(template: Any, context: Any, app: Any) -> str:
    return ""


class TestCase(unittest.IsolatedAsyncioTestCase):
    render_templates = True
    run_gc_after_test = False

    def create_app(self) -> Any:
        """Create your Quart app here, with any configuration you need."""
        raise NotImplementedError

    def _callSetUp(self) -> None:  # unittest's hook (3.11 to 3.13)
        # Flask-Testing set up before setUp, from a synchronous __call__; pushing Quart's
        # request context needs the test's loop, which IsolatedAsyncioTestCase starts here.
        self.addAsyncCleanup(self._post_teardown)
        self._callAsync(self._pre_setup)
        super()._callSetUp()  # type: ignore[misc]

    async def _pre_setup(self) -> None:
        self.app = await {FUNCTION_NAME}(self)
        self.client = self.app.test_client()
        self._ctx = self.app.test_request_context("/")
        await self._ctx.push()
        if not self.render_templates:
            self._original_template_render = quart.templating._render
            quart.templating._render = _empty_render  # type: ignore[assignment]
        self.templates: list[tuple[Any, Any]] = []
        self.flashed_messages: list[tuple[Any, Any]] = []
        template_rendered.connect(self._add_template)
        message_flashed.connect(self._add_flash_message)

    async def _add_template(self, app: Any, template: Any, context: Any) -> None:
        self.templates = [(template, context)]

    async def _add_flash_message(self, app: Any, message: Any, category: Any) -> None:
        self.flashed_messages.append((message, category))

    async def _post_teardown(self) -> None:
        if getattr(self, "_ctx", None) is not None:
            await self._ctx.pop()
            del self._ctx
        for name in ("app", "client", "templates", "flashed_messages"):
            if hasattr(self, name):
                delattr(self, name)
        template_rendered.disconnect(self._add_template)
        message_flashed.disconnect(self._add_flash_message)
        if hasattr(self, "_original_template_render"):
            quart.templating._render = self._original_template_render  # type: ignore[assignment]
            del self._original_template_render
        if self.run_gc_after_test:
            import gc

            gc.collect()

    def assertMessageFlashed(self, message: Any, category: str = "message") -> bool:
        if (message, category) in [(m, c) for m, c in self.flashed_messages]:
            return True
        raise AssertionError(f"Message {{message!r}} in category {{category!r}} wasn't flashed")

    assert_message_flashed = assertMessageFlashed

    def assertTemplateUsed(self, name: str, tmpl_name_attribute: str = "name") -> bool:
        used = [template for template, _ in self.templates]
        if any(getattr(t, tmpl_name_attribute) == name for t in used):
            return True
        raise AssertionError(f"Template {{name}} not used. Templates were used: {{used!r}}")

    assert_template_used = assertTemplateUsed

    def get_context_variable(self, name: str) -> Any:
        for _, context in self.templates:
            if name in context:
                return context[name]
        raise ContextVariableDoesNotExist

    def assertContext(self, name: str, value: Any, message: str | None = None) -> None:
        try:
            self.assertEqual(self.get_context_variable(name), value, message)
        except ContextVariableDoesNotExist:
            self.fail(message or f"Context variable does not exist: {{name}}")

    assert_context = assertContext

    def assertRedirects(
        self, response: Any, location: str, message: str | None = None
    ) -> None:
        if urlparse(location).netloc:
            expected = location
        else:
            server_name = self.app.config.get("SERVER_NAME") or "localhost"
            expected = urljoin(f"http://{{server_name}}", location)
        codes = (301, 302, 303, 305, 307)
        listed = ", ".join(map(str, codes))
        self.assertTrue(
            response.status_code in codes,
            message or f"HTTP Status {{listed}} expected but got {{response.status_code}}",
        )
        self.assertEqual(response.location, expected, message)

    assert_redirects = assertRedirects

    def assertStatus(
        self, response: Any, status_code: int, message: str | None = None
    ) -> None:
        message = message or (
            f"HTTP Status {{status_code}} expected but got {{response.status_code}}"
        )
        self.assertEqual(response.status_code, status_code, message)

    assert_status = assertStatus

    def assert200(self, response: Any, message: str | None = None) -> None:
        self.assertStatus(response, 200, message)

    def assert400(self, response: Any, message: str | None = None) -> None:
        self.assertStatus(response, 400, message)

    def assert401(self, response: Any, message: str | None = None) -> None:
        self.assertStatus(response, 401, message)

    def assert403(self, response: Any, message: str | None = None) -> None:
        self.assertStatus(response, 403, message)

    def assert404(self, response: Any, message: str | None = None) -> None:
        self.assertStatus(response, 404, message)

    def assert405(self, response: Any, message: str | None = None) -> None:
        self.assertStatus(response, 405, message)

    def assert500(self, response: Any, message: str | None = None) -> None:
        self.assertStatus(response, 500, message)

    assert_200 = assert200
    assert_400 = assert400
    assert_401 = assert401
    assert_403 = assert403
    assert_404 = assert404
    assert_405 = assert405
    assert_500 = assert500
'''


def testing_case_module(modules: Iterable[str], functions: Container[str]) -> str:
    """Where the module goes: the app's package (see ``_generated.generated_module``)."""
    return generated_module(modules, functions, MODULE_NAME, FUNCTION_NAME)


def write_testing_case_module(project: ProjectContext, rule: str) -> None:
    """Write the module when a file of the run derives from Flask-Testing's TestCase."""
    if not any(True for _ in project.data(USED)):
        return
    index = project.plan.index
    write_generated(project, testing_case_module(index.modules, index.functions), SOURCE, rule)
