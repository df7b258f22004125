"""The sample apps' own Flask test suites, converted by ``migrate``, run on Quart.

``migrate --out`` writes a converted copy into a temporary folder (the sample tree is left as
it is), then the copy's suite runs in a child process with the copy as rootdir, under
pytest-asyncio as the converted project declares. The converted suite must pass every test the
original passes on Flask, and a second migration of the copy must change nothing.

Each app is migrated once per module; its suite then runs under every interpreter of
``suite_pythons()`` (this venv's Quart, and Quart 0.23 on Python 3.13 where ``make test`` found
one), since converted code must run on both.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests._sample_suites import (
    SAMPLE_APPS,
    SUITE_TIMEOUT_SECONDS,
    SuitePython,
    run_on_quart,
    suite_pythons,
    tree_files,
)
from tests.test_sample_apps_flask import EXPECTED_TESTS

FORECAST_TRANSPORTS = ["aiohttp", "httpcore"]


@dataclass(frozen=True)
class Migration:
    converted: Path
    report: str  # migrate's stderr
    source_unchanged: bool


class Migrations:
    """Each (app, options) migrated once: the suite runs under several interpreters, and the
    converted tree is only read by them (no bytecode, no pytest cache)."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._done: dict[tuple[str, ...], Migration] = {}

    def get(self, app: str, *options: str) -> Migration:
        key = (app, *options)
        if key not in self._done:
            self._done[key] = self._migrate(app, options)
        return self._done[key]

    def _migrate(self, app: str, options: tuple[str, ...]) -> Migration:
        source = SAMPLE_APPS / app
        before = tree_files(source)
        converted = self._root / "-".join((app, *(o.lstrip("-") for o in options))) / app
        completed = subprocess.run(
            [sys.executable, "-m", "flask2quart", "migrate", str(source), "--out", str(converted),
             *options],
            capture_output=True,
            text=True,
            timeout=SUITE_TIMEOUT_SECONDS,
            check=False,
        )  # fmt: skip
        assert completed.returncode == 0, completed.stdout + completed.stderr
        return Migration(converted, completed.stderr, tree_files(source) == before)


@pytest.fixture(scope="module")
def migrations(tmp_path_factory: pytest.TempPathFactory) -> Migrations:
    return Migrations(tmp_path_factory.mktemp("converted"))


def assert_second_run_changes_nothing(converted: Path) -> None:
    again = subprocess.run(
        [sys.executable, "-m", "flask2quart", "migrate", str(converted), "--check"],
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT_SECONDS,
        check=False,
    )
    assert again.returncode == 0, again.stdout + again.stderr


def test_full_app_converts_with_a_flask_style_client(migrations: Migrations) -> None:
    migration = migrations.get("fullapp")
    assert migration.source_unchanged
    converted, report = migration.converted, migration.report
    # Two tests read `g` after a request and `response.history`, which Quart's client lacks:
    # they pass through the generated FlaskStyleClient, and the report says so.
    assert (converted / "notes" / "flask_style_client.py").is_file()
    assert "tests/conftest.py" in report and " F2Q313 info: " in report, report

    # The converted project declares what its tests need, and a second run changes nothing.
    assert "asyncio_default_fixture_loop_scope" in (converted / "pytest.ini").read_text()
    assert "pytest-asyncio" in (converted / "requirements.txt").read_text()
    assert_second_run_changes_nothing(converted)


@pytest.mark.parametrize("target", suite_pythons())
def test_converted_full_app_suite_passes_on_quart(
    migrations: Migrations, target: SuitePython
) -> None:
    result = run_on_quart(migrations.get("fullapp").converted, target, "-rf")
    assert result.outcomes == {"passed": EXPECTED_TESTS["fullapp"]}, result.output


