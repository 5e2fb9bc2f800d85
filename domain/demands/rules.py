"""The register's pure rules: the status machine, the service level (due dates), overdue,
escalation levels and the ageing bands. No database here; the repository compiles the overdue
and escalation-due rules to SQL (persistence/repositories/demands.py) from the same
definitions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from domain.common.settings import Settings
from persistence.models.demand_vocabulary import DemandPriority, DemandStatus, EscalationLevel
from persistence.repositories.demands import OPEN_STATUSES

S = DemandStatus

# Moves a demand may make. A disposed demand is reopened by moving it to open.
MOVES: dict[DemandStatus, frozenset[DemandStatus]] = {
    S.open: frozenset({S.acknowledged, S.in_progress, S.withdrawn}),
    S.acknowledged: frozenset({S.in_progress, S.disposed, S.withdrawn}),
    S.in_progress: frozenset({S.disposed, S.withdrawn}),
    S.disposed: frozenset({S.open}),
    S.withdrawn: frozenset(),
}
# Moves that must say why.
NEEDS_NOTE = frozenset({S.withdrawn, S.open})
UNSETTLED = frozenset(S(value) for value in OPEN_STATUSES)
LEVELS: tuple[EscalationLevel, ...] = tuple(EscalationLevel)
# Age bands of the ageing report: (label, first day, last day or None).
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7", 0, 7),
    ("8-30", 8, 30),
    ("31-90", 31, 90),
    ("over-90", 91, None),
)


def move_problem(current: DemandStatus, to: DemandStatus) -> str | None:
    """Why a demand cannot move from ``current`` to ``to`` (None when it can)."""
    if to in MOVES[current]:
        return None
    if not MOVES[current]:
        return f"The demand is {current.value}: it is kept as it ended."
    allowed = ", ".join(sorted(s.value for s in MOVES[current]))
    return f"A demand {current.value.replace('_', ' ')} moves on to {allowed} only."


@dataclass(frozen=True, slots=True)
class ServiceLevels:
    """Days from the day a demand is raised (or reopened, or escalated) to its due date, by
    priority (settings ``SHAKTI_DEMAND_DUE_DAYS_*``)."""

    urgent: int = 7
    high: int = 15
    medium: int = 30
    low: int = 60

    @classmethod
    def of(cls, settings: Settings) -> ServiceLevels:
        return cls(
            urgent=settings.demand_due_days_urgent,
            high=settings.demand_due_days_high,
            medium=settings.demand_due_days_medium,
            low=settings.demand_due_days_low,
        )

    def days(self, priority: DemandPriority) -> int:
        days: int = getattr(self, DemandPriority(priority).value)
        return days

    def due(self, start: date, priority: DemandPriority) -> date:
        return start + timedelta(days=self.days(priority))


def is_overdue(status: DemandStatus, due_on: date, on: date) -> bool:
    """Overdue at ``on``: past its due date and still to be settled."""
    return DemandStatus(status) in UNSETTLED and due_on < on


def next_level(level: EscalationLevel | None) -> EscalationLevel | None:
    """The level above ``level`` (block first; None above national)."""
    if level is None:
        return LEVELS[0]
    position = LEVELS.index(EscalationLevel(level))
    return LEVELS[position + 1] if position + 1 < len(LEVELS) else None


def is_higher(to: EscalationLevel, level: EscalationLevel | None) -> bool:
    return level is None or LEVELS.index(to) > LEVELS.index(EscalationLevel(level))


def band_of(age_days: int) -> str:
    for label, first, last in AGE_BANDS:
        if age_days >= first and (last is None or age_days <= last):
            return label
    return AGE_BANDS[0][0]  # raised "in the future" (a clock moved back): the youngest
