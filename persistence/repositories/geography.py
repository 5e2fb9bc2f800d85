from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import col

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
        # A mixin: ``model`` is the EntityRepository's it is combined with.
        model: Any = self.model  # type: ignore[attr-defined]
        return stmt if include_deleted else stmt.where(model.deleted_at.is_(None))


class StateRepository(_ReferenceData, EntityRepository[State]):
    model = State


class DistrictRepository(_ReferenceData, EntityRepository[District]):
    model = District

    async def existing(self, district_ids: set[Any]) -> set[Any]:
        if not district_ids:
            return set()
        stmt = sa.select(col(District.id)).where(
            col(District.id).in_(district_ids),
            col(District.deleted_at).is_(None),
        )
        return set((await self.session.scalars(stmt)).all())


class BlockRepository(_ReferenceData, EntityRepository[Block]):
    model = Block
