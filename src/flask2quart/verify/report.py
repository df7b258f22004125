"""Reports of a verify run: terminal table, JSON, Markdown, and HTML with a latency plot.

Every function here is pure (record and analysis in, text out) except :func:`print_terminal`,
which writes to a rich console. The plot is drawn as HdrHistogram's percentile plots are: the
x axis is the percentile on a log scale of 1 / (1 − p), so 90 %, 99 %, 99.9 % are evenly spaced
and the tail gets the room it deserves.
"""

from __future__ import annotations

import html
import json
import math
import shlex
from dataclasses import asdict
from typing import Any, NamedTuple

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flask2quart.verify.analysis import (
    DEFAULTS,
    Analysis,
    Comparison,
    SideSummary,
    change_text,
    round_problems,
    round_sustains,
    setting,
)
from flask2quart.verify.loaddata import LoadResult
from flask2quart.verify.results import SIDES, RunRecord, histogram_counts
from flask2quart.verify.stats import Counts, percentile, pool, total_count

COLOURS = {"original": "#1f77b4", "converted": "#d62728"}
VERDICT_STYLE = {
    "faster": "green",
    "slower": "red",
    "no change": "",
    "inconclusive": "yellow",
    "converted not sustained": "red",
    "original not sustained": "yellow",
    "neither sustained": "yellow",
}


def _rate(side: SideSummary, unsustained: str = "(not sustained)") -> str:
    """The achieved rate; "n/a" without a valid round, which says nothing about sustaining."""
    if not side.rounds_valid:
        return "n/a"
    return f"{side.achieved_rate:,.1f}" + ("" if side.sustained else f" {unsustained}")


