"""What the demo seeders share: the options, the unit of work, the people and records made so
far, and a random stream per area (so adding an area never changes the others' data)."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from domain.common.principal import Principal, PrincipalKind, Role
from domain.evidence.service import EvidenceSettings
from domain.identity.passwords import Passwords
from persistence.models.case_vocabulary import (
    CaseStatus,
    ClosureReason,
    ExploitationType,
    ReferralSource,
)
from persistence.uow import UnitOfWork

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
    closure_reason: ClosureReason | None = None
    case_number: str = ""
    high_risk: bool = False

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
    organizations: dict[str, UUID] = field(default_factory=dict)
    users: dict[str, DemoUser] = field(default_factory=dict)
    survivors: list[DemoSurvivor] = field(default_factory=list)
    cases: list[DemoCase] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

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
