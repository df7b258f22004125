"""Run a migration: discover, analyse every file, solve, transform, then write or show.

Each file is isolated: a file that cannot be read, decoded or parsed, whose output would not
compile, or that cannot be written is reported with a one-line reason and every other file is
still processed. Nothing is written until every file has been transformed, and each write is a
temp file in the same folder followed by ``os.replace``, so an interrupted run leaves each file
either as it was or fully converted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import errno
import functools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import libcst as cst
import pathspec

from flask2quart._cache import Cache, code_fingerprint, digest, facts_key
from flask2quart._discovery import SourceFile, discover, display_path, namespace_aliases
from flask2quart._format import FormatterError, format_source
from flask2quart._output import files_under, kept_files_note
from flask2quart._pipeline import (
    ENGINE_RULE,
    Options,
    Parsed,
    analyse_bytes,
    failed_result,
    transform,
)
from flask2quart._prefilter import (
    identifiers,
    is_generated,
    is_relevant,
    marked_names,
    relevance_pattern,
)
from flask2quart._project import ProjectContext
from flask2quart._report import FileResult, Finding, RunReport, Status
from flask2quart._rules import Rule
from flask2quart._tool_folders import imported_tool_folder_notes, skipped_tool_folders
from flask2quart._workers import WorkerPool
from flask2quart.analysis.facts import FileFacts, extract_facts
from flask2quart.analysis.model import build_model
from flask2quart.analysis.solve import Plan, SeedTable, solve
from flask2quart.analysis.types import Evaluator


def seed_table(rules: Sequence[type[Rule]]) -> SeedTable:
    calls: dict[str, str] = {}
    attributes: dict[str, str] = {}
    managers: set[str] = set()
    methods: set[str] = set()
    groups: set[str] = set()
    transparent: set[str] = set()
    view_decorators: set[str] = set()
    renamed: set[str] = set()
    for rule in rules:
        renamed.update(rule.renamed_imports)
        groups.update(rule.optional_groups)
        calls.update(rule.awaitable_calls)
        attributes.update(rule.awaitable_attributes)
        managers.update(rule.async_context_managers)
        methods.update(rule.async_context_methods)
        transparent.update(rule.transparent_decorators)
        view_decorators.update(rule.view_decorator_packages)
    return SeedTable(
        calls=calls,  # type: ignore[arg-type]
        attributes=attributes,  # type: ignore[arg-type]
        async_context_managers=frozenset(managers),
        async_context_methods=frozenset(methods),
        convert_tests=any(rule.converts_tests for rule in rules),
        optional_groups=frozenset(groups),
        transparent_decorators=frozenset(transparent),
        view_decorator_packages=frozenset(view_decorators),
        flask_style_client=any(rule.provides_flask_style_client for rule in rules),
        renamed_imports=frozenset(renamed),
    )


def interesting_attributes(rules: Sequence[type[Rule]]) -> frozenset[str]:
    names: set[str] = set()
    for rule in rules:
        names.update(rule.attribute_names)
        names.update(key.rsplit(".", 1)[-1] for key in rule.awaitable_attributes)
    return frozenset(names)


def interesting_names(rules: Sequence[type[Rule]]) -> frozenset[str]:
    return frozenset(name for rule in rules for name in rule.names)


def fact_rules(rules: Sequence[type[Rule]]) -> tuple[type[Rule], ...]:
    """The rules that record project-wide facts of their own (``Rule.file_facts``)."""
    default = getattr(Rule.file_facts, "__func__", None)
    return tuple(r for r in rules if getattr(r.file_facts, "__func__", None) is not default)


def new_file_mode() -> int:
    """The mode ``open()`` gives a new file: 0o666 less the umask (``mkstemp`` gives 0o600,
    which a Docker ``COPY`` or another deploy user cannot read)."""
    umask = os.umask(0)  # the only way to read the umask; set straight back
    os.umask(umask)
    return 0o666 & ~umask


def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write via a temp file in the same folder and ``os.replace``.

    The file gets ``mode`` if given, else keeps its current mode, else (a new file) the mode
    :func:`new_file_mode` says.
    """
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = new_file_mode()
    chosen = mode
    _replace_atomically(
        path, lambda handle: handle.write(data), lambda temp: os.chmod(temp, chosen)
    )


