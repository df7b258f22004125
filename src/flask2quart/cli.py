"""The ``flask2quart`` command line.

Exit codes of ``flask2quart migrate`` (the most serious one wins, in this order):

====  ======================================================================================
130   interrupted (Ctrl-C); every file is either untouched or fully converted
2     usage error (unknown option, unknown rule id, conflicting options, missing path, a bad
      ``[tool.flask2quart]`` value)
3     some files could not be processed (unreadable, undecodable, unparsable, read-only,
      output that would not compile); every other file was still processed
4     error-severity findings are left: the converted code will not run until they are
      fixed (``--exit-zero``: 0 instead)
1     ``--diff`` / ``--check`` only: some files would change
0     done: files converted (or, with ``--diff``/``--check``, nothing left to convert;
      ``--plan`` always exits 0 unless the usage is wrong)
====  ======================================================================================
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from flask2quart import __version__
from flask2quart._config import Config, ConfigError, load_config
from flask2quart._format import FormatterError, check_available
from flask2quart._migration import Migration, migration_for
from flask2quart._output import check_output_folder
from flask2quart._pipeline import ENGINE_RULE, Mode
from flask2quart._printing import NORMAL, QUIET, VERBOSE, Printer, use_color
from flask2quart._progress import progress_display
from flask2quart._report import RunReport
from flask2quart._runner import atomic_write, run, unified_diff
from flask2quart._sarif import sarif_bytes
from flask2quart._settings import Settings, resolve, setting_fields
from flask2quart.codemods import RULES, UnknownRuleError

INVENTORY_RULE = "F2Q401"

EXIT_OK = 0
EXIT_CHANGES_PENDING = 1
EXIT_USAGE = 2
EXIT_FAILED_FILES = 3
EXIT_ERRORS_LEFT = 4
EXIT_INTERRUPTED = 130

EXIT_CODES_HELP = (
    "Exit codes: 0 done; 1 --diff/--check: files would change; 2 usage error; 3 some files "
    "could not be processed; 4 error-severity findings left, the converted code will not run "
    "until they are fixed (--exit-zero: 0); 130 interrupted."
)


def _list_rules() -> None:
    width = max(len(rule.name) for rule in RULES)
    for rule in sorted(RULES, key=lambda r: r.id):
        marker = " (opt-in: --enable)" if rule.opt_in else ""
        click.echo(f"{rule.id}  {rule.name:{width}}  {rule.summary}{marker}")


def _print_plan(report: RunReport) -> None:
    lines = report.inventory_lines() or ["Flask extensions imported: none"]
    for line in lines:
        click.echo(line)


def _setting_option(spec: dataclasses.Field[Any]) -> Callable[[Any], Any]:
    """A click option for one :class:`Settings` field: flag, help and checks from the field."""
    meta = spec.metadata
    flag = f"--{spec.name.replace('_', '-')}"
    names = [meta["short"], flag] if meta["short"] else [flag]
    kwargs: dict[str, Any] = {"default": None, "help": meta["help"]}
    if isinstance(spec.default, bool):
        names = [f"{flag}/--{meta['off']}"]
    elif isinstance(spec.default, tuple):
        kwargs.update(multiple=True, default=(), metavar=meta["metavar"] or "IDS")
    elif isinstance(spec.default, int):
        kwargs["type"] = click.IntRange(min=meta["minimum"])
    elif meta["choices"]:
        kwargs["type"] = click.Choice(meta["choices"])
    elif spec.name == "cache_dir":
        # absolute now: a relative --cache-dir means the current folder, not the project root
        kwargs["type"] = click.Path(file_okay=False, resolve_path=True)
        kwargs["metavar"] = meta["metavar"]
    return click.option(*names, spec.name, **kwargs)


def setting_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Every setting's flag, generated from :class:`Settings` so none is spelled twice."""
    for spec in reversed(setting_fields()):
        command = _setting_option(spec)(command)
    return command


def _empty_lists(flags: dict[str, Any]) -> list[str]:
    """List flags given only empty values (``--only ""``): a mistake, not "every rule"."""
    return [
        f"--{name.replace('_', '-')}"
        for name, value in flags.items()
        if isinstance(value, tuple) and value and not any(v.strip(", ") for v in value)
    ]


def _resolve_settings(paths: tuple[Path, ...], flags: dict[str, Any]) -> tuple[Settings, Config]:
    empty = _empty_lists(flags)
    if empty:
        raise click.UsageError(f"{empty[0]} was given an empty value")
    try:
        config = load_config(list(paths))
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    _check_config_rule_ids(config)
    return resolve(config.values, flags), config


def _check_config_rule_ids(config: Config) -> None:
    known = {rule.id for rule in RULES}
    for key in ("only", "skip", "enable"):
        ids = config.values.get(key, ())
        assert isinstance(ids, tuple)
        for rule_id in ids:
            if rule_id not in known:
                raise click.UsageError(
                    f"{config.path}: {key} names an unknown rule id {rule_id} (see --list-rules)"
                )


def _migration(
    settings: Settings, config: Config, mode: Mode, out: Path | None, plan: bool
) -> Migration:
    # the inventory is the extension-inventory rule's output: --plan never leaves it out
    always = (INVENTORY_RULE,) if plan else ()
    try:
        return migration_for(settings, config, mode, out, always=always)
    except UnknownRuleError as error:
        raise click.BadParameter(
            f"unknown rule id {error.args[0]} (see --list-rules)",
            param_hint="--only/--skip/--enable",
        ) from None


