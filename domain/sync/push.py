"""Push: a batch of offline mutations, each applied on its own (a savepoint) and answered
applied / conflict / rejected; and the reads done offline, written to the audit trail.

Every mutation goes through the entity's own service (domain/sync/entities.py): the same
policies, scope, consent checks and validation as the REST endpoints. A mutation's id is
claimed (``sync_mutation``) in the same savepoint as its effect, so a retried batch, even one
sent again while the first is still being applied, applies nothing twice and gets the first
answer again.

An update names the version the device edited (``base_version``) and only the fields it
changed. A field is in conflict when the server's value now differs from the value the device
was given at its base (``sync_record_version``) and from the device's own value: that field is
kept as a conflict for her to resolve, the other fields apply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from domain.audit.trail import authorize, event
from domain.common.errors import BadRequest, DomainError, InvalidState
from domain.common.ids import IdUnavailable
from domain.common.principal import Principal
from domain.common.records import require
from domain.common.staff import names_remembered
from domain.survivors.service import PossibleDuplicate
from domain.sync import policies
from domain.sync.entities import ENTITIES, Anchor, Context, SyncedEntity, document
from domain.sync.schemas import (
    FieldConflict,
    Mutation,
    MutationOp,
    MutationResult,
    OfflineRead,
    PushBody,
    PushResult,
    SyncChange,
)
from domain.sync.versions import given, keep_given
from persistence.crypto import Place
from persistence.models.base import utcnow
from persistence.models.enums import AuditAction
from persistence.models.sync_conflict import SyncConflict
from persistence.models.sync_mutation import SyncMutation
from persistence.repositories.sync import CASE_RECORDS, SyncRepository
from persistence.uow import UnitOfWork

# How a refusal is told: an RFC 9457 problem (the API's status table decides the status).
ProblemOf = Callable[[DomainError | ValidationError], dict[str, Any]]

MUTATION_TABLE = "sync_mutation"
CONFLICT_TABLE = "sync_conflict"
# An offline read is kept with the time the device says it happened, within reason.
OLDEST_OFFLINE_READ = timedelta(days=90)
_MISSING = object()
# What the audit trail calls a kind of record when the protocol calls it otherwise.
AUDITED_AS = {"case": "survivor_case"}


class _Claimed(Exception):
    """The mutation's id was claimed by another push that has since committed."""


def mutation_place(mutation_id: UUID) -> Place:
    return Place(MUTATION_TABLE, "result_enc", mutation_id)


def conflict_place(conflict_id: UUID) -> Place:
    return Place(CONFLICT_TABLE, "values_enc", conflict_id)


