"""The ``flask2quart`` command line.

Exit codes of ``flask2quart migrate``:

====  ======================================================================================
0     done: files converted (or, with ``--diff``/``--check``, nothing left to convert;
      ``--plan`` always exits 0 unless the usage is wrong)
1     ``--diff`` / ``--check`` only: some files would change
2     usage error (unknown option, unknown rule id, conflicting options, missing path)
3     some files could not be processed (unreadable, undecodable, unparsable, read-only,
      output that would not compile); every other file was still processed
130   interrupted (Ctrl-C); every file is either untouched or fully converted
====  ======================================================================================
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from flask2quart import __version__
from flask2quart._config import Config, ConfigError, load_config
from flask2quart._format import FormatterError, check_available
from flask2quart._output import check_output_folder
from flask2quart._progress import progress_display
from flask2quart._report import RunReport
from flask2quart._runner import Mode, Options, run, unified_diff
from flask2quart.codemods import RULES, UnknownRuleError, select_rules

INVENTORY_RULE = "F2Q401"

EXIT_OK = 0
EXIT_CHANGES_PENDING = 1
EXIT_USAGE = 2
EXIT_FAILED_FILES = 3
EXIT_INTERRUPTED = 130


def _split_ids(values: tuple[str, ...]) -> list[str]:
    return [part.strip().upper() for value in values for part in value.split(",") if part.strip()]


def _list_rules() -> None:
    width = max(len(rule.name) for rule in RULES)
    for rule in sorted(RULES, key=lambda r: r.id):
        marker = " (opt-in: --enable)" if rule.opt_in else ""
        click.echo(f"{rule.id}  {rule.name:{width}}  {rule.summary}{marker}")


def _print_report(report: RunReport, notes: list[str]) -> None:
    for line in report.inventory_lines():
        click.echo(line, err=True)
    for note in [*notes, *report.notes]:
        click.echo(f"note: {note}", err=True)
    for finding in report.findings:
        click.echo(finding.format(), err=True)
    click.echo(report.summary_line(), err=True)


def _print_plan(report: RunReport) -> None:
    lines = report.inventory_lines() or ["Flask extensions imported: none"]
    for line in lines:
        click.echo(line)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flask2quart")
def main() -> None:
    """Migrate Flask applications to Quart, and verify the result under load."""


def _ids(cli: tuple[str, ...], config: Config, key: str) -> list[str]:
    return _split_ids(cli) if cli else [str(i).upper() for i in config.migrate.get(key, [])]


def _setting(cli: object, config: Config, key: str, default: object) -> object:
    return cli if cli is not None else config.migrate.get(key, default)


def _int(cli: int | None, config: Config, key: str, default: int) -> int:
    value = _setting(cli, config, key, default)
    assert isinstance(value, int)  # load_config checked the type
    return value


@main.command("migrate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "out_dir",
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
@click.option(
    "--enable",
    multiple=True,
    metavar="IDS",
    help="Also run these opt-in rules (see --list-rules).",
)
@click.option("--list-rules", is_flag=True, help="List the rules with their ids and exit.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path),
    help="Also write the report as JSON to this file.",
)
@click.option(
    "--http-transport",
    type=click.Choice(["aiohttp", "httpcore", "httpx2"]),
    default=None,
    help="What converted requests calls run on: httpx over aiohttp (default), plain httpx, or "
    "httpx2.",
)
@click.option(
    "--gather/--no-gather",
    default=None,
    help="Turn loops that await one call per item into asyncio.gather (runs them concurrently).",
)
@click.option(
    "--gather-limit",
    type=click.IntRange(min=0),
    default=None,
    help="With --gather: at most this many calls at once (default 0: no limit).",
)
@click.option(
    "--wrap-blocking/--no-wrap-blocking",
    default=None,
    help="Wrap blocking calls left in async code in Quart's run_sync.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: the number of CPUs; small runs stay in one process).",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to cache analysis facts and results (default: .flask2quart_cache).",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option(
    "--format",
    "formatter",
    type=click.Choice(["ruff", "black"]),
    default=None,
    help="Run this formatter over the files the migration changes (only those).",
)
@click.option(
    "--include-generated/--exclude-generated",
    default=None,
    help="Also convert files marked @generated (skipped by default).",
)
def migrate_command(
    paths: tuple[Path, ...],
    out_dir: Path | None,
    force: bool,
    show_diff: bool,
    check: bool,
    plan: bool,
    only: tuple[str, ...],
    skip: tuple[str, ...],
    enable: tuple[str, ...],
    list_rules: bool,
    report_path: Path | None,
    http_transport: str | None,
    gather: bool | None,
    gather_limit: int | None,
    wrap_blocking: bool | None,
    jobs: int | None,
    cache_dir: Path | None,
    no_cache: bool,
    formatter: str | None,
    include_generated: bool | None,
) -> None:
    """Rewrite the Flask code under PATHS for Quart (in place unless --out/--diff/--check).

    Settings come from the flags, else from [tool.flask2quart] in the nearest pyproject.toml,
    else the defaults.
    """
    if list_rules:
        _list_rules()
        return
    if not paths:
        raise click.UsageError("give at least one file or directory to migrate")
    if sum(bool(x) for x in (out_dir, show_diff, check, plan)) > 1:
        raise click.UsageError("--out, --diff, --check and --plan cannot be combined")
    check_output_folder(out_dir, paths, force)
    try:
        config = load_config(list(paths))
    except ConfigError as error:
        raise click.UsageError(str(error)) from None
    only_ids, skip_ids = _ids(only, config, "only"), _ids(skip, config, "skip")
    enable_ids = _ids(enable, config, "enable")
    if plan:
        # the inventory is the extension-inventory rule's output: never leave it out here
        only_ids = [*only_ids, INVENTORY_RULE] if only_ids else []
        skip_ids = [rule_id for rule_id in skip_ids if rule_id != INVENTORY_RULE]
    try:
        rules, notes = select_rules(only_ids, skip_ids, enable_ids)
    except UnknownRuleError as error:
        raise click.BadParameter(
            f"unknown rule id {error.args[0]} (see --list-rules)",
            param_hint="--only/--skip/--enable",
        ) from None
    formatter = str(_setting(formatter, config, "format", "")) or None
    if formatter is not None:
        try:
            check_available(formatter)
        except FormatterError as error:
            raise click.UsageError(str(error)) from None
    mode: Mode = (
        "out" if out_dir else "diff" if show_diff else "check" if check or plan else "write"
    )
    settings: dict[str, object] = {
        "http_transport": _setting(http_transport, config, "http-transport", "aiohttp"),
        "gather": _setting(gather, config, "gather", False),
        "gather_limit": _int(gather_limit, config, "gather-limit", 0),
        "wrap_blocking": _setting(wrap_blocking, config, "wrap-blocking", False),
    }
    use_cache = not no_cache and bool(config.migrate.get("cache", True))
    default_cache = os.environ.get("FLASK2QUART_CACHE_DIR", ".flask2quart_cache")
    cache_location = _setting(cache_dir, config, "cache-dir", default_cache)
    options = Options(
        mode=mode,
        out_dir=out_dir,
        rules=rules,
        settings=settings,
        jobs=_int(jobs, config, "jobs", os.cpu_count() or 1),
        cache_dir=Path(str(cache_location)) if use_cache else None,
        include_generated=bool(_setting(include_generated, config, "include-generated", False)),
        formatter=formatter,
        include=[str(p) for p in config.migrate.get("include", [])],
        exclude=[str(p) for p in config.migrate.get("exclude", [])],
        config_root=config.root,
    )
    try:
        with progress_display(enabled=not plan) as progress:
            report = run(list(paths), options, progress)
    except KeyboardInterrupt:
        click.echo("interrupted: every file is either untouched or fully converted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    if plan:
        _print_plan(report)
        if report_path is not None:
            report.write_json(report_path)
        return
    if show_diff:
        stdout = sys.stdout.buffer
        for result in sorted(report.files, key=lambda r: r.path):
            if result.changed:
                stdout.write(unified_diff(result))
        stdout.flush()
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
