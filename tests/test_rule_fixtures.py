"""Every rule's before/after fixtures, plus the properties that hold on every file.

A fixture is ``tests/fixtures/rules/<rule-name>/<case-id>.py``: the input, then optionally
``# ----- expected -----`` and the expected output (absent: the file must stay byte-identical),
then optionally ``# ----- report -----`` and the expected report lines. Case ids that start with
``noop-`` must not change the file. For every case: the output matches, it compiles, and a
second run changes nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests._harness import Case, convert_text, report_lines, rules_for_fixture

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
CASES = sorted(FIXTURES.glob("*/*.py"))


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_fixture(path: Path, tmp_path: Path) -> None:
    case = Case.load(path)
    if path.stem.startswith("noop-"):
        assert case.expected is None, "a noop case has no expected section"
    rules = rules_for_fixture(path)
    output, report = convert_text(tmp_path / "run1", case.source, case.module, rules, case.settings)
    expected = case.source if case.expected is None else case.expected
    assert output == expected
    assert report_lines(report) == case.report
    ast.parse(expected)
    again, second = convert_text(tmp_path / "run2", output, case.module, rules, case.settings)
    assert again == output, "a second run must change nothing"
    assert second.counts["failed"] == 0


def test_every_rule_has_transform_and_noop_fixtures() -> None:
    from flask2quart.codemods import RULES

    for rule in RULES:
        module = rule.name.replace("-", "_")
        if (Path(__file__).parent / f"test_rule_{module}.py").is_file():
            continue  # a project-level rule, tested on whole trees in its own module
        folder = FIXTURES / module
        cases = list(folder.glob("*.py"))
        noops = [c for c in cases if c.stem.startswith("noop-")]
        assert noops, f"{rule.id} {rule.name}: no noop fixture in {folder}"
        assert len(cases) > len(noops), f"{rule.id} {rule.name}: no transform fixture"


def test_every_rule_has_a_docs_section() -> None:
    from flask2quart.codemods import RULES

    catalogue = (Path(__file__).parent.parent / "docs" / "rules.md").read_text()
    for rule in RULES:
        assert f"\n## {rule.id} {rule.name}\n" in catalogue, f"docs/rules.md lacks {rule.id}"


def test_rule_ids_and_names_are_unique_and_modules_match() -> None:
    from flask2quart.codemods import RULES

    assert len({r.id for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.__module__.rsplit(".", 1)[-1] == rule.name.replace("-", "_")


def test_every_rule_module_is_registered() -> None:
    import importlib

    from flask2quart._rules import Rule
    from flask2quart.codemods import RULES

    folder = Path(__file__).parent.parent / "src" / "flask2quart" / "codemods"
    for path in sorted(folder.glob("[a-z]*.py")):
        if path.stem == "commands":
            continue  # the libcst.tool adapters, not a rule
        module = importlib.import_module(f"flask2quart.codemods.{path.stem}")
        rules = [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, Rule)
            and value.__module__ == module.__name__
        ]
        assert len(rules) == 1, f"{path.name} must define exactly one rule"
        assert rules[0] in RULES, f"{rules[0].__name__} ({path.name}) is not in the registry"


def test_every_rule_is_in_the_changelog() -> None:
    from flask2quart.codemods import RULES

    changelog = (Path(__file__).parent.parent / "CHANGELOG.md").read_text()
    for rule in RULES:
        assert f"{rule.id} {rule.name}" in changelog, f"CHANGELOG.md does not mention {rule.id}"
