"""Who may see and work on cases, and the case scope every case record hangs off.

A program manager sees all of her organisation's cases. A social worker sees the cases
assigned to her, and those of her districts when her organisation allows it. Nobody else
sees an individual case: partner staff see referrals addressed to their organisation
(consented fields only), analysts aggregates, survivor leaders and auditors none, and platform
admins run the platform without reading survivors' records.
"""

from __future__ import annotations

from domain.common.policy import policy
from domain.common.principal import Principal, PrincipalKind, Role
from persistence.scope import CaseScope

CASE_WORKERS = frozenset({Role.program_manager, Role.social_worker})

READ = policy(
    "cases:read",
    CASE_WORKERS,
    "Read cases and their records: program managers all of the organisation's, social "
    "workers their own and (where the organisation allows) their districts'.",
    entity="survivor_case",
)
MANAGE = policy(
    "cases:manage",
    CASE_WORKERS,
    "Open cases, move them through their stages and record their work.",
    entity="survivor_case",
)
ASSIGN = policy(
    "cases:assign",
    {Role.program_manager},
    "Assign a case to a social worker (reassignment keeps the history).",
    entity="survivor_case",
    people_only=True,
)


def case_scope(principal: Principal) -> CaseScope:
    if principal.kind is PrincipalKind.system or principal.organization_id is None:
        return CaseScope.nothing()
    if principal.role is Role.program_manager:
        return CaseScope(organization_id=principal.organization_id)
    if principal.role is Role.social_worker:
        return CaseScope(
            organization_id=principal.organization_id,
            assigned_user_id=principal.id,
            district_ids=principal.district_ids,
        )
    return CaseScope.nothing()
