"""The ``flask2quart`` command line.

Exit codes of ``flask2quart migrate``:

====  ======================================================================================
0     done: files converted (or, with ``--diff``/``--check``, nothing left to convert)
1     ``--diff`` / ``--check`` only: some files would change
2     usage error (unknown option, unknown rule id, conflicting options, missing path)
3     some files could not be processed (unreadable, undecodable, unparsable, read-only,
      output that would not compile); every other file was still processed
130   interrupted (Ctrl-C); every file is either untouched or fully converted
====  ======================================================================================
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from flask2quart import __version__
from flask2quart._report import RunReport
from flask2quart._runner import Mode, Options, run, unified_diff
from flask2quart.codemods import RULES, UnknownRuleError, select_rules

EXIT_OK = 0
EXIT_CHANGES_PENDING = 1
EXIT_USAGE = 2
EXIT_FAILED_FILES = 3
EXIT_INTERRUPTED = 130


def _split_ids(values: tuple[str, ...]) -> list[str]:
    return [part.strip().upper() for value in values for part in value.split(",") if part.strip()]


def _list_rules() -> None:
    for rule in RULES:
        click.echo(f"{rule.id}  {rule.name:28}  {rule.summary}")


def _print_report(report: RunReport, notes: list[str]) -> None:
    for note in [*notes, *report.notes]:
        click.echo(f"note: {note}", err=True)
    for finding in report.findings:
        click.echo(finding.format(), err=True)
    click.echo(report.summary_line(), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flask2quart")
def main() -> None:
    """Migrate Flask applications to Quart, and verify the result under load."""


@main.command("migrate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    help="Write a converted copy of the tree into DIR instead of rewriting in place.",
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
    "--only",
    multiple=True,
    metavar="IDS",
    help="Run only these rules (comma-separated ids; what they require is added).",
)
@click.option(
    "--skip",
    multiple=True,
    metavar="IDS",
    help="Do not run these rules (nor the rules that require them).",
)
@click.option("--list-rules", is_flag=True, help="List the rules with their ids and exit.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    help="Also write the report as JSON to this file.",
)
def migrate_command(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    show_diff: bool,
    check: bool,
    only: tuple[str, ...],
    skip: tuple[str, ...],
    list_rules: bool,
    report_path: Path | None,
) -> None:
    """Rewrite the Flask code under PATHS for Quart (in place unless --out/--diff/--check)."""
    if list_rules:
        _list_rules()
        return
    if not paths:
        raise click.UsageError("give at least one file or directory to migrate")
    if sum(bool(x) for x in (out_dir, show_diff, check)) > 1:
        raise click.UsageError("--out, --diff and --check cannot be combined")
    try:
        rules, notes = select_rules(_split_ids(only), _split_ids(skip))
    except UnknownRuleError as error:
        raise click.BadParameter(
            f"unknown rule id {error.args[0]} (see --list-rules)", param_hint="--only/--skip"
        ) from None
    mode: Mode = "out" if out_dir else "diff" if show_diff else "check" if check else "write"
    options = Options(mode=mode, out_dir=out_dir, rules=rules)
    try:
        report = run(list(paths), options)
    except KeyboardInterrupt:
        click.echo("interrupted: every file is either untouched or fully converted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if show_diff:
        for result in sorted(report.files, key=lambda r: r.path):
            if result.changed:
                click.echo(unified_diff(result), nl=False)
    if check:
        for result in sorted(report.files, key=lambda r: r.path):
            if result.changed:
                click.echo(f"would convert {result.path}")
    _print_report(report, notes)
    if report_path is not None:
        report.write_json(report_path)
    if report.counts["failed"]:
        sys.exit(EXIT_FAILED_FILES)
    if (show_diff or check) and report.counts["changed"]:
        sys.exit(EXIT_CHANGES_PENDING)


# Registered here, defined in its own package: verify imports its heavy dependencies lazily.
from flask2quart.verify.cli import verify_command  # noqa: E402

main.add_command(verify_command)
