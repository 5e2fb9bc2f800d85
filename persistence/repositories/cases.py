"""Cases: scope as one SQL condition, case numbers, the case's history (events)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from asyncpg import Record
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlmodel import col

from persistence import clock
from persistence.access import AccessCheck, access_cte
from persistence.audit_chain import AuditRecord, append_args, audited_read_sql
from persistence.models.case_event import CaseEvent
from persistence.models.case_number_counter import CaseNumberCounter
from persistence.models.organization import Organization
from persistence.models.survivor_case import SurvivorCase
from persistence.pagination import Key, KeyMismatch
from persistence.repositories.base import EntityRepository
from persistence.repositories.consents import ConsentStanding, standing_sql
from persistence.repositories.session import Repository
from persistence.scope import CaseScope


def _visible(
    case: Any, organization_id: Any, assigned_user_id: Any, district_ids: Any
) -> sa.ColumnElement[bool]:
    """The case scope, the one definition: a case row (``case``: the table or an alias) is in
    scope when it is of the organisation, not deleted and, for a social worker
    (``assigned_user_id`` given), assigned to her or (``district_ids`` given) in one of her
    districts while her organisation lets workers see their districts' cases. The values are
    plain values or bind parameters (the text form, :func:`case_scope_sql`)."""
    condition = case.organization_id == organization_id
    if assigned_user_id is None:
        return sa.and_(condition, case.deleted_at.is_(None))
    mine = case.assigned_worker_id == assigned_user_id
    if district_ids is not None:
        allowed = (
            sa.select(col(Organization.district_case_visibility))
            .where(col(Organization.id) == case.organization_id)
            .scalar_subquery()
        )
        in_districts = case.district_id == sa.any_(sa.cast(district_ids, ARRAY(sa.Uuid())))
        mine = sa.or_(mine, sa.and_(in_districts, allowed))
    return sa.and_(condition, mine, case.deleted_at.is_(None))


def case_visible(scope: CaseScope, case: Any = SurvivorCase) -> sa.ColumnElement[bool]:
    """The condition a case row (``case``: the table or an alias) must meet to be in scope."""
    if scope.organization_id is None:
        return sa.false()
    districts = None
    if scope.district_ids:
        districts = sa.literal(sorted(scope.district_ids), ARRAY(sa.Uuid()))
    return _visible(case, scope.organization_id, scope.assigned_user_id, districts)


# The text form's bind parameters, by name, and where each value comes from in the scope.
_SCOPE_VALUES: dict[str, Callable[[CaseScope], object]] = {
    "scope_organization_id": lambda scope: scope.organization_id,
    "scope_assigned_user_id": lambda scope: scope.assigned_user_id,
    "scope_district_ids": lambda scope: sorted(scope.district_ids),
}
_BIND = re.compile(r"%\((\w+)\)s")


@cache
def scope_sql_template(assigned: bool, by_district: bool) -> tuple[str, ...]:
    """:func:`_visible` for one scope shape compiled to SQL on alias ``c``: the text between
    its bind parameters, and their names in between (odd places). Compiled once per shape."""
    case = SurvivorCase.__table__.alias("c")  # type: ignore[attr-defined]
    condition = _visible(
        case.c,
        sa.bindparam("scope_organization_id"),
        sa.bindparam("scope_assigned_user_id") if assigned else None,
        sa.bindparam("scope_district_ids") if assigned and by_district else None,
    )
    # Compiled as a whole SELECT so that the organisation's subquery correlates to ``c``.
    # psycopg's dialect names its parameters (%(name)s); asyncpg's would number them.
    dialect = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]
    compiled = str(
        sa.select(sa.literal_column("1"))
        .select_from(case)
        .where(condition)
        .compile(dialect=dialect)
    )
    where = compiled.split("\nWHERE ", 1)[1]
    return tuple(_BIND.split(" ".join(where.split())))


def case_scope_sql(scope: CaseScope, arg: Any) -> str:
    """The case scope as SQL on alias ``c`` (the compiled :func:`_visible`), binding values
    through ``arg``."""
    if scope.organization_id is None:
        return "false"
    assigned = scope.assigned_user_id is not None
    pieces = scope_sql_template(assigned, assigned and bool(scope.district_ids))
    return "".join(
        arg(_SCOPE_VALUES[piece](scope)) if i % 2 else piece for i, piece in enumerate(pieces)
    )


def survivor_visible(scope: CaseScope, survivor: Any = None) -> sa.ColumnElement[bool]:
    """The condition a survivor row must meet to be in scope: her organisation's manager sees
    her; a social worker sees the survivors she registered and those of the cases she sees."""
    from persistence.models.survivor import Survivor

    survivor = Survivor if survivor is None else survivor
    if scope.organization_id is None:
        return sa.false()
    condition = sa.and_(
        survivor.organization_id == scope.organization_id, survivor.deleted_at.is_(None)
    )
    if scope.assigned_user_id is None:
        return condition
    their_cases = sa.exists(
        sa.select(col(SurvivorCase.id)).where(
            col(SurvivorCase.survivor_id) == survivor.id, case_visible(scope)
        )
    )
    return sa.and_(condition, sa.or_(survivor.created_by == scope.assigned_user_id, their_cases))


def case_ids_visible(scope: CaseScope) -> sa.Select[Any]:
    """SELECT of the ids of the cases in scope (for records that hang off a case)."""
    return sa.select(col(SurvivorCase.id)).where(case_visible(scope))


class CaseRepository(EntityRepository[SurvivorCase]):
    model = SurvivorCase

    async def get_in_scope(
        self, case_id: UUID, scope: CaseScope, *, for_update: bool = False
    ) -> SurvivorCase | None:
        if scope.is_empty:
            return None
        stmt = sa.select(SurvivorCase).where(col(SurvivorCase.id) == case_id, case_visible(scope))
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def next_case_number(self, organization_id: UUID, district_id: UUID, year: int) -> int:
        """The next number of the organisation's cases in the district this year (one
        statement: concurrent intakes never share a number)."""
        # SQLModel's stubs do not declare __table__.
        table = CaseNumberCounter.__table__  # type: ignore[attr-defined]
        stmt = (
            insert(table)
            .values(organization_id=organization_id, district_id=district_id, year=year, last=1)
            .on_conflict_do_update(
                index_elements=[table.c.organization_id, table.c.district_id, table.c.year],
                set_={"last": table.c.last + 1},
            )
            .returning(table.c.last)
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def add_event(self, event: CaseEvent) -> None:
        self.session.add(event)
        await self.session.flush()

    async def events(self, case_id: UUID, after: Key | None, limit: int) -> list[CaseEvent]:
        stmt = sa.select(CaseEvent).where(col(CaseEvent.case_id) == case_id)
        if after is not None:
            stmt = stmt.where(
                sa.tuple_(col(CaseEvent.occurred_at), col(CaseEvent.id)) > sa.tuple_(*after)
            )
        stmt = stmt.order_by(col(CaseEvent.occurred_at), col(CaseEvent.id)).limit(limit + 1)
        return list((await self.session.scalars(stmt)).all())

    async def count_events(self, case_id: UUID) -> int:
        stmt = sa.select(sa.func.count()).where(col(CaseEvent.case_id) == case_id)
        return int((await self.session.execute(stmt)).scalar_one())


# -- hot reads (asyncpg, prepared; each read appends its audit event in the same statement) --
# A case row is read in two steps: the rows themselves (``CASE_COLUMNS``, in an inner query
# that does the filtering, ordering and LIMIT), then their flags (``with_flags``) for just the
# rows returned. Written as one EXISTS in the same SELECT, the overdue check was planned as a
# hashed scan of every planned visit in the table, once per page (1.5 ms of a page's 2.4 ms at
# 8,000 visits, and growing with them); as a LATERAL probe it is one index lookup per row.
CASE_COLUMNS = """
    c.id, c.case_number, c.survivor_id, c.organization_id, c.district_id,
    c.assigned_worker_id, c.team, c.status, c.closure_reason, c.risk_level,
    c.referral_source, c.trafficking_status, c.exploitation_types, c.recruitment_method,
    c.destination_state, c.destination_country, c.recruited_on, c.identified_on,
    c.returned_on, c.opened_on, c.closed_on, c.created_at, c.updated_at, c.version
