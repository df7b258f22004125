"""``flask2quart verify``: serve both apps, check they answer alike, compare them under load.

Exit codes:

====  ==========================================================================================
0     done; with ``--fail-on-regression``, no regression beyond the limit
1     ``--fail-on-regression PCT``: a latency percentile is slower by more than PCT (the whole
      95 % interval above it), the converted app did not sustain the rate, or it had new errors
2     usage error (bad option value, missing argument, no app found without ``--app``,
      unreadable or invalid scenario)
3     the apps answer differently (equivalence check); nothing was measured
4     nothing could be measured: migration failed, a server did not start, the load generator
      failed, or a side ended without a valid round
130   interrupted (Ctrl-C or SIGTERM); every process verify started has been ended
====  ==========================================================================================
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from flask2quart.verify.analysis import Analysis
    from flask2quart.verify.orchestrate import Settings
    from flask2quart.verify.results import RunRecord
    from flask2quart.verify.scenario import Scenario

EXIT_OK = 0
EXIT_REGRESSION = 1
EXIT_USAGE = 2
EXIT_NOT_EQUIVALENT = 3
EXIT_NOT_MEASURED = 4
EXIT_INTERRUPTED = 130

# --quick: 3 rounds of 2 s warm-up + 5 s per side, 1 s capacity-probe steps. QUICK_TAKES is
# what orchestrate.estimate() computes for them (a test keeps the two, and the docs, in step).
QUICK_ROUNDS, QUICK_WARMUP, QUICK_DURATION, QUICK_PROBE_STEP = 3, 2.0, 5.0, 1.0
QUICK_TAKES = "70–90 s"
SCENARIO_FILE = "scenario.toml"  # in ORIGINAL's top folder: the scenario when none is given


def _cpus(value: str | None, option: str) -> list[int] | None:
    if value is None:
        return None
    try:
        cpus = sorted({int(part) for part in value.split(",") if part.strip()})
    except ValueError:
        raise click.BadParameter(
            "a comma-separated list of CPU numbers, e.g. 0 or 0,1", param_hint=option
        ) from None
    if not cpus:
        raise click.BadParameter("give at least one CPU", param_hint=option)
    return cpus


def _fail(code: int, message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _write_reports(record: RunRecord, result: Analysis, outputs: dict[str, Path | None]) -> None:
    from flask2quart.verify import report
    from flask2quart.verify.results import write_text_atomically

    writers = {"json": report.to_json, "markdown": report.to_markdown, "html": report.to_html}
    for kind, path in outputs.items():
        if path is not None:
            write_text_atomically(path, writers[kind](record, result))
            click.echo(f"wrote {kind} report to {path}", err=True)


def _chosen_app(original: Path, app: str | None) -> str:
    """``--app``, else the app ``flask run`` would find in ORIGINAL (read, not imported)."""
    from flask2quart.verify.discovery import AppNotFound, find_app
    from flask2quart.verify.scenario import check_app_spec

    if app is None:
        try:
            found = find_app(original, os.environ)
        except AppNotFound as error:
            raise click.UsageError(str(error)) from None
        click.echo(f"using app {found.spec} ({found.origin})", err=True)
        return found.spec
    try:
        check_app_spec(app)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--app") from None
    return app


def _scenario(original: Path, app: str, path: Path | None) -> Scenario:
    from flask2quart.verify.scenario import app_routes, default_scenario, load_scenario

    beside = original / SCENARIO_FILE
    if path is None and beside.is_file():
        click.echo(
            f"using scenario {beside} (found beside the app; --scenario FILE for another)",
            err=True,
        )
        path = beside
    if path is not None:
        return load_scenario(path)
    return default_scenario(app_routes(original, app, dict(os.environ)))


def _migrate(original: Path, into: Path) -> str:
    """Convert exactly as ``flask2quart migrate ORIGINAL --out`` would: the project's
    ``[tool.flask2quart]`` settings and rule selection, opt-in rules off unless enabled there."""
    from flask2quart._config import ConfigError, load_config
    from flask2quart._migration import migration_for
    from flask2quart._runner import run
    from flask2quart._settings import resolve
    from flask2quart.codemods import UnknownRuleError

    try:
        config = load_config([original])
        settings = resolve(config.values, {})
        migration = migration_for(settings, config, "out", into)
    except (ConfigError, UnknownRuleError) as error:
        _fail(EXIT_USAGE, f"cannot migrate {original}: {error}")
    click.echo(f"migrating {original} into a temporary copy ({into})", err=True)
    how = f"as `flask2quart migrate` would: {migration.describe(settings, config)}"
    click.echo(how, err=True)
    result = run([original], migration.options)
    errors = [f for f in result.findings if getattr(f, "severity", "") == "error"]
    if result.counts["failed"]:
        _fail(
            EXIT_NOT_MEASURED,
            f"{original}: {result.counts['failed']} file(s) could not be migrated; run "
            f"`flask2quart migrate {original}` to see why",
        )
    click.echo(f"migrated: {result.summary_line()}", err=True)
    if errors:
        click.echo(
            f"note: the migration left {len(errors)} error(s) for review; the equivalence check "
            "will tell whether they matter",
            err=True,
        )
    return how


@click.command("verify")
@click.argument(
    "original", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.argument(
    "converted", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@click.option(
    "--app",
    "app",
    metavar="MODULE:NAME",
    help=(
        "The app in both trees: MODULE:NAME or MODULE:factory(), importable from the tree's top "
        "folder (e.g. wsgi:app). Default: FLASK_APP, else the app or create_app() in ORIGINAL's "
        "wsgi.py or app.py, found as `flask run` finds it."
    ),
)
@click.option(
    "--scenario",
    "scenario_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help=(
        "TOML scenario (requests, weights, upstream mocks). Default: ORIGINAL/scenario.toml if "
        "there is one, else every GET route without arguments."
    ),
)
@click.option(
    "--rate",
    type=click.FloatRange(min=0, min_open=True),
    help=(
        "Offered load in req/s (your production rate). Default: 50 % of the original's measured "
        "capacity."
    ),
)
@click.option(
    "--arrival",
    type=click.Choice(["constant", "poisson"]),
    default="constant",
    show_default=True,
    help="Spacing of the open-loop requests.",
)
@click.option(
    "--rounds",
    type=click.IntRange(min=1),
    help="Rounds per side (fresh server each). Default 5; 3 with --quick.",
)
@click.option(
    "--warmup",
    type=click.FloatRange(min=0),
    help="Seconds of load before each measurement, discarded. Default 5; 2 with --quick.",
)
@click.option(
    "--duration",
    type=click.FloatRange(min=0.5),
    help="Seconds measured per round. Default max(15, 1000 / rate), at most 60; 5 with --quick.",
)
@click.option(
    "--connections",
    type=click.IntRange(min=1),
    default=256,
    show_default=True,
    help="Most connections the generator opens (and the capacity probe's last step).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    help="Seconds before an unanswered request counts as a timeout error.",
)
@click.option(
    "--server",
    type=click.Choice(["hypercorn", "uvicorn"]),
    default="hypercorn",
    show_default=True,
    help="ASGI server for the converted app.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Worker processes, both sides. Default: 2 × server CPUs + 1 (gunicorn's guidance).",
)
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Threads per gunicorn gthread worker (the original).",
)
@click.option(
    "--server-cpus",
    metavar="LIST",
    help="CPUs for the server under test (both sides). Default: all but the last usable CPU.",
)
@click.option(
    "--load-cpus",
    metavar="LIST",
    help="CPUs for the load generator and the upstream mocks. Default: the last usable CPU.",
)
@click.option("--no-pin", is_flag=True, help="Do not pin anything to CPUs (the report says so).")
@click.option(
    "--noise-threshold",
    type=click.FloatRange(min=0),
    default=5.0,
    show_default=True,
    help="Changes within ±PCT % are 'no change'. Measure yours with --calibrate.",
)
@click.option(
    "--max-background",
    type=click.FloatRange(min=0),
    default=0.25,
    show_default=True,
    help="A round is invalid when other processes use more CPU than this (cores).",
)
@click.option(
    "--max-lag",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    help=(
        "A round is invalid when the generator's schedule lag p99 exceeds this (ms) and 1 % of "
        "the round's median latency."
    ),
)
@click.option(
    "--fail-on-regression",
    type=click.FloatRange(min=0),
    metavar="PCT",
    help=(
        "Exit 1 when a percentile is slower by more than PCT %, the rate is not sustained, or "
        "new errors appear."
    ),
)
@click.option(
    "--skip-equivalence",
    is_flag=True,
    help="Measure even if the apps answer differently (not recommended).",
)
@click.option(
    "--calibrate",
    is_flag=True,
    help="A/A run: the original against itself, to measure this machine's noise.",
)
@click.option(
    "--quick",
    is_flag=True,
    help=(
        f"A rough answer in about {QUICK_TAKES} on 2 cores, more if rounds are replaced: "
        f"{QUICK_ROUNDS} rounds per side of {QUICK_WARMUP:g} s warm-up + {QUICK_DURATION:g} s, "
        f"{QUICK_PROBE_STEP:g} s probe steps. The report says it is rough."
    ),
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed for request order, round order, upstream delays and the bootstrap.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the full JSON report (raw histograms, rounds, commands, machine).",
)
@click.option(
    "--markdown",
    "markdown_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a Markdown summary for a pull request.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write an HTML report with the latency-percentile plot.",
)
@click.option(
    "--export-locust",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the scenario as a locustfile and exit (nothing is measured).",
)
@click.option(
    "--from-json",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Recompute the analysis and reports from a saved JSON report; nothing is measured.",
)
def verify_command(
    original: Path | None,
    converted: Path | None,
    app: str | None,
    scenario_path: Path | None,
    **options: Any,
) -> None:
    """Serve ORIGINAL (Flask) and CONVERTED (Quart) alike, check they answer alike, and
    compare their latency under the same open-loop load.

    Without CONVERTED, ORIGINAL is first migrated into a temporary copy.
    """
    try:
        from rich.console import Console

        from flask2quart.verify import analysis as analysis_module
        from flask2quart.verify import report
        from flask2quart.verify.locust import to_locustfile
        from flask2quart.verify.processes import sigterm_as_interrupt
        from flask2quart.verify.results import load_run, write_text_atomically
        from flask2quart.verify.scenario import ScenarioError
        from flask2quart.verify.servers import server_available
    except ImportError as error:
        _fail(
            EXIT_USAGE,
            f"verify needs its extra dependencies ({error.name} is missing): pip install "
            "'flask2quart[verify]'",
        )
        return
    # Piped output (CI logs, files) gets room for the comparison table instead of 80 columns.
    console = Console() if sys.stdout.isatty() else Console(width=120)
    outputs = {
        "json": options["json_path"],
        "markdown": options["markdown_path"],
        "html": options["html_path"],
    }
    # With --from-json only the analysis options given on this command line replace the saved ones.
    context = click.get_current_context()
    overrides = {
        key: value
        for key, option, value in (
            ("noise_threshold", "noise_threshold", options["noise_threshold"] / 100),
            ("max_background", "max_background", options["max_background"]),
            ("max_lag_ms", "max_lag", options["max_lag"]),
            ("fail_on_regression", "fail_on_regression", options["fail_on_regression"]),
        )
        if context.get_parameter_source(option) is not click.core.ParameterSource.DEFAULT
    }
    if options["from_json"] is not None:
        try:
            record = load_run(options["from_json"])
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--from-json") from None
        record.settings.update(overrides)
        if overrides:
            # The saved argv measured the run; the reports also name what changed its limits.
            record.settings["reanalysed_with"] = ["flask2quart", *sys.argv[1:]]
        result = analysis_module.analyse(record)
        report.print_terminal(record, result, console)
        _write_reports(record, result, outputs)
        sys.exit(EXIT_REGRESSION if result.regression else EXIT_OK)
    if original is None:
        raise click.UsageError("give the ORIGINAL app's folder (or --from-json FILE)")
    app = _chosen_app(original, app)
    if options["server"] == "uvicorn" and not server_available("uvicorn"):
        raise click.BadParameter(
            "uvicorn is not installed (pip install uvicorn)", param_hint="--server"
        )
    original = original.resolve()
    try:
        scenario = _scenario(original, app, scenario_path)
    except ScenarioError as error:
        _fail(EXIT_USAGE, str(error))
        return
    if options["export_locust"] is not None:
        path: Path = options["export_locust"]
        write_text_atomically(path, to_locustfile(scenario, path.name))
        click.echo(f"wrote the scenario as a locustfile to {path}", err=True)
        return
    with tempfile.TemporaryDirectory(prefix="f2q-converted-") as tmp, sigterm_as_interrupt():
        try:
            if converted is None and not options["calibrate"]:
                migration = _migrate(original, Path(tmp))
                converted_root, migrated = Path(tmp), True
            else:
                converted_root, migrated = (converted or original).resolve(), False
                migration = "given (CONVERTED)" if converted else "none (--calibrate)"
            settings = _settings(original, converted_root, app, scenario, migrated, options)
            settings.migration = migration
            record = _measure(settings)
        except KeyboardInterrupt:
            click.echo("interrupted: every process verify started has been ended", err=True)
            sys.exit(EXIT_INTERRUPTED)
    result = analysis_module.analyse(record)
    report.print_terminal(record, result, console)
    _write_reports(record, result, outputs)
    if not all(side.rounds_valid for side in result.sides.values()):
        _fail(
            EXIT_NOT_MEASURED,
            "a side has no valid round (the machine was too busy? see the notes above)",
        )
    if result.regression:
        sys.exit(EXIT_REGRESSION)


def _settings(
    original: Path,
    converted: Path,
    app: str,
    scenario: Scenario,
    migrated: bool,
    options: dict[str, Any],
) -> Settings:
    from flask2quart.verify.orchestrate import Settings

    quick = options["quick"]
    return Settings(
        original=original,
        converted=converted,
        app=app,
        scenario=scenario,
        server=options["server"],
        workers=options["workers"],
        threads=options["threads"],
        rounds=options["rounds"] or (QUICK_ROUNDS if quick else 5),
        warmup=options["warmup"]
        if options["warmup"] is not None
        else (QUICK_WARMUP if quick else 5.0),
        duration=options["duration"] or (QUICK_DURATION if quick else None),
        rate=options["rate"],
        arrival=options["arrival"],
        connections=options["connections"],
        timeout=options["timeout"],
        probe_step=QUICK_PROBE_STEP if quick else 3.0,
        server_cpus=_cpus(options["server_cpus"], "--server-cpus"),
        load_cpus=_cpus(options["load_cpus"], "--load-cpus"),
        pin=not options["no_pin"],
        noise_threshold=options["noise_threshold"] / 100,
        max_background=options["max_background"],
        max_lag_ms=options["max_lag"],
        fail_on_regression=options["fail_on_regression"],
        skip_equivalence=options["skip_equivalence"],
        calibrate=options["calibrate"],
        quick=quick,
        seed=options["seed"],
        migrated=migrated,
    )


def _measure(settings: Settings) -> RunRecord:
    from rich.console import Console

    from flask2quart.verify.loadgen import GeneratorError
    from flask2quart.verify.orchestrate import (
        EquivalenceFailure,
        MeasurementError,
        estimate,
        measure,
    )
    from flask2quart.verify.servers import ServerError

    # No source path column and no wrapping: progress lines stay one line each in a CI log.
    errors = Console(stderr=True, log_path=False, soft_wrap=True)
    started = time.monotonic()

    def progress(description: str, seconds: float) -> None:
        errors.log(
            f"{description} (≈{seconds:.0f} s) — {time.monotonic() - started:.0f} s elapsed",
            highlight=False,
        )

    expected = f"this run takes {estimate(settings).describe()}"
    errors.log(f"--quick, a rough answer: {expected}" if settings.quick else expected)
    try:
        return measure(settings, progress, argv=["flask2quart", *sys.argv[1:]])
    except EquivalenceFailure as failure:
        differences = failure.record.equivalence["differences"]
        click.echo(f"the apps answer differently ({len(differences)} differences):", err=True)
        for item in differences:
            click.echo(
                f"  {item['request']}: {item['aspect']}: original {item['original']} ≠ converted "
                f"{item['converted']}",
                err=True,
            )
        _fail(
            EXIT_NOT_EQUIVALENT, "fix the differences, or pass --skip-equivalence to measure anyway"
        )
    except (ServerError, GeneratorError, MeasurementError) as error:
        _fail(EXIT_NOT_MEASURED, str(error))
    raise AssertionError("unreachable")
