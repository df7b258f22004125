"""The sample apps' own Flask test suites, converted by ``migrate``, run on Quart.

``migrate --out`` writes a converted copy into a temporary folder (the sample tree is left as
it is), then the copy's suite runs in a child process with the copy as rootdir, under
pytest-asyncio as the converted project declares. The converted suite must pass every test the
original passes on Flask, and a second migration of the copy must change nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests._sample_suites import SAMPLE_APPS, SUITE_TIMEOUT_SECONDS, run_app_suite, tree_files
from tests.test_sample_apps_flask import EXPECTED_TESTS


def migrate(source: Path, out: Path) -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "flask2quart", "migrate", str(source), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT_SECONDS,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stderr


def assert_second_run_changes_nothing(converted: Path) -> None:
    again = subprocess.run(
        [sys.executable, "-m", "flask2quart", "migrate", str(converted), "--check"],
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT_SECONDS,
        check=False,
    )
    assert again.returncode == 0, again.stdout + again.stderr


def test_converted_full_app_suite_passes_on_quart(tmp_path: Path) -> None:
    source = SAMPLE_APPS / "fullapp"
    before = tree_files(source)
    converted = tmp_path / "fullapp"
    report = migrate(source, converted)
    assert tree_files(source) == before

    result = run_app_suite(converted, "-rf")
    assert result.outcomes == {"passed": EXPECTED_TESTS["fullapp"]}, result.output
    # Two tests read `g` after a request and `response.history`, which Quart's client lacks:
    # they pass through the generated FlaskStyleClient, and the report says so.
    assert (converted / "notes" / "flask_style_client.py").is_file()
    assert "tests/conftest.py" in report and " F2Q313 info: " in report, report

    # The converted project declares what its tests need, and a second run changes nothing.
    assert "asyncio_default_fixture_loop_scope" in (converted / "pytest.ini").read_text()
    assert "pytest-asyncio" in (converted / "requirements.txt").read_text()
    assert_second_run_changes_nothing(converted)


def test_converted_extensions_app_suite_passes_on_quart(tmp_path: Path) -> None:
    """Flask-SQLAlchemy, Flask-WTF and Flask-CORS converted: every test passes on Quart."""
    source = SAMPLE_APPS / "extapp"
    before = tree_files(source)
    converted = tmp_path / "extapp"
    report = migrate(source, converted)
    assert tree_files(source) == before
    assert report.startswith(
        "Flask extensions imported: 3 (0 blocking, 3 converted automatically, 0 working unchanged)"
    )
    assert (converted / "readinglist" / "sqlalchemy_adapter.py").is_file()
    requirements = (converted / "requirements.txt").read_text()
    assert "quart-wtforms" in requirements and "quart-cors" in requirements

    result = run_app_suite(converted, "-rf", "-W", "error::RuntimeWarning")
    assert result.returncode == 0, result.output
    assert result.outcomes == {"passed": EXPECTED_TESTS["extapp"]}, result.output

    assert_second_run_changes_nothing(converted)


@pytest.mark.parametrize("transport", ["aiohttp", "httpcore"])
def test_converted_forecast_suite_passes_with_its_mocks_converted(
    tmp_path: Path, transport: str
) -> None:
    """The weather app's suite mocks requests with responses, requests_mock and unittest.mock:
    converted, every mock intercepts the httpx calls instead (F2Q309-F2Q311), whatever the
    transport of the generated client, and every test passes as on Flask."""
    source = SAMPLE_APPS / "forecast"
    before = tree_files(source)
    converted = tmp_path / "forecast"
    completed = subprocess.run(
        [
            *(sys.executable, "-m", "flask2quart", "migrate", str(source)),
            *("--out", str(converted), "--http-transport", transport),
        ],
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT_SECONDS,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert tree_files(source) == before
    report = completed.stderr
    assert " error " not in report and " error:" not in report, report

    tests = {path.name: path.read_text() for path in (converted / "tests").glob("test_*.py")}
    assert not any("import responses" in text for text in tests.values())
    assert not any("import requests_mock" in text for text in tests.values())
    assert '@respx.mock(using="httpx"' in tests["test_with_responses.py"]
    assert '@pytest.mark.respx(using="httpx"' in tests["test_with_requests_mock.py"]
    assert 'mock.patch("httpx.AsyncClient.get"' in tests["test_with_patch.py"]
    assert "respx" in (converted / "requirements.txt").read_text()

    result = run_app_suite(converted, "-rf", "-W", "error::RuntimeWarning")
    assert result.returncode == 0, result.output
    assert result.outcomes == {"passed": EXPECTED_TESTS["forecast"]}, result.output

    assert_second_run_changes_nothing(converted)
