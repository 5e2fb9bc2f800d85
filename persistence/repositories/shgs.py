"""Self-help groups: federations, groups, members (with the survivor link shown only in case
scope), meetings and attendance, loans and their schedules, the ledger, and the one-statement
reads the books need (balances as of a date, the shortfall check of a write, grading facts).

The ledger's arithmetic is the domain's (``domain/shgs/ledger.py``): callers pass its sign
table, and the CASE expressions here are built from it, so SQL and Python count alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.orm import aliased
from sqlmodel import col

from persistence.evidence.shg_grading import grade_sql
from persistence.models.livelihood_vocabulary import LedgerKind, LoanKind
from persistence.models.shg import Shg
from persistence.models.shg_attendance import ShgAttendance
from persistence.models.shg_federation import ShgFederation
from persistence.models.shg_grading_rule import ShgGradingRule
from persistence.models.shg_ledger_entry import ShgLedgerEntry
from persistence.models.shg_loan import ShgLoan
from persistence.models.shg_loan_instalment import ShgLoanInstalment
from persistence.models.shg_meeting import ShgMeeting
from persistence.models.shg_member import ShgMember
from persistence.models.survivor import Survivor
from persistence.pagination import Key, KeyMismatch, keyset
from persistence.repositories.base import EntityRepository
from persistence.repositories.cases import survivor_visible
from persistence.repositories.session import Repository
from persistence.scope import CaseScope, RowScope

# (account, ledger kind, loan kind or None, sign): the domain's sign table as plain values.
SignTable = Sequence[tuple[str, str, str | None, int]]
ACCOUNTS = ("cash", "bank", "savings", "principal", "interest")
_UUIDS = ARRAY(sa.Uuid())


def _account_case(
    signs: SignTable, account: str, kind: str = "e.kind", loan_kind: str = "l.kind"
) -> str:
    """CASE over the entry's kind (and its loan's kind) giving the sign of ``account`` (0 when
    untouched). Only enum values and integers reach the SQL text: each is checked against its
    vocabulary."""
    whens = []
    for name, entry_kind, of_loan, sign in signs:
        if name != account:
            continue
        condition = f"{kind} = '{LedgerKind(entry_kind).value}'"
        if of_loan is not None:
            condition += f" AND {loan_kind} = '{LoanKind(of_loan).value}'"
        whens.append(f"WHEN {condition} THEN {int(sign)}")
    return f"(CASE {' '.join(whens)} ELSE 0 END)" if whens else "0"


def _signed_entries(signs: SignTable, extra: str = "", shg: str = ":shg") -> str:
    """A subquery of the group's entries (``shg``: an SQL expression, by default the bind
    parameter ``:shg``), each with its signed amount (negative for a reversal) and that
    amount's effect on every account, one column per account."""
    accounts = ", ".join(
        f"{_account_case(signs, account, 'x.entry_kind', 'x.loan_kind')} * x.amount AS {account}"
        for account in ACCOUNTS
    )
    return f"""
        SELECT x.*, {accounts} FROM (
          SELECT e.id, e.kind AS entry_kind, e.entry_date, e.member_id, e.loan_id,
                 l.kind AS loan_kind,
                 CASE WHEN e.reverses_id IS NULL THEN e.amount_paise
                      ELSE -e.amount_paise END AS amount
            FROM shg_ledger_entry e LEFT JOIN shg_loan l ON l.id = e.loan_id
           WHERE e.shg_id = {shg}{extra}) x"""


# -- federations and groups ----------------------------------------------------------------
class FederationRepository(EntityRepository[ShgFederation]):
    model = ShgFederation


@dataclass(frozen=True, slots=True)
class ShgFilter:
    district_id: UUID | None = None
    status: str | None = None
    federation_id: UUID | None = None

    def clauses(self) -> list[sa.ColumnElement[bool]]:
        found = []
        if self.district_id is not None:
            found.append(col(Shg.district_id) == self.district_id)
        if self.status is not None:
            found.append(col(Shg.status) == self.status)
        if self.federation_id is not None:
            found.append(col(Shg.federation_id) == self.federation_id)
        return found


