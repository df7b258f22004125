"""The one import pass per file, run after every rule: add what the rules asked for.

It only looks at the module's top-level statements, so it costs nothing next to a traversal.
New imports go right after the leading block of imports (never after the first use, the
placement bug other LibCST tools keep meeting), names are merged into an existing
``from quart import ...`` when there is one, and nothing already imported is added twice.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import libcst as cst

from flask2quart._transform import FieldlessVisitor, ImportRequest
from flask2quart.analysis.model import dotted_name


def _is_import(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, cst.Import | cst.ImportFrom) for s in statement.body
    )


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def _insertion_index(body: Sequence[cst.BaseStatement]) -> int:
    index = 0
    if body and _is_docstring(body[0]):
        index = 1
    while index < len(body) and _is_import(body[index]):
        index += 1
    return index


def _has_plain_import(body: Sequence[cst.BaseStatement], module: str) -> bool:
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if dotted_name(alias.name) == module and alias.asname is None:
                        return True
    return False


def _find_from_import(
    body: Sequence[cst.BaseStatement], module: str
) -> tuple[int, int, cst.ImportFrom] | None:
    for index, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for position, small in enumerate(statement.body):
            if (
                isinstance(small, cst.ImportFrom)
                and not small.relative
                and dotted_name(small.module) == module
                and not isinstance(small.names, cst.ImportStar)
            ):
                return index, position, small
    return None


def _imported_names(node: cst.ImportFrom) -> set[str]:
    if isinstance(node.names, cst.ImportStar):
        return set()
    return {
        dotted_name(alias.asname.name) if alias.asname else dotted_name(alias.name)  # type: ignore[arg-type, unused-ignore]
        for alias in node.names
    }


def _append_name(node: cst.ImportFrom, name: str) -> cst.ImportFrom:
    assert not isinstance(node.names, cst.ImportStar)
    names = list(node.names)
    last = names[-1]
    separator: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace(" ")
    for alias in names[:-1]:
        if isinstance(alias.comma, cst.Comma):
            separator = alias.comma.whitespace_after
            break
    else:
        if node.lpar is not None and isinstance(
            node.lpar.whitespace_after, cst.ParenthesizedWhitespace
        ):
            separator = node.lpar.whitespace_after
    # the last name's comma (if any) holds the layout before ``)``: it moves to the new name
    names[-1] = last.with_changes(comma=cst.Comma(whitespace_after=separator))
    names.append(cst.ImportAlias(cst.Name(name), comma=last.comma))
    return node.with_changes(names=names)


def add_imports(module: cst.Module, requests: Sequence[ImportRequest]) -> cst.Module:
    if not requests:
        return module
    body = list(module.body)
    new_statements: list[cst.SimpleStatementLine] = []
    for request in requests:
        if request.name is None:
            if not _has_plain_import(body, request.module):
                new_statements.append(
                    cst.SimpleStatementLine(
                        [cst.Import([cst.ImportAlias(cst.parse_expression(request.module))])]  # type: ignore[arg-type]
                    )
                )
            continue
        found = _find_from_import(body, request.module)
        if found is not None:
            index, position, node = found
            if request.name in _imported_names(node):
                continue
            statement = body[index]
            assert isinstance(statement, cst.SimpleStatementLine)
            small = list(statement.body)
            small[position] = _append_name(node, request.name)
            body[index] = statement.with_changes(body=small)
            continue
        pending = _find_from_import(new_statements, request.module)
        if pending is not None:
            index, position, node = pending
            if request.name not in _imported_names(node):
                new_statements[index] = cst.SimpleStatementLine([_append_name(node, request.name)])
            continue
        new_statements.append(
            cst.SimpleStatementLine(
                [
                    cst.ImportFrom(
                        module=cst.parse_expression(request.module),  # type: ignore[arg-type]
                        names=[cst.ImportAlias(cst.Name(request.name))],
                    )
                ]
            )
        )
    if new_statements:
        index = _insertion_index(body)
        body[index:index] = new_statements
    return module.with_changes(body=body)


class _UsedNames(FieldlessVisitor):
    """Every name read in a module, outside import statements."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.exported: set[str] = set()

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        if any(
            isinstance(t.target, cst.Name) and t.target.value == "__all__" for t in node.targets
        ):
            for element in getattr(node.value, "elements", ()):
                value = getattr(element, "value", None)
                if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
                    self.exported.add(value.evaluated_value)


def _bound_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None:
        return dotted_name(alias.asname.name)  # type: ignore[arg-type, unused-ignore]
    return dotted_name(alias.name).split(".", 1)[0]


def _from_package(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def remove_unused_imports(module: cst.Module, package: str) -> cst.Module:
    """Drop the module-level imports of ``package`` (or its submodules) whose names the module
    no longer reads (nor exports through ``__all__``); statements left empty go entirely."""
    used = _UsedNames()
    module.visit(used)
    keep = used.names | used.exported
    body: list[cst.BaseStatement] = []
    orphaned: list[cst.EmptyLine] = []  # blank lines and comments above a removed import
    dropped = False
    for statement in module.body:
        if dropped and hasattr(statement, "leading_lines"):
            # comments above the removed import stay; blank lines are not doubled
            comments = [line for line in orphaned if line.comment is not None]
            own = list(statement.leading_lines)
            blanks = [] if own else [line for line in orphaned if line.comment is None][:1]
            if not body and not comments:  # the file's first import went: no blank line first
                own = list(itertools.dropwhile(lambda line: line.comment is None, own))
            statement = statement.with_changes(leading_lines=[*comments, *blanks, *own])
            orphaned, dropped = [], False
        if not isinstance(statement, cst.SimpleStatementLine):
            body.append(statement)
            continue
        small: list[cst.BaseSmallStatement] = []
        for node in statement.body:
            if isinstance(node, cst.Import):
                names = [
                    alias
                    for alias in node.names
                    if not _from_package(dotted_name(alias.name), package)
                    or _bound_name(alias) in keep
                ]
                if names:
                    names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                    small.append(node.with_changes(names=names))
            elif (
                isinstance(node, cst.ImportFrom)
                and not node.relative
                and _from_package(dotted_name(node.module), package)
                and not isinstance(node.names, cst.ImportStar)
            ):
                names = [alias for alias in node.names if _bound_name(alias) in keep]
                if names:
                    names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                    small.append(node.with_changes(names=names))
            else:
                small.append(node)
        if small:
            small[-1] = small[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
            body.append(statement.with_changes(body=small))
        else:
            orphaned = list(statement.leading_lines)
            dropped = True
    return module.with_changes(body=body)
