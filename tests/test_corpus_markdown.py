"""docs/corpus.md: the per-app table, the totals row, and the causes table."""

from __future__ import annotations

from typing import Any

from corpus.markdown import render

RESULT: dict[str, Any] = {
    "name": "demo",
    "repository": "owner/demo",
    "commit": "0123456789abcdef0123456789abcdef01234567",
    "year": 2019,
    "features": ["factory", "Flask-Login"],
    "notes": "pins dropped",
    "status": "ok",
    "baseline": {"passed": 4},
    "migrate": {
        "files_changed": 3,
        "compile_failures": [],
        "idempotent": True,
        "severity_counts": {"error": 0, "warning": 2, "info": 1},
        "imports_left": 1,
    },
    "comparison": {"baseline_passing": 4, "still_passing": 3, "false_passes": 1},
    "lost": {"tests/test_x.py::test_y": "passed, but a coroutine was never awaited"},
}


def test_render_has_app_row_totals_and_causes() -> None:
    meta = {"machine": "2 cores", "runs": [{"command": "python -m corpus run", "date": "d"}]}
    text = render([RESULT], meta)
    assert "| demo | 4 | 3 | 75 % | 1 | 3 | yes | yes | 0/2/1 | 1 | ok |" in text
    assert "| **total (1 apps)** | **4** | **3** | **75 %** | **1** |" in text
    assert "`demo::tests/test_x.py::test_y`" in text
    assert "`python -m corpus run`" in text
    assert "- **demo**: `owner/demo` at `0123456789` (2019): factory, Flask-Login." in text
    assert "*Baseline note:* pins dropped" in text


def test_an_app_without_a_converted_run_shows_dashes() -> None:
    result = {"name": "broken", "status": "baseline install failed", "baseline": {"passed": 0}}
    text = render([result], {})
    assert "| broken | 0 | 0 | – | 0 | – | – | – | 0/0/0 | – | baseline install failed |" in text
