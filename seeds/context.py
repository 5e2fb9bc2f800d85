"""What the demo seeders share: the options, the unit of work, the people and records made so
far, and a random stream per area (so adding an area never changes the others' data)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from domain.common.principal import Principal, PrincipalKind, Role
from domain.evidence.service import EvidenceSettings
from domain.identity.passwords import Passwords
from persistence.clock import FixedClock, business_date, day_starts_at
from persistence.models.case_vocabulary import (
    CaseStatus,
    ClosureReason,
    ExploitationType,
    ReferralSource,
)
from persistence.uow import UnitOfWork

# How far back the story goes: the oldest case opened about two years ago, so a dashboard
# over the last twelve months has a year before it to compare with.
STORY_DAYS = 730
DEFAULT_SEED = 2026
DEFAULT_SURVIVORS = 140
MAX_SURVIVORS = 2000


@dataclass(frozen=True)
class DemoOptions:
    seed: int = DEFAULT_SEED
    survivors: int = DEFAULT_SURVIVORS
    # How figures cited in advocacy evidence are computed (SHAKTI_SUPPRESSION_K, and the
    # configured rules measures evaluate).
    evidence: EvidenceSettings = field(default_factory=lambda: EvidenceSettings(5, 45))


# Where on a business day the story's events happen: from half past nine in the morning
# (IST), one second apart in the order they are written, so that a case's timeline keeps the
# order of its story within a day too.
WORKDAY_STARTS = timedelta(hours=9, minutes=30)


class StoryClock:
    """The one clock (persistence/clock.py), moved through the demo's history.

    The seeders write a story of about two years through the services, which take "now" from
    the installed clock. Before each write a seeder sets this clock to the business day the
    record describes (``ctx.at(day)``), so that everything the services date from the clock
    follows the story: a case's events (``case_event.occurred_at``), when a case closed, when
    an application last moved (and so whether it is stalled), a visit's time, and the
    ``created_at`` / ``updated_at`` columns (which the models fill from the same clock: a demo
    record was "written" on the day of its story, which the evidence engine reads as the day
    of registration and as data timeliness). The audit trail takes its time from the same
    clock and so follows the story too; its hash chain runs in the order the rows were
    written, which is what audit-verify checks. Only what the database stamps itself with
    ``now()`` (a column's server default, where a write leaves it out) and security lifetimes
    (``clock.wall_time``: tokens, sessions) keep the machine's time: they record when a row
    was written, not when its story happened.
    """

    def __init__(self, started: datetime) -> None:
        self.started = started
        self.today = business_date(started)
        self.clock = FixedClock(started)
        self._written: Counter[date] = Counter()

    def at(self, day: date) -> datetime:
        """Set the clock to the next moment of ``day`` (never later than the run's start)."""
        if day > self.today:
            raise ValueError(f"the demo's story has no future: {day} is after {self.today}")
        begins = day_starts_at(day)
        first = begins + WORKDAY_STARTS
        if day == self.today:
            # Today's events fall between midnight and the moment the run started.
            first = min(first, begins + (self.started - begins) / 2)
        moment = first + timedelta(seconds=self._written[day])
        self._written[day] += 1
        moment = min(moment, self.started, begins + timedelta(days=1, seconds=-1))
        self.clock.set(moment)
        return moment


@dataclass(frozen=True)
class DemoUser:
    """A demo account, and the principal the seeders act as in her name."""

    key: str
    id: UUID
    email: str
    full_name: str
    role: Role
    organization_id: UUID
    district_ids: tuple[UUID, ...] = ()

    @property
    def principal(self) -> Principal:
        return Principal(
            kind=PrincipalKind.user,
            id=self.id,
            organization_id=self.organization_id,
            role=self.role,
            district_ids=frozenset(self.district_ids),
        )


@dataclass
class CasePlan:
    """One case of hers as her story runs: when she was recruited, identified and came home,
    when the case opened and entered each stage of its working path, when it closed (and
    reopened), and the stage it ends the run in."""

    stage: CaseStatus
    working_stage: CaseStatus
    opened_on: date
    recruited_on: date
    identified_on: date
    returned_on: date
    stage_on: dict[CaseStatus, date]
    closure_reason: ClosureReason | None = None
    closed_on: date | None = None
    reopened_on: date | None = None
    retrafficked: bool = False


@dataclass
class DemoSurvivor:
    number: int
    id: UUID
    district_id: UUID
    block: str
    worker: DemoUser
    given_name: str
    family_name: str
    age: int  # today, estimated
    guardian_name: str
    phone: str | None
    never_call: bool
    sex: str  # "female" or "male", as her record says; the texts about her follow it
    plans: list[CasePlan] = field(default_factory=list)  # her cases, oldest first

    @property
    def registered_on(self) -> date:
        return min(plan.opened_on for plan in self.plans)


@dataclass
class DemoCase:
    """A case and the stage it is meant to end the run in. Seeders add their records while it
    is open (``working_stage``); the lifecycle seeder closes and reopens it last."""

    id: UUID
    survivor: DemoSurvivor
    worker: DemoUser
    stage: CaseStatus
    working_stage: CaseStatus
    opened_on: date
    referral_source: ReferralSource
    exploitation_types: list[ExploitationType]
    plan: CasePlan  # her story's dates
    closure_reason: ClosureReason | None = None
    case_number: str = ""
    high_risk: bool = False
    # The last day of work on the case: the day before it closed, else today (a closed case
    # takes no new work; the work of a reopened one is the story before it closed).
    until: date = date.min

    @property
    def returned_on(self) -> date:
        return self.plan.returned_on

    @property
    def closed_on(self) -> date | None:
        return self.plan.closed_on

    def entered(self, stage: CaseStatus) -> date:
        """The day the case entered ``stage`` of its working path (the day it reached its
        working stage if it never got to ``stage``)."""
        return self.plan.stage_on.get(stage, max(self.plan.stage_on.values()))

    @property
    def assessed(self) -> bool:
        return self.working_stage is not CaseStatus.intake

    @property
    def planned(self) -> bool:
        return self.working_stage in (CaseStatus.planning, CaseStatus.active, CaseStatus.monitoring)

    @property
    def under_way(self) -> bool:
        return self.working_stage in (CaseStatus.active, CaseStatus.monitoring)


@dataclass
class DemoContext:
    uow: UnitOfWork
    options: DemoOptions
    today: date
    passwords: Passwords
    password: str
    story: StoryClock
    organizations: dict[str, UUID] = field(default_factory=dict)
    users: dict[str, DemoUser] = field(default_factory=dict)
    survivors: list[DemoSurvivor] = field(default_factory=list)
    cases: list[DemoCase] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def at(self, day: date) -> datetime:
        """Date what is written next on ``day`` of the story (see :class:`StoryClock`); the
        moment it will carry."""
        return self.story.at(day)

    @property
    def now(self) -> datetime:
        """The moment the run started: the story's present."""
        return self.story.started

    @property
    def began_on(self) -> date:
        """The first day of the story: the organisations and their staff start work."""
        return self.today - timedelta(days=STORY_DAYS)

    def rng(self, area: str) -> random.Random:
        """A random stream of its own for ``area``, fixed by the seed."""
        return random.Random(f"shakti-demo:{self.options.seed}:{area}")  # noqa: S311 - not secrets

    @property
    def manager(self) -> DemoUser:
        return self.users["manager"]

    def workers(self, district_id: UUID | None = None) -> list[DemoUser]:
        """The lead organisation's social workers (of one district)."""
        return [
            user
            for user in self.users.values()
            if user.role is Role.social_worker
            and user.organization_id == self.organizations["lead"]
            and (district_id is None or district_id in user.district_ids)
        ]


SeedFunction = Callable[[DemoContext], Awaitable[None]]


@dataclass(frozen=True)
class AreaSeeder:
    """One area's part of the demo data: ``seed`` adds it through the area's services."""

    name: str
    seed: SeedFunction
