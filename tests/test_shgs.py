"""Self-help groups through the API: groups (bank account sealed), members (which of them are
survivors is never told to partners or analysts), collection sheets (whole or nothing, and
idempotent), the ledger and its balances, loans and their schedules, grading from rules kept
as data, and who may reach what."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.common.principal import Role
from domain.shgs.loans import Instalment, InstalmentStatus, instalment_states
from tests.factories import NORTH_24, SOUTH_24, Actor
from tests.helpers import if_match, today, without_request
from tests.worlds import ADMIN, CaseWorld, Client, person, world_fixture

SHGS = "/api/v1/shgs"
ACCOUNT = "50100234567891"
SURVIVOR_NAME = "Rupa Mondal"
MONEY_TABLES = ("shg_meeting", "shg_attendance", "shg_ledger_entry", "shg_loan_instalment")


FORMED = today() - timedelta(days=400)


def day(offset: int) -> str:
    """A date ``offset`` days after the group was formed."""
    return (FORMED + timedelta(days=offset)).isoformat()


def group_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Maa Durga Mahila SHG",
        "formed_on": FORMED.isoformat(),
        "village": "Jharkhali",
        "gram_panchayat": "Jharkhali",
        "district_id": str(SOUTH_24),
        "meeting_frequency": "weekly",
        "meeting_day": "monday",
        "saving_per_meeting_paise": 2000,
        "interest_rate_bps": 2400,
        "bank_linkage": {
            "bank_name": "Paschim Banga Gramin Bank",
            "bank_branch": "Basanti",
            "account_number": ACCOUNT,
            "opened_on": day(10),
        },
        "status": "active",
    }
    body.update(extra)
    return body


class World(CaseWorld):
    """Two organisations; A's people and clients; a survivor of A in ``sw_a``'s case."""

    people = {
        "pm_a": person("org_a", Role.program_manager),
        "sw_a": person("org_a", Role.social_worker, SOUTH_24),
        "sw_north": person("org_a", Role.social_worker, NORTH_24),
        # A social worker of the group's district who does not hold the survivor's case.
        "sw_south2": person("org_a", Role.social_worker, SOUTH_24),
        "partner_a": person("org_a", Role.partner_staff),
        "analyst_a": person("org_a", Role.analyst),
        "leader_a": person("org_a", Role.survivor_leader),
        "auditor_a": person("org_a", Role.auditor),
        "pm_b": person("org_b", Role.program_manager),
        "admin": ADMIN,
    }
    clients = {
        "client_overview_a": Client("org_a", Role.program_manager, ("shgs:overview",)),
        "client_reader_a": Client("org_a", Role.program_manager, ("shgs:overview", "shgs:read")),
        "client_none_a": Client("org_a", Role.program_manager),
    }
    survivor_name = SURVIVOR_NAME


world = world_fixture(World)


async def create_group(client: httpx.AsyncClient, actor: Actor, **extra: Any) -> dict[str, Any]:
    response = await client.post(SHGS, json=group_body(**extra), headers=actor.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def add_member(
    client: httpx.AsyncClient, actor: Actor, shg_id: str, **body: Any
) -> dict[str, Any]:
    body.setdefault("joined_on", day(0))
    response = await client.post(f"{SHGS}/{shg_id}/members", json=body, headers=actor.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


class Group:
    """A group of A with a survivor member and two community women."""

    def __init__(self, shg: dict[str, Any], members: list[dict[str, Any]]) -> None:
        self.shg = shg
        self.id = shg["id"]
        self.members = members
        self.member_ids = [m["id"] for m in members]

    def url(self, tail: str = "") -> str:
        return f"{SHGS}/{self.id}{tail}"


async def make_group(client: httpx.AsyncClient, world: World) -> Group:
    shg = await create_group(client, world.sw_a)
    survivor = await add_member(client, world.sw_a, shg["id"], survivor_id=str(world.survivor))
    mita = await add_member(client, world.sw_a, shg["id"], name="Mita Sardar", role="treasurer")
    lakshmi = await add_member(client, world.sw_a, shg["id"], name="Lakshmi Das", role="president")
    return Group(shg, [survivor, mita, lakshmi])


@pytest.fixture
async def group(client: httpx.AsyncClient, world: World) -> Group:
    return await make_group(client, world)


def sheet(group: Group, offset: int, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "held_on": day(offset),
        "attendance": [
            {"member_id": group.member_ids[0], "status": "present"},
            {"member_id": group.member_ids[1], "status": "late"},
            {"member_id": group.member_ids[2], "status": "approved_leave"},
        ],
        "minutes": "Savings collected at the anganwadi centre.",
        "resolutions": ["Next meeting on Monday."],
        "savings": [{"member_id": m, "amount_paise": 2000} for m in group.member_ids],
    }
    body.update(extra)
    return body


async def record_sheet(
    client: httpx.AsyncClient, actor: Actor, group: Group, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(group.url("/meetings"), json=body, headers=actor.headers)
    assert response.status_code == 201, response.text
    meeting: dict[str, Any] = response.json()
    return meeting


async def balances(
    client: httpx.AsyncClient, actor: Actor, group: Group, as_of: str | None = None
) -> dict[str, Any]:
    params = {"as_of": as_of} if as_of else {}
    response = await client.get(group.url("/ledger/balances"), params=params, headers=actor.headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def post_entry(
    client: httpx.AsyncClient, actor: Actor, group: Group, **body: Any
) -> httpx.Response:
    return await client.post(group.url("/ledger"), json=body, headers=actor.headers)


async def counts(connection: AsyncConnection) -> dict[str, int]:
    return {
        table: int(await connection.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)
        for table in MONEY_TABLES
    }


async def internal_loan(
    client: httpx.AsyncClient,
    actor: Actor,
    group: Group,
    member: str,
    *,
    principal: int = 600_000,
    tenure: int = 6,
    method: str = "flat",
    applied: int = 20,
) -> dict[str, Any]:
    response = await client.post(
        group.url("/loans"),
        json={
            "kind": "internal",
            "member_id": member,
            "purpose": "Sewing machine",
            "principal_paise": principal,
            "tenure_months": tenure,
            "interest_method": method,
            "applied_on": day(applied),
        },
        headers=actor.headers,
    )
    assert response.status_code == 201, response.text
    loan = response.json()
    approved = await client.post(
        group.url(f"/loans/{loan['id']}/approval"),
        json={"approved_on": day(applied)},
        headers=if_match(actor, loan["version"]),
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    result: dict[str, Any] = approved.json()
    return result


# -- groups ---------------------------------------------------------------------------------
async def test_group_crud_with_the_account_number_sealed(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    shg = await create_group(client, world.sw_a)
    assert shg["bank_linkage"]["account_number"] == ACCOUNT
    assert shg["bank_linkage"]["account_last4"] == ACCOUNT[-4:]
    raw = await connection.scalar(
        sa.text("SELECT bank_account_enc FROM shg WHERE id = :id"), {"id": shg["id"]}
    )
    assert raw is not None
    assert ACCOUNT.encode() not in bytes(raw)

    read = await client.get(f"{SHGS}/{shg['id']}", headers=world.pm_a.headers)
    assert read.status_code == 200
    assert read.headers["etag"] == '"v1"'
    assert read.json()["bank_linkage"]["account_number"] == ACCOUNT
    # Analysts and partners see the group, never the full account number.
    for actor in (world.analyst_a, world.partner_a):
        seen = await client.get(f"{SHGS}/{shg['id']}", headers=actor.headers)
        assert seen.status_code == 200
        assert seen.json()["bank_linkage"]["account_number"] is None
        assert ACCOUNT not in seen.text
        listed = await client.get(SHGS, headers=actor.headers)
        assert [g["id"] for g in listed.json()["items"]] == [shg["id"]]
        assert ACCOUNT not in listed.text

    stale = await client.patch(
        f"{SHGS}/{shg['id']}", json={"status": "dormant"}, headers=if_match(world.pm_a, 9)
    )
    assert stale.status_code == 412
    changed = await client.patch(
        f"{SHGS}/{shg['id']}",
        json={"status": "dormant", "saving_per_meeting_paise": 3000},
        headers=if_match(world.pm_a, 1),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == "dormant"
    assert changed.json()["saving_per_meeting_paise"] == 3000
    assert changed.headers["etag"] == '"v2"'

    filtered = await client.get(SHGS, params={"status": "active"}, headers=world.pm_a.headers)
    assert filtered.json()["items"] == []


async def test_group_bad_input_is_422_and_writes_nothing(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    before = await connection.scalar(sa.text("SELECT count(*) FROM shg"))
    for bad in (
        group_body(saving_per_meeting_paise=-1),
        group_body(interest_rate_bps=-5),
        group_body(district_id=str(uuid.uuid4())),
        group_body(meeting_frequency="daily"),
        {**group_body(), "unknown": 1},
    ):
        response = await client.post(SHGS, json=bad, headers=world.pm_a.headers)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await connection.scalar(sa.text("SELECT count(*) FROM shg")) == before


async def test_create_is_idempotent(client: httpx.AsyncClient, world: World) -> None:
    headers = {**world.pm_a.headers, "Idempotency-Key": "shg-create-1"}
    first = await client.post(SHGS, json=group_body(), headers=headers)
    again = await client.post(SHGS, json=group_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    listed = await client.get(SHGS, headers=world.pm_a.headers)
    assert len(listed.json()["items"]) == 1


# -- members --------------------------------------------------------------------------------
async def test_members_and_who_learns_which_are_survivors(
    client: httpx.AsyncClient, world: World, group: Group
) -> None:
    survivor_member = group.members[0]
    assert survivor_member["survivor_id"] == str(world.survivor)
    assert survivor_member["name"] == SURVIVOR_NAME  # taken from her record

    async def listed(actor: Actor) -> dict[str, dict[str, Any]]:
        response = await client.get(group.url("/members"), headers=actor.headers)
        assert response.status_code == 200, response.text
        return {m["id"]: m for m in response.json()["items"]}

    # Her case worker and the program manager see the link.
    for actor in (world.sw_a, world.pm_a):
        members = await listed(actor)
        assert members[survivor_member["id"]]["survivor_id"] == str(world.survivor)
    # Another social worker of the district (not her case worker), and an integration client,
    # see a woman like any.
    for actor in (world.sw_south2, world.client_reader_a):
        members = await listed(actor)
        assert set(members) == set(group.member_ids)
        assert all(m["survivor_id"] is None for m in members.values())
        one = await client.get(
            group.url(f"/members/{survivor_member['id']}"), headers=actor.headers
        )
        assert one.status_code == 200
        assert one.json()["survivor_id"] is None
        assert str(world.survivor) not in one.text

    # Partners and analysts do not reach members at all, and nothing they can reach names a
    # member or a survivor.
    await record_sheet(client, world.sw_a, group, sheet(group, 7))
    for actor in (world.partner_a, world.analyst_a):
        assert (await client.get(group.url("/members"), headers=actor.headers)).status_code == 403
        assert (
            await client.get(group.url(f"/members/{group.member_ids[0]}"), headers=actor.headers)
        ).status_code == 403
        assert (await client.get(group.url("/meetings"), headers=actor.headers)).status_code == 403
        assert (await client.get(group.url("/ledger"), headers=actor.headers)).status_code == 403
        answers = [
            await client.get(group.url(), headers=actor.headers),
            await client.get(SHGS, headers=actor.headers),
            await client.get(group.url("/ledger/balances"), headers=actor.headers),
            await client.get(group.url("/grading"), headers=actor.headers),
        ]
        for answer in answers:
            assert answer.status_code == 200, answer.text
            assert str(world.survivor) not in answer.text
            assert "survivor" not in answer.text
            assert SURVIVOR_NAME not in answer.text
            for member_id in group.member_ids:
                assert member_id not in answer.text
        overview = answers[2].json()
        assert overview["members"] is None
        assert overview["loans"] is None
        assert overview["savings_paise"] == 6000


async def test_member_rules(
    client: httpx.AsyncClient, world: World, group: Group, connection: AsyncConnection
) -> None:
    url = group.url("/members")
    before = await connection.scalar(sa.text("SELECT count(*) FROM shg_member"))
    # The survivor again, a second treasurer, a survivor the caller may not see, no name.
    again = await client.post(
        url,
        json={"survivor_id": str(world.survivor), "joined_on": day(1)},
        headers=world.sw_a.headers,
    )
    assert again.status_code == 409
    office = await client.post(
        url,
        json={"name": "Sima", "role": "treasurer", "joined_on": day(1)},
        headers=world.sw_a.headers,
    )
    assert office.status_code == 409
    hidden = await client.post(
        url,
        json={"survivor_id": str(world.survivor), "joined_on": day(1)},
        headers=world.sw_south2.headers,
    )
    assert hidden.status_code == 422
    assert str(world.survivor) not in hidden.text
    nameless = await client.post(url, json={"joined_on": day(1)}, headers=world.sw_a.headers)
    assert nameless.status_code == 422
    early = await client.post(
        url, json={"name": "Sima", "joined_on": day(-5)}, headers=world.sw_a.headers
    )
    assert early.status_code == 422
    assert await connection.scalar(sa.text("SELECT count(*) FROM shg_member")) == before

    # Exit, and role changes through If-Match.
    mita = group.members[1]
    exited = await client.patch(
        f"{url}/{mita['id']}", json={"exited_on": day(100)}, headers=if_match(world.sw_a, 1)
    )
    assert exited.status_code == 200, exited.text
    assert exited.json()["exited_on"] == day(100)
    before_join = await client.patch(
        f"{url}/{mita['id']}", json={"exited_on": day(-1)}, headers=if_match(world.sw_a, 2)
    )
    assert before_join.status_code == 422
    active = await client.get(url, params={"active_on": day(200)}, headers=world.sw_a.headers)
    assert mita["id"] not in {m["id"] for m in active.json()["items"]}
    # The name is sealed at rest.
    raw = await connection.scalar(
        sa.text("SELECT name_enc FROM shg_member WHERE id = :id"), {"id": mita["id"]}
    )
    assert b"Mita" not in bytes(raw)


# -- meetings and the collection sheet -----------------------------------------------------
async def test_collection_sheet_records_everything_at_once(
    client: httpx.AsyncClient, world: World, group: Group, connection: AsyncConnection
) -> None:
    loan = await internal_loan(client, world.sw_a, group, group.member_ids[1], applied=10)
    body = sheet(
        group,
        14,
        disbursals=[{"loan_id": loan["id"]}],
        fines=[{"member_id": group.member_ids[2], "amount_paise": 500}],
    )
    # Not enough cash in hand for a Rs 6,000 loan: the whole sheet is refused.
    before = await counts(connection)
    refused = await client.post(group.url("/meetings"), json=body, headers=world.sw_a.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["loc"][1].startswith("disbursals[0]")
    assert await counts(connection) == before

    await post_entry(
        client,
        world.sw_a,
        group,
        kind="revolving_fund_receipt",
        amount_paise=1_500_000,
        entry_date=day(12),
    )
    withdrawn = await post_entry(
        client,
        world.sw_a,
        group,
        kind="bank_withdrawal",
        amount_paise=1_000_000,
        entry_date=day(13),
    )
    assert withdrawn.status_code == 201, withdrawn.text
    meeting = await record_sheet(client, world.sw_a, group, body)
    assert meeting["held_on"] == day(14)
    assert meeting["minutes"] == body["minutes"]
    assert meeting["resolutions"] == body["resolutions"]
    assert {a["status"] for a in meeting["attendance"]} == {"present", "late", "approved_leave"}
    assert meeting["totals"] == {
        "savings_paise": 6000,
        "principal_repaid_paise": 0,
        "interest_paise": 0,
        "disbursed_paise": 600_000,
        "fines_paise": 500,
        "net_cash_paise": 6000 + 500 - 600_000,
    }
    raw = await connection.scalar(
        sa.text("SELECT minutes_enc FROM shg_meeting WHERE id = :id"), {"id": meeting["id"]}
    )
    assert b"anganwadi" not in bytes(raw)
    after = await client.get(group.url(f"/loans/{loan['id']}"), headers=world.sw_a.headers)
    assert after.json()["status"] == "disbursed"
    assert after.json()["disbursed_on"] == day(14)
    assert len(after.json()["instalments"]) == 6

    read = await client.get(group.url(f"/meetings/{meeting['id']}"), headers=world.pm_a.headers)
    assert read.status_code == 200
    assert read.json()["totals"] == meeting["totals"]
    listed = await client.get(group.url("/meetings"), headers=world.pm_a.headers)
    summary = listed.json()["items"][0]
    assert summary["attended"] == 2
    assert summary["members_recorded"] == 3
    assert summary["savings_paise"] == 6000
    assert summary["disbursed_paise"] == 600_000


async def test_collection_sheet_is_idempotent(
    client: httpx.AsyncClient, world: World, group: Group, connection: AsyncConnection
) -> None:
    body = sheet(group, 7)
    headers = {**world.sw_a.headers, "Idempotency-Key": "sheet-week-1"}
    first = await client.post(group.url("/meetings"), json=body, headers=headers)
    assert first.status_code == 201, first.text
    written = await counts(connection)
    retry = await client.post(group.url("/meetings"), json=body, headers=headers)
    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    # The app lost the key: the same sheet again answers the first, and writes nothing.
    reordered = {**body, "savings": list(reversed(body["savings"]))}
    again = await client.post(group.url("/meetings"), json=reordered, headers=world.sw_a.headers)
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    # A different sheet for the same day is a conflict.
    other = {**body, "savings": body["savings"][:2]}
    conflict = await client.post(group.url("/meetings"), json=other, headers=world.sw_a.headers)
    assert conflict.status_code == 409
    assert conflict.json()["meeting_id"] == first.json()["id"]
    # The same key with another body is refused.
    reused = await client.post(group.url("/meetings"), json=sheet(group, 14), headers=headers)
    assert reused.status_code == 422
    assert await counts(connection) == written
    balance = await balances(client, world.sw_a, group)
    assert balance["savings_paise"] == 6000
    assert balance["cash_in_hand_paise"] == 6000


def _bad_line(group: Group, case: str) -> dict[str, Any]:
    m0, stranger = group.member_ids[0], str(uuid.uuid4())
    lines: dict[str, dict[str, Any]] = {
        "negative": {"savings": [{"member_id": m0, "amount_paise": -2000}]},
        "stranger": {"savings": [{"member_id": stranger, "amount_paise": 2000}]},
        "no_attendance": {"attendance": []},
        "future": {"held_on": (today() + timedelta(days=5)).isoformat()},
        "unknown_loan": {"repayments": [{"loan_id": stranger, "principal_paise": 100}]},
        "zero_fine": {"fines": [{"member_id": m0, "amount_paise": 0}]},
        "twice": {
            "savings": [{"member_id": m0, "amount_paise": 2000}],
            "fines": [
                {"member_id": m0, "amount_paise": 100},
                {"member_id": stranger, "amount_paise": 1},
            ],
        },
    }
    return lines[case]


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("negative", "savings"),
        ("stranger", "savings[0].member_id"),
        ("no_attendance", "attendance"),
        ("future", "held_on"),
        ("unknown_loan", "repayments[0]"),
        ("zero_fine", "fines"),
        ("twice", "fines[1].member_id"),
    ],
)
async def test_a_bad_line_refuses_the_whole_sheet(
    client: httpx.AsyncClient,
    world: World,
    group: Group,
    connection: AsyncConnection,
    case: str,
    field: str,
) -> None:
    body = sheet(group, 7, fines=[{"member_id": group.member_ids[1], "amount_paise": 500}])
    body.update(_bad_line(group, case))
    before = await counts(connection)
    response = await client.post(group.url("/meetings"), json=body, headers=world.sw_a.headers)
    assert response.status_code == 422, response.text
    fields = [
        ".".join(str(part) for part in e["loc"][1:]) for e in response.json().get("errors", [])
    ]
    assert any(f.startswith(field) for f in fields), fields
    assert await counts(connection) == before


# -- ledger ---------------------------------------------------------------------------------
async def test_ledger_balances_as_of_any_date_and_reversals(
    client: httpx.AsyncClient, world: World, group: Group
) -> None:
    m0, m1, _ = group.member_ids
    await record_sheet(client, world.sw_a, group, sheet(group, 7))
    await record_sheet(client, world.sw_a, group, sheet(group, 14))
    deposit = await post_entry(
        client, world.sw_a, group, kind="bank_deposit", amount_paise=10_000, entry_date=day(15)
    )
    assert deposit.status_code == 201, deposit.text
    withdrawal = await post_entry(
        client,
        world.sw_a,
        group,
        kind="savings_withdrawal",
        amount_paise=1_500,
        member_id=m0,
        entry_date=day(16),
    )
    assert withdrawal.status_code == 201, withdrawal.text

    early = await balances(client, world.sw_a, group, day(8))
    assert early["cash_in_hand_paise"] == 6000
    assert early["bank_balance_paise"] == 0
    late = await balances(client, world.sw_a, group, day(20))
    assert late["savings_paise"] == 12_000 - 1_500
    assert late["cash_in_hand_paise"] == 12_000 - 10_000 - 1_500
    assert late["bank_balance_paise"] == 10_000
    savings = {m["member_id"]: m["savings_paise"] for m in late["members"]}
    assert savings == {m0: 2_500, m1: 4_000, group.member_ids[2]: 4_000}
    assert sum(savings.values()) == late["savings_paise"]

    # Reverse the withdrawal: the books return; a second reversal and reversing a reversal
    # are refused.
    entry_id = withdrawal.json()["id"]
    reversal = await client.post(
        group.url(f"/ledger/{entry_id}/reversal"),
        json={"entry_date": day(17)},
        headers=world.sw_a.headers,
    )
    assert reversal.status_code == 201, reversal.text
    assert reversal.json()["reverses_id"] == entry_id
    twice = await client.post(
        group.url(f"/ledger/{entry_id}/reversal"), json={}, headers=world.sw_a.headers
    )
    assert twice.status_code == 409
    undo_undo = await client.post(
        group.url(f"/ledger/{reversal.json()['id']}/reversal"),
        json={},
        headers=world.sw_a.headers,
    )
    assert undo_undo.status_code == 409
    before_entry = await client.post(
        group.url(f"/ledger/{deposit.json()['id']}/reversal"),
        json={"entry_date": day(14)},
        headers=world.sw_a.headers,
    )
    assert before_entry.status_code == 422
    read = await client.get(group.url(f"/ledger/{entry_id}"), headers=world.sw_a.headers)
    assert read.json()["reversed_by_id"] == reversal.json()["id"]
    now = await balances(client, world.sw_a, group)
    assert now["savings_paise"] == 12_000
    assert {m["member_id"]: m["savings_paise"] for m in now["members"]}[m0] == 4_000
    # On the day between, the withdrawal still counts.
    between = await balances(client, world.sw_a, group, day(16))
    assert between["savings_paise"] == 10_500

    ledger = await client.get(group.url("/ledger"), headers=world.sw_a.headers)
    items = ledger.json()["items"]
    assert len(items) == 6 + 3  # savings; deposit, withdrawal, reversal
    dates = [i["entry_date"] for i in items]
    assert dates == sorted(dates)
    only = await client.get(
        group.url("/ledger"), params={"member_id": m0, "limit": 2}, headers=world.sw_a.headers
    )
    assert len(only.json()["items"]) == 2
    assert only.json()["next_cursor"]
    assert only.headers["link"]


async def test_bad_ledger_input_is_422_and_writes_nothing(
    client: httpx.AsyncClient, world: World, group: Group, connection: AsyncConnection
) -> None:
    m0 = group.member_ids[0]
    await record_sheet(client, world.sw_a, group, sheet(group, 7))
    loan = await internal_loan(client, world.sw_a, group, m0, principal=4_000, tenure=1)
    before = await counts(connection)
    cases = [
        {"kind": "savings_deposit", "amount_paise": -100, "member_id": m0, "entry_date": day(8)},
        {"kind": "savings_deposit", "amount_paise": 0, "member_id": m0, "entry_date": day(8)},
        {
            "kind": "savings_withdrawal",
            "amount_paise": 2_001,
            "member_id": m0,
            "entry_date": day(8),
        },
        {"kind": "bank_deposit", "amount_paise": 7_000, "entry_date": day(8)},
        {"kind": "bank_withdrawal", "amount_paise": 1, "entry_date": day(8)},
        {"kind": "savings_deposit", "amount_paise": 100, "entry_date": day(8)},
        {"kind": "savings_deposit", "amount_paise": 100, "member_id": m0, "entry_date": day(-3)},
        {
            "kind": "principal_repayment",
            "amount_paise": 100,
            "loan_id": loan["id"],
            "entry_date": day(25),
        },
        {
            "kind": "loan_disbursal",
            "amount_paise": 3_000,
            "loan_id": loan["id"],
            "entry_date": day(25),
        },
        {"kind": "bank_deposit", "amount_paise": 100, "entry_date": day(8), "extra": 1},
        # A back-dated withdrawal that leaves a later day short.
        {"kind": "bank_deposit", "amount_paise": 6_000, "entry_date": day(5)},
    ]
    for body in cases:
        response = await post_entry(client, world.sw_a, group, **body)
        assert response.status_code == 422, (body, response.text)
    assert await counts(connection) == before

    # A repayment on a closed loan.
    disbursed = await post_entry(
        client,
        world.sw_a,
        group,
        kind="loan_disbursal",
        amount_paise=4_000,
        loan_id=loan["id"],
        entry_date=day(25),
    )
    assert disbursed.status_code == 201, disbursed.text
    detail = (
        await client.get(group.url(f"/loans/{loan['id']}"), headers=world.sw_a.headers)
    ).json()
    interest = detail["instalments"][0]["interest_paise"]
    repaid = await client.post(
        group.url("/meetings"),
        json=sheet(
            group,
            28,
            repayments=[
                {"loan_id": loan["id"], "principal_paise": 4_000, "interest_paise": interest}
            ],
        ),
        headers=world.sw_a.headers,
    )
    assert repaid.status_code == 201, repaid.text
    closed = await client.get(group.url(f"/loans/{loan['id']}"), headers=world.sw_a.headers)
    assert closed.json()["status"] == "closed"
    before = await counts(connection)
    again = await post_entry(
        client,
        world.sw_a,
        group,
        kind="principal_repayment",
        amount_paise=100,
        loan_id=loan["id"],
        entry_date=day(30),
    )
    assert again.status_code == 422
    assert "closed" in again.json()["detail"]
    assert await counts(connection) == before


# -- loans ----------------------------------------------------------------------------------
def test_repayments_are_allocated_to_instalments_oldest_first() -> None:
    """A repayment short of the first instalment shows against it (partly paid, then overdue
    with what was paid), not as an instalment still "upcoming" with nothing paid; the rest of
    a later payment goes to the next instalment."""
    schedule = [
        Instalment(1, date(2026, 12, 16), 50_000, 12_000),
        Instalment(2, date(2027, 1, 16), 51_000, 11_000),
        Instalment(3, date(2027, 2, 16), 52_000, 10_000),
    ]

    def states(payments: list[tuple[date, int]], as_of: date) -> list[tuple[str, int]]:
        return [
            (s.status.value, s.paid_paise) for s in instalment_states(schedule, payments, as_of)
        ]

    short = [(date(2026, 11, 23), 51_000)]
    assert states(short, date(2026, 11, 23)) == [
        ("partly_paid", 51_000),
        ("upcoming", 0),
        ("upcoming", 0),
    ]
    assert states(short, date(2026, 12, 20)) == [
        ("overdue", 51_000),
        ("upcoming", 0),
        ("upcoming", 0),
    ]
    assert states(short, date(2026, 11, 22)) == [("upcoming", 0)] * 3  # before it was paid
    more = [*short, (date(2026, 12, 10), 20_000)]
    covered = instalment_states(schedule, more, date(2026, 12, 10))
    assert [(s.status, s.paid_paise, s.paid_on) for s in covered] == [
        (InstalmentStatus.paid, 62_000, date(2026, 12, 10)),
        (InstalmentStatus.partly_paid, 9_000, None),
        (InstalmentStatus.upcoming, 0, None),
    ]
    # A reversal takes its payment back from the newest allocation.
    reversed_ = [*more, (date(2026, 12, 11), -20_000)]
    assert states(reversed_, date(2026, 12, 11)) == states(short, date(2026, 12, 11))


async def test_loan_life_schedule_and_overdue(
    client: httpx.AsyncClient, world: World, group: Group
) -> None:
    m1 = group.member_ids[1]
    await post_entry(
        client,
        world.sw_a,
        group,
        kind="revolving_fund_receipt",
        amount_paise=1_500_000,
        entry_date=day(30),
    )
    await post_entry(
        client,
        world.sw_a,
        group,
        kind="bank_withdrawal",
        amount_paise=1_200_000,
        entry_date=day(31),
    )
    loan = await internal_loan(
        client,
        world.sw_a,
        group,
        m1,
        principal=1_200_000,
        tenure=12,
        method="declining_balance",
        applied=31,
    )
    assert loan["annual_rate_bps"] == 2400  # the group's rate
    # Terms change only before the disbursal.
    terms = await client.patch(
        group.url(f"/loans/{loan['id']}"),
        json={"tenure_months": 12},
        headers=if_match(world.sw_a, loan["version"]),
    )
    assert terms.status_code == 200, terms.text
    await record_sheet(
        client, world.sw_a, group, sheet(group, 35, disbursals=[{"loan_id": loan["id"]}])
    )
    detail = (
        await client.get(
            group.url(f"/loans/{loan['id']}"),
            params={"as_of": day(35)},
            headers=world.sw_a.headers,
        )
    ).json()
    rows = detail["instalments"]
    assert len(rows) == 12
    assert sum(r["principal_paise"] for r in rows) == 1_200_000
    assert rows[0]["interest_paise"] == 24_000  # 2 % a month of Rs 12,000
    assert rows[1]["interest_paise"] < rows[0]["interest_paise"]  # declining balance
    assert {r["status"] for r in rows} == {"upcoming"}
    assert {(r["paid_paise"], r["outstanding_paise"]) for r in rows[:1]} == {
        (0, rows[0]["principal_paise"] + rows[0]["interest_paise"])
    }
    assert detail["overdue_instalments"] == 0

    # Pay the first instalment on time, then nothing: three months later two are overdue.
    first = rows[0]
    await record_sheet(
        client,
        world.sw_a,
        group,
        sheet(
            group,
            42,
            repayments=[
                {
                    "loan_id": loan["id"],
                    "principal_paise": first["principal_paise"],
                    "interest_paise": first["interest_paise"],
                }
            ],
        ),
    )
    later = (
        await client.get(
            group.url(f"/loans/{loan['id']}"),
            params={"as_of": rows[2]["due_on"]},
            headers=world.sw_a.headers,
        )
    ).json()
    states = [r["status"] for r in later["instalments"][:4]]
    assert states == ["paid", "overdue", "overdue", "upcoming"]
    first_total = first["principal_paise"] + first["interest_paise"]
    assert [(r["paid_paise"], r["outstanding_paise"]) for r in later["instalments"][:2]] == [
        (first_total, 0),
        (0, rows[1]["principal_paise"] + rows[1]["interest_paise"]),
    ]
    assert later["overdue_instalments"] == 2
    assert later["overdue_paise"] == sum(
        r["principal_paise"] + r["interest_paise"] for r in rows[1:3]
    )
    assert later["outstanding_principal_paise"] == 1_200_000 - first["principal_paise"]
    books = await balances(client, world.sw_a, group, rows[2]["due_on"])
    standing = {x["loan_id"]: x for x in books["loans"]}[loan["id"]]
    assert standing["outstanding_principal_paise"] == later["outstanding_principal_paise"]
    assert (
        standing["principal_overdue_paise"]
        == rows[1]["principal_paise"] + rows[2]["principal_paise"]
    )
    assert books["internal_loans_outstanding_paise"] == later["outstanding_principal_paise"]
    assert books["interest_received_paise"] == first["interest_paise"]

    # Terms are fixed once disbursed; a write-off stops repayments.
    fixed = await client.patch(
        group.url(f"/loans/{loan['id']}"),
        json={"tenure_months": 6},
        headers=if_match(world.sw_a, later["version"]),
    )
    assert fixed.status_code == 409
    write_off = group.url(f"/loans/{loan['id']}/write-off")
    missing = await client.post(write_off, headers=world.sw_a.headers)
    assert missing.status_code == 428, missing.text
    current = await client.get(group.url(f"/loans/{loan['id']}"), headers=world.sw_a.headers)
    off = await client.post(
        write_off, headers={**world.sw_a.headers, "If-Match": current.headers["ETag"]}
    )
    assert off.status_code == 200
    assert off.json()["status"] == "written_off"
    refused = await post_entry(
        client,
        world.sw_a,
        group,
        kind="principal_repayment",
        amount_paise=100,
        loan_id=loan["id"],
        entry_date=day(80),
    )
    assert refused.status_code == 422
    listed = await client.get(
        group.url("/loans"), params={"status": "written_off"}, headers=world.sw_a.headers
    )
    assert [x["id"] for x in listed.json()["items"]] == [loan["id"]]


async def test_bank_loan_and_flat_schedule(
    client: httpx.AsyncClient, world: World, group: Group
) -> None:
    applied = await client.post(
        group.url("/loans"),
        json={
            "kind": "bank",
            "lender": "Paschim Banga Gramin Bank",
            "principal_paise": 15_000_000,
            "annual_rate_bps": 700,
            "tenure_months": 36,
            "interest_method": "flat",
            "applied_on": day(40),
        },
        headers=world.sw_a.headers,
    )
    assert applied.status_code == 201, applied.text
    loan = applied.json()
    assert loan["status"] == "applied"
    assert loan["member_id"] is None
    no_lender = await client.post(
        group.url("/loans"),
        json={
            **{
                k: loan[k]
                for k in (
                    "kind",
                    "principal_paise",
                    "tenure_months",
                    "interest_method",
                    "applied_on",
                )
            },
            "annual_rate_bps": 700,
        },
        headers=world.sw_a.headers,
    )
    assert no_lender.status_code == 422
    # Not yet approved: no receipt.
    early = await post_entry(
        client,
        world.sw_a,
        group,
        kind="bank_loan_receipt",
        amount_paise=15_000_000,
        loan_id=loan["id"],
        entry_date=day(45),
    )
    assert early.status_code == 422
    approval = group.url(f"/loans/{loan['id']}/approval")
    missing = await client.post(approval, json={"approved_on": day(44)}, headers=world.sw_a.headers)
    assert missing.status_code == 428, missing.text
    stale = await client.post(
        approval, json={"approved_on": day(44)}, headers=if_match(world.sw_a, loan["version"] + 1)
    )
    assert stale.status_code == 412, stale.text
    approved = await client.post(
        approval, json={"approved_on": day(44)}, headers=if_match(world.sw_a, loan["version"])
    )
    assert approved.status_code == 200, approved.text
    received = await post_entry(
        client,
        world.sw_a,
        group,
        kind="bank_loan_receipt",
        amount_paise=15_000_000,
        loan_id=loan["id"],
        entry_date=day(45),
    )
    assert received.status_code == 201, received.text
    detail = (
        await client.get(group.url(f"/loans/{loan['id']}"), headers=world.sw_a.headers)
    ).json()
    rows = detail["instalments"]
    # Flat: 7 % a year on Rs 1.5 lakh for 3 years, spread evenly.
    assert sum(r["interest_paise"] for r in rows) == 15_000_000 * 700 * 36 // (10_000 * 12)
    assert len({r["interest_paise"] for r in rows}) == 1
    repaid = await post_entry(
        client,
        world.sw_a,
        group,
        kind="bank_loan_repayment",
        amount_paise=rows[0]["principal_paise"],
        loan_id=loan["id"],
        entry_date=day(70),
    )
    assert repaid.status_code == 201, repaid.text
    interest = await post_entry(
        client,
        world.sw_a,
        group,
        kind="interest",
        amount_paise=rows[0]["interest_paise"],
        loan_id=loan["id"],
        entry_date=day(70),
    )
    assert interest.status_code == 201, interest.text
    books = await balances(client, world.sw_a, group)
    assert books["bank_loans_outstanding_paise"] == 15_000_000 - rows[0]["principal_paise"]
    assert (
        books["bank_balance_paise"]
        == 15_000_000 - rows[0]["principal_paise"] - rows[0]["interest_paise"]
    )
    assert books["interest_paid_to_bank_paise"] == rows[0]["interest_paise"]


# -- grading --------------------------------------------------------------------------------
async def test_grading_is_computed_from_records_with_rules_from_the_table(
    client: httpx.AsyncClient, world: World, group: Group, connection: AsyncConnection
) -> None:
    # Every week for the last ten weeks of a six-month window, everyone saving.
    for week in range(50, 57):
        await record_sheet(client, world.sw_a, group, sheet(group, week * 7))
    as_of = day(56 * 7)
    graded = await client.get(
        group.url("/grading"), params={"as_of": as_of}, headers=world.analyst_a.headers
    )
    assert graded.status_code == 200, graded.text
    result = graded.json()
    assert result["rules_source"] == "default"
    norms = {n["norm"]: n for n in result["norms"]}
    assert set(norms) == {
        "regular_meetings",
        "regular_savings",
        "internal_lending",
        "timely_repayment",
        "books_up_to_date",
    }
    assert norms["regular_savings"]["value_percent"] == 100.0
    assert norms["regular_savings"]["grade"] == "A"
    assert norms["timely_repayment"]["value_percent"] is None  # no loan fell due
    assert norms["regular_meetings"]["grade"] == "C"  # 7 of 26 weeks met
    assert result["grade"] in ("A", "B", "C")
    assert result["revolving_fund"]["received"] is False

    # The thresholds are data: the program manager lowers them and the grade follows.
    rules = await client.get(SHGS + "/grading-rules", headers=world.pm_a.headers)
    assert rules.status_code == 200
    assert rules.json()["version"] == 0
    lenient = rules.json()["rules"]
    for norm in norms:
        lenient[norm] = {"a": 0, "b": 0}
    lenient["grade_a_min_score"] = 0
    lenient["grade_b_min_score"] = 0
    forbidden = await client.put(
        SHGS + "/grading-rules", json=lenient, headers=if_match(world.sw_a, 0)
    )
    assert forbidden.status_code == 403
    stale = await client.put(SHGS + "/grading-rules", json=lenient, headers=if_match(world.pm_a, 3))
    assert stale.status_code == 412
    bad = await client.put(
        SHGS + "/grading-rules",
        json={**lenient, "regular_savings": {"a": 10, "b": 50}},
        headers=if_match(world.pm_a, 0),
    )
    assert bad.status_code == 422
    put = await client.put(SHGS + "/grading-rules", json=lenient, headers=if_match(world.pm_a, 0))
    assert put.status_code == 200, put.text
    assert put.json()["source"] == "organization"
    assert put.headers["etag"] == '"v1"'
    regraded = (
        await client.get(group.url("/grading"), params={"as_of": as_of}, headers=world.pm_a.headers)
    ).json()
    assert regraded["rules_source"] == "organization"
    assert regraded["grade"] == "A"
    assert regraded["revolving_fund"]["eligible"] is True
    assert regraded["community_investment_fund"]["reasons"] == ["revolving_fund_not_received"]
    # Another organisation still grades by the default.
    stored = await connection.scalar(
        sa.text("SELECT count(*) FROM shg_grading_rule WHERE organization_id IS NULL")
    )
    assert stored == 1
    other = await client.get(SHGS + "/grading-rules", headers=world.pm_b.headers)
    assert other.json()["source"] == "default"
    before_formed = await client.get(
        group.url("/grading"), params={"as_of": day(-1)}, headers=world.pm_a.headers
    )
    assert before_formed.status_code == 422


async def test_the_list_shows_each_groups_grade_members_and_savings_today(
    client: httpx.AsyncClient, world: World, group: Group, engine: AsyncEngine
) -> None:
    """Comparing groups is one call: each listed group carries the grade its grading endpoint
    gives today, its members today and its members' savings today (its balances), computed
    for the whole page in one statement (as many statements for three groups as for one)."""
    recent = (today() - FORMED).days // 7
    for week in range(recent - 8, recent):
        await record_sheet(client, world.sw_a, group, sheet(group, week * 7))
    young = await create_group(
        client,
        world.sw_a,
        name="Nabadiganta SHG",
        formed_on=(today() - timedelta(days=3)).isoformat(),
    )
    await add_member(client, world.sw_a, young["id"], name="Tumpa Mondal", joined_on=day(398))
    pair = await create_group(client, world.sw_a, name="Sabuj Sathi SHG")
    mina = await add_member(client, world.sw_a, pair["id"], name="Mina Naskar")
    gone = await add_member(client, world.sw_a, pair["id"], name="Sima Pal")
    left = await client.patch(
        f"{SHGS}/{pair['id']}/members/{gone['id']}",
        json={"exited_on": day(300)},
        headers=if_match(world.sw_a, gone["version"]),
    )
    assert left.status_code == 200, left.text
    deposit = await post_entry(
        client,
        world.sw_a,
        Group(pair, [mina]),
        kind="savings_deposit",
        member_id=mina["id"],
        amount_paise=5000,
        entry_date=day(200),
    )
    assert deposit.status_code == 201, deposit.text

    listed = await client.get(SHGS, headers=world.analyst_a.headers)
    assert listed.status_code == 200, listed.text
    items = {item["id"]: item for item in listed.json()["items"]}
    assert set(items) == {group.id, young["id"], pair["id"]}
    for shg_id, item in items.items():
        assert item["as_of"] == today().isoformat()
        grading = await client.get(f"{SHGS}/{shg_id}/grading", headers=world.pm_a.headers)
        books = await client.get(f"{SHGS}/{shg_id}/ledger/balances", headers=world.pm_a.headers)
        assert item["grade"] == grading.json()["grade"], shg_id
        assert item["savings_paise"] == books.json()["savings_paise"], shg_id
    assert items[group.id]["grade"] in ("A", "B", "C")
    assert items[group.id]["savings_paise"] == 8 * 3 * 2000
    assert items[young["id"]]["grade"] is None  # three days old: nothing to grade yet
    assert [items[i]["member_count"] for i in (group.id, young["id"], pair["id"])] == [3, 1, 1]
    assert items[pair["id"]]["savings_paise"] == 5000

    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    async def statements_for(limit: int) -> int:
        statements.clear()
        sa.event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:
            page = await client.get(SHGS, params={"limit": limit}, headers=world.pm_a.headers)
        finally:
            sa.event.remove(engine.sync_engine, "before_cursor_execute", count)
        assert len(page.json()["items"]) == limit
        return len(statements)

    assert await statements_for(1) == await statements_for(3)


# -- who may reach what ---------------------------------------------------------------------
# (actor, may see the group and its totals, may read members and books, may keep the books)
MATRIX = [
    ("pm_a", True, True, True),
    ("sw_a", True, True, True),
    # A social worker of another district: the group (South 24 Parganas) is not there for her.
    ("sw_north", "404", "404", "404"),
    ("partner_a", True, False, False),
    ("analyst_a", True, False, False),
    ("leader_a", False, False, False),
    ("auditor_a", False, False, False),
    ("admin", False, False, False),
    ("pm_b", "404", "404", "404"),
    ("client_overview_a", True, False, False),
    ("client_reader_a", True, True, False),
    ("client_none_a", False, False, False),
]


def expected(allowed: bool | str, success: int) -> int:
    if allowed == "404":
        return 404
    return success if allowed else 403


@pytest.mark.parametrize(("who", "overview", "records", "manage"), MATRIX)
async def test_matrix(
    client: httpx.AsyncClient,
    world: World,
    group: Group,
    who: str,
    overview: bool | str,
    records: bool | str,
    manage: bool | str,
) -> None:
    actor: Actor = getattr(world, who)
    h = actor.headers
    loan = await internal_loan(client, world.sw_a, group, group.member_ids[0])
    meeting = await record_sheet(client, world.sw_a, group, sheet(group, 7))
    for url in (group.url(), group.url("/ledger/balances"), group.url("/grading")):
        assert (await client.get(url, headers=h)).status_code == expected(overview, 200), url
    for url in (
        group.url("/members"),
        group.url(f"/members/{group.member_ids[0]}"),
        group.url("/meetings"),
        group.url(f"/meetings/{meeting['id']}"),
        group.url("/ledger"),
        group.url("/loans"),
        group.url(f"/loans/{loan['id']}"),
    ):
        assert (await client.get(url, headers=h)).status_code == expected(records, 200), url
    writes: list[Callable[[], Awaitable[httpx.Response]]] = [
        lambda: client.post(group.url("/meetings"), json=sheet(group, 14), headers=h),
        lambda: client.post(
            group.url("/members"), json={"name": "Sima", "joined_on": day(20)}, headers=h
        ),
        lambda: client.post(
            group.url("/ledger"),
            json={"kind": "fine", "amount_paise": 100, "entry_date": day(15)},
            headers=h,
        ),
        lambda: client.patch(
            group.url(), json={"village": "Gosaba"}, headers={**h, "If-Match": '"v1"'}
        ),
    ]
    for write in writes:
        response = await write()
        wanted = (200, 201) if manage is True else (expected(manage, 0),)
        assert response.status_code in wanted, response.text
    created = await client.post(SHGS, json=group_body(), headers=h)
    if who == "sw_north":
        # She forms groups in her own district only.
        assert created.status_code == 422, created.text
    else:
        assert created.status_code == (201 if manage in (True, "404") else 403)
    listed = await client.get(SHGS, headers=h)
    if overview == "404":
        assert listed.status_code == 200
        assert listed.json()["items"] == [
            g for g in listed.json()["items"] if g["organization_id"] == str(world.org_b)
        ]
        assert group.id not in listed.text
    else:
        assert listed.status_code == expected(overview, 200)


async def test_unknown_and_foreign_records_are_404(
    client: httpx.AsyncClient, world: World, group: Group
) -> None:
    other = await create_group(client, world.pm_b)
    foreign_member = await add_member(client, world.pm_b, other["id"], name="Asha")
    h = world.pm_a.headers
    for url in (
        f"{SHGS}/{uuid.uuid4()}",
        f"{SHGS}/{other['id']}",
        group.url(f"/members/{foreign_member['id']}"),
        group.url(f"/meetings/{uuid.uuid4()}"),
        group.url(f"/loans/{uuid.uuid4()}"),
        group.url(f"/ledger/{uuid.uuid4()}"),
    ):
        assert (await client.get(url, headers=h)).status_code == 404, url
    # A member of another group is not a member of this one.
    body = sheet(group, 7)
    body["savings"].append({"member_id": foreign_member["id"], "amount_paise": 100})
    response = await client.post(group.url("/meetings"), json=body, headers=h)
    assert response.status_code == 422


async def test_federation_tiers(client: httpx.AsyncClient, world: World) -> None:
    url = f"{SHGS}/federations"
    h = world.pm_a.headers

    async def federation(tier: str, name: str, parent: str | None = None) -> httpx.Response:
        body: dict[str, Any] = {"tier": tier, "name": name, "district_id": str(SOUTH_24)}
        if parent:
            body["parent_id"] = parent
        return await client.post(url, json=body, headers=h)

    maha = await federation("mahasangha", "Basanti Mahasangha")
    assert maha.status_code == 201, maha.text
    samabay = await federation("sangha_samabay", "Jharkhali Sangha Samabay", maha.json()["id"])
    assert samabay.status_code == 201, samabay.text
    # An Upa Sangha federates into a Sangha Samabay, not straight into a Mahasangha.
    skipped = await federation("upa_sangha", "Upa Sangha 4", maha.json()["id"])
    assert skipped.status_code == 422
    upa = await federation("upa_sangha", "Upa Sangha 4", samabay.json()["id"])
    assert upa.status_code == 201, upa.text
    top = await federation("mahasangha", "Another", maha.json()["id"])
    assert top.status_code == 422

    shg = await create_group(client, world.sw_a, federation_id=upa.json()["id"])
    linked = await client.get(
        SHGS, params={"federation_id": upa.json()["id"]}, headers=world.analyst_a.headers
    )
    assert [g["id"] for g in linked.json()["items"]] == [shg["id"]]
    tiers = await client.get(url, params={"tier": "upa_sangha"}, headers=world.partner_a.headers)
    assert [f["id"] for f in tiers.json()["items"]] == [upa.json()["id"]]
    renamed = await client.patch(
        f"{url}/{upa.json()['id']}", json={"name": "Upa Sangha 5"}, headers=if_match(world.pm_a, 1)
    )
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Upa Sangha 5"
    # Another organisation's federations are not found, nor usable.
    foreign = await client.get(f"{url}/{upa.json()['id']}", headers=world.pm_b.headers)
    assert foreign.status_code == 404
    borrowed = await client.post(
        SHGS, json=group_body(federation_id=upa.json()["id"]), headers=world.pm_b.headers
    )
    assert borrowed.status_code == 422
    denied = await client.post(
        url, json={"tier": "mahasangha", "name": "X"}, headers=world.analyst_a.headers
    )
    assert denied.status_code == 403


# -- district scope -------------------------------------------------------------------------
async def test_a_social_worker_reaches_the_groups_of_her_districts_only(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    # A group of North 24 Parganas with its members, books, a loan and a meeting, and a
    # federation of that district, all recorded by the program manager.
    pm = world.pm_a
    north = await create_group(client, pm, district_id=str(NORTH_24), name="Uttar SHG")
    members = [
        await add_member(client, pm, north["id"], name=name, role=role)
        for name, role in (("Mita Sardar", "treasurer"), ("Kakoli Naskar", "president"))
    ]
    group = Group(north, [*members, await add_member(client, pm, north["id"], name="Sima")])
    loan = await internal_loan(client, pm, group, group.member_ids[0])
    meeting = await record_sheet(client, pm, group, sheet(group, 7))
    federation = await client.post(
        f"{SHGS}/federations",
        json={"tier": "mahasangha", "name": "Barasat Mahasangha", "district_id": str(NORTH_24)},
        headers=pm.headers,
    )
    assert federation.status_code == 201, federation.text
    federation_url = f"{SHGS}/federations/{federation.json()['id']}"
    before = {
        table: await connection.scalar(sa.text(f"SELECT count(*) FROM {table}"))
        for table in ("shg", "shg_member", "shg_ledger_entry", "shg_loan", "shg_meeting")
    }

    south = world.sw_a.headers
    missing = await client.get(f"{SHGS}/{uuid.uuid4()}", headers=south)
    assert missing.status_code == 404
    reads = [
        group.url(),
        group.url("/members"),
        group.url(f"/members/{group.member_ids[0]}"),
        group.url("/meetings"),
        group.url(f"/meetings/{meeting['id']}"),
        group.url("/ledger"),
        group.url("/ledger/balances"),
        group.url("/loans"),
        group.url(f"/loans/{loan['id']}"),
        group.url("/grading"),
        federation_url,
    ]
    for url in reads:
        # Her colleague of North 24 Parganas reads it; she does not learn it exists.
        assert (await client.get(url, headers=world.sw_north.headers)).status_code == 200, url
        response = await client.get(url, headers=south)
        assert response.status_code == 404, (url, response.text)
        assert without_request(response.json())["status"] == 404
        assert "Mita" not in response.text
        assert ACCOUNT not in response.text
    foreign = await client.get(group.url(), headers=south)
    assert without_request(foreign.json()) == without_request(missing.json())

    writes = [
        client.post(
            group.url("/members"), json={"name": "Rina", "joined_on": day(20)}, headers=south
        ),
        client.post(
            group.url("/ledger"),
            json={"kind": "fine", "amount_paise": 100, "entry_date": day(15)},
            headers=south,
        ),
        client.patch(group.url(), json={"meeting_day": "friday"}, headers=if_match(world.sw_a, 1)),
        client.post(group.url("/meetings"), json=sheet(group, 14), headers=south),
        client.patch(federation_url, json={"name": "Renamed"}, headers=if_match(world.sw_a, 1)),
    ]
    for write in writes:
        response = await write
        assert response.status_code == 404, response.text
    after = {
        table: await connection.scalar(sa.text(f"SELECT count(*) FROM {table}")) for table in before
    }
    assert after == before
    assert (await client.get(group.url(), headers=pm.headers)).json()["meeting_day"] == "monday"

    # Lists leave them out, whatever the filter; the count agrees.
    for params in ({}, {"district_id": str(NORTH_24), "include_total": "true"}):
        listed = await client.get(SHGS, params=params, headers=south)
        assert listed.status_code == 200
        assert north["id"] not in listed.text
        if "include_total" in params:
            assert listed.json()["items"] == []
            assert listed.json()["total"] == 0
        federations = await client.get(f"{SHGS}/federations", params=params, headers=south)
        assert federation.json()["id"] not in federations.text
    assert north["id"] in (await client.get(SHGS, headers=world.sw_north.headers)).text

    # She forms, moves and federates groups in her own districts only.
    elsewhere = await client.post(SHGS, json=group_body(district_id=str(NORTH_24)), headers=south)
    assert elsewhere.status_code == 422
    assert elsewhere.json()["errors"][0]["loc"][-1] == "district_id"
    own = await create_group(client, world.sw_a)
    moved = await client.patch(
        f"{SHGS}/{own['id']}", json={"district_id": str(NORTH_24)}, headers=if_match(world.sw_a, 1)
    )
    assert moved.status_code == 422
    borrowed = await client.patch(
        f"{SHGS}/{own['id']}",
        json={"federation_id": federation.json()["id"]},
        headers=if_match(world.sw_a, 1),
    )
    assert borrowed.status_code == 422
    for body in (
        {"tier": "mahasangha", "name": "Elsewhere", "district_id": str(NORTH_24)},
        {"tier": "mahasangha", "name": "Nowhere"},
    ):
        refused = await client.post(f"{SHGS}/federations", json=body, headers=south)
        assert refused.status_code == 422, refused.text
    assert (await connection.scalar(sa.text("SELECT count(*) FROM shg"))) == before["shg"] + 1