def copy_atomically(source: Path, target: Path) -> None:
    """Copy content, mode and times like ``shutil.copy2``, but via a temp file and a rename."""

    def copy(handle: BinaryIO) -> None:
        with source.open("rb") as origin:
            shutil.copyfileobj(origin, handle)

    _replace_atomically(target, copy, lambda temp: shutil.copystat(source, temp))


def _replace_atomically(
    path: Path, write: Callable[[BinaryIO], object], set_stat: Callable[[str], None]
) -> None:
    descriptor, temp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            write(handle)
        set_stat(temp_name)
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

# Below this many files to parse, starting worker processes costs more than it saves.
POOL_THRESHOLD = 48


@dataclass
class _Input:
    """One discovered Python file, read once."""

    source: SourceFile
    content: bytes | None
    read_error: str = ""
    generated: bool = False


def _read(source: SourceFile, include_generated: bool) -> _Input:
    try:
        content = source.path.read_bytes()
    except OSError as error:
        return _Input(source, None, f"cannot read: {error.strerror or error}")
    return _Input(source, content, generated=not include_generated and is_generated(content))


class _Analysis:
    """The analysis pass over the selected files: cache, worker pool or in-process."""

    def __init__(self, inputs: list[_Input], options: Options, cache: Cache | None) -> None:
        self.inputs = inputs
        self.options = options
        self.cache = cache
        self.attributes = interesting_attributes(options.rules)
        self.names = interesting_names(options.rules)
        self.fact_rules = fact_rules(options.rules)
        self.recorded = "|".join(
            ",".join(sorted(part))
            for part in (self.attributes, self.names, (r.id for r in self.fact_rules))
        )
        self.facts: dict[int, FileFacts] = {}
        self.errors: dict[int, tuple[str, int]] = {}
        self.keys: dict[int, str] = {}
        self.local: dict[int, Parsed] = {}  # parsed in this process (-j 1)

    def key(self, index: int) -> str:
        if index not in self.keys:
            item = self.inputs[index]
            assert item.content is not None
            source = item.source
            self.keys[index] = facts_key(
                item.content, source.module, source.is_package, self.recorded
            )
        return self.keys[index]

    def run(self, indices: list[int], pool: WorkerPool | None, progress: _Progress) -> None:
        to_parse = []
        for index in indices:
            cached = self.cache.get_facts(self.key(index)) if self.cache else None
            if cached is not None and "error" in cached:
                self.errors[index] = (cached["error"], cached["line"])
            elif cached is not None:
                self.facts[index] = FileFacts.from_json(cached)
            else:
                to_parse.append(index)
        progress.add("analysing", len(indices) - len(to_parse))
        if pool is not None:
            items = [(i, self.inputs[i].source, self.inputs[i].content or b"") for i in to_parse]
            outcomes = pool.analyse(items, lambda n: progress.add("analysing", n))
            for index, outcome in outcomes.items():
                self._store(index, outcome.facts, outcome.error, outcome.error_line)
            return
        for index in to_parse:
            item = self.inputs[index]
            parsed = analyse_bytes(
                item.source, item.content or b"", self.attributes, self.names, self.fact_rules
            )
            self.local[index] = parsed
            self._store(index, parsed.facts, parsed.error, parsed.error_line)
            progress.add("analysing", 1)

    def _store(self, index: int, facts: FileFacts | None, error: str, line: int) -> None:
        if facts is not None:
            self.facts[index] = facts
            if self.cache:
                self.cache.put_facts(self.key(index), facts.to_json())
        else:
            self.errors[index] = (error, line)
            if self.cache:
                self.cache.put_facts(self.key(index), {"error": error, "line": line})


class _Progress:
    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self.callback = callback
        self.total = total
        self.done: dict[str, int] = {}

    def add(self, stage: str, count: int) -> None:
        if count and self.callback is not None:
            self.done[stage] = self.done.get(stage, 0) + count
            self.callback(stage, self.done[stage], self.total)


