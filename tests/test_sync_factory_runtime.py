"""The sync-factory-own-context fixture's converted suite runs and passes on Quart (0.22 and
0.23): ``create_app()`` must stay sync (click holds it), so the helper that opens its own app
context runs in its own loop, with no loop running (a sync test) and while one runs (an async
test, where ``asyncio.run`` itself would raise). Before, the call was left un-awaited: the
database was never set up and the coroutine was dropped.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests._sample_suites import SuitePython, run_on_quart, suite_pythons

CASE = Path(__file__).resolve().parent / "fixtures" / "projects" / "sync-factory-own-context"


@pytest.mark.parametrize("target", suite_pythons())
def test_converted_suite_passes_with_the_factory_kept_sync(
    target: SuitePython, tmp_path: Path
) -> None:
    shutil.copytree(CASE / "after", tmp_path / "app")
    result = run_on_quart(tmp_path / "app", target, "-W", "error::RuntimeWarning")
    assert result.outcomes == {"passed": 2}, result.output
