"""The audit trail: who did what to which record, chained under the audit key; signed
checkpoints of the chains' heads."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import Paging, UoW, requires
from api.http import paged
from api.openapi import LIST_ERRORS, problems
from domain.audit import policies
from domain.audit.schemas import (
    AuditCheckpoint,
    AuditEventPage,
    AuditVerification,
    CheckpointVerify,
)
from domain.audit.service import AuditService
from domain.common.dates import BoundedDatetime
from domain.common.principal import Principal
from domain.common.vocabulary import AuditAction

router = APIRouter(prefix="/audit-events", tags=["audit"])


@router.get("", operation_id="audit:list", response_model=AuditEventPage, responses=LIST_ERRORS)
async def list_audit_events(
    request: Request,
    response: Response,
    uow: UoW,
    principal: Annotated[Principal, requires(policies.READ)],
    page: Paging,
    actor_id: Annotated[UUID | None, Query()] = None,
    organization_id: Annotated[UUID | None, Query()] = None,
    action: Annotated[AuditAction | None, Query()] = None,
    entity_type: Annotated[str | None, Query(max_length=60)] = None,
    entity_id: Annotated[UUID | None, Query()] = None,
    # With a time zone: a naive time is ambiguous (and cannot be compared with an aware one).
    occurred_from: Annotated[BoundedDatetime | None, Query()] = None,
    occurred_to: Annotated[BoundedDatetime | None, Query()] = None,
) -> AuditEventPage:
    """Audit events, newest first: all for platform admins, their organisation's for auditors.
    Events hold who, what, which record and the outcome; never the record's data."""
    result = await AuditService(uow).list(
        principal,
        page,
        actor_id=actor_id,
        organization_id=organization_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        occurred_from=occurred_from,
        occurred_to=occurred_to,
    )
    return paged(request, response, result)


@router.get(
    "/verify",
    operation_id="audit:verify",
    response_model=AuditVerification,
    responses=problems(401, 403),
)
async def verify_audit_chain(
    uow: UoW, principal: Annotated[Principal, requires(policies.VERIFY)]
) -> AuditVerification:
    """Recompute every chain under the audit keys and report events that were modified,
    deleted or reordered, events under a key that is not configured, and a chain head that
    disagrees with the last event. Positions only, never event contents. A removed tail
    whose head was set back shows only against a checkpoint: see the POST form."""
    return await AuditService(uow).verify(principal)


@router.post(
    "/verify",
    operation_id="audit:verify-checkpoint",
    response_model=AuditVerification,
    responses=problems(401, 403, 413, 415, 422),
)
async def verify_audit_chain_against_checkpoint(
    body: CheckpointVerify,
    uow: UoW,
    principal: Annotated[Principal, requires(policies.VERIFY)],
) -> AuditVerification:
    """Everything GET /audit-events/verify checks, and that every chain still reaches the
    position the checkpoint recorded with the same hash there (a chain whose tail was removed
    and its head set back is reported `behind_checkpoint`, one rewritten there
    `checkpoint_mismatch`). A checkpoint that was altered, or that no configured audit key
    signed, is refused with 422."""
    return await AuditService(uow).verify(principal, body.checkpoint)


@router.get(
    "/checkpoints",
    operation_id="audit:checkpoint",
    response_model=AuditCheckpoint,
    responses=problems(401, 403),
)
async def audit_checkpoint(
    uow: UoW, principal: Annotated[Principal, requires(policies.CHECKPOINT)]
) -> AuditCheckpoint:
    """The current head (position and hash) of every audit chain, signed under the active
    audit key as one line (`checkpoint`). Keep the line where the database's administrators
    cannot write (a ticket, a notebook, another system); verifying against it later shows any
    chain whose tail was removed or rewritten since. Taking a checkpoint is audited."""
    return await AuditService(uow).checkpoint(principal)
