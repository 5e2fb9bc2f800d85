"""The arithmetic of an SHG's books, pure: which accounts each kind of entry moves, balances as
of a date, and the accounts a set of entries would drive below zero.

Every amount is a positive number of paise; the kind says which way it moves. A reversal is an
entry of the same kind, member, loan and amount whose ``reverses`` names the entry it undoes:
it moves every account the other way. Balances are sums of entries, nothing else.

Where the money sits (the group keeps two pots):

- **cash in hand**: savings deposits, repayments, interest from members and fines come in;
  withdrawals and internal loan disbursals go out; a bank deposit moves cash to the bank, a
  bank withdrawal moves it back;
- **bank**: revolving fund (RF), community investment fund (CIF) and bank loans are received
  into the group's bank account, and bank loans are repaid from it, interest included
  (``interest`` on a bank loan is interest the group pays the bank; on an internal loan it is
  interest a member pays the group).

Per member: her savings. Per loan: the principal outstanding (disbursed or received, less
repaid) and the interest paid.

Rules the books must keep at the end of every day (a back-dated entry is judged against every
later day too): cash in hand, bank balance, each member's savings and each loan's outstanding
principal never below zero; a loan's interest paid never above the interest of its schedule.

The repository computes the same sums in SQL from :data:`SIGNS` (one statement), so that the
database and this module cannot disagree about a kind; tests compare the two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from uuid import UUID

from persistence.models.livelihood_vocabulary import LedgerKind, LoanKind


class Account(StrEnum):
    cash = "cash"  # the group's cash in hand
    bank = "bank"  # the group's bank balance
    savings = "savings"  # one member's savings
    principal = "principal"  # one loan's outstanding principal
    interest = "interest"  # interest paid on one loan


# Accounts that may never be below zero at the end of a day.
NEVER_NEGATIVE = frozenset({Account.cash, Account.bank, Account.savings, Account.principal})

# Kinds that need a member (and no loan), and kinds that need a loan (the member is the
# loan's). Fines are the group's income; naming the member fined is optional.
MEMBER_KINDS = frozenset({LedgerKind.savings_deposit, LedgerKind.savings_withdrawal})
OPTIONAL_MEMBER_KINDS = frozenset({LedgerKind.fine})
LOAN_KINDS: Mapping[LedgerKind, frozenset[LoanKind]] = {
    LedgerKind.loan_disbursal: frozenset({LoanKind.internal}),
    LedgerKind.principal_repayment: frozenset({LoanKind.internal}),
    LedgerKind.interest: frozenset({LoanKind.internal, LoanKind.bank}),
    LedgerKind.bank_loan_receipt: frozenset({LoanKind.bank}),
    LedgerKind.bank_loan_repayment: frozenset({LoanKind.bank}),
}
# Entries that hand a loan's principal over (the loan is then disbursed, its schedule made).
DISBURSING_KINDS = frozenset({LedgerKind.loan_disbursal, LedgerKind.bank_loan_receipt})
REPAYING_KINDS = frozenset(
    {LedgerKind.principal_repayment, LedgerKind.bank_loan_repayment, LedgerKind.interest}
)

_IN, _OUT = 1, -1
_EFFECTS: dict[LedgerKind, dict[Account, int]] = {
    LedgerKind.savings_deposit: {Account.cash: _IN, Account.savings: _IN},
    LedgerKind.savings_withdrawal: {Account.cash: _OUT, Account.savings: _OUT},
    LedgerKind.loan_disbursal: {Account.cash: _OUT, Account.principal: _IN},
    LedgerKind.principal_repayment: {Account.cash: _IN, Account.principal: _OUT},
    LedgerKind.interest: {Account.cash: _IN, Account.interest: _IN},
    LedgerKind.fine: {Account.cash: _IN},
    LedgerKind.bank_deposit: {Account.cash: _OUT, Account.bank: _IN},
    LedgerKind.bank_withdrawal: {Account.cash: _IN, Account.bank: _OUT},
    LedgerKind.revolving_fund_receipt: {Account.bank: _IN},
    LedgerKind.community_investment_fund_receipt: {Account.bank: _IN},
    LedgerKind.bank_loan_receipt: {Account.bank: _IN, Account.principal: _IN},
    LedgerKind.bank_loan_repayment: {Account.bank: _OUT, Account.principal: _OUT},
}
# Interest on a bank loan is paid by the group, from its bank account.
_BANK_INTEREST = {Account.bank: _OUT, Account.interest: _IN}


def effects(kind: LedgerKind, loan_kind: LoanKind | None = None) -> Mapping[Account, int]:
    """The accounts an entry of ``kind`` moves, and which way (+1 in, -1 out)."""
    if kind is LedgerKind.interest and loan_kind is LoanKind.bank:
        return _BANK_INTEREST
    return _EFFECTS[kind]


@dataclass(frozen=True, slots=True)
class Sign:
    """One line of the sign table: an entry of ``kind`` (on a loan of ``loan_kind`` when not
    None) moves ``account`` by ``sign`` times its amount."""

    account: Account
    kind: LedgerKind
    loan_kind: LoanKind | None
    sign: int


def _signs() -> tuple[Sign, ...]:
    lines = []
    for kind in LedgerKind:
        if kind is LedgerKind.interest:
            for loan_kind in LoanKind:
                lines += [
                    Sign(account, kind, loan_kind, sign)
                    for account, sign in effects(kind, loan_kind).items()
                ]
        else:
            lines += [Sign(account, kind, None, sign) for account, sign in effects(kind).items()]
    return tuple(lines)


# The whole table, for SQL (persistence builds its CASE expressions from it).
SIGNS: tuple[Sign, ...] = _signs()


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger entry as the arithmetic sees it."""

    id: UUID
    kind: LedgerKind
    amount_paise: int
    entry_date: date
    member_id: UUID | None = None
    loan_id: UUID | None = None
    loan_kind: LoanKind | None = None
    reverses_id: UUID | None = None

    @property
    def signed_paise(self) -> int:
        """The amount, negative for a reversal."""
        return -self.amount_paise if self.reverses_id is not None else self.amount_paise

    def moves(self) -> list[tuple[Account, UUID | None, int]]:
        """(account, member or loan or None, paise) for every account this entry moves."""
        out = []
        for account, sign in effects(self.kind, self.loan_kind).items():
            ref = (
                self.member_id
                if account is Account.savings
                else self.loan_id
                if account in (Account.principal, Account.interest)
                else None
            )
            out.append((account, ref, sign * self.signed_paise))
        return out


