"""Sync: the change log read in commit order, what is in a caller's scope to carry, pushed
mutations and their answers, conflicts, and the versions a device was given.

Every scope condition here is the one the cases area defines (``case_visible``,
``survivor_visible``): applied to the records as they stand now, or to the keys a change row
kept from before the change (to know who held a record that has since moved)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from persistence import clock
from persistence.models.assessment import Assessment
from persistence.models.assessment_instrument import AssessmentInstrument
from persistence.models.block import Block
from persistence.models.care_plan_goal import CarePlanGoal
from persistence.models.case_note import CaseNote
from persistence.models.case_visit import CaseVisit
from persistence.models.consent import Consent
from persistence.models.district import District
from persistence.models.scheme import Scheme
from persistence.models.state import State
from persistence.models.survivor import Survivor
from persistence.models.survivor_case import SurvivorCase
from persistence.models.sync_change import HORIZON_SQL, SyncChange
from persistence.models.sync_conflict import SyncConflict
from persistence.models.sync_mutation import SyncMutation
from persistence.models.sync_record_version import SyncRecordVersion
from persistence.repositories.assessments import instrument_visible
from persistence.repositories.cases import (
    CASE_COLUMNS,
    case_ids_visible,
    case_scope_sql,
    case_visible,
    survivor_visible,
    with_flags,
)
from persistence.repositories.session import Repository
from persistence.scope import CaseScope

# The records of a case devices carry, by their name in the protocol.
CASE_RECORDS: dict[str, Any] = {
    "case_note": CaseNote,
    "case_visit": CaseVisit,
    "care_plan_goal": CarePlanGoal,
    "assessment": Assessment,
}


# Reference data owned by no organisation: its changes are everyone's (an instrument of no
# organisation; the places and the scheme catalogue, shared by every organisation).
VOCABULARY_TABLES: dict[str, Any] = {
    "state": State,
    "district": District,
    "block": Block,
    "scheme": Scheme,
}
REFERENCE_DATA = ("assessment_instrument", *VOCABULARY_TABLES)


@dataclass(frozen=True, slots=True)
class Held:
    """A record in scope and what it hangs off (its case, its survivor, or ``holder_id``: its
    SHG, its leader group, an attachment's record)."""

    id: UUID
    case_id: UUID | None = None
    survivor_id: UUID | None = None
    holder_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class GivenVersion:
    """What a device was given of a record at one version, sealed (a sync_record_version
    row)."""

    entity: str
    entity_id: UUID
    version: int
    data_enc: bytes
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LoggedChange:
    """One row of the change log, with what the caller's scope says of it."""

    txid: int
    seq: int
    entity: str
    entity_id: UUID
    case_id: UUID | None
    survivor_id: UUID | None
    holder_id: UUID | None
    scope_changed: bool
    prior_district_id: UUID | None
    # Under the keys the record had before the change, the caller saw it (cases, survivors).
    was_visible: bool
    # The case the record hangs off is in the caller's scope now.
    case_visible_now: bool
    # The survivor the record is (or hangs off) is in the caller's scope now.
    survivor_visible_now: bool


class SyncRepository(Repository):
    async def changes_after(
        self,
        scope: CaseScope,
        after: tuple[int, int],
        limit: int,
        *,
        organization_id: UUID | None = None,
    ) -> list[LoggedChange]:
        """Up to ``limit`` changes of the caller's organisation (``organization_id``, by
        default her case scope's: a survivor leader has none) after ``after`` (txid, seq), in
        (txid, seq) order, of transactions older than every transaction still running."""
        organization = organization_id or scope.organization_id
        if organization is None:
            return []
        c = sa.alias(SyncChange.__table__, "c")  # type: ignore[attr-defined]
        before = _Keys(c)
        case_now = sa.exists(
            sa.select(col(SurvivorCase.id)).where(
                col(SurvivorCase.id) == c.c.case_id, case_visible(scope)
            )
        )
        survivor_now = sa.exists(
            sa.select(col(Survivor.id)).where(
                col(Survivor.id) == c.c.survivor_id, survivor_visible(scope)
            )
        )
        was_visible = sa.func.coalesce(
            sa.case(
                (c.c.entity == "case", case_visible(scope, before)),
                (c.c.entity == "survivor", survivor_visible(scope, before)),
                else_=sa.false(),
            ),
            sa.false(),
        )
        stmt = (
            sa.select(
                c.c.txid,
                c.c.seq,
                c.c.entity,
                c.c.entity_id,
                c.c.case_id,
                c.c.survivor_id,
                c.c.holder_id,
                c.c.scope_changed,
                c.c.prior_district_id,
                was_visible.label("was_visible"),
                case_now.label("case_visible_now"),
                survivor_now.label("survivor_visible_now"),
            )
            .where(
                sa.tuple_(c.c.txid, c.c.seq)
                > sa.tuple_(
                    sa.literal(after[0], sa.BigInteger), sa.literal(after[1], sa.BigInteger)
                ),
                c.c.txid < sa.text(HORIZON_SQL),
                sa.or_(
                    c.c.organization_id == organization,
                    c.c.prior_organization_id == organization,
                    # Shared reference data (of no organisation: instruments, places,
                    # schemes) is everyone's.
                    sa.and_(c.c.entity.in_(REFERENCE_DATA), c.c.organization_id.is_(None)),
                ),
            )
            .order_by(c.c.txid, c.c.seq)
            .limit(limit)
        )
        rows = (await self.session.execute(stmt)).all()
        return [LoggedChange(**row._mapping) for row in rows]

    async def horizon(self) -> int:
        """The oldest transaction still running (every older one has ended): where a first
        pull's change log begins."""
        value = await self.session.scalar(sa.select(sa.text(HORIZON_SQL)))
        return int(value)

    # -- what is in scope ----------------------------------------------------------------
    async def instruments_in_scope(
        self, organization_id: UUID | None, after: UUID | None, limit: int
    ) -> list[Held]:
        """The assessment instruments her organisation may use (shared and its own)."""
        stmt = sa.select(col(AssessmentInstrument.id)).where(instrument_visible(organization_id))
        rows = await self._page(stmt, col(AssessmentInstrument.id), after, limit)
        return [Held(id=row[0]) for row in rows]

    async def vocabulary_in_scope(self, entity: str, after: UUID | None, limit: int) -> list[Held]:
        """The places (``state``, ``district``, ``block``) or scheme versions (``scheme``)
        not deleted: shared reference data, everyone's."""
        model = VOCABULARY_TABLES[entity]
        stmt = sa.select(col(model.id)).where(col(model.deleted_at).is_(None))
        rows = await self._page(stmt, col(model.id), after, limit)
        return [Held(id=row[0]) for row in rows]

    async def survivors_in_scope(
        self, scope: CaseScope, after: UUID | None, limit: int, *, ids: Sequence[UUID] = ()
    ) -> list[Held]:
        stmt = sa.select(col(Survivor.id)).where(survivor_visible(scope))
        if ids:
            stmt = stmt.where(col(Survivor.id).in_(ids))
        rows = await self._page(stmt, col(Survivor.id), after, limit)
        return [Held(id=row[0], survivor_id=row[0]) for row in rows]

    async def cases_in_scope(
        self,
        scope: CaseScope,
        after: UUID | None,
        limit: int,
        *,
        district_id: UUID | None = None,
        visible: bool = True,
    ) -> list[Held]:
        """Cases in scope (or, ``visible`` False, the organisation's cases of ``district_id``
        that are not)."""
        # (A case assigned to nobody makes the condition NULL for a social worker: not hers.)
        seen = sa.func.coalesce(case_visible(scope), sa.false())
        condition = seen if visible else sa.not_(seen)
        stmt = sa.select(col(SurvivorCase.id), col(SurvivorCase.survivor_id)).where(condition)
        if district_id is not None:
            stmt = stmt.where(
                col(SurvivorCase.district_id) == district_id,
                col(SurvivorCase.organization_id) == scope.organization_id,
            )
        rows = await self._page(stmt, col(SurvivorCase.id), after, limit)
        return [Held(id=row[0], case_id=row[0], survivor_id=row[1]) for row in rows]

    async def consents_in_scope(
        self, scope: CaseScope, after: UUID | None, limit: int, *, survivor_id: UUID | None = None
    ) -> list[Held]:
        survivors = sa.select(col(Survivor.id)).where(survivor_visible(scope))
        stmt = sa.select(col(Consent.id), col(Consent.survivor_id)).where(
            col(Consent.survivor_id).in_(survivors), col(Consent.deleted_at).is_(None)
        )
        if survivor_id is not None:
            stmt = stmt.where(col(Consent.survivor_id) == survivor_id)
        rows = await self._page(stmt, col(Consent.id), after, limit)
        return [Held(id=row[0], survivor_id=row[1]) for row in rows]

    async def case_records_in_scope(
        self,
        entity: str,
        scope: CaseScope,
        after: UUID | None,
        limit: int,
        *,
        case_id: UUID | None = None,
    ) -> list[Held]:
        model = CASE_RECORDS[entity]
        stmt = sa.select(model.id, model.case_id).where(
            model.case_id.in_(case_ids_visible(scope)), model.deleted_at.is_(None)
        )
        if case_id is not None:
            stmt = stmt.where(model.case_id == case_id)
        rows = await self._page(stmt, model.id, after, limit)
        return [Held(id=row[0], case_id=row[1]) for row in rows]

    # -- many records at once (their reads built by their areas) ----------------------------
    async def survivors_by_ids(self, scope: CaseScope, ids: Sequence[UUID]) -> list[Survivor]:
        """The survivors among ``ids`` that ``scope`` admits."""
        if scope.is_empty or not ids:
            return []
        stmt = sa.select(Survivor).where(col(Survivor.id).in_(ids), survivor_visible(scope))
        return list((await self.session.scalars(stmt)).all())

    async def cases_by_ids(self, scope: CaseScope, ids: Sequence[UUID]) -> list[Any]:
        """The cases among ``ids`` that ``scope`` admits, with their flag facts (as the case
        read has them) and sealed context. One statement."""
        if scope.is_empty or not ids:
            return []
        args: list[Any] = [list(ids)]

        def arg(value: object) -> str:
            args.append(value)
            return f"${len(args)}"

        sql = with_flags(
            f"SELECT {CASE_COLUMNS}, c.context_enc FROM survivor_case c"
            f" WHERE c.id = ANY($1::uuid[]) AND {case_scope_sql(scope, arg)}",
            now=arg(clock.now()),
            today=arg(clock.today()),
        )
        connection = await self.driver()
        return list(await connection.fetch(sql, *args))

    async def case_records_by_ids(
        self, entity: str, scope: CaseScope, ids: Sequence[UUID], *conditions: Any
    ) -> list[Any]:
        """The records of cases among ``ids`` whose case ``scope`` admits (and that meet
        ``conditions``, such as a note's readability)."""
        if scope.is_empty or not ids:
            return []
        model = CASE_RECORDS[entity]
        stmt = sa.select(model).where(
            model.id.in_(ids),
            model.case_id.in_(case_ids_visible(scope)),
            model.deleted_at.is_(None),
            *conditions,
        )
        return list((await self.session.scalars(stmt)).all())

    async def case_of(self, entity: str, record_id: UUID) -> UUID | None:
        """The case a record of a case hangs off (scope is the service's to check)."""
        model = CASE_RECORDS[entity]
        value = await self.session.scalar(sa.select(model.case_id).where(model.id == record_id))
        return value if isinstance(value, UUID) else None

    async def survivor_of_consent(self, consent_id: UUID) -> UUID | None:
        value = await self.session.scalar(
            sa.select(col(Consent.survivor_id)).where(col(Consent.id) == consent_id)
        )
        return value if isinstance(value, UUID) else None

    async def _page(self, stmt: Any, key: Any, after: UUID | None, limit: int) -> Sequence[Any]:
        if after is not None:
            stmt = stmt.where(key > after)
        rows: Sequence[Any] = (await self.session.execute(stmt.order_by(key).limit(limit))).all()
        return rows

    # -- versions a device was given ------------------------------------------------------
    async def keep_versions(self, versions: Sequence[GivenVersion]) -> None:
        if not versions:
            return
        table = SyncRecordVersion.__table__  # type: ignore[attr-defined]
        stmt = insert(table).values(
            [
                {
                    "entity": v.entity,
                    "entity_id": v.entity_id,
                    "version": v.version,
                    "data_enc": v.data_enc,
                    "created_at": v.created_at,
                }
                for v in versions
            ]
        )
        await self.session.execute(stmt.on_conflict_do_nothing())

    async def version(self, entity: str, entity_id: UUID, version: int) -> bytes | None:
        value = await self.session.scalar(
            sa.select(col(SyncRecordVersion.data_enc)).where(
                col(SyncRecordVersion.entity) == entity,
                col(SyncRecordVersion.entity_id) == entity_id,
                col(SyncRecordVersion.version) == version,
            )
        )
        return value if isinstance(value, bytes) else None

    # -- mutations ------------------------------------------------------------------------
    async def mutations(self, ids: Sequence[UUID]) -> dict[UUID, SyncMutation]:
        """The mutations among ``ids`` already answered, by id."""
        if not ids:
            return {}
        stmt = sa.select(SyncMutation).where(col(SyncMutation.id).in_(ids))
        stmt = stmt.execution_options(populate_existing=True)
        return {m.id: m for m in (await self.session.scalars(stmt)).all()}

    async def claim_mutation(self, mutation: SyncMutation) -> bool:
        """Claim a mutation's id before applying it (its answer is written at the end, in the
        same transaction); False when it is taken. A concurrent claim of the same id waits
        for the other transaction to end, so a retried batch is applied once."""
        return await self.keep_mutation(mutation)

    async def answer_mutations(self, answers: Sequence[tuple[UUID, str, bytes]]) -> None:
        """Write the answers of claimed mutations (id, status, sealed answer), all at once."""
        if not answers:
            return
        table = SyncMutation.__table__  # type: ignore[attr-defined]
        await self.session.execute(
            sa.update(table)
            .where(table.c.id == sa.bindparam("mutation_id"))
            .values(status=sa.bindparam("answer_status"), result_enc=sa.bindparam("answer")),
            [
                {"mutation_id": mutation_id, "answer_status": status, "answer": result_enc}
                for mutation_id, status, result_enc in answers
            ],
        )

    async def keep_mutation(self, mutation: SyncMutation) -> bool:
        """Keep a mutation's answer under its id; False when the id is taken (a concurrent
        push of the same id waits for the other transaction to end, then finds it taken)."""
        stmt = (
            insert(SyncMutation)
            .values(
                id=mutation.id,
                user_id=mutation.user_id,
                entity=mutation.entity,
                entity_id=mutation.entity_id,
                status=mutation.status,
                result_enc=mutation.result_enc,
                created_at=mutation.created_at,
            )
            .on_conflict_do_nothing()
            .returning(col(SyncMutation.id))
        )
        return (await self.session.execute(stmt)).first() is not None

    # -- conflicts ------------------------------------------------------------------------
    async def add_conflict(self, conflict: SyncConflict) -> None:
        self.session.add(conflict)
        await self.session.flush()

    async def conflict(self, conflict_id: UUID, user_id: UUID) -> SyncConflict | None:
        stmt = (
            sa.select(SyncConflict)
            .where(col(SyncConflict.id) == conflict_id, col(SyncConflict.user_id) == user_id)
            .with_for_update()
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def open_conflicts(
        self, user_id: UUID, after: tuple[Any, ...] | None, limit: int
    ) -> list[SyncConflict]:
        stmt = sa.select(SyncConflict).where(
            col(SyncConflict.user_id) == user_id, col(SyncConflict.resolved_at).is_(None)
        )
        if after is not None:
            created_at, conflict_id = after
            stmt = stmt.where(
                sa.tuple_(col(SyncConflict.created_at), col(SyncConflict.id))
                > sa.tuple_(sa.literal(created_at), sa.literal(conflict_id))
            )
        stmt = stmt.order_by(col(SyncConflict.created_at), col(SyncConflict.id)).limit(limit)
        return list((await self.session.scalars(stmt)).all())

    async def count_open_conflicts(self, user_id: UUID) -> int:
        """How many of her conflicts are not yet resolved."""
        stmt = (
            sa.select(sa.func.count())
            .select_from(SyncConflict)
            .where(col(SyncConflict.user_id) == user_id, col(SyncConflict.resolved_at).is_(None))
        )
        return int(await self.session.scalar(stmt) or 0)

    async def resolve(self, conflict: SyncConflict, at: datetime, version: int) -> None:
        conflict.resolved_at, conflict.resolved_version = at, version
        self.session.add(conflict)
        await self.session.flush()


class _Keys:
    """A change row's keys from before the change, named as a case's or a survivor's columns,
    so that the one scope condition of each applies to them."""

    def __init__(self, change: Any) -> None:
        self.id = change.c.entity_id
        self.organization_id = change.c.prior_organization_id
        self.district_id = change.c.prior_district_id
        self.assigned_worker_id = change.c.prior_assigned_worker_id
        self.created_by = change.c.prior_created_by
        self.deleted_at = sa.cast(sa.null(), sa.DateTime(timezone=True))
