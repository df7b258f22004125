"""Running a coroutine at import time: the module generated into a converted app
(``import_time.py``) and the call that uses it.

``create_app()`` or ``with app.app_context(): db.create_all()`` at module level become
coroutines run at once. ``asyncio.run`` would do, except that converted tests often import
the module from an async fixture, while pytest-asyncio's loop runs, where ``asyncio.run``
raises ``RuntimeError: asyncio.run() cannot be called from a running event loop``.
``run_now`` runs the coroutine in its own loop in a worker thread then, and waits for it.
"""

from __future__ import annotations

from collections.abc import Container, Iterable

import libcst as cst

from flask2quart._project import ProjectContext
from flask2quart._transform import FileContext

from ._generated import MARKER, generated_module, write_generated

MODULE_NAME = "import_time"
FUNCTION_NAME = "run_now"
_USED = "import_time_runner"

SOURCE = f'''\
{MARKER} (`migrate`, rules F2Q103 and F2Q105) for code that runs at import time. Edit freely.
"""Run a coroutine to its end from module-level code, whether or not an event loop runs."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def {FUNCTION_NAME}(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)``; while a loop runs in this thread (the module is imported
    from an async test fixture or a running app), in a new loop on a worker thread, which
    blocks the running loop until it ends. The coroutine must not use objects bound to that
    running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
'''


def import_time_module(modules: Iterable[str], functions: Container[str]) -> str:
    """Where the module goes: the app's package (see ``_generated.generated_module``)."""
    return generated_module(modules, functions, MODULE_NAME, FUNCTION_NAME)


def run_now_call(context: FileContext, coroutine: cst.BaseExpression) -> cst.Call:
    """``run_now(coroutine)``, importing ``run_now`` from the generated module."""
    index = context.plan.index
    name = context.name_for(import_time_module(index.modules, index.functions), FUNCTION_NAME)
    context.data[_USED] = True
    return cst.Call(func=cst.Name(name), args=[cst.Arg(coroutine)])


def write_import_time_module(project: ProjectContext, rule: str) -> None:
    """Write the module when a file of the run calls ``run_now`` (either rule may ask)."""
    if not any(True for _ in project.data(_USED)):
        return
    index = project.plan.index
    write_generated(project, import_time_module(index.modules, index.functions), SOURCE, rule)
