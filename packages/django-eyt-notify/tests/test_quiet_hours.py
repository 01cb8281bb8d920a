import datetime as dt

import pytest

from eyt_notify.quiet_hours import quiet_until, zone

UTC = dt.UTC


def at(text):
    return dt.datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("now", "until"),
    [
        ("2026-06-10T23:30:00+02:00", "2026-06-11T07:00:00+02:00"),  # before midnight: ends tomorrow
        ("2026-06-11T03:00:00+02:00", "2026-06-11T07:00:00+02:00"),  # after midnight: ends today
        ("2026-06-11T22:00:00+02:00", "2026-06-12T07:00:00+02:00"),  # the first minute is quiet
        ("2026-06-11T07:00:00+02:00", None),  # the end is not
        ("2026-06-11T12:00:00+02:00", None),
    ],
)
def test_a_window_across_midnight(now, until):
    result = quiet_until(dt.time(22), dt.time(7), "Europe/Berlin", at(now))
    assert result == (at(until) if until else None)


def test_a_window_within_one_day():
    assert quiet_until(dt.time(9), dt.time(17), "Asia/Tokyo", at("2026-01-05T10:00:00+09:00")) == at(
        "2026-01-05T17:00:00+09:00"
    )
    assert quiet_until(dt.time(9), dt.time(17), "Asia/Tokyo", at("2026-01-05T18:00:00+09:00")) is None


def test_equal_start_and_end_is_no_window():
    assert quiet_until(dt.time(8), dt.time(8), "UTC", at("2026-01-05T08:00:00+00:00")) is None


def test_spring_forward_inside_the_window_ends_at_the_wall_clock_time():
    # Berlin springs from 02:00 CET to 03:00 CEST on 29 March 2026: the night is an hour shorter.
    now = at("2026-03-28T23:00:00+01:00")
    assert quiet_until(dt.time(22), dt.time(7), "Europe/Berlin", now) == dt.datetime(2026, 3, 29, 5, 0, tzinfo=UTC)


def test_fall_back_inside_the_window_ends_at_the_wall_clock_time():
    # New York falls back from 02:00 EDT to 01:00 EST on 1 November 2026: the night is an hour longer.
    now = at("2026-10-31T23:00:00-04:00")
    assert quiet_until(dt.time(22), dt.time(7), "America/New_York", now) == dt.datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def test_an_end_inside_the_spring_gap_resolves_after_the_gap():
    now = at("2026-03-08T01:00:00-05:00")  # New York skips 02:00-03:00 on 8 March 2026
    until = quiet_until(dt.time(0), dt.time(2, 30), "America/New_York", now)
    assert until == dt.datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT: no quiet hour is lost to the gap
    assert until > now


def test_unknown_zones_are_a_clear_error():
    with pytest.raises(ValueError, match="'Mars/Olympus' is not an IANA time zone"):
        zone("Mars/Olympus")
