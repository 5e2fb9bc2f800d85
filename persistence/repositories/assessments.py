"""Assessment instruments (shared, or an organisation's own) and the assessments of a case.

An instrument is visible to an organisation when it is shared (no organisation) or its own:
one condition on the indexed ``organization_id``. Every assessment query is about one case the
service has already found in the caller's scope; the case's organisation is filtered on as
well (defense in depth, and an indexed column).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlmodel import col

from persistence.models.app_user import AppUser
from persistence.models.assessment import Assessment
from persistence.models.assessment_instrument import AssessmentInstrument
from persistence.models.assessment_item import AssessmentItem
from persistence.models.assessment_response import AssessmentResponse
from persistence.models.assessment_section import AssessmentSection
from persistence.models.survivor_case import SurvivorCase
from persistence.pagination import Key
from persistence.repositories.base import EntityRepository
from persistence.scope import RowScope

_EPOCH = date(1970, 1, 1)


def instrument_visible(organization_id: UUID | None) -> sa.ColumnElement[bool]:
    """The condition an instrument row meets when ``organization_id`` may use it."""
    shared = col(AssessmentInstrument.organization_id).is_(None)
    own = (
        shared
        if organization_id is None
        else sa.or_(shared, col(AssessmentInstrument.organization_id) == organization_id)
    )
    return sa.and_(own, col(AssessmentInstrument.deleted_at).is_(None))


def conducted_day() -> Any:
    """``conducted_on`` as days since 1970-01-01: an integer sort key a cursor can carry."""
    return sa.cast(col(Assessment.conducted_on) - sa.literal(_EPOCH, sa.Date), sa.Integer)


def day_number(day: date) -> int:
    return (day - _EPOCH).days


class InstrumentRepository(EntityRepository[AssessmentInstrument]):
    model = AssessmentInstrument

    async def get_visible(
        self, instrument_id: UUID, organization_id: UUID | None
    ) -> AssessmentInstrument | None:
        stmt = sa.select(AssessmentInstrument).where(
            col(AssessmentInstrument.id) == instrument_id, instrument_visible(organization_id)
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def page_visible(
        self, organization_id: UUID | None, after: Key | None, limit: int
    ) -> list[AssessmentInstrument]:
        """Up to ``limit + 1`` instruments after the key (code, id)."""
        return await self.page(
            RowScope.everything(),
            where=[instrument_visible(organization_id)],
            order=[col(AssessmentInstrument.code), col(AssessmentInstrument.id)],
            after=after,
            limit=limit,
        )

    async def count_visible(self, organization_id: UUID | None) -> int:
        return await self.count(RowScope.everything(), where=[instrument_visible(organization_id)])

    async def lock_code(self, organization_id: UUID, code: str) -> None:
        """Hold the organisation's instrument code until the transaction ends, so that two
        requests defining the same code take turns (the second then finds it taken)."""
        key = sa.func.hashtextextended(sa.literal(f"instrument:{organization_id}:{code}"), 0)
        await self.session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))

    async def code_taken(self, organization_id: UUID, code: str) -> bool:
        """Whether a shared instrument or one of the organisation's has this code."""
        stmt = sa.select(sa.literal(True)).where(
            col(AssessmentInstrument.code) == code, instrument_visible(organization_id)
        )
        return bool((await self.session.scalars(stmt.limit(1))).first())

    async def structure(
        self, instrument_ids: Iterable[UUID]
    ) -> list[tuple[AssessmentSection, AssessmentItem]]:
        """Every (section, item) of the instruments, in order: section position, item
        position."""
        stmt = (
            sa.select(AssessmentSection, AssessmentItem)
            .join(AssessmentItem, col(AssessmentItem.section_id) == col(AssessmentSection.id))
            .where(
                col(AssessmentSection.instrument_id).in_(list(instrument_ids)),
                col(AssessmentSection.deleted_at).is_(None),
                col(AssessmentItem.deleted_at).is_(None),
            )
            .order_by(
                col(AssessmentSection.instrument_id),
                col(AssessmentSection.position),
                col(AssessmentItem.position),
            )
        )
        return [(row[0], row[1]) for row in (await self.session.execute(stmt)).all()]

    async def by_ids(self, instrument_ids: Iterable[UUID]) -> dict[UUID, AssessmentInstrument]:
        ids = list(set(instrument_ids))
        if not ids:
            return {}
        stmt = sa.select(AssessmentInstrument).where(col(AssessmentInstrument.id).in_(ids))
        return {i.id: i for i in (await self.session.scalars(stmt)).all()}

    async def risk_instrument_ids(self, organization_id: UUID) -> list[UUID]:
        """The instruments the organisation may use whose band sets a case's risk level."""
        stmt = sa.select(col(AssessmentInstrument.id)).where(
            instrument_visible(organization_id),
            AssessmentInstrument.rules["sets_case_risk"].as_boolean().is_(True),
        )
        return list((await self.session.scalars(stmt)).all())

    async def add_with_structure(
        self,
        instrument: AssessmentInstrument,
        sections: Sequence[AssessmentSection],
        items: Sequence[AssessmentItem],
    ) -> None:
        self.session.add(instrument)
        await self.session.flush()
        self.session.add_all(sections)
        await self.session.flush()
        self.session.add_all(items)
        await self.session.flush()


