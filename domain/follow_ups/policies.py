"""Who may plan and record visits and write and read case notes.

Visits and notes hang off a case: the caller must hold the policy *and* see the case
(``domain.cases.access.require_case``: a program manager her organisation's cases, a social
worker her own and, where her organisation allows it, her districts'). Restricted notes
(counselling) narrow this further: only their author and the organisation's program managers
read them; to anyone else in the case scope they do not exist.
"""

from __future__ import annotations

from domain.cases.policies import CASE_WORKERS
from domain.common.policy import policy
from domain.common.principal import Principal, PrincipalKind, Role

READ_VISITS = policy(
    "follow_ups:read",
    CASE_WORKERS,
    "Read the planned and done follow-up visits of cases in one's case scope, and one's list "
    "of visits due.",
    entity="case_visit",
)
MANAGE_VISITS = policy(
    "follow_ups:manage",
    CASE_WORKERS,
    "Plan follow-up visits and record them done, missed or cancelled.",
    entity="case_visit",
)
READ_NOTES = policy(
    "notes:read",
    CASE_WORKERS,
    "Read the case notes of cases in one's case scope (restricted notes: their author and "
    "program managers only).",
    entity="case_note",
)
MANAGE_NOTES = policy(
    "notes:manage",
    CASE_WORKERS,
    "Write case notes (append-only: a correction is a new note).",
    entity="case_note",
    people_only=True,
)


def sees_restricted_notes(principal: Principal) -> bool:
    """Whether the caller reads every restricted note of the cases she sees (program managers,
    in person: an integration client never reads counselling notes, whatever its role)."""
    return principal.kind is PrincipalKind.user and principal.role is Role.program_manager


def own_visits_by_default(principal: Principal) -> bool:
    """Whose visits the list of visits due shows when the caller does not say: a social
    worker's own (those she makes or of cases assigned to her); a program manager's, her
    organisation's (every case in her scope: she plans the team's work). An integration
    client makes no visits: every case in its scope."""
    return principal.kind is PrincipalKind.user and principal.role is not Role.program_manager


def writes_notes(principal: Principal) -> bool:
    """Notes are signed by a person: their author is a user account."""
    return principal.kind is PrincipalKind.user