def _filtered(
    sources: list[SourceFile], options: Options
) -> tuple[list[SourceFile], list[SourceFile]]:
    """The sources to convert, and those include/exclude leave alone (``--out`` copies them)."""
    if not options.include and not options.exclude:
        return sources, []
    root = options.config_root or Path.cwd()
    include = pathspec.GitIgnoreSpec.from_lines(options.include) if options.include else None
    exclude = pathspec.GitIgnoreSpec.from_lines(options.exclude)
    kept, left_alone = [], []
    for source in sources:
        try:
            relative = source.path.relative_to(root).as_posix()
        except ValueError:
            relative = source.relative
        chosen = include is None or include.match_file(relative)
        if chosen and not exclude.match_file(relative):
            kept.append(source)
        else:
            left_alone.append(source)
    return kept, left_alone


def run(
    paths: Sequence[Path], options: Options, progress: ProgressCallback | None = None
) -> RunReport:
    sources, others = discover(list(paths))
    sources, left_alone = _filtered(sources, options)
    # an excluded module is still part of the app: --out copies it as it is
    others = [*others, *((source.path, source.relative) for source in left_alone)]
    inputs = [_read(source, options.include_generated) for source in sources]
    cache = Cache(options.cache_dir) if options.cache_dir is not None else None
    tracker = _Progress(progress, len(inputs))
    analysis = _Analysis(inputs, options, cache)
    usable = [i for i, item in enumerate(inputs) if item.content is not None and not item.generated]
    pattern = relevance_pattern(word for rule in options.rules for word in rule.triggers)
    selected = {
        i for i in usable if is_relevant(inputs[i].content or b"", inputs[i].source.module, pattern)
    }
    pool: WorkerPool | None = None
    try:
        if options.jobs > 1 and len(selected) >= POOL_THRESHOLD:
            pool = WorkerPool(
                options.jobs, analysis.attributes, analysis.names, analysis.fact_rules
            )
        plan = _solve_to_fixed_point(analysis, usable, selected, options, pool, tracker)
        report = _transform_all(inputs, analysis, selected, plan, options, cache, pool, tracker)
    finally:
        if pool is not None:
            pool.close()
    roots = [p.resolve() if p.is_dir() else p.resolve().parent for p in paths]
    project = ProjectContext(roots, sources, report, plan, options.settings)
    for rule in options.rules:
        rule.finish(project)
    readable = [(item.source, item.content) for item in inputs if item.content is not None]
    report.notes.extend(imported_tool_folder_notes(skipped_tool_folders(paths), readable))
    skipped_generated = sum(item.generated for item in inputs)
    if skipped_generated:
        report.notes.append(
            f"{skipped_generated} generated file(s) (@generated) left alone; "
            "--include-generated converts them"
        )
    report.notes.extend(_nothing_to_do_hints(paths, inputs))
    if options.mode == "write":
        _write_in_place(report)
    elif options.mode == "out":
        assert options.out_dir is not None
        _write_copy(report, others, options.out_dir, options.cache_dir)
    return report


_FLASK_IMPORT = re.compile(rb"^[ \t]*(?:from|import)[ \t]+flask\b", re.MULTILINE)


def _nothing_to_do_hints(paths: Sequence[Path], inputs: list[_Input]) -> list[str]:
    """Say why a run found nothing, instead of a bare "0 files scanned"."""
    where = ", ".join(display_path(path.resolve()) for path in paths)
    if not inputs:
        return [
            f"no Python file found under {where} (tool folders, .gitignore'd paths and "
            "exclude patterns are skipped); is this the project's folder?"
        ]
    if not any(item.content and _FLASK_IMPORT.search(item.content) for item in inputs):
        return [f"no file under {where} imports flask: nothing to migrate there"]
    return []


