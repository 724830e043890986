"""When a scheduled job is due: daily slots in Japan's time, every-N-minutes slots, times of day."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from smartcustoms.housekeeping.slots import daily_slot, every_slot, time_of_day


def test_a_daily_slot_is_the_latest_time_of_day_in_japan_at_or_before_now() -> None:
    at = time(3, 30)
    # 13:00 in Japan on the 24th: today's 03:30 JST, which is 18:30 UTC the day before.
    assert daily_slot(datetime(2026, 11, 24, 4, 0, tzinfo=UTC), at) == datetime(2026, 11, 23, 18, 30, tzinfo=UTC)
    # 03:00 in Japan on the 24th: not yet, so the 23rd's.
    assert daily_slot(datetime(2026, 11, 23, 18, 0, tzinfo=UTC), at) == datetime(2026, 11, 22, 18, 30, tzinfo=UTC)
    # Exactly at the slot: that slot.
    exact = datetime(2026, 11, 23, 18, 30, tzinfo=UTC)
    assert daily_slot(exact, at) == exact
    with pytest.raises(ValueError, match="timezone-aware"):
        daily_slot(datetime(2026, 11, 24, 4, 0), at)


def test_an_every_minutes_slot_is_now_rounded_down() -> None:
    assert every_slot(datetime(2026, 11, 24, 4, 7, 13, tzinfo=UTC), 5) == datetime(2026, 11, 24, 4, 5, tzinfo=UTC)
    assert every_slot(datetime(2026, 11, 24, 4, 5, tzinfo=UTC), 5) == datetime(2026, 11, 24, 4, 5, tzinfo=UTC)
    assert every_slot(datetime(2026, 11, 24, 23, 59, tzinfo=UTC), 60) == datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        every_slot(datetime(2026, 11, 24, tzinfo=UTC), 0)


@pytest.mark.parametrize(("text", "expected"), [
    ("03:30", time(3, 30)), ("00:00", time(0, 0)), ("23:59", time(23, 59)), (" 12:05 ", time(12, 5)),
    ("off", None), ("OFF", None),
])
def test_times_of_day(text: str, expected: time | None) -> None:
    assert time_of_day(text) == expected


@pytest.mark.parametrize("text", ["3:30", "24:00", "12:60", "", "noon", "03:30:00", "０３:３０"])
def test_anything_else_is_refused_with_the_value(text: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        time_of_day(text)


def test_every_minutes_slots_keep_their_period_across_midnight() -> None:
    """Counted from the epoch: 7 minutes apart on both sides of midnight (from midnight, the gap there was 5)."""
    before = every_slot(datetime(2026, 11, 24, 23, 58, tzinfo=UTC), 7)
    after = every_slot(before + timedelta(minutes=7), 7)
    assert after - before == timedelta(minutes=7) and after.date() != before.date()
    assert every_slot(datetime(2026, 11, 25, 0, 1, tzinfo=UTC), 7) in (before, after)
