"""The sample apps' own Flask test suites pass on Flask.

These are the originals ``migrate`` converts: each suite must be green before a converted copy
is compared with it. The suites run in a child process with the app folder as rootdir (see
``tests/_sample_suites.py``); this repository's pytest never collects them itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._sample_suites import SAMPLE_APPS, parse_summary, run_app_suite, tree_files

# Tests in each app's own suite; update when a suite gains or loses a test.
EXPECTED_TESTS = {"fullapp": 60, "fanout": 22, "extapp": 31, "forecast": 19}


@pytest.mark.parametrize(("app", "expected"), sorted(EXPECTED_TESTS.items()))
def test_original_suite_passes_on_flask(app: str, expected: int) -> None:
    app_dir = SAMPLE_APPS / app
    before = tree_files(app_dir)
    # The originals are plain Flask projects: they must not lean on pytest-asyncio.
    result = run_app_suite(app_dir, "-p", "no:asyncio")
    assert result.returncode == 0, result.output
    assert result.outcomes == {"passed": expected}, result.output
    assert tree_files(app_dir) == before, "the suite must not write into the app's tree"


def test_sample_app_tests_are_not_collected_here(request: pytest.FixtureRequest) -> None:
    collected = {Path(str(item.path)).resolve() for item in request.session.items}
    assert not any(SAMPLE_APPS in path.parents for path in collected)
    assert request.config.getini("testpaths") == ["tests"]


@pytest.mark.parametrize(
    ("output", "counts"),
    [
        ("....\n4 passed in 0.12s\n", {"passed": 4}),
        (
            "F.\n=== 1 failed, 1 passed, 1 warning in 2.00s ===\n",
            {"failed": 1, "passed": 1, "warnings": 1},
        ),
        ("E\n1 error in 0.01s\n", {"errors": 1}),
        ("no tests ran in 0.01s\n", {}),
        ("ImportError while loading conftest\n", {}),
    ],
)
def test_parse_summary(output: str, counts: dict[str, int]) -> None:
    assert parse_summary(output) == counts
