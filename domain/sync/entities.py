"""What devices carry, entity by entity: how each is read (through its area's service, so
that scope, restricted notes and the opening of sealed fields are the area's own rules) and
which offline mutations it takes (through the same services, policies and validation as the
REST endpoints)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from domain.assessments.schemas import AssessmentCreate
from domain.assessments.service import AssessmentService
from domain.audit.trail import authorize, record
from domain.care_plans.schemas import GoalCreate, GoalUpdate
from domain.care_plans.service import CarePlanService
from domain.cases import policies as case_policies
from domain.cases.policies import case_scope
from domain.cases.service import CaseService, case_detail
from domain.common.errors import NotFound
from domain.common.principal import Principal
from domain.consents.schemas import ConsentCreate
from domain.consents.service import ConsentService
from domain.follow_ups import policies as follow_up_policies
from domain.follow_ups.notes import NoteService, note_reader, notes_read
from domain.follow_ups.schemas import NoteCreate, VisitCreate, VisitUpdate
from domain.follow_ups.visits import VisitService, visits_read
from domain.survivors import policies as survivor_policies
from domain.survivors.duplicates import DuplicateHitLimit
from domain.survivors.policies import survivor_scope
from domain.survivors.schemas import SurvivorCreate
from domain.survivors.service import SurvivorService, survivor_read
from domain.sync.carried import register_carried
from domain.sync.field_mutations import register_field_mutations
from domain.sync.vocabularies import register_vocabularies
from persistence.models.enums import AuditAction
from persistence.repositories.follow_ups import NoteRepository
from persistence.repositories.sync import SyncRepository
from persistence.uow import UnitOfWork

Document = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Anchor:
    """What a record hangs off: its case (records of a case), its survivor (consents), or
    another holder (an SHG member's group, an attachment's record)."""

    case_id: UUID | None = None
    survivor_id: UUID | None = None
    holder_id: UUID | None = None

    def case(self) -> UUID:
        if self.case_id is None:
            raise NotFound("Record not found.")
        return self.case_id

    def survivor(self) -> UUID:
        if self.survivor_id is None:
            raise NotFound("Record not found.")
        return self.survivor_id

    def holder(self) -> UUID:
        if self.holder_id is None:
            raise NotFound("Record not found.")
        return self.holder_id


@dataclass(frozen=True, slots=True)
class Context:
    """What a mutation may need besides the unit of work and the caller."""

    duplicate_limit: DuplicateHitLimit | None = None


Reader = Callable[[UnitOfWork, Principal, UUID, Anchor], Awaitable[Any]]
# Many records at once, for a first pull and a case that comes whole: those among the ids the
# caller may read, each read audited, as the entity's own read builds them.
ManyReader = Callable[[UnitOfWork, Principal, Sequence[UUID]], Awaitable[list[Any]]]
Creator = Callable[[UnitOfWork, Principal, UUID, Mapping[str, Any], Context], Awaitable[Any]]
Updater = Callable[[UnitOfWork, Principal, UUID, Anchor, Mapping[str, Any], int], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class SyncedEntity:
    """One kind of record in the protocol (``name``), its reader and its mutations.

    ``anchor_field``: the field of a create's ``changes`` that names what the new record
    hangs off (``case_id`` or ``survivor_id``), taken out before the body is validated.
    ``companions``: fields of an update that travel with the compared ones (a referral
    step's note and day): never compared on their own, applied with them, kept with the
    client's value when they conflict. ``id_field``: the field of a read naming the record
    it is carried under (the books of an SHG: its group's)."""

    name: str
    read: Reader
    create: Creator | None = None
    update: Updater | None = None
    anchor_field: str | None = None
    read_many: ManyReader | None = None
    companions: frozenset[str] = frozenset()
    id_field: str = "id"


def document(read: Any) -> Document:
    """A read model (or a read document) as JSON values, for a pull's ``data``."""
    if isinstance(read, BaseModel):
        read = read.model_dump(mode="json")
    value = to_jsonable_python(read)
    if not isinstance(value, dict):  # pragma: no cover - every reader answers an object
        raise TypeError("a synced record reads as an object")
    return value


def _with_id(changes: Mapping[str, Any], entity_id: UUID) -> dict[str, Any]:
    return {**changes, "id": str(entity_id)}


def _anchor_id(changes: Mapping[str, Any], field: str) -> UUID:
    try:
        return UUID(str(changes[field]))
    except (KeyError, ValueError):
        raise NotFound("Record not found.") from None


# -- survivors (intake) ---------------------------------------------------------------------
async def _read_survivor(uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor) -> Any:
    return await SurvivorService(uow).get(p, entity_id)


async def _create_survivor(
    uow: UnitOfWork, p: Principal, entity_id: UUID, changes: Mapping[str, Any], ctx: Context
) -> Any:
    body = SurvivorCreate.model_validate(_with_id(changes, entity_id))
    return await SurvivorService(uow).create(p, body, ctx.duplicate_limit)


async def _read_survivors(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    authorize(uow, p, survivor_policies.READ, "survivor")
    rows = await SyncRepository(uow).survivors_by_ids(survivor_scope(p), ids)
    for row in rows:
        record(uow, p, AuditAction.read, "survivor", row.id, organization_id=row.organization_id)
    return [survivor_read(uow.cipher, row) for row in rows]


# -- cases ----------------------------------------------------------------------------------
async def _read_case(uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor) -> Any:
    return await CaseService(uow).get(p, entity_id)


async def _read_cases(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    authorize(uow, p, case_policies.READ, "survivor_case")
    rows = await SyncRepository(uow).cases_by_ids(case_scope(p), ids)
    for row in rows:
        record(
            uow,
            p,
            AuditAction.read,
            "survivor_case",
            row["id"],
            organization_id=row["organization_id"],
        )
    return [case_detail(uow, row) for row in rows]


# -- consents -------------------------------------------------------------------------------
async def _read_consent(uow: UnitOfWork, p: Principal, entity_id: UUID, anchor: Anchor) -> Any:
    return await ConsentService(uow).get(p, anchor.survivor(), entity_id)


async def _read_consents(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    return list(await ConsentService(uow).get_many(p, ids))


async def _create_consent(
    uow: UnitOfWork, p: Principal, entity_id: UUID, changes: Mapping[str, Any], _: Context
) -> Any:
    survivor_id = _anchor_id(changes, "survivor_id")
    fields = {k: v for k, v in changes.items() if k != "survivor_id"}
    body = ConsentCreate.model_validate(_with_id(fields, entity_id))
    return await ConsentService(uow).create(p, survivor_id, body)


# -- records of a case ----------------------------------------------------------------------
def _case_fields(changes: Mapping[str, Any], entity_id: UUID) -> tuple[UUID, dict[str, Any]]:
    case_id = _anchor_id(changes, "case_id")
    return case_id, _with_id({k: v for k, v in changes.items() if k != "case_id"}, entity_id)


async def _read_note(uow: UnitOfWork, p: Principal, entity_id: UUID, anchor: Anchor) -> Any:
    return await NoteService(uow).get(p, anchor.case(), entity_id)


async def _read_notes(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    authorize(uow, p, follow_up_policies.READ_NOTES, "case_note")
    readable = NoteRepository.readable(note_reader(p))
    rows = await SyncRepository(uow).case_records_by_ids("case_note", case_scope(p), ids, readable)
    for row in rows:
        record(uow, p, AuditAction.read, "case_note", row.id, organization_id=row.organization_id)
    return await notes_read(uow, rows)


async def _create_note(
    uow: UnitOfWork, p: Principal, entity_id: UUID, changes: Mapping[str, Any], _: Context
) -> Any:
    case_id, fields = _case_fields(changes, entity_id)
    return await NoteService(uow).create(p, case_id, NoteCreate.model_validate(fields))


async def _read_visit(uow: UnitOfWork, p: Principal, entity_id: UUID, anchor: Anchor) -> Any:
    return await VisitService(uow).get(p, anchor.case(), entity_id)


async def _read_visits(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    authorize(uow, p, follow_up_policies.READ_VISITS, "case_visit")
    rows = await SyncRepository(uow).case_records_by_ids("case_visit", case_scope(p), ids)
    for row in rows:
        record(uow, p, AuditAction.read, "case_visit", row.id, organization_id=row.organization_id)
    return await visits_read(uow, rows)


async def _create_visit(
    uow: UnitOfWork, p: Principal, entity_id: UUID, changes: Mapping[str, Any], _: Context
) -> Any:
    case_id, fields = _case_fields(changes, entity_id)
    return await VisitService(uow).create(p, case_id, VisitCreate.model_validate(fields))


async def _update_visit(
    uow: UnitOfWork,
    p: Principal,
    entity_id: UUID,
    anchor: Anchor,
    changes: Mapping[str, Any],
    version: int,
) -> Any:
    body = VisitUpdate.model_validate(dict(changes))
    return await VisitService(uow).update(p, anchor.case(), entity_id, body, version)


async def _read_goal(uow: UnitOfWork, p: Principal, entity_id: UUID, anchor: Anchor) -> Any:
    return await CarePlanService(uow).get_goal(p, anchor.case(), entity_id)


async def _create_goal(
    uow: UnitOfWork, p: Principal, entity_id: UUID, changes: Mapping[str, Any], _: Context
) -> Any:
    case_id, fields = _case_fields(changes, entity_id)
    return await CarePlanService(uow).create_goal(p, case_id, GoalCreate.model_validate(fields))


async def _update_goal(
    uow: UnitOfWork,
    p: Principal,
    entity_id: UUID,
    anchor: Anchor,
    changes: Mapping[str, Any],
    version: int,
) -> Any:
    body = GoalUpdate.model_validate(dict(changes))
    return await CarePlanService(uow).update_goal(p, anchor.case(), entity_id, body, version)


async def _read_assessment(uow: UnitOfWork, p: Principal, entity_id: UUID, anchor: Anchor) -> Any:
    return await AssessmentService(uow).get(p, anchor.case(), entity_id)


async def _create_assessment(
    uow: UnitOfWork, p: Principal, entity_id: UUID, changes: Mapping[str, Any], _: Context
) -> Any:
    case_id, fields = _case_fields(changes, entity_id)
    body = AssessmentCreate.model_validate(fields)
    return await AssessmentService(uow).create(p, case_id, body)


async def _read_instrument(uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor) -> Any:
    return await AssessmentService(uow).get_instrument(p, entity_id)


INSTRUMENT = SyncedEntity("assessment_instrument", _read_instrument)
SURVIVOR = SyncedEntity(
    "survivor", _read_survivor, create=_create_survivor, read_many=_read_survivors
)
CASE = SyncedEntity("case", _read_case, read_many=_read_cases)
CONSENT = SyncedEntity(
    "consent",
    _read_consent,
    create=_create_consent,
    anchor_field="survivor_id",
    read_many=_read_consents,
)
CASE_NOTE = SyncedEntity(
    "case_note", _read_note, create=_create_note, anchor_field="case_id", read_many=_read_notes
)
CASE_VISIT = SyncedEntity(
    "case_visit",
    _read_visit,
    create=_create_visit,
    update=_update_visit,
    anchor_field="case_id",
    read_many=_read_visits,
)
CARE_PLAN_GOAL = SyncedEntity(
    "care_plan_goal",
    _read_goal,
    create=_create_goal,
    update=_update_goal,
    anchor_field="case_id",
)
ASSESSMENT = SyncedEntity(
    "assessment", _read_assessment, create=_create_assessment, anchor_field="case_id"
)

# In the order a first pull sends them (a record after what it hangs off).
ENTITIES: dict[str, SyncedEntity] = {
    e.name: e
    for e in (
        INSTRUMENT,
        SURVIVOR,
        CASE,
        CONSENT,
        CASE_NOTE,
        CASE_VISIT,
        CARE_PLAN_GOAL,
        ASSESSMENT,
    )
}
CASE_RECORD_NAMES = ("case_note", "case_visit", "care_plan_goal", "assessment")

# -- the community work's offline mutations (domain/sync/field_mutations.py) -----------------
register_field_mutations(ENTITIES)
# -- what else devices carry (domain/sync/carried.py) ----------------------------------------
register_carried(ENTITIES)
# -- the editable reference data: places and schemes (domain/sync/vocabularies.py) -----------
register_vocabularies(ENTITIES)
