"""The generated ``import_time`` module, run for real: ``run_now`` runs a coroutine to its end
from sync code both with no event loop (plain ``asyncio.run``) and while one runs in the thread
(a module imported from an async fixture), where ``asyncio.run`` itself raises."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from pathlib import Path
from types import ModuleType

import pytest

from flask2quart.codemods._import_time import FUNCTION_NAME, SOURCE


@pytest.fixture
def module(tmp_path: Path) -> ModuleType:
    path = tmp_path / "import_time.py"
    path.write_text(SOURCE, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("import_time_under_test", path)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


async def _where() -> tuple[str, int]:
    await asyncio.sleep(0)
    return threading.current_thread().name, id(asyncio.get_running_loop())


def test_without_a_running_loop_it_is_asyncio_run(module: ModuleType) -> None:
    thread, _ = getattr(module, FUNCTION_NAME)(_where())
    assert thread == threading.current_thread().name


def test_inside_a_running_loop_it_runs_in_a_worker_thread(module: ModuleType) -> None:
    async def importer() -> tuple[tuple[str, int], int]:
        # what a module-level run_now(...) does when an async fixture imports the module
        return getattr(module, FUNCTION_NAME)(_where()), id(asyncio.get_running_loop())

    (thread, inner_loop), outer_loop = asyncio.run(importer())
    assert thread != threading.current_thread().name
    assert inner_loop != outer_loop


def test_exceptions_reach_the_caller(module: ModuleType) -> None:
    async def fails() -> None:
        raise LookupError("no such table")

    async def importer() -> None:
        getattr(module, FUNCTION_NAME)(fails())

    with pytest.raises(LookupError, match="no such table"):
        asyncio.run(importer())
    with pytest.raises(LookupError, match="no such table"):
        getattr(module, FUNCTION_NAME)(fails())
