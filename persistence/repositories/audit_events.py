"""Audit events: append to the chain, list, and stream in chain order for verification."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.audit_chain import APPEND_ONE, AuditRecord, append_args
from persistence.models.audit_chain_head import AuditChainHead
from persistence.models.audit_event import AuditEvent
from persistence.models.audit_tally import AuditTally
from persistence.pagination import keyset
from persistence.repositories.session import Repository


class AuditEventRepository(Repository):
    async def append(self, records: Sequence[AuditRecord], chain: int) -> None:
        """Append ``records`` to ``chain``, one statement each, all or none: in the session's
        transaction when it has begun one, else in one transaction of their own (so that the
        events of one unit of work stand together in their chain even then)."""
        if not records:
            return
        keys = self.uow.audit_keys
        connection = await self.driver()
        await connection.executemany(APPEND_ONE, [append_args(keys, chain, r) for r in records])

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
        stmt = self._filtered(
            sa.select(AuditEvent),
            organization_ids,
            actor_id,
            action,
            entity_type,
            entity_id,
            occurred_from,
            occurred_to,
        )
        stmt = keyset(
            stmt, [col(AuditEvent.seq)], None if after_seq is None else (after_seq,), limit, True
        )
        return list((await self.session.scalars(stmt)).all())

    async def count(
        self,
        *,
        organization_ids: frozenset[UUID] | None,
        actor_id: UUID | None = None,
        action: str | None = None,
        entity_type: str | None = None,
        entity_id: UUID | None = None,
        occurred_from: datetime | None = None,
        occurred_to: datetime | None = None,
    ) -> int:
        """How many events :meth:`list` pages through with the same filters."""
        stmt = self._filtered(
            sa.select(sa.func.count()).select_from(AuditEvent),
            organization_ids,
            actor_id,
            action,
            entity_type,
            entity_id,
            occurred_from,
            occurred_to,
        )
        return int((await self.session.execute(stmt)).scalar_one())

    @staticmethod
    def _filtered(
        stmt: sa.Select[Any],
        organization_ids: frozenset[UUID] | None,
        actor_id: UUID | None,
        action: str | None,
        entity_type: str | None,
        entity_id: UUID | None,
        occurred_from: datetime | None,
        occurred_to: datetime | None,
    ) -> sa.Select[Any]:
        if organization_ids is not None:
            stmt = stmt.where(col(AuditEvent.organization_id).in_(organization_ids))
        if actor_id is not None:
            stmt = stmt.where(col(AuditEvent.actor_id) == actor_id)
        if action is not None:
            stmt = stmt.where(col(AuditEvent.action) == action)
        if entity_type is not None:
            stmt = stmt.where(col(AuditEvent.entity_type) == entity_type)
        if entity_id is not None:
            stmt = stmt.where(col(AuditEvent.entity_id) == entity_id)
        if occurred_from is not None:
            stmt = stmt.where(col(AuditEvent.occurred_at) >= occurred_from)
        if occurred_to is not None:
            stmt = stmt.where(col(AuditEvent.occurred_at) < occurred_to)
        return stmt

    async def tallies(self, event_ids: Sequence[UUID]) -> dict[UUID, AuditTally]:
        """The counts of those of ``event_ids`` that are counted events (one query a page)."""
        if not event_ids:
            return {}
        stmt = sa.select(AuditTally).where(col(AuditTally.event_id).in_(list(event_ids)))
        return {tally.event_id: tally for tally in (await self.session.scalars(stmt)).all()}

    async def heads(self) -> builtins.list[AuditChainHead]:
        stmt = sa.select(AuditChainHead).order_by(col(AuditChainHead.id))
        return list((await self.session.scalars(stmt)).all())

    async def chains_ending_unkeyed(self) -> builtins.list[int]:
        """Chains whose last event was chained before audit keys (no kid)."""
        head, event = AuditChainHead, AuditEvent
        stmt = (
            sa.select(col(head.id))
            .join(
                event,
                sa.and_(
                    col(event.chain) == col(head.id), col(event.chain_seq) == col(head.last_seq)
                ),
            )
            .where(col(event.kid).is_(None))
            .order_by(col(head.id))
        )
        return list((await self.session.scalars(stmt)).all())

    async def between(self, chain: int, first: int, last: int) -> Sequence[AuditEvent]:
        """Events of ``chain`` at positions ``first`` to ``last``."""
        stmt = (
            sa.select(AuditEvent)
            .where(col(AuditEvent.chain) == chain, col(AuditEvent.chain_seq).between(first, last))
            .order_by(col(AuditEvent.chain_seq))
        )
        return list((await self.session.scalars(stmt)).all())

    async def stream_chain(self, chain: int, batch: int = 5000) -> AsyncIterator[AuditEvent]:
        """Every event of ``chain`` in chain order, fetched in batches (keyset)."""
        last = 0
        while True:
            rows = (
                await self.session.scalars(
                    sa.select(AuditEvent)
                    .where(col(AuditEvent.chain) == chain, col(AuditEvent.chain_seq) > last)
                    .order_by(col(AuditEvent.chain_seq))
                    .limit(batch)
                )
            ).all()
            if not rows:
                return
            for row in rows:
                yield row
            last = rows[-1].chain_seq
