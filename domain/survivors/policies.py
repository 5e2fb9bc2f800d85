"""Who may see and register survivors.

A survivor's record names and locates her: only the people who work with her see it. A
program manager sees every survivor of her organisation; a social worker those she registered
and those whose case she may see (her caseload, and her districts' cases where the
organisation allows it). Nobody else: partner staff see referrals (consented fields only),
analysts aggregates, survivor leaders and auditors nothing, platform admins run the platform
without reading survivors. Integration clients never hold survivors' personal records, whatever
scope they were granted: a machine credential that can list names, phones and addresses is the
leak this design exists to prevent.
"""

from __future__ import annotations

from domain.cases.policies import CASE_WORKERS, case_scope
from domain.common.policy import policy
from domain.common.principal import Principal, PrincipalKind, Role
from persistence.scope import CaseScope

READ = policy(
    "survivors:read",
    CASE_WORKERS,
    "Read and search survivors' records: program managers all of the organisation's, social "
    "workers those they registered or whose case they may see.",
    entity="survivor",
)
MANAGE = policy(
    "survivors:manage",
    CASE_WORKERS,
    "Register survivors (intake, with a duplicate check) and correct their records.",
    entity="survivor",
)

DUPLICATE_ALERTS = policy(
    "survivors:duplicate-alerts",
    {Role.program_manager},
    "Read and resolve the organisation's duplicate alerts: intakes whose phone or name matched "
    "survivors their author may not see (she is never told of those).",
    entity="duplicate_alert",
    people_only=True,
)


def holds_personal_records(principal: Principal) -> bool:
    """Whether this kind of caller may ever hold survivors' personal records (people and the
    system do; integration clients do not)."""
    return principal.kind is not PrincipalKind.client


def survivor_scope(principal: Principal) -> CaseScope:
    """The survivors the caller may see, as a case scope (see
    persistence.repositories.cases.survivor_visible)."""
    if not holds_personal_records(principal):
        return CaseScope.nothing()
    return case_scope(principal)
