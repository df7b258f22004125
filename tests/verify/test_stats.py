"""Statistics: known inputs, known outputs."""

from __future__ import annotations

import math

import pytest

from flask2quart.verify.stats import (
    Estimate,
    PooledPercentiles,
    cluster_bootstrap,
    mann_whitney,
    percentile,
    percentile_estimate,
    pool,
    quantile,
    smallest_p,
    verdict,
)

FOUR = ((1, 1), (2, 1), (3, 1), (4, 1))


@pytest.mark.parametrize(("q", "expected"), [(0, 1), (25, 1), (50, 2), (75, 3), (99, 4), (100, 4)])
def test_percentile_is_the_smallest_value_reaching_the_rank(q: float, expected: int) -> None:
    assert percentile(FOUR, q) == expected


def test_percentile_uses_counts() -> None:
    histogram = ((10, 90), (1000, 10))
    assert percentile(histogram, 90) == 10
    assert percentile(histogram, 90.1) == 1000


def test_percentile_rejects_empty_and_out_of_range() -> None:
    with pytest.raises(ValueError, match="empty"):
        percentile((), 50)
    with pytest.raises(ValueError, match="between"):
        percentile(FOUR, 101)


def test_pool_adds_counts_of_equal_values() -> None:
    assert pool([((1, 2), (5, 1)), ((5, 3), (7, 1))]) == ((1, 2), (5, 4), (7, 1))


def test_pooled_percentiles_match_pooling_the_chosen_rounds() -> None:
    rounds = [((1, 3), (10, 1)), ((2, 1), (20, 3)), ((5, 2),)]
    pooled = PooledPercentiles(rounds)
    for indices in [(0,), (0, 1), (1, 1, 2), (2, 0, 2)]:
        for q in (1, 50, 90, 100):
            expected = percentile(pool(rounds[i] for i in indices), q)
            assert pooled.at(indices, q) == expected


def test_quantile_interpolates_linearly() -> None:
    assert quantile([1, 2, 3, 4], 0.5) == 2.5
    assert quantile([1, 2, 3, 4], 0) == 1
    assert quantile([1, 2, 3, 4], 1) == 4


def test_mann_whitney_exact_for_separated_samples() -> None:
    result = mann_whitney([1, 2, 3], [4, 5, 6])
    assert result.u == 0
    assert result.exact
    assert result.p == pytest.approx(2 / 20)


def test_mann_whitney_five_against_five_reaches_its_floor() -> None:
    result = mann_whitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    assert result.p == pytest.approx(2 / 252)
    assert result.p == pytest.approx(smallest_p(5, 5))


def test_mann_whitney_identical_samples_give_p_one() -> None:
    assert mann_whitney([3, 3, 3], [3, 3, 3]).p == 1.0
    assert mann_whitney([1, 2, 3], [1, 2, 3]).p == 1.0


def test_mann_whitney_normal_approximation_for_large_samples() -> None:
    # scipy.stats.mannwhitneyu(range(10), range(10, 20), method="asymptotic") → p = 0.000182...
    result = mann_whitney(list(range(10)), list(range(10, 20)))
    assert not result.exact
    assert result.u == 0
    assert result.p == pytest.approx(0.0001827, rel=1e-3)


def test_smallest_p_by_round_count() -> None:
    assert smallest_p(3, 3) == pytest.approx(0.1)
    assert smallest_p(4, 4) == pytest.approx(2 / 70)
    assert smallest_p(6, 6) == pytest.approx(2 / 924)


def test_bootstrap_of_identical_sides_is_exactly_one() -> None:
    rounds = [((100, 5), (200, 5)), ((110, 5), (190, 5)), ((120, 10),)]
    estimate = percentile_estimate(rounds, rounds, 50, resamples=500)
    assert estimate.ratio == 1.0
    assert estimate.low <= 1.0 <= estimate.high


def test_bootstrap_of_a_uniform_ten_percent_speed_up() -> None:
    a = [((100, 10),), ((100, 10),), ((100, 10),)]
    b = [((90, 10),), ((90, 10),), ((90, 10),)]
    estimate = percentile_estimate(a, b, 99, resamples=300)
    assert (estimate.ratio, estimate.low, estimate.high) == (0.9, 0.9, 0.9)
    assert verdict(estimate, 0.05) == "faster"


def test_bootstrap_interval_covers_the_spread_of_rounds_not_requests() -> None:
    # Each round is internally tight (1000 requests at one value) but rounds disagree: the
    # interval must reflect the round-to-round spread (a request-level bootstrap would not).
    a = [((100, 1000),), ((120, 1000),), ((80, 1000),), ((110, 1000),), ((90, 1000),)]
    b = [((100, 1000),), ((115, 1000),), ((85, 1000),), ((105, 1000),), ((95, 1000),)]
    estimate = percentile_estimate(a, b, 50, resamples=2000, seed=1)
    assert estimate.low < 0.95 and estimate.high > 1.05
    assert verdict(estimate, 0.05) == "inconclusive"


def test_bootstrap_is_deterministic_for_a_seed() -> None:
    a = [((100, 3), (150, 1)), ((90, 4),), ((130, 2), (160, 2))]
    b = [((95, 3), (140, 1)), ((99, 4),), ((120, 2), (170, 2))]
    first = percentile_estimate(a, b, 90, seed=7)
    assert first == percentile_estimate(a, b, 90, seed=7)


def test_cluster_bootstrap_with_a_custom_statistic() -> None:
    values_a, values_b = [10.0, 10.0], [20.0, 20.0]
    estimate = cluster_bootstrap(
        2,
        2,
        lambda idx: sum(values_a[i] for i in idx) / len(idx),
        lambda idx: sum(values_b[i] for i in idx) / len(idx),
        resamples=100,
    )
    assert (estimate.ratio, estimate.low, estimate.high) == (2.0, 2.0, 2.0)
    assert verdict(estimate, 0.05) == "slower"


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.85, 0.93, "faster"),
        (1.06, 1.2, "slower"),
        (0.97, 1.03, "no change"),
        (0.95, 1.05, "no change"),
        (0.9, 1.1, "inconclusive"),
        (0.9, 0.96, "inconclusive"),
        (math.nan, math.nan, "inconclusive"),
    ],
)
def test_verdict_applies_the_noise_threshold_to_the_interval(
    low: float, high: float, expected: str
) -> None:
    assert verdict(Estimate(1.0, low, high, 100, 0.95), 0.05) == expected
