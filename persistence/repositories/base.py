"""What every entity repository shares: scoped get, get for update, add, keyset page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.base import Entity
from persistence.pagination import Key, keyset
from persistence.repositories.session import Repository
from persistence.scope import RowScope

ModelT = TypeVar("ModelT", bound=Entity)


def row_scope_conditions(
    model: Any, scope: RowScope, *, organization: Any = None, include_deleted: bool = False
) -> list[sa.ColumnElement[bool]]:
    """The conditions a row of ``model`` (a table or an alias) meets when ``scope`` admits it:
    its organisation, its district, not deleted (``organization``: the column to scope on,
    by default ``organization_id``)."""
    conditions: list[sa.ColumnElement[bool]] = []
    if scope.organization_ids is not None:
        column = model.organization_id if organization is None else organization
        conditions.append(column.in_(scope.organization_ids))
    if scope.district_ids is not None:
        district = getattr(model, "district_id", None)
        if district is None:
            raise TypeError(f"{getattr(model, '__name__', model)} has no district to scope on")
        conditions.append(district.in_(scope.district_ids))
    if not include_deleted:
        conditions.append(col(model.deleted_at).is_(None))
    return conditions


class EntityRepository(Repository, Generic[ModelT]):
    """Queries on one table of business records, always through a RowScope.

    Subclasses set ``model``; ``organization_column`` defaults to ``organization_id``.
    """

    model: type[ModelT]

    def organization_column(self) -> Any:
        # Not every Entity is organisation-owned; those scoped on it are (or override this).
        return self.model.organization_id  # type: ignore[attr-defined]

    def scoped(self, scope: RowScope, *, include_deleted: bool = False) -> sa.Select[Any]:
        """SELECT of the records ``scope`` admits, as one WHERE clause on indexed columns."""
        stmt = sa.select(self.model)
        return self.apply_scope(stmt, scope, include_deleted=include_deleted)

    def apply_scope(
        self, stmt: sa.Select[Any], scope: RowScope, *, include_deleted: bool = False
    ) -> sa.Select[Any]:
        # Not every table scoped here has an organisation: ask for its column only when needed.
        organization = self.organization_column() if scope.organization_ids is not None else None
        return stmt.where(
            *row_scope_conditions(
                self.model, scope, organization=organization, include_deleted=include_deleted
            )
        )

    async def get(
        self, record_id: UUID, scope: RowScope, *, for_update: bool = False
    ) -> ModelT | None:
        """The record when ``scope`` admits it; with ``for_update``, locked until the end of
        the transaction (so versions cannot race)."""
        if scope.is_empty:
            return None
        stmt = self.scoped(scope).where(col(self.model.id) == record_id)
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def get_many(self, record_ids: Sequence[UUID], scope: RowScope) -> list[ModelT]:
        """The records among ``record_ids`` that ``scope`` admits, in one statement."""
        if scope.is_empty or not record_ids:
            return []
        stmt = self.scoped(scope).where(col(self.model.id).in_(list(record_ids)))
        return list((await self.session.scalars(stmt)).all())

    async def get_for_update(self, record_id: UUID, scope: RowScope) -> ModelT | None:
        """The record, locked until the end of the transaction (so versions cannot race)."""
        return await self.get(record_id, scope, for_update=True)

    async def exists(self, record_id: UUID) -> bool:
        """Whether a record with this id exists at all, regardless of scope (for client ids)."""
        stmt = sa.select(sa.literal(True)).where(col(self.model.id) == record_id)
        return bool((await self.session.scalars(stmt)).first())

    async def add(self, record: ModelT) -> ModelT:
        self.session.add(record)
        await self.session.flush()
        return record

    async def save(self, record: ModelT) -> ModelT:
        await self.session.flush()
        return record

    async def page(
        self,
        scope: RowScope,
        *,
        where: Sequence[sa.ColumnElement[bool]] = (),
        order: Sequence[Any] | None = None,
        after: Key | None = None,
        limit: int = 50,
        descending: bool = False,
    ) -> list[ModelT]:
        """Up to ``limit + 1`` records after the key ``after`` (the extra row marks more)."""
        if scope.is_empty:
            return []
        stmt = self.scoped(scope)
        for clause in where:
            stmt = stmt.where(clause)
        columns = order or [self.model.created_at, self.model.id]
        stmt = keyset(stmt, columns, after, limit, descending)
        return list((await self.session.scalars(stmt)).all())

    async def count(self, scope: RowScope, *, where: Sequence[sa.ColumnElement[bool]] = ()) -> int:
        if scope.is_empty:
            return 0
        stmt = self.apply_scope(sa.select(sa.func.count()).select_from(self.model), scope)
        for clause in where:
            stmt = stmt.where(clause)
        return int((await self.session.execute(stmt)).scalar_one())
