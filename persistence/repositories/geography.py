from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from persistence.models.block import Block
from persistence.models.district import District
from persistence.models.state import State
from persistence.repositories.base import EntityRepository
from persistence.scope import RowScope


class _ReferenceData:
    """Geography is shared reference data: readable by everyone, owned by no organisation."""

    def apply_scope(
        self, stmt: sa.Select[Any], scope: RowScope, *, include_deleted: bool = False
    ) -> sa.Select[Any]:
        model: Any = self.model  # type: ignore[attr-defined]
        return stmt if include_deleted else stmt.where(model.deleted_at.is_(None))


class StateRepository(_ReferenceData, EntityRepository[State]):
    model = State


class DistrictRepository(_ReferenceData, EntityRepository[District]):
    model = District

    async def existing(self, district_ids: set[Any]) -> set[Any]:
        if not district_ids:
            return set()
        stmt = sa.select(District.id).where(
            District.id.in_(district_ids),  # type: ignore[attr-defined]
            District.deleted_at.is_(None),  # type: ignore[union-attr]
        )
        return set((await self.session.scalars(stmt)).all())


class BlockRepository(_ReferenceData, EntityRepository[Block]):
    model = Block