class ShgRepository(EntityRepository[Shg]):
    model = Shg

    def ids_in_scope(self, scope: RowScope) -> sa.Select[Any]:
        """SELECT of the ids of the groups ``scope`` admits (what their records hang off)."""
        return self.scoped(scope).with_only_columns(col(Shg.id))

    async def standings(
        self, shg_ids: Sequence[UUID], as_of: date, signs: SignTable
    ) -> dict[UUID, Mapping[str, Any]]:
        """For each group, on ``as_of``, in one statement whatever their number: its grade
        (the grading endpoint's: the same facts, rules and arithmetic, see
        persistence/evidence/shg_grading.py; NULL before it was formed or while too young to
        grade), its members (joined, not exited) and all its members' savings (the balances'
        ``savings``)."""
        if not shg_ids:
            return {}
        books = _signed_entries(signs, " AND e.entry_date <= t.d", shg="t.id")
        grade = grade_sql(
            rules="t.rules",
            formed_on="t.formed_on",
            frequency="t.meeting_frequency",
            as_of="t.d",
            facts_of=lambda start: grading_facts_sql(
                shg="t.id",
                start=start,
                as_of="t.d",
                fixed="GREATEST(1, t.saving_per_meeting_paise)",
                books=books,
            ),
        )
        sql = f"""
            WITH t AS (
              SELECT g.id, g.formed_on, g.meeting_frequency, g.saving_per_meeting_paise,
                     CAST(:as_of AS date) AS d, COALESCE(own.rules, shared.rules) AS rules
                FROM shg g
                LEFT JOIN shg_grading_rule own
                  ON own.organization_id = g.organization_id AND own.deleted_at IS NULL
                LEFT JOIN LATERAL (
                  SELECT r.rules FROM shg_grading_rule r
                   WHERE r.organization_id IS NULL AND r.deleted_at IS NULL LIMIT 1
                ) shared ON true
               WHERE g.id = ANY(:ids)
            )
            SELECT t.id,
                   CASE WHEN t.d >= t.formed_on AND t.rules IS NOT NULL THEN gr.grade END
                     AS grade,
                   (SELECT count(*) FROM shg_member m
                     WHERE m.shg_id = t.id AND m.deleted_at IS NULL AND m.joined_on <= t.d
                       AND (m.exited_on IS NULL OR m.exited_on > t.d)) AS member_count,
                   (SELECT coalesce(sum(s.savings), 0) FROM ({books}) s) AS savings_paise
              FROM t LEFT JOIN LATERAL ({grade}) gr ON true"""
        params = {"ids": list(shg_ids), "as_of": as_of}
        rows = await self.session.execute(
            sa.text(sql).bindparams(sa.bindparam("ids", type_=_UUIDS)), params
        )
        return {row.id: dict(row._mapping) for row in rows}

    async def earliest_record(self, shg_id: UUID) -> date | None:
        """The earliest date any of the group's records carries (meeting, entry, member,
        loan), or None."""
        sql = """
            SELECT min(day) FROM (
              SELECT min(held_on) AS day FROM shg_meeting
               WHERE shg_id = :shg AND deleted_at IS NULL
              UNION ALL SELECT min(entry_date) FROM shg_ledger_entry WHERE shg_id = :shg
              UNION ALL SELECT min(joined_on) FROM shg_member
               WHERE shg_id = :shg AND deleted_at IS NULL
              UNION ALL SELECT min(applied_on) FROM shg_loan
               WHERE shg_id = :shg AND deleted_at IS NULL) x"""
        day: date | None = (await self.session.execute(sa.text(sql), {"shg": shg_id})).scalar_one()
        return day


# -- members --------------------------------------------------------------------------------
def _active_on(day: date) -> sa.ColumnElement[bool]:
    return sa.and_(
        col(ShgMember.joined_on) <= day,
        sa.or_(col(ShgMember.exited_on).is_(None), col(ShgMember.exited_on) > day),
        col(ShgMember.deleted_at).is_(None),
    )


class MemberRepository(EntityRepository[ShgMember]):
    model = ShgMember

    def _with_survivor(self, scope: CaseScope) -> sa.Select[Any]:
        """Members with ``visible_survivor_id``: her survivor id when the caller may see that
        survivor, else NULL (the same NULL as any other woman's)."""
        if scope.is_empty:
            shown: Any = sa.null()
        else:
            survivor = aliased(Survivor)
            seen = (
                sa.select(col(survivor.id))
                .where(
                    col(survivor.id) == col(ShgMember.survivor_id),
                    survivor_visible(scope, survivor),
                )
                .exists()
            )
            shown = sa.case((seen, col(ShgMember.survivor_id)), else_=sa.null())
        return sa.select(ShgMember, shown.label("visible_survivor_id"))

    async def page_in_group(
        self,
        shg_id: UUID,
        scope: CaseScope,
        after: Key | None,
        limit: int,
        *,
        active_on: date | None = None,
    ) -> list[tuple[ShgMember, UUID | None]]:
        stmt = self._with_survivor(scope).where(
            col(ShgMember.shg_id) == shg_id,
            col(ShgMember.deleted_at).is_(None),
        )
        if active_on is not None:
            stmt = stmt.where(_active_on(active_on))
        stmt = keyset(stmt, [col(ShgMember.created_at), col(ShgMember.id)], after, limit)
        return [(row[0], row[1]) for row in (await self.session.execute(stmt)).all()]

    async def count_in_group(self, shg_id: UUID, active_on: date | None = None) -> int:
        stmt = sa.select(sa.func.count()).where(
            col(ShgMember.shg_id) == shg_id,
            col(ShgMember.deleted_at).is_(None),
        )
        if active_on is not None:
            stmt = stmt.where(_active_on(active_on))
        return int((await self.session.execute(stmt)).scalar_one())

    async def get_in_group(
        self, shg_id: UUID, member_id: UUID, scope: CaseScope, *, for_update: bool = False
    ) -> tuple[ShgMember, UUID | None] | None:
        stmt = self._with_survivor(scope).where(
            col(ShgMember.shg_id) == shg_id,
            col(ShgMember.id) == member_id,
            col(ShgMember.deleted_at).is_(None),
        )
        if for_update:
            stmt = stmt.with_for_update(of=ShgMember)
        row = (await self.session.execute(stmt)).first()
        return None if row is None else (row[0], row[1])

    async def in_groups_by_ids(
        self, member_ids: Sequence[UUID], groups: sa.Select[Any], scope: CaseScope
    ) -> list[tuple[ShgMember, UUID | None]]:
        """The live members among ``member_ids`` of the groups ``groups`` selects (their ids),
        each as :meth:`get_in_group` answers it; one statement."""
        if not member_ids:
            return []
        stmt = self._with_survivor(scope).where(
            col(ShgMember.id).in_(list(member_ids)),
            col(ShgMember.shg_id).in_(groups),
            col(ShgMember.deleted_at).is_(None),
        )
        return [(row[0], row[1]) for row in (await self.session.execute(stmt)).all()]

    async def of_group(self, shg_id: UUID, member_ids: Iterable[UUID]) -> dict[UUID, ShgMember]:
        wanted = set(member_ids)
        if not wanted:
            return {}
        stmt = sa.select(ShgMember).where(
            col(ShgMember.shg_id) == shg_id,
            col(ShgMember.id).in_(wanted),
            col(ShgMember.deleted_at).is_(None),
        )
        return {member.id: member for member in (await self.session.scalars(stmt)).all()}

    async def active_ids(self, shg_id: UUID, day: date) -> set[UUID]:
        stmt = sa.select(col(ShgMember.id)).where(col(ShgMember.shg_id) == shg_id, _active_on(day))
        return set((await self.session.scalars(stmt)).all())

    async def role_taken(self, shg_id: UUID, role: str, other_than: UUID | None) -> bool:
        """Whether a current member (not exited) other than ``other_than`` holds ``role``."""
        stmt = sa.select(sa.literal(True)).where(
            col(ShgMember.shg_id) == shg_id,
            col(ShgMember.role) == role,
            col(ShgMember.exited_on).is_(None),
            col(ShgMember.deleted_at).is_(None),
        )
        if other_than is not None:
            stmt = stmt.where(col(ShgMember.id) != other_than)
        return bool((await self.session.scalars(stmt.limit(1))).first())

    async def survivor_enrolled(self, shg_id: UUID, survivor_id: UUID) -> bool:
        stmt = sa.select(sa.literal(True)).where(
            col(ShgMember.shg_id) == shg_id,
            col(ShgMember.survivor_id) == survivor_id,
            col(ShgMember.exited_on).is_(None),
            col(ShgMember.deleted_at).is_(None),
        )
        return bool((await self.session.scalars(stmt.limit(1))).first())

    async def visible_survivor(self, survivor_id: UUID, scope: CaseScope) -> Survivor | None:
        """The survivor, when the caller may see her."""
        if scope.is_empty:
            return None
        stmt = sa.select(Survivor).where(col(Survivor.id) == survivor_id, survivor_visible(scope))
        return (await self.session.scalars(stmt)).one_or_none()


