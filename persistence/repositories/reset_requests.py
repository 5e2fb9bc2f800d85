"""Requests to reset another person's password or second factor."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.reset_request import ResetKind, ResetRequest, ResetStatus
from persistence.pagination import Key, keyset
from persistence.repositories.session import Repository
from persistence.scope import RowScope


class ResetRequestRepository(Repository):
    def scoped(self, scope: RowScope) -> sa.Select[Any]:
        stmt = sa.select(ResetRequest)
        if scope.organization_ids is not None:
            stmt = stmt.where(col(ResetRequest.organization_id).in_(scope.organization_ids))
        return stmt

    async def add(self, request: ResetRequest) -> None:
        self.session.add(request)
        await self.session.flush()

    async def save(self, request: ResetRequest) -> None:
        await self.session.flush()

    async def get_for_update(self, request_id: UUID, scope: RowScope) -> ResetRequest | None:
        if scope.is_empty:
            return None
        stmt = self.scoped(scope).where(col(ResetRequest.id) == request_id).with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def pending_exists(self, user_id: UUID, kind: ResetKind) -> bool:
        stmt = sa.select(sa.literal(True)).where(
            col(ResetRequest.user_id) == user_id,
            col(ResetRequest.kind) == kind,
            col(ResetRequest.status) == ResetStatus.pending,
        )
        return bool((await self.session.scalars(stmt)).first())

    async def expire_overdue(
        self, now: datetime, *, only: UUID | None = None
    ) -> list[tuple[UUID, UUID]]:
        """Mark every pending request whose time ran out (or just ``only``) as expired,
        dropping any password hash it held; returns (id, organization_id) of each."""
        stmt = sa.update(ResetRequest).where(
            col(ResetRequest.status) == ResetStatus.pending,
            col(ResetRequest.expires_at) <= now,
        )
        if only is not None:
            stmt = stmt.where(col(ResetRequest.id) == only)
        stmt = (
            stmt.values(status=ResetStatus.expired, decided_at=now, password_hash=None)
            .returning(col(ResetRequest.id), col(ResetRequest.organization_id))
            .execution_options(synchronize_session=False)
        )
        return [(row[0], row[1]) for row in (await self.session.execute(stmt)).all()]

    async def page(
        self,
        scope: RowScope,
        *,
        statuses: Sequence[ResetStatus],
        after: Key | None,
        limit: int,
    ) -> list[ResetRequest]:
        """Up to ``limit + 1`` requests of the given statuses, oldest first."""
        if scope.is_empty:
            return []
        stmt = self.scoped(scope).where(col(ResetRequest.status).in_(statuses))
        stmt = keyset(stmt, [col(ResetRequest.requested_at), col(ResetRequest.id)], after, limit)
        return list((await self.session.scalars(stmt)).all())

    async def count(self, scope: RowScope, *, statuses: Sequence[ResetStatus]) -> int:
        if scope.is_empty:
            return 0
        stmt = sa.select(sa.func.count()).select_from(ResetRequest)
        if scope.organization_ids is not None:
            stmt = stmt.where(col(ResetRequest.organization_id).in_(scope.organization_ids))
        stmt = stmt.where(col(ResetRequest.status).in_(statuses))
        return int((await self.session.execute(stmt)).scalar_one())
