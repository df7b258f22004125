"""From a :class:`RunRecord` to figures and verdicts. Pure: no I/O, deterministic (seeded).

A round is *invalid* — kept in the report, left out of the statistics — when the measurement
itself is in doubt: the generator used more than half its core or fell behind its schedule
(schedule lag p99 above the limit), or other processes used more CPU than allowed. A side
*sustains* the offered rate when every valid round answered at least 95 % of it and its backlog
did not grow (:func:`round_sustains`); a side that does not has failed at that rate, and its
latency is only the length of its backlog.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask2quart.verify.loaddata import LoadResult, decode_histogram
from flask2quart.verify.results import SIDES, RoundRecord, RunRecord, histogram_counts
from flask2quart.verify.stats import (
    Counts,
    Estimate,
    PooledPercentiles,
    cluster_bootstrap,
    mann_whitney,
    percentile,
    pool,
    smallest_p,
    total_count,
    verdict,
)

SUSTAINED_FRACTION = 0.95
PERCENTILES = (50.0, 90.0, 99.0, 99.9)
P999_MIN_REQUESTS = 10_000  # p99.9 is shown only with this many requests per side
# Fewer valid rounds on a side and its round-to-round spread is unknown (one round) or barely
# sampled: the bootstrap interval would be too narrow, so no verdict beyond "inconclusive".
MIN_VALID_ROUNDS = 3
DEFAULTS: dict[str, Any] = {
    "noise_threshold": 0.05,
    "max_background": 0.25,
    "max_generator_cpu": 0.5,
    "max_lag_ms": 2.0,
    "resamples": 2000,
    "confidence": 0.95,
    "seed": 0,
    "fail_on_regression": None,
}


def setting(settings: dict[str, Any], name: str) -> Any:
    value = settings.get(name)
    return DEFAULTS[name] if value is None else value


def lag_limit_ms(load: LoadResult, settings: dict[str, Any]) -> float:
    """The schedule lag a round tolerates: ``max_lag_ms``, or 1 % of its median latency.

    A late dispatch is not hidden (latency counts from the intended time), it only adds itself
    to the measured latency: 3 ms of lag matters for a 1 ms endpoint, not for a 400 ms one.
    """
    median_ms = float(decode_histogram(load.latency).get_value_at_percentile(50)) / 1000
    return max(float(setting(settings, "max_lag_ms")), 0.01 * median_ms)


def round_problems(load: LoadResult, settings: dict[str, Any]) -> list[str]:
    """Why a round's figures cannot be trusted (empty when it is valid)."""
    problems = []
    if load.generator_cpu > setting(settings, "max_generator_cpu"):
        problems.append(f"generator used {load.generator_cpu:.2f} of its core")
    if load.mode == "open" and load.sent:
        lag_ms = decode_histogram(load.schedule_lag).get_value_at_percentile(99) / 1000
        if lag_ms > lag_limit_ms(load, settings):
            problems.append(f"generator fell behind schedule (lag p99 {lag_ms:.1f} ms)")
    if load.others_cpu > setting(settings, "max_background"):
        problems.append(f"other processes used {load.others_cpu:.2f} cores")
    if load.completed == 0:
        problems.append("no request was answered")
    return problems


def round_sustains(load: LoadResult) -> bool:
    """Did the server keep up with the offered rate during this round?

    Two signs that it did not: it answered less than 95 % of the rate, or its backlog grew.
    Over the window, requests due (``sent``) minus responses received (``answered_in_window``)
    is how much the backlog grew; a server that keeps up only moves it by the natural
    fluctuation of its in-flight requests (about rate × service time, by Little's law).
    """
    if load.mode != "open" or load.offered_rate <= 0:
        return True
    if load.achieved_rate < SUSTAINED_FRACTION * load.offered_rate:
        return False
    service_seconds = float(decode_histogram(load.uncorrected).get_value_at_percentile(50)) / 1e6
    tolerance = max(10.0, 0.01 * load.sent, 2 * load.offered_rate * service_seconds)
    return bool(load.sent - load.answered_in_window <= tolerance)


def error_kinds(load: LoadResult) -> Counter[str]:
    kinds: Counter[str] = Counter(load.errors)
    for status, count in load.statuses.items():
        if int(status) >= 500:
            kinds[f"http {status}"] += count
    return kinds


