"""Loan arithmetic, pure: the repayment schedule, which instalments are paid, late or overdue,
and when a loan is fully repaid.

Schedules are **monthly** whatever the group's meeting frequency: tenures are agreed in months
and rates per annum, and banks and the livelihood mission schedule their loans monthly; a weekly
group simply collects at any meeting of the month (the collection sheet takes any amount). The
instalment ``k`` falls due ``k`` months after the disbursal (the same day of the month, or the
month's last day when it is shorter).

- **flat**: interest = principal x annual rate x tenure / 12, spread evenly; principal spread
  evenly. Instalments are equal (to the paisa, the remainders spread so the sums are exact).
- **declining balance** (reducing balance, EMI): each month's interest is the outstanding
  principal x rate / 12; the instalment is the equal monthly instalment
  P x i / (1 - (1 + i)^-n), rounded to the paisa, the last one settling what is left.

Amounts are integer paise; rates in basis points per annum; rounding is half up.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction

from persistence.models.livelihood_vocabulary import InterestMethod

BPS_PER_UNIT = 10_000
MONTHS_PER_YEAR = 12


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int
    due_on: date
    principal_paise: int
    interest_paise: int

    @property
    def total_paise(self) -> int:
        return self.principal_paise + self.interest_paise


def add_months(day: date, months: int) -> date:
    """``day`` moved ``months`` months on, clamped to the last day of a shorter month."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (0 when ``end`` is before a month is complete)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day and end != add_months(start, months):
        months -= 1
    return max(0, months)


def _round(value: Fraction) -> int:
    """Half up (amounts here are never negative)."""
    return int((value * 2 + 1) // 2)


def _even(total: int, parts: int, k: int) -> int:
    """Part ``k`` (1-based) of ``total`` spread over ``parts`` so that the parts sum exactly."""
    return total * k // parts - total * (k - 1) // parts


def schedule(
    principal_paise: int,
    annual_rate_bps: int,
    tenure_months: int,
    method: InterestMethod,
    disbursed_on: date,
) -> list[Instalment]:
    """The loan's instalments, monthly from the disbursal."""
    if principal_paise <= 0 or tenure_months <= 0 or annual_rate_bps < 0:
        raise ValueError("principal and tenure must be positive, the rate not negative")
    n = tenure_months
    dues = [add_months(disbursed_on, k) for k in range(1, n + 1)]
    if method is InterestMethod.flat or annual_rate_bps == 0:
        interest = _round(
            Fraction(principal_paise * annual_rate_bps * n, BPS_PER_UNIT * MONTHS_PER_YEAR)
        )
        return [
            Instalment(k, dues[k - 1], _even(principal_paise, n, k), _even(interest, n, k))
            for k in range(1, n + 1)
        ]
    rate = Fraction(annual_rate_bps, BPS_PER_UNIT * MONTHS_PER_YEAR)
    emi = _round(principal_paise * rate / (1 - (1 + rate) ** -n))
    rows, balance = [], principal_paise
    for k in range(1, n + 1):
        interest_k = _round(balance * rate)
        principal_k = balance if k == n else min(balance, max(0, emi - interest_k))
        rows.append(Instalment(k, dues[k - 1], principal_k, interest_k))
        balance -= principal_k
    return rows


class InstalmentStatus(StrEnum):
    paid = "paid"  # covered on or before its due date
    paid_late = "paid_late"  # covered, after its due date
    overdue = "overdue"  # due on or before the date asked about, not covered by then
    partly_paid = "partly_paid"  # not yet due, part of it paid already
    upcoming = "upcoming"  # not yet due, nothing of it paid


@dataclass(frozen=True, slots=True)
class InstalmentState:
    instalment: Instalment
    status: InstalmentStatus
    paid_on: date | None
    paid_paise: int = 0  # what the payments so far cover of it (oldest instalment first)


def instalment_states(
    instalments: Sequence[Instalment], payments: Iterable[tuple[date, int]], as_of: date
) -> list[InstalmentState]:
    """Each instalment's state on ``as_of``, from the loan's payments (date, paise of principal
    and interest together; negative for a reversal). Payments cover instalments in order: an
    instalment is covered on the first day the payments so far reach everything due up to and
    including it. Payments are allocated to instalments oldest first: each instalment's
    ``paid_paise`` is what remains of the payments by ``as_of`` once the instalments before it
    are covered (at most its total), so that a repayment short of an instalment shows against
    it (``partly_paid`` while it is not yet due, ``overdue`` with what was paid once it is)."""
    by_day: dict[date, int] = {}
    for day, paise in payments:
        if day <= as_of:
            by_day[day] = by_day.get(day, 0) + paise
    running, reached = 0, []
    for day in sorted(by_day):
        running += by_day[day]
        reached.append((day, running))
    paid_by_as_of = running
    states, due_so_far = [], 0
    for instalment in sorted(instalments, key=lambda i: i.number):
        paid_paise = min(instalment.total_paise, max(0, paid_by_as_of - due_so_far))
        due_so_far += instalment.total_paise
        paid_on = None
        if paid_by_as_of >= due_so_far:
            paid_on = next((day for day, total in reached if total >= due_so_far), None)
        if paid_on is not None:
            status = (
                InstalmentStatus.paid
                if paid_on <= instalment.due_on
                else InstalmentStatus.paid_late
            )
        elif instalment.due_on <= as_of:
            status = InstalmentStatus.overdue
        elif paid_paise > 0:
            status = InstalmentStatus.partly_paid
        else:
            status = InstalmentStatus.upcoming
        states.append(InstalmentState(instalment, status, paid_on, paid_paise))
    return states


def interest_due(instalments: Iterable[Instalment], on: date) -> int:
    """Interest of the instalments due on or before ``on``."""
    return sum(i.interest_paise for i in instalments if i.due_on <= on)


def is_repaid(
    principal_outstanding_paise: int, interest_paid_paise: int, interest_due_paise: int
) -> bool:
    """A disbursed loan is closed when its principal is repaid and the interest due by then is
    paid (a declining-balance loan repaid early owes no interest of the months not run)."""
    return principal_outstanding_paise == 0 and interest_paid_paise >= interest_due_paise