def _mode(out_dir: Path | None, show_diff: bool, check: bool, plan: bool) -> Mode:
    if out_dir:
        return "out"
    if show_diff:
        return "diff"
    return "check" if check or plan else "write"


def _check_usage(
    paths: tuple[Path, ...], out_dir: Path | None, diff: bool, check: bool, plan: bool
) -> None:
    if not paths:
        raise click.UsageError("give at least one file or directory to migrate")
    # --check --diff together is black's and ruff's CI habit: the diff, and exit 1 if any
    if sum(bool(x) for x in (out_dir, diff or check, plan)) > 1:
        raise click.UsageError("--out, --diff/--check and --plan cannot be combined")


def _show_changes(report: RunReport, show_diff: bool, check: bool) -> None:
    changed = [r for r in sorted(report.files, key=lambda r: r.path) if r.changed]
    if show_diff:
        stdout = sys.stdout.buffer
        for result in changed:
            stdout.write(unified_diff(result))
        stdout.flush()
    if check:
        # with --diff the diff owns standard output (git apply reads it)
        for result in changed:
            click.echo(f"would convert {result.path}", err=show_diff)


def _rule_table() -> list[tuple[str, str, str]]:
    engine = (ENGINE_RULE, "engine", "a file flask2quart could not read, parse or convert")
    return [(rule.id, rule.name, rule.summary) for rule in RULES] + [engine]


def _exit_code(report: RunReport, pending: bool, exit_zero: bool) -> int:
    if report.counts["failed"]:
        return EXIT_FAILED_FILES
    if report.severity_counts()["error"] and not exit_zero:
        return EXIT_ERRORS_LEFT
    return EXIT_CHANGES_PENDING if pending and report.counts["changed"] else EXIT_OK


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flask2quart")
def main() -> None:
    """Migrate Flask applications to Quart, and verify the result under load."""


@main.command("migrate", epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    metavar="DIR",
    type=click.Path(path_type=Path),
    help="Write a converted copy of the tree into DIR instead of rewriting in place.",
)
@click.option(
    "--force",
    is_flag=True,
    help="With --out: write into DIR even if it is not empty (its files are written over).",
)
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Write nothing; print a unified diff (git apply accepts it). Exit 1 if not empty.",
)
@click.option(
    "--check", is_flag=True, help="Write nothing; list the files that would change. Exit 1 if any."
)
@click.option(
    "--plan",
    is_flag=True,
    help="Write nothing; print only the Flask extensions imported, each with its verdict.",
)
@click.option("--list-rules", is_flag=True, help="List the rules with their ids and exit.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the report as JSON to this file.",
)
@click.option(
    "--report-sarif",
    "sarif_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the findings as SARIF 2.1.0 (code-scanning annotations) to this file.",
)
@click.option(
    "--exit-zero",
    is_flag=True,
    help="Exit 0 even when error-severity findings are left (exit 4 otherwise).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the summary line.")
@click.option(
    "-v", "--verbose", is_flag=True, help="Also print every file's status and the settings used."
)
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the report (default: on a terminal, unless NO_COLOR is set).",
)
@setting_options
def migrate_command(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    force: bool,
    show_diff: bool,
    check: bool,
    plan: bool,
    list_rules: bool,
    report_path: Path | None,
    sarif_path: Path | None,
    exit_zero: bool,
    quiet: bool,
    verbose: bool,
    color: bool | None,
    **flags: Any,
) -> None:
    """Rewrite the Flask code under PATHS for Quart (in place unless --out/--diff/--check).

    Settings come from the flags, else from [tool.flask2quart] in the nearest pyproject.toml,
    else the defaults.
    """
    if list_rules:
        _list_rules()
        return
    _check_usage(paths, out_dir, show_diff, check, plan)
    check_output_folder(out_dir, paths, force)
    if quiet and verbose:
        raise click.UsageError("-q/--quiet and -v/--verbose cannot be combined")
    settings, config = _resolve_settings(paths, flags)
    migration = _migration(settings, config, _mode(out_dir, show_diff, check, plan), out_dir, plan)
    if migration.options.formatter is not None:
        try:
            check_available(migration.options.formatter)
        except FormatterError as error:
            raise click.UsageError(str(error)) from None
    printer = Printer(QUIET if quiet else VERBOSE if verbose else NORMAL, use_color(color))
    printer.line(f"migrating with {migration.describe(settings, config)}", level=VERBOSE)
    try:
        with progress_display(enabled=not plan and not quiet) as progress:
            report = run(list(paths), migration.options, progress)
    except KeyboardInterrupt:
        click.echo("interrupted: every file is either untouched or fully converted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if report_path is not None:
        # like every file the tool writes: temp file + rename, never half-written
        atomic_write(report_path, report.json_bytes())
    if sarif_path is not None:
        atomic_write(sarif_path, sarif_bytes(report, _rule_table(), Path.cwd()))
    if plan:
        _print_plan(report)
        return
    _show_changes(report, show_diff, check)
    printer.report(report, migration.notes)
    code = _exit_code(report, show_diff or check, exit_zero)
    if code:
        sys.exit(code)


# Registered here, defined in its own package: verify imports its heavy dependencies lazily.
from flask2quart.verify.cli import verify_command  # noqa: E402

main.add_command(verify_command)
