"""Run a migration: discover, analyse every file, solve, transform, then write or show.

Each file is isolated: a file that cannot be read, decoded or parsed, whose output would not
compile, or that cannot be written is reported with a one-line reason and every other file is
still processed. Nothing is written until every file has been transformed, and each write is a
temp file in the same folder followed by ``os.replace``, so an interrupted run leaves each file
either as it was or fully converted.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import libcst as cst

from flask2quart._discovery import SourceFile, discover
from flask2quart._imports import add_imports
from flask2quart._project import ProjectContext
from flask2quart._report import FileResult, Finding, RunReport
from flask2quart._rules import Rule
from flask2quart._transform import BatchedTransformer, FileContext, resolve_findings
from flask2quart.analysis.facts import FileFacts, extract_facts
from flask2quart.analysis.model import FileModel, build_model
from flask2quart.analysis.solve import Plan, SeedTable, solve
from flask2quart.analysis.types import Evaluator

Mode = Literal["write", "out", "diff", "check"]

ENGINE_RULE = "F2Q900"

# A comment line with this text among a file's leading comments keeps every rule off the file
# (it is still analysed, so its functions and classes are known): for modules the tool writes,
# such as the Flask-SQLAlchemy adapter, which must go on importing Flask.
SKIP_FILE_MARKER = "flask2quart: skip-file"


@dataclass
class Options:
    mode: Mode = "write"
    out_dir: Path | None = None
    rules: Sequence[type[Rule]] = ()
    settings: dict[str, object] = field(default_factory=dict)


@dataclass
class Parsed:
    source: SourceFile
    original: bytes
    module: cst.Module | None = None
    model: FileModel | None = None
    facts: FileFacts | None = None
    error: str = ""
    error_line: int = 1


def seed_table(rules: Sequence[type[Rule]]) -> SeedTable:
    calls: dict[str, str] = {}
    attributes: dict[str, str] = {}
    managers: set[str] = set()
    groups: set[str] = set()
    transparent: set[str] = set()
    for rule in rules:
        groups.update(rule.optional_groups)
        calls.update(rule.awaitable_calls)
        attributes.update(rule.awaitable_attributes)
        managers.update(rule.async_context_managers)
        transparent.update(rule.transparent_decorators)
    return SeedTable(
        calls=calls,  # type: ignore[arg-type]
        attributes=attributes,  # type: ignore[arg-type]
        async_context_managers=frozenset(managers),
        convert_tests=any(rule.converts_tests for rule in rules),
        optional_groups=frozenset(groups),
        transparent_decorators=frozenset(transparent),
    )


def interesting_attributes(rules: Sequence[type[Rule]]) -> frozenset[str]:
    names: set[str] = set()
    for rule in rules:
        names.update(rule.attribute_names)
        names.update(key.rsplit(".", 1)[-1] for key in rule.awaitable_attributes)
    return frozenset(names)


def interesting_names(rules: Sequence[type[Rule]]) -> frozenset[str]:
    return frozenset(name for rule in rules for name in rule.names)


def _one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def _syntax_error(source: bytes, display: str, error: cst.ParserSyntaxError) -> tuple[str, int]:
    """Python's own wording and position when it agrees the file is invalid, else LibCST's."""
    try:
        compile(source, display, "exec", dont_inherit=True)
    except SyntaxError as python_error:
        line = python_error.lineno or 1
        return f"does not parse: {python_error.msg} (line {line})", line
    except ValueError:
        pass
    message = error.message.splitlines()[0] if error.message else "syntax error"
    return f"does not parse: {message} (line {error.editor_line})", error.editor_line


def analyse(source: SourceFile, attributes: frozenset[str], names: frozenset[str]) -> Parsed:
    try:
        original = source.path.read_bytes()
    except OSError as error:
        return Parsed(source, b"", error=f"cannot read: {error.strerror or error}")
    parsed = Parsed(source, original)
    try:
        parsed.module = cst.parse_module(original)
    except cst.ParserSyntaxError as error:
        parsed.error, parsed.error_line = _syntax_error(original, source.display, error)
        return parsed
    except (UnicodeDecodeError, LookupError, SyntaxError, ValueError) as error:
        parsed.error = f"cannot decode: {_one_line(error)}"
        return parsed
    parsed.model = build_model(parsed.module, source.module, source.is_package, attributes, names)
    parsed.facts = extract_facts(parsed.model)
    return parsed


def transform(parsed: Parsed, plan: Plan, evaluator: Evaluator, options: Options) -> FileResult:
    source = parsed.source
    if parsed.error or parsed.module is None or parsed.model is None:
        return _failed(source.display, parsed.original, parsed.error, parsed.error_line)
    if _opted_out(parsed.original):
        return FileResult(source.display, "skipped", [], parsed.original, None)
    context = FileContext(
        path=source.display,
        model=parsed.model,
        plan=plan,
        evaluator=evaluator,
        options=dict(options.settings),
        original=parsed.original,
    )
    rules = [rule(context) for rule in options.rules]
    try:
        converted = parsed.module.visit(BatchedTransformer(rules))
        converted = add_imports(converted, context.imports)
        new_bytes = converted.bytes
    except Exception as error:  # a rule bug must not take the other files down
        return _failed(source.display, parsed.original, f"internal error: {_one_line(error)}")
    findings = resolve_findings(parsed.module, context)
    if new_bytes == parsed.original:
        return FileResult(
            source.display, "unchanged", findings, parsed.original, None, data=context.data
        )
    try:
        compile(new_bytes, source.display, "exec", dont_inherit=True)
    except SyntaxError as error:
        findings.append(
            Finding(
                source.display,
                error.lineno or 1,
                error.offset or 1,
                ENGINE_RULE,
                "error",
                f"the converted file would not compile ({error.msg}); left unchanged",
                "report this as a flask2quart bug, and convert this file by hand",
            )
        )
        return FileResult(source.display, "failed", findings, parsed.original, None, error.msg)
    return FileResult(
        source.display, "changed", findings, parsed.original, new_bytes, data=context.data
    )


def _opted_out(source: bytes) -> bool:
    for line in source.splitlines():
        if not line.startswith(b"#"):
            return False
        if SKIP_FILE_MARKER.encode() in line:
            return True
    return False


def _failed(display: str, original: bytes, reason: str, line: int = 1) -> FileResult:
    finding = Finding(display, line, 1, ENGINE_RULE, "error", reason, "")
    return FileResult(display, "failed", [finding], original, None, reason)


def atomic_write(path: Path, data: bytes) -> None:
    """Write via a temp file in the same folder and ``os.replace``, keeping the file's mode."""
    mode = None
    with contextlib.suppress(FileNotFoundError):
        mode = path.stat().st_mode
    descriptor, temp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        if mode is not None:
            os.chmod(temp_name, mode & 0o7777)
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise


