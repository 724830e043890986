"""When a scheduled job is due: pure clock arithmetic, no database.

A job has slots: moments at which it should run. A daily job's slot is the latest moment at its time of day in
Japan at or before now, so a server that was down at 03:30 runs the missed slot when it starts (catch-up); an
every-N-minutes job's slot is now rounded down to a multiple of N minutes since the Unix epoch.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")
OFF = "off"
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def time_of_day(text: str) -> time | None:
    """"HH:MM" (24-hour) as a time, None for "off"; ValueError for anything else."""
    text = text.strip()
    if text.lower() == OFF:
        return None
    m = _CLOCK.fullmatch(text)
    if m is None:
        raise ValueError(f"{text!r} is not a time of day HH:MM (00:00-23:59) nor {OFF!r}")
    return time(int(m.group(1)), int(m.group(2)))


def daily_slot(now: datetime, at: time, tz: ZoneInfo = JST) -> datetime:
    """The latest moment at `at` (local time of `tz`) at or before `now`, in UTC."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(tz)
    slot = datetime.combine(local.date(), at, tz)
    if slot > local:
        slot = datetime.combine(local.date() - timedelta(days=1), at, tz)
    return slot.astimezone(UTC)


def every_slot(now: datetime, minutes: int) -> datetime:
    """`now` rounded down to a multiple of `minutes` since the Unix epoch (minutes ≥ 1): slots `minutes` apart
    however the period divides a day."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if minutes < 1:
        raise ValueError("minutes must be at least 1")
    period = timedelta(minutes=minutes)
    return _EPOCH + (now.astimezone(UTC) - _EPOCH) // period * period


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
