"""Run the area seeders in order, in one transaction: the demo data is all there or not at
all, and a second run finds the first one's lead organisation and writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from domain.identity.passwords import Passwords
from persistence import clock
from persistence.database import Database
from persistence.repositories.organizations import OrganizationRepository
from persistence.uow import UnitOfWork
from seeds.assessments import seed_assessments
from seeds.care_plans import seed_care_plans
from seeds.cases import seed_cases, seed_lifecycle_ends
from seeds.context import AreaSeeder, DemoContext, DemoOptions, DemoUser, StoryClock
from seeds.demands import seed_demands
from seeds.entitlements import seed_entitlements
from seeds.expansion import seed_expansion
from seeds.follow_ups import seed_notes, seed_visits
from seeds.identification import seed_identification
from seeds.leadership import seed_leadership
from seeds.legal import seed_legal
from seeds.livelihoods import seed_livelihoods
from seeds.organizations import seed_organizations, seed_users
from seeds.referrals import seed_referrals
from seeds.shgs import seed_shgs
from seeds.survivors import seed_consents, seed_survivors
from seeds.trainings import seed_trainings
from seeds.vocabulary import LEAD_ORGANIZATION_ID

# In order. A seeder may use what the ones before it made (ctx.users, ctx.survivors,
# ctx.cases); add an area's seeder before "lifecycle ends", which closes cases. Expansion comes
# after it: it works on no case, and its advocacy evidence cites everyone's final counts.
SEEDERS: list[AreaSeeder] = [
    AreaSeeder("organisations", seed_organizations),
    AreaSeeder("users", seed_users),
    AreaSeeder("survivors", seed_survivors),
    AreaSeeder("cases", seed_cases),
    AreaSeeder("consents", seed_consents),
    AreaSeeder("assessments", seed_assessments),
    AreaSeeder("care plans", seed_care_plans),
    AreaSeeder("visits", seed_visits),
    AreaSeeder("notes", seed_notes),
    AreaSeeder("legal", seed_legal),
    AreaSeeder("referrals", seed_referrals),
    AreaSeeder("livelihoods", seed_livelihoods),
    AreaSeeder("trainings", seed_trainings),
    AreaSeeder("entitlements", seed_entitlements),
    AreaSeeder("leadership", seed_leadership),
    AreaSeeder("identification", seed_identification),
    AreaSeeder("self-help groups", seed_shgs),
    AreaSeeder("demands", seed_demands),
    AreaSeeder("lifecycle ends", seed_lifecycle_ends),
    AreaSeeder("expansion", seed_expansion),
]


@dataclass
class DemoReport:
    """What a run did: ``created`` False when the database already held the demo data."""

    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    users: list[DemoUser] = field(default_factory=list)
    began_on: date | None = None  # the story's first day
    today: date | None = None  # its last: the day the run started


async def already_seeded(database: Database) -> bool:
    async with UnitOfWork(database) as uow:
        return await OrganizationRepository(uow).exists(LEAD_ORGANIZATION_ID)


async def seed_demo(
    database: Database,
    passwords: Passwords,
    password: str,
    options: DemoOptions,
    *,
    seeders: list[AreaSeeder] | None = None,
    progress: Callable[[str, DemoContext], None] | None = None,
) -> DemoReport:
    """Fill the database with the demo data, through the areas' services. Writes nothing (and
    answers ``created=False``) when the demo's lead organisation exists already. A failing
    seeder rolls everything back."""
    if await already_seeded(database):
        return DemoReport(created=False)
    # The run writes a history: the seeders move the one clock through it (StoryClock), and
    # put it back when they are done.
    story = StoryClock(clock.now())
    with clock.using(story.clock):
        async with UnitOfWork(database) as uow:
            ctx = DemoContext(
                uow=uow,
                options=options,
                today=story.today,
                passwords=passwords,
                password=password,
                story=story,
            )
            for seeder in SEEDERS if seeders is None else seeders:
                # What a seeder writes before it dates anything is dated today.
                story.at(story.today)
                await seeder.seed(ctx)
                if progress is not None:
                    progress(seeder.name, ctx)
            story.clock.set(story.started)
    return DemoReport(
        created=True,
        counts=dict(ctx.counts),
        users=list(ctx.users.values()),
        began_on=ctx.began_on,
        today=ctx.today,
    )