def unified_diff(result: FileResult) -> bytes:
    """A ``git apply``-able diff, in the file's own bytes (whatever its encoding)."""
    assert result.converted is not None
    path = result.path.lstrip("/").encode("utf-8")
    lines = difflib.diff_bytes(
        difflib.unified_diff,
        result.original.splitlines(keepends=True),
        result.converted.splitlines(keepends=True),
        b"a/" + path,
        b"b/" + path,
        n=3,
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith(b"\n"):
            out.append(b"\n\\ No newline at end of file\n")
    return b"".join(out)


ProgressCallback = Callable[[str, int, int], None]


def run(
    paths: Sequence[Path], options: Options, progress: ProgressCallback | None = None
) -> RunReport:
    sources, others = discover(list(paths))
    attributes = interesting_attributes(options.rules)
    names = interesting_names(options.rules)
    parsed_files: list[Parsed] = []
    for number, source in enumerate(sources, 1):
        parsed_files.append(analyse(source, attributes, names))
        if progress:
            progress("analysing", number, len(sources))
    facts = [p.facts for p in parsed_files if p.facts is not None]
    plan = solve(facts, seed_table(options.rules))
    evaluator = Evaluator(plan.index)
    report = RunReport()
    for number, parsed in enumerate(parsed_files, 1):
        result = transform(parsed, plan, evaluator, options)
        result.target = parsed.source.path
        result.relative = parsed.source.relative
        report.files.append(result)
        if progress:
            progress("converting", number, len(parsed_files))
    roots = [p.resolve() if p.is_dir() else p.resolve().parent for p in paths]
    project = ProjectContext(roots, sources, report, plan, dict(options.settings))
    for rule in options.rules:
        rule.finish(project)
    if options.mode == "write":
        _write_in_place(report)
    elif options.mode == "out":
        assert options.out_dir is not None
        _write_copy(report, others, options.out_dir)
    return report


def _write_in_place(report: RunReport) -> None:
    for result in report.files:
        if result.status != "changed" or result.converted is None or result.target is None:
            continue
        path = result.target
        try:
            if result.original and not path.exists():
                raise FileNotFoundError("the file disappeared during the run; not recreated")
            if path.exists() and not os.access(path, os.W_OK):
                raise PermissionError("the file is read-only")
            atomic_write(path, result.converted)
        except OSError as error:
            _mark_unwritable(result, error)


def _mark_unwritable(result: FileResult, error: OSError) -> None:
    reason = f"cannot write: {error.strerror or error.args[0] if error.args else error}"
    if isinstance(error, PermissionError) and "read-only" in str(error):
        reason = "cannot write: the file is read-only"
    result.status = "failed"
    result.error = reason
    result.findings.append(Finding(result.path, 1, 1, ENGINE_RULE, "error", reason, ""))


def _write_copy(report: RunReport, others: list[tuple[Path, str]], out_dir: Path) -> None:
    written: set[str] = set()
    for result in report.files:
        target = out_dir / result.relative
        written.add(result.relative)
        data = result.converted if result.status == "changed" else result.original
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if result.status == "failed" and not result.original and result.target:
                shutil.copyfile(result.target, target)
            elif data is not None:
                atomic_write(target, data)
        except OSError as error:
            _mark_unwritable(result, error)
    for path, relative in others:
        if relative in written:
            continue
        target = out_dir / relative
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        except OSError as error:
            report.notes.append(f"{relative}: not copied ({error.strerror or error})")
