"""Edit a project's dependency lists as text, keeping everything else byte for byte.

Formats edited: pip requirements files; ``pyproject.toml`` PEP 621 (``[project] dependencies``,
``[project.optional-dependencies]``), PEP 735 ``[dependency-groups]`` and Poetry
(``[tool.poetry.dependencies]``, ``[tool.poetry.group.*.dependencies]``,
``[tool.poetry.dev-dependencies]``); ``Pipfile`` (every package category); ``setup.cfg``
(``install_requires`` and ``extras_require``). Each edit works line by line and TOML results are
parsed back (``tomllib``) before they are used. Anything else (``setup.py``) is left to the caller
to report.

Every editor takes the same :class:`Plan` (what to replace, which pins the Quart stack cannot
install with, what to append to the main and to the test list) and returns an :class:`Edit`:
the new text, the names each list declares, and :class:`Note` s about pins it replaced.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
# name, optional extras, then the rest of a PEP 508 requirement up to a marker or a comment
_REQUIREMENT = re.compile(
    r"^(?P<lead>\s*)(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<extras>\[[^\]]*\])?"
    r"(?P<spec>[^;#]*?)(?P<tail>\s*(?:[;#].*)?)$",
    re.DOTALL,
)

# What the Quart stack needs of packages a project may pin itself: quart 0.22 requires Flask>=3.0
# and werkzeug>=3.0, Flask 3.0 requires these; quart-wtforms requires WTForms>=3.0 and
# quart-babel Babel>=2.11. Keyed by the package that brings the need.
STACK_NEEDS: dict[str, dict[str, str]] = {
    "quart": {
        "werkzeug": ">=3.0",
        "jinja2": ">=3.1.2",
        "itsdangerous": ">=2.1.2",
        "click": ">=8.1.3",
        "blinker": ">=1.6.2",
        "markupsafe": ">=2.1.1",
    },
    "quart-wtforms": {"wtforms": ">=3.0"},
    "quart-babel": {"babel": ">=2.11"},
    # Converted suites enter Quart's contexts in async fixtures: only pytest-asyncio 1.1 and
    # later carry an async fixture's contextvars into the test and its own teardown on every
    # Python (0.25 on 3.11+; before, the teardown runs in a fresh context and `pop()` fails);
    # 1.1 requires pytest 8.2. A pin the floor rules out is widened.
    "pytest-asyncio": {"pytest": ">=8.2", "pytest-asyncio": ">=1.1"},
}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = _NAME.match(requirement)
    return canonical(match.group(1)) if match else ""


@dataclass
class DependencyChanges:
    """What the rules asked for: replacements, and additions to the main or test group."""

    replace: dict[str, str] = field(default_factory=dict)  # canonical old name -> new requirement
    add: list[str] = field(default_factory=list)
    add_test: list[str] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.replace or self.add or self.add_test)

    def needs(self) -> dict[str, str]:
        """Canonical name -> the specifier the Quart stack needs of it."""
        needs: dict[str, str] = {}
        for requirement in [*self.replace.values(), *self.add, *self.add_test]:
            needs.update(STACK_NEEDS.get(requirement_name(requirement), {}))
        return needs


@dataclass
class Plan:
    """One file's edit: replacements, pins to widen, and what to append."""

    replace: dict[str, str]
    needs: dict[str, str] = field(default_factory=dict)
    add_main: list[str] = field(default_factory=list)
    add_test: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, changes: DependencyChanges) -> Plan:
        return cls(dict(changes.replace), changes.needs())


@dataclass
class Note:
    line: int  # 1-based
    message: str
    fix: str


@dataclass
class Edit:
    text: str
    main: set[str] | None = None  # names in the main list; None when the file has none
    test: set[str] | None = None  # names in the test list(s); None when the file has none
    replaced: bool = False  # a requirement was replaced (the file declared Flask or an extension)
    notes: list[Note] = field(default_factory=list)


# ---------------------------------------------------------------- specifiers


def _version(text: str) -> tuple[int, ...] | None:
    parts = []
    for part in text.strip().split("."):
        digits = re.match(r"\d+", part)
        if not digits:
            break
        parts.append(int(digits.group(0)))
    return tuple(parts) or None


