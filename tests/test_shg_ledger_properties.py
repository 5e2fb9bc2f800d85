"""Properties of an SHG's books (hypothesis): balances are the sum of the entries, and the
accounts the rules keep at or above zero (cash in hand, bank, each member's savings, each
loan's principal) never go below it, whatever order, dates and reversals the entries come in.

The pure arithmetic (domain/shgs/ledger.py) is checked against an independent running sum;
through the API, random writes (some bound to be refused) are checked against that model:
every write the model refuses answers 422 and writes nothing, and the balances the API reads
on every date equal the sums of the entries it lists."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.shgs import ledger
from domain.shgs.ledger import Account, Entry
from persistence.models.livelihood_vocabulary import LedgerKind, LoanKind
from tests.test_shgs import FORMED, Group, World, add_member, create_group, world  # noqa: F401

MEMBERS = [uuid4() for _ in range(3)]
GROUP_KINDS = [
    LedgerKind.savings_deposit,
    LedgerKind.savings_withdrawal,
    LedgerKind.fine,
    LedgerKind.bank_deposit,
    LedgerKind.bank_withdrawal,
    LedgerKind.revolving_fund_receipt,
]
MEMBER_KINDS = {LedgerKind.savings_deposit, LedgerKind.savings_withdrawal}


@st.composite
def operations(draw: st.DrawFn) -> list[tuple[str, Any]]:
    """A sequence of ("post", (kind, member index, amount, day)) and ("reverse", (index of an
    earlier operation, days after it))."""
    found: list[tuple[str, Any]] = []
    for _ in range(draw(st.integers(1, 14))):
        if found and draw(st.integers(0, 4)) == 0:
            found.append(
                ("reverse", (draw(st.integers(0, len(found) - 1)), draw(st.integers(0, 5))))
            )
            continue
        kind = draw(st.sampled_from(GROUP_KINDS))
        member = draw(st.integers(0, 2)) if kind in MEMBER_KINDS else None
        amount = draw(st.integers(1, 5_000))
        found.append(("post", (kind, member, amount, draw(st.integers(0, 30)))))
    return found


def running_balances(entries: list[Entry]) -> dict[tuple[Account, UUID | None], list[int]]:
    """End-of-day balances of every account, independently of ledger.balances: a plain running
    sum over days in order."""
    by_day: dict[tuple[Account, UUID | None], dict[date, int]] = defaultdict(dict)
    for entry in entries:
        for account, ref, paise in entry.moves():
            days = by_day[(account, ref)]
            days[entry.entry_date] = days.get(entry.entry_date, 0) + paise
    out = {}
    for key, days in by_day.items():
        total, series = 0, []
        for day in sorted(days):
            total += days[day]
            series.append(total)
        out[key] = series
    return out


def accept(entries: list[Entry], candidate: Entry) -> bool:
    return not ledger.shortfalls([*entries, candidate], since=candidate.entry_date)


def build(ops: list[tuple[str, Any]], start: date) -> tuple[list[Entry], list[Entry | None]]:
    """Apply the operations as the rules allow; the entries kept, and for each operation the
    entry it made (None when refused)."""
    kept: list[Entry] = []
    made: list[Entry | None] = []
    reversed_ids: set[UUID] = set()
    for op, args in ops:
        candidate: Entry | None = None
        if op == "post":
            kind, member, amount, offset = args
            candidate = Entry(
                id=uuid4(),
                kind=kind,
                amount_paise=amount,
                entry_date=start + timedelta(days=offset),
                member_id=None if member is None else MEMBERS[member],
            )
        else:
            index, later = args
            original = made[index]
            if (
                original is not None
                and original.reverses_id is None
                and original.id not in reversed_ids
            ):
                candidate = Entry(
                    id=uuid4(),
                    kind=original.kind,
                    amount_paise=original.amount_paise,
                    entry_date=original.entry_date + timedelta(days=later),
                    member_id=original.member_id,
                    reverses_id=original.id,
                )
        if candidate is not None and accept(kept, candidate):
            kept.append(candidate)
            if candidate.reverses_id is not None:
                reversed_ids.add(candidate.reverses_id)
            made.append(candidate)
        else:
            made.append(None)
    return kept, made


@settings(max_examples=300, deadline=None)
@given(ops=operations())
def test_balances_are_sums_of_entries_and_never_negative(ops: list[tuple[str, Any]]) -> None:
    start = date(2026, 1, 1)
    kept, _ = build(ops, start)
    series = running_balances(kept)
    for (account, _ref), values in series.items():
        if account in ledger.NEVER_NEGATIVE:
            assert all(v >= 0 for v in values), (account, values)
    books = ledger.balances(kept)
    assert books.cash_in_hand == (series.get((Account.cash, None)) or [0])[-1]
    assert books.bank_balance == (series.get((Account.bank, None)) or [0])[-1]
    assert books.savings_total == sum(
        values[-1] for (account, _), values in series.items() if account is Account.savings
    )
    # The sum over kinds, with their signs, is the cash and bank together.
    signed = sum(
        sign * e.signed_paise
        for e in kept
        for account, sign in ledger.effects(e.kind).items()
        if account in (Account.cash, Account.bank)
    )
    assert books.cash_in_hand + books.bank_balance == signed
    # As of any day, the books are the sum of the entries dated up to it.
    for offset in (0, 10, 40):
        as_of = start + timedelta(days=offset)
        partial = ledger.balances([e for e in kept if e.entry_date <= as_of])
        assert ledger.balances(kept, as_of) == partial


@settings(max_examples=200, deadline=None)
@given(
    principal=st.integers(1, 10_000_000),
    rate=st.integers(0, 6000),
    tenure=st.integers(1, 60),
    method=st.sampled_from(["flat", "declining_balance"]),
)
def test_schedules_repay_the_principal_exactly(
    principal: int, rate: int, tenure: int, method: str
) -> None:
    from domain.shgs.loans import schedule
    from persistence.models.livelihood_vocabulary import InterestMethod

    rows = schedule(principal, rate, tenure, InterestMethod(method), date(2026, 1, 31))
    assert len(rows) == tenure
    assert sum(r.principal_paise for r in rows) == principal
    assert all(r.principal_paise >= 0 and r.interest_paise >= 0 for r in rows)
    assert [r.due_on for r in rows] == sorted(r.due_on for r in rows)
    if rate == 0:
        assert all(r.interest_paise == 0 for r in rows)


def test_the_sign_table_moves_loans_the_right_way() -> None:
    # An internal loan's interest comes in as cash; a bank loan's goes out of the bank.
    assert ledger.effects(LedgerKind.interest, LoanKind.internal)[Account.cash] == 1
    assert ledger.effects(LedgerKind.interest, LoanKind.bank)[Account.bank] == -1
    assert Account.interest not in ledger.NEVER_NEGATIVE


# -- through the API ------------------------------------------------------------------------
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations())
async def test_the_api_keeps_the_same_books(
    client: httpx.AsyncClient,
    world: World,  # noqa: F811
    ops: list[tuple[str, Any]],
) -> None:
    actor = world.sw_a
    shg = await create_group(client, actor)
    members = [
        (await add_member(client, actor, shg["id"], name=f"Member {i}"))["id"] for i in range(3)
    ]
    group = Group(shg, [])
    start = FORMED + timedelta(days=1)
    kept, made = build(ops, start)
    expected_ok = [m is not None for m in made]
    posted: list[str | None] = []  # API id of each operation's entry
    for (op, args), ok in zip(ops, expected_ok, strict=True):
        if op == "post":
            kind, member, amount, offset = args
            body: dict[str, Any] = {
                "kind": kind.value,
                "amount_paise": amount,
                "entry_date": (start + timedelta(days=offset)).isoformat(),
            }
            if member is not None:
                body["member_id"] = members[member]
            response = await client.post(group.url("/ledger"), json=body, headers=actor.headers)
        else:
            index, later = args
            target = posted[index]
            if target is None:
                posted.append(None)
                assert not ok
                continue
            original = made[index]
            assert original is not None
            response = await client.post(
                group.url(f"/ledger/{target}/reversal"),
                json={"entry_date": (original.entry_date + timedelta(days=later)).isoformat()},
                headers=actor.headers,
            )
        if ok:
            assert response.status_code == 201, (op, args, response.text)
            posted.append(response.json()["id"])
        else:
            assert response.status_code in (409, 422), (op, args, response.text)
            posted.append(None)

    listed = await client.get(group.url("/ledger"), params={"limit": 200}, headers=actor.headers)
    entries = [
        Entry(
            id=UUID(row["id"]),
            kind=LedgerKind(row["kind"]),
            amount_paise=row["amount_paise"],
            entry_date=date.fromisoformat(row["entry_date"]),
            member_id=UUID(row["member_id"]) if row["member_id"] else None,
            reverses_id=UUID(row["reverses_id"]) if row["reverses_id"] else None,
        )
        for row in listed.json()["items"]
    ]
    assert len(entries) == len(kept)
    for offset in (0, 7, 15, 36):
        as_of = start + timedelta(days=offset)
        books = ledger.balances(entries, as_of)
        response = await client.get(
            group.url("/ledger/balances"),
            params={"as_of": as_of.isoformat()},
            headers=actor.headers,
        )
        read = response.json()
        assert read["cash_in_hand_paise"] == books.cash_in_hand >= 0
        assert read["bank_balance_paise"] == books.bank_balance >= 0
        assert read["savings_paise"] == books.savings_total
        for member in read["members"]:
            assert member["savings_paise"] == books.savings.get(UUID(member["member_id"]), 0)
            assert member["savings_paise"] >= 0
