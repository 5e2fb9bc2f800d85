"""Stored answers to creates sent with an Idempotency-Key."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

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
            IdempotencyRecord.principal_id == principal_id,
            IdempotencyRecord.key == key,
            IdempotencyRecord.expires_at > now,
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def store(self, record: IdempotencyRecord) -> None:
        # An expired record under the same key is replaced.
        await self.session.execute(
            sa.delete(IdempotencyRecord).where(
                IdempotencyRecord.principal_id == record.principal_id,  # type: ignore[arg-type]
                IdempotencyRecord.key == record.key,  # type: ignore[arg-type]
            )
        )
        self.session.add(record)
        await self.session.flush()

    async def purge_expired(self, now: datetime, batch: int = 1000) -> int:
        expired = (
            sa.select(IdempotencyRecord.principal_id, IdempotencyRecord.key)
            .where(IdempotencyRecord.expires_at <= now)
            .limit(batch)
        )
        result = await self.session.execute(
            sa.delete(IdempotencyRecord).where(
                sa.tuple_(IdempotencyRecord.principal_id, IdempotencyRecord.key).in_(expired)
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
