"""Pull: every change in her scope since a cursor, in commit order, with tombstones.

A first pull (no cursor) sends what her scope holds now, kind by kind, then hands over to the
change log at the horizon it noted when it began (the oldest transaction then running). The
change log is written by triggers in the writing transactions (migration 0028); a pull reads
only changes of transactions older than every transaction still running, in (txid, seq)
order. So a transaction that began before a pull and commits after it is read by a later pull:
its changes lie above the cursor, whatever their insert order or timestamps.

Each record is read through its area's service as she would read it online (scope, restricted
notes, sealed fields opened; each read audited). A record that left her scope, under the keys
it had before the change, comes as a tombstone; a case that came into her scope comes with
its survivor and all its records.

Beyond a caseload (domain/sync/carried.py): referrals of her cases, entitlement applications
of her survivors, SHGs with their members, meetings and books, leader groups with their
meetings and campaigns, the demands she raised or owns, attachments' metadata; and the
editable reference data (domain/sync/vocabularies.py): places and the scheme catalogue. A
kind is carried only to those its area's read policy permits. A change whose record she may
no longer read comes as a tombstone when the change moved it (district, holder, membership,
deletion) and she may have held it (a place or scheme deleted: always); an SHG or leader
group that came into her scope comes with its records, and one that left it goes with them
(the device removes what hangs off it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize
from domain.cases import policies as case_policies
from domain.cases.policies import case_scope
from domain.common.errors import NotFound
from domain.common.principal import Principal
from domain.sync import policies
from domain.sync.carried import CARRIED, LEADER_GROUP_BUNDLE, SHG_BUNDLE
from domain.sync.cursor import Position
from domain.sync.entities import CASE_RECORD_NAMES, ENTITIES, Anchor, document
from domain.sync.schemas import PullPage, SyncChange
from domain.sync.versions import keep_given
from domain.sync.vocabularies import VOCABULARIES
from persistence.models.enums import Role
from persistence.repositories.sync import Held, LoggedChange, SyncRepository
from persistence.repositories.sync_carried import SyncCarriedRepository
from persistence.scope import CaseScope
from persistence.uow import UnitOfWork

# Reference data first (an assessment needs its instrument), then a record after what it
# hangs off. A first pull's cursor names its step by position in this order: a kind added
# later goes at the end (a cursor made before keeps its meaning), as the places and schemes
# did (after the leader group members, last of the carried kinds).
CASELOAD_ORDER = ("assessment_instrument", "survivor", "case", "consent", *CASE_RECORD_NAMES)
FIRST_PULL_ORDER = (*CASELOAD_ORDER, *CARRIED, *VOCABULARIES)
# A case that comes into her scope is sent whole; its records come in pages this big.
_BUNDLE_PAGE = 500

Key = tuple[str, UUID]


class _Batch:
    """The changes of one answer, each record once (its last state), in the order found."""

    def __init__(self) -> None:
        self.changes: dict[Key, SyncChange] = {}

    def put(self, change: SyncChange) -> None:
        key = (change.entity.value, change.id)
        self.changes.pop(key, None)
        self.changes[key] = change

    def __len__(self) -> int:
        return len(self.changes)


class SyncPullService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.sync = SyncRepository(uow)
        self.carried = SyncCarriedRepository(uow)

    async def pull(self, principal: Principal, cursor: str | None, limit: int) -> PullPage:
        """Up to about ``limit`` changes after ``cursor`` (a case that came into her scope
        comes whole, which may pass the limit). Raises PermissionDenied, BadRequest (a cursor
        that is not one)."""
        authorize(self.uow, principal, policies.PULL, "sync")
        scope = case_scope(principal)
        if cursor:
            position = Position.decode(cursor)
        else:
            position = Position("i", await self.sync.horizon(), 0)
        batch = _Batch()
        has_more = False
        if position.phase == "i":
            position, has_more = await self._first_pull(principal, scope, position, limit, batch)
        if not has_more:
            position, has_more = await self._log(
                principal, scope, position, max(limit - len(batch), 1), batch
            )
        changes = list(batch.changes.values())
        await keep_given(self.uow, changes)
        return PullPage(changes=changes, cursor=position.encode(), has_more=has_more)

    # -- a first pull ---------------------------------------------------------------------
    async def _first_pull(
        self,
        principal: Principal,
        scope: CaseScope,
        position: Position,
        limit: int,
        batch: _Batch,
    ) -> tuple[Position, bool]:
        step, last_id = position.step, position.last_id
        while step < len(FIRST_PULL_ORDER):
            room = limit - len(batch)
            if room <= 0:
                return Position("i", position.txid, step, last_id), True
            entity = FIRST_PULL_ORDER[step]
            held = await self._in_scope(principal, entity, scope, last_id, room + 1)
            more = len(held) > room
            await self._upsert_many(principal, entity, held[:room], batch)
            if held[:room]:
                last_id = held[:room][-1].id
            if more:
                return Position("i", position.txid, step, last_id), True
            step, last_id = step + 1, None
        # Everything she holds was sent: the change log takes over where the first pull began.
        return Position("l", position.txid, 0), False

    async def _in_scope(
        self,
        principal: Principal,
        entity: str,
        scope: CaseScope,
        after: UUID | None,
        limit: int,
        *,
        case_id: UUID | None = None,
        survivor_id: UUID | None = None,
    ) -> list[Held]:
        if not _carries(principal, entity):
            return []
        carried = CARRIED.get(entity)
        if carried is not None:
            return await carried.in_scope(self.carried, principal, after, limit, None)
        if entity == "assessment_instrument":
            return await self.sync.instruments_in_scope(scope.organization_id, after, limit)
        if entity in VOCABULARIES:
            return await self.sync.vocabulary_in_scope(entity, after, limit)
        if entity == "survivor":
            return await self.sync.survivors_in_scope(scope, after, limit)
        if entity == "case":
            return await self.sync.cases_in_scope(scope, after, limit)
        if entity == "consent":
            return await self.sync.consents_in_scope(scope, after, limit, survivor_id=survivor_id)
        return await self.sync.case_records_in_scope(entity, scope, after, limit, case_id=case_id)

    # -- the change log -------------------------------------------------------------------
    async def _log(
        self,
        principal: Principal,
        scope: CaseScope,
        position: Position,
        limit: int,
        batch: _Batch,
    ) -> tuple[Position, bool]:
        logged = await self.sync.changes_after(
            scope,
            (position.txid, position.step),
            limit + 1,
            organization_id=principal.organization_id,
        )
        has_more = len(logged) > limit
        logged = logged[:limit]
        for change in logged:
            await self._apply(principal, scope, change, batch)
        if logged:
            position = Position("l", logged[-1].txid, logged[-1].seq)
        return position, has_more

    async def _apply(
        self, principal: Principal, scope: CaseScope, change: LoggedChange, batch: _Batch
    ) -> None:
        entity = change.entity
        if entity == "user_district":
            if change.entity_id == principal.id and change.prior_district_id is not None:
                await self._districts_changed(principal, scope, change.prior_district_id, batch)
        elif entity == "leader_membership":
            if change.entity_id == principal.id and change.holder_id is not None:
                await self._group_changed(principal, "leader_group", change.holder_id, batch)
        elif not _carries(principal, entity):
            return
        elif entity in CARRIED:
            await self._apply_carried(principal, change, batch)
        elif entity == "assessment_instrument" or entity in VOCABULARIES:
            await self._apply_reference(principal, change, batch)
        elif entity == "case":
            held = Held(change.entity_id, case_id=change.entity_id, survivor_id=change.survivor_id)
            if change.case_visible_now:
                if change.scope_changed:
                    await self._whole_case(principal, scope, held, batch)
                else:
                    await self._upsert(principal, "case", held, batch)
            elif change.was_visible:
                self._tombstone("case", change.entity_id, batch)
                if change.survivor_id is not None and not change.survivor_visible_now:
                    self._tombstone("survivor", change.survivor_id, batch)
        elif entity == "survivor":
            held = Held(change.entity_id, survivor_id=change.entity_id)
            if change.survivor_visible_now:
                await self._upsert(principal, "survivor", held, batch)
            elif change.was_visible:
                self._tombstone("survivor", change.entity_id, batch)
        elif entity == "consent":
            if change.survivor_visible_now:
                held = Held(change.entity_id, survivor_id=change.survivor_id)
                if not await self._upsert(principal, "consent", held, batch):
                    self._tombstone("consent", change.entity_id, batch)
        elif entity in CASE_RECORD_NAMES and change.case_visible_now:
            held = Held(change.entity_id, case_id=change.case_id)
            shown = await self._upsert(principal, entity, held, batch)
            # A note she may not read (restricted) is never hers to delete: notes are not
            # removed, and a tombstone would tell her one exists.
            if not shown and entity != "case_note":
                self._tombstone(entity, change.entity_id, batch)

    async def _apply_reference(
        self, principal: Principal, change: LoggedChange, batch: _Batch
    ) -> None:
        """An instrument, place or scheme changed: sent as it reads now. A place or scheme
        she can no longer read was deleted: everyone's reference data, so it comes as a
        tombstone to everyone (a tombstone of one tells nothing of anyone)."""
        entity = change.entity
        shown = await self._upsert(principal, entity, Held(change.entity_id), batch)
        if not shown and entity in VOCABULARIES:
            self._tombstone(entity, change.entity_id, batch)

    async def _apply_carried(
        self, principal: Principal, change: LoggedChange, batch: _Batch
    ) -> None:
        entity = change.entity
        held = Held(
            change.entity_id,
            case_id=change.case_id,
            survivor_id=change.survivor_id,
            holder_id=change.holder_id,
        )
        if entity == "referral":
            # Of a case she holds (a case that left her scope takes its referrals with it).
            if change.case_visible_now and not await self._upsert(principal, entity, held, batch):
                self._tombstone(entity, change.entity_id, batch)
        elif entity == "entitlement_application":
            if change.survivor_visible_now and not await self._upsert(
                principal, entity, held, batch
            ):
                self._tombstone(entity, change.entity_id, batch)
        elif entity in ("shg", "leader_group") and change.scope_changed:
            await self._group_changed(
                principal,
                entity,
                change.entity_id,
                batch,
                tombstone=_may_have_held(principal, change),
            )
        elif entity == "shg_balances" and (entity, change.entity_id) in batch.changes:
            return  # read once a batch: every read is of the books as they stand now
        elif entity == "leader_group_member":
            # Of a group she carries: a member she may no longer read (deleted) goes; one of
            # a group she does not carry is none of hers (the group's tombstone took it).
            group = change.holder_id
            if (
                not await self._upsert(principal, entity, held, batch)
                and group is not None
                and await CARRIED["leader_group"].in_scope(self.carried, principal, None, 1, group)
            ):
                self._tombstone(entity, change.entity_id, batch)
        elif entity == "demand":
            # Hers while she raised or owns it (not a matter of districts): asked first, so
            # that a demand she does not carry is not read on her behalf.
            if await CARRIED[entity].in_scope(self.carried, principal, None, 1, change.entity_id):
                await self._upsert(principal, entity, held, batch)
            elif change.scope_changed:
                self._tombstone(entity, change.entity_id, batch)
        elif not await self._upsert(principal, entity, held, batch):
            if change.scope_changed and _may_have_held(principal, change):
                self._tombstone(entity, change.entity_id, batch)

    async def _group_changed(
        self,
        principal: Principal,
        entity: str,
        group_id: UUID,
        batch: _Batch,
        *,
        tombstone: bool = True,
    ) -> None:
        """An SHG or leader group that may have come into her scope or left it: it comes
        with its records, or goes (its tombstone removes them on the device)."""
        bundle = SHG_BUNDLE if entity == "shg" else LEADER_GROUP_BUNDLE
        if not _carries(principal, entity):
            return
        if await CARRIED[entity].in_scope(self.carried, principal, None, 1, group_id):
            await self._whole_group(principal, bundle, group_id, batch)
        elif tombstone:
            self._tombstone(entity, group_id, batch)
            if entity == "shg":
                self._tombstone("shg_balances", group_id, batch)

    async def _whole_group(
        self, principal: Principal, bundle: Sequence[str], group_id: UUID, batch: _Batch
    ) -> None:
        for kind in bundle:
            if not _carries(principal, kind):
                continue
            if kind in ("shg", "shg_balances", "leader_group"):
                held = [Held(group_id, holder_id=group_id)]
            else:
                held = await self._all(
                    lambda after, kind=kind: CARRIED[kind].in_scope(
                        self.carried, principal, after, _BUNDLE_PAGE, group_id
                    )
                )
            await self._upsert_many(principal, kind, held, batch)

    async def _districts_changed(
        self, principal: Principal, scope: CaseScope, district_id: UUID, batch: _Batch
    ) -> None:
        """A district added to or taken from her: its cases she no longer sees go, those she
        sees now come whole; so do its SHGs and leader groups."""
        # (Only a social worker's groups follow her districts.)
        for entity in ("shg", "leader_group") if principal.role is Role.social_worker else ():
            for group_id in await self.carried.groups_of_district(
                entity, principal.organization_id, district_id
            ):
                await self._group_changed(principal, entity, group_id, batch)
        gone = await self._all(
            lambda after: self.sync.cases_in_scope(
                scope, after, _BUNDLE_PAGE, district_id=district_id, visible=False
            )
        )
        survivors = {held.survivor_id for held in gone if held.survivor_id is not None}
        still = (
            {
                h.id
                for h in await self.sync.survivors_in_scope(
                    scope, None, len(survivors) + 1, ids=list(survivors)
                )
            }
            if survivors
            else set()
        )
        for held in gone:
            self._tombstone("case", held.id, batch)
            if held.survivor_id is not None and held.survivor_id not in still:
                self._tombstone("survivor", held.survivor_id, batch)
        seen = await self._all(
            lambda after: self.sync.cases_in_scope(
                scope, after, _BUNDLE_PAGE, district_id=district_id
            )
        )
        for held in seen:
            await self._whole_case(principal, scope, held, batch)

    async def _whole_case(
        self, principal: Principal, scope: CaseScope, case: Held, batch: _Batch
    ) -> None:
        """A case that came into her scope: the case, its survivor with her consents, and all
        the case's records."""
        if case.survivor_id is not None:
            survivor_id = case.survivor_id
            await self._upsert(
                principal, "survivor", Held(survivor_id, survivor_id=survivor_id), batch
            )
            consents = await self._all(
                lambda after: self.sync.consents_in_scope(
                    scope, after, _BUNDLE_PAGE, survivor_id=survivor_id
                )
            )
            await self._upsert_many(principal, "consent", consents, batch)
            await self._carried_of(
                principal, ("entitlement_application", "attachment"), survivor_id, batch
            )
        await self._upsert(principal, "case", case, batch)
        for entity in CASE_RECORD_NAMES:
            records = await self._all(
                lambda after, entity=entity: self.sync.case_records_in_scope(
                    entity, scope, after, _BUNDLE_PAGE, case_id=case.id
                )
            )
            await self._upsert_many(principal, entity, records, batch)
        await self._carried_of(principal, ("referral", "attachment"), case.id, batch)

    async def _carried_of(
        self, principal: Principal, kinds: Sequence[str], holder_id: UUID, batch: _Batch
    ) -> None:
        """The carried records of these kinds that hang off one case, survivor or group."""
        for kind in kinds:
            if not _carries(principal, kind):
                continue
            held = await self._all(
                lambda after, kind=kind: CARRIED[kind].in_scope(
                    self.carried, principal, after, _BUNDLE_PAGE, holder_id
                )
            )
            await self._upsert_many(principal, kind, held, batch)

    @staticmethod
    async def _all(fetch: Any) -> list[Held]:
        found: list[Held] = []
        after: UUID | None = None
        while True:
            page: Sequence[Held] = await fetch(after)
            found += page
            if len(page) < _BUNDLE_PAGE:
                return found
            after = page[-1].id

    # -- one record -----------------------------------------------------------------------
    async def _upsert(self, principal: Principal, entity: str, held: Held, batch: _Batch) -> bool:
        """Read the record as she may (audited) and add it; False when she may not."""
        synced = ENTITIES[entity]
        try:
            read = await synced.read(
                self.uow,
                principal,
                held.id,
                Anchor(held.case_id, held.survivor_id, held.holder_id),
            )
        except NotFound:
            return False
        data = document(read)
        batch.put(
            SyncChange.model_validate(
                {
                    "entity": entity,
                    "id": held.id,
                    "op": "upsert",
                    "version": data.get("version"),
                    "data": data,
                }
            )
        )
        return True

    async def _upsert_many(
        self, principal: Principal, entity: str, held: Sequence[Held], batch: _Batch
    ) -> None:
        """Read many records of one kind as she may (each audited) and add them: at once when
        the entity reads many in one statement, else one by one."""
        if not held:
            return  # (nothing to read: nor a policy to ask, for a kind she does not carry)
        synced = ENTITIES[entity]
        if synced.read_many is None:
            for record in held:
                await self._upsert(principal, entity, record, batch)
            return
        for read in await synced.read_many(self.uow, principal, [h.id for h in held]):
            data = document(read)
            batch.put(
                SyncChange.model_validate(
                    {
                        "entity": entity,
                        "id": data[synced.id_field],
                        "op": "upsert",
                        "version": data.get("version"),
                        "data": data,
                    }
                )
            )

    @staticmethod
    def _tombstone(entity: str, record_id: UUID, batch: _Batch) -> None:
        batch.put(SyncChange.model_validate({"entity": entity, "id": record_id, "op": "delete"}))


def _carries(principal: Principal, entity: str) -> bool:
    """Whether she carries this kind at all: its area's read policy permits her (a survivor
    leader carries no caseload; asked first, so that a pull never provokes a denial)."""
    carried = CARRIED.get(entity)
    if carried is not None:
        return carried.policy.permits(principal)
    vocabulary = VOCABULARIES.get(entity)
    if vocabulary is not None:
        return vocabulary.policy.permits(principal)
    if entity in CASELOAD_ORDER:
        return case_policies.READ.permits(principal)
    return True


def _may_have_held(principal: Principal, change: LoggedChange) -> bool:
    """Whether she may have held a record before a change moved it: a social worker only the
    records of her districts (and those without one); the others, any of the organisation."""
    if principal.role is not Role.social_worker or change.prior_district_id is None:
        return True
    return change.prior_district_id in principal.district_ids
