"""The business clock: what day it is where the work happens (Asia/Kolkata)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

# India keeps no daylight saving time: a fixed offset is Asia/Kolkata, without tz data.
KOLKATA = timezone(timedelta(hours=5, minutes=30), "Asia/Kolkata")


def business_today() -> date:
    """Today's date in Asia/Kolkata."""
    return datetime.now(KOLKATA).date()
