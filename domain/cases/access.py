"""What every record that hangs off a case needs: the case, in the caller's scope, and a way
to write the case's history."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.cases.policies import case_scope
from domain.common.principal import Principal
from domain.common.records import require
from persistence.crypto import Place
from persistence.models.base import utcnow
from persistence.models.case_event import CaseEvent
from persistence.models.case_vocabulary import CaseEventKind
from persistence.models.survivor_case import SurvivorCase
from persistence.repositories.cases import CaseRepository
from persistence.uow import UnitOfWork


async def require_case(
    uow: UnitOfWork, principal: Principal, case_id: UUID, *, for_update: bool = False
) -> SurvivorCase:
    """The case if the caller may see it; NotFound otherwise (never says which)."""
    return await require(
        CaseRepository(uow).get_in_scope(case_id, case_scope(principal), for_update=for_update),
        "Case",
    )


async def record_case_event(
    uow: UnitOfWork,
    case: SurvivorCase,
    kind: CaseEventKind,
    *,
    actor: Principal,
    subject_id: UUID | None = None,
    detail: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
    note: str | None = None,
) -> CaseEvent:
    """Append one step to the case's progress map. ``detail`` holds codes, dates and scores
    only, never names or other personal text; a remark in words goes in ``note`` (sealed)."""
    event = CaseEvent(
        case_id=case.id,
        organization_id=case.organization_id,
        occurred_at=occurred_at or utcnow(),
        kind=kind,
        subject_id=subject_id,
        actor_id=actor.id,
        detail=detail or {},
    )
    if note:
        event.note_enc = uow.cipher.seal_text(note, Place("case_event", "note_enc", event.id))
    await CaseRepository(uow).add_event(event)
    return event
