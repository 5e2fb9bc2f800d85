"""The evidence catalogue, the requests for figures, and who may see whose figures."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.block import Block
from persistence.models.district import District
from persistence.models.evidence_request import EvidenceRequest
from persistence.models.indicator import Indicator
from persistence.models.leader_group_member import LeaderGroupMember
from persistence.models.partner_onboarding import PartnerOnboarding
from persistence.models.state import State
from persistence.repositories.session import Repository


def _in_effect(day: date) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(Indicator.effective_from) <= day,
        sa.or_(col(Indicator.effective_to).is_(None), col(Indicator.effective_to) >= day),
        col(Indicator.deleted_at).is_(None),
    )


class EvidenceRepository(Repository):
    async def indicators(self, day: date, outcome: int | None = None) -> list[Indicator]:
        """The catalogue in effect on ``day``: by outcome, headline figures first, then code."""
        stmt = sa.select(Indicator).where(_in_effect(day))
        if outcome is not None:
            stmt = stmt.where(col(Indicator.outcome) == outcome)
        stmt = stmt.order_by(
            col(Indicator.outcome),
            col(Indicator.headline_rank).asc().nulls_last(),
            col(Indicator.code),
        )
        return list((await self.session.scalars(stmt)).all())

    async def indicator(self, code: str, day: date) -> Indicator | None:
        stmt = sa.select(Indicator).where(col(Indicator.code) == code, _in_effect(day))
        return (await self.session.scalars(stmt)).first()

    async def versions(self, code: str) -> list[Indicator]:
        stmt = (
            sa.select(Indicator)
            .where(col(Indicator.code) == code, col(Indicator.deleted_at).is_(None))
            .order_by(col(Indicator.version))
        )
        return list((await self.session.scalars(stmt)).all())

    async def partners_of(self, lead_organization_id: UUID) -> list[UUID]:
        """The organisations a lead organisation onboards as partners (any stage)."""
        stmt = (
            sa.select(col(PartnerOnboarding.partner_organization_id))
            .where(
                col(PartnerOnboarding.organization_id) == lead_organization_id,
                col(PartnerOnboarding.deleted_at).is_(None),
            )
            .distinct()
        )
        return list((await self.session.scalars(stmt)).all())

    async def leader_groups_of(self, user_id: UUID) -> list[UUID]:
        """The leader groups a survivor leader belongs to now."""
        stmt = sa.select(col(LeaderGroupMember.group_id)).where(
            col(LeaderGroupMember.user_id) == user_id,
            col(LeaderGroupMember.left_on).is_(None),
            col(LeaderGroupMember.deleted_at).is_(None),
        )
        return list((await self.session.scalars(stmt)).all())

    async def place_names(
        self, states: set[UUID], districts: set[UUID], blocks: set[UUID]
    ) -> dict[str, dict[str, str]]:
        """Names of the places figures are broken down by, by kind and id."""
        names: dict[str, dict[str, str]] = {"state": {}, "district": {}, "block": {}}
        for kind, model, ids in (
            ("state", State, states),
            ("district", District, districts),
            ("block", Block, blocks),
        ):
            if ids:
                stmt = sa.select(col(model.id), col(model.name)).where(col(model.id).in_(ids))
                rows = await self.session.execute(stmt)
                names[kind] = {str(row[0]): row[1] for row in rows}
        return names

    async def add_request(self, request: EvidenceRequest) -> None:
        self.session.add(request)
        await self.session.flush()
