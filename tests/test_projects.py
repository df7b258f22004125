"""Multi-module projects converted whole: async-ness crosses packages exactly (see
``tests/_projects.py`` for the layout). Each case's tree after ``migrate`` must equal its
``after/`` file for file, its report must equal ``report.txt``, every converted file must
compile, and a second run must change nothing."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from flask2quart import _runner
from flask2quart._runner import Options, run
from tests._projects import DEFAULT_RULES, PROJECTS, migrate_tree, report_lines, settings_of, tree

CASES = sorted(p for p in PROJECTS.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_project(case: Path, tmp_path: Path) -> None:
    work = tmp_path / case.name
    report = migrate_tree(case / "before", work, settings_of(case))
    assert report.counts["failed"] == 0
    assert tree(work) == tree(case / "after")
    expected_report = (case / "report.txt").read_text().splitlines()
    assert report_lines(report, work) == [line for line in expected_report if line]
    for name, text in tree(work).items():
        if name.endswith(".py"):
            ast.parse(text, name)
    again = migrate_tree(work, tmp_path / "again", settings_of(case))
    assert tree(tmp_path / "again") == tree(work), "a second run must change nothing"
    assert again.counts["failed"] == 0


LIMITER_CASES = [PROJECTS / "limiter-across-modules", PROJECTS / "limiter-kept-across-modules"]


@pytest.mark.parametrize("case", LIMITER_CASES, ids=[c.name for c in LIMITER_CASES])
def test_project_wide_rule_facts_survive_the_cache_and_the_workers(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F2Q406 decides from every module's facts (Rule.file_facts): they must reach the plan the
    same way from worker processes and, on the second run, from the facts cache as JSON."""
    monkeypatch.setattr(_runner, "POOL_THRESHOLD", 1)
    for attempt in range(2):  # a cold cache, then every file's facts read back from it
        work = tmp_path / f"run{attempt}"
        shutil.copytree(case / "before", work)
        options = Options(mode="write", rules=DEFAULT_RULES, jobs=2, cache_dir=tmp_path / "cache")
        report = run([work], options)
        assert report.counts["failed"] == 0
        assert tree(work) == tree(case / "after")
