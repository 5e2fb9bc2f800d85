"""The sync protocol's shapes (README "For app developers")."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.common.pagination import Page
from domain.common.schemas import Personal, ReadModel, RequestBody

MAX_MUTATIONS = 200
MAX_READS = 1000
MAX_FIELDS = 60
MAX_VERSION = 2_000_000_000


class SyncEntity(StrEnum):
    """The kinds of record devices carry."""

    survivor = "survivor"
    case = "case"
    consent = "consent"
    case_note = "case_note"
    case_visit = "case_visit"
    care_plan_goal = "care_plan_goal"
    assessment = "assessment"
    assessment_instrument = "assessment_instrument"
    # -- pushed offline beyond a case's records (domain/sync/field_mutations.py) --
    referral = "referral"
    shg_meeting = "shg_meeting"
    leader_group_meeting = "leader_group_meeting"
    campaign = "campaign"
    identification_referral = "identification_referral"
    # -- carried beyond a caseload (domain/sync/carried.py) --
    entitlement_application = "entitlement_application"
    shg = "shg"
    shg_member = "shg_member"
    shg_balances = "shg_balances"
    leader_group = "leader_group"
    leader_group_member = "leader_group_member"
    demand = "demand"
    attachment = "attachment"
    # -- editable reference data: places and the scheme catalogue (domain/sync/vocabularies.py)
    state = "state"
    district = "district"
    block = "block"
    scheme = "scheme"


class SyncChange(BaseModel):
    """One change: ``upsert`` carries the record as its normal read shows it to her (``data``,
    at ``version``); ``delete`` is a tombstone: remove the device's copy (a case's tombstone
    removes its records too: notes, visits, goals, assessments)."""

    entity: SyncEntity
    id: UUID
    op: Literal["upsert", "delete"]
    version: int | None = Field(default=None, description="Null on a tombstone.")
    data: Annotated[dict[str, Any] | None, Personal()] = Field(
        default=None,
        description="The record as its own read endpoint answers; null on a tombstone.",
    )


class PullPage(BaseModel):
    changes: list[SyncChange]
    cursor: str = Field(description="Keep it; send it with the next pull.")
    has_more: bool = Field(description="Pull again at once with the new cursor.")


class MutationOp(StrEnum):
    create = "create"
    update = "update"
    delete = "delete"


class Mutation(RequestBody):
    """One offline change. ``id`` is the mutation's own id (made on the device, kept until it
    is answered: a retried batch answers it again without applying it twice). A create's
    ``changes`` is the body of the entity's create endpoint (with ``case_id`` or
    ``survivor_id`` for what it hangs off); an update's names only the fields changed, with
    ``base_version``, the version the device edited."""

    id: UUID
    entity: SyncEntity
    entity_id: UUID
    op: MutationOp
    base_version: int | None = Field(default=None, ge=1, le=MAX_VERSION)
    changes: dict[str, Any] = Field(default_factory=dict, max_length=MAX_FIELDS)


class OfflineRead(RequestBody):
    """A record she opened while offline: written to the audit trail as a read at
    ``read_at``."""

    entity: SyncEntity
    id: UUID
    read_at: AwareDatetime


class PushBody(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "mutations": [
                        {
                            "id": "6f1c1f9e-2b7a-4f7e-9a51-3d2f5d0c8a11",
                            "entity": "case_note",
                            "entity_id": "0b9e4c52-8d1a-4c3e-b7f2-5a6d7e8f9a01",
                            "op": "create",
                            "changes": {
                                "case_id": "3c2b1a09-8f7e-4d6c-9b5a-4a3b2c1d0e9f",
                                "body": "Met her mother; the family is ready to have her back.",
                            },
                        },
                        {
                            "id": "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
                            "entity": "case_visit",
                            "entity_id": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
                            "op": "update",
                            "base_version": 1,
                            "changes": {"status": "done", "findings": "Safe at home."},
                        },
                    ],
                    "reads": [
                        {
                            "entity": "survivor",
                            "id": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
                            "read_at": "2026-12-06T10:15:00+05:30",
                        }
                    ],
                }
            ]
        }
    )

    mutations: list[Mutation] = Field(default_factory=list, max_length=MAX_MUTATIONS)
    reads: list[OfflineRead] = Field(default_factory=list, max_length=MAX_READS)


class FieldConflict(BaseModel):
    """A field changed on the server since the device's base, and offline too."""

    field: str
    server: Annotated[Any, Personal()] = None
    base: Annotated[Any, Personal()] = None
    client: Annotated[Any, Personal()] = None


class MutationResult(BaseModel):
    """``applied``: done, the record is at ``version``. ``conflict``: the fields in
    ``conflicts`` were not applied (kept on the server to resolve), the others were (at
    ``version``); an intake that may duplicate a registered survivor is a conflict on
    ``possible_duplicate`` naming the survivors she may see (send it again with
    ``confirm_not_duplicate: true``). ``rejected``: nothing applied; ``problem`` says why."""

    id: UUID
    status: Literal["applied", "conflict", "rejected"]
    version: int | None = None
    conflicts: list[FieldConflict] = Field(default_factory=list)
    problem: dict[str, Any] | None = Field(
        default=None, description="An RFC 9457 problem (type, title, status, detail)."
    )


class PushResult(BaseModel):
    results: list[MutationResult]


class ConflictRead(ReadModel):
    id: UUID
    mutation_id: UUID
    entity: SyncEntity
    entity_id: UUID
    field: str
    base_version: int
    server_version: int
    server: Annotated[Any, Personal()] = None
    base: Annotated[Any, Personal()] = None
    client: Annotated[Any, Personal()] = None
    created_at: datetime


ConflictPage = Page[ConflictRead]


class ConflictResolution(RequestBody):
    """The value she chose for the field (the server's, her own, or another)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"value": "done"}]})

    value: Any = None


class ConflictResolved(BaseModel):
    id: UUID
    status: Literal["resolved"] = "resolved"
    version: int
