"""F2Q406's limit-string parser against the parser Flask-Limiter itself uses (``limits``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from limits import parse_many

from flask2quart.codemods._rate_limits import parse_limits

MAPPED = [
    "5 per minute",
    "5/minute",
    "5/MINUTE",
    "200 per day",
    "50 per hour",
    "10/second;1000 per 2 days",
    "1 per 5 seconds, 2/month, 3 per year",
    "7 per 3 hours|1/day",
    " 3  per  10  minutes ",
    "100/2 months",
]


@pytest.mark.parametrize("text", MAPPED)
def test_same_counts_and_periods_as_flask_limiter(text: str) -> None:
    ours = parse_limits(text)
    assert ours is not None
    theirs = parse_many(text)
    assert [(limit.count, timedelta(**{limit.unit: limit.amount})) for limit in ours] == [
        (item.amount, timedelta(seconds=item.get_expiry())) for item in theirs
    ]


@pytest.mark.parametrize(
    "text", ["5 per fortnight", "5 minutes", "per minute", "5 per minute; ", "0 per minute", ""]
)
def test_what_is_not_mapped(text: str) -> None:
    assert parse_limits(text) is None
