"""The one import pass per file, run after every rule: add what the rules asked for.

It only looks at the module's top-level statements, so it costs nothing next to a traversal.
New imports go right after the leading block of imports (never after the first use, the
placement bug other LibCST tools keep meeting), names are merged into an existing
``from quart import ...`` when there is one, and nothing already imported is added twice.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from flask2quart._transform import ImportRequest


def _dotted(node: cst.BaseExpression | None) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


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
                    if _dotted(alias.name) == module and alias.asname is None:
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
                and _dotted(small.module) == module
                and not isinstance(small.names, cst.ImportStar)
            ):
                return index, position, small
    return None


def _imported_names(node: cst.ImportFrom) -> set[str]:
    if isinstance(node.names, cst.ImportStar):
        return set()
    return {
        _dotted(alias.asname.name) if alias.asname else _dotted(alias.name)  # type: ignore[arg-type, unused-ignore]
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