@dataclass
class SideSummary:
    label: str
    rounds_valid: int
    rounds_invalid: int
    requests: int
    offered_rate: float
    achieved_rate: float  # mean over valid rounds
    sustained: bool
    errors: dict[str, int]
    statuses: dict[str, int]
    latency_ms: dict[str, float]  # corrected, pooled over valid rounds
    uncorrected_ms: dict[str, float]
    max_ms: float
    server_cpu_ms_per_request: float
    server_cpu_cores: float
    server_rss_mb: float
    generator_cpu: float  # mean over valid rounds
    lag_p99_ms: float  # worst valid round
    others_cpu: float  # mean over all rounds
    capacity_rate: float | None
    invalid: list[str] = field(default_factory=list)


@dataclass
class Comparison:
    metric: str  # "p50", "p99", "server CPU per request"
    original: float
    converted: float
    estimate: Estimate
    mann_whitney_p: float | None
    verdict: str

    @property
    def change_percent(self) -> float:
        return (self.estimate.ratio - 1) * 100


@dataclass
class Analysis:
    sides: dict[str, SideSummary]
    comparisons: list[Comparison]
    notes: list[str]
    summary: str
    regression: bool
    regression_reasons: list[str]
    noise_threshold: float
    smallest_p: float | None


def _valid(rounds: list[RoundRecord], settings: dict[str, Any]) -> list[RoundRecord]:
    return [r for r in rounds if not round_problems(r.load, settings)]


def _label(q: float) -> str:
    return f"p{q:g}"


def _side(
    label: str,
    run: RunRecord,
    valid: list[RoundRecord],
    counts: list[Counts],
    settings: dict[str, Any],
) -> SideSummary:
    all_rounds = run.rounds_of(label)
    pooled = pool(counts)
    raw = pool(histogram_counts(r.load.uncorrected) for r in valid)
    requests = total_count(pooled)
    quantiles = [q for q in PERCENTILES if q < 99.9 or requests >= P999_MIN_REQUESTS]
    errors: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for item in valid:
        errors.update(error_kinds(item.load))
        statuses.update(item.load.statuses)
    completed = sum(r.load.completed for r in valid)
    cpu_seconds = sum(r.load.server_cpu * r.load.duration for r in valid)
    offered = valid[0].load.offered_rate if valid else 0.0
    achieved = [r.load.achieved_rate for r in valid]
    capacity = run.capacity.get(label)
    invalid = [
        f"round {r.number}: " + "; ".join(round_problems(r.load, settings))
        for r in all_rounds
        if round_problems(r.load, settings)
    ]
    return SideSummary(
        label=label,
        rounds_valid=len(valid),
        rounds_invalid=len(all_rounds) - len(valid),
        requests=requests,
        offered_rate=offered,
        achieved_rate=sum(achieved) / len(achieved) if achieved else 0.0,
        sustained=bool(valid) and all(round_sustains(r.load) for r in valid),
        errors=dict(sorted(errors.items())),
        statuses=dict(sorted(statuses.items())),
        latency_ms={_label(q): percentile(pooled, q) / 1000 for q in quantiles} if requests else {},
        uncorrected_ms={_label(q): percentile(raw, q) / 1000 for q in quantiles} if raw else {},
        max_ms=pooled[-1][0] / 1000 if pooled else math.nan,
        server_cpu_ms_per_request=1000 * cpu_seconds / completed if completed else math.nan,
        server_cpu_cores=sum(r.load.server_cpu for r in valid) / len(valid) if valid else math.nan,
        server_rss_mb=max((r.load.server_rss for r in valid), default=0) / 2**20,
        generator_cpu=sum(r.load.generator_cpu for r in valid) / len(valid) if valid else math.nan,
        lag_p99_ms=max(
            (
                decode_histogram(r.load.schedule_lag).get_value_at_percentile(99) / 1000
                for r in valid
            ),
            default=math.nan,
        ),
        others_cpu=(
            sum(r.load.others_cpu for r in all_rounds) / len(all_rounds) if all_rounds else 0.0
        ),
        capacity_rate=capacity.knee_rate if capacity else None,
        invalid=invalid,
    )


