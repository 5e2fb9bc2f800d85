"""Audit events: append to the chain, list, and stream in chain order for verification."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from persistence.audit_chain import AuditRecord, digest
from persistence.models.audit_chain_head import AuditChainHead
from persistence.models.audit_event import AuditEvent
from persistence.pagination import keyset

# One statement per event: advance the head (its row lock orders concurrent appends, and in
# READ COMMITTED the UPDATE sees the latest committed head) and insert the event with the
# hash the head now holds.
_APPEND = sa.text(
    """
    WITH head AS (
        UPDATE audit_chain_head
           SET last_seq = last_seq + 1, last_hash = sha256(last_hash || :digest)
         WHERE id = 1
     RETURNING last_seq, last_hash
    )
    INSERT INTO audit_event (seq, hash, id, occurred_at, actor_type, actor_id, organization_id,
                             action, entity_type, entity_id, request_id, outcome)
    SELECT head.last_seq, head.last_hash, :id, :occurred_at, :actor_type, :actor_id,
           :organization_id, :action, :entity_type, :entity_id, :request_id, :outcome
      FROM head
    """
).bindparams(
    sa.bindparam("digest", type_=sa.LargeBinary),
    sa.bindparam("id", type_=sa.Uuid),
    sa.bindparam("occurred_at", type_=sa.DateTime(timezone=True)),
    sa.bindparam("actor_id", type_=sa.Uuid),
    sa.bindparam("organization_id", type_=sa.Uuid),
    sa.bindparam("entity_id", type_=sa.Uuid),
)


class AuditEventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def append(self, records: Sequence[AuditRecord]) -> None:
        for record in records:
            await self.session.execute(
                _APPEND,
                {
                    "digest": digest(record),
                    "id": record.id,
                    "occurred_at": record.occurred_at,
                    "actor_type": str(record.actor_type),
                    "actor_id": record.actor_id,
                    "organization_id": record.organization_id,
                    "action": str(record.action),
                    "entity_type": record.entity_type,
                    "entity_id": record.entity_id,
                    "request_id": record.request_id,
                    "outcome": str(record.outcome),
                },
            )

    async def list(
        self,
        *,
        organization_ids: frozenset[UUID] | None,
        actor_id: UUID | None = None,
        action: str | None = None,
        entity_type: str | None = None,
        entity_id: UUID | None = None,
        occurred_from: datetime | None = None,
        occurred_to: datetime | None = None,
        after_seq: int | None = None,
        limit: int = 50,
    ) -> list[AuditEvent]:
        """Newest first, keyset on ``seq``; ``organization_ids`` None means every organisation."""
        stmt = sa.select(AuditEvent)
        if organization_ids is not None:
            stmt = stmt.where(AuditEvent.organization_id.in_(organization_ids))  # type: ignore[union-attr]
        if actor_id is not None:
            stmt = stmt.where(AuditEvent.actor_id == actor_id)
        if action is not None:
            stmt = stmt.where(AuditEvent.action == action)
        if entity_type is not None:
            stmt = stmt.where(AuditEvent.entity_type == entity_type)
        if entity_id is not None:
            stmt = stmt.where(AuditEvent.entity_id == entity_id)
        if occurred_from is not None:
            stmt = stmt.where(AuditEvent.occurred_at >= occurred_from)
        if occurred_to is not None:
            stmt = stmt.where(AuditEvent.occurred_at < occurred_to)
        stmt = keyset(
            stmt, [AuditEvent.seq], None if after_seq is None else (after_seq,), limit, True
        )
        return list((await self.session.scalars(stmt)).all())

    async def head(self) -> AuditChainHead | None:
        return await self.session.get(AuditChainHead, 1)

    async def between(self, first_seq: int, last_seq: int) -> Sequence[AuditEvent]:
        stmt = (
            sa.select(AuditEvent)
            .where(AuditEvent.seq.between(first_seq, last_seq))  # type: ignore[attr-defined]
            .order_by(AuditEvent.seq)
        )
        return list((await self.session.scalars(stmt)).all())

    async def stream_in_chain_order(self, batch: int = 5000) -> AsyncIterator[AuditEvent]:
        """Every event in ``seq`` order, fetched in batches (keyset, no OFFSET)."""
        last = 0
        while True:
            rows = (
                await self.session.scalars(
                    sa.select(AuditEvent)
                    .where(AuditEvent.seq > last)
                    .order_by(AuditEvent.seq)
                    .limit(batch)
                )
            ).all()
            if not rows:
                return
            for row in rows:
                yield row
            last = rows[-1].seq
