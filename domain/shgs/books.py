"""A group's books: entries outside meetings, reversals, the ledger, balances as of a date,
and loans (applied -> approved -> disbursed -> closed | written off) with their schedules.

Entries are never edited: a mistake is undone by a reversal (one per entry, dated on or after
the entry) and the right entry posted again. Every write goes through ``posting.post``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, record
from domain.common.errors import (
    BusinessRuleViolation,
    Conflict,
    InvalidState,
)
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED, Keyset, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import require
from domain.shgs import loans, policies
from domain.shgs.access import check_day, require_group, require_open
from domain.shgs.posting import SIGN_TABLE, Posting, as_instalment, check_posting, new_entry, post
from domain.shgs.schemas import (
    BalancesRead,
    InstalmentRead,
    LedgerEntryCreate,
    LedgerEntryRead,
    LedgerPage,
    LoanApproval,
    LoanBalance,
    LoanCreate,
    LoanDetail,
    LoanPage,
    LoanRead,
    LoanTermsUpdate,
    MemberBalance,
    ReversalCreate,
)
from persistence.clock import today
from persistence.models.base import touch
from persistence.models.enums import AuditAction
from persistence.models.livelihood_vocabulary import LedgerKind, LoanKind, LoanStatus
from persistence.models.shg import Shg
from persistence.models.shg_ledger_entry import ShgLedgerEntry
from persistence.models.shg_loan import ShgLoan
from persistence.repositories.shgs import (
    LedgerFilter,
    LedgerRepository,
    LoanRepository,
    MemberRepository,
    ShgRepository,
    entry_key,
)
from persistence.uow import UnitOfWork

ENTRY, LOAN, SHG = "shg_ledger_entry", "shg_loan", "shg"


BOOK_ORDER: Keyset[Mapping[str, Any]] = Keyset("book", 3, entry_key)


def entry_read(entry: ShgLedgerEntry, reversed_by_id: UUID | None = None) -> LedgerEntryRead:
    return LedgerEntryRead(
        id=entry.id,
        kind=entry.kind,
        amount_paise=entry.amount_paise,
        entry_date=entry.entry_date,
        member_id=entry.member_id,
        loan_id=entry.loan_id,
        meeting_id=entry.meeting_id,
        reverses_id=entry.reverses_id,
        reversed_by_id=reversed_by_id,
        created_at=entry.created_at,
    )


class LedgerService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.ledger = LedgerRepository(uow)
        self.loans = LoanRepository(uow)
        self.members = MemberRepository(uow)

    async def post_entry(
        self, principal: Principal, shg_id: UUID, data: LedgerEntryCreate
    ) -> LedgerEntryRead:
        """Post one entry outside a meeting. Raises NotFound, InvalidState (closed group),
        Conflict (id taken), BusinessRuleViolation (the entry's rules, or the books would go
        below zero: nothing is written)."""
        authorize(self.uow, principal, policies.MANAGE, ENTRY)
        shg = await require_group(self.uow, principal, shg_id, for_update=True)
        require_open(shg)
        await reject_taken_id(self.uow, principal, self.ledger, data.id, "shg_ledger_entry")
        entry = new_entry(
            shg,
            data.kind,
            data.amount_paise,
            data.entry_date,
            member_id=data.member_id,
            loan_id=data.loan_id,
            created_by=principal.id,
            entry_id=data.id,
        )
        members = await self.members.of_group(shg.id, [data.member_id] if data.member_id else [])
        loans_by_id = await self.loans.of_group(
            shg.id, [data.loan_id] if data.loan_id else [], for_update=True
        )
        posting = Posting(entry, "")
        check_posting(shg, posting, members, loans_by_id)
        changed = await post(self.uow, shg, [posting], loans_by_id)
        record(self.uow, principal, AuditAction.create, ENTRY, entry.id)
        for loan in changed:
            record(self.uow, principal, AuditAction.update, LOAN, loan.id)
        return entry_read(entry)

    async def reverse(
        self, principal: Principal, shg_id: UUID, entry_id: UUID, data: ReversalCreate
    ) -> LedgerEntryRead:
        """Reverse an entry with an equal and opposite one. Raises NotFound, InvalidState (a
        reversal, or a closed group), Conflict (already reversed), BusinessRuleViolation (a
        date before the entry's, or the books would go below zero)."""
        authorize(self.uow, principal, policies.MANAGE, ENTRY, entry_id)
        shg = await require_group(self.uow, principal, shg_id, for_update=True)
        require_open(shg)
        original = await require(self.ledger.get(shg.id, entry_id), "Ledger entry")
        if original.reverses_id is not None:
            raise InvalidState("A reversal is not reversed: post the entry again instead.")
        if await self.ledger.reversal_of(original.id) is not None:
            raise Conflict("The entry is already reversed.")
        day = data.entry_date or today()
        check_day(shg, day, "entry_date")
        if day < original.entry_date:
            raise BusinessRuleViolation(
                "A reversal is dated on or after the entry it reverses.", field="entry_date"
            )
        reversal = new_entry(
            shg,
            LedgerKind(original.kind),
            original.amount_paise,
            day,
            member_id=original.member_id,
            loan_id=original.loan_id,
            reverses_id=original.id,
            created_by=principal.id,
        )
        loans_by_id = await self.loans.of_group(
            shg.id, [original.loan_id] if original.loan_id else [], for_update=True
        )
        changed = await post(self.uow, shg, [Posting(reversal, "")], loans_by_id)
        record(self.uow, principal, AuditAction.create, ENTRY, reversal.id)
        for loan in changed:
            record(self.uow, principal, AuditAction.update, LOAN, loan.id)
        return entry_read(reversal)

    async def list(
        self, principal: Principal, shg_id: UUID, page: PageRequest, filters: LedgerFilter
    ) -> LedgerPage:
        """The group's entries in book order (date, then when recorded); the search is
        audited. Raises NotFound."""
        authorize(self.uow, principal, policies.READ, ENTRY)
        shg = await require_group(self.uow, principal, shg_id)
        record(self.uow, principal, AuditAction.search, ENTRY, organization_id=shg.organization_id)
        return await paginate(
            page,
            BOOK_ORDER,
            fetch=lambda after, limit: self.ledger.page(shg.id, filters, after, limit),
            to_read=lambda rows: [LedgerEntryRead.model_validate(row) for row in rows],
            count=lambda: self.ledger.count(shg.id, filters),
            page_type=LedgerPage,
        )

    async def get_entry(
        self, principal: Principal, shg_id: UUID, entry_id: UUID
    ) -> LedgerEntryRead:
        """One entry, with the id of its reversal if any; audited. Raises NotFound."""
        authorize(self.uow, principal, policies.READ, ENTRY, entry_id)
        shg = await require_group(self.uow, principal, shg_id)
        entry = await require(self.ledger.get(shg.id, entry_id), "Ledger entry")
        record(self.uow, principal, AuditAction.read, ENTRY, entry.id)
        return entry_read(entry, await self.ledger.reversal_of(entry.id))

    async def balances(
        self, principal: Principal, shg_id: UUID, as_of: date | None
    ) -> BalancesRead:
        """The books on ``as_of`` (default today), summed from the entries in one statement:
        cash in hand, bank balance and totals; each member's savings and each loan's standing
        for callers with shgs:read (audited). Raises NotFound."""
        authorize(self.uow, principal, policies.OVERVIEW, SHG, shg_id)
        shg = await require_group(self.uow, principal, shg_id)
        day = as_of or today()
        detail = policies.sees_records(principal)
        row = await self.ledger.balances(shg.id, day, SIGN_TABLE, detail=detail)
        if detail:
            record(self.uow, principal, AuditAction.read, ENTRY, shg.id)
        return balances_read(shg, day, row)

    async def balances_of_groups(
        self, principal: Principal, shg_ids: Sequence[UUID]
    ) -> Sequence[BalancesRead]:
        """The books today of those among ``shg_ids`` in the caller's scope, each as
        :meth:`balances` answers and audits it; two statements whatever their number (a
        device's first pull)."""
        authorize(self.uow, principal, policies.OVERVIEW, SHG)
        groups = await ShgRepository(self.uow).get_many(shg_ids, policies.group_scope(principal))
        day = today()
        detail = policies.sees_records(principal)
        rows = await self.ledger.balances_many(
            [shg.id for shg in groups], day, SIGN_TABLE, detail=detail
        )
        if detail:
            for shg in groups:
                record(self.uow, principal, AuditAction.read, ENTRY, shg.id)
        return [balances_read(shg, day, rows[shg.id]) for shg in groups]


def balances_read(shg: Shg, day: date, row: Mapping[str, Any]) -> BalancesRead:
    members = row["members"]
    loans_ = row["loans"]
    return BalancesRead(
        shg_id=shg.id,
        as_of=day,
        cash_in_hand_paise=int(row["cash"]),
        bank_balance_paise=int(row["bank"]),
        savings_paise=int(row["savings"]),
        internal_loans_outstanding_paise=int(row["internal_out"]),
        bank_loans_outstanding_paise=int(row["bank_out"]),
        interest_received_paise=int(row["interest_in"]),
        interest_paid_to_bank_paise=int(row["interest_out"]),
        fines_paise=int(row["fines"]),
        revolving_fund_paise=int(row["rf"]),
        community_investment_fund_paise=int(row["cif"]),
        members=None if members is None else [MemberBalance.model_validate(m) for m in members],
        loans=None if loans_ is None else [LoanBalance.model_validate(x) for x in loans_],
    )


class LoanService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.loans = LoanRepository(uow)
        self.members = MemberRepository(uow)

    async def apply(self, principal: Principal, shg_id: UUID, data: LoanCreate) -> LoanRead:
        """Record a loan applied for. Raises NotFound, InvalidState (closed group), Conflict
        (id taken), BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE, LOAN)
        shg = await require_group(self.uow, principal, shg_id, for_update=True)
        require_open(shg)
        check_day(shg, data.applied_on, "applied_on")
        await reject_taken_id(self.uow, principal, self.loans, data.id, "shg_loan")
        rate = data.annual_rate_bps
        if data.kind is LoanKind.internal:
            if data.member_id is None:
                raise BusinessRuleViolation(
                    "An internal loan is lent to a member: member_id is required.",
                    field="member_id",
                )
            member = (await self.members.of_group(shg.id, [data.member_id])).get(data.member_id)
            if member is None or not (
                member.joined_on <= data.applied_on
                and (member.exited_on is None or member.exited_on > data.applied_on)
            ):
                raise BusinessRuleViolation(
                    "Not an active member of the group on that date.", field="member_id"
                )
            rate = shg.interest_rate_bps if rate is None else rate
        else:
            if data.member_id is not None:
                raise BusinessRuleViolation(
                    "A bank loan is lent to the group: it takes no member_id.", field="member_id"
                )
            if data.lender is None:
                raise BusinessRuleViolation("A bank loan names its lender.", field="lender")
            if rate is None:
                raise BusinessRuleViolation("A bank loan states its rate.", field="annual_rate_bps")
        loan = ShgLoan(
            organization_id=shg.organization_id,
            shg_id=shg.id,
            member_id=data.member_id,
            kind=data.kind,
            lender=data.lender,
            purpose=data.purpose,
            principal_paise=data.principal_paise,
            annual_rate_bps=rate,
            tenure_months=data.tenure_months,
            interest_method=data.interest_method,
            status=LoanStatus.applied,
            applied_on=data.applied_on,
            created_by=principal.id,
        )
        if data.id is not None:
            loan.id = data.id
        await self.loans.add(loan)
        record(self.uow, principal, AuditAction.create, LOAN, loan.id)
        return LoanRead.model_validate(loan)

    async def update_terms(
        self,
        principal: Principal,
        shg_id: UUID,
        loan_id: UUID,
        data: LoanTermsUpdate,
        expected_version: int,
    ) -> LoanRead:
        """Change the terms of a loan not yet disbursed. Raises NotFound, PreconditionFailed,
        InvalidState, BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE, LOAN, loan_id)
        shg, loan = await self._locked(principal, shg_id, loan_id, expected_version)
        if loan.status not in (LoanStatus.applied, LoanStatus.approved):
            raise InvalidState("Only a loan not yet disbursed can change its terms.")
        changes = data.changes()
        if "applied_on" in changes:
            check_day(shg, changes["applied_on"], "applied_on")
            if loan.approved_on is not None and changes["applied_on"] > loan.approved_on:
                raise BusinessRuleViolation(
                    "A loan is applied for before it is approved.", field="applied_on"
                )
        if loan.kind == LoanKind.bank and "lender" in changes and changes["lender"] is None:
            raise BusinessRuleViolation("A bank loan names its lender.", field="lender")
        for name, value in changes.items():
            setattr(loan, name, value)
        touch(loan)
        await self.loans.save(loan)
        record(self.uow, principal, AuditAction.update, LOAN, loan.id)
        return LoanRead.model_validate(loan)

    async def approve(
        self,
        principal: Principal,
        shg_id: UUID,
        loan_id: UUID,
        data: LoanApproval,
        expected_version: int | None = None,
    ) -> LoanRead:
        """Approve a loan applied for (the group's resolution). Raises NotFound,
        PreconditionFailed, InvalidState, BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE, LOAN, loan_id)
        shg, loan = await self._locked(principal, shg_id, loan_id, expected_version)
        if loan.status != LoanStatus.applied:
            raise InvalidState(f"The loan is {loan.status}: only a loan applied for is approved.")
        check_day(shg, data.approved_on, "approved_on")
        if data.approved_on < loan.applied_on:
            raise BusinessRuleViolation(
                "A loan is approved on or after its application.", field="approved_on"
            )
        loan.status, loan.approved_on = LoanStatus.approved, data.approved_on
        touch(loan)
        await self.loans.save(loan)
        record(self.uow, principal, AuditAction.update, LOAN, loan.id)
        return LoanRead.model_validate(loan)

    async def write_off(
        self,
        principal: Principal,
        shg_id: UUID,
        loan_id: UUID,
        expected_version: int | None = None,
    ) -> LoanRead:
        """Write off a disbursed loan that will not be repaid (it then takes no repayment; its
        outstanding principal stays in the books). Raises NotFound, PreconditionFailed,
        InvalidState."""
        authorize(self.uow, principal, policies.MANAGE, LOAN, loan_id)
        _, loan = await self._locked(principal, shg_id, loan_id, expected_version)
        if loan.status != LoanStatus.disbursed:
            raise InvalidState(f"The loan is {loan.status}: only a disbursed loan is written off.")
        loan.status = LoanStatus.written_off
        touch(loan)
        await self.loans.save(loan)
        record(self.uow, principal, AuditAction.update, LOAN, loan.id)
        return LoanRead.model_validate(loan)

    async def get(
        self, principal: Principal, shg_id: UUID, loan_id: UUID, as_of: date | None
    ) -> LoanDetail:
        """A loan with its schedule, each instalment's state on ``as_of`` (default today) and
        what is overdue; audited. Raises NotFound."""
        authorize(self.uow, principal, policies.READ, LOAN, loan_id)
        shg = await require_group(self.uow, principal, shg_id)
        loan = await require(self.loans.in_group(shg.id, loan_id), "Loan")
        record(self.uow, principal, AuditAction.read, LOAN, loan.id)
        day = as_of or today()
        instalments = [as_instalment(row) for row in await self.loans.instalments(loan.id)]
        states = loans.instalment_states(instalments, await self.loans.payments(loan.id), day)
        position = (await self.loans.positions([loan.id], SIGN_TABLE))[loan.id]
        overdue = [s for s in states if s.status is loans.InstalmentStatus.overdue]
        paid = sum(p for d, p in await self.loans.payments(loan.id) if d <= day)
        due = sum(s.instalment.total_paise for s in states if s.instalment.due_on <= day)
        return LoanDetail(
            **LoanRead.model_validate(loan).model_dump(),
            as_of=day,
            outstanding_principal_paise=position.principal_outstanding,
            interest_paid_paise=position.interest_paid,
            instalments=[
                InstalmentRead(
                    number=s.instalment.number,
                    due_on=s.instalment.due_on,
                    principal_paise=s.instalment.principal_paise,
                    interest_paise=s.instalment.interest_paise,
                    status=s.status,
                    paid_on=s.paid_on,
                    paid_paise=s.paid_paise,
                    outstanding_paise=s.instalment.total_paise - s.paid_paise,
                )
                for s in states
            ],
            overdue_instalments=len(overdue),
            overdue_paise=max(0, due - paid),
        )

    async def list(
        self,
        principal: Principal,
        shg_id: UUID,
        page: PageRequest,
        *,
        status: LoanStatus | None = None,
        member_id: UUID | None = None,
        kind: LoanKind | None = None,
    ) -> LoanPage:
        """The group's loans, oldest first; the search is audited. Raises NotFound."""
        authorize(self.uow, principal, policies.READ, LOAN)
        shg = await require_group(self.uow, principal, shg_id)
        record(self.uow, principal, AuditAction.search, LOAN, organization_id=shg.organization_id)
        return await paginate(
            page,
            CREATED,
            fetch=lambda after, limit: self.loans.page_in_group(
                shg.id,
                after,
                limit,
                status=status.value if status else None,
                member_id=member_id,
                kind=kind.value if kind else None,
            ),
            to_read=lambda rows: [LoanRead.model_validate(loan) for loan in rows],
            count=lambda: self.loans.count_in_group(
                shg.id,
                status=status.value if status else None,
                member_id=member_id,
                kind=kind.value if kind else None,
            ),
            page_type=LoanPage,
        )

    async def _locked(
        self, principal: Principal, shg_id: UUID, loan_id: UUID, expected_version: int | None
    ) -> tuple[Shg, ShgLoan]:
        shg = await require_group(self.uow, principal, shg_id, for_update=True)
        loan = await require(
            self.loans.in_group(shg.id, loan_id, for_update=True), "Loan", version=expected_version
        )
        require_open(shg)
        return shg, loan
