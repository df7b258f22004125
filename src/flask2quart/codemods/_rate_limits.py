"""Flask-Limiter's rate limit strings, parsed into what quart-rate-limiter's ``RateLimit`` takes.

The notation (Flask-Limiter docs, "Rate limit string notation"; the ``limits`` package parses
it): ``[count] [per|/] [n (optional)] [second|minute|hour|day|month|year]``, a unit may be plural,
case does not matter, and several limits are separated by ``,``, ``;`` or ``|``. ``limits``
counts a month as 30 days and a year as 12 such months (360 days), so those are what the
converted ``timedelta`` says too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LIMIT = re.compile(r"\s*(\d+)\s*(?:/|per)\s*(\d+)?\s*([a-z]+?)s?\s*", re.IGNORECASE)
_SEPARATOR = re.compile(r"[,;|]")
# unit -> (timedelta keyword, how many of it one unit is)
_UNITS = {
    "second": ("seconds", 1),
    "minute": ("minutes", 1),
    "hour": ("hours", 1),
    "day": ("days", 1),
    "month": ("days", 30),
    "year": ("days", 360),
}


@dataclass(frozen=True, slots=True)
class Limit:
    count: int
    unit: str  # a timedelta keyword
    amount: int

    def timedelta_arguments(self) -> str:
        return f"{self.unit}={self.amount}"


def parse_limits(text: str) -> list[Limit] | None:
    """Every limit in a Flask-Limiter limit string, or None if it is not one we map exactly."""
    limits = []
    for part in _SEPARATOR.split(text):
        match = _LIMIT.fullmatch(part)
        if match is None:
            return None
        count, multiple, unit = int(match[1]), int(match[2] or 1), match[3].lower()
        if unit not in _UNITS or count == 0 or multiple == 0:
            return None  # 0 per ...: quart-rate-limiter divides by the count
        keyword, size = _UNITS[unit]
        limits.append(Limit(count, keyword, multiple * size))
    return limits
