"""Follow-up visits and case notes. Visits form chains as workers record them (each done visit
plans the next); some were missed, and about a quarter of open cases have their next visit
overdue, so that the overdue list and the case flag show."""

from __future__ import annotations

import random
from datetime import date, timedelta

from domain.follow_ups.notes import NoteService
from domain.follow_ups.schemas import NoteCreate, VisitCreate, VisitUpdate
from domain.follow_ups.visits import VisitService
from persistence.models.case_vocabulary import (
    CaseStatus,
    NoteConfidentiality,
    VisitKind,
    VisitStatus,
)
from seeds.context import DemoCase, DemoContext
from seeds.vocabulary import COUNSELLING_NOTES, FINDINGS, NOTES, told

MAX_VISITS = 12
_KINDS = (VisitKind.home, VisitKind.phone, VisitKind.office, VisitKind.group)
_KIND_WEIGHTS = (0.5, 0.3, 0.15, 0.05)
# A freshly planned visit (the one a done visit's next_visit_on adds) is at version 1.
_NEW_VERSION = 1


async def seed_visits(ctx: DemoContext) -> None:
    rng = ctx.rng("visits")
    service = VisitService(ctx.uow)
    for case in ctx.cases:
        principal = case.worker.principal
        if not case.assessed:
            overdue = rng.random() < 0.3
            planned_on = ctx.today + (
                timedelta(days=-rng.randint(2, 10)) if overdue else timedelta(rng.randint(2, 10))
            )
            ctx.at(case.opened_on)
            await service.create(
                principal,
                case.id,
                VisitCreate(kind=VisitKind.home, planned_on=max(planned_on, case.opened_on)),
            )
            ctx.counts["visits planned"] += 1
            ctx.counts["visits overdue"] += int(overdue)
            continue
        days = _visit_days(rng, case, case.until)
        ends_open = case.stage not in (CaseStatus.closed, CaseStatus.reopened)
        kind = rng.choices(_KINDS, _KIND_WEIGHTS)[0]
        planned_id = None
        final_next: date | None = None
        for index, day in enumerate(days):
            last = index == len(days) - 1
            following = None
            if not last:
                following = days[index + 1]
            elif ends_open:
                following = final_next = _next_after(rng, day, ctx.today)
            missed = not last and index > 0 and rng.random() < 0.12
            done_at = ctx.at(day)  # the visit is recorded when she comes back from it
            if planned_id is None:
                recorded = await service.create(
                    principal,
                    case.id,
                    VisitCreate(
                        kind=kind,
                        status=VisitStatus.done,
                        done_at=done_at,
                        findings=told(rng.choice(FINDINGS), case.survivor.sex),
                        next_visit_on=following,
                    ),
                )
            elif missed:
                recorded = await service.update(
                    principal,
                    case.id,
                    planned_id,
                    _outcome(VisitStatus.missed, next_visit_on=following),
                    _NEW_VERSION,
                )
                ctx.counts["visits missed"] += 1
            else:
                recorded = await service.update(
                    principal,
                    case.id,
                    planned_id,
                    _outcome(
                        VisitStatus.done,
                        done_at=done_at,
                        findings=told(rng.choice(FINDINGS), case.survivor.sex),
                        next_visit_on=following,
                    ),
                    _NEW_VERSION,
                )
            if not missed:
                ctx.counts["visits done"] += 1
            planned_id = recorded.next_visit_id
        if final_next is not None:
            ctx.counts["visits planned"] += 1
            if final_next < ctx.today:
                ctx.counts["visits overdue"] += 1


def _outcome(status: VisitStatus, **fields: object) -> VisitUpdate:
    """A visit's outcome, sending only the fields that have a value (a patch refuses null
    where the field cannot be cleared)."""
    sent = {name: value for name, value in fields.items() if value is not None}
    return VisitUpdate.model_validate({"status": status, **sent})


def _visit_days(rng: random.Random, case: DemoCase, today: date) -> list[date]:
    """Days of the visits made so far: every three to seven weeks in the first months, every
    six to twelve weeks later on; the latest ``MAX_VISITS`` of them."""
    days: list[date] = []
    day = case.opened_on + timedelta(days=rng.randint(1, 7))
    while day < today:
        days.append(day)
        gap = (21, 49) if len(days) < 5 else (42, 84)
        day += timedelta(days=rng.randint(*gap))
    return days[-MAX_VISITS:] or [min(case.opened_on, today - timedelta(days=1))]


def _next_after(rng: random.Random, day: date, today: date) -> date:
    """The next visit's day: overdue for about a quarter of cases, else soon."""
    overdue = rng.random() < 0.25
    if overdue:
        return max(day + timedelta(days=1), today - timedelta(days=rng.randint(3, 20)))
    return max(day + timedelta(days=1), today + timedelta(days=rng.randint(1, 21)))


async def seed_notes(ctx: DemoContext) -> None:
    rng = ctx.rng("notes")
    service = NoteService(ctx.uow)
    for case in ctx.cases:
        sex = case.survivor.sex
        for body in rng.sample(NOTES, k=rng.randint(1, 3) if case.assessed else 1):
            ctx.at(_day_between(rng, case.opened_on, case.until))
            await service.create(case.worker.principal, case.id, NoteCreate(body=told(body, sex)))
            ctx.counts["notes"] += 1
        if case.planned and rng.random() < 0.3:
            ctx.at(_day_between(rng, case.entered(CaseStatus.planning), case.until))
            await service.create(
                ctx.manager.principal,
                case.id,
                NoteCreate(
                    body=told(rng.choice(COUNSELLING_NOTES), sex),
                    confidentiality=NoteConfidentiality.restricted,
                ),
            )
            ctx.counts["notes restricted"] += 1


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max(0, (last - first).days)))