def _cmp(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    width = max(len(a), len(b))
    a, b = a + (0,) * (width - len(a)), b + (0,) * (width - len(b))
    return (a > b) - (a < b)


_CLAUSE = re.compile(r"(===|==|!=|<=|>=|~=|<|>)\s*([0-9][0-9A-Za-z.*+!-]*)")


def _allows(specifier: str, version: tuple[int, ...]) -> bool:
    """Whether a PEP 440 specifier (comma-separated clauses) admits ``version`` (a release)."""
    for op, text in _CLAUSE.findall(specifier):
        wildcard = text.endswith(".*")
        bound = _version(text.removesuffix(".*"))
        if bound is None:
            continue
        order = _cmp(version, bound)
        prefix = version[: len(bound)] + (0,) * max(0, len(bound) - len(version)) == bound
        ok = {
            "==": prefix if wildcard else order == 0,
            "===": order == 0,
            "!=": not prefix if wildcard else order != 0,
            "<=": order <= 0,
            ">=": order >= 0,
            "<": order < 0,
            ">": order > 0,
            "~=": order >= 0
            and version[: max(1, len(bound) - 1)] == bound[: max(1, len(bound) - 1)],
        }[op]
        if not ok:
            return False
    return True


def _probes(minimum: tuple[int, ...], specifier: str) -> list[tuple[int, ...]]:
    grid = [(major, minor, patch) for major in range(30) for minor in range(30) for patch in (0, 5)]
    named = [
        v for _, text in _CLAUSE.findall(specifier) if (v := _version(text.removesuffix(".*")))
    ]
    return [v for v in [*grid, *named, minimum] if _cmp(v, minimum) >= 0]


def cannot_meet(specifier: str, need: str) -> bool:
    """True when no release the ``need`` (``>=X``) admits satisfies ``specifier`` (PEP 440)."""
    minimum = _version(need.removeprefix(">="))
    if minimum is None or not _CLAUSE.search(specifier):
        return False
    return not any(_allows(specifier, v) for v in _probes(minimum, specifier))


def poetry_to_pep440(constraint: str) -> list[str]:
    """A Poetry constraint as PEP 440 alternatives (``||``); ``*`` is the empty specifier."""
    alternatives = []
    for alternative in re.split(r"\|\|?", constraint):
        clauses = []
        for clause in re.split(r"[,\s]+(?=[\^~<>=!0-9*])", alternative.strip()):
            clause = clause.strip().rstrip(",")
            if not clause or clause == "*":
                continue
            if clause.startswith(("^", "~")) and not clause.startswith("~="):
                version = _version(clause[1:])
                if version is None:
                    continue
                if clause[0] == "^":
                    index = next((i for i, n in enumerate(version) if n), len(version) - 1)
                else:
                    index = min(1, len(version) - 1) if len(version) > 1 else 0
                upper = (*version[:index], version[index] + 1)
                clauses.append(f">={clause[1:]},<{'.'.join(map(str, upper))}")
            elif clause[0].isdigit():
                clauses.append(f"=={clause}")
            else:
                clauses.append(clause)
        alternatives.append(",".join(clauses))
    return alternatives


def _pin_note(line: int, spelled: str, declared: str, need: str) -> Note:
    return Note(
        line,
        f"{declared} cannot be installed with the Quart stack, which needs "
        f"{spelled}{need}: the pin was replaced by {spelled}{need}",
        f"check the code against {spelled} {need.removeprefix('>=')}'s changes (APIs the old "
        "release had may be gone) and pin a release of that line if you need one",
    )


# ---------------------------------------------------------------- PEP 508 strings


def _requirement(text: str, plan: Plan, line: int, notes: list[Note]) -> tuple[str, str, bool]:
    """Rewrite one PEP 508 requirement: (new text, canonical name, replaced)."""
    match = _REQUIREMENT.match(text)
    if not match:
        return text, "", False
    name = canonical(match.group("name"))
    if name in plan.replace:
        new = plan.replace[name]
        tail = match.group("tail")
        if tail.lstrip().startswith("#"):
            tail = "  " + tail.lstrip()
        return match.group("lead") + new + tail, requirement_name(new), True
    need = plan.needs.get(name)
    spec = match.group("spec")
    if need and cannot_meet(spec, need):
        pinned = match.group("name") + re.sub(r"\s+", "", spec)
        notes.append(_pin_note(line, match.group("name"), pinned, need))
        spaced = " " if spec.endswith(" ") else ""
        head = match.group("lead") + match.group("name") + (match.group("extras") or "")
        return head + need + spaced + match.group("tail"), name, False
    return text, name, False


def edit_requirements(
    text: str,
    changes: DependencyChanges | Plan,
    test_file: bool = False,
    *,
    add: list[str] | None = None,
) -> Edit:
    """A requirements file (one requirement per line); ``add`` is appended when not declared."""
    plan = changes if isinstance(changes, Plan) else Plan.of(changes)
    result = Edit(text)
    names: set[str] = set()
    out = []
    for number, line in enumerate(text.splitlines(keepends=True), 1):
        if line.lstrip().startswith(("#", "-")) or not line.strip():
            out.append(line)
            continue
        body = line.rstrip("\r\n")
        new, name, replaced = _requirement(body, plan, number, result.notes)
        result.replaced |= replaced
        if name:
            names.add(name)
        out.append(new + line[len(body) :])
    additions = [r for r in dict.fromkeys(add or ()) if requirement_name(r) not in names]
    if additions and out and not out[-1].endswith("\n"):
        out[-1] += "\n"
    out.extend(f"{requirement}\n" for requirement in additions)
    names.update(requirement_name(r) for r in additions)
    result.text = "".join(out)
    if test_file:
        result.test = names
    else:
        result.main = names
    return result


def includes(text: str) -> list[str]:
    """The files a requirements file pulls in with ``-r`` / ``-c`` (as written)."""
    found = []
    for line in text.splitlines():
        match = re.match(
            r"^\s*(?:-r|-c|--requirement|--constraint)[\s=]+(\S+)", line.split(" #")[0]
        )
        if match:
            found.append(match.group(1))
    return found


# ---------------------------------------------------------------- TOML, line by line

_ARRAY_START = re.compile(r"^(\s*)([A-Za-z0-9_.\"'-]+)\s*=\s*\[")
_KEY_VALUE = re.compile(
    r"^(?P<lead>\s*)(?P<key>\"[^\"]+\"|'[^']+'|[A-Za-z0-9_.-]+)(?P<eq>\s*=\s*)(?P<value>.*)$",
    re.DOTALL,
)
_STRING = re.compile(r"\"((?:[^\"\\]|\\.)*)\"|'([^']*)'")


def _tables(lines: list[str]) -> list[tuple[str, int]]:
    tables = []
    for number, line in enumerate(lines):
        stripped = line.split("#")[0].strip()
        if stripped.startswith("[") and not stripped.startswith("[["):
            name = stripped.strip("[]").strip()
            tables.append((".".join(p.strip().strip("\"'") for p in name.split(".")), number))
        elif stripped.startswith("[["):
            tables.append(("[[" + stripped.strip("[]").strip() + "]]", number))
    return tables


def _array_span(lines: list[str], start: int) -> int:
    """Index of the line holding the ``]`` that closes the array opened on ``start``."""
    depth = 0
    for number in range(start, len(lines)):
        text = re.sub(r"\"(?:[^\"\\]|\\.)*\"|'[^']*'", "", lines[number].split("#")[0])
        depth += text.count("[") - text.count("]")
        if depth <= 0:
            return number
    return len(lines) - 1


def _edit_array(
    lines: list[str], start: int, plan: Plan, additions: list[str], edit: Edit
) -> set[str]:
    end = _array_span(lines, start)
    items: set[str] = set()
    for number in range(start, end + 1):
        code = lines[number].split("#")[0] if number > start else lines[number]
        for match in list(_STRING.finditer(code)):
            value = match.group(1) if match.group(1) is not None else match.group(2)
            if number == start and match.start() < lines[start].index("["):
                continue  # a quoted key
            new, name, replaced = _requirement(value, plan, number + 1, edit.notes)
            edit.replaced |= replaced
            if name:
                items.add(name)
            if new != value:
                quote = match.group(0)[0]
                lines[number] = lines[number].replace(match.group(0), f"{quote}{new}{quote}", 1)
    missing = [r for r in dict.fromkeys(additions) if requirement_name(r) not in items]
    items.update(requirement_name(r) for r in missing)
    if not missing:
        return items
    if start == end:  # one-line array: insert before the closing bracket
        line = lines[start]
        close = line.rindex("]")
        inside = line[line.index("[") + 1 : close].strip()
        joined = ", ".join(f'"{r}"' for r in missing)
        separator = ", " if inside and not inside.endswith(",") else (" " if inside else "")
        lines[start] = line[:close].rstrip() + separator + joined + line[close:]
        return items
    indent = re.match(r"\s*", lines[start + 1]).group(0) if start + 1 < end else "    "  # type: ignore[union-attr]
    previous = end - 1
    while previous > start and not lines[previous].strip():
        previous -= 1
    if previous > start and not lines[previous].split("#")[0].rstrip().endswith((",", "[")):
        body = lines[previous].rstrip("\r\n")
        code, hash_, comment = body.partition("#")
        lines[previous] = code.rstrip() + "," + (f"  #{comment}" if hash_ else "") + "\n"
    closing = lines[end]
    if closing.strip() != "]" and not closing.strip().startswith("]"):
        # items and the bracket share the last line: put the bracket on its own line
        close = closing.rindex("]")
        head = closing[:close].rstrip()
        lines[end] = head + ("" if head.endswith(",") else ",") + "\n"
        lines[end + 1 : end + 1] = [f'{indent}"{r}",\n' for r in missing] + [closing[close:]]
        return items
    lines[end:end] = [f'{indent}"{r}",\n' for r in missing]
    return items


def _toml_value(requirement: str) -> tuple[str, str]:
    """A PEP 508 requirement as a Poetry / Pipfile ``key = value`` pair."""
    match = _REQUIREMENT.match(requirement)
    assert match is not None
    spec = match.group("spec").strip() or "*"
    extras = match.group("extras")
    if extras:
        listed = ", ".join(f'"{e.strip()}"' for e in extras.strip("[]").split(","))
        return match.group("name"), f'{{version = "{spec}", extras = [{listed}]}}'
    return match.group("name"), f'"{spec}"'


def _edit_table(
    lines: list[str],
    start: int,
    stop: int,
    plan: Plan,
    additions: list[str],
    edit: Edit,
    poetry: bool,
) -> set[str]:
    """``name = "constraint"`` / ``name = {version = ...}`` lines of a Poetry or Pipfile table."""
    names: set[str] = set()
    last = start
    for number in range(start + 1, stop):
        match = _KEY_VALUE.match(lines[number])
        if not match or lines[number].lstrip().startswith("#"):
            continue
        last = number
        key = match.group("key").strip("\"'")
        name = canonical(key)
        if name == "python":
            continue
        names.add(name)
        value = match.group("value")
        if name in plan.replace:
            new_key, new_value = _toml_value(plan.replace[name])
            code_end = _value_end(value)
            if code_end is None:
                continue  # a value over several lines: left alone
            rest = value[code_end:]
            comment = rest.rstrip("\r\n")
            ending = rest[len(comment) :]
            lines[number] = match.group("lead") + new_key + match.group("eq") + new_value
            lines[number] += comment + ending
            names.discard(name)
            names.add(canonical(new_key))
            edit.replaced = True
            continue
        need = plan.needs.get(name)
        if not need:
            continue
        begin = -1
        if value.lstrip().startswith(("'", '"')):
            target = _STRING.search(value)
            begin = target.start() if target else -1
        else:
            version = re.search(r"\bversion\s*=\s*(\"[^\"]*\"|'[^']*')", value.split("#")[0])
            target = _STRING.match(version.group(1)) if version else None
            begin = version.start(1) if version else -1
        if target is None or begin < 0:
            continue
        constraint = target.group(1) if target.group(1) is not None else target.group(2)
        options = poetry_to_pep440(constraint) if poetry else [constraint]
        if all(cannot_meet(option, need) for option in options):
            edit.notes.append(_pin_note(number + 1, key, f'{key} = "{constraint}"', need))
            quote = target.group(0)[0]
            end = begin + len(target.group(0))
            value = value[:begin] + f"{quote}{need}{quote}" + value[end:]
            lines[number] = match.group("lead") + match.group("key") + match.group("eq") + value
    missing = [r for r in dict.fromkeys(additions) if requirement_name(r) not in names]
    if missing:
        insert = last + 1
        if not lines[last].endswith("\n"):
            lines[last] += "\n"
        lines[insert:insert] = ["{} = {}\n".format(*_toml_value(r)) for r in missing]
        names.update(requirement_name(r) for r in missing)
    return names


def _value_end(value: str) -> int | None:
    """Where a one-line TOML value ends (before its comment); None when it spans lines."""
    depth = 0
    index = 0
    while index < len(value):
        char = value[index]
        if char in "\"'":
            close = value.find(char, index + 1)
            while char == '"' and close > 0 and value[close - 1] == "\\":
                close = value.find(char, close + 1)
            if close < 0:
                return None
            index = close + 1
            continue
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "#" or (char in "\r\n" and depth == 0):
            break
        index += 1
    if depth:
        return None
    return len(value[:index].rstrip()) if index < len(value) else len(value.rstrip("\r\n"))


_TEST_GROUPS = ("test", "tests", "testing", "dev")


def _pick(groups: object) -> str | None:
    if not isinstance(groups, dict):
        return None
    return next((name for name in _TEST_GROUPS if name in groups), None)


def _parses(text: str) -> bool:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return False
    return True


def edit_pyproject(
    text: str,
    changes: DependencyChanges | Plan,
    *,
    add: list[str] | None = None,
    add_test: list[str] | None = None,
) -> Edit | None:
    """PEP 621, PEP 735 and Poetry lists of a pyproject.toml; None when it declares none.

    Without ``add``/``add_test`` a :class:`DependencyChanges`' own additions are used."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    if isinstance(changes, DependencyChanges):
        add = changes.add if add is None else add
        add_test = changes.add_test if add_test is None else add_test
    plan = changes if isinstance(changes, Plan) else Plan.of(changes)
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    pep621 = isinstance(project, dict) and "dependencies" in project
    poetry_main = isinstance(poetry, dict) and isinstance(poetry.get("dependencies"), dict)
    groups = data.get("dependency-groups")
    optional = project.get("optional-dependencies") if isinstance(project, dict) else None
    poetry_groups = poetry.get("group") if isinstance(poetry, dict) else None
    if not (pep621 or poetry_main or isinstance(groups, dict) or optional):
        return None
    # the one list test additions go to, by preference
    test_target = None
    if (name := _pick(optional)) is not None:
        test_target = f"project.optional-dependencies:{name}"
    elif (name := _pick(groups)) is not None:
        test_target = f"dependency-groups:{name}"
    elif isinstance(poetry_groups, dict) and (name := _pick(poetry_groups)) is not None:
        test_target = f"tool.poetry.group.{name}.dependencies"
    elif isinstance(poetry, dict) and "dev-dependencies" in poetry:
        test_target = "tool.poetry.dev-dependencies"
    main_target = "project:dependencies" if pep621 else "tool.poetry.dependencies"
    edit = Edit(text)
    lines = text.splitlines(keepends=True)
    tables = [*_tables(lines), ("", len(lines))]
    # bottom up, so that lines inserted in one list do not move the ones not yet edited
    for (table, start), (_, stop) in reversed(list(itertools.pairwise(tables))):
        if table in ("project", "project.optional-dependencies", "dependency-groups"):
            for number in reversed(range(start + 1, stop)):
                match = _ARRAY_START.match(lines[number])
                if not match:
                    continue
                key = match.group(2).strip("\"'")
                if table == "project" and key != "dependencies":
                    continue
                where = f"{table}:{key}"
                additions = [*(add or ())] if where == main_target else []
                if where == test_target:
                    additions += [*(add_test or ())]
                names = _edit_array(lines, number, plan, additions, edit)
                if where == main_target:
                    edit.main = names
                else:
                    edit.test = (edit.test or set()) | names
        elif re.fullmatch(
            r"tool\.poetry\.(dependencies|dev-dependencies|group\.[^.]+\.dependencies)", table
        ):
            additions = [*(add or ())] if table == main_target else []
            if table == test_target:
                additions += [*(add_test or ())]
            names = _edit_table(lines, start, stop, plan, additions, edit, poetry=True)
            if table == main_target:
                edit.main = (edit.main or set()) | names
            else:
                edit.test = (edit.test or set()) | names
    if test_target is not None and edit.test is None:
        edit.test = set()
    result = "".join(lines)
    if not _parses(result):
        return None
    edit.text = result
    return edit


_PIPFILE_NOT_PACKAGES = ("source", "requires", "scripts", "pipenv")


def edit_pipfile(
    text: str, plan: Plan, *, add: list[str] | None = None, add_test: list[str] | None = None
) -> Edit | None:
    """A Pipfile: every package category; additions to [packages] and [dev-packages]."""
    if not _parses(text):
        return None
    edit = Edit(text)
    lines = text.splitlines(keepends=True)
    tables = [*_tables(lines), ("", len(lines))]
    for (table, start), (_, stop) in reversed(list(itertools.pairwise(tables))):
        if table.startswith("[[") or table in _PIPFILE_NOT_PACKAGES or "." in table:
            continue
        additions = [*(add or ())] if table == "packages" else []
        additions += [*(add_test or ())] if table == "dev-packages" else []
        names = _edit_table(lines, start, stop, plan, additions, edit, poetry=False)
        if table == "packages":
            edit.main = names
        elif table == "dev-packages":
            edit.test = names
    result = "".join(lines)
    if not _parses(result):
        return None
    edit.text = result
    return edit


def edit_setup_cfg(
    text: str, plan: Plan, *, add: list[str] | None = None, add_test: list[str] | None = None
) -> Edit | None:
    """``[options] install_requires`` and ``[options.extras_require]`` lists of a setup.cfg."""
    edit = Edit(text)
    lines = text.splitlines(keepends=True)
    section = ""
    key = ""
    spans: list[tuple[str, int, int, str]] = []  # (list, first value line, last line, indent)
    for number, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("["):
            section, key = stripped.strip("[]").strip(), ""
            continue
        if line[:1] not in (" ", "\t") and "=" in line and not stripped.startswith(("#", ";")):
            name, _, value = line.partition("=")
            key = ""
            if (section, name.strip()) == ("options", "install_requires"):
                key = "main"
            elif section == "options.extras_require":
                key = f"extra:{name.strip()}"
            if key:
                spans.append((key, number, number, ""))
                if value.strip():
                    rest = line[line.index("=") + 1 :]
                    new, req, replaced = _requirement(rest.strip(), plan, number + 1, edit.notes)
                    edit.replaced |= replaced
                    lead = rest[: len(rest) - len(rest.lstrip())]
                    lines[number] = line[: line.index("=") + 1] + lead + new + "\n"
                    _record(edit, key, req)
            continue
        if key and line[:1] in (" ", "\t") and stripped and not stripped.startswith(("#", ";")):
            body = line.rstrip("\r\n")
            new, req, replaced = _requirement(body, plan, number + 1, edit.notes)
            edit.replaced |= replaced
            lines[number] = new + line[len(body) :]
            _record(edit, key, req)
            kind, first, _, _ = spans[-1]
            spans[-1] = (kind, first, number, body[: len(body) - len(body.lstrip())])
        elif stripped and line[:1] not in (" ", "\t"):
            key = ""
    if not spans:
        return None
    test_extra = next(
        (f"extra:{n}" for n in _TEST_GROUPS if any(s[0] == f"extra:{n}" for s in spans)), None
    )
    for kind, _first, last, indent in reversed(spans):
        wanted = [*(add or ())] if kind == "main" else []
        wanted += [*(add_test or ())] if kind == test_extra else []
        present = edit.main if kind == "main" else edit.test
        missing = [
            r for r in dict.fromkeys(wanted) if requirement_name(r) not in (present or set())
        ]
        if missing:
            lines[last + 1 : last + 1] = [f"{indent or '    '}{r}\n" for r in missing]
            for requirement in missing:
                _record(edit, kind, requirement_name(requirement))
    if test_extra is None:
        edit.test = None
    edit.text = "".join(lines)
    return edit


def _record(edit: Edit, key: str, name: str) -> None:
    if not name:
        if key == "main" and edit.main is None:
            edit.main = set()
        return
    if key == "main":
        edit.main = (edit.main or set()) | {name}
    else:
        edit.test = (edit.test or set()) | {name}


Editor = Callable[..., Edit | None]
