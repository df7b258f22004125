"""F2Q118's converted reads answer on Quart (0.22 and 0.23) what the environ answered on Flask:
the fixture's converted app is served by Quart's test client and its answers checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._harness import Case
from tests._sample_suites import SuitePython, run_on_quart, suite_pythons

FIXTURE = (
    Path(__file__).resolve().parent
    / "fixtures"
    / "rules"
    / "request_environ_reads"
    / "reads-quart-answers-are-rewritten.py"
)

SUITE = """\
import pytest

from app import app


@pytest.mark.asyncio
async def test_the_reads_answer_as_the_environ_did():
    client = app.test_client()
    response = await client.post(
        "/whoami?a=1&b=%C3%A9",
        headers={"Content-Type": "text/plain", "X-Real-IP": "10.0.0.7", "Origin": "https://x"},
        data=b"body",
        scope_base={"client": ("192.0.2.1", 5000)},
    )
    assert await response.get_json() == {
        "ip": "192.0.2.1",
        "real_ip": "10.0.0.7",
        "type": "text/plain",
        "https": False,
        "method": "POST",
        "query": "a=1&b=%C3%A9",
        "has_origin": True,
        "no_referer": True,
    }


@pytest.mark.asyncio
async def test_the_kept_hook_line_does_not_run_without_chunked_bodies():
    response = await app.test_client().get("/whoami", headers={"Content-Type": "text/plain"})
    assert response.status_code == 200
"""


@pytest.mark.parametrize("target", suite_pythons())
def test_converted_environ_reads_answer_on_quart(target: SuitePython, tmp_path: Path) -> None:
    case = Case.load(FIXTURE)
    assert case.expected is not None
    app = case.expected.replace('"/whoami"', '"/whoami", methods=["GET", "POST"]')
    (tmp_path / "app.py").write_text(app)
    (tmp_path / "test_app.py").write_text(SUITE)
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
    )
    result = run_on_quart(tmp_path, target, "-W", "error::RuntimeWarning")
    assert result.outcomes == {"passed": 2}, result.output
