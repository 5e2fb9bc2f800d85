"""CBR readiness assessments of a partner: criteria scored, as data. The criteria and their
scores are stored as sent; the total and the percentage are computed here and kept with them.
(Trainings given to partners are recorded through /api/v1/trainings.)"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize
from domain.common.errors import BusinessRuleViolation
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED_DESC, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import require
from domain.expansion import policies
from domain.expansion.common import audit
from domain.expansion.onboarding import OnboardingService
from domain.expansion.schemas import (
    ReadinessCreate,
    ReadinessCriterion,
    ReadinessCriterionRead,
    ReadinessPage,
    ReadinessRead,
)
from persistence.clock import today
from persistence.models.enums import AuditAction
from persistence.models.partner_onboarding import PartnerOnboarding
from persistence.models.readiness_assessment import ReadinessAssessment
from persistence.repositories.expansion import ReadinessRepository
from persistence.uow import UnitOfWork

ENTITY = policies.READINESS


def scored(criteria: Sequence[ReadinessCriterion]) -> dict[str, Any]:
    """Total, maximum and percentage (one decimal) of the scored criteria."""
    total = sum(c.score for c in criteria)
    max_total = sum(c.max_score for c in criteria)
    return {
        "total": total,
        "max_total": max_total,
        "percentage": round(100 * total / max_total, 1),
    }


class ReadinessService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.assessments = ReadinessRepository(uow)
        self.onboardings = OnboardingService(uow)

    async def create(
        self, principal: Principal, onboarding_id: UUID, data: ReadinessCreate
    ) -> ReadinessRead:
        """Assess the partner's readiness for CBR. Raises NotFound (onboarding),
        BusinessRuleViolation (date), Conflict (id taken)."""
        authorize(self.uow, principal, policies.ONBOARDING_MANAGE, ENTITY)
        onboarding = await self.onboardings.require(principal, onboarding_id)
        assessed_on = data.assessed_on or today()
        if assessed_on > today():
            raise BusinessRuleViolation(
                "assessed_on may not lie in the future.", field="assessed_on"
            )
        await reject_taken_id(
            self.uow, principal, self.assessments, data.id, "readiness_assessment"
        )
        assessment = ReadinessAssessment(
            organization_id=onboarding.organization_id,
            partner_organization_id=onboarding.partner_organization_id,
            assessed_on=assessed_on,
            responses={
                "criteria": [c.model_dump() for c in data.criteria],
                "notes": data.notes,
            },
            scores=scored(data.criteria),
            created_by=principal.id,
        )
        if data.id is not None:
            assessment.id = data.id
        await self.assessments.add(assessment)
        audit(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            assessment.id,
            onboarding.organization_id,
        )
        return self._read(onboarding, assessment)

    async def get(
        self, principal: Principal, onboarding_id: UUID, assessment_id: UUID
    ) -> ReadinessRead:
        """One readiness assessment of the partner. Raises NotFound."""
        authorize(self.uow, principal, policies.ONBOARDING_READ, ENTITY, assessment_id)
        onboarding = await self.onboardings.require(principal, onboarding_id)
        assessment = await require(
            self.assessments.get_of(onboarding, assessment_id), "Readiness assessment"
        )
        return self._read(onboarding, assessment)

    async def list_assessments(
        self, principal: Principal, onboarding_id: UUID, page: PageRequest
    ) -> ReadinessPage:
        """The partner's readiness assessments, newest first. Raises NotFound, BadRequest."""
        authorize(self.uow, principal, policies.ONBOARDING_READ, ENTITY)
        onboarding = await self.onboardings.require(principal, onboarding_id)
        return await paginate(
            page,
            CREATED_DESC,
            fetch=lambda after, limit: self.assessments.page_of(onboarding, after, limit),
            to_read=lambda rows: [self._read(onboarding, row) for row in rows],
            count=lambda: self.assessments.count_of(onboarding),
            page_type=ReadinessPage,
        )

    @staticmethod
    def _read(onboarding: PartnerOnboarding, assessment: ReadinessAssessment) -> ReadinessRead:
        responses = assessment.responses or {}
        scores = assessment.scores or {}
        return ReadinessRead(
            id=assessment.id,
            onboarding_id=onboarding.id,
            organization_id=assessment.organization_id,
            partner_organization_id=assessment.partner_organization_id,
            assessed_on=assessment.assessed_on,
            criteria=[
                ReadinessCriterionRead.model_validate(c) for c in responses.get("criteria", ())
            ],
            notes=responses.get("notes"),
            total=int(scores.get("total", 0)),
            max_total=int(scores.get("max_total", 0)),
            percentage=float(scores.get("percentage", 0.0)),
            created_by=assessment.created_by,
            created_at=assessment.created_at,
            version=assessment.version,
        )
