"""Who may see and record survivor leadership: leader groups, campaigns, duty-bearer meetings.

A leader group is a collective of survivors: being a member of one says that a woman is a
survivor. Campaigns and meetings with duty bearers are public acts of the group, not personal
records. So:

- **Program managers** see and manage all of their organisation's groups, campaigns and
  engagements.
- **Social workers** see and manage those of their districts (a record without a district is
  the program managers').
- **Survivor leaders** see the groups they belong to (membership not ended) and the campaigns
  and duty-bearer engagements of those groups, record meetings, campaigns and engagements of
  their own groups and follow up the commitments made there. Within their groups they see the
  fellow members' names and roles (they meet in person); never a member's survivor record.
  Forming groups and enrolling members stays with the staff.
- **Analysts** see aggregates only: counts by kind, reach, commitments by status.
- Partner staff, auditors and platform admins see none of it (auditors read the audit trail).
- **Integration clients** act within the role and scopes granted to them, but never receive
  members' names, accounts or survivor links: a machine credential holds no survivors.

A member's ``survivor_id`` is shown only to a caller who may see that survivor
(``domain.survivors.policies.survivor_scope``); anyone else sees null, the same as for a member
without a survivor record. Records outside the caller's scope answer 404.
"""

from __future__ import annotations

from domain.cases.policies import CASE_WORKERS
from domain.common.policy import policy
from domain.common.principal import Principal, PrincipalKind, Role
from persistence.repositories.leadership import LeadershipScope

GROUP = "leader_group"
MEMBER = "leader_group_member"
MEETING = "leader_group_meeting"
CAMPAIGN = "campaign"
ENGAGEMENT = "duty_bearer_engagement"
COMMITMENT = "duty_bearer_commitment"

FIELD_ROLES = frozenset({*CASE_WORKERS, Role.survivor_leader})

READ_GROUPS = policy(
    "leader_groups:read",
    FIELD_ROLES,
    "Read leader groups, their members and meetings: program managers the organisation's, "
    "social workers their districts', survivor leaders their own groups (no member's survivor "
    "record).",
    entity=GROUP,
)
MANAGE_GROUPS = policy(
    "leader_groups:manage",
    CASE_WORKERS,
    "Form leader groups, link them to a survivors' forum, enrol members and change their roles.",
    entity=GROUP,
)
RECORD_MEETINGS = policy(
    "leader_groups:record-meetings",
    FIELD_ROLES,
    "Record a leader group's meetings: who attended, the agenda and the decisions (survivor "
    "leaders for their own groups).",
    entity=MEETING,
)
READ_CAMPAIGNS = policy(
    "campaigns:read",
    FIELD_ROLES,
    "Read campaigns and community events: program managers the organisation's, social workers "
    "their districts', survivor leaders those of their groups.",
    entity=CAMPAIGN,
)
MANAGE_CAMPAIGNS = policy(
    "campaigns:manage",
    FIELD_ROLES,
    "Record and correct campaigns and community events, their partners, reach and outcomes "
    "(survivor leaders for their own groups).",
    entity=CAMPAIGN,
)
READ_ENGAGEMENTS = policy(
    "duty_bearers:read",
    FIELD_ROLES,
    "Read meetings with duty bearers, the commitments made there and the overdue ones: "
    "program managers the organisation's, social workers their districts', survivor leaders "
    "those of their groups.",
    entity=ENGAGEMENT,
)
MANAGE_ENGAGEMENTS = policy(
    "duty_bearers:manage",
    FIELD_ROLES,
    "Record meetings with duty bearers and the commitments made, follow them up and escalate "
    "them (survivor leaders for their own groups).",
    entity=ENGAGEMENT,
)
SUMMARY = policy(
    "leadership:summary",
    {*CASE_WORKERS, Role.analyst},
    "Counts only: leader groups and members, campaigns and their reach by kind, commitments "
    "of duty bearers by status (program managers and analysts the organisation's, social "
    "workers their districts').",
    entity=CAMPAIGN,
)


def leadership_scope(principal: Principal) -> LeadershipScope:
    """The caller's scope over groups, campaigns and engagements."""
    if principal.kind is PrincipalKind.system or principal.organization_id is None:
        return LeadershipScope.nothing()
    people = principal.kind is PrincipalKind.user
    if principal.role is Role.program_manager:
        return LeadershipScope(principal.organization_id, sees_people=people)
    if principal.role is Role.social_worker:
        return LeadershipScope(
            principal.organization_id, district_ids=principal.district_ids, sees_people=people
        )
    if principal.role is Role.survivor_leader:
        return LeadershipScope(
            principal.organization_id, leader_user_id=principal.id, sees_people=people
        )
    return LeadershipScope.nothing()


def summary_scope(principal: Principal) -> LeadershipScope:
    """What the caller's counts cover: an analyst the whole organisation."""
    if (
        principal.kind is not PrincipalKind.system
        and principal.organization_id is not None
        and principal.role is Role.analyst
    ):
        return LeadershipScope(principal.organization_id)
    return leadership_scope(principal)
