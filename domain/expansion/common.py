"""What the expansion services share: scope, dates, audit of writes."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from domain.audit.trail import record
from domain.common.principal import Principal, PrincipalKind
from persistence.models.base import utcnow
from persistence.models.enums import AuditAction
from persistence.scope import RowScope
from persistence.uow import UnitOfWork


def own_scope(principal: Principal) -> RowScope:
    """The records of the caller's own organisation (the system sees them all)."""
    if principal.kind is PrincipalKind.system:
        return RowScope.everything()
    return RowScope.organization(principal.organization_id)


def today() -> date:
    return utcnow().date()


def latest_today() -> date:
    """The latest date that is today somewhere on Earth (UTC+14): "today" in India just after
    midnight is not in the future."""
    return (utcnow() + timedelta(hours=14)).date()


def audit(
    uow: UnitOfWork,
    principal: Principal,
    action: AuditAction,
    entity: str,
    record_id: UUID,
    organization_id: UUID,
) -> None:
    record(uow, principal, action, entity, record_id, organization_id=organization_id)
