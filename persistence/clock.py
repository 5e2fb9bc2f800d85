"""The one clock. Every "now" and every business date in the product comes from here.

Business dates are Asia/Kolkata dates (UTC+05:30, no daylight saving since 1945): a record made
at 23:30 IST on 31 March belongs to March, whatever the server's time zone. Instants are
timezone-aware UTC datetimes.

The system clock is installed by default; tests and the demo seeder (which writes a year of
history) install a :class:`FixedClock` and move it. Nothing in the product reads the system
time except through this module; security lifetimes (access tokens, sign-in sessions), which
the JWT library and the database check against the machine's time, use :func:`wall_time`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Protocol

__all__ = [
    "IST",
    "Clock",
    "FixedClock",
    "SystemClock",
    "business_date",
    "business_date_sql",
    "day_starts_at",
    "install",
    "installed",
    "now",
    "today",
    "using",
    "wall_time",
]

# India Standard Time. A fixed offset rather than the tz database: IST has had no daylight
# saving since 1945, and a slim container image may carry no zoneinfo files.
IST = timezone(timedelta(hours=5, minutes=30), "IST")


def business_date_sql(instant: str) -> str:
    """The business date of a timestamptz SQL expression (as :func:`business_date`)."""
    return f"(({instant}) AT TIME ZONE INTERVAL '+05:30')::date"


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until it is moved (tests, the demo seeder writing history)."""

    def __init__(self, moment: datetime) -> None:
        self._moment = _aware(moment)

    def now(self) -> datetime:
        return self._moment

    def set(self, moment: datetime) -> None:
        self._moment = _aware(moment)

    def advance(self, delta: timedelta) -> None:
        self._moment += delta


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the clock keeps timezone-aware instants")
    return moment.astimezone(UTC)


_installed: Clock = SystemClock()


def install(clock: Clock) -> Clock:
    """Make ``clock`` the process's clock; returns the one it replaces."""
    global _installed
    previous, _installed = _installed, clock
    return previous


def installed() -> Clock:
    return _installed


@contextmanager
def using(clock: Clock) -> Iterator[Clock]:
    """``clock`` for the duration of a ``with`` block (then the previous one again)."""
    previous = install(clock)
    try:
        yield clock
    finally:
        install(previous)


def now() -> datetime:
    """The current instant (UTC), from the installed clock."""
    return _installed.now()


def wall_time() -> datetime:
    """The machine's time, for security lifetimes only (access tokens, sign-in sessions),
    which the JWT library and the database check against it too. Never a business date."""
    return datetime.now(UTC)


def business_date(moment: datetime) -> date:
    """The Asia/Kolkata date of an instant."""
    return _aware(moment).astimezone(IST).date()


def today() -> date:
    """Today's business date (Asia/Kolkata)."""
    return business_date(now())


def day_starts_at(day: date) -> datetime:
    """The instant (UTC) at which a business date begins: 00:00 IST."""
    return datetime.combine(day, time(), IST).astimezone(UTC)