def _cpu_per_request(rounds: list[RoundRecord]) -> Callable[[tuple[int, ...]], float]:
    def statistic(indices: tuple[int, ...]) -> float:
        chosen = [rounds[i].load for i in indices]
        completed = sum(load.completed for load in chosen)
        cpu = sum(load.server_cpu * load.duration for load in chosen)
        return cpu / completed if completed else math.nan

    return statistic


def analyse(run: RunRecord, overrides: dict[str, Any] | None = None) -> Analysis:
    settings = {**run.settings, **(overrides or {})}
    threshold = float(setting(settings, "noise_threshold"))
    valid = {label: _valid(run.rounds_of(label), settings) for label in SIDES}
    counts = {label: [histogram_counts(r.load.latency) for r in valid[label]] for label in SIDES}
    sides = {label: _side(label, run, valid[label], counts[label], settings) for label in SIDES}
    notes: list[str] = []
    comparisons: list[Comparison] = []
    a, b = sides["original"], sides["converted"]
    resamples = int(setting(settings, "resamples"))
    confidence = float(setting(settings, "confidence"))
    seed = int(setting(settings, "seed"))
    if a.rounds_valid and b.rounds_valid:
        pooled_a, pooled_b = (
            PooledPercentiles(counts["original"]),
            PooledPercentiles(counts["converted"]),
        )
        for q in PERCENTILES:
            name = _label(q)
            if name not in a.latency_ms or name not in b.latency_ms:
                continue
            estimate = cluster_bootstrap(
                len(pooled_a),
                len(pooled_b),
                functools.partial(pooled_a.at, q=q),
                functools.partial(pooled_b.at, q=q),
                resamples=resamples,
                confidence=confidence,
                seed=seed,
            )
            per_round_a = [float(percentile(c, q)) for c in counts["original"] if c]
            per_round_b = [float(percentile(c, q)) for c in counts["converted"] if c]
            test = mann_whitney(per_round_a, per_round_b)
            comparisons.append(
                Comparison(
                    name,
                    a.latency_ms[name],
                    b.latency_ms[name],
                    estimate,
                    test.p,
                    verdict(estimate, threshold),
                )
            )
        cpu_a, cpu_b = _cpu_per_request(valid["original"]), _cpu_per_request(valid["converted"])
        estimate = cluster_bootstrap(
            len(valid["original"]),
            len(valid["converted"]),
            cpu_a,
            cpu_b,
            resamples=resamples,
            confidence=confidence,
            seed=seed,
        )
        comparisons.append(
            Comparison(
                "server CPU per request",
                a.server_cpu_ms_per_request,
                b.server_cpu_ms_per_request,
                estimate,
                mann_whitney(
                    [cpu_a((i,)) for i in range(len(valid["original"]))],
                    [cpu_b((i,)) for i in range(len(valid["converted"]))],
                ).p,
                verdict(estimate, threshold),
            )
        )
    else:
        notes.append("no comparison: a side has no valid round (see the invalid rounds below)")
    rounds_a, rounds_b = a.rounds_valid, b.rounds_valid
    if rounds_a and rounds_b and smallest_p(rounds_a, rounds_b) > 0.05:
        notes.append(
            f"{rounds_a} v {rounds_b} rounds: Mann–Whitney cannot reach p < 0.05 "
            f"(smallest possible p = {smallest_p(rounds_a, rounds_b):.2f}); this is a rough answer"
        )
    if not a.sustained and a.rounds_valid:
        notes.append(
            f"the original did not sustain {a.offered_rate:g} req/s: its latency is the length of "
            "its backlog; choose a lower --rate"
        )
        if b.rounds_valid and not b.sustained:
            notes.append(
                f"neither side sustained {a.offered_rate:g} req/s: they answered "
                f"{a.achieved_rate:,.1f} → {b.achieved_rate:,.1f} req/s, which compares their "
                "throughput, not their latency"
            )
    floor = smallest_p(rounds_a, rounds_b) if rounds_a and rounds_b else 1.0
    for comparison in comparisons:
        p = comparison.mann_whitney_p
        if comparison.verdict in ("faster", "slower") and p is not None and p > 0.05 >= floor:
            notes.append(
                f"{comparison.metric}: the interval says {comparison.verdict}, but Mann–Whitney "
                f"over the per-round values does not (p = {p:.2f}): a few rounds drive it; "
                "tentative"
            )
    problem = (settings.get("pinning") or {}).get("problem")
    if problem:
        notes.append(f"not pinned to CPUs: {problem}; the server and the load shared the machine")
    if settings.get("priority_raised") is False:
        notes.append("measured processes ran at normal priority (raising it needs root)")
    for side in (a, b):
        if side.rounds_invalid:
            notes.append(f"{side.label}: {side.rounds_invalid} invalid round(s) left out")
    thin = [side for side in (a, b) if 0 < side.rounds_valid < MIN_VALID_ROUNDS]
    if thin:
        for comparison in comparisons:
            comparison.verdict = "inconclusive"
        notes.append(
            "too few valid rounds ("
            + ", ".join(f"{side.label}: {side.rounds_valid}" for side in thin)
            + f"; at least {MIN_VALID_ROUNDS} per side are needed): every verdict is inconclusive"
        )
    if a.rounds_valid and b.rounds_valid and not (a.sustained and b.sustained):
        # Latency of a side that cannot keep up is the length of its backlog, not a latency.
        if not a.sustained and not b.sustained:
            failed = "neither sustained"
        else:
            failed = "converted not sustained" if a.sustained else "original not sustained"
        for comparison in comparisons:
            if comparison.metric.startswith("p"):
                comparison.verdict = failed
    reasons = _regressions(a, b, comparisons, settings)
    return Analysis(
        sides=sides,
        comparisons=comparisons,
        notes=notes,
        summary=_summary(a, b, comparisons, float(settings.get("rate") or a.offered_rate)),
        regression=bool(reasons),
        regression_reasons=reasons,
        noise_threshold=threshold,
        smallest_p=smallest_p(rounds_a, rounds_b) if rounds_a and rounds_b else None,
    )


