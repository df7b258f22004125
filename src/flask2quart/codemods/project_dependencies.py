"""F2Q117: the converted project depends on Quart (and on what the other rules added).

Runs after every file is converted. In each migrated root it edits every dependency list a
user's install reads: requirements files (``*requirements*.txt`` and ``requirements/*.txt`` at
any depth, and the files they include with ``-r``/``-c``), ``pyproject.toml`` (PEP 621
``dependencies`` and ``optional-dependencies``, PEP 735 ``[dependency-groups]``, Poetry
``[tool.poetry.dependencies]`` and its groups), ``Pipfile`` (every package category) and
``setup.cfg`` (``install_requires``, ``extras_require``). ``flask`` becomes ``quart>=0.22`` (the
oldest release the generated code is tested on; Flask's pin does not carry over), each converted
extension its Quart counterpart, and the requirements other rules asked for through
``ProjectContext.dependencies`` are added to each list that declared Flask (a pyproject.toml
and a requirements.txt beside it are both complete installs), once per list; test-only ones to
the test group or file. A counterpart the project never declared (an extension it got
through another package) is added too. A pin the Quart stack cannot be installed with
(``werkzeug==2.3``, ``WTForms<3`` next to quart-wtforms) is widened to what the stack needs and
reported at its line. Every other byte is kept. ``setup.py`` is not edited: what it should say
is reported at the line that declares it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flask2quart._dependencies import (
    DependencyChanges,
    Edit,
    Plan,
    canonical,
    edit_pipfile,
    edit_pyproject,
    edit_requirements,
    edit_setup_cfg,
    includes,
    requirement_name,
)
from flask2quart._project import ProjectContext
from flask2quart._rules import Rule

QUART_REQUIREMENT = "quart>=0.22"
_SKIP_DIRS = frozenset(
    {"node_modules", "site-packages", "venv", "env", "build", "dist", "__pycache__"}
)


def _skipped(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts[:-1]
    return any(part.startswith(".") or part in _SKIP_DIRS for part in parts)


def _requirement_files(project: ProjectContext, root: Path) -> list[Path]:
    found = {
        path
        for pattern in ("**/*requirements*.txt", "**/requirements/*.txt")
        for path in root.glob(pattern)
        if path.is_file() and not _skipped(path, root)
    }
    queue = sorted(found)
    while queue:  # files pulled in with -r / -c, wherever they are under the root
        path = queue.pop()
        text = (project.read(path) or b"").decode("utf-8", errors="replace")
        for name in includes(text):
            included = (path.parent / name).resolve()
            if included.is_file() and included.is_relative_to(root.resolve()):
                included = root / included.relative_to(root.resolve())
                if included not in found:
                    found.add(included)
                    queue.append(included)

    def order(path: Path) -> tuple[int, int, str]:
        relative = path.relative_to(root)
        return (len(relative.parts), relative.name != "requirements.txt", relative.as_posix())

    return sorted(found, key=order)


def _named_for_tests(path: Path) -> bool:
    name = path.name.lower()
    return "test" in name or "dev" in name


def _mentions_pytest(text: str) -> bool:
    return any(requirement_name(line) == "pytest" for line in text.splitlines())


@dataclass
class _Declaration:
    path: Path
    kind: str  # requirements, pyproject, pipfile, setup.cfg
    original: str
    edit: Edit
    test_file: bool = False
    # a requirements.txt that lists the app's packages and pytest alike declares both
    mixed: bool = False

    def apply(self, plan: Plan, add: list[str], add_test: list[str]) -> Edit | None:
        if self.kind == "requirements" and self.mixed:
            edit = edit_requirements(self.original, plan, False, add=[*add, *add_test])
            edit.test = edit.main
            return edit
        if self.kind == "requirements":
            return edit_requirements(
                self.original, plan, self.test_file, add=add_test if self.test_file else add
            )
        editor = {"pyproject": edit_pyproject, "pipfile": edit_pipfile, "setup.cfg": edit_setup_cfg}
        return editor[self.kind](self.original, plan, add=add, add_test=add_test)


class ProjectDependencies(Rule):
    id = "F2Q117"
    name = "project-dependencies"
    summary = (
        "requirements, pyproject (PEP 621, PEP 735, Poetry), Pipfile, setup.cfg: flask -> "
        "quart, each extension -> its counterpart, plus what other rules need"
    )

    @classmethod
    def finish(cls, project: ProjectContext) -> None:
        changes = project.dependencies
        changes.replace.setdefault("flask", QUART_REQUIREMENT)
        for root in project.roots:
            cls._edit_root(project, root, changes)

    @classmethod
    def _declarations(cls, project: ProjectContext, root: Path, plan: Plan) -> list[_Declaration]:
        found: list[_Declaration] = []
        for kind, name in (("pyproject", "pyproject.toml"), ("pipfile", "Pipfile")):
            found.extend(cls._load(project, root / name, kind, plan))
        found.extend(cls._load(project, root / "setup.cfg", "setup.cfg", plan))
        for path in _requirement_files(project, root):
            found.extend(cls._load(project, path, "requirements", plan))
        return found

    @classmethod
    def _load(
        cls, project: ProjectContext, path: Path, kind: str, plan: Plan
    ) -> list[_Declaration]:
        data = project.read(path)
        if data is None:
            return []
        text = data.decode("utf-8", errors="replace")
        declaration = _Declaration(path, kind, text, Edit(text))
        if kind == "requirements":
            declaration.test_file = _named_for_tests(path)
            declaration.mixed = not declaration.test_file and _mentions_pytest(text)
        edit = declaration.apply(plan, [], [])
        if edit is None:
            return []
        declaration.edit = edit
        return [declaration]

    @classmethod
    def _edit_root(cls, project: ProjectContext, root: Path, changes: DependencyChanges) -> None:
        plan = Plan.of(changes)
        declarations = cls._declarations(project, root, plan)
        # quart first, then the counterparts, then what the rules added
        wanted = sorted(changes.replace.values(), key=lambda r: r != QUART_REQUIREMENT)
        wanted += changes.add
        mains = [d for d in declarations if d.edit.main is not None]
        tests = [d for d in declarations if d.edit.test is not None]
        declared_main = {n for d in mains for n in d.edit.main or ()}
        declared = declared_main | {n for d in tests for n in d.edit.test or ()}
        add_test = [
            r for r in dict.fromkeys(changes.add_test) if requirement_name(r) not in declared
        ]
        # Every list that declared Flask is a complete install on its own (a pyproject.toml
        # beside a requirements.txt): each gets what the converted code imports.
        main_targets = [d for d in mains if d.edit.replaced] or mains[:1]
        main_target = main_targets[0] if main_targets else None
        test_target = next((d for d in tests if d.edit.test is not None), None)
        for declaration in declarations:
            edit: Edit | None = declaration.edit
            extra = _missing(wanted, declaration, mains) if declaration in main_targets else []
            extra_test = add_test if declaration is test_target else []
            if extra or extra_test:
                edit = declaration.apply(plan, extra, extra_test)
            if edit is None:
                continue
            for note in edit.notes:
                project.report_finding(
                    declaration.path, note.line, cls.id, "warning", note.message, note.fix
                )
            if edit.text != declaration.original:
                project.write(declaration.path, edit.text.encode("utf-8"))
        setup_py = cls._report_setup_py(project, root, changes, add_test)
        if main_target is None and not setup_py and (changes.add or changes.add_test):
            # nothing declares the project's dependencies: the finding is about the folder
            cls._report_missing(project, root, [*dict.fromkeys(wanted), *add_test], "")
        elif main_target is not None and test_target is None and add_test:
            cls._report_missing(project, main_target.path, add_test, " test")

    @classmethod
    def _report_missing(
        cls, project: ProjectContext, path: Path, wanted: list[str], which: str
    ) -> None:
        listed = ", ".join(dict.fromkeys(wanted))
        project.report_finding(
            path,
            1,
            cls.id,
            "info",
            f"no{which} dependency list to update (requirements, pyproject.toml, Pipfile, "
            "setup.cfg)",
            f"add to the project's{which} dependencies: {listed}",
        )

    @classmethod
    def _report_setup_py(
        cls, project: ProjectContext, root: Path, changes: DependencyChanges, add_test: list[str]
    ) -> bool:
        """Report what setup.py's install_requires should say; True when it has one."""
        path = root / "setup.py"
        data = project.read(path)
        if data is None:
            return False
        lines = data.decode("utf-8", errors="replace").splitlines()
        start = next((i for i, line in enumerate(lines) if "install_requires" in line), None)
        if start is None:
            return False
        for number, line in enumerate(lines[start:], start + 1):
            for match in re.finditer(r"[\"']([A-Za-z0-9][A-Za-z0-9._-]*)[^\"']*[\"']", line):
                new = changes.replace.get(canonical(match.group(1)))
                if new:
                    project.report_finding(
                        path,
                        number,
                        cls.id,
                        "warning",
                        f"setup.py is not edited: {match.group(0)} is still required",
                        f'replace it by "{new}"',
                    )
            if "]" in line or ")" in line:
                break
        wanted = [("install_requires", changes.add), ("the test requirements", add_test)]
        fix = "; ".join(
            f"add to {where}: " + ", ".join(dict.fromkeys(requirements))
            for where, requirements in wanted
            if requirements
        )
        if fix:
            project.report_finding(
                path,
                start + 1,
                cls.id,
                "info",
                "setup.py is not edited: the converted project needs more requirements",
                fix,
            )
        return True


def _missing(wanted: list[str], target: _Declaration, mains: list[_Declaration]) -> list[str]:
    """What ``target`` must add: the wanted requirements it does not declare, nor a file of
    the same kind does (a requirements file that ``-r``-includes another)."""
    declared = set(target.edit.main or ())
    declared |= {n for d in mains if d.kind == target.kind for n in d.edit.main or ()}
    return [r for r in dict.fromkeys(wanted) if requirement_name(r) not in declared]
