"""Reading and verifying the audit trail, and signed checkpoints of its chains."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.audit import checkpoints, policies
from domain.audit.schemas import (
    AuditCheckpoint,
    AuditEventPage,
    AuditEventRead,
    AuditVerification,
    ChainHead,
    ChainProblem,
    ChainProblemKind,
    ChainStatus,
)
from domain.audit.trail import authorize, record
from domain.audit.trail import event as audit_event
from domain.common.errors import BadRequest, BusinessRuleViolation
from domain.common.pagination import PageRequest, decode_cursor, encode_cursor
from domain.common.principal import Principal, system_principal
from domain.common.staff import StaffNames, staff_names
from persistence.audit_chain import GENESIS_HASH, AuditKeys, AuditRecord, chain_hash, digest
from persistence.database import Database
from persistence.models.audit_event import AuditEvent
from persistence.models.audit_tally import AuditTally
from persistence.models.base import utcnow
from persistence.models.enums import AuditAction
from persistence.repositories.audit_events import AuditEventRepository
from persistence.uow import UnitOfWork

MAX_PROBLEMS = 100
REORDER_WINDOW = 64


def _is_seq(value: object) -> bool:
    """A position a cursor may hold: a bigint, not a bool (JSON true is an int in Python)."""
    return type(value) is int and 0 <= value < 2**63


def _read(event: AuditEvent, tally: AuditTally | None, names: StaffNames) -> AuditEventRead:
    return AuditEventRead(
        seq=event.seq,
        id=event.id,
        occurred_at=event.occurred_at,
        actor_type=event.actor_type,
        actor_id=event.actor_id,
        actor_name=names.name(event.actor_id),
        organization_id=event.organization_id,
        organization_name=names.organization(event.organization_id),
        action=event.action,
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        request_id=event.request_id,
        caller_request_id=event.caller_request_id,
        outcome=event.outcome,
        device_id=event.device_id,
        chain=event.chain,
        chain_seq=event.chain_seq,
        hash=event.hash.hex(),
        kid=event.kid,
        repeat_count=tally.repeat_count if tally else 1,
        last_repeated_at=tally.last_occurred_at if tally and tally.repeat_count > 1 else None,
    )


def _as_record(event: AuditEvent) -> AuditRecord:
    return AuditRecord(
        id=event.id,
        occurred_at=event.occurred_at,
        actor_type=event.actor_type,
        actor_id=event.actor_id,
        organization_id=event.organization_id,
        action=event.action,
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        request_id=event.request_id,
        outcome=event.outcome,
        caller_request_id=event.caller_request_id,
        device_id=event.device_id,
    )


class _Links:
    """The chain step of each event: HMAC under its kid, or plain SHA-256 for the events of
    before audit keys (no kid). Digests are computed once per event."""

    def __init__(self, keys: AuditKeys) -> None:
        self.keys = keys
        self._digests: dict[int, bytes] = {}

    def event_digest(self, event: AuditEvent) -> bytes:
        key = event.seq if event.seq is not None else id(event)
        found = self._digests.get(key)
        if found is None:
            found = digest(_as_record(event), event.kid)
            if len(self._digests) > 4 * REORDER_WINDOW:
                self._digests.clear()
            self._digests[key] = found
        return found

    def known(self, event: AuditEvent) -> bool:
        return event.kid is None or event.kid in self.keys.kids

    def step(self, event: AuditEvent, previous: bytes) -> bytes | None:
        """The hash ``event`` has when it follows ``previous`` (None: its key is unknown)."""
        if event.kid is None:
            return chain_hash(previous, self.event_digest(event))
        return self.keys.step(event.kid, previous, self.event_digest(event))


class AuditService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.events = AuditEventRepository(uow)

    async def list(
        self,
        principal: Principal,
        page: PageRequest,
        *,
        actor_id: UUID | None = None,
        organization_id: UUID | None = None,
        action: AuditAction | None = None,
        entity_type: str | None = None,
        entity_id: UUID | None = None,
        occurred_from: datetime | None = None,
        occurred_to: datetime | None = None,
    ) -> AuditEventPage:
        """Audit events, newest first, within the caller's organisations (the search itself is
        audited)."""
        authorize(self.uow, principal, policies.READ, "audit_event")
        visible = policies.organizations_visible(principal)
        if organization_id is not None:
            visible = (
                frozenset({organization_id}) if visible is None else visible & {organization_id}
            )
        if occurred_from and occurred_to and occurred_from >= occurred_to:
            raise BadRequest("occurred_from must be before occurred_to.")
        after = decode_cursor(page.cursor, "seq", 1) if page.cursor else None
        if after is not None and not _is_seq(after[0]):
            raise BadRequest("The cursor is not valid for this list; start again without it.")
        filters: dict[str, Any] = {
            "organization_ids": visible,
            "actor_id": actor_id,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "occurred_from": occurred_from,
            "occurred_to": occurred_to,
        }
        rows = await self.events.list(
            **filters, after_seq=after[0] if after else None, limit=page.limit
        )
        total = await self.events.count(**filters) if page.include_total else None
        next_cursor = None
        if len(rows) > page.limit:
            rows = rows[: page.limit]
            next_cursor = encode_cursor("seq", (rows[-1].seq,))
        tallies = await self.events.tallies([e.id for e in rows])
        names = await staff_names(
            self.uow, (e.actor_id for e in rows), (e.organization_id for e in rows)
        )
        record(self.uow, principal, AuditAction.search, "audit_event")
        return AuditEventPage(
            items=[_read(e, tallies.get(e.id), names) for e in rows],
            next_cursor=next_cursor,
            total=total,
        )

    async def checkpoint(self, principal: Principal) -> AuditCheckpoint:
        """The current head of every chain (position and hash), signed under the active audit
        key, to keep outside the database (taking one is audited)."""
        authorize(self.uow, principal, policies.CHECKPOINT, "audit_checkpoint")
        heads = {head.id: (head.last_seq, head.last_hash) for head in await self.events.heads()}
        taken_at = utcnow()
        keys = self.uow.audit_keys
        record(self.uow, principal, AuditAction.export, "audit_checkpoint")
        return AuditCheckpoint(
            checkpoint=checkpoints.encode(keys, taken_at, heads),
            kid=keys.active_kid,
            taken_at=taken_at,
            heads=[
                ChainHead(chain=chain, seq=seq, hash=last_hash.hex())
                for chain, (seq, last_hash) in sorted(heads.items())
            ],
        )

    async def verify(
        self, principal: Principal, checkpoint: str | None = None
    ) -> AuditVerification:
        """Recompute every chain from its first event under the audit keys; report modified,
        missing (deleted) or reordered events, events under a key not configured, chains of
        unkeyed events that no keyed event pins, and heads that disagree with their chain's
        last event. With ``checkpoint`` (from :meth:`checkpoint`), also that every chain still
        reaches the checkpoint's position with the same hash there. Raises
        BusinessRuleViolation when the checkpoint is not one this service signed."""
        authorize(self.uow, principal, policies.VERIFY, "audit_event")
        links = _Links(self.uow.audit_keys)
        taken: checkpoints.Checkpoint | None = None
        if checkpoint is not None:
            try:
                taken = checkpoints.decode(links.keys, checkpoint)
            except checkpoints.CheckpointRefused as exc:
                raise BusinessRuleViolation(str(exc), field="checkpoint") from exc
        problems: list[ChainProblem] = []
        chains: list[ChainStatus] = []
        checked = 0
        for head in await self.events.heads():
            expected = taken.heads.get(head.id) if taken is not None else None
            status = await self._verify_chain(
                links, head.id, head.last_seq, head.last_hash, expected, problems
            )
            chains.append(status)
            checked += status.events
        if taken is not None:
            # A chain the checkpoint knows and the database no longer has at all.
            for chain in sorted(set(taken.heads) - {status.chain for status in chains}):
                if taken.heads[chain][0] > 0 and len(problems) < MAX_PROBLEMS:
                    problems.append(
                        ChainProblem(
                            chain=chain,
                            position=taken.heads[chain][0],
                            kind=ChainProblemKind.behind_checkpoint,
                        )
                    )
        record(self.uow, principal, AuditAction.verify, "audit_event")
        return AuditVerification(
            ok=not problems,
            events_checked=checked,
            chains=chains,
            problems=problems[:MAX_PROBLEMS],
            checkpoint_taken_at=taken.taken_at if taken is not None else None,
        )

    async def seal_unkeyed_chains(self, principal: Principal) -> builtins.list[int]:
        """Append one keyed event to every chain that ends with events of before audit keys,
        so that the key pins them (verification refuses an unkeyed tail: anyone could have
        rewritten it). Run once at start; returns the chains sealed."""
        authorize(self.uow, principal, policies.VERIFY, "audit_event")
        chains = await self.events.chains_ending_unkeyed()
        for chain in chains:
            await self.events.append(
                [audit_event(principal, AuditAction.secret_rotate, "audit_key")], chain
            )
        return chains

    async def _verify_chain(
        self,
        links: _Links,
        chain: int,
        head_position: int,
        head_hash: bytes,
        checkpoint: tuple[int, bytes] | None,
        problems: builtins.list[ChainProblem],
    ) -> ChainStatus:
        def problem(position: int, kind: ChainProblemKind) -> None:
            if len(problems) < MAX_PROBLEMS:
                problems.append(ChainProblem(chain=chain, position=position, kind=kind))

        previous_hash, expected, checked, last = GENESIS_HASH, 1, 0, 0
        # The recomputed hash of an event found modified: if only its stored hash was edited,
        # the next event still chains from this one.
        recomputed: bytes | None = None
        # Unkeyed events (of before audit keys) may only open a chain, and a keyed event must
        # follow them: its HMAC pins their last hash. Without that rule anyone could rewrite
        # a chain as unkeyed events with plain hashes.
        keyed_seen, legacy, last_legacy = False, 0, 0
        at_checkpoint: bytes | None = None
        async for event in self.events.stream_chain(chain):
            checked += 1
            after_gap = event.chain_seq != expected
            if after_gap:
                for missing in range(expected, event.chain_seq):
                    problem(missing, ChainProblemKind.missing)
            if checkpoint is not None and event.chain_seq == checkpoint[0]:
                at_checkpoint = event.hash
            candidates = (previous_hash,) if recomputed is None else (previous_hash, recomputed)
            recomputed = None
            belongs: bytes | None = None
            if not links.known(event):
                problem(event.chain_seq, ChainProblemKind.unknown_key)
            elif event.kid is None and keyed_seen:
                problem(event.chain_seq, ChainProblemKind.modified)
            elif all(links.step(event, c) != event.hash for c in candidates):
                kind, belongs = await self._moved_or_modified(links, event, previous_hash)
                if kind is ChainProblemKind.modified:
                    recomputed = links.step(event, previous_hash)
                # After a deletion the next event's link cannot be checked: the gap is the
                # problem, not the intact event after it.
                if not (after_gap and kind is ChainProblemKind.modified):
                    problem(event.chain_seq, kind)
            if event.kid is None:
                if not keyed_seen:
                    legacy, last_legacy = legacy + 1, event.chain_seq
            else:
                keyed_seen = True
            # Continue from the hash of the event that belongs at this position (so that a
            # moved event does not make its neighbours look moved), else from the stored hash
            # (so that one edit is reported once, not forever).
            previous_hash = belongs if belongs is not None else event.hash
            expected = event.chain_seq + 1
            last = event.chain_seq
        if legacy and not keyed_seen:
            problem(last_legacy, ChainProblemKind.unsealed)
        if head_position != last or (last and head_hash != previous_hash):
            problem(head_position, ChainProblemKind.head_mismatch)
        if checkpoint is not None and checkpoint[0] > 0:
            position, recorded = checkpoint
            if head_position < position or last < position:
                problem(position, ChainProblemKind.behind_checkpoint)
            elif at_checkpoint != recorded:
                problem(position, ChainProblemKind.checkpoint_mismatch)
        return ChainStatus(
            chain=chain,
            events=checked,
            last_position=last,
            head_position=head_position,
            legacy_events=legacy,
        )

    async def _moved_or_modified(
        self, links: _Links, event: AuditEvent, previous_hash: bytes
    ) -> tuple[ChainProblemKind, bytes | None]:
        """An event whose stored hash chains from a nearby event of its chain (or the genesis)
        other than the one before its position is intact but out of place (reordered);
        otherwise it was modified. Also returns the hash of the nearby event that chains from
        ``previous_hash``, i.e. the one that belongs at this position, if there is one."""
        neighbours = [
            n
            for n in await self.events.between(
                event.chain, event.chain_seq - REORDER_WINDOW, event.chain_seq + REORDER_WINDOW
            )
            if n.chain_seq != event.chain_seq
        ]
        belongs = next(
            (n.hash for n in neighbours if links.step(n, previous_hash) == n.hash),
            None,
        )
        intact = links.step(event, GENESIS_HASH) == event.hash or any(
            links.step(event, n.hash) == event.hash for n in neighbours
        )
        return (ChainProblemKind.reordered if intact else ChainProblemKind.modified), belongs


async def seal_unkeyed_chains(database: Database) -> builtins.list[int]:
    """At start: pin, under the active audit key, every chain that still ends with events of
    before audit keys (:meth:`AuditService.seal_unkeyed_chains`). One query when none does."""
    async with UnitOfWork(database) as uow:
        return await AuditService(uow).seal_unkeyed_chains(system_principal())