"""
# What a case's ``consent_state`` says of the standing of her newest case-management consent
# (persistence/repositories/consents.py); any other standing, or none, is "none".
CONSENT_FLAG = {ConsentStanding.in_force: "given", ConsentStanding.expiring: "expiring"}
_CONSENT_FLAG_SQL = " ".join(
    f"WHEN '{standing.value}' THEN '{flag}'" for standing, flag in CONSENT_FLAG.items()
)
FLAG_COLUMNS = f"""
    overdue.found IS NOT NULL AS overdue_follow_up,
    (SELECT CASE ({standing_sql("k", "{now}")}) {_CONSENT_FLAG_SQL} ELSE 'none' END
       FROM consent k
      WHERE k.survivor_id = c.survivor_id AND k.purpose = 'case_management'
        AND k.deleted_at IS NULL
      ORDER BY k.revision DESC, k.given_at DESC LIMIT 1) AS consent_state
"""
FLAG_JOIN = """
    LEFT JOIN LATERAL (
        SELECT true AS found FROM case_visit v
         WHERE v.case_id = c.id AND v.status = 'planned' AND v.deleted_at IS NULL
           AND v.planned_on < {today}
         LIMIT 1) overdue ON true
"""


def with_flags(inner_sql: str, now: str, today: str, order_by: str = "") -> str:
    """``inner_sql`` (a SELECT of cases as ``c``) with each row's flag facts added, as they
    stand at ``now`` (a timestamptz parameter) on the business date ``today`` (a date
    parameter): both come from the one clock, never from the database server's time zone."""
    order = f" ORDER BY {order_by}" if order_by else ""
    columns = FLAG_COLUMNS.format(now=f"{now}::timestamptz")
    join = FLAG_JOIN.format(today=f"{today}::date")
    return f"SELECT c.*, {columns} FROM ({inner_sql}) c {join}{order}"