def _regressions(
    a: SideSummary, b: SideSummary, comparisons: list[Comparison], settings: dict[str, Any]
) -> list[str]:
    """Why the deploy gate (``--fail-on-regression PCT``) fails; empty when it passes."""
    limit = settings.get("fail_on_regression")
    if limit is None:
        return []
    reasons = []
    for comparison in comparisons:
        if comparison.metric.startswith("p") and comparison.estimate.low > 1 + limit / 100:
            reasons.append(
                f"{comparison.metric} is slower by more than {limit:g} % "
                f"(95 % CI of the change starts at +{(comparison.estimate.low - 1) * 100:.1f} %)"
            )
    if a.sustained and not b.sustained:
        reasons.append(f"the converted app did not sustain {b.offered_rate:g} req/s")
    if sum(b.errors.values()) > sum(a.errors.values()):
        reasons.append(
            f"new errors: {sum(b.errors.values())} in the converted app against "
            f"{sum(a.errors.values())} in the original"
        )
    if not b.rounds_valid:
        reasons.append("the converted app has no valid round")
    return reasons


def _summary(a: SideSummary, b: SideSummary, comparisons: list[Comparison], rate: float) -> str:
    """One line, e.g. "p99 −38 % [−45 %, −30 %] (faster) at 40 req/s; capacity 65 → 210 req/s"."""
    parts = []
    for comparison in comparisons:
        if comparison.metric in ("p50", "p99"):
            e = comparison.estimate
            parts.append(
                f"{comparison.metric} {change_text(e.ratio)} "
                f"[{change_text(e.low)}, {change_text(e.high)}] ({comparison.verdict})"
            )
    line = "; ".join(parts) or "no comparison"
    line += f" at {rate:g} req/s"
    if a.capacity_rate and b.capacity_rate:
        line += f"; capacity {a.capacity_rate:,.0f} → {b.capacity_rate:,.0f} req/s"
    new_errors = sum(b.errors.values()) - sum(a.errors.values())
    line += f"; {max(new_errors, 0)} new errors"
    if a.sustained and not b.sustained:
        line += f"; the converted app did NOT sustain {rate:g} req/s"
    return line


def change_text(ratio: float) -> str:
    """A ratio as a change: "−12.3 %", or "×4.2" once percentages stop being readable."""
    if math.isnan(ratio):
        return "n/a"
    if ratio >= 3:
        return f"×{ratio:,.1f}"
    change = (ratio - 1) * 100
    return f"{'+' if change >= 0 else '−'}{abs(change):.1f} %"
