"""Counters of failed sign-ins, per keyed digest of an account, a client, an address, or an
account from one address.

An attempt is counted *before* it is judged (a slot is reserved), in a short transaction of its
own that is committed at once: concurrent attempts cannot all pass a check that none of them
has yet counted, and the row locks are not held while the password is hashed. A right answer
gives its slot back (:meth:`LoginThrottleRepository.give_back`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from persistence.repositories.session import Repository

_CREATE = """
INSERT INTO login_throttle (key, failures, window_started_at)
SELECT k, 0, $2 FROM unnest($1::text[]) AS k ORDER BY k
ON CONFLICT (key) DO NOTHING
"""
_LOCK = """
SELECT key, failures, window_started_at, locked_until FROM login_throttle
 WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE
"""
_FORGET = "DELETE FROM login_throttle WHERE key = ANY($1::text[])"
_RELEASE = """
UPDATE login_throttle
   SET failures = greatest(failures - 1, 0),
       locked_until = CASE WHEN locked_until = $2 THEN NULL ELSE locked_until END
 WHERE key = $1
"""
_COUNT = """
UPDATE login_throttle AS t
   SET failures = v.failures, window_started_at = v.window_started_at,
       locked_until = v.locked_until
  FROM unnest($1::text[], $2::int[], $3::timestamptz[], $4::timestamptz[])
       AS v(key, failures, window_started_at, locked_until)
 WHERE t.key = v.key
"""


@dataclass(frozen=True, slots=True)
class ThrottleRule:
    """How one key is throttled when an attempt on it fails.

    ``limit``: after that many failures in the window the key is locked for ``lockout``.
    ``delay_after``: from that many failures on, each failure makes the key wait
    ``delay`` doubled for every further failure, up to ``max_delay`` (a slow-down, no lock).
    """

    key: str
    window: timedelta
    limit: int | None = None
    lockout: timedelta = timedelta(0)
    delay_after: int | None = None
    delay: timedelta = timedelta(0)
    max_delay: timedelta = timedelta(0)

    def locked_until(self, failures: int, now: datetime) -> datetime | None:
        """How long the key waits after its ``failures``-th failure (None: it need not)."""
        if self.limit is not None and failures >= self.limit:
            return now + self.lockout
        if self.delay_after is not None and failures >= self.delay_after:
            doublings = min(failures - self.delay_after, 30)
            wait: timedelta = min(self.delay * 2**doublings, self.max_delay)
            return now + wait
        return None


@dataclass(frozen=True, slots=True)
class Reservation:
    """The outcome of :meth:`LoginThrottleRepository.reserve`: either a slot (the attempt was
    counted as a failure, and each key's lock it set), or the key that refused it and until
    when."""

    locks_set: dict[str, datetime | None]
    refused_by: str | None = None
    refused_until: datetime | None = None


class _Refused(Exception):
    def __init__(self, key: str, until: datetime) -> None:
        self.key, self.until = key, until


class LoginThrottleRepository(Repository):
    async def reserve(self, rules: Sequence[ThrottleRule], now: datetime) -> Reservation:
        """Count one failed attempt on every rule's key, unless one of them waits (then count
        nothing and say which). Committed at once, in a transaction of its own."""
        ordered = sorted(rules, key=lambda rule: rule.key)
        keys = [rule.key for rule in ordered]
        try:
            async with self.uow.apart() as connection:
                return await self._reserve(connection, ordered, keys, now)
        except _Refused as refused:
            return Reservation(locks_set={}, refused_by=refused.key, refused_until=refused.until)

    @staticmethod
    async def _reserve(
        connection: Any, rules: list[ThrottleRule], keys: list[str], now: datetime
    ) -> Reservation:
        # Every key has a row before any is locked, so that concurrent attempts meet on the
        # same rows (always locked in key order: no deadlock).
        await connection.execute(_CREATE, keys, now)
        rows = {row["key"]: row for row in await connection.fetch(_LOCK, keys)}
        waiting = [
            (row["locked_until"], key)
            for key, row in rows.items()
            if row["locked_until"] is not None and row["locked_until"] > now
        ]
        if waiting:
            until, key = max(waiting)
            raise _Refused(key, until)  # rolls back the rows made above
        failures: list[int] = []
        starts: list[datetime] = []
        locks: list[datetime | None] = []
        for rule in rules:
            row = rows[rule.key]
            expired = row["window_started_at"] <= now - rule.window
            count = 1 if expired else row["failures"] + 1
            failures.append(count)
            starts.append(now if expired else row["window_started_at"])
            locks.append(rule.locked_until(count, now))
        await connection.execute(_COUNT, keys, failures, starts, locks)
        return Reservation(locks_set=dict(zip(keys, locks, strict=True)))

    async def waiting_until(self, keys: Sequence[str], now: datetime) -> datetime | None:
        """Until when the longest-waiting of ``keys`` waits (None: none does). Counts nothing."""
        connection = await self.driver()
        until: datetime | None = await connection.fetchval(
            "SELECT max(locked_until) FROM login_throttle"
            " WHERE key = ANY($1::text[]) AND locked_until > $2",
            list(keys),
            now,
        )
        return until

    async def give_back(
        self, reservation: Reservation, *, forget: Sequence[str], release: str
    ) -> None:
        """The attempt succeeded: forget the ``forget`` keys, and give back the slot (and the
        lock, unless a later failure set another) the reservation took on ``release``. In the
        unit's transaction, and again after it if it rolls back: whatever happens later in the
        request, a right answer never counts as a failure."""
        keys = sorted(forget)

        async def apply() -> None:
            connection = await self.driver()
            # Locked in key order first, as reserve() does: no deadlock between the two.
            await connection.fetch(_LOCK, sorted({*keys, release}))
            await connection.execute(_FORGET, keys)
            await connection.execute(_RELEASE, release, reservation.locks_set.get(release))

        await apply()
        self.uow.on_rollback(apply)
