"""Statistics for comparing two apps over rounds. Pure: numbers in, numbers out.

The unit is the **round** (one server start, warm-up, measurement), never the request: requests
of one round share the same background load, caches and scheduler state, so treating them as
independent samples calls a 0.1 % difference between identical servers "significant"
(docs/verify.md). Hence:

* :func:`cluster_bootstrap` resamples *rounds* with replacement on each side, pools what the
  chosen rounds recorded, and recomputes the statistic; the percentile interval of the B/A
  ratios is the confidence interval.
* :func:`mann_whitney` compares the per-round values of both sides (exact permutation p-value for
  small samples, normal approximation with tie correction otherwise). With n rounds per side its
  smallest possible p-value is 2 / C(2n, n): 3 rounds can never reach 0.05.
* :func:`verdict` applies a noise threshold to the interval, as Criterion's noise threshold does.

Latency distributions are histograms given as sorted ``(value, count)`` pairs.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Counts = tuple[tuple[int, int], ...]
Verdict = Literal["faster", "slower", "no change", "inconclusive"]

EXACT_LIMIT = 100_000  # largest number of splits the exact Mann–Whitney test enumerates


def pool(histograms: Iterable[Counts]) -> Counts:
    """Merge histograms: counts of equal values add up."""
    total: Counter[int] = Counter()
    for histogram in histograms:
        for value, count in histogram:
            total[value] += count
    return tuple(sorted(total.items()))


def total_count(histogram: Counts) -> int:
    return sum(count for _, count in histogram)


def percentile(histogram: Counts, q: float) -> int:
    """The smallest recorded value with at least ``q`` % of the counts at or below it.

    The same definition as HdrHistogram's ``getValueAtPercentile``: p50 of [1, 2, 3, 4] is 2.
    """
    if not 0 <= q <= 100:
        raise ValueError("q must be between 0 and 100")
    total = total_count(histogram)
    if total == 0:
        raise ValueError("empty histogram")
    target = max(1, math.ceil(q / 100 * total))
    running = 0
    for value, count in histogram:
        running += count
        if running >= target:
            return value
    return histogram[-1][0]


class PooledPercentiles:
    """Percentiles of any multiset of rounds, memoised: bootstraps draw the same sets often."""

    def __init__(self, rounds: Sequence[Counts]) -> None:
        self.grid = sorted({value for histogram in rounds for value, _ in histogram})
        position = {value: index for index, value in enumerate(self.grid)}
        self.rounds: list[list[int]] = []
        for histogram in rounds:
            row = [0] * len(self.grid)
            for value, count in histogram:
                row[position[value]] += count
            self.rounds.append(row)
        self._cumulative: dict[tuple[int, ...], list[int]] = {}

    def __len__(self) -> int:
        return len(self.rounds)

    def cumulative(self, indices: tuple[int, ...]) -> list[int]:
        key = tuple(sorted(indices))
        found = self._cumulative.get(key)
        if found is None:
            columns = zip(*(self.rounds[i] for i in key), strict=True)
            found = list(itertools.accumulate(sum(column) for column in columns))
            self._cumulative[key] = found
        return found

    def at(self, indices: tuple[int, ...], q: float) -> float:
        cumulative = self.cumulative(indices)
        total = cumulative[-1] if cumulative else 0
        if total == 0:
            return math.nan
        target = max(1, math.ceil(q / 100 * total))
        # First index whose cumulative count reaches the target (binary search).
        low, high = 0, len(cumulative) - 1
        while low < high:
            middle = (low + high) // 2
            if cumulative[middle] >= target:
                high = middle
            else:
                low = middle + 1
        return float(self.grid[low])


@dataclass(frozen=True)
class Estimate:
    """B/A ratio of a statistic, with a bootstrap confidence interval."""

    ratio: float
    low: float
    high: float
    resamples: int
    confidence: float


Statistic = Callable[[tuple[int, ...]], float]


def cluster_bootstrap(
    rounds_a: int,
    rounds_b: int,
    statistic_a: Statistic,
    statistic_b: Statistic,
    *,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Estimate:
    """Ratio statistic_b / statistic_a over all rounds, and its cluster-bootstrap interval.

    ``statistic_x(indices)`` computes the statistic over the rounds with those indices (with
    repetitions), e.g. a percentile of their pooled histograms.
    """
    if rounds_a < 1 or rounds_b < 1:
        raise ValueError("each side needs at least one round")
    everything_a, everything_b = tuple(range(rounds_a)), tuple(range(rounds_b))
    ratio = _ratio(statistic_b(everything_b), statistic_a(everything_a))
    rng = random.Random(seed)
    memo_a: dict[tuple[int, ...], float] = {}
    memo_b: dict[tuple[int, ...], float] = {}

    def draw(count: int, statistic: Statistic, memo: dict[tuple[int, ...], float]) -> float:
        key = tuple(sorted(rng.randrange(count) for _ in range(count)))
        if key not in memo:
            memo[key] = statistic(key)
        return memo[key]

    ratios = sorted(
        _ratio(draw(rounds_b, statistic_b, memo_b), draw(rounds_a, statistic_a, memo_a))
        for _ in range(resamples)
    )
    finite = [value for value in ratios if math.isfinite(value)]
    if not finite:
        return Estimate(ratio, math.nan, math.nan, resamples, confidence)
    tail = (1 - confidence) / 2
    return Estimate(
        ratio=ratio,
        low=quantile(finite, tail),
        high=quantile(finite, 1 - tail),
        resamples=resamples,
        confidence=confidence,
    )


def _ratio(numerator: float, denominator: float) -> float:
    if denominator == 0 or math.isnan(denominator) or math.isnan(numerator):
        return math.nan
    return numerator / denominator


def quantile(sorted_values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not sorted_values:
        raise ValueError("no values")
    position = fraction * (len(sorted_values) - 1)
    below = math.floor(position)
    above = min(below + 1, len(sorted_values) - 1)
    weight = position - below
    return sorted_values[below] * (1 - weight) + sorted_values[above] * weight


def percentile_estimate(
    rounds_a: Sequence[Counts],
    rounds_b: Sequence[Counts],
    q: float,
    *,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    pooled: tuple[PooledPercentiles, PooledPercentiles] | None = None,
) -> Estimate:
    """B/A ratio of the ``q``-th percentile of the pooled latencies, CI over rounds."""
    side_a, side_b = pooled or (PooledPercentiles(rounds_a), PooledPercentiles(rounds_b))
    return cluster_bootstrap(
        len(side_a),
        len(side_b),
        lambda indices: side_a.at(indices, q),
        lambda indices: side_b.at(indices, q),
        resamples=resamples,
        confidence=confidence,
        seed=seed,
    )


def _midranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        rank = (start + end) / 2 + 1
        for position in range(start, end + 1):
            ranks[order[position]] = rank
        start = end + 1
    return ranks


@dataclass(frozen=True)
class MannWhitney:
    u: float  # U of the first sample: pairs (x, y) with x > y, ties counting one half
    p: float  # two-sided
    exact: bool


def mann_whitney(x: Sequence[float], y: Sequence[float]) -> MannWhitney:
    """Two-sided Mann–Whitney U test of per-round values."""
    n, m = len(x), len(y)
    if n == 0 or m == 0:
        raise ValueError("both samples need values")
    values = [*x, *y]
    ranks = _midranks(values)
    offset = n * (n + 1) / 2
    u = sum(ranks[:n]) - offset
    centre = n * m / 2
    observed = abs(u - centre)
    if math.comb(n + m, n) <= EXACT_LIMIT:
        extreme = total = 0
        for chosen in itertools.combinations(range(n + m), n):
            total += 1
            if abs(sum(ranks[i] for i in chosen) - offset - centre) >= observed - 1e-9:
                extreme += 1
        return MannWhitney(u, extreme / total, exact=True)
    ties = Counter(values)
    tie_term = sum(t**3 - t for t in ties.values()) / ((n + m) * (n + m - 1))
    sigma = math.sqrt(n * m / 12 * ((n + m + 1) - tie_term))
    if sigma == 0:
        return MannWhitney(u, 1.0, exact=False)
    z = (observed - 0.5) / sigma  # continuity correction
    p = math.erfc(max(z, 0) / math.sqrt(2))
    return MannWhitney(u, min(1.0, p), exact=False)


def smallest_p(rounds_a: int, rounds_b: int) -> float:
    """The smallest two-sided exact p-value reachable with these round counts."""
    return min(1.0, 2 / math.comb(rounds_a + rounds_b, rounds_a))


def verdict(estimate: Estimate, threshold: float) -> Verdict:
    """``threshold`` is a fraction (0.05 = 5 %); lower ratio = B is faster (takes less time)."""
    if math.isnan(estimate.low) or math.isnan(estimate.high):
        return "inconclusive"
    if estimate.high < 1 - threshold:
        return "faster"
    if estimate.low > 1 + threshold:
        return "slower"
    if 1 - threshold <= estimate.low and estimate.high <= 1 + threshold:
        return "no change"
    return "inconclusive"
