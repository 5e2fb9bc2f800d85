"""Recording audit events. Every service calls :func:`record` for each write and each read of a
sensitive record; the unit of work appends the events in the same transaction."""

from __future__ import annotations

from uuid import UUID, uuid4

from domain.common.policy import Policy
from domain.common.principal import Principal
from domain.common.request_context import current_request
from persistence.audit_chain import AuditRecord
from persistence.models.base import utcnow
from persistence.models.enums import ActorType, AuditAction, AuditOutcome
from persistence.uow import UnitOfWork


def event(
    principal: Principal | None,
    action: AuditAction,
    entity_type: str,
    entity_id: UUID | None = None,
    *,
    organization_id: UUID | None = None,
    outcome: AuditOutcome = AuditOutcome.success,
) -> AuditRecord:
    """One audit event: who, which action on which record, with what outcome (never data).

    ``organization_id`` is the organisation the record belongs to; None lets an audited read
    take it from the record it reads, or falls back to the actor's.
    """
    request = current_request()
    return AuditRecord(
        id=uuid4(),
        occurred_at=utcnow(),
        actor_type=ActorType(principal.kind.value) if principal else ActorType.anonymous,
        actor_id=principal.id if principal else None,
        organization_id=organization_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        request_id=request.request_id,
        outcome=outcome,
        caller_request_id=request.caller_request_id,
        # A person's request made with a device-bound token names the device.
        device_id=principal.device_id if principal else None,
    )


def record(
    uow: UnitOfWork,
    principal: Principal | None,
    action: AuditAction,
    entity_type: str,
    entity_id: UUID | None = None,
    *,
    organization_id: UUID | None = None,
    outcome: AuditOutcome = AuditOutcome.success,
    durable: bool = False,
) -> None:
    """Queue one audit event; the unit of work appends it in the same transaction.

    ``organization_id`` is the organisation the record belongs to (defaults to the actor's).
    ``durable`` events are kept even when the transaction rolls back (failures, denials).
    """
    if organization_id is None and principal is not None:
        organization_id = principal.organization_id
    uow.record_audit(
        event(
            principal,
            action,
            entity_type,
            entity_id,
            organization_id=organization_id,
            outcome=outcome,
        ),
        durable=durable,
    )


def record_denied(
    uow: UnitOfWork,
    principal: Principal,
    entity_type: str,
    entity_id: UUID | None = None,
) -> None:
    """A permission denial, kept even though the request fails."""
    record(
        uow,
        principal,
        AuditAction.permission_denied,
        entity_type,
        entity_id,
        outcome=AuditOutcome.denied,
        durable=True,
    )


def authorize(
    uow: UnitOfWork,
    principal: Principal,
    policy: Policy,
    entity_type: str,
    entity_id: UUID | None = None,
) -> None:
    """Apply ``policy``; a denial is audited (durably) and raises PermissionDenied."""
    if not policy.permits(principal):
        record_denied(uow, principal, entity_type, entity_id)
        raise policy.refusal(principal)
