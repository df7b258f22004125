"""Multi-module fixture projects: ``tests/fixtures/projects/<case>/``.

Each case holds ``before/`` (a project tree), ``after/`` (the whole tree after ``migrate``,
generated files included) and ``report.txt`` (every report line, paths relative to the project,
``path:line:col RULE severity message → fix``). An optional ``settings.json`` gives the rule
settings (``{"gather": true}``). ``python -m tests._projects [CASES]`` rewrites ``after/`` and
``report.txt`` from the current output: review every change, it does not decide what is right.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from flask2quart._report import RunReport
from flask2quart._runner import Options, run
from flask2quart._settings import RuleSettings
from flask2quart.codemods import select_rules

PROJECTS = Path(__file__).parent / "fixtures" / "projects"
# What `migrate` runs when asked for nothing else (opt-in rules off), as a user would.
DEFAULT_RULES = tuple(select_rules()[0])


def settings_of(case: Path) -> dict[str, object]:
    path = case / "settings.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def migrate_tree(source: Path, work: Path, settings: dict[str, object]) -> RunReport:
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(source, work)
    return run(
        [work],
        Options(mode="write", rules=DEFAULT_RULES, settings=RuleSettings.from_mapping(settings)),
    )


def tree(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def report_lines(report: RunReport, root: Path) -> list[str]:
    lines = []
    for finding in report.findings:
        path = Path(finding.path)
        relative = (path if path.is_absolute() else Path.cwd() / path).resolve()
        where = relative.relative_to(root.resolve()).as_posix()
        text = f"{where}:{finding.line}:{finding.column} {finding.rule} {finding.severity} "
        text += finding.message + (f" → {finding.fix}" if finding.fix else "")
        lines.append(text)
    return lines


def regenerate(case: Path, scratch: Path) -> None:
    work = scratch / case.name
    report = migrate_tree(case / "before", work, settings_of(case))
    after = case / "after"
    if after.exists():
        shutil.rmtree(after)
    shutil.copytree(work, after, ignore=shutil.ignore_patterns("__pycache__"))
    (case / "report.txt").write_text("\n".join(report_lines(report, work)) + "\n")


def main(argv: list[str]) -> None:
    import tempfile

    cases = [PROJECTS / name for name in argv] or sorted(
        p for p in PROJECTS.iterdir() if p.is_dir()
    )
    with tempfile.TemporaryDirectory() as scratch:
        for case in cases:
            regenerate(case, Path(scratch))
            print(f"regenerated {case}")


if __name__ == "__main__":
    main(sys.argv[1:])
