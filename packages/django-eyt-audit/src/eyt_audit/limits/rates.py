"""Rates such as ``"10/m"``, ``"1000/h"`` or ``"5/30s"``: a count per period."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from eyt_audit.limits.exceptions import InvalidRate

__all__ = ["Rate", "parse_rate"]

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PATTERN = re.compile(r"\s*(?P<count>\d+)\s*/\s*(?P<multiplier>\d*)\s*(?P<unit>[smhd])\s*", re.ASCII)


@dataclass(frozen=True)
class Rate:
    """At most ``count`` requests in any ``period`` seconds."""

    count: int
    period: int

    def __str__(self) -> str:
        return f"{self.count}/{self.period}s"


@lru_cache(maxsize=256)
def parse_rate(value: str | Rate) -> Rate:
    """``"10/m"`` → ``Rate(10, 60)``. Units: ``s``, ``m``, ``h``, ``d``, optionally multiplied (``"5/30s"``).

    Raises ``InvalidRate`` (an ``ImproperlyConfigured``) naming the value for anything else.
    """
    if isinstance(value, Rate):
        return value
    match = _PATTERN.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidRate(f"{value!r} is not a rate: use <count>/<period> such as '10/m', '1000/h' or '5/30s'.")
    count = int(match["count"])
    period = int(match["multiplier"] or 1) * UNITS[match["unit"]]
    if count < 1 or period < 1:
        raise InvalidRate(f"{value!r} is not a rate: the count and the period must be at least 1.")
    return Rate(count, period)
