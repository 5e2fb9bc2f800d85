"""Consent checks: every referral, sharing and report asks here, at that moment."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from persistence.models.base import utcnow
from persistence.models.case_vocabulary import ConsentPurpose
from persistence.models.consent import Consent
from persistence.repositories.consents import ConsentRepository
from persistence.uow import UnitOfWork


async def active_consent(
    uow: UnitOfWork,
    survivor_id: UUID,
    purpose: ConsentPurpose,
    *,
    organization_id: UUID | None = None,
    at: datetime | None = None,
) -> Consent | None:
    """The survivor's consent in force for ``purpose`` (and, for sharing, with
    ``organization_id``) now or at ``at``; None when there is none."""
    return await ConsentRepository(uow).active(
        survivor_id, purpose, at or utcnow(), organization_id
    )
