"""The business clock: what day it is where the work happens (Asia/Kolkata)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

# India keeps no daylight saving time: a fixed offset is Asia/Kolkata, without tz data.
KOLKATA = timezone(timedelta(hours=5, minutes=30), "Asia/Kolkata")


def business_today(now: datetime | None = None) -> date:
    """The date in Asia/Kolkata at ``now`` (an aware time; by default the present)."""
    return (now or datetime.now(UTC)).astimezone(KOLKATA).date()