def _ms(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"


def _interval(comparison: Comparison) -> str:
    return f"[{change_text(comparison.estimate.low)}, {change_text(comparison.estimate.high)}]"


def _p(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.3f}"


def _errors(side: SideSummary) -> str:
    if not side.errors:
        return "0"
    return ", ".join(f"{kind} {count}" for kind, count in side.errors.items())


def _unit(comparison: Comparison) -> str:
    return "ms"


def _rough(record: RunRecord) -> str | None:
    if record.settings.get("quick"):
        return "--quick: a rough answer (few, short rounds); run without --quick for a verdict"
    return None


def loosened_limits(settings: dict[str, Any]) -> list[str]:
    """Each validity limit this run loosened from its default, so a rough run cannot pass for a
    clean one. Settings missing from an older JSON report count as their defaults."""
    loosened = []
    background, lag = setting(settings, "max_background"), setting(settings, "max_lag_ms")
    if background > DEFAULTS["max_background"]:
        loosened.append(
            f"--max-background {background:g} (default {DEFAULTS['max_background']:g} cores)"
        )
    if lag > DEFAULTS["max_lag_ms"]:
        loosened.append(f"--max-lag {lag:g} (default {DEFAULTS['max_lag_ms']:g} ms)")
    if settings.get("skip_equivalence"):
        loosened.append("--skip-equivalence (answers not compared)")
    if settings.get("pin") is False:
        loosened.append("--no-pin (server and load not on their own CPUs)")
    if settings.get("quick"):
        loosened.append(
            f"--quick ({settings.get('rounds')} rounds of {settings.get('warmup'):g} s warm-up + "
            f"{settings.get('duration'):g} s per side)"
        )
    return loosened


class HowRun(NamedTuple):
    what: str
    how: str
    code: bool = False  # a command line, shown as code
    rough: bool = False  # shown as a warning: the run is rougher than a default one


def how_run(record: RunRecord) -> list[HowRun]:
    """How the run was made: its command line, its scenario, the limits it loosened."""
    loosened = loosened_limits(record.settings)
    limits = (
        HowRun("validity limits", "loosened: " + "; ".join(loosened), rough=True)
        if loosened
        else HowRun("validity limits", "all at their defaults")
    )
    facts = [
        HowRun("command", shlex.join(record.argv), code=True)
        if record.argv
        else HowRun("command", "not recorded")
    ]
    reanalysed = record.settings.get("reanalysed_with")
    if reanalysed:
        facts.append(HowRun("re-analysed with", shlex.join(reanalysed), code=True))
    migration = record.settings.get("migration")
    if migration:
        facts.append(HowRun("converted", str(migration)))
    return [
        *facts,
        HowRun("scenario", str(record.scenario.get("source", "not recorded"))),
        limits,
    ]


def _calibration_line(record: RunRecord, analysis: Analysis) -> str | None:
    """For an A/A run: how far each interval reaches from 1, i.e. this machine's noise."""
    if not record.settings.get("calibrate"):
        return None
    widths = [
        (c.metric, max(abs(c.estimate.low - 1), abs(c.estimate.high - 1)) * 100)
        for c in analysis.comparisons
        if not math.isnan(c.estimate.low)
    ]
    if not widths:
        return "calibration (A/A): no valid comparison"
    spread = ", ".join(f"{metric} ±{width:.1f} %" for metric, width in widths)
    p50 = dict(widths).get("p50")
    advice = (
        f"; --noise-threshold {max(5, math.ceil(p50)):g} suits the median on this machine, "
        "the tails need larger changes (or more rounds) to be told apart"
        if p50 is not None
        else ""
    )
    return f"calibration (A/A: the original against itself): the intervals reach {spread}{advice}"


# --- terminal ----------------------------------------------------------------------------------


def print_terminal(record: RunRecord, analysis: Analysis, console: Console) -> None:
    rate = record.settings.get("rate")
    console.print(
        f"[bold]flask2quart verify[/]: {record.settings.get('original')} (original) vs "
        f"{record.settings.get('converted')} (converted), open loop at {rate:g} req/s "
        f"({record.settings.get('rate_source')}), {record.settings.get('arrival')} arrivals"
    )
    for fact in how_run(record):
        console.print(f"  {fact.what}: [{'yellow' if fact.rough else 'dim'}]{escape(fact.how)}[/]")
    for label in SIDES:
        info = record.servers[label]
        console.print(f"  {label}: {' '.join(info.command)}  [dim]({info.budget})[/]")
    sides = Table(title="Per side (valid rounds pooled; latency from the intended send time)")
    sides.add_column("")
    for label in SIDES:
        sides.add_column(label, justify="right")
    a, b = analysis.sides["original"], analysis.sides["converted"]

    def row(name: str, render: Any) -> None:
        sides.add_row(name, render(a), render(b))

    row(
        "valid rounds",
        lambda s: (
            f"{s.rounds_valid}" + (f" (+{s.rounds_invalid} invalid)" if s.rounds_invalid else "")
        ),
    )
    row("requests", lambda s: f"{s.requests:,}")
    row(
        "achieved req/s",
        lambda s: _rate(s, "[red](not sustained)[/]"),
    )
    for key in ("p50", "p90", "p99", "p99.9"):
        if key in a.latency_ms or key in b.latency_ms:
            row(f"{key} ms", lambda s, key=key: _ms(s.latency_ms.get(key, math.nan)))
    row("p99 uncorrected ms", lambda s: _ms(s.uncorrected_ms.get("p99", math.nan)))
    row("errors", _errors)
    row("server CPU ms/request", lambda s: _ms(s.server_cpu_ms_per_request))
    row("server RSS MiB", lambda s: f"{s.server_rss_mb:,.0f}")
    row("capacity req/s (probe)", lambda s: f"{s.capacity_rate:,.0f}" if s.capacity_rate else "n/a")
    row("generator CPU / lag p99", lambda s: f"{s.generator_cpu:.2f} / {_ms(s.lag_p99_ms)} ms")
    row("others' CPU (cores)", lambda s: f"{s.others_cpu:.2f}")
    console.print(sides)
    table = Table(
        title=f"Converted vs original (noise threshold ±{analysis.noise_threshold * 100:g} %)"
    )
    for column in (
        "metric",
        "original",
        "converted",
        "change",
        "95 % CI",
        "MW p",
        "verdict",
    ):
        table.add_column(column, justify="left" if column in ("metric", "verdict") else "right")
    for comparison in analysis.comparisons:
        style = VERDICT_STYLE.get(comparison.verdict, "")
        table.add_row(
            comparison.metric,
            f"{_ms(comparison.original)} {_unit(comparison)}",
            f"{_ms(comparison.converted)} {_unit(comparison)}",
            change_text(comparison.estimate.ratio),
            _interval(comparison),
            _p(comparison.mann_whitney_p),
            f"[{style}]{comparison.verdict}[/]" if style else comparison.verdict,
        )
    console.print(table)
    for line in filter(
        None, [_rough(record), _calibration_line(record, analysis), *analysis.notes]
    ):
        console.print(f"[yellow]note:[/] {line}")
    for label in SIDES:
        for line in analysis.sides[label].invalid:
            console.print(f"[dim]invalid {label} {line}[/]")
    console.print(f"[bold]{analysis.summary}[/]")
    for reason in analysis.regression_reasons:
        console.print(f"[red]regression:[/] {reason}")


# --- JSON --------------------------------------------------------------------------------------


def _finite(value: Any) -> Any:
    """JSON has no NaN: write null instead."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def to_json(record: RunRecord, analysis: Analysis) -> str:
    data = record.to_dict()
    data["analysis"] = _finite(asdict(analysis))
    return json.dumps(_finite(data), indent=1) + "\n"


# --- Markdown ----------------------------------------------------------------------------------


def to_markdown(record: RunRecord, analysis: Analysis) -> str:
    rate = record.settings.get("rate")
    lines = [
        "### flask2quart verify",
        "",
        f"**{analysis.summary}**",
        "",
        *[f"- {line.what}: {_markdown_how(line)}" for line in how_run(record)],
        "",
        f"Open loop, {record.settings.get('arrival')} arrivals at {rate:g} req/s "
        f"({record.settings.get('rate_source')}); {record.settings.get('warmup'):g} s warm-up + "
        f"{record.settings.get('duration'):g} s measured per round; latency from the intended "
        "send time; 95 % confidence intervals from a cluster bootstrap over rounds.",
        "",
        "| metric | original | converted | change | 95 % CI | Mann–Whitney p | verdict |",
        "|---|---:|---:|---:|---|---:|---|",
    ]
    for c in analysis.comparisons:
        lines.append(
            f"| {c.metric} | {_ms(c.original)} ms | {_ms(c.converted)} ms | "
            f"{change_text(c.estimate.ratio)} "
            f"| {_interval(c)} | {_p(c.mann_whitney_p)} | **{c.verdict}** |"
        )
    lines += [
        "",
        "| side | server | valid rounds | requests | achieved req/s | errors | capacity req/s | "
        "others' CPU |",
        "|---|---|---:|---:|---:|---|---:|---:|",
    ]
    for label in SIDES:
        side, info = analysis.sides[label], record.servers[label]
        lines.append(
            f"| {label} | {info.kind}, {info.budget} | {side.rounds_valid} | {side.requests:,} "
            f"| {_rate(side)} "
            f"| {_errors(side)} | {side.capacity_rate or 0:,.0f} | {side.others_cpu:.2f} |"
        )
    lines.append("")
    notes = [n for n in [_rough(record), _calibration_line(record, analysis), *analysis.notes] if n]
    notes += analysis.regression_reasons
    lines += [f"- {note}" for note in notes]
    lines += [
        "",
        "<details><summary>Commands and machine</summary>",
        "",
        *[f"- {label}: `{' '.join(record.servers[label].command)}`" for label in SIDES],
        f"- machine: {record.machine.get('cpu_model')}, CPUs {record.machine.get('usable_cpus')}, "
        f"Python {record.machine.get('python')}",
        "",
        "</details>",
        "",
    ]
    return "\n".join(lines)


def _markdown_how(line: HowRun) -> str:
    if line.rough:
        return f"**{line.how}**"
    return f"`{line.how}`" if line.code else line.how


# --- HTML with the percentile plot ---------------------------------------------------------------

PLOT_WIDTH, PLOT_HEIGHT = 760, 400
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 70, 40, 20, 55
LOG_Y_SPAN = 50  # a latency axis spanning more than this factor is drawn on a log scale


def percentile_curve(histogram: Counts, step: float = 0.02) -> list[tuple[float, float]]:
    """Points (x, latency ms) with x = log10(1 / (1 − p)), up to the last resolvable percentile."""
    total = total_count(histogram)
    if total == 0:
        return []
    top = math.log10(total)  # beyond 1 − 1/total every percentile is the maximum
    points, x = [], 0.0
    while x <= top + 1e-9:
        q = 100 * (1 - 10**-x)
        points.append((x, percentile(histogram, q) / 1000))
        x += step
    points.append((top, histogram[-1][0] / 1000))
    return points


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(value))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= factor * magnitude:
            return float(factor * magnitude)
    return float(10 * magnitude)


def plot_svg(
    curves: dict[str, list[tuple[float, float]]], rounds: dict[str, list[list[tuple[float, float]]]]
) -> str:
    """Latency by percentile, pooled curve per side (thick) and one thin line per round."""
    all_points = [p for curve in curves.values() for p in curve] + [
        p for side in rounds.values() for curve in side for p in curve
    ]
    if not all_points:
        return "<p>No latency recorded.</p>"
    max_x = max(3.0, math.ceil(max(x for x, _ in all_points)))
    max_y = _nice_ceiling(max(y for _, y in all_points))
    min_y = min((y for _, y in all_points if y > 0), default=max_y)
    # When one side is many times slower, a linear axis flattens the other one to zero.
    log_y = max_y / min_y > LOG_Y_SPAN
    low_decade = math.floor(math.log10(min_y)) if log_y else 0
    high_decade = math.ceil(math.log10(max_y)) if log_y else 0
    width = PLOT_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    height = PLOT_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

    def sx(x: float) -> float:
        return MARGIN_LEFT + width * x / max_x

    def sy(y: float) -> float:
        if log_y:
            fraction = (math.log10(max(y, 10**low_decade)) - low_decade) / (
                high_decade - low_decade
            )
            return MARGIN_TOP + height * (1 - fraction)
        return MARGIN_TOP + height * (1 - y / max_y)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{PLOT_WIDTH}" height="{PLOT_HEIGHT}" '
        f'viewBox="0 0 {PLOT_WIDTH} {PLOT_HEIGHT}" role="img" aria-label="latency by percentile" '
        'font-family="sans-serif" font-size="12">',
        f'<rect x="{MARGIN_LEFT}" y="{MARGIN_TOP}" width="{width}" height="{height}" '
        'fill="#fff" stroke="#999"/>',
    ]
    for tick in range(int(max_x) + 1):
        label = "0 %" if tick == 0 else f"{100 * (1 - 10**-tick):.{max(0, tick - 2)}f} %"
        x = sx(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{MARGIN_TOP}" x2="{x:.1f}" y2="{MARGIN_TOP + height}" '
            'stroke="#eee"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{MARGIN_TOP + height + 16}" text-anchor="middle">{label}</text>'
        )
    y_ticks = (
        [10.0**decade for decade in range(low_decade, high_decade + 1)]
        if log_y
        else [max_y * index / 5 for index in range(6)]
    )
    for value in y_ticks:
        y = sy(value)
        parts.append(
            f'<line x1="{MARGIN_LEFT}" y1="{y:.1f}" x2="{MARGIN_LEFT + width}" y2="{y:.1f}" '
            'stroke="#eee"/>'
        )
        parts.append(
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>'
        )
    parts.append(
        f'<text x="{MARGIN_LEFT + width / 2}" y="{PLOT_HEIGHT - 12}" text-anchor="middle">'
        "percentile (log scale of 1 / (1 − p))</text>"
    )
    parts.append(
        f'<text transform="translate(16 {MARGIN_TOP + height / 2}) rotate(-90)" '
        f'text-anchor="middle">latency (ms{", log scale" if log_y else ""})</text>'
    )

    def polyline(
        points: list[tuple[float, float]], colour: str, stroke: float, opacity: float
    ) -> str:
        coordinates = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
        return (
            f'<polyline fill="none" stroke="{colour}" stroke-width="{stroke}" '
            f'stroke-opacity="{opacity}" points="{coordinates}"/>'
        )

    for label, side_rounds in rounds.items():
        for curve in side_rounds:
            parts.append(polyline(curve, COLOURS.get(label, "#555"), 1, 0.35))
    for label, curve in curves.items():
        parts.append(polyline(curve, COLOURS.get(label, "#555"), 2.5, 1))
    # Bottom right: latency curves climb towards the top right, so that corner stays clear.
    for index, label in enumerate(curves):
        y = MARGIN_TOP + height - 12 - 18 * (len(curves) - 1 - index)
        x = MARGIN_LEFT + width - 250
        parts.append(
            f'<line x1="{x}" y1="{y - 4}" x2="{x + 24}" y2="{y - 4}" '
            f'stroke="{COLOURS.get(label, "#555")}" stroke-width="2.5"/>'
        )
        parts.append(
            f'<text x="{x + 30}" y="{y}">{html.escape(label)} (pooled; thin: each round)</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _valid_counts(record: RunRecord, label: str) -> list[Counts]:
    return [
        histogram_counts(r.load.latency)
        for r in record.rounds_of(label)
        if not round_problems(r.load, record.settings)
    ]


def _round_status(load: LoadResult, settings: dict[str, Any]) -> str:
    problems = round_problems(load, settings)
    if problems:
        return "invalid: " + "; ".join(problems)
    return "valid" if round_sustains(load) else "valid; did not sustain the rate"


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; max-width: 60rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.summary { font-size: 1.05rem; font-weight: 600; padding: .6rem; background: #f4f6f8; }
.note { color: #8a6d00; } code { font-size: .85rem; word-break: break-all; }
"""


def _html_how(record: RunRecord) -> str:
    items = []
    for line in how_run(record):
        how = html.escape(line.how)
        text = f"<code>{how}</code>" if line.code else how
        attribute = ' class="note"' if line.rough else ""
        items.append(f"<li{attribute}>{line.what}: {text}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def to_html(record: RunRecord, analysis: Analysis) -> str:
    counts = {label: _valid_counts(record, label) for label in SIDES}
    curves = {label: percentile_curve(pool(counts[label])) for label in SIDES if counts[label]}
    per_round = {label: [percentile_curve(c) for c in counts[label] if c] for label in SIDES}
    rate = record.settings.get("rate")
    comparisons = [
        [
            c.metric,
            f"{_ms(c.original)} ms",
            f"{_ms(c.converted)} ms",
            change_text(c.estimate.ratio),
            _interval(c),
            _p(c.mann_whitney_p),
            c.verdict,
        ]
        for c in analysis.comparisons
    ]
    sides = []
    for label in SIDES:
        side = analysis.sides[label]
        sides.append(
            [
                label,
                f"{side.rounds_valid} (+{side.rounds_invalid} invalid)",
                f"{side.requests:,}",
                f"{side.offered_rate:g} / {_rate(side)}",
                " / ".join(_ms(side.latency_ms.get(k, math.nan)) for k in ("p50", "p90", "p99")),
                " / ".join(
                    _ms(side.uncorrected_ms.get(k, math.nan)) for k in ("p50", "p90", "p99")
                ),
                _errors(side),
                _ms(side.server_cpu_ms_per_request),
                f"{side.capacity_rate:,.0f}" if side.capacity_rate else "n/a",
                f"{side.others_cpu:.2f}",
            ]
        )
    rounds = [
        [
            str(r.position),
            r.label,
            str(r.number),
            f"{r.load.achieved_rate:,.1f}",
            _ms(percentile(c, 50) / 1000) if (c := histogram_counts(r.load.latency)) else "n/a",
            _ms(percentile(c, 99) / 1000) if c else "n/a",
            f"{r.load.server_cpu:.2f}",
            f"{r.load.generator_cpu:.2f}",
            f"{r.load.others_cpu:.2f}",
            _round_status(r.load, record.settings),
        ]
        for r in record.rounds
    ]
    notes = [n for n in [_rough(record), _calibration_line(record, analysis), *analysis.notes] if n]
    notes += [f"regression: {reason}" for reason in analysis.regression_reasons]
    differences = record.equivalence.get("differences", [])
    equivalence_text = (
        "not checked (--skip-equivalence)"
        if not record.equivalence.get("checked")
        else f"{len(record.equivalence.get('requests', []))} requests, "
        f"{len(differences)} differences"
    )
    body = [
        "<h1>flask2quart verify</h1>",
        f'<p class="summary">{html.escape(analysis.summary)}</p>',
        _html_how(record),
        *[f'<p class="note">{html.escape(n)}</p>' for n in notes],
        f"<p>Open loop, {html.escape(str(record.settings.get('arrival')))} arrivals at {rate:g} "
        "req/s "
        f"({html.escape(str(record.settings.get('rate_source')))}). Latency from the intended "
        "send time "
        "(no coordinated omission); 95 % confidence intervals from a cluster bootstrap over "
        "rounds; "
        f"noise threshold ±{analysis.noise_threshold * 100:g} %.</p>",
        "<h2>Latency by percentile</h2>",
        plot_svg(curves, per_round),
        "<h2>Converted vs original</h2>",
        _table(
            ["metric", "original", "converted", "change", "95 % CI", "Mann–Whitney p", "verdict"],
            comparisons,
        ),
        "<h2>Per side</h2>",
        _table(
            [
                "side",
                "rounds",
                "requests",
                "offered / achieved req/s",
                "p50 / p90 / p99 ms",
                "uncorrected p50 / p90 / p99 ms",
                "errors",
                "server CPU/req ms",
                "capacity req/s",
                "others' CPU",
            ],
            sides,
        ),
        "<h2>Rounds (in the order they ran)</h2>",
        _table(
            [
                "#",
                "side",
                "round",
                "achieved req/s",
                "p50 ms",
                "p99 ms",
                "server CPU",
                "generator CPU",
                "others' CPU",
                "status",
            ],
            rounds,
        ),
        "<h2>Servers</h2>",
        *[
            f"<p><b>{label}</b> ({html.escape(record.servers[label].budget)}):<br>"
            f"<code>{html.escape(' '.join(record.servers[label].command))}</code></p>"
            for label in SIDES
        ],
        f"<h2>Equivalence</h2><p>{html.escape(equivalence_text)}</p>",
        "<h2>Machine</h2>",
        _table(["", "value"], [[key, json.dumps(value)] for key, value in record.machine.items()]),
    ]
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>flask2quart verify</title>"
        f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