def _solve_to_fixed_point(
    analysis: _Analysis,
    usable: list[int],
    selected: set[int],
    options: Options,
    pool: WorkerPool | None,
    progress: _Progress,
) -> Plan:
    """Analyse the relevant files, solve, pull in files that mention a marked name, repeat."""
    seeds = seed_table(options.rules)
    every_module = [item.source.module for item in analysis.inputs]
    aliases = namespace_aliases([item.source for item in analysis.inputs])
    pending = sorted(selected)
    identifier_sets: dict[int, frozenset[str]] = {}
    while True:
        analysis.run(pending, pool, progress)
        files = [analysis.facts[i] for i in sorted(selected) if i in analysis.facts]
        analysed = {facts.module for facts in files}
        plan = solve(files, seeds, [m for m in every_module if m not in analysed], aliases)
        marked = marked_names(plan, files)
        pending = []
        for index in usable:
            if index in selected:
                continue
            if index not in identifier_sets:
                identifier_sets[index] = identifiers(analysis.inputs[index].content or b"")
            if not identifier_sets[index].isdisjoint(marked):
                pending.append(index)
        if not pending:
            return plan
        selected.update(pending)


def _transform_all(
    inputs: list[_Input],
    analysis: _Analysis,
    selected: set[int],
    plan: Plan,
    options: Options,
    cache: Cache | None,
    pool: WorkerPool | None,
    progress: _Progress,
) -> RunReport:
    run_key = digest(
        code_fingerprint(),
        ",".join(rule.id for rule in options.rules),
        json.dumps(dataclasses.asdict(options.settings), sort_keys=True),
        options.formatter or "",
        *(f"{inputs[i].source.display}={analysis.key(i)}" for i in sorted(selected)),
    )
    cached = cache.get_results(run_key) if cache else None
    results: dict[int, FileResult] = {}
    if isinstance(cached, dict):
        results = cached
        progress.add("converting", len(inputs))
    else:
        results = _transform_selected(inputs, analysis, selected, plan, options, pool, progress)
        if options.formatter:
            _format_changed(results, options.formatter)
        if cache is not None:
            cache.put_results(run_key, {i: _without_original(r) for i, r in results.items()})
    report = RunReport()
    for index, item in enumerate(inputs):
        result = results.get(index)
        if result is None:
            status: Status = "skipped" if item.generated else "unchanged"
            if item.content is None:
                result = failed_result(item.source.display, b"", item.read_error)
            else:
                result = FileResult(item.source.display, status, [], item.content)
        result.original = item.content or b""
        result.target = item.source.path
        result.relative = item.source.relative
        report.files.append(result)
    return report


def _transform_selected(
    inputs: list[_Input],
    analysis: _Analysis,
    selected: set[int],
    plan: Plan,
    options: Options,
    pool: WorkerPool | None,
    progress: _Progress,
) -> dict[int, FileResult]:
    results: dict[int, FileResult] = {}
    for index in selected:
        if index in analysis.errors:
            error, line = analysis.errors[index]
            results[index] = failed_result(inputs[index].source.display, b"", error, line)
    todo = sorted(i for i in selected if i not in results)
    progress.add("converting", len(inputs) - len(todo))
    if pool is not None:
        items = [(i, inputs[i].source, inputs[i].content or b"") for i in todo]
        results.update(
            pool.transform(plan, options, items, lambda n: progress.add("converting", n))
        )
        return results
    evaluator = Evaluator(plan.index)
    for index in todo:
        parsed = analysis.local.pop(index, None)
        if parsed is None:
            item = inputs[index]
            parsed = analyse_bytes(
                item.source,
                item.content or b"",
                analysis.attributes,
                analysis.names,
                analysis.fact_rules,
            )
        results[index] = transform(parsed, plan, evaluator, options)
        progress.add("converting", 1)
    return results


def _without_original(result: FileResult) -> FileResult:
    return dataclasses.replace(result, original=b"", target=None)


def _format_changed(results: dict[int, FileResult], formatter: str) -> None:
    for result in results.values():
        if result.status != "changed" or result.converted is None:
            continue
        try:
            result.converted = format_source(formatter, result.converted, result.path)
        except FormatterError as error:
            result.findings.append(
                Finding(
                    result.path,
                    1,
                    1,
                    ENGINE_RULE,
                    "warning",
                    f"{formatter} could not format the converted file ({error}); left as is",
                )
            )


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
    _markfailed_result(result, reason)


