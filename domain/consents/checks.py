"""Consent checks: every referral, sharing and report asks here, at that moment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from persistence.models.base import utcnow
from persistence.models.case_vocabulary import ConsentPurpose, ShareableField
from persistence.models.consent import Consent
from persistence.repositories.consents import ConsentRepository, in_force
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


def _fields(consent: Consent | None) -> frozenset[ShareableField]:
    if consent is None:
        return frozenset()
    return frozenset(ShareableField(field) for field in consent.fields or ())


async def active_consents(
    uow: UnitOfWork,
    survivor_ids: Iterable[UUID],
    purpose: ConsentPurpose,
    *,
    at: datetime | None = None,
) -> dict[UUID, Consent | None]:
    """:func:`active_consent` (without an organisation) for each survivor, in one query."""
    moment = at or utcnow()
    wanted = set(survivor_ids)
    latest = await ConsentRepository(uow).latest_for(wanted, purpose.value)
    return {survivor_id: in_force(latest.get(survivor_id), moment) for survivor_id in wanted}


async def fields_allowed_many(
    uow: UnitOfWork, pairs: Iterable[tuple[UUID, UUID]], *, at: datetime | None = None
) -> dict[tuple[UUID, UUID], frozenset[ShareableField]]:
    """:func:`fields_allowed` for each (survivor, receiving organisation), in one query."""
    moment = at or utcnow()
    wanted = set(pairs)
    latest = await ConsentRepository(uow).latest_sharing(wanted)
    return {pair: _fields(in_force(latest.get(pair), moment)) for pair in wanted}


async def fields_allowed(
    uow: UnitOfWork,
    survivor_id: UUID,
    organization_id: UUID,
    *,
    at: datetime | None = None,
) -> frozenset[ShareableField]:
    """The parts of her record she allows to travel to ``organization_id`` now (or at
    ``at``): those of her sharing consent in force with it; none without one."""
    consent = await active_consent(
        uow, survivor_id, ConsentPurpose.sharing, organization_id=organization_id, at=at
    )
    return _fields(consent)
