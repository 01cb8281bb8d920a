"""Quiet hours: when does a user's quiet window, in their own IANA time zone, end?"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["quiet_until", "zone"]


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` of an IANA name; a bad name raises ``ValueError`` naming it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not an IANA time zone (e.g. 'Europe/Berlin').") from None


def quiet_until(start: dt.time, end: dt.time, timezone: str, now: dt.datetime) -> dt.datetime | None:
    """The aware UTC instant the window ``start``-``end`` (wall-clock times in ``timezone``) ends, if ``now`` is in it.

    ``start > end`` is a window across midnight; ``start == end`` is no window. The end is the wall-clock time in the
    zone on the right day, so a DST change inside the window moves the instant, not the wall time. An end that falls
    in a DST gap resolves as Python's ``fold=0`` does: to the instant after the gap.
    """
    if start == end:
        return None
    tz = zone(timezone)
    local = now.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        if not start <= clock < end:
            return None
        end_day = local.date()
    else:
        if end <= clock < start:
            return None
        end_day = local.date() + dt.timedelta(days=1) if clock >= start else local.date()
    return dt.datetime.combine(end_day, end, tzinfo=tz).astimezone(dt.UTC)
