"""The text of the test-client module generated into a converted app (``flask_style_client.py``).

Quart's test client lacks two things Flask's has and tests rely on: ``g`` after a request
inside ``with client:`` (Quart keeps the request and the session only; 0.22 has no app context
there, 0.23 a copy with an empty ``g``) and ``response.history`` after ``follow_redirects=True``.
The generated ``FlaskStyleClient`` is Quart's client with both. A test runs it on Quart.
"""

from __future__ import annotations

from collections.abc import Container, Iterable

from ._generated import MARKER, generated_module

MODULE_NAME = "flask_style_client"
CLASS_NAME = "FlaskStyleClient"

SOURCE = f'''\
{MARKER} (`migrate`, rule F2Q313) for the app's tests. Edit freely.
"""Quart's test client with two behaviours of Flask's that the converted tests rely on.

* Inside ``async with client:``, ``g`` still holds what the last request put in it (Quart's
  client keeps the request and the session, not ``g``).
* A response to a request made with ``follow_redirects=True`` has ``.history``: the redirect
  responses that led to it, oldest first (Quart's client follows redirects without keeping them).
"""

from __future__ import annotations

from typing import Any

from quart import Response, has_app_context
from quart.globals import app_ctx
from quart.signals import request_finished
from quart.testing import QuartClient


class {CLASS_NAME}(QuartClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._last_g: Any = None
        self._pushed: list[Any] = []

    async def _keep_g(self, sender: Any, response: Response, **extra: Any) -> None:
        # runs in the request's own context, before the context is torn down
        self._last_g = app_ctx.g

    async def __aenter__(self) -> {CLASS_NAME}:
        await super().__aenter__()
        request_finished.connect(self._keep_g, self.app, weak=False)
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        request_finished.disconnect(self._keep_g, self.app)
        while self._pushed:
            await self._pushed.pop().pop(None)
        await super().__aexit__(*exc_info)

    async def open(self, path: str, *, follow_redirects: bool = False, **kwargs: Any) -> Response:
        response = await super().open(path, **kwargs)
        history: list[Response] = []
        # Quart's own rule: 302 and 303 become GET, other redirects repeat the request
        while follow_redirects and 300 <= response.status_code < 400:
            history.append(response)
            if response.status_code in (302, 303):
                kwargs["method"] = "GET"
            response = await super().open(response.location, **kwargs)
        response.history = tuple(history)  # type: ignore[attr-defined]
        if self.preserve_context and self._last_g is not None:
            await self._expose_g(self._last_g)
        return response

    async def _expose_g(self, g: Any) -> None:
        if has_app_context():  # Quart 0.23: the preserved context is an app context
            app_ctx.g = g
            return
        context = self.app.app_context()  # Quart 0.22: only the request context is kept
        context.g = g
        await context.push()
        self._pushed.append(context)
'''


def client_module(modules: Iterable[str], functions: Container[str]) -> str:
    """Where the module goes: beside ``http_client`` (see ``_generated.generated_module``), in
    the app's package, which the tests import already."""
    return generated_module(modules, functions, MODULE_NAME, f"{CLASS_NAME}.open")
