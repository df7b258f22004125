"""F2Q406 across modules, run: the ``limiter-across-modules`` project fixture converted by the
real pipeline, its own suite run on Quart 0.22 and 0.23.

The limiter is built in one module, bound to the app by ``init_app`` in a factory and used by
a blueprint module that never imports Flask-Limiter, one of its routes with a key function of
the app's own (sync: it is awaited through the ``async def`` migrate writes). The suite asks for
the third login of a minute to answer 429 and for each token to have its own search limit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._projects import PROJECTS, migrate_tree
from tests._sample_suites import SuitePython, run_on_quart, suite_pythons

CASE = PROJECTS / "limiter-across-modules"


@pytest.mark.parametrize("target", suite_pythons())
def test_a_converted_limited_route_answers_429(tmp_path: Path, target: SuitePython) -> None:
    work = tmp_path / "shop"
    report = migrate_tree(CASE / "before", work, {})
    assert report.counts["failed"] == 0
    views = (work / "shop" / "views.py").read_text()
    assert "@rate_limit(2, timedelta(minutes=1))" in views
    assert "key_function=async_by_token" in views
    assert "flask_limiter" not in "".join(p.read_text() for p in work.rglob("*.py"))
    result = run_on_quart(work, target, "-rf", "-W", "error::RuntimeWarning")
    assert result.returncode == 0, result.output
    assert result.outcomes == {"passed": 2}, result.output


KEPT = PROJECTS / "limiter-kept-across-modules"


@pytest.mark.parametrize("target", suite_pythons())
def test_a_kept_limiter_answers_429_through_the_bridge(tmp_path: Path, target: SuitePython) -> None:
    """The same project with a ``limiter.reset()`` in its conftest (no quart-rate-limiter
    counterpart): Flask-Limiter stays in every module, which imports the bridge, and the suite
    passes on Quart as it does on Flask."""
    work = tmp_path / "shop"
    migrate_tree(KEPT / "before", work, {})
    sources = {p.name: p.read_text() for p in work.rglob("*.py")}
    assert "from flask_limiter import Limiter" in sources["extensions.py"]
    assert "flask_bridge" in sources["extensions.py"]
    result = run_on_quart(work, target, "-rf", "-W", "error::RuntimeWarning")
    assert result.outcomes == {"passed": 2}, result.output
