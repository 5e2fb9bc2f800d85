"""The stages of a case and the moves between them (pure rules, no database)."""

from __future__ import annotations

from persistence.models.case_vocabulary import CaseStatus, ClosureReason

S = CaseStatus
ALLOWED: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.intake: frozenset({S.assessment, S.closed}),
    S.assessment: frozenset({S.planning, S.closed}),
    S.planning: frozenset({S.active, S.closed}),
    S.active: frozenset({S.monitoring, S.closed}),
    S.monitoring: frozenset({S.active, S.closed}),
    S.closed: frozenset({S.reopened}),
    S.reopened: frozenset({S.assessment, S.planning, S.active, S.closed}),
}


def stage_problem(current: CaseStatus, target: CaseStatus) -> str | None:
    """Why the lifecycle does not allow this move now, or None when it does."""
    if target not in ALLOWED[current]:
        allowed = ", ".join(sorted(ALLOWED[current]))
        return f"A case cannot move from {current} to {target} (allowed: {allowed})."
    return None


def closure_problem(target: CaseStatus, closure_reason: ClosureReason | None) -> str | None:
    """Why the closure reason does not fit the move, or None when it does."""
    if target is S.closed and closure_reason is None:
        return "Closing a case needs a closure_reason."
    if target is not S.closed and closure_reason is not None:
        return "closure_reason is only for closing a case."
    return None