class SyncPushService:
    def __init__(self, uow: UnitOfWork, problem_of: ProblemOf, context: Context) -> None:
        self.uow = uow
        self.sync = SyncRepository(uow)
        self.problem_of = problem_of
        self.context = context
        self._given: list[SyncChange] = []
        # Answers of applied mutations, written together at the end of the batch (in the
        # same transaction as their claims and effects).
        self._answers: list[tuple[UUID, str, bytes]] = []

    async def push(self, principal: Principal, body: PushBody) -> PushResult:
        """Apply each mutation on its own and record the offline reads. Raises
        PermissionDenied (who may not sync); a mutation's own refusal is its answer."""
        authorize(self.uow, principal, policies.PUSH, "sync")
        self._record_reads(principal, body.reads)
        # The answers already given to any of these ids (a retried batch), in one read.
        known = await self.sync.mutations([m.id for m in body.mutations])
        results = []
        # (The writer's name, which every answer of a note or visit carries, looked up once.)
        with names_remembered():
            for mutation in body.mutations:
                stored = known.get(mutation.id)
                if stored is not None:
                    results.append(self._stored(principal, stored))
                else:
                    results.append(await self._one(principal, mutation))
        await self._write_answers()
        # What the device now holds of the records it changed: its next updates' base.
        await keep_given(self.uow, self._given)
        return PushResult(results=results)

    async def _one(self, principal: Principal, mutation: Mutation) -> MutationResult:
        given = len(self._given)
        try:
            async with self.uow.savepoint():
                # The id is claimed first, in the savepoint of the effect: a concurrent push
                # of the same mutation waits here for the other to end, then finds it taken.
                if not await self.sync.claim_mutation(self._row(principal, mutation)):
                    raise _Claimed
                result = await self._apply(principal, mutation)
            self._answers.append((mutation.id, result.status, self._sealed(mutation, result)))
            return result
        except _Claimed:
            del self._given[given:]
            await self._write_answers()  # (the id may be one this batch applied already)
            stored = (await self.sync.mutations([mutation.id])).get(mutation.id)
            if stored is not None:
                return self._stored(principal, stored)
            return self._refused(mutation, IdUnavailable())  # pragma: no cover - a race lost
        except PossibleDuplicate as duplicate:
            result = MutationResult(
                id=mutation.id,
                status="conflict",
                conflicts=[
                    FieldConflict(
                        field="possible_duplicate",
                        server=[str(survivor_id) for survivor_id in duplicate.visible_ids],
                    )
                ],
            )
        except (DomainError, ValidationError) as error:
            result = self._refused(mutation, error)
        del self._given[given:]
        # A refusal (or a possible duplicate) is answered the same when retried.
        row = self._row(principal, mutation, result)
        if not await self.sync.keep_mutation(row):
            await self._write_answers()
            stored = (await self.sync.mutations([mutation.id])).get(mutation.id)
            if stored is not None:
                return self._stored(principal, stored)
        return result

    async def _write_answers(self) -> None:
        answers, self._answers = self._answers, []
        await self.sync.answer_mutations(answers)

    def _stored(self, principal: Principal, stored: SyncMutation) -> MutationResult:
        """The answer given before to a mutation id; an id another person used is refused."""
        if stored.user_id != principal.id:
            return MutationResult(
                id=stored.id, status="rejected", problem=self.problem_of(IdUnavailable())
            )
        value = self.uow.cipher.open_json(stored.result_enc, mutation_place(stored.id))
        return MutationResult.model_validate(value)

    def _refused(self, mutation: Mutation, error: DomainError | ValidationError) -> MutationResult:
        return MutationResult(id=mutation.id, status="rejected", problem=self.problem_of(error))

    def _sealed(self, mutation: Mutation, result: MutationResult) -> bytes:
        return self.uow.cipher.seal_json(
            result.model_dump(mode="json"), mutation_place(mutation.id)
        )

    def _row(
        self, principal: Principal, mutation: Mutation, result: MutationResult | None = None
    ) -> SyncMutation:
        """The mutation's row: claimed (no answer yet), or with its answer."""
        return SyncMutation(
            id=mutation.id,
            user_id=principal.id,
            entity=mutation.entity.value,
            entity_id=mutation.entity_id,
            status=result.status if result is not None else "claimed",
            result_enc=self._sealed(mutation, result) if result is not None else b"",
        )

    # -- one mutation ---------------------------------------------------------------------
    async def _apply(self, principal: Principal, mutation: Mutation) -> MutationResult:
        synced = ENTITIES[mutation.entity.value]
        if mutation.op is MutationOp.create:
            if synced.create is None:
                raise InvalidState(f"A {synced.name} is not created offline.")
            read = await synced.create(
                self.uow, principal, mutation.entity_id, mutation.changes, self.context
            )
            created = document(read)
            self._given.append(given_change(synced, mutation.entity_id, created))
            return MutationResult(id=mutation.id, status="applied", version=created.get("version"))
        if mutation.op is MutationOp.update and synced.update is not None:
            return await self._update(principal, synced, mutation)
        raise InvalidState(f"A {synced.name} is not {mutation.op.value}d offline.")

    async def _update(
        self, principal: Principal, synced: SyncedEntity, mutation: Mutation
    ) -> MutationResult:
        if mutation.base_version is None:
            raise BadRequest("An update names the version it was made on (base_version).")
        if not mutation.changes:
            raise BadRequest("An update names the fields it changes.")
        if synced.update is None:  # pragma: no cover - checked by the caller
            raise InvalidState(f"A {synced.name} is not updated offline.")
        anchor = await anchor_of(self.uow, synced, mutation.entity_id)
        current = document(await synced.read(self.uow, principal, mutation.entity_id, anchor))
        version = int(current["version"])
        base = None
        if version != mutation.base_version:
            base = await given(self.uow, synced.name, mutation.entity_id, mutation.base_version)
        conflicts: list[FieldConflict] = []
        applying: dict[str, Any] = {}
        companions = {
            field: value for field, value in mutation.changes.items() if field in synced.companions
        }
        if len(companions) == len(mutation.changes):
            raise BadRequest("An update names the fields it changes, not only what goes with them.")
        for field, value in mutation.changes.items():
            if field in synced.companions:
                continue
            server = current.get(field, _MISSING)
            if server == value:
                continue  # the server holds her value already: nothing to apply or resolve
            if version == mutation.base_version:
                applying[field] = value
                continue
            was = base.get(field, _MISSING) if base is not None else _MISSING
            if base is not None and was == server:
                applying[field] = value  # the server did not change this field since her base
                continue
            conflicts.append(
                FieldConflict(
                    field=field,
                    server=None if server is _MISSING else server,
                    base=None if was is _MISSING else was,
                    client=value,
                )
            )
        if companions:
            if applying:
                applying.update(companions)
            # What travels with a field in conflict is kept with her value, to resolve.
            conflicts = [
                conflict.model_copy(
                    update={"client": {conflict.field: conflict.client, **companions}}
                )
                for conflict in conflicts
            ]
        if applying:
            updated = document(
                await synced.update(
                    self.uow, principal, mutation.entity_id, anchor, applying, version
                )
            )
            version = int(updated["version"])
            self._given.append(given_change(synced, mutation.entity_id, updated))
        for conflict in conflicts:
            await self._keep_conflict(principal, mutation, conflict, version)
        return MutationResult(
            id=mutation.id,
            status="conflict" if conflicts else "applied",
            version=version,
            conflicts=conflicts,
        )

    async def _keep_conflict(
        self, principal: Principal, mutation: Mutation, conflict: FieldConflict, version: int
    ) -> None:
        kept = SyncConflict(
            mutation_id=mutation.id,
            user_id=principal.id,
            organization_id=principal.organization_id,
            entity=mutation.entity.value,
            entity_id=mutation.entity_id,
            field=conflict.field,
            base_version=mutation.base_version or 0,
            server_version=version,
            values_enc=b"",
        )
        kept.values_enc = self.uow.cipher.seal_json(
            {"server": conflict.server, "base": conflict.base, "client": conflict.client},
            conflict_place(kept.id),
        )
        await self.sync.add_conflict(kept)

    # -- offline reads --------------------------------------------------------------------
    def _record_reads(self, principal: Principal, reads: list[OfflineRead]) -> None:
        """Each record she opened offline, as a read in the audit trail at the time it was
        read (within the last 90 days, never in the future)."""
        now = utcnow()
        for offline in reads:
            if not now - OLDEST_OFFLINE_READ <= offline.read_at <= now + timedelta(minutes=5):
                raise BadRequest(
                    "An offline read's read_at lies in the last 90 days, not in the future."
                )
            kind = AUDITED_AS.get(offline.entity.value, offline.entity.value)
            read = event(principal, AuditAction.read, kind, offline.id)
            self.uow.record_audit(
                replace(
                    read,
                    occurred_at=offline.read_at,
                    organization_id=principal.organization_id,
                )
            )


async def anchor_of(uow: UnitOfWork, synced: SyncedEntity, entity_id: UUID) -> Anchor:
    """What a record to update hangs off (its case); whether she may see it is the entity's
    service's to decide."""
    if synced.name in CASE_RECORDS:
        case_id = await require(SyncRepository(uow).case_of(synced.name, entity_id), "Record")
        return Anchor(case_id=case_id)
    return Anchor()


def given_change(synced: SyncedEntity, entity_id: UUID, data: dict[str, Any]) -> SyncChange:
    """The record as a mutation left it, which the device now holds."""
    return SyncChange.model_validate(
        {
            "entity": synced.name,
            "id": entity_id,
            "op": "upsert",
            "version": data.get("version"),
            "data": data,
        }
    )


def open_conflict_values(uow: UnitOfWork, conflict: SyncConflict) -> Mapping[str, Any]:
    value = uow.cipher.open_json(conflict.values_enc, conflict_place(conflict.id))
    return value if isinstance(value, dict) else {}
