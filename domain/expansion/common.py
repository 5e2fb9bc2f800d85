"""What the expansion services share: scope, dates, audit of writes."""

from __future__ import annotations

from uuid import UUID

from domain.audit.trail import record
from domain.common.principal import Principal, PrincipalKind
from persistence.models.enums import AuditAction
from persistence.scope import RowScope
from persistence.uow import UnitOfWork


def own_scope(principal: Principal) -> RowScope:
    """The records of the caller's own organisation (the system sees them all)."""
    if principal.kind is PrincipalKind.system:
        return RowScope.everything()
    return RowScope.organization(principal.organization_id)


def audit(
    uow: UnitOfWork,
    principal: Principal,
    action: AuditAction,
    entity: str,
    record_id: UUID,
    organization_id: UUID,
) -> None:
    record(uow, principal, action, entity, record_id, organization_id=organization_id)
