"""Who may see and keep the books of self-help groups (SHGs).

An SHG is a group of women of a community, some of them survivors; the group and its totals
are not personal, its members' names, savings, loans and attendance are. So:

- ``shgs:overview``: the groups, their federations, grades and group totals (cash, bank,
  savings and loans in total): program managers, social workers, analysts and partner staff
  of the organisation that runs the group;
- ``shgs:read``: members (names sealed at rest), meetings and their collection sheets, the
  ledger, loans and each member's and loan's balance: program managers and social workers;
- ``shgs:manage``: form groups, enrol members, record collection sheets, post and reverse
  entries, lend: program managers and social workers;
- ``shgs:grading-rules``: set the organisation's grading thresholds: program managers.

Groups are the organisation's, worked district by district: a program manager (and the other
roles admitted above) reaches every group of her organisation, a social worker only the groups
and federations of her districts (``group_scope``), as she works her districts' cases. A group
of another district answers 404 to her, exactly like one that does not exist, with everything
under it (members, meetings, ledger, balances, loans, grading); lists leave it out, and she
forms, moves and federates groups in her districts only. A federation without a district is
the program manager's. Which members are survivors is case information: a member's ``survivor_id``
is shown only to a caller who may see that survivor (``survivor_visible``: her program
manager, the social worker of her case, or of her district where the organisation allows it),
never to partners, analysts or integration clients, and nothing else in any answer tells a
survivor member from another woman.
"""

from __future__ import annotations

from uuid import UUID

from domain.cases.policies import CASE_WORKERS
from domain.common.policy import policy
from domain.common.principal import Principal, PrincipalKind, Role
from persistence.scope import RowScope

OVERVIEW = policy(
    "shgs:overview",
    CASE_WORKERS | {Role.analyst, Role.partner_staff},
    "Read self-help groups, their federations, grading and group totals (no member's name, "
    "savings or loan).",
    entity="shg",
)
READ = policy(
    "shgs:read",
    CASE_WORKERS,
    "Read SHG members, meetings and collection sheets, the ledger, loans and each member's "
    "balances.",
    entity="shg_member",
)
MANAGE = policy(
    "shgs:manage",
    CASE_WORKERS,
    "Form SHGs and federations, enrol members, record collection sheets, post and reverse "
    "ledger entries, and lend.",
    entity="shg",
)
SET_GRADING_RULES = policy(
    "shgs:grading-rules",
    {Role.program_manager},
    "Set the organisation's Panchasutra grading thresholds.",
    entity="shg_grading_rule",
)


def group_scope(principal: Principal) -> RowScope:
    """The groups (and federations) the caller may see: her organisation's; a social
    worker's, of her districts only (one indexed condition on ``district_id``)."""
    if principal.kind is PrincipalKind.system or principal.organization_id is None:
        return RowScope.nothing()
    if principal.role is Role.social_worker:
        return RowScope(
            organization_ids=frozenset({principal.organization_id}),
            district_ids=frozenset(principal.district_ids),
        )
    return RowScope.organization(principal.organization_id)


def works_district(principal: Principal, district_id: UUID | None) -> bool:
    """Whether a group or federation placed in ``district_id`` (None: no district) stays in
    the caller's scope: always for a program manager, for a social worker only in her
    districts."""
    scope = group_scope(principal)
    return scope.district_ids is None or district_id in scope.district_ids


def sees_records(principal: Principal) -> bool:
    """Whether the caller may see member-level detail (names, savings, loans)."""
    return READ.permits(principal)