@dataclass(frozen=True, slots=True)
class CaseFilter:
    district_id: UUID | None = None
    status: str | None = None
    assigned_worker_id: UUID | None = None
    survivor_id: UUID | None = None


class CaseReads(Repository):
    """Reads of cases on the hot path: one statement each, audited in that statement."""

    async def get_audited(
        self,
        case_id: UUID,
        scope: CaseScope,
        chain: int,
        audit: AuditRecord,
        access: AccessCheck | None = None,
    ) -> tuple[bool, Record | None]:
        """Whether the caller's token holds (always True without ``access``), and the case in
        scope with its flags and sealed context; ``audit`` is appended when found. One
        statement."""
        if scope.is_empty:
            return True, None
        args: list[Any] = [case_id]

        def arg(value: object) -> str:
            args.append(value)
            return f"${len(args)}"

        cte = access_cte(access, arg) if access is not None else None
        gate = " AND EXISTS (SELECT 1 FROM access)" if cte else ""
        select = with_flags(
            f"SELECT {CASE_COLUMNS}, c.context_enc FROM survivor_case c"
            f" WHERE c.id = $1 AND {case_scope_sql(scope, arg)}{gate}",
            now=arg(clock.now()),
            today=arg(clock.today()),
        )
        sql = audited_read_sql(select, len(args), access=cte)
        connection = await self.driver()
        row: Record | None = await connection.fetchrow(
            sql, *args, *append_args(self.uow.audit_keys, chain, audit)
        )
        if row is None:  # pragma: no cover - the statement always answers one row
            return cte is None, None
        found = row if row["id"] is not None else None
        return (True if cte is None else bool(row["access_ok"])), found

    async def page_audited(
        self,
        scope: CaseScope,
        filters: CaseFilter,
        after: Key | None,
        limit: int,
        chain: int,
        audit: AuditRecord,
        access: AccessCheck | None = None,
    ) -> tuple[bool, list[Record]]:
        """Whether the caller's token holds (always True without ``access``), and up to
        ``limit + 1`` cases in scope, oldest first after the key (created_at, id); the search
        is audited whatever it finds. One statement."""
        if scope.is_empty:
            return True, []
        args: list[Any] = []

        def arg(value: object) -> str:
            args.append(value)
            return f"${len(args)}"

        cte = access_cte(access, arg) if access is not None else None
        conditions = [case_scope_sql(scope, arg)]
        if cte:
            conditions.append("EXISTS (SELECT 1 FROM access)")
        if filters.district_id is not None:
            conditions.append(f"c.district_id = {arg(filters.district_id)}")
        if filters.status is not None:
            conditions.append(f"c.status = {arg(filters.status)}")
        if filters.assigned_worker_id is not None:
            conditions.append(f"c.assigned_worker_id = {arg(filters.assigned_worker_id)}")
        if filters.survivor_id is not None:
            conditions.append(f"c.survivor_id = {arg(filters.survivor_id)}")
        if after is not None:
            created, row_id = after if len(after) == 2 else (None, None)
            if not isinstance(created, datetime) or not isinstance(row_id, UUID):
                raise KeyMismatch("the key does not fit the ordering")
            conditions.append(f"(c.created_at, c.id) > ({arg(created)}, {arg(row_id)})")
        # The limit is written into the statement, not bound: with ``LIMIT $n`` PostgreSQL's
        # generic plan assumes a tenth of the table and is never chosen, so every page was
        # planned afresh (about 0.5 ms). A page size is a validated int, so few statements.
        where = " AND ".join(conditions)
        select = with_flags(
            f"SELECT {CASE_COLUMNS} FROM survivor_case c WHERE {where}"
            f" ORDER BY c.created_at, c.id LIMIT {int(limit) + 1:d}",
            now=arg(clock.now()),
            today=arg(clock.today()),
            order_by="c.created_at, c.id",
        )
        sql = audited_read_sql(select, len(args), only_if_found=False, owned=False, access=cte)
        connection = await self.driver()
        rows = await connection.fetch(sql, *args, *append_args(self.uow.audit_keys, chain, audit))
        live = True if cte is None else bool(rows[0]["access_ok"])
        return live, [row for row in rows if row["id"] is not None]

    async def count(self, scope: CaseScope, filters: CaseFilter) -> int:
        if scope.is_empty:
            return 0
        args: list[Any] = []

        def arg(value: object) -> str:
            args.append(value)
            return f"${len(args)}"

        conditions = [case_scope_sql(scope, arg)]
        for column, value in (
            ("district_id", filters.district_id),
            ("status", filters.status),
            ("assigned_worker_id", filters.assigned_worker_id),
            ("survivor_id", filters.survivor_id),
        ):
            if value is not None:
                conditions.append(f"c.{column} = {arg(value)}")
        connection = await self.driver()
        sql = f"SELECT count(*) FROM survivor_case c WHERE {' AND '.join(conditions)}"
        return int(await connection.fetchval(sql, *args))

    async def flag_facts(self, case_id: UUID) -> Record:
        """The facts the flags are computed from, for a case already known to be in scope."""
        connection = await self.driver()
        sql = with_flags(
            f"SELECT {CASE_COLUMNS} FROM survivor_case c WHERE c.id = $1", now="$2", today="$3"
        )
        row: Record = await connection.fetchrow(sql, case_id, clock.now(), clock.today())
        return row
