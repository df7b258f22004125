"""``python -m tests._regenerate [FILES]``: refresh fixtures' expected output and report.

Writes the tool's current output into each fixture file so a reviewer can read the result in
``git diff``. It never decides what is right: review every change before committing.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests._harness import (
    EXPECTED_MARK,
    REPORT_MARK,
    Case,
    convert_text,
    report_lines,
    rules_for_fixture,
)

FIXTURES = Path(__file__).parent / "fixtures" / "rules"


def regenerate(path: Path) -> None:
    case = Case.load(path)
    with tempfile.TemporaryDirectory() as scratch:
        output, report = convert_text(
            Path(scratch) / "run", case.source, case.module, rules_for_fixture(path), case.settings
        )
    text = case.source
    if output != case.source:
        text += EXPECTED_MARK + output
    lines = report_lines(report)
    if lines:
        text += REPORT_MARK + "\n".join(lines) + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str]) -> None:
    paths = [Path(a) for a in argv] or sorted(FIXTURES.glob("*/*.py"))
    for path in paths:
        regenerate(path)
        print(f"regenerated {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