def _of_case(case: SurvivorCase) -> list[sa.ColumnElement[bool]]:
    return [
        col(Assessment.case_id) == case.id,
        col(Assessment.organization_id) == case.organization_id,
    ]


class AssessmentRepository(EntityRepository[Assessment]):
    model = Assessment

    def _where(
        self, case: SurvivorCase, instrument_id: UUID | None
    ) -> list[sa.ColumnElement[bool]]:
        where = _of_case(case)
        if instrument_id is not None:
            where.append(col(Assessment.instrument_id) == instrument_id)
        return where

    async def get_in_case(self, case: SurvivorCase, assessment_id: UUID) -> Assessment | None:
        stmt = self.scoped(RowScope.organization(case.organization_id)).where(
            col(Assessment.id) == assessment_id, *_of_case(case)
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def page_of_case(
        self,
        case: SurvivorCase,
        instrument_id: UUID | None,
        after: Key | None,
        limit: int,
    ) -> list[Assessment]:
        """Up to ``limit + 1`` assessments of the case, newest first: by the day conducted,
        then the time recorded, then id (the key)."""
        return await self.page(
            RowScope.organization(case.organization_id),
            where=self._where(case, instrument_id),
            order=[conducted_day(), col(Assessment.created_at), col(Assessment.id)],
            after=after,
            limit=limit,
            descending=True,
        )

    async def count_of_case(self, case: SurvivorCase, instrument_id: UUID | None) -> int:
        return await self.count(
            RowScope.organization(case.organization_id), where=self._where(case, instrument_id)
        )

    async def baselines(
        self, case: SurvivorCase, instrument_ids: Iterable[UUID]
    ) -> dict[UUID, Assessment]:
        """The first assessment of each instrument for the case (by the day conducted, then
        the time recorded, then id)."""
        ids = list(set(instrument_ids))
        if not ids:
            return {}
        stmt = (
            self.scoped(RowScope.organization(case.organization_id))
            .where(*_of_case(case), col(Assessment.instrument_id).in_(ids))
            .ext(distinct_on(col(Assessment.instrument_id)))
            .order_by(
                col(Assessment.instrument_id),
                col(Assessment.conducted_on),
                col(Assessment.created_at),
                col(Assessment.id),
            )
        )
        return {a.instrument_id: a for a in (await self.session.scalars(stmt)).all()}

    async def later_than(
        self, case: SurvivorCase, assessment: Assessment, instrument_ids: Sequence[UUID]
    ) -> bool:
        """Whether the case holds an assessment of one of the instruments conducted after
        ``assessment`` (by day, then the time recorded, then id)."""
        if not instrument_ids:
            return False
        key = sa.tuple_(
            col(Assessment.conducted_on), col(Assessment.created_at), col(Assessment.id)
        )
        mine = sa.tuple_(
            sa.literal(assessment.conducted_on, sa.Date),
            sa.literal(assessment.created_at, sa.DateTime(timezone=True)),
            sa.literal(assessment.id, sa.Uuid),
        )
        stmt = sa.select(sa.literal(True)).where(
            *_of_case(case),
            col(Assessment.deleted_at).is_(None),
            col(Assessment.instrument_id).in_(list(instrument_ids)),
            col(Assessment.id) != assessment.id,
            key > mine,
        )
        return bool((await self.session.scalars(stmt.limit(1))).first())

    async def add_responses(self, responses: Sequence[AssessmentResponse]) -> None:
        self.session.add_all(responses)
        await self.session.flush()

    async def responses(self, assessment_id: UUID) -> dict[UUID, int]:
        """The answers of one assessment, by item id."""
        stmt = sa.select(col(AssessmentResponse.item_id), col(AssessmentResponse.value)).where(
            col(AssessmentResponse.assessment_id) == assessment_id
        )
        return {row[0]: row[1] for row in (await self.session.execute(stmt)).all()}

    async def case_worker(self, organization_id: UUID, user_id: UUID, roles: Sequence[str]) -> bool:
        """Whether ``user_id`` is a live account of the organisation with one of ``roles``."""
        stmt = sa.select(sa.literal(True)).where(
            col(AppUser.id) == user_id,
            col(AppUser.organization_id) == organization_id,
            col(AppUser.role).in_(list(roles)),
            col(AppUser.disabled_at).is_(None),
            col(AppUser.deleted_at).is_(None),
        )
        return bool((await self.session.scalars(stmt)).first())
