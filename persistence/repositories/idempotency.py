"""Stored answers to creates sent with an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.idempotency_record import IdempotencyRecord
from persistence.repositories.session import Repository


class IdempotencyRepository(Repository):
    async def try_lock(self, principal_id: UUID, key: str) -> bool:
        """Take a transaction-scoped lock on (principal, key); False when another request holds
        it (a concurrent duplicate)."""
        stmt = sa.select(
            sa.func.pg_try_advisory_xact_lock(
                sa.func.hashtextextended(sa.literal(f"idem:{principal_id}:{key}"), 0)
            )
        )
        return bool((await self.session.execute(stmt)).scalar_one())

    async def find(self, principal_id: UUID, key: str, now: datetime) -> IdempotencyRecord | None:
        stmt = sa.select(IdempotencyRecord).where(
            col(IdempotencyRecord.principal_id) == principal_id,
            col(IdempotencyRecord.key) == key,
            col(IdempotencyRecord.expires_at) > now,
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def store(self, record: IdempotencyRecord) -> None:
        # An expired record under the same key is replaced.
        await self.session.execute(
            sa.delete(IdempotencyRecord).where(
                col(IdempotencyRecord.principal_id) == record.principal_id,
                col(IdempotencyRecord.key) == record.key,
            )
        )
        self.session.add(record)
        await self.session.flush()

    async def purge_expired(self, now: datetime, batch: int = 1000) -> int:
        expired = (
            sa.select(col(IdempotencyRecord.principal_id), col(IdempotencyRecord.key))
            .where(col(IdempotencyRecord.expires_at) <= now)
            .limit(batch)
        )
        record_key = sa.tuple_(col(IdempotencyRecord.principal_id), col(IdempotencyRecord.key))
        result = await self.session.execute(
            sa.delete(IdempotencyRecord).where(record_key.in_(expired))
        )
        # A DML statement answers a CursorResult; session.execute is typed as plain Result.
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
