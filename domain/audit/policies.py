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

CHECKPOINT = policy(
    "audit:checkpoint",
    {Role.auditor, Role.platform_admin},
    "Take a signed checkpoint of every audit chain's head (positions and hashes, never event "
    "contents), to keep outside the database. Auditors of any organisation and platform "
    "admins; an integration client with the auditor role and this scope (an archiver).",
    entity="audit_checkpoint",
)


def organizations_visible(principal: Principal) -> frozenset | None:  # type: ignore[type-arg]
    """Organisations whose events the caller may read; None means all."""
    if principal.is_platform_admin:
        return None
    return frozenset({principal.organization_id} if principal.organization_id else ())
