"""What devices carry beyond a caseload's own records: referrals of her cases, entitlement
applications of her survivors, the self-help groups of her districts with their members,
meetings and books (``shg_balances``), leader groups with their meetings and campaigns (a
survivor leader: her own groups), the demands she raised or owns, and attachments' metadata
(the app fetches the bytes on demand from the audited download endpoint).

Each kind is carried only to those its area's read policy permits (asked here first, so that a
pull never provokes a denial); each record is read through its area's service exactly as the
REST read answers and audits it; which ids are in her scope is paged through the area's own
scope condition (persistence/repositories/sync_carried.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain.attachments import policies as attachment_policies
from domain.attachments.records import RECORD_KINDS
from domain.attachments.schemas import AttachmentRead
from domain.attachments.service import AttachmentService
from domain.cases.policies import case_scope
from domain.common.errors import NotFound
from domain.common.policy import Policy
from domain.common.principal import Principal
from domain.demands import policies as demand_policies
from domain.demands.service import DemandService
from domain.entitlements import policies as entitlement_policies
from domain.entitlements.service import EntitlementService
from domain.leadership import policies as leadership_policies
from domain.leadership.groups import LeaderGroupService
from domain.referrals import policies as referral_policies
from domain.shgs import policies as shg_policies
from domain.shgs.books import LedgerService
from domain.shgs.service import ShgService
from persistence.attachment_store import AttachmentStorage
from persistence.models.device_vocabulary import AttachmentRecordKind
from persistence.repositories.sync import Held
from persistence.repositories.sync_carried import (
    SyncCarriedRepository,
    case_ids_in_scope,
    consent_ids_visible,
    shg_meeting_ids_visible,
    survivor_ids_visible,
)
from persistence.uow import UnitOfWork

if TYPE_CHECKING:
    from domain.sync.entities import Anchor, SyncedEntity


def _no_store() -> Any:
    raise RuntimeError("sync reads attachments' metadata only, never their bytes")


# Sync reads metadata only: the bytes are fetched on demand from the download endpoint.
METADATA_ONLY = AttachmentStorage(_no_store, "metadata only")


# -- readers (each the area's own read, audited as the REST read is) ------------------------
async def _read_application(uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor) -> Any:
    return await EntitlementService(uow).get(p, entity_id)


async def _read_shg(uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor) -> Any:
    return await ShgService(uow).get_group(p, entity_id)


async def _read_shg_member(uow: UnitOfWork, p: Principal, entity_id: UUID, anchor: Anchor) -> Any:
    return await ShgService(uow).get_member(p, anchor.holder(), entity_id)


async def _read_shg_balances(uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor) -> Any:
    # One per group, under the group's id: the books today, as the balances endpoint answers.
    return await LedgerService(uow).balances(p, entity_id, None)


async def _read_leader_group(uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor) -> Any:
    return await LeaderGroupService(uow).get(p, entity_id)


async def _read_demand(uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor) -> Any:
    demand = await DemandService(uow).get(p, entity_id)
    # Devices carry the demands she raised or owns (a narrower set than she may read).
    if p.id not in (demand.created_by, demand.owner_id):
        raise NotFound("Demand not found.")
    return demand


# -- many at once (a first pull, a group or case that comes whole): the same reads, each
# record audited as its own read audits it, a page in a statement or a few.
async def _read_applications(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    return list(await EntitlementService(uow).get_many(p, ids))


async def _read_shgs(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    return await ShgService(uow).get_groups(p, ids)


async def _read_shg_members(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    return await ShgService(uow).get_members(p, ids)


async def _read_shg_books(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    return list(await LedgerService(uow).balances_of_groups(p, ids))


async def _read_leader_groups(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    return await LeaderGroupService(uow).get_many(p, ids)


async def _read_leader_member(
    uow: UnitOfWork, p: Principal, entity_id: UUID, anchor: Anchor
) -> Any:
    return await LeaderGroupService(uow).get_member(p, anchor.holder(), entity_id)


async def _read_leader_members(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    return await LeaderGroupService(uow).get_members(p, ids)


async def _read_demands(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    # Devices carry the demands she raised or owns (a narrower set than she may read).
    return [
        d for d in await DemandService(uow).get_many(p, ids) if p.id in (d.created_by, d.owner_id)
    ]


async def _read_attachment(uow: UnitOfWork, p: Principal, entity_id: UUID, _: Anchor) -> Any:
    return await AttachmentService(uow, METADATA_ONLY, 0).get(p, entity_id)


async def _read_attachments(uow: UnitOfWork, p: Principal, ids: Sequence[UUID]) -> list[Any]:
    """Many attachments' metadata in one statement: those among ``ids`` whose record she
    carries (the records' own scope conditions, as the first pull found them) of the kinds
    whose read policy permits her; as the metadata endpoint answers (not audited there
    either: only a download of the bytes is a read of the file)."""
    if not attachment_policies.READ.permits(p):
        return []
    rows = await SyncCarriedRepository(uow).attachments_by_ids(
        p.organization_id, _attachment_records(p), ids
    )
    return [AttachmentRead.model_validate(row) for row in rows]


def register_carried(entities: dict[str, SyncedEntity]) -> None:
    """Add the readers of the carried kinds to the registry, keeping what is registered (the
    referral, meeting and campaign readers and mutations of domain/sync/field_mutations.py)."""
    from domain.sync.entities import SyncedEntity

    for entity in (
        SyncedEntity("entitlement_application", _read_application, read_many=_read_applications),
        SyncedEntity("shg", _read_shg, read_many=_read_shgs),
        SyncedEntity("shg_member", _read_shg_member, read_many=_read_shg_members),
        SyncedEntity(
            "shg_balances", _read_shg_balances, read_many=_read_shg_books, id_field="shg_id"
        ),
        SyncedEntity("leader_group", _read_leader_group, read_many=_read_leader_groups),
        SyncedEntity("leader_group_member", _read_leader_member, read_many=_read_leader_members),
        SyncedEntity("demand", _read_demand, read_many=_read_demands),
        SyncedEntity("attachment", _read_attachment, read_many=_read_attachments),
    ):
        entities.setdefault(entity.name, entity)


# -- which ids are in her scope ----------------------------------------------------------------
# (repository, caller, after, limit, holder: the case, survivor, group or record they hang off)
InScope = Callable[
    [SyncCarriedRepository, Principal, UUID | None, int, UUID | None], Awaitable[list[Held]]
]


@dataclass(frozen=True, slots=True)
class CarriedKind:
    """One kind carried beyond a caseload: the read policy that must permit her, and how the
    ids in her scope are found (all of them, or those hanging off ``holder``)."""

    name: str
    policy: Policy
    in_scope: InScope


async def _referrals(
    r: SyncCarriedRepository, p: Principal, after: UUID | None, limit: int, holder: UUID | None
) -> list[Held]:
    return await r.referrals(referral_policies.outgoing_scope(p), after, limit, case_id=holder)


async def _applications(
    r: SyncCarriedRepository, p: Principal, after: UUID | None, limit: int, holder: UUID | None
) -> list[Held]:
    return await r.applications(case_scope(p), after, limit, survivor_id=holder)


async def _shgs(
    r: SyncCarriedRepository, p: Principal, after: UUID | None, limit: int, holder: UUID | None
) -> list[Held]:
    ids = [holder] if holder is not None else []
    return await r.shgs(shg_policies.group_scope(p), after, limit, ids=ids)


def _shg_records(entity: str) -> InScope:
    async def fetch(
        r: SyncCarriedRepository, p: Principal, after: UUID | None, limit: int, holder: UUID | None
    ) -> list[Held]:
        return await r.shg_records(entity, shg_policies.group_scope(p), after, limit, shg_id=holder)

    return fetch


async def _leader_groups(
    r: SyncCarriedRepository, p: Principal, after: UUID | None, limit: int, holder: UUID | None
) -> list[Held]:
    ids = [holder] if holder is not None else []
    return await r.leader_groups(leadership_policies.leadership_scope(p), after, limit, ids=ids)


async def _leader_members(
    r: SyncCarriedRepository, p: Principal, after: UUID | None, limit: int, holder: UUID | None
) -> list[Held]:
    scope = leadership_policies.leadership_scope(p)
    return await r.leader_members(scope, after, limit, group_id=holder)


async def _leader_meetings(
    r: SyncCarriedRepository, p: Principal, after: UUID | None, limit: int, holder: UUID | None
) -> list[Held]:
    scope = leadership_policies.leadership_scope(p)
    return await r.leader_meetings(scope, after, limit, group_id=holder)


async def _campaigns(
    r: SyncCarriedRepository, p: Principal, after: UUID | None, limit: int, holder: UUID | None
) -> list[Held]:
    scope = leadership_policies.leadership_scope(p)
    return await r.campaigns(scope, after, limit, group_id=holder)


async def _demands(
    r: SyncCarriedRepository, p: Principal, after: UUID | None, limit: int, holder: UUID | None
) -> list[Held]:
    # A demand holds itself: ``holder`` names one.
    ids = [holder] if holder is not None else []
    return await r.demands(demand_policies.demand_scope(p), p.id, after, limit, ids=ids)


async def _attachments(
    r: SyncCarriedRepository, p: Principal, after: UUID | None, limit: int, holder: UUID | None
) -> list[Held]:
    """Attachments of the records she carries, of the kinds whose read policy permits her."""
    records = _attachment_records(p)
    return await r.attachments(p.organization_id, records, after, limit, record_id=holder)


def _attachment_records(p: Principal) -> list[tuple[str, Any]]:
    """The kinds of record whose attachments she may read, each with a SELECT of the ids of
    those records in her scope."""
    scope = case_scope(p)
    ids_of = {
        AttachmentRecordKind.survivor: lambda: survivor_ids_visible(scope),
        AttachmentRecordKind.case: lambda: case_ids_in_scope(scope),
        AttachmentRecordKind.consent: lambda: consent_ids_visible(scope),
        AttachmentRecordKind.shg_meeting: lambda: shg_meeting_ids_visible(
            shg_policies.group_scope(p)
        ),
    }
    return [
        (kind.value, ids_of[kind]())
        for kind, rules in RECORD_KINDS.items()
        if rules.read.permits(p)
    ]


CARRIED: dict[str, CarriedKind] = {
    kind.name: kind
    for kind in (
        CarriedKind("referral", referral_policies.READ, _referrals),
        CarriedKind("entitlement_application", entitlement_policies.READ, _applications),
        CarriedKind("shg", shg_policies.READ, _shgs),
        CarriedKind("shg_member", shg_policies.READ, _shg_records("shg_member")),
        CarriedKind("shg_meeting", shg_policies.READ, _shg_records("shg_meeting")),
        CarriedKind("shg_balances", shg_policies.READ, _shgs),
        CarriedKind("leader_group", leadership_policies.READ_GROUPS, _leader_groups),
        CarriedKind("leader_group_meeting", leadership_policies.READ_GROUPS, _leader_meetings),
        CarriedKind("campaign", leadership_policies.READ_CAMPAIGNS, _campaigns),
        CarriedKind("demand", demand_policies.READ, _demands),
        CarriedKind("attachment", attachment_policies.READ, _attachments),
        # Last: a first pull's cursor names its step by position in this order, so a kind
        # added later goes at the end (a cursor made before keeps its meaning).
        CarriedKind("leader_group_member", leadership_policies.READ_GROUPS, _leader_members),
    )
}
# What a group's own records are: sent with it when it comes into her scope, removed with it.
SHG_BUNDLE = ("shg", "shg_member", "shg_meeting", "shg_balances")
LEADER_GROUP_BUNDLE = ("leader_group", "leader_group_member", "leader_group_meeting", "campaign")