def test_extensions_app_converts_every_extension(migrations: Migrations) -> None:
    """Flask-SQLAlchemy, Flask-WTF and Flask-CORS are all converted automatically."""
    migration = migrations.get("extapp")
    assert migration.source_unchanged
    converted = migration.converted
    assert migration.report.startswith(
        "Flask extensions imported: 3 (0 blocking, 3 converted automatically, 0 working unchanged)"
    )
    assert (converted / "readinglist" / "sqlalchemy_adapter.py").is_file()
    requirements = (converted / "requirements.txt").read_text()
    assert "quart-wtforms" in requirements and "quart-cors" in requirements
    assert_second_run_changes_nothing(converted)


@pytest.mark.parametrize("target", suite_pythons())
def test_converted_extensions_app_suite_passes_on_quart(
    migrations: Migrations, target: SuitePython
) -> None:
    converted = migrations.get("extapp").converted
    result = run_on_quart(converted, target, "-rf", "-W", "error::RuntimeWarning")
    assert result.returncode == 0, result.output
    assert result.outcomes == {"passed": EXPECTED_TESTS["extapp"]}, result.output


@pytest.mark.parametrize("transport", FORECAST_TRANSPORTS)
def test_forecast_mocks_are_converted(migrations: Migrations, transport: str) -> None:
    """The weather app's suite mocks requests with responses, requests_mock and unittest.mock:
    converted, every mock intercepts the httpx calls instead (F2Q309-F2Q311), whatever the
    transport of the generated client."""
    migration = migrations.get("forecast", "--http-transport", transport)
    assert migration.source_unchanged
    converted, report = migration.converted, migration.report
    assert " error " not in report and " error:" not in report, report

    tests = {path.name: path.read_text() for path in (converted / "tests").glob("test_*.py")}
    assert not any("import responses" in text for text in tests.values())
    assert not any("import requests_mock" in text for text in tests.values())
    assert '@respx.mock(using="httpx"' in tests["test_with_responses.py"]
    assert '@pytest.mark.respx(using="httpx"' in tests["test_with_requests_mock.py"]
    assert 'mock.patch("httpx.AsyncClient.get"' in tests["test_with_patch.py"]
    assert "respx" in (converted / "requirements.txt").read_text()
    assert_second_run_changes_nothing(converted)


@pytest.mark.parametrize("target", suite_pythons())
@pytest.mark.parametrize("transport", FORECAST_TRANSPORTS)
def test_converted_forecast_suite_passes_with_its_mocks_converted(
    migrations: Migrations, transport: str, target: SuitePython
) -> None:
    """Every converted mock intercepts the httpx calls, and every test passes as on Flask."""
    converted = migrations.get("forecast", "--http-transport", transport).converted
    result = run_on_quart(converted, target, "-rf", "-W", "error::RuntimeWarning")
    assert result.returncode == 0, result.output
    assert result.outcomes == {"passed": EXPECTED_TESTS["forecast"]}, result.output


# httpx-aiohttp hands aiohttp httpx's Headers, whose names iterate lowercased: the upstream
# receives "user-agent", and these two tests read the mock's recorded headers as a plain,
# case-sensitive dict. HTTP header names are case-insensitive; the tool cannot keep the case.
FANOUT_HEADER_CASE_TESTS = {
    "tests/test_views.py::test_item",
    "tests/test_views.py::test_forward_json_body_untouched",
}


@pytest.mark.parametrize("target", suite_pythons())
def test_converted_fanout_suite_passes_but_for_header_case(
    migrations: Migrations, target: SuitePython
) -> None:
    converted = migrations.get("fanout").converted
    result = run_on_quart(converted, target, "-rf", "-W", "error::RuntimeWarning")
    expected = EXPECTED_TESTS["fanout"]
    failed_lines = [line for line in result.output.splitlines() if line.startswith("FAILED ")]
    failed = {line.split()[1] for line in failed_lines}
    assert failed == FANOUT_HEADER_CASE_TESTS, result.output
    assert all("KeyError" in line for line in failed_lines), result.output
    assert result.outcomes == {"passed": expected - 2, "failed": 2}, result.output
