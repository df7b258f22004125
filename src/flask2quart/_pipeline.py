"""One file through the pipeline: parse and extract facts, then transform and check the result.

The runner (:mod:`flask2quart._runner`) orchestrates files; worker processes
(:mod:`flask2quart._workers`) run these same steps, so both import them from here rather than
from each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import libcst as cst

from flask2quart._discovery import SourceFile
from flask2quart._imports import add_imports
from flask2quart._report import FileResult, Finding
from flask2quart._rules import Rule
from flask2quart._settings import RuleSettings
from flask2quart._transform import BatchedTransformer, FileContext, resolve_findings
from flask2quart.analysis.facts import FileFacts, extract_facts
from flask2quart.analysis.model import FileModel, build_model
from flask2quart.analysis.solve import Plan
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
    settings: RuleSettings = field(default_factory=RuleSettings)
    jobs: int = 1
    cache_dir: Path | None = None  # None: no cache
    include_generated: bool = False
    formatter: str | None = None
    include: Sequence[str] = ()  # gitignore-style patterns, relative to config_root
    exclude: Sequence[str] = ()
    config_root: Path | None = None


@dataclass
class Parsed:
    source: SourceFile
    original: bytes
    module: cst.Module | None = None
    model: FileModel | None = None
    facts: FileFacts | None = None
    error: str = ""
    error_line: int = 1


def one_line(error: BaseException) -> str:
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


def analyse(
    source: SourceFile,
    attributes: frozenset[str],
    names: frozenset[str],
    fact_rules: Sequence[type[Rule]] = (),
) -> Parsed:
    try:
        original = source.path.read_bytes()
    except OSError as error:
        return Parsed(source, b"", error=f"cannot read: {error.strerror or error}")
    return analyse_bytes(source, original, attributes, names, fact_rules)


def analyse_bytes(
    source: SourceFile,
    original: bytes,
    attributes: frozenset[str],
    names: frozenset[str],
    fact_rules: Sequence[type[Rule]] = (),
) -> Parsed:
    """Parse once and extract the facts; the parsed tree stays for the transform."""
    parsed = Parsed(source, original)
    try:
        parsed.module = cst.parse_module(original)
    except cst.ParserSyntaxError as error:
        parsed.error, parsed.error_line = _syntax_error(original, source.display, error)
        return parsed
    except (UnicodeDecodeError, LookupError, SyntaxError, ValueError) as error:
        parsed.error = f"cannot decode: {one_line(error)}"
        return parsed
    parsed.model = build_model(parsed.module, source.module, source.is_package, attributes, names)
    parsed.facts = extract_facts(parsed.model)
    parsed.facts.opted_out = _opted_out(original)
    for rule in fact_rules:
        data = rule.file_facts(parsed.model)
        if data is not None:
            parsed.facts.rule_facts[rule.id] = data
    return parsed


def transform(parsed: Parsed, plan: Plan, evaluator: Evaluator, options: Options) -> FileResult:
    source = parsed.source
    if parsed.error or parsed.module is None or parsed.model is None:
        return failed_result(source.display, parsed.original, parsed.error, parsed.error_line)
    if _opted_out(parsed.original):
        return FileResult(source.display, "skipped", [], parsed.original, None)
    context = FileContext(
        path=source.display,
        model=parsed.model,
        plan=plan,
        evaluator=evaluator,
        settings=options.settings,
        original=parsed.original,
    )
    rules = [rule(context) for rule in options.rules]
    try:
        converted = parsed.module.visit(BatchedTransformer(rules))
        converted = add_imports(converted, context.imports)
        new_bytes = converted.bytes
    except Exception as error:  # a rule bug must not take the other files down
        return failed_result(source.display, parsed.original, f"internal error: {one_line(error)}")
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


def failed_result(display: str, original: bytes, reason: str, line: int = 1) -> FileResult:
    finding = Finding(display, line, 1, ENGINE_RULE, "error", reason, "")
    return FileResult(display, "failed", [finding], original, None, reason)
