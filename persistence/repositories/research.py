"""De-identified research extracts: the survivors an extract may hold, and the extracts kept.

Who may be in an extract is decided by the one consent rule (``consent_in_force_days`` of
migration 0022, through :func:`persistence.repositories.consents.in_force_days_sql`): her
research consent is in force on the extract's business day. Each survivor is read with her
most recent case (by the day it opened), her home district (or her case's, when her home is not
recorded) and its state; nothing that names, locates or describes her in words is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, cast
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import col

from persistence.models.research_extract import ResearchExtract
from persistence.pagination import Key
from persistence.repositories.base import EntityRepository
from persistence.repositories.consents import in_force_days_sql
from persistence.repositories.session import Repository
from persistence.scope import RowScope

_CONSENTED = in_force_days_sql("'research'", "CAST(:organizations AS uuid[])")

_SUBJECTS = sa.text(
    f"""
    WITH consented AS ({_CONSENTED}),
    latest_case AS (
        SELECT DISTINCT ON (c.survivor_id)
               c.survivor_id, c.district_id, c.recruitment_method, c.destination_state,
               c.destination_country, c.exploitation_types, c.returned_on,
               c.trafficking_status, c.status
          FROM survivor_case c
         WHERE c.organization_id = :organization AND c.deleted_at IS NULL
         ORDER BY c.survivor_id, c.opened_on DESC, c.created_at DESC, c.id DESC
    )
    SELECT s.id, s.sex, s.birth_year, d.name AS district, st.name AS state,
           lc.recruitment_method, lc.destination_state, lc.destination_country,
           lc.exploitation_types, lc.returned_on, lc.trafficking_status, lc.status
      FROM survivor s
      JOIN consented k ON k.survivor_id = s.id AND k.days @> CAST(:day AS date)
      LEFT JOIN latest_case lc ON lc.survivor_id = s.id
      LEFT JOIN district d ON d.id = COALESCE(s.district_id, lc.district_id)
      LEFT JOIN state st ON st.id = d.state_id
     WHERE s.organization_id = :organization AND s.deleted_at IS NULL
     ORDER BY s.id
    """
)


@dataclass(frozen=True, slots=True)
class ConsentedSurvivor:
    """What an extract reads of one survivor (coded fields only)."""

    survivor_id: UUID
    sex: str
    birth_year: int | None
    district: str | None
    state: str | None
    recruitment_method: str | None
    destination_state: str | None
    destination_country: str | None
    exploitation_types: tuple[str, ...]
    returned_on: date | None
    trafficking_status: str | None
    case_status: str | None


class ResearchSubjects(Repository):
    async def consented(self, organization_id: UUID, day: date) -> list[ConsentedSurvivor]:
        """The organisation's survivors whose research consent is in force at the end of
        ``day`` (a business date), each with her latest case."""
        rows = await self.session.execute(
            _SUBJECTS,
            {"organizations": [organization_id], "organization": organization_id, "day": day},
        )
        return [
            ConsentedSurvivor(
                survivor_id=row.id,
                sex=row.sex,
                birth_year=row.birth_year,
                district=row.district,
                state=row.state,
                recruitment_method=row.recruitment_method,
                destination_state=row.destination_state,
                destination_country=row.destination_country,
                exploitation_types=tuple(row.exploitation_types or ()),
                returned_on=row.returned_on,
                trafficking_status=row.trafficking_status,
                case_status=row.status,
            )
            for row in rows
        ]


# The sealed records, as the ORM attribute ``defer`` takes (SQLModel types it as bytes).
_RECORDS = cast(QueryableAttribute[Any], ResearchExtract.records_enc)


class ResearchExtractRepository(EntityRepository[ResearchExtract]):
    """Extracts, without their sealed records (megabytes each) unless asked for them."""

    model = ResearchExtract

    def scoped(self, scope: RowScope, *, include_deleted: bool = False) -> sa.Select[Any]:
        return (
            super()
            .scoped(scope, include_deleted=include_deleted)
            .options(defer(_RECORDS, raiseload=True))
        )

    async def sealed_records(self, extract_id: UUID) -> bytes:
        """The sealed records of an extract already read in scope."""
        stmt = sa.select(col(ResearchExtract.records_enc)).where(
            col(ResearchExtract.id) == extract_id
        )
        return bytes((await self.session.execute(stmt)).scalar_one())

    async def of_study(
        self, scope: RowScope, study_id: UUID, extract_id: UUID
    ) -> ResearchExtract | None:
        if scope.is_empty:
            return None
        stmt = self.scoped(scope).where(
            col(ResearchExtract.study_id) == study_id, col(ResearchExtract.id) == extract_id
        )
        return (await self.session.scalars(stmt)).one_or_none()

    def _of(self, study_id: UUID) -> list[sa.ColumnElement[bool]]:
        return [col(ResearchExtract.study_id) == study_id]

    async def page_of_study(
        self, scope: RowScope, study_id: UUID, after: Key | None, limit: int
    ) -> list[ResearchExtract]:
        return await self.page(
            scope, where=self._of(study_id), after=after, limit=limit, descending=True
        )

    async def count_of_study(self, scope: RowScope, study_id: UUID) -> int:
        return await self.count(scope, where=self._of(study_id))
