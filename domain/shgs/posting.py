"""The one way money enters a group's books: a collection sheet, an entry outside a meeting
and a reversal all post through :func:`post`.

1. each line is checked on its own (its kind's member or loan, the loan's state, dates);
2. the entries are written, and the loans they touch move (a disbursal makes the loan
   disbursed with its schedule; a loan whose principal and due interest are repaid closes; a
   reversal can take a loan back);
3. one statement checks the books from the earliest date written: no cash, bank, savings or
   loan principal below zero at the end of any day, no interest above a loan's schedule.

Any failure raises BusinessRuleViolation naming the request's line; the unit of work then
rolls back everything the request wrote. Callers hold the group's row lock (``require_group(...,
for_update=True)``) so that concurrent writes to one group are judged one after the other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from domain.common.errors import BusinessRuleViolation
from domain.shgs import ledger, loans
from domain.shgs.access import check_day
from persistence.models.base import touch
from persistence.models.livelihood_vocabulary import LedgerKind, LoanKind, LoanStatus
from persistence.models.shg import Shg
from persistence.models.shg_ledger_entry import ShgLedgerEntry
from persistence.models.shg_loan import ShgLoan
from persistence.models.shg_loan_instalment import ShgLoanInstalment
from persistence.models.shg_member import ShgMember
from persistence.repositories.shgs import (
    LedgerRepository,
    LoanRepository,
    ShortfallRow,
    SignTable,
)
from persistence.uow import UnitOfWork

SIGN_TABLE: SignTable = tuple(
    (
        sign.account.value,
        sign.kind.value,
        sign.loan_kind.value if sign.loan_kind else None,
        sign.sign,
    )
    for sign in ledger.SIGNS
)

_SHORTFALL_MESSAGES = {
    ledger.Account.cash: "Cash in hand would fall below zero on {day}.",
    ledger.Account.bank: "The bank balance would fall below zero on {day}.",
    ledger.Account.savings: "The member's savings would fall below zero on {day}.",
    ledger.Account.principal: (
        "The loan's outstanding principal would fall below zero on {day}: the repayment is "
        "more than is outstanding, or comes before the disbursal."
    ),
    ledger.Account.interest: "Interest paid would exceed the interest of the loan's schedule.",
}


@dataclass
class Posting:
    """An entry to write, and the line of the request it comes from (``savings[2]``, or ``""``
    for a body that is one entry)."""

    entry: ShgLedgerEntry
    line: str

    def field(self, name: str) -> str:
        return f"{self.line}.{name}" if self.line else name


def new_entry(
    shg: Shg,
    kind: LedgerKind,
    amount_paise: int,
    entry_date: date,
    *,
    member_id: UUID | None = None,
    loan_id: UUID | None = None,
    meeting_id: UUID | None = None,
    reverses_id: UUID | None = None,
    created_by: UUID | None = None,
    entry_id: UUID | None = None,
) -> ShgLedgerEntry:
    entry = ShgLedgerEntry(
        organization_id=shg.organization_id,
        shg_id=shg.id,
        meeting_id=meeting_id,
        kind=kind,
        member_id=member_id,
        loan_id=loan_id,
        amount_paise=amount_paise,
        entry_date=entry_date,
        reverses_id=reverses_id,
        created_by=created_by,
    )
    if entry_id is not None:
        entry.id = entry_id
    return entry


def _active(member: ShgMember, day: date) -> bool:
    return member.joined_on <= day and (member.exited_on is None or member.exited_on > day)


def check_posting(
    shg: Shg,
    posting: Posting,
    members: Mapping[UUID, ShgMember],
    loans_by_id: Mapping[UUID, ShgLoan],
    *,
    date_field: str = "entry_date",
) -> None:
    """Check one new (not reversing) entry against its kind's rules, and fill in the member
    of a loan's entry. Raises BusinessRuleViolation naming the line's field."""
    entry = posting.entry
    kind = LedgerKind(entry.kind)
    check_day(shg, entry.entry_date, date_field)
    member_field, loan_field = posting.field("member_id"), posting.field("loan_id")
    if kind in ledger.LOAN_KINDS:
        if entry.member_id is not None:
            raise BusinessRuleViolation(
                "An entry on a loan takes no member_id: the loan names its member.",
                field=member_field,
            )
        _check_loan_entry(posting, kind, loans_by_id.get(entry.loan_id) if entry.loan_id else None)
        return
    if entry.loan_id is not None:
        raise BusinessRuleViolation("This kind of entry takes no loan_id.", field=loan_field)
    if kind not in ledger.MEMBER_KINDS | ledger.OPTIONAL_MEMBER_KINDS:
        if entry.member_id is not None:
            raise BusinessRuleViolation(
                "This kind of entry is the group's and takes no member_id.", field=member_field
            )
        return
    if entry.member_id is None:
        if kind in ledger.MEMBER_KINDS:
            raise BusinessRuleViolation(
                "member_id is required for this kind of entry.", field=member_field
            )
        return
    member = members.get(entry.member_id)
    if member is None:
        raise BusinessRuleViolation("No such member in this group.", field=member_field)
    if kind is LedgerKind.savings_withdrawal:
        if member.joined_on > entry.entry_date:
            raise BusinessRuleViolation(
                "The member had not joined the group on that date.", field=member_field
            )
    elif not _active(member, entry.entry_date):
        raise BusinessRuleViolation(
            "The member is not an active member of the group on that date.", field=member_field
        )


def _check_loan_entry(posting: Posting, kind: LedgerKind, loan: ShgLoan | None) -> None:
    entry, loan_field = posting.entry, posting.field("loan_id")
    if entry.loan_id is None:
        raise BusinessRuleViolation("loan_id is required for this kind of entry.", field=loan_field)
    if loan is None:
        raise BusinessRuleViolation("No such loan in this group.", field=loan_field)
    if LoanKind(loan.kind) not in ledger.LOAN_KINDS[kind]:
        raise BusinessRuleViolation(
            f"This kind of entry does not apply to a loan of kind {loan.kind}.", field=loan_field
        )
    status = LoanStatus(loan.status)
    if kind in ledger.DISBURSING_KINDS:
        if status is not LoanStatus.approved:
            raise BusinessRuleViolation(
                "Only an approved loan can be disbursed"
                + (" (this one already was)." if loan.disbursed_on else "."),
                field=loan_field,
            )
        if entry.amount_paise != loan.principal_paise:
            raise BusinessRuleViolation(
                "A disbursal hands over the loan's whole principal.",
                field=posting.field("amount_paise"),
            )
        if loan.approved_on is not None and entry.entry_date < loan.approved_on:
            raise BusinessRuleViolation(
                "A loan is disbursed on or after its approval.", field=loan_field
            )
    elif status in (LoanStatus.closed, LoanStatus.written_off):
        raise BusinessRuleViolation(
            f"The loan is {status.value.replace('_', ' ')}: it takes no repayment.",
            field=loan_field,
        )
    elif status is not LoanStatus.disbursed:
        raise BusinessRuleViolation("The loan has not been disbursed.", field=loan_field)
    entry.member_id = loan.member_id


def as_entry(row: ShgLedgerEntry, loans_by_id: Mapping[UUID, ShgLoan]) -> ledger.Entry:
    loan = loans_by_id.get(row.loan_id) if row.loan_id else None
    return ledger.Entry(
        id=row.id,
        kind=LedgerKind(row.kind),
        amount_paise=row.amount_paise,
        entry_date=row.entry_date,
        member_id=row.member_id,
        loan_id=row.loan_id,
        loan_kind=LoanKind(loan.kind) if loan else None,
        reverses_id=row.reverses_id,
    )


async def post(
    uow: UnitOfWork,
    shg: Shg,
    postings: Sequence[Posting],
    loans_by_id: Mapping[UUID, ShgLoan],
) -> list[ShgLoan]:
    """Write the entries (already checked, or reversals), move the loans they touch, and
    check the books. Returns the loans whose state changed. Raises BusinessRuleViolation."""
    if not postings:
        return []
    ledger_repo, loan_repo = LedgerRepository(uow), LoanRepository(uow)
    await ledger_repo.add_all([p.entry for p in postings])
    changed = await _move_loans(loan_repo, postings, loans_by_id)
    entries = [as_entry(p.entry, loans_by_id) for p in postings]
    members = {e.member_id for e in entries if e.member_id and e.kind in ledger.MEMBER_KINDS}
    loan_ids = {e.loan_id for e in entries if e.loan_id}
    found = await ledger_repo.shortfalls(
        shg.id, min(e.entry_date for e in entries), members, loan_ids, SIGN_TABLE
    )
    if found:
        raise _violation(found[0], postings, entries)
    return changed


async def _move_loans(
    repo: LoanRepository, postings: Sequence[Posting], loans_by_id: Mapping[UUID, ShgLoan]
) -> list[ShgLoan]:
    changed: dict[UUID, ShgLoan] = {}
    settle: set[UUID] = set()
    for posting in postings:
        entry = posting.entry
        if entry.loan_id is None:
            continue
        loan = loans_by_id[entry.loan_id]
        if LedgerKind(entry.kind) in ledger.DISBURSING_KINDS:
            if entry.reverses_id is None:
                loan.status, loan.disbursed_on = LoanStatus.disbursed, entry.entry_date
                rows = loans.schedule(
                    loan.principal_paise,
                    loan.annual_rate_bps,
                    loan.tenure_months,
                    loan.interest_method,
                    entry.entry_date,
                )
                await repo.set_schedule(
                    loan.id,
                    [
                        {
                            "number": row.number,
                            "due_on": row.due_on,
                            "principal_paise": row.principal_paise,
                            "interest_paise": row.interest_paise,
                        }
                        for row in rows
                    ],
                )
            else:
                loan.status, loan.disbursed_on, loan.closed_on = LoanStatus.approved, None, None
                await repo.set_schedule(loan.id, [])
            changed[loan.id] = loan
        else:
            settle.add(loan.id)
    settle = {
        loan_id
        for loan_id in settle
        if LoanStatus(loans_by_id[loan_id].status) in (LoanStatus.disbursed, LoanStatus.closed)
    }
    positions = await repo.positions(settle, SIGN_TABLE)
    for loan_id in sorted(settle, key=str):
        loan, position = loans_by_id[loan_id], positions[loan_id]
        last = position.last_payment_on
        due = (
            loans.interest_due(
                [as_instalment(row) for row in await repo.instalments(loan_id)], last
            )
            if last
            else 0
        )
        repaid = last is not None and loans.is_repaid(
            position.principal_outstanding, position.interest_paid, due
        )
        if repaid and (loan.status != LoanStatus.closed or loan.closed_on != last):
            loan.status, loan.closed_on = LoanStatus.closed, last
            changed[loan.id] = loan
        elif not repaid and loan.status == LoanStatus.closed:
            loan.status, loan.closed_on = LoanStatus.disbursed, None
            changed[loan.id] = loan
    for loan in changed.values():
        touch(loan)
    await repo.flush()
    return list(changed.values())


def as_instalment(row: ShgLoanInstalment) -> loans.Instalment:
    return loans.Instalment(
        number=row.number,
        due_on=row.due_on,
        principal_paise=row.principal_paise,
        interest_paise=row.interest_paise,
    )


def _violation(
    found: ShortfallRow, postings: Sequence[Posting], entries: Sequence[ledger.Entry]
) -> BusinessRuleViolation:
    account = ledger.Account(found.account)
    harmful = 1 if account is ledger.Account.interest else -1
    culprit, touching = None, None
    for posting, entry in zip(postings, entries, strict=True):
        for moved, ref, paise in entry.moves():
            if moved is not account or (found.ref is not None and ref != found.ref):
                continue
            touching = touching or posting
            if paise * harmful > 0 and culprit is None:
                culprit = posting
    chosen = culprit or touching or postings[0]
    message = _SHORTFALL_MESSAGES[account].format(day=found.on.isoformat() if found.on else "")
    return BusinessRuleViolation(message, field=chosen.field("amount_paise"))