@dataclass
class Books:
    """Balances as of a date, all in paise."""

    cash_in_hand: int = 0
    bank_balance: int = 0
    savings: dict[UUID, int] = field(default_factory=dict)
    principal_outstanding: dict[UUID, int] = field(default_factory=dict)
    interest_paid: dict[UUID, int] = field(default_factory=dict)
    by_kind: dict[LedgerKind, int] = field(default_factory=dict)

    @property
    def savings_total(self) -> int:
        return sum(self.savings.values())


def balances(entries: Iterable[Entry], as_of: date | None = None) -> Books:
    """The books after every entry dated on or before ``as_of`` (all entries when None)."""
    books = Books()
    accounts: dict[Account, dict[UUID, int]] = {
        Account.savings: books.savings,
        Account.principal: books.principal_outstanding,
        Account.interest: books.interest_paid,
    }
    for entry in entries:
        if as_of is not None and entry.entry_date > as_of:
            continue
        books.by_kind[entry.kind] = books.by_kind.get(entry.kind, 0) + entry.signed_paise
        for account, ref, paise in entry.moves():
            if account is Account.cash:
                books.cash_in_hand += paise
            elif account is Account.bank:
                books.bank_balance += paise
            elif ref is not None:
                pot = accounts[account]
                pot[ref] = pot.get(ref, 0) + paise
    return books


@dataclass(frozen=True, slots=True)
class Shortfall:
    """An account below zero at the end of ``on`` (``ref``: the member or loan)."""

    account: Account
    ref: UUID | None
    on: date


def shortfalls(entries: Iterable[Entry], since: date | None = None) -> list[Shortfall]:
    """The accounts that may not be negative and are, at the end of some day on or after
    ``since``: the first such day of each, ordered by account and day."""
    deltas: dict[tuple[Account, UUID | None], dict[date, int]] = defaultdict(
        lambda: defaultdict(int)
    )
    for entry in entries:
        for account, ref, paise in entry.moves():
            if account in NEVER_NEGATIVE:
                deltas[(account, ref)][entry.entry_date] += paise
    found = []
    for (account, ref), by_day in deltas.items():
        running = 0
        for day in sorted(by_day):
            running += by_day[day]
            if running < 0 and (since is None or day >= since):
                found.append(Shortfall(account, ref, day))
                break
    return sorted(found, key=lambda s: (s.account.value, s.on, str(s.ref)))


def interest_overpaid(
    entries: Iterable[Entry], scheduled_interest: Mapping[UUID, int]
) -> list[UUID]:
    """Loans whose interest paid (all entries) is above the interest of their schedule, or
    below zero."""
    paid: dict[UUID, int] = defaultdict(int)
    for entry in entries:
        for account, ref, paise in entry.moves():
            if account is Account.interest and ref is not None:
                paid[ref] += paise
    return sorted(
        (loan for loan, total in paid.items() if not 0 <= total <= scheduled_interest.get(loan, 0)),
        key=str,
    )
