"""Follow-up visits and case notes: queries by case (the case's scope is checked first), the
caller's list of visits due across her case scope, and the restricted-note filter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.case_note import CaseNote
from persistence.models.case_visit import CaseVisit
from persistence.models.case_vocabulary import NoteConfidentiality, VisitStatus
from persistence.models.survivor_case import SurvivorCase
from persistence.pagination import Key, KeyMismatch, keyset
from persistence.repositories.base import EntityRepository
from persistence.repositories.cases import case_visible
from persistence.scope import CaseScope, RowScope


def date_key(after: Key | None) -> Key | None:
    """A (date, id) key as a cursor carries it (the date as ISO text) back in column types."""
    if after is None:
        return None
    day, row_id = after
    if not isinstance(day, str):
        raise KeyMismatch("the key does not fit the ordering")
    try:
        return (date.fromisoformat(day), row_id)
    except ValueError as exc:
        raise KeyMismatch("the key does not fit the ordering") from exc


def of_case(model: Any, case: SurvivorCase) -> list[sa.ColumnElement[bool]]:
    """Records of one case. The case is already known to be in the caller's scope; its
    organisation is filtered on as well (defense in depth, and an indexed column)."""
    return [model.case_id == case.id, model.organization_id == case.organization_id]


class VisitRepository(EntityRepository[CaseVisit]):
    model = CaseVisit

    async def get_in_case(
        self, case: SurvivorCase, visit_id: UUID, *, for_update: bool = False
    ) -> CaseVisit | None:
        stmt = self.scoped(RowScope.organization(case.organization_id)).where(
            col(CaseVisit.id) == visit_id, *of_case(self.model, case)
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def page_of_case(
        self,
        case: SurvivorCase,
        status: VisitStatus | None,
        after: Key | None,
        limit: int,
    ) -> list[CaseVisit]:
        """Up to ``limit + 1`` visits of the case by planned date (then id)."""
        where = of_case(self.model, case)
        if status is not None:
            where.append(col(CaseVisit.status) == status)
        return await self.page(
            RowScope.organization(case.organization_id),
            where=where,
            order=[CaseVisit.planned_on, CaseVisit.id],
            after=date_key(after),
            limit=limit,
        )

    async def count_of_case(self, case: SurvivorCase, status: VisitStatus | None) -> int:
        where = of_case(self.model, case)
        if status is not None:
            where.append(col(CaseVisit.status) == status)
        return await self.count(RowScope.organization(case.organization_id), where=where)

    def _due(
        self, scope: CaseScope, due_before: date, mine: UUID | None
    ) -> list[sa.ColumnElement[bool]]:
        conditions = [
            case_visible(scope),
            col(CaseVisit.organization_id) == col(SurvivorCase.organization_id),
            col(CaseVisit.status) == VisitStatus.planned,
            col(CaseVisit.planned_on) < due_before,
            col(CaseVisit.deleted_at).is_(None),
        ]
        if mine is not None:
            conditions.append(
                sa.or_(
                    col(CaseVisit.visited_by) == mine,
                    col(SurvivorCase.assigned_worker_id) == mine,
                )
            )
        return conditions

    async def due(
        self,
        scope: CaseScope,
        due_before: date,
        mine: UUID | None,
        after: Key | None,
        limit: int,
    ) -> list[tuple[CaseVisit, str]]:
        """Up to ``limit + 1`` planned visits before ``due_before`` of the cases in ``scope``
        (only those ``mine`` makes or whose case is assigned to ``mine`` when given), oldest
        first, each with its case's number."""
        if scope.is_empty:
            return []
        stmt: Any = (
            sa.select(CaseVisit, col(SurvivorCase.case_number))
            .join(SurvivorCase, col(SurvivorCase.id) == col(CaseVisit.case_id))
            .where(*self._due(scope, due_before, mine))
        )
        stmt = keyset(stmt, [col(CaseVisit.planned_on), col(CaseVisit.id)], date_key(after), limit)
        return [(visit, number) for visit, number in (await self.session.execute(stmt)).all()]

    async def count_due(self, scope: CaseScope, due_before: date, mine: UUID | None) -> int:
        if scope.is_empty:
            return 0
        stmt = (
            sa.select(sa.func.count())
            .select_from(CaseVisit)
            .join(SurvivorCase, col(SurvivorCase.id) == col(CaseVisit.case_id))
            .where(*self._due(scope, due_before, mine))
        )
        return int((await self.session.execute(stmt)).scalar_one())


@dataclass(frozen=True, slots=True)
class NoteReader:
    """Who reads notes: restricted notes show only to their author, or to everyone when
    ``all_restricted`` (the organisation's program managers)."""

    reader_id: UUID
    all_restricted: bool


class NoteRepository(EntityRepository[CaseNote]):
    model = CaseNote

    @staticmethod
    def readable(reader: NoteReader) -> sa.ColumnElement[bool]:
        if reader.all_restricted:
            return sa.true()
        return sa.or_(
            col(CaseNote.confidentiality) == NoteConfidentiality.standard,
            col(CaseNote.author_id) == reader.reader_id,
        )

    async def get_in_case(
        self, case: SurvivorCase, note_id: UUID, reader: NoteReader
    ) -> CaseNote | None:
        stmt = self.scoped(RowScope.organization(case.organization_id)).where(
            col(CaseNote.id) == note_id, *of_case(self.model, case), self.readable(reader)
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def page_of_case(
        self,
        case: SurvivorCase,
        reader: NoteReader,
        confidentiality: NoteConfidentiality | None,
        after: Key | None,
        limit: int,
    ) -> list[CaseNote]:
        """Up to ``limit + 1`` notes of the case the reader may read, oldest first."""
        return await self.page(
            RowScope.organization(case.organization_id),
            where=self._where(case, reader, confidentiality),
            after=after,
            limit=limit,
        )

    async def count_of_case(
        self,
        case: SurvivorCase,
        reader: NoteReader,
        confidentiality: NoteConfidentiality | None,
    ) -> int:
        return await self.count(
            RowScope.organization(case.organization_id),
            where=self._where(case, reader, confidentiality),
        )

    def _where(
        self, case: SurvivorCase, reader: NoteReader, confidentiality: NoteConfidentiality | None
    ) -> list[sa.ColumnElement[bool]]:
        where = [*of_case(self.model, case), self.readable(reader)]
        if confidentiality is not None:
            where.append(col(CaseNote.confidentiality) == confidentiality)
        return where
