"""F2Q117: the converted project depends on Quart (and on what the other rules added).

Runs after every file is converted. In each migrated root it edits ``requirements*.txt``
(and ``requirements/*.txt``) and the PEP 621 ``pyproject.toml``: ``flask`` becomes
``quart>=0.22`` (the oldest release the generated code is tested on; Flask's version pin does
not carry over), and the requirements other rules asked for through
``ProjectContext.dependencies`` are added — test-only ones to the test group or file. The edit
keeps every other byte; a project with no such file, or one the editor cannot edit safely
(setup.py, setup.cfg, Poetry), gets a report line listing what to add.
"""

from __future__ import annotations

from pathlib import Path

from flask2quart._dependencies import (
    DependencyChanges,
    edit_pyproject,
    edit_requirements,
    requirement_name,
)
from flask2quart._project import ProjectContext
from flask2quart._rules import Rule

QUART_REQUIREMENT = "quart>=0.22"


def _requirement_files(root: Path) -> list[Path]:
    found = sorted({*root.glob("*requirements*.txt"), *root.glob("requirements/*.txt")})
    return [path for path in found if path.is_file()]


def _is_test_file(path: Path, text: str) -> bool:
    name = path.name.lower()
    mentions_pytest = any(requirement_name(line) == "pytest" for line in text.splitlines())
    return "test" in name or "dev" in name or mentions_pytest


class ProjectDependencies(Rule):
    id = "F2Q117"
    name = "project-dependencies"
    summary = "requirements*.txt / pyproject.toml: flask -> quart, plus what other rules need"

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        changes = project.dependencies
        changes.replace.setdefault("flask", QUART_REQUIREMENT)
        for root in project.roots:
            edited = cls._edit_root(project, root, changes)
            if not edited and (changes.add or changes.add_test):
                wanted = ", ".join(dict.fromkeys([*changes.add, *changes.add_test]))
                project.report_finding(
                    root / "pyproject.toml",
                    1,
                    cls.id,
                    "info",
                    f"no requirements.txt or PEP 621 pyproject.toml to update in {root.name}/",
                    f"add to the project's dependencies: {QUART_REQUIREMENT}, {wanted}",
                )

    @classmethod
    def _edit_root(cls, project: ProjectContext, root: Path, changes: DependencyChanges) -> bool:
        edited = False
        for path in _requirement_files(root):
            text = (project.read(path) or b"").decode("utf-8")
            new = edit_requirements(text, changes, _is_test_file(path, text))
            edited = True
            if new != text:
                project.write(path, new.encode("utf-8"))
        pyproject = root / "pyproject.toml"
        original = project.read(pyproject)
        if original is not None:
            new_text = edit_pyproject(original.decode("utf-8"), changes)
            if new_text is not None:
                edited = True
                if new_text.encode("utf-8") != original:
                    project.write(pyproject, new_text.encode("utf-8"))
        return edited
