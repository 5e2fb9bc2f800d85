"""Who may raise, see and work the demands and issues register.

A demand belongs to the register of one organisation (the programme that must get it done).

- **Program managers** see and work all of their organisation's demands, and those their
  organisation raised in a partner's register.
- **Social workers** see and work the demands of their districts, and those they raised or
  own.
- **Survivor leaders** raise demands for the leader groups they belong to (a demand they raise
  names at least one of them) and see the demands linked to their groups; they comment, and
  withdraw what they raised. They never see a linked case.
- **Partner staff** raise complaints about the referrals made to their organisation (the
  demand goes to the register of the organisation that referred, and names the referrals);
  they and their program managers see what their organisation raised, comment, and withdraw
  it. Working it is the receiving register's staff's.
- **Analysts** see counts only: the ageing report (open demands by age band and category).
- Auditors and platform admins see none of it (auditors read the audit trail).
- **Integration clients** act within the role and scopes granted them; they never receive the
  description, comments or notes (personal fields).

A linked case is shown only to a caller who may see that case (``cases:read`` and her case
scope), a linked referral only to one who may see that referral; anyone else does not learn
that the link exists. Records outside the caller's scope answer 404.
"""

from __future__ import annotations

from uuid import UUID

from domain.cases.policies import CASE_WORKERS
from domain.common.policy import policy
from domain.common.principal import Principal, PrincipalKind, Role
from persistence.repositories.demands import DemandScope

DEMAND = "demand"
COMMENT = "demand_comment"

# Those who raise demands: staff, survivor leaders (for their groups), partner staff (about
# referrals to their organisation).
RAISERS = frozenset({*CASE_WORKERS, Role.survivor_leader, Role.partner_staff})
# Those who see what their organisation raised in another organisation's register.
PARTNER_SIDE = frozenset({Role.partner_staff, Role.program_manager})

RAISE = policy(
    "demands:raise",
    RAISERS,
    "Raise a demand or issue: program managers and social workers for their organisation, "
    "survivor leaders for their own leader groups, partner staff about referrals made to "
    "their organisation.",
    entity=DEMAND,
)
READ = policy(
    "demands:read",
    RAISERS,
    "Read demands, their history and comments: program managers the organisation's, social "
    "workers their districts' and their own, survivor leaders their groups', partner staff "
    "those their organisation raised (linked cases only to those who may see them).",
    entity=DEMAND,
)
COMMENT_ON = policy(
    "demands:comment",
    RAISERS,
    "Comment on a demand one may read.",
    entity=COMMENT,
)
TRANSITION = policy(
    "demands:transition",
    RAISERS,
    "Move a demand on: staff of its register acknowledge, start, dispose (with a resolution), "
    "reopen (with a reason) or withdraw it; whoever raised it may withdraw it.",
    entity=DEMAND,
)
MANAGE = policy(
    "demands:manage",
    CASE_WORKERS,
    "Work a demand of one's register: change its category, priority, place and links, give it "
    "an owner, escalate it; list the escalations due.",
    entity=DEMAND,
)
AGEING = policy(
    "demands:ageing",
    {*CASE_WORKERS, Role.analyst},
    "Counts only: open demands by age band and category (program managers and analysts the "
    "organisation's, social workers their districts').",
    entity=DEMAND,
)


def demand_scope(principal: Principal) -> DemandScope:
    """The demands the caller may see."""
    if principal.kind is PrincipalKind.system or principal.organization_id is None:
        return DemandScope.nothing()
    organization = principal.organization_id
    if principal.role is Role.program_manager:
        return DemandScope(organization, raised_by_organization_id=organization)
    if principal.role is Role.social_worker:
        return DemandScope(organization, district_ids=principal.district_ids, user_id=principal.id)
    if principal.role is Role.survivor_leader:
        return DemandScope(organization, leader_user_id=principal.id)
    if principal.role is Role.partner_staff:
        return DemandScope(None, raised_by_organization_id=organization)
    return DemandScope.nothing()


def register_scope(principal: Principal) -> DemandScope:
    """The demands of the caller's own register she may see: not what her organisation
    raised in another's (the duty list of escalations, the ageing counts)."""
    scope = demand_scope(principal)
    return DemandScope(scope.organization_id, scope.district_ids, scope.user_id)


def ageing_scope(principal: Principal) -> DemandScope:
    """What the ageing counts cover: an analyst the whole organisation's register."""
    if (
        principal.kind is not PrincipalKind.system
        and principal.organization_id is not None
        and principal.role is Role.analyst
    ):
        return DemandScope(principal.organization_id)
    return register_scope(principal)


def works_register(principal: Principal, organization_id: UUID) -> bool:
    """Whether the caller works demands of this register (its program managers and social
    workers); others only comment and withdraw what their side raised."""
    return principal.role in CASE_WORKERS and principal.in_organization(organization_id)
