"""Reading and verifying the audit trail."""

from __future__ import annotations

import builtins
from datetime import datetime
from uuid import UUID

from domain.audit import policies
from domain.audit.schemas import (
    AuditEventPage,
    AuditEventRead,
    AuditVerification,
    ChainProblem,
    ChainProblemKind,
    ChainStatus,
)
from domain.audit.trail import authorize, record
from domain.common.errors import BadRequest
from domain.common.pagination import PageRequest, decode_cursor, encode_cursor
from domain.common.principal import Principal
from persistence.audit_chain import GENESIS_HASH, AuditRecord, chain_hash, digest
from persistence.models.audit_event import AuditEvent
from persistence.models.audit_tally import AuditTally
from persistence.models.enums import AuditAction
from persistence.repositories.audit_events import AuditEventRepository
from persistence.uow import UnitOfWork

MAX_PROBLEMS = 100
REORDER_WINDOW = 64


def _is_seq(value: object) -> bool:
    """A position a cursor may hold: a bigint, not a bool (JSON true is an int in Python)."""
    return type(value) is int and 0 <= value < 2**63


def _read(event: AuditEvent, tally: AuditTally | None = None) -> AuditEventRead:
    return AuditEventRead(
        seq=event.seq,
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
        chain=event.chain,
        chain_seq=event.chain_seq,
        hash=event.hash.hex(),
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
    )


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
        rows = await self.events.list(
            organization_ids=visible,
            actor_id=actor_id,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            occurred_from=occurred_from,
            occurred_to=occurred_to,
            after_seq=after[0] if after else None,
            limit=page.limit,
        )
        next_cursor = None
        if len(rows) > page.limit:
            rows = rows[: page.limit]
            next_cursor = encode_cursor("seq", (rows[-1].seq,))
        tallies = await self.events.tallies([e.id for e in rows])
        record(self.uow, principal, AuditAction.search, "audit_event")
        return AuditEventPage(
            items=[_read(e, tallies.get(e.id)) for e in rows], next_cursor=next_cursor
        )

    async def verify(self, principal: Principal) -> AuditVerification:
        """Recompute every chain from its first event; report modified, missing (deleted) or
        reordered events and heads that disagree with their chain's last event."""
        authorize(self.uow, principal, policies.VERIFY, "audit_event")
        problems: list[ChainProblem] = []
        chains: list[ChainStatus] = []
        checked = 0
        for head in await self.events.heads():
            status = await self._verify_chain(head.id, head.last_seq, head.last_hash, problems)
            chains.append(status)
            checked += status.events
        record(self.uow, principal, AuditAction.verify, "audit_event")
        return AuditVerification(
            ok=not problems, events_checked=checked, chains=chains, problems=problems[:MAX_PROBLEMS]
        )

    async def _verify_chain(
        self,
        chain: int,
        head_position: int,
        head_hash: bytes,
        problems: builtins.list[ChainProblem],
    ) -> ChainStatus:
        def problem(position: int, kind: ChainProblemKind) -> None:
            if len(problems) < MAX_PROBLEMS:
                problems.append(ChainProblem(chain=chain, position=position, kind=kind))

        previous_hash, expected, checked, last = GENESIS_HASH, 1, 0, 0
        # The recomputed hash of an event found modified: if only its stored hash was edited,
        # the next event still chains from this one.
        recomputed: bytes | None = None
        async for event in self.events.stream_chain(chain):
            checked += 1
            after_gap = event.chain_seq != expected
            if after_gap:
                for missing in range(expected, event.chain_seq):
                    problem(missing, ChainProblemKind.missing)
            event_digest = digest(_as_record(event))
            candidates = (previous_hash,) if recomputed is None else (previous_hash, recomputed)
            recomputed = None
            belongs: bytes | None = None
            if all(chain_hash(c, event_digest) != event.hash for c in candidates):
                kind, belongs = await self._moved_or_modified(event, event_digest, previous_hash)
                if kind is ChainProblemKind.modified:
                    recomputed = chain_hash(previous_hash, event_digest)
                # After a deletion the next event's link cannot be checked: the gap is the
                # problem, not the intact event after it.
                if not (after_gap and kind is ChainProblemKind.modified):
                    problem(event.chain_seq, kind)
            # Continue from the hash of the event that belongs at this position (so that a
            # moved event does not make its neighbours look moved), else from the stored hash
            # (so that one edit is reported once, not forever).
            previous_hash = belongs if belongs is not None else event.hash
            expected = event.chain_seq + 1
            last = event.chain_seq
        if head_position != last or (last and head_hash != previous_hash):
            problem(head_position, ChainProblemKind.head_mismatch)
        return ChainStatus(
            chain=chain, events=checked, last_position=last, head_position=head_position
        )

    async def _moved_or_modified(
        self, event: AuditEvent, event_digest: bytes, previous_hash: bytes
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
            (
                n.hash
                for n in neighbours
                if chain_hash(previous_hash, digest(_as_record(n))) == n.hash
            ),
            None,
        )
        intact = chain_hash(GENESIS_HASH, event_digest) == event.hash or any(
            chain_hash(n.hash, event_digest) == event.hash for n in neighbours
        )
        return (ChainProblemKind.reordered if intact else ChainProblemKind.modified), belongs
