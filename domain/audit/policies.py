"""Who may read and verify the audit trail."""

from __future__ import annotations

from domain.common.policy import policy
from domain.common.principal import Principal, Role

READ = policy(
    "audit:read",
    {Role.auditor, Role.platform_admin},
    "Read audit events: platform admins all; auditors those of their organisation.",
    entity="audit_event",
)
VERIFY = policy(
    "audit:verify",
    {Role.auditor, Role.platform_admin},
    "Verify the whole audit chain (reports positions only, never event contents).",
    entity="audit_event",
)


def organizations_visible(principal: Principal) -> frozenset | None:  # type: ignore[type-arg]
    """Organisations whose events the caller may read; None means all."""
    if principal.is_platform_admin:
        return None
    return frozenset({principal.organization_id} if principal.organization_id else ())
