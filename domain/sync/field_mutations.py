"""Offline mutations of the work beyond a case's own records: referral status steps, SHG
collection sheets, leader group meetings, campaigns and their reach, identification referrals.

Each goes through its area's own service (the same policies, scope, consent rules and
validation as the REST endpoint): sync adds no rule of its own. They register into the sync
registry (``domain/sync/entities.py``) with :func:`register_field_mutations`, which keeps a
reader another part of sync registered for the same entity and adds the mutations to it.

- ``referral``, op ``update``: a status step. ``changes`` is ``{"status": ...}`` with the
  step's ``note`` and day (``on``) if any; ``base_version`` is the version the device saw, as
  If-Match gives it online. A step already taken on the server is applied (nothing to do);
  a step from a stale base whose status moved on the server is a conflict on ``status`` whose
  ``client`` value is the whole step (status, note, day), so that nothing she wrote is lost.
- ``shg_meeting``, op ``create``: a meeting's collection sheet, with ``shg_id``.
- ``leader_group_meeting``, op ``create``: a leader group's meeting, with ``group_id``.
- ``campaign``, op ``create`` (with its reach) and ``update`` (the reach, outcomes or any
  field, field by field against her base).
- ``identification_referral``, op ``create``: a survivor leader's referral of a person at
  risk (the answer names its status and version only, never what she wrote).
- ``survivor`` and ``case``, op ``update``: corrections of her record and of the case's
  context, field by field against her base like a visit (the survivor's intake and the
  reading of both stay where they are registered).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.cases.schemas import CaseUpdate
from domain.cases.service import CaseService
from domain.common.errors import BadRequest, NotFound
from domain.common.principal import Principal
from domain.common.records import require
from domain.identification.referrals import IdentificationReferralService
from domain.identification.schemas import ReferralCreate as IdentificationReferralCreate
from domain.leadership.campaigns import CampaignService
from domain.leadership.groups import LeaderGroupService
from domain.leadership.schemas import CampaignCreate, CampaignUpdate
from domain.leadership.schemas import MeetingCreate as LeaderMeetingCreate
from domain.referrals.schemas import ReferralTransition
from domain.referrals.service import ReferralService
from domain.shgs.collection import CollectionService
from domain.shgs.schemas import CollectionSheet
from domain.survivors.schemas import SurvivorUpdate
from domain.survivors.service import SurvivorService
from persistence.repositories.sync_holders import MeetingHolders
from persistence.uow import UnitOfWork

if TYPE_CHECKING:
    from domain.sync.entities import Anchor, Context, SyncedEntity

# The fields that travel with a referral's status step: never compared on their own.
STEP_COMPANIONS = frozenset({"note", "on"})


def _with_id(changes: Mapping[str, Any], entity_id: UUID, *, without: str = "") -> dict[str, Any]:
    return {**{k: v for k, v in changes.items() if k != without}, "id": str(entity_id)}


def _holder(changes: Mapping[str, Any], field: str) -> UUID:
    try:
        return UUID(str(changes[field]))
    except (KeyError, ValueError):
        raise NotFound("Record not found.") from None


# -- referral status steps ------------------------------------------------------------------
async def _read_referral(uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor) -> Any:
    return await ReferralService(uow).get(p, entity_id)


async def _read_referrals(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    return await ReferralService(uow).get_many(p, ids)


async def _step_referral(
    uow: UnitOfWork,
    p: Principal,
    entity_id: UUID,
    _: Anchor,
    changes: Mapping[str, Any],
    version: int,
) -> Any:
    step = dict(changes)
    status = step.pop("status", None)
    if isinstance(status, dict):  # the whole step, as a conflict keeps it, chosen to resolve
        step = {**status, **step}
        status = step.pop("status", None)
    if status is None:
        raise BadRequest("A referral step names the status it moves to (status).")
    body = ReferralTransition.model_validate({**step, "to": status})
    return await ReferralService(uow).transition(p, entity_id, body, version)


# -- SHG collection sheets ------------------------------------------------------------------
async def _read_shg_meeting(uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor) -> Any:
    shg_id = await require(MeetingHolders(uow).shg_of_meeting(entity_id), "Meeting")
    return await CollectionService(uow).get(p, shg_id, entity_id)


async def _read_shg_meetings(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    return await CollectionService(uow).get_many(p, ids)


async def _record_sheet(
    uow: UnitOfWork, p: Principal, entity_id: UUID, changes: Mapping[str, Any], _: Context
) -> Any:
    shg_id = _holder(changes, "shg_id")
    sheet = CollectionSheet.model_validate(_with_id(changes, entity_id, without="shg_id"))
    meeting, _again = await CollectionService(uow).record(p, shg_id, sheet)
    return meeting


# -- leader group meetings ------------------------------------------------------------------
async def _read_leader_meeting(uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor) -> Any:
    group_id = await require(MeetingHolders(uow).group_of_meeting(entity_id), "Meeting")
    return await LeaderGroupService(uow).get_meeting(p, group_id, entity_id)


async def _read_leader_meetings(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    return await LeaderGroupService(uow).get_meetings(p, ids)


async def _record_leader_meeting(
    uow: UnitOfWork, p: Principal, entity_id: UUID, changes: Mapping[str, Any], _: Context
) -> Any:
    group_id = _holder(changes, "group_id")
    body = LeaderMeetingCreate.model_validate(_with_id(changes, entity_id, without="group_id"))
    return await LeaderGroupService(uow).record_meeting(p, group_id, body)


# -- campaigns and their reach --------------------------------------------------------------
async def _read_campaign(uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor) -> Any:
    return await CampaignService(uow).get(p, entity_id)


async def _read_campaigns(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    return await CampaignService(uow).get_many(p, ids)


async def _create_campaign(
    uow: UnitOfWork, p: Principal, entity_id: UUID, changes: Mapping[str, Any], _: Context
) -> Any:
    body = CampaignCreate.model_validate(_with_id(changes, entity_id))
    return await CampaignService(uow).create(p, body)


async def _update_campaign(
    uow: UnitOfWork,
    p: Principal,
    entity_id: UUID,
    _: Anchor,
    changes: Mapping[str, Any],
    version: int,
) -> Any:
    body = CampaignUpdate.model_validate(dict(changes))
    return await CampaignService(uow).update(p, entity_id, body, version)


# -- identification referrals ---------------------------------------------------------------
async def _read_identification_referral(
    uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor
) -> Any:
    return await IdentificationReferralService(uow).get(p, entity_id)


async def _submit_identification_referral(
    uow: UnitOfWork, p: Principal, entity_id: UUID, changes: Mapping[str, Any], _: Context
) -> Any:
    body = IdentificationReferralCreate.model_validate(_with_id(changes, entity_id))
    return await IdentificationReferralService(uow).submit(p, body)


# -- corrections of a survivor's record and of a case --------------------------------------
async def _update_survivor(
    uow: UnitOfWork,
    p: Principal,
    entity_id: UUID,
    _: Anchor,
    changes: Mapping[str, Any],
    version: int,
) -> Any:
    body = SurvivorUpdate.model_validate(dict(changes))
    return await SurvivorService(uow).update(p, entity_id, body, version)


async def _update_case(
    uow: UnitOfWork,
    p: Principal,
    entity_id: UUID,
    _: Anchor,
    changes: Mapping[str, Any],
    version: int,
) -> Any:
    body = CaseUpdate.model_validate(dict(changes))
    return await CaseService(uow).update(p, entity_id, body, version)


# The updates of entities registered (and read) elsewhere in sync.
UPDATES_OF_REGISTERED = {"survivor": _update_survivor, "case": _update_case}


def register_field_mutations(entities: dict[str, SyncedEntity]) -> None:
    """Add these mutations to the registry: to an entity already registered (its reader kept),
    or as a new entity with the reader above."""
    from dataclasses import replace

    from domain.sync.entities import SyncedEntity

    added = (
        SyncedEntity(
            "referral",
            _read_referral,
            update=_step_referral,
            companions=STEP_COMPANIONS,
            read_many=_read_referrals,
        ),
        SyncedEntity(
            "shg_meeting",
            _read_shg_meeting,
            create=_record_sheet,
            anchor_field="shg_id",
            read_many=_read_shg_meetings,
        ),
        SyncedEntity(
            "leader_group_meeting",
            _read_leader_meeting,
            create=_record_leader_meeting,
            anchor_field="group_id",
            read_many=_read_leader_meetings,
        ),
        SyncedEntity(
            "campaign",
            _read_campaign,
            create=_create_campaign,
            update=_update_campaign,
            read_many=_read_campaigns,
        ),
        SyncedEntity(
            "identification_referral",
            _read_identification_referral,
            create=_submit_identification_referral,
        ),
    )
    for name, update in UPDATES_OF_REGISTERED.items():
        entities[name] = replace(entities[name], update=update)
    for entity in added:
        known = entities.get(entity.name)
        if known is None:
            entities[entity.name] = entity
            continue
        entities[entity.name] = replace(
            known,
            create=entity.create or known.create,
            update=entity.update or known.update,
            anchor_field=entity.anchor_field or known.anchor_field,
            companions=entity.companions | known.companions,
            read_many=known.read_many or entity.read_many,
        )