# -- meetings -------------------------------------------------------------------------------
class MeetingRepository(EntityRepository[ShgMeeting]):
    model = ShgMeeting

    async def on_day(self, shg_id: UUID, held_on: date) -> ShgMeeting | None:
        stmt = sa.select(ShgMeeting).where(
            col(ShgMeeting.shg_id) == shg_id,
            col(ShgMeeting.held_on) == held_on,
            col(ShgMeeting.deleted_at).is_(None),
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def in_group(self, shg_id: UUID, meeting_id: UUID) -> ShgMeeting | None:
        stmt = sa.select(ShgMeeting).where(
            col(ShgMeeting.shg_id) == shg_id,
            col(ShgMeeting.id) == meeting_id,
            col(ShgMeeting.deleted_at).is_(None),
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def in_groups_by_ids(
        self, meeting_ids: Sequence[UUID], groups: sa.Select[Any]
    ) -> list[ShgMeeting]:
        """The live meetings among ``meeting_ids`` of the groups ``groups`` selects (their
        ids); one statement."""
        if not meeting_ids:
            return []
        stmt = sa.select(ShgMeeting).where(
            col(ShgMeeting.id).in_(list(meeting_ids)),
            col(ShgMeeting.shg_id).in_(groups),
            col(ShgMeeting.deleted_at).is_(None),
        )
        return list((await self.session.scalars(stmt)).all())

    async def add_attendance(self, meeting_id: UUID, lines: Iterable[tuple[UUID, str]]) -> None:
        rows = [
            {"meeting_id": meeting_id, "member_id": member, "status": status}
            for member, status in lines
        ]
        if rows:
            await self.session.execute(sa.insert(ShgAttendance), rows)

    async def attendance(self, meeting_id: UUID) -> list[tuple[UUID, str]]:
        return (await self.attendances([meeting_id])).get(meeting_id, [])

    async def attendances(self, meeting_ids: Sequence[UUID]) -> dict[UUID, list[tuple[UUID, str]]]:
        """Each meeting's attendance (member, status) by member, for many in one statement."""
        found: dict[UUID, list[tuple[UUID, str]]] = {}
        if not meeting_ids:
            return found
        stmt = (
            sa.select(
                col(ShgAttendance.meeting_id),
                col(ShgAttendance.member_id),
                col(ShgAttendance.status),
            )
            .where(col(ShgAttendance.meeting_id).in_(list(meeting_ids)))
            .order_by(col(ShgAttendance.meeting_id), col(ShgAttendance.member_id))
        )
        for row in (await self.session.execute(stmt)).all():
            found.setdefault(row[0], []).append((row[1], str(row[2])))
        return found

    async def summaries(
        self, shg_id: UUID, after: Key | None, limit: int
    ) -> list[Mapping[str, Any]]:
        """Up to ``limit + 1`` meetings, latest first after the key (held_on ordinal, id),
        each with its counts and money."""
        params: dict[str, Any] = {"shg": shg_id, "limit": limit + 1}
        condition = ""
        if after is not None:
            ordinal, row_id = after if len(after) == 2 else (None, None)
            if not isinstance(ordinal, int) or isinstance(ordinal, bool):
                raise KeyMismatch("the key does not fit the ordering")
            if not isinstance(row_id, UUID) or not 1 <= ordinal <= date.max.toordinal():
                raise KeyMismatch("the key does not fit the ordering")
            condition = " AND (m.held_on, m.id) < (:held_on, :id)"
            params.update(held_on=date.fromordinal(ordinal), id=row_id)
        sql = f"""
            SELECT m.id, m.held_on, m.created_at, m.minutes_enc IS NOT NULL AS has_minutes,
                   a.members_recorded, a.attended, x.savings_paise, x.repaid_paise,
                   x.disbursed_paise
              FROM shg_meeting m
              CROSS JOIN LATERAL (
                SELECT count(*) AS members_recorded,
                       count(*) FILTER (WHERE s.status IN ('present', 'late')) AS attended
                  FROM shg_attendance s WHERE s.meeting_id = m.id) a
              CROSS JOIN LATERAL (
                SELECT coalesce(sum(e.amount_paise)
                         FILTER (WHERE e.kind = 'savings_deposit'), 0) AS savings_paise,
                       coalesce(sum(e.amount_paise)
                         FILTER (WHERE e.kind IN ('principal_repayment', 'interest')), 0)
                         AS repaid_paise,
                       coalesce(sum(e.amount_paise)
                         FILTER (WHERE e.kind = 'loan_disbursal'), 0) AS disbursed_paise
                  FROM shg_ledger_entry e WHERE e.meeting_id = m.id) x
             WHERE m.shg_id = :shg AND m.deleted_at IS NULL{condition}
             ORDER BY m.held_on DESC, m.id DESC
             LIMIT :limit"""
        rows = await self.session.execute(sa.text(sql), params)
        return [dict(row._mapping) for row in rows]

    async def count_in_group(self, shg_id: UUID) -> int:
        stmt = sa.select(sa.func.count()).where(
            col(ShgMeeting.shg_id) == shg_id,
            col(ShgMeeting.deleted_at).is_(None),
        )
        return int((await self.session.execute(stmt)).scalar_one())


# -- loans ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LoanPosition:
    """A loan's standing from all its entries."""

    loan_id: UUID
    principal_outstanding: int
    interest_paid: int
    last_payment_on: date | None


class LoanRepository(EntityRepository[ShgLoan]):
    model = ShgLoan

    async def in_group(
        self, shg_id: UUID, loan_id: UUID, *, for_update: bool = False
    ) -> ShgLoan | None:
        stmt = sa.select(ShgLoan).where(
            col(ShgLoan.shg_id) == shg_id,
            col(ShgLoan.id) == loan_id,
            col(ShgLoan.deleted_at).is_(None),
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt)).one_or_none()

    async def of_group(
        self, shg_id: UUID, loan_ids: Iterable[UUID], *, for_update: bool = False
    ) -> dict[UUID, ShgLoan]:
        wanted = set(loan_ids)
        if not wanted:
            return {}
        stmt = sa.select(ShgLoan).where(
            col(ShgLoan.shg_id) == shg_id,
            col(ShgLoan.id).in_(wanted),
            col(ShgLoan.deleted_at).is_(None),
        )
        if for_update:
            stmt = stmt.with_for_update()
        return {loan.id: loan for loan in (await self.session.scalars(stmt)).all()}

    async def page_in_group(
        self,
        shg_id: UUID,
        after: Key | None,
        limit: int,
        *,
        status: str | None = None,
        member_id: UUID | None = None,
        kind: str | None = None,
    ) -> list[ShgLoan]:
        stmt = self._in_group(sa.select(ShgLoan), shg_id, status, member_id, kind)
        stmt = keyset(stmt, [col(ShgLoan.created_at), col(ShgLoan.id)], after, limit)
        return list((await self.session.scalars(stmt)).all())

    async def count_in_group(
        self,
        shg_id: UUID,
        *,
        status: str | None = None,
        member_id: UUID | None = None,
        kind: str | None = None,
    ) -> int:
        stmt = self._in_group(
            sa.select(sa.func.count()).select_from(ShgLoan), shg_id, status, member_id, kind
        )
        return int((await self.session.execute(stmt)).scalar_one())

    @staticmethod
    def _in_group(
        stmt: sa.Select[Any],
        shg_id: UUID,
        status: str | None,
        member_id: UUID | None,
        kind: str | None,
    ) -> sa.Select[Any]:
        stmt = stmt.where(col(ShgLoan.shg_id) == shg_id, col(ShgLoan.deleted_at).is_(None))
        if status is not None:
            stmt = stmt.where(col(ShgLoan.status) == status)
        if member_id is not None:
            stmt = stmt.where(col(ShgLoan.member_id) == member_id)
        if kind is not None:
            stmt = stmt.where(col(ShgLoan.kind) == kind)
        return stmt

    async def flush(self) -> None:
        await self.session.flush()

    async def instalments(self, loan_id: UUID) -> list[ShgLoanInstalment]:
        stmt = (
            sa.select(ShgLoanInstalment)
            .where(col(ShgLoanInstalment.loan_id) == loan_id)
            .order_by(col(ShgLoanInstalment.number))
        )
        return list((await self.session.scalars(stmt)).all())

    async def set_schedule(self, loan_id: UUID, rows: Sequence[Mapping[str, Any]]) -> None:
        """Replace the loan's schedule with ``rows`` (none: no schedule)."""
        await self.session.execute(
            sa.delete(ShgLoanInstalment).where(col(ShgLoanInstalment.loan_id) == loan_id)
        )
        if rows:
            await self.session.execute(
                sa.insert(ShgLoanInstalment), [{"loan_id": loan_id, **row} for row in rows]
            )

    async def positions(
        self, loan_ids: Iterable[UUID], signs: SignTable
    ) -> dict[UUID, LoanPosition]:
        """Each loan's principal outstanding and interest paid over all its entries, and the
        date of its latest repayment or interest entry."""
        wanted = sorted(set(loan_ids), key=str)
        if not wanted:
            return {}
        principal = _account_case(signs, "principal")
        interest = _account_case(signs, "interest")
        sql = f"""
            SELECT e.loan_id,
                   coalesce(sum({principal} * e.amount), 0) AS principal,
                   coalesce(sum({interest} * e.amount), 0) AS interest,
                   max(e.entry_date) FILTER (
                     WHERE e.kind IN ('principal_repayment', 'bank_loan_repayment', 'interest')
                   ) AS last_payment_on
              FROM (SELECT e.kind, e.loan_id, e.entry_date,
                           CASE WHEN e.reverses_id IS NULL THEN e.amount_paise
                                ELSE -e.amount_paise END AS amount
                      FROM shg_ledger_entry e WHERE e.loan_id = ANY(:loans)) e
              JOIN shg_loan l ON l.id = e.loan_id
             GROUP BY e.loan_id"""
        stmt = sa.text(sql).bindparams(sa.bindparam("loans", type_=_UUIDS))
        rows = await self.session.execute(stmt, {"loans": wanted})
        found = {
            row.loan_id: LoanPosition(
                row.loan_id, int(row.principal), int(row.interest), row.last_payment_on
            )
            for row in rows
        }
        return {
            loan_id: found.get(loan_id, LoanPosition(loan_id, 0, 0, None)) for loan_id in wanted
        }

    async def payments(self, loan_id: UUID) -> list[tuple[date, int]]:
        """(date, paise) of the loan's repayments and interest (negative for reversals)."""
        stmt = sa.text(
            """SELECT entry_date,
                      sum(CASE WHEN reverses_id IS NULL THEN amount_paise
                               ELSE -amount_paise END) AS paise
                 FROM shg_ledger_entry
                WHERE loan_id = :loan
                  AND kind IN ('principal_repayment', 'bank_loan_repayment', 'interest')
                GROUP BY entry_date ORDER BY entry_date"""
        )
        rows = await self.session.execute(stmt, {"loan": loan_id})
        return [(row.entry_date, int(row.paise)) for row in rows]


# -- the ledger -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LedgerFilter:
    kind: str | None = None
    member_id: UUID | None = None
    loan_id: UUID | None = None
    meeting_id: UUID | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class ShortfallRow:
    account: str
    ref: UUID | None
    on: date | None


def _entry_tables() -> tuple[Any, Any]:
    """The ledger table twice: an entry, and the entry that reverses it."""
    table = ShgLedgerEntry.__table__  # type: ignore[attr-defined]
    return table.alias("e"), table.alias("r")


class LedgerRepository(Repository):
    async def add_all(self, entries: Sequence[ShgLedgerEntry]) -> None:
        self.session.add_all(entries)
        await self.session.flush()

    async def get(self, shg_id: UUID, entry_id: UUID) -> ShgLedgerEntry | None:
        stmt = sa.select(ShgLedgerEntry).where(
            col(ShgLedgerEntry.shg_id) == shg_id, col(ShgLedgerEntry.id) == entry_id
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def exists(self, entry_id: UUID) -> bool:
        stmt = sa.select(sa.literal(True)).where(col(ShgLedgerEntry.id) == entry_id)
        return bool((await self.session.scalars(stmt)).first())

    async def reversal_of(self, entry_id: UUID) -> UUID | None:
        stmt = sa.select(col(ShgLedgerEntry.id)).where(col(ShgLedgerEntry.reverses_id) == entry_id)
        return (await self.session.scalars(stmt)).first()

    async def of_meeting(self, meeting_id: UUID) -> list[Mapping[str, Any]]:
        """The entries of a meeting's collection sheet, as recorded, with their reversals."""
        return (await self.of_meetings([meeting_id])).get(meeting_id, [])

    async def of_meetings(self, meeting_ids: Sequence[UUID]) -> dict[UUID, list[Mapping[str, Any]]]:
        """:meth:`of_meeting` for many meetings in one statement, by meeting."""
        found: dict[UUID, list[Mapping[str, Any]]] = {}
        if not meeting_ids:
            return found
        entry, reversal = _entry_tables()
        stmt = (
            sa.select(entry, reversal.c.id.label("reversed_by_id"))
            .select_from(entry.outerjoin(reversal, reversal.c.reverses_id == entry.c.id))
            .where(entry.c.meeting_id.in_(list(meeting_ids)))
            .order_by(entry.c.created_at, entry.c.id)
        )
        for row in (await self.session.execute(stmt)).all():
            found.setdefault(row._mapping["meeting_id"], []).append(dict(row._mapping))
        return found

    async def page(
        self,
        shg_id: UUID,
        filters: LedgerFilter,
        after: Key | None,
        limit: int,
    ) -> list[Mapping[str, Any]]:
        """Up to ``limit + 1`` entries in book order (date, then when recorded) after the key
        (entry_date ordinal, created_at, id), each with the id of its reversal if any."""
        entry, reversal = _entry_tables()
        stmt = (
            sa.select(entry, reversal.c.id.label("reversed_by_id"))
            .select_from(entry.outerjoin(reversal, reversal.c.reverses_id == entry.c.id))
            .where(entry.c.shg_id == shg_id)
        )
        for column, value in (
            ("kind", filters.kind),
            ("member_id", filters.member_id),
            ("loan_id", filters.loan_id),
            ("meeting_id", filters.meeting_id),
        ):
            if value is not None:
                stmt = stmt.where(entry.c[column] == value)
        if filters.since is not None:
            stmt = stmt.where(entry.c.entry_date >= filters.since)
        if filters.until is not None:
            stmt = stmt.where(entry.c.entry_date <= filters.until)
        if after is not None:
            if len(after) != 3 or not isinstance(after[0], int) or isinstance(after[0], bool):
                raise KeyMismatch("the key does not fit the ordering")
            if not 1 <= after[0] <= date.max.toordinal():
                raise KeyMismatch("the key does not fit the ordering")
            after = (date.fromordinal(after[0]), *after[1:])
        stmt = keyset(stmt, [entry.c.entry_date, entry.c.created_at, entry.c.id], after, limit)
        return [dict(row._mapping) for row in (await self.session.execute(stmt)).all()]

    async def count(self, shg_id: UUID, filters: LedgerFilter) -> int:
        stmt = sa.select(sa.func.count()).where(col(ShgLedgerEntry.shg_id) == shg_id)
        for column, value in (
            (col(ShgLedgerEntry.kind), filters.kind),
            (col(ShgLedgerEntry.member_id), filters.member_id),
            (col(ShgLedgerEntry.loan_id), filters.loan_id),
            (col(ShgLedgerEntry.meeting_id), filters.meeting_id),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        if filters.since is not None:
            stmt = stmt.where(col(ShgLedgerEntry.entry_date) >= filters.since)
        if filters.until is not None:
            stmt = stmt.where(col(ShgLedgerEntry.entry_date) <= filters.until)
        return int((await self.session.execute(stmt)).scalar_one())

    async def balances(
        self, shg_id: UUID, as_of: date, signs: SignTable, *, detail: bool
    ) -> Mapping[str, Any]:
        """The group's books on ``as_of`` in one statement: totals, and with ``detail`` each
        member's savings and each loan's standing (as JSON lists)."""
        sql = _balances_sql(signs, detail=detail)
        row = (await self.session.execute(sa.text(sql), {"shg": shg_id, "as_of": as_of})).one()
        return _books(row)

    async def balances_many(
        self, shg_ids: Sequence[UUID], as_of: date, signs: SignTable, *, detail: bool
    ) -> dict[UUID, Mapping[str, Any]]:
        """:meth:`balances` of many groups in one statement (the same statement for each
        group, side by side), by group."""
        if not shg_ids:
            return {}
        sql = (
            "SELECT books_of.shg_id, b.* FROM unnest(CAST(:shgs AS uuid[])) AS books_of(shg_id)"
            f" CROSS JOIN LATERAL ({_balances_sql(signs, detail=detail, shg='books_of.shg_id')}) b"
        )
        rows = await self.session.execute(sa.text(sql), {"shgs": list(shg_ids), "as_of": as_of})
        found: dict[UUID, Mapping[str, Any]] = {}
        for row in rows:
            books = dict(_books(row))
            found[books.pop("shg_id")] = books
        return found

    async def shortfalls(
        self,
        shg_id: UUID,
        since: date,
        member_ids: Iterable[UUID],
        loan_ids: Iterable[UUID],
        signs: SignTable,
    ) -> list[ShortfallRow]:
        """Accounts that end a day on or after ``since`` below zero (cash, bank, the members'
        savings and the loans' principal named), with the first such day; and loans named
        whose interest paid is below zero or above their schedule's interest (day NULL)."""
        sql = f"""
            WITH s AS MATERIALIZED ({_signed_entries(signs)}),
            d AS (
              SELECT 'cash' AS account, NULL::uuid AS ref, entry_date, sum(cash) AS delta
                FROM s GROUP BY entry_date
              UNION ALL
              SELECT 'bank', NULL::uuid, entry_date, sum(bank) FROM s GROUP BY entry_date
              UNION ALL
              SELECT 'savings', member_id, entry_date, sum(savings) FROM s
               WHERE member_id = ANY(:members) AND savings <> 0
               GROUP BY member_id, entry_date
              UNION ALL
              SELECT 'principal', loan_id, entry_date, sum(principal) FROM s
               WHERE loan_id = ANY(:loans) AND principal <> 0
               GROUP BY loan_id, entry_date
            ),
            r AS (
              SELECT account, ref, entry_date,
                     sum(delta) OVER (PARTITION BY account, ref ORDER BY entry_date) AS balance
                FROM d
            )
            SELECT account, ref, min(entry_date) AS on_day FROM r
             WHERE entry_date >= :since AND balance < 0 GROUP BY account, ref
            UNION ALL
            SELECT 'interest', p.loan_id, NULL::date FROM (
              SELECT loan_id, sum(interest) AS paid FROM s
               WHERE loan_id = ANY(:loans) GROUP BY loan_id) p
             WHERE p.paid < 0 OR p.paid > (
               SELECT coalesce(sum(i.interest_paise), 0) FROM shg_loan_instalment i
                WHERE i.loan_id = p.loan_id)"""
        stmt = sa.text(sql).bindparams(
            sa.bindparam("members", type_=_UUIDS), sa.bindparam("loans", type_=_UUIDS)
        )
        rows = await self.session.execute(
            stmt,
            {
                "shg": shg_id,
                "since": since,
                "members": sorted(set(member_ids), key=str),
                "loans": sorted(set(loan_ids), key=str),
            },
        )
        return [ShortfallRow(row.account, row.ref, row.on_day) for row in rows]

    async def grading_facts(
        self,
        shg_id: UUID,
        start: date,
        as_of: date,
        fixed_saving_paise: int,
        signs: SignTable,
    ) -> Mapping[str, Any]:
        """What grading counts over meetings held after ``start`` up to ``as_of``, in one
        statement (see :func:`grading_facts_sql`)."""
        sql = grading_facts_sql(
            shg=":shg",
            start=":start",
            as_of=":as_of",
            fixed=":fixed",
            books=_signed_entries(signs, " AND e.entry_date <= :as_of"),
        )
        params = {"shg": shg_id, "start": start, "as_of": as_of, "fixed": fixed_saving_paise}
        row = (await self.session.execute(sa.text(sql), params)).one()
        return dict(row._mapping)


def grading_facts_sql(*, shg: str, start: str, as_of: str, fixed: str, books: str) -> str:
    """What Panchasutra grading counts for one group over meetings held after ``start`` up to
    ``as_of``, as a SELECT of one row: meetings (with minutes), attendance, members saving the
    fixed amount, internal lending against savings, instalments due in the window and covered
    in time, and whether RF and CIF were received.

    The arguments are SQL expressions: bind parameters for one group (the grading endpoint),
    or a lateral row's columns for many groups on many days (the evidence engine's grades), so
    both count alike. ``books`` is the group's entries dated up to ``as_of``, each with its
    signed ``amount``, ``entry_kind``, ``loan_kind`` and its effect on ``savings`` and
    ``principal`` (built from the ledger's sign table)."""
    return f"""
            WITH m AS MATERIALIZED (
              SELECT id, minutes_enc IS NOT NULL AS has_minutes FROM shg_meeting
               WHERE shg_id = {shg} AND deleted_at IS NULL
                 AND held_on > {start} AND held_on <= {as_of}
            ),
            att AS (
              SELECT count(*) AS rows,
                     count(*) FILTER (WHERE a.status IN ('present', 'late')) AS attended
                FROM shg_attendance a JOIN m ON m.id = a.meeting_id
            ),
            dep AS (
              SELECT e.meeting_id, e.member_id, sum(e.amount_paise) AS amount
                FROM shg_ledger_entry e JOIN m ON m.id = e.meeting_id
               WHERE e.kind = 'savings_deposit' AND e.reverses_id IS NULL
                 AND NOT EXISTS (SELECT 1 FROM shg_ledger_entry r
                                  WHERE r.reverses_id = e.id AND r.entry_date <= {as_of})
               GROUP BY e.meeting_id, e.member_id
            ),
            sav AS (
              SELECT count(*) AS pairs,
                     count(*) FILTER (WHERE coalesce(dep.amount, 0) >= {fixed}) AS saved
                FROM shg_attendance a JOIN m ON m.id = a.meeting_id
                LEFT JOIN dep ON dep.meeting_id = a.meeting_id AND dep.member_id = a.member_id
            ),
            bal AS (
              SELECT coalesce(sum(savings), 0) AS savings,
                     coalesce(sum(principal) FILTER (WHERE loan_kind = 'internal'), 0)
                       AS internal_out,
                     coalesce(sum(amount) FILTER (
                       WHERE entry_kind = 'revolving_fund_receipt'), 0) AS rf,
                     coalesce(sum(amount) FILTER (
                       WHERE entry_kind = 'community_investment_fund_receipt'), 0) AS cif
                FROM ({books}) s
            ),
            sched AS (
              SELECT i.loan_id, i.due_on,
                     sum(i.principal_paise + i.interest_paise)
                       OVER (PARTITION BY i.loan_id ORDER BY i.number) AS due_so_far
                FROM shg_loan_instalment i JOIN shg_loan l ON l.id = i.loan_id
               WHERE l.shg_id = {shg} AND l.kind = 'internal' AND l.deleted_at IS NULL
            ),
            rep AS (
              SELECT count(*) AS due,
                     count(*) FILTER (WHERE paid.paise >= sched.due_so_far) AS on_time
                FROM sched
                CROSS JOIN LATERAL (
                  SELECT coalesce(sum(CASE WHEN e.reverses_id IS NULL THEN e.amount_paise
                                           ELSE -e.amount_paise END), 0) AS paise
                    FROM shg_ledger_entry e
                   WHERE e.loan_id = sched.loan_id
                     AND e.kind IN ('principal_repayment', 'interest')
                     AND e.entry_date <= sched.due_on) paid
               WHERE sched.due_on > {start} AND sched.due_on <= {as_of}
            )
            SELECT (SELECT count(*) FROM m) AS meetings_held,
                   (SELECT count(*) FROM m WHERE has_minutes) AS meetings_with_minutes,
                   att.rows AS attendance_rows, att.attended AS attended_rows,
                   sav.pairs AS saving_pairs, sav.saved AS saved_pairs,
                   bal.savings AS savings_paise, bal.internal_out AS internal_outstanding_paise,
                   rep.due AS instalments_due, rep.on_time AS instalments_on_time,
                   bal.rf > 0 AS revolving_fund_received,
                   bal.cif > 0 AS community_investment_fund_received
              FROM att, sav, bal, rep"""


# -- grading rules --------------------------------------------------------------------------
class GradingRuleRepository(Repository):
    async def of_organization(
        self, organization_id: UUID | None, *, for_update: bool = False
    ) -> ShgGradingRule | None:
        """The organisation's rules (``None``: the shared default)."""
        column = col(ShgGradingRule.organization_id)
        condition = column.is_(None) if organization_id is None else column == organization_id
        stmt = sa.select(ShgGradingRule).where(
            condition,
            col(ShgGradingRule.deleted_at).is_(None),
        )
        if for_update:
            stmt = stmt.with_for_update()
        return (await self.session.scalars(stmt.limit(1))).first()

    async def add(self, rule: ShgGradingRule) -> bool:
        """Insert the organisation's first rules; False when another request did first."""
        table = ShgGradingRule.__table__  # type: ignore[attr-defined]
        stmt = (
            insert(table)
            .values(
                id=rule.id,
                organization_id=rule.organization_id,
                rules=rule.rules,
                created_by=rule.created_by,
                version=rule.version,
                created_at=rule.created_at,
                updated_at=rule.updated_at,
            )
            .on_conflict_do_nothing(index_elements=[table.c.organization_id])
            .returning(table.c.id)
        )
        return (await self.session.execute(stmt)).first() is not None

    async def save(self, rule: ShgGradingRule) -> None:
        await self.session.flush()


def entry_key(row: Mapping[str, Any]) -> tuple[int, datetime, UUID]:
    """The keyset key of a ledger row (dates travel as ordinals in cursors)."""
    return (row["entry_date"].toordinal(), row["created_at"], row["id"])


def _balances_sql(signs: SignTable, *, detail: bool, shg: str = ":shg") -> str:
    """The statement of a group's books on ``:as_of`` (``shg``: an SQL expression naming the
    group, by default the bind parameter ``:shg``)."""
    columns = ", ".join(f"sum({account}) AS {account}" for account in ACCOUNTS)
    members = loans = "NULL"
    if detail:
        members = f"""(
          SELECT coalesce(json_agg(json_build_object(
                   'member_id', m.id, 'savings_paise', coalesce(s.savings, 0),
                   'joined_on', m.joined_on, 'exited_on', m.exited_on)
                 ORDER BY m.joined_on, m.created_at, m.id), '[]')
            FROM shg_member m
            LEFT JOIN g s ON s.gm = 0 AND s.gl = 1 AND s.member_id = m.id
           WHERE m.shg_id = {shg} AND m.deleted_at IS NULL AND m.joined_on <= :as_of)"""
        loans = f"""(
          SELECT coalesce(json_agg(json_build_object(
                   'loan_id', l.id, 'kind', l.kind, 'member_id', l.member_id,
                   'status', l.status, 'principal_paise', l.principal_paise,
                   'outstanding_principal_paise', coalesce(x.principal, 0),
                   'interest_paid_paise', coalesce(x.interest, 0),
                   'interest_due_paise',
                     greatest(0, coalesce(d.interest_due, 0) - coalesce(x.interest, 0)),
                   'principal_overdue_paise',
                     greatest(0, coalesce(d.principal_due, 0)
                                 - (l.principal_paise - coalesce(x.principal, 0))))
                 ORDER BY l.disbursed_on, l.created_at, l.id), '[]')
            FROM shg_loan l
            LEFT JOIN g x ON x.gm = 1 AND x.gl = 0 AND x.loan_id = l.id
            LEFT JOIN LATERAL (
              SELECT sum(i.interest_paise) AS interest_due,
                     sum(i.principal_paise) AS principal_due
                FROM shg_loan_instalment i
               WHERE i.loan_id = l.id AND i.due_on <= :as_of) d ON true
           WHERE l.shg_id = {shg} AND l.deleted_at IS NULL AND l.disbursed_on <= :as_of
             AND (l.closed_on IS NULL OR l.closed_on >= :as_of))"""
    sql = f"""
        WITH g AS (
          SELECT GROUPING(member_id) AS gm, GROUPING(loan_id) AS gl, member_id, loan_id,
                 {columns},
                 sum(principal) FILTER (WHERE loan_kind = 'internal') AS internal_out,
                 sum(principal) FILTER (WHERE loan_kind = 'bank') AS bank_out,
                 sum(amount) FILTER (WHERE entry_kind = 'interest'
                                       AND loan_kind = 'internal') AS interest_in,
                 sum(amount) FILTER (WHERE entry_kind = 'interest'
                                       AND loan_kind = 'bank') AS interest_out,
                 sum(amount) FILTER (WHERE entry_kind = 'fine') AS fines,
                 sum(amount) FILTER (WHERE entry_kind = 'revolving_fund_receipt') AS rf,
                 sum(amount) FILTER (
                   WHERE entry_kind = 'community_investment_fund_receipt') AS cif
            FROM ({_signed_entries(signs, " AND e.entry_date <= :as_of", shg)}) s
           GROUP BY GROUPING SETS ((), (member_id), (loan_id))
        )
        SELECT coalesce(t.cash, 0) AS cash, coalesce(t.bank, 0) AS bank,
               coalesce(t.savings, 0) AS savings,
               coalesce(t.internal_out, 0) AS internal_out,
               coalesce(t.bank_out, 0) AS bank_out,
               coalesce(t.interest_in, 0) AS interest_in,
               coalesce(t.interest_out, 0) AS interest_out,
               coalesce(t.fines, 0) AS fines, coalesce(t.rf, 0) AS rf,
               coalesce(t.cif, 0) AS cif,
               {members} AS members, {loans} AS loans
          FROM g t WHERE t.gm = 1 AND t.gl = 1"""
    return sql


def _books(row: Any) -> Mapping[str, Any]:
    values = dict(row._mapping)
    for name in ("members", "loans"):
        if isinstance(values[name], str):
            values[name] = json.loads(values[name])
    return values
