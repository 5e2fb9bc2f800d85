"""Counters of failed sign-ins, per keyed digest of an account or an address."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from persistence.models.login_throttle import LoginThrottle
from persistence.repositories.session import Repository


class LoginThrottleRepository(Repository):
    async def locked_until(self, keys: Iterable[str], now: datetime) -> datetime | None:
        """The latest lock among ``keys`` that has not yet expired."""
        stmt = sa.select(sa.func.max(col(LoginThrottle.locked_until))).where(
            col(LoginThrottle.key).in_(list(keys)),
            col(LoginThrottle.locked_until) > now,
        )
        value: datetime | None = (await self.session.execute(stmt)).scalar_one_or_none()
        return value

    async def record_failure(
        self, key: str, now: datetime, *, window: timedelta, limit: int, lockout: timedelta
    ) -> None:
        """Count one failure; lock the key for ``lockout`` when it reaches ``limit`` within
        ``window``. One statement, so concurrent failures count correctly."""
        # SQLModel's stubs do not declare __table__.
        fresh = LoginThrottle.__table__.c  # type: ignore[attr-defined]
        expired = fresh.window_started_at < now - window
        failures = sa.case((expired, 1), else_=fresh.failures + 1)
        stmt = insert(LoginThrottle).values(
            key=key,
            failures=1,
            window_started_at=now,
            locked_until=now + lockout if limit <= 1 else None,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[fresh.key],
            set_={
                "failures": failures,
                "window_started_at": sa.case((expired, now), else_=fresh.window_started_at),
                "locked_until": sa.case(
                    (failures >= limit, now + lockout), else_=fresh.locked_until
                ),
            },
        )
        await self.session.execute(stmt)

    async def clear(self, key: str) -> None:
        await self.session.execute(sa.delete(LoginThrottle).where(col(LoginThrottle.key) == key))