def _markfailed_result(result: FileResult, reason: str) -> None:
    result.status = "failed"
    result.error = reason
    result.findings.append(Finding(result.path, 1, 1, ENGINE_RULE, "error", reason, ""))


def _write_copy(
    report: RunReport, others: list[tuple[Path, str]], out_dir: Path, cache_dir: Path | None
) -> None:
    """Write every file under ``out_dir``; a file that cannot be written fails alone."""
    try:
        _make_writable_folder(out_dir)
    except OSError as error:
        _fail_every_file(report, out_dir, error)
        return
    before = files_under(out_dir, cache_dir)  # empty unless --force let a full folder through
    written: set[str] = set()
    for result in report.files:
        written.add(result.relative)
        reason = _write_one(out_dir / result.relative, functools.partial(_copy_result, result))
        if reason:
            _markfailed_result(result, reason)
    for path, relative in others:
        if relative in written:
            continue
        written.add(relative)
        reason = _write_one(out_dir / relative, functools.partial(copy_atomically, path))
        if reason:  # a failed file like any other, so the exit code says so
            failed = FileResult(display_path(path), "failed", target=path, relative=relative)
            _markfailed_result(failed, reason)
            report.files.append(failed)
    if before - written:
        report.notes.append(kept_files_note(out_dir, before - written))


def _make_writable_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder))


def _fail_every_file(report: RunReport, out_dir: Path, error: OSError) -> None:
    shown = display_path(out_dir)
    for result in report.files:
        result.status = "failed"
        result.error = f"not written: --out {shown} cannot be written ({_cause(error)})"
    if not report.files:  # a tree without Python: still a failed run
        report.files.append(FileResult(shown, "failed", error=_cause(error)))
    # one line for the folder, not the same line for every file
    message = f"the --out folder cannot be written: {_cause(error)}; nothing was written"
    fix = "check the path and its permissions, or choose another --out folder"
    report.files[0].findings.append(Finding(shown, 1, 1, ENGINE_RULE, "error", message, fix))


def _write_one(target: Path, write: Callable[[Path], None]) -> str:
    """Create the folder and write; the reason it failed, naming the path, or ``""``."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"cannot create folder {display_path(target.parent)}: {_cause(error)}"
    try:
        write(target)
    except OSError as error:
        return f"cannot write {display_path(target)}: {_cause(error)}"
    return ""


def _cause(error: OSError) -> str:
    return error.strerror or str(error)


def _copy_result(result: FileResult, target: Path) -> None:
    if result.status == "failed" and not result.original and result.target:
        copy_atomically(result.target, target)  # unreadable when analysed: try a plain copy
        return
    data = result.converted if result.status == "changed" else result.original
    if data is not None:
        atomic_write(target, data, _source_mode(result.target))


def _source_mode(source: Path | None) -> int:
    """The copy under ``--out`` gets its source's mode; a generated module, a new file's."""
    if source is not None:
        with contextlib.suppress(OSError):
            return source.stat().st_mode & 0o7777
    return new_file_mode()


def convert_module(
    module: cst.Module,
    filename: str,
    module_name: str,
    is_package: bool,
    rules: Sequence[type[Rule]],
) -> tuple[cst.Module, list[Finding]]:
    """One file on its own (for LibCST's codemod runner): analysis, solve and transform."""
    attributes, names = interesting_attributes(rules), interesting_names(rules)
    source = SourceFile(Path(filename), filename, filename, module_name, is_package)
    parsed = Parsed(source, module.bytes, module=module)
    parsed.model = build_model(module, module_name, is_package, attributes, names)
    parsed.facts = extract_facts(parsed.model)
    for rule in fact_rules(rules):
        data = rule.file_facts(parsed.model)
        if data is not None:
            parsed.facts.rule_facts[rule.id] = data
    plan = solve([parsed.facts], seed_table(rules))
    result = transform(parsed, plan, Evaluator(plan.index), Options(mode="check", rules=rules))
    if result.converted is None:
        return module, result.findings
    return cst.parse_module(result.converted), result.findings
