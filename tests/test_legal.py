"""Legal proceedings: complaints and FIRs, sealed details, stages, hearings, victim
compensation (awarded vs paid), the case's history, audit, and who may do what."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.common.principal import Role
from domain.legal.service import Compensation, compensation_events, compensation_problem
from persistence.crypto import Place
from persistence.models.case_vocabulary import CaseStatus
from tests.factories import Actor, Factory
from tests.helpers import audit_of, today, without_request
from tests.worlds import CaseWorld, Client, world_fixture

API = "/api/v1"
SURVIVOR_NAME = "Sabina Khatun"
STATION = "Canning Police Station"
LAWYER = "Adv. Paromita Ghosh"
OUTCOME = "Accused Rafiq's bail opposed; she testified in camera"


def ago(days: int) -> str:
    return (today() - timedelta(days=days)).isoformat()


def legal_url(case_id: UUID) -> str:
    return f"{API}/cases/{case_id}/legal-proceedings"


class World(CaseWorld):
    """Two organisations; in A a program manager, the social worker the case is assigned to,
    another of the same district, one of another district; B's people; the roles that see no
    case; integration clients with and without the scopes."""

    clients = {
        "client_a": Client("org_a", Role.program_manager),
        "client_pm_a": Client("org_a", Role.program_manager, ("legal:read", "legal:manage")),
        "client_pm_b": Client("org_b", Role.program_manager, ("legal:read", "legal:manage")),
    }
    survivor_name = SURVIVOR_NAME


world = world_fixture(World)


def fir(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "fir",
        "status": "investigation",
        "filed_on": ago(200),
        "details": {
            "fir_or_complaint_number": "412/2026",
            "police_station": STATION,
            "sections_of_law": ["IPC 370", "ITPA 5"],
            "lawyer": LAWYER,
        },
        "witness_protection_needed": True,
        "compensation_applied_on": ago(150),
    }
    body.update(extra)
    return body


async def create(
    client: httpx.AsyncClient, actor: Actor, case_id: UUID, **extra: Any
) -> httpx.Response:
    return await client.post(legal_url(case_id), json=fir(**extra), headers=actor.headers)


async def created(
    client: httpx.AsyncClient, actor: Actor, case_id: UUID, **extra: Any
) -> dict[str, Any]:
    response = await create(client, actor, case_id, **extra)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def patch(
    client: httpx.AsyncClient, actor: Actor, proceeding: dict[str, Any], body: dict[str, Any]
) -> httpx.Response:
    return await client.patch(
        f"{legal_url(UUID(proceeding['case_id']))}/{proceeding['id']}",
        json=body,
        headers={**actor.headers, "If-Match": f'"v{proceeding["version"]}"'},
    )


async def legal_events(connection: AsyncConnection, case_id: UUID) -> list[dict[str, Any]]:
    rows = await connection.execute(
        sa.text(
            "SELECT subject_id, detail FROM case_event WHERE case_id = :c AND kind = 'legal' "
            "ORDER BY occurred_at, id"
        ),
        {"c": case_id},
    )
    return [{"subject_id": str(r.subject_id), **r.detail} for r in rows]


async def table_count(connection: AsyncConnection, table: str) -> int:
    return int(await connection.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)


# -- compensation, as pure rules ------------------------------------------------------------
TODAY = date(2026, 11, 29)
D = date


@pytest.mark.parametrize(
    ("compensation", "field"),
    [
        (Compensation(), None),
        (Compensation(applied_on=D(2026, 1, 5)), None),
        (Compensation(D(2026, 1, 5), 30_000_000, D(2026, 3, 1)), None),
        (Compensation(D(2026, 1, 5), 30_000_000, D(2026, 3, 1), 30_000_000, D(2026, 3, 1)), None),
        (Compensation(None, 0, D(2026, 3, 1), 0, D(2026, 4, 1)), None),
        (Compensation(None, -1, D(2026, 3, 1)), "compensation_awarded_paise"),
        (Compensation(None, 5, D(2026, 3, 1), -1, D(2026, 4, 1)), "compensation_paid_paise"),
        (Compensation(None, 30_000_000, None), "compensation_awarded_on"),
        (Compensation(None, None, D(2026, 3, 1)), "compensation_awarded_on"),
        (Compensation(None, 5, D(2026, 3, 1), 5, None), "compensation_paid_on"),
        (Compensation(None, None, None, 5, D(2026, 3, 1)), "compensation_paid_paise"),
        (Compensation(None, 5, D(2026, 3, 1), 6, D(2026, 4, 1)), "compensation_paid_paise"),
        (Compensation(None, 5, D(2026, 3, 1), 5, D(2026, 2, 28)), "compensation_paid_on"),
        (Compensation(D(2026, 3, 2), 5, D(2026, 3, 1)), "compensation_awarded_on"),
        (Compensation(D(2026, 11, 30)), "compensation_applied_on"),
        (Compensation(None, 5, D(2026, 11, 30)), "compensation_awarded_on"),
        (Compensation(None, 5, D(2026, 3, 1), 5, D(2026, 11, 30)), "compensation_paid_on"),
    ],
)
def test_compensation_rules(compensation: Compensation, field: str | None) -> None:
    problem = compensation_problem(compensation, TODAY)
    assert (problem[0] if problem else None) == field


def test_what_is_owed_and_for_how_long() -> None:
    nothing = Compensation()
    assert nothing.outstanding_paise is None
    assert nothing.days_unpaid(TODAY) is None
    awarded = Compensation(None, 30_000_000, D(2026, 8, 31))
    assert awarded.outstanding_paise == 30_000_000
    assert awarded.days_unpaid(TODAY) == 90
    part = Compensation(None, 30_000_000, D(2026, 8, 31), 10_000_000, D(2026, 10, 1))
    assert part.outstanding_paise == 20_000_000
    assert part.days_unpaid(TODAY) == 90
    paid = Compensation(None, 30_000_000, D(2026, 8, 31), 30_000_000, D(2026, 11, 1))
    assert paid.outstanding_paise == 0
    assert paid.days_unpaid(TODAY) is None


def test_compensation_steps_for_the_history() -> None:
    applied = Compensation(applied_on=D(2026, 1, 5))
    awarded = Compensation(D(2026, 1, 5), 500, D(2026, 3, 1))
    paid = Compensation(D(2026, 1, 5), 500, D(2026, 3, 1), 200, D(2026, 4, 1))
    assert [e["event"] for e in compensation_events(Compensation(), applied)] == [
        "compensation_applied"
    ]
    assert compensation_events(applied, awarded) == [
        {"event": "award", "awarded_paise": 500, "awarded_on": D(2026, 3, 1)}
    ]
    assert compensation_events(awarded, paid) == [
        {"event": "payment", "paid_paise": 200, "paid_on": D(2026, 4, 1), "outstanding_paise": 300}
    ]
    assert compensation_events(paid, paid) == []


# -- recording ------------------------------------------------------------------------------
async def test_an_fir_is_recorded_sealed_and_in_the_history(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, factory: Factory
) -> None:
    response = await create(client, world.sw_a, world.case)
    assert response.status_code == 201, response.text
    proceeding = response.json()
    assert response.headers["location"] == f"{legal_url(world.case)}/{proceeding['id']}"
    assert response.headers["etag"] == '"v1"'
    assert proceeding["kind"] == "fir"
    assert proceeding["status"] == "investigation"
    assert proceeding["details"] == {
        "fir_or_complaint_number": "412/2026",
        "police_station": STATION,
        "court": None,
        "court_case_number": None,
        "sections_of_law": ["IPC 370", "ITPA 5"],
        "lawyer": LAWYER,
    }
    assert proceeding["witness_protection_needed"] is True
    assert proceeding["compensation_outstanding_paise"] is None
    assert proceeding["days_since_award_unpaid"] is None
    # the details are sealed at rest, bound to the row, and absent from the whole table
    row = (
        await connection.execute(
            sa.text("SELECT details_enc FROM legal_proceeding WHERE id = :id"),
            {"id": proceeding["id"]},
        )
    ).one()
    dump = await connection.scalar(
        sa.text("SELECT string_agg(t::text, ' ') FROM legal_proceeding t")
    )
    for secret in ("Canning", "412/2026", "Paromita", "ITPA"):
        assert secret not in dump
        assert secret.encode() not in bytes(row.details_enc)
    async with factory.uow() as uow:
        opened = uow.cipher.open_json(
            bytes(row.details_enc),
            Place("legal_proceeding", "details_enc", UUID(proceeding["id"])),
        )
    assert opened["police_station"] == STATION
    # the history: filing and application, codes and dates only
    events = await legal_events(connection, world.case)
    assert events == [
        {
            "subject_id": proceeding["id"],
            "event": "filed",
            "status": "investigation",
            "filed_on": ago(200),
            "witness_protection_needed": True,
            "proceeding_kind": "fir",
        },
        {
            "subject_id": proceeding["id"],
            "event": "compensation_applied",
            "applied_on": ago(150),
            "proceeding_kind": "fir",
        },
    ]
    history = await connection.scalar(
        sa.text("SELECT string_agg(detail::text, ' ') FROM case_event WHERE case_id = :c"),
        {"c": world.case},
    )
    assert "Canning" not in history
    assert "412/2026" not in history
    audit = [tuple(a) for a in await audit_of(connection, response)]
    assert ("create", "legal_proceeding", UUID(proceeding["id"]), world.org_a) in audit


async def test_a_complaint_with_defaults_on_a_closed_case(
    client: httpx.AsyncClient, world: World
) -> None:
    closed = await world.cases.case(
        world.org_a, world.survivor, assigned_worker_id=world.sw_a.id, status=CaseStatus.closed
    )
    response = await client.post(
        legal_url(closed), json={"kind": "complaint"}, headers=world.sw_a.headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["filed_on"], body["witness_protection_needed"]) == (
        "filed",
        None,
        False,
    )
    assert body["details"]["sections_of_law"] == []


@pytest.mark.parametrize(
    "extra",
    [
        {"kind": "case"},
        {"status": "pending"},
        {"filed_on": (today() + timedelta(days=2)).isoformat()},
        {"compensation_awarded_paise": -100, "compensation_awarded_on": ago(10)},
        {"compensation_awarded_paise": 10**14, "compensation_awarded_on": ago(10)},
        {"compensation_awarded_paise": 1.5, "compensation_awarded_on": ago(10)},
        {"compensation_awarded_paise": 500},
        {"compensation_paid_paise": 500, "compensation_paid_on": ago(5)},
        {
            "compensation_awarded_paise": 500,
            "compensation_awarded_on": ago(10),
            "compensation_paid_paise": 501,
            "compensation_paid_on": ago(5),
        },
        {
            "compensation_awarded_paise": 500,
            "compensation_awarded_on": ago(10),
            "compensation_paid_paise": 500,
            "compensation_paid_on": ago(11),
        },
        {"compensation_awarded_paise": 500, "compensation_awarded_on": ago(151)},
        {"details": {"police_station": STATION, "phone": "9830000000"}},
        {"details": {"sections_of_law": ["IPC 370"] * 41}},
        {"organization_id": str(uuid.uuid4())},
        {"version": 2},
    ],
)
async def test_invalid_proceedings_are_422_and_change_nothing(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, extra: dict[str, Any]
) -> None:
    response = await create(client, world.sw_a, world.case, **extra)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert STATION not in response.text
    assert await table_count(connection, "legal_proceeding") == 0
    assert await table_count(connection, "case_event") == 0


async def test_creates_are_idempotent_and_honour_a_client_id(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    headers = {**world.sw_a.headers, "Idempotency-Key": "fir-1"}
    first = await client.post(legal_url(world.case), json=fir(), headers=headers)
    again = await client.post(legal_url(world.case), json=fir(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await table_count(connection, "legal_proceeding") == 1
    assert len(await legal_events(connection, world.case)) == 2
    other = await client.post(legal_url(world.case), json=fir(kind="complaint"), headers=headers)
    assert other.status_code == 422
    assert await table_count(connection, "legal_proceeding") == 1
    chosen = str(uuid.uuid4())
    assert (await created(client, world.sw_a, world.case, id=chosen))["id"] == chosen
    assert (await create(client, world.pm_a, world.case, id=chosen)).status_code == 409


# -- changes --------------------------------------------------------------------------------
async def test_stages_and_details_change_with_if_match(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    proceeding = await created(client, world.sw_a, world.case)
    url = f"{legal_url(world.case)}/{proceeding['id']}"
    body = {"status": "chargesheet", "details": {"court": "ACJM Court, Alipore", "lawyer": None}}
    missing = await client.patch(url, json=body, headers=world.sw_a.headers)
    assert missing.status_code == 428
    stale = await client.patch(url, json=body, headers={**world.sw_a.headers, "If-Match": '"v9"'})
    assert stale.status_code == 412
    changed = await patch(client, world.sw_a, proceeding, body)
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"v2"'
    result = changed.json()
    assert result["status"] == "chargesheet"
    # keys sent replace those kept, null clears one, the rest stays
    assert result["details"]["court"] == "ACJM Court, Alipore"
    assert result["details"]["lawyer"] is None
    assert result["details"]["police_station"] == STATION
    assert result["details"]["sections_of_law"] == ["IPC 370", "ITPA 5"]
    read = await client.get(url, headers=world.pm_a.headers)
    assert read.json() == result
    assert read.headers["etag"] == '"v2"'
    events = await legal_events(connection, world.case)
    assert events[-1] == {
        "subject_id": proceeding["id"],
        "event": "status_change",
        "from": "investigation",
        "to": "chargesheet",
        "proceeding_kind": "fir",
    }
    # a change of details or protection alone is audited but no step of the history
    quiet = await patch(client, world.sw_a, result, {"witness_protection_needed": False})
    assert quiet.status_code == 200
    assert len(await legal_events(connection, world.case)) == len(events)
    audit = [tuple(a)[:3] for a in await audit_of(connection, quiet)]
    assert audit == [("update", "legal_proceeding", UUID(proceeding["id"]))]


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "complaint"},  # the kind is fixed
        {"status": None},
        {"witness_protection_needed": None},
        {"details": {"sections_of_law": None}},
        {"details": {"mobile": "98300"}},
        {"compensation_paid_paise": 100, "compensation_paid_on": ago(1)},  # nothing awarded
        {"compensation_awarded_paise": 100},  # no date
        {"compensation_applied_on": None, "compensation_awarded_paise": -5},
        {"filed_on": (today() + timedelta(days=3)).isoformat()},
    ],
)
async def test_invalid_changes_are_422_and_change_nothing(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, body: dict[str, Any]
) -> None:
    proceeding = await created(client, world.sw_a, world.case)
    events = await legal_events(connection, world.case)
    response = await patch(client, world.sw_a, proceeding, body)
    assert response.status_code == 422, response.text
    current = await client.get(
        f"{legal_url(world.case)}/{proceeding['id']}", headers=world.sw_a.headers
    )
    assert current.json() == proceeding
    assert await legal_events(connection, world.case) == events


async def test_compensation_awarded_then_paid_in_parts(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    proceeding = await created(client, world.sw_a, world.case)
    awarded = await patch(
        client,
        world.sw_a,
        proceeding,
        {"compensation_awarded_paise": 30_000_000, "compensation_awarded_on": ago(120)},
    )
    assert awarded.status_code == 200, awarded.text
    assert awarded.json()["compensation_outstanding_paise"] == 30_000_000
    assert awarded.json()["days_since_award_unpaid"] == 120
    # more than awarded, or before the award: refused
    for body in (
        {"compensation_paid_paise": 30_000_001, "compensation_paid_on": ago(1)},
        {"compensation_paid_paise": 100, "compensation_paid_on": ago(121)},
        {
            "compensation_awarded_paise": 50,
            "compensation_paid_paise": 100,
            "compensation_paid_on": ago(1),
        },
    ):
        refused = await patch(client, world.sw_a, awarded.json(), body)
        assert refused.status_code == 422, (body, refused.text)
    part = await patch(
        client,
        world.sw_a,
        awarded.json(),
        {"compensation_paid_paise": 10_000_000, "compensation_paid_on": ago(30)},
    )
    assert part.status_code == 200, part.text
    assert part.json()["compensation_outstanding_paise"] == 20_000_000
    assert part.json()["days_since_award_unpaid"] == 120
    # the award cannot now be lowered below what was paid
    lowered = await patch(
        client, world.sw_a, part.json(), {"compensation_awarded_paise": 9_000_000}
    )
    assert lowered.status_code == 422
    assert lowered.json()["errors"][0]["loc"] == ["body", "compensation_paid_paise"]
    full = await patch(
        client,
        world.sw_a,
        part.json(),
        {"compensation_paid_paise": 30_000_000, "compensation_paid_on": ago(2)},
    )
    assert full.json()["compensation_outstanding_paise"] == 0
    assert full.json()["days_since_award_unpaid"] is None
    steps = [
        {k: v for k, v in e.items() if k != "subject_id"}
        for e in await legal_events(connection, world.case)
    ][2:]
    assert steps == [
        {
            "event": "award",
            "awarded_paise": 30_000_000,
            "awarded_on": ago(120),
            "proceeding_kind": "fir",
        },
        {
            "event": "payment",
            "paid_paise": 10_000_000,
            "paid_on": ago(30),
            "outstanding_paise": 20_000_000,
            "proceeding_kind": "fir",
        },
        {
            "event": "payment",
            "paid_paise": 30_000_000,
            "paid_on": ago(2),
            "outstanding_paise": 0,
            "proceeding_kind": "fir",
        },
    ]


# -- hearings -------------------------------------------------------------------------------
def hearings_url(proceeding: dict[str, Any]) -> str:
    return f"{legal_url(UUID(proceeding['case_id']))}/{proceeding['id']}/hearings"


async def test_hearings_are_recorded_sealed_and_listed_by_day(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    proceeding = await created(client, world.sw_a, world.case, status="trial")
    url = hearings_url(proceeding)
    second = await client.post(
        url,
        json={"held_on": ago(10), "next_hearing_on": (today() + timedelta(days=20)).isoformat()},
        headers=world.sw_a.headers,
    )
    assert second.status_code == 201, second.text
    first = await client.post(
        url,
        json={"held_on": ago(40), "next_hearing_on": ago(10), "outcome": OUTCOME},
        headers=world.sw_a.headers,
    )
    assert first.status_code == 201, first.text
    assert first.headers["location"] == f"{url}/{first.json()['id']}"
    assert first.json()["outcome"] == OUTCOME
    assert first.json()["proceeding_id"] == proceeding["id"]
    listed = await client.get(url, headers=world.pm_a.headers)
    assert [h["id"] for h in listed.json()["items"]] == [first.json()["id"], second.json()["id"]]
    assert listed.json()["items"][0]["outcome"] == OUTCOME
    assert sorted(a.action for a in await audit_of(connection, listed)) == [
        "read",
        "read",
        "search",
    ]
    one = await client.get(f"{url}/{first.json()['id']}", headers=world.pm_a.headers)
    assert one.status_code == 200
    assert one.json() == first.json()
    # sealed at rest and never in the history
    sealed = await connection.scalar(
        sa.text("SELECT outcome_enc FROM legal_hearing WHERE id = :id"), {"id": first.json()["id"]}
    )
    assert b"Rafiq" not in bytes(sealed)
    events = [e for e in await legal_events(connection, world.case) if e["event"] == "hearing"]
    assert events[-1] == {
        "subject_id": proceeding["id"],
        "event": "hearing",
        "hearing_id": first.json()["id"],
        "held_on": ago(40),
        "next_hearing_on": ago(10),
        "proceeding_kind": "fir",
    }
    history = await connection.scalar(
        sa.text("SELECT string_agg(detail::text, ' ') FROM case_event WHERE case_id = :c"),
        {"c": world.case},
    )
    assert "Rafiq" not in history


async def test_invalid_hearings_and_hearings_of_other_cases(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    proceeding = await created(client, world.sw_a, world.case)
    url = hearings_url(proceeding)
    for body in (
        {"held_on": (today() + timedelta(days=1)).isoformat()},
        {"held_on": ago(3), "next_hearing_on": ago(3)},
        {"held_on": ago(3), "outcome": ""},
        {"held_on": ago(3), "judge": "x"},
        {},
    ):
        response = await client.post(url, json=body, headers=world.sw_a.headers)
        assert response.status_code == 422, (body, response.text)
    assert await table_count(connection, "legal_hearing") == 0
    # a proceeding is reached only through its own case
    other_case = await world.cases.case(
        world.org_a, world.survivor, assigned_worker_id=world.sw_a.id
    )
    wrong = f"{legal_url(other_case)}/{proceeding['id']}/hearings"
    assert (
        await client.post(wrong, json={"held_on": ago(1)}, headers=world.sw_a.headers)
    ).status_code == 404
    assert (await client.get(wrong, headers=world.sw_a.headers)).status_code == 404
    assert (
        await client.get(f"{legal_url(other_case)}/{proceeding['id']}", headers=world.sw_a.headers)
    ).status_code == 404
    assert (
        await client.get(f"{url}/{uuid.uuid4()}", headers=world.sw_a.headers)
    ).status_code == 404
    assert await table_count(connection, "legal_hearing") == 0


# -- reading --------------------------------------------------------------------------------
async def test_the_case_list_pages_oldest_first_and_audits_each_proceeding(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    made = [(await created(client, world.sw_a, world.case))["id"] for _ in range(3)]
    other_case = await world.cases.case(
        world.org_a, world.survivor, assigned_worker_id=world.sw_a.id
    )
    await created(client, world.sw_a, other_case)
    first = await client.get(legal_url(world.case), params={"limit": 2}, headers=world.sw_a.headers)
    rest = await client.get(
        legal_url(world.case),
        params={"limit": 2, "cursor": first.json()["next_cursor"], "include_total": "true"},
        headers=world.sw_a.headers,
    )
    assert [p["id"] for p in first.json()["items"] + rest.json()["items"]] == made
    assert rest.json()["next_cursor"] is None
    assert rest.json()["total"] == 3
    assert 'rel="next"' in first.headers["link"]
    audit = await audit_of(connection, first)
    assert sorted((a.action, str(a.entity_id)) for a in audit) == sorted(
        [("search", "None"), ("read", made[0]), ("read", made[1])]
    )
    one = await client.get(f"{legal_url(world.case)}/{made[2]}", headers=world.pm_a.headers)
    assert [(a.action, a.entity_id) for a in await audit_of(connection, one)] == [
        ("read", UUID(made[2]))
    ]


# -- who may do what ------------------------------------------------------------------------
# Columns: list the case's proceedings, read one, record one, change one (If-Match), list its
# hearings, add a hearing. 404 = the case is outside the caller's scope, answered as if absent.
MATRIX = """
actor          list  read  create  update  hearings  hearing
pm_a            200   200     201     200       200      201
sw_a            200   200     201     200       200      201
sw_a2           404   404     404     404       404      404
sw_a2_shared    200   200     201     200       200      201
sw_north        404   404     404     404       404      404
pm_b            404   404     404     404       404      404
sw_b            404   404     404     404       404      404
partner_b       403   403     403     403       403      403
analyst_a       403   403     403     403       403      403
leader_a        403   403     403     403       403      403
auditor_a       403   403     403     403       403      403
admin           403   403     403     403       403      403
client_a        403   403     403     403       403      403
client_pm_a     200   200     201     200       200      201
client_pm_b     404   404     404     404       404      404
"""
COLUMNS = ("list", "read", "create", "update", "hearings", "hearing")
ROWS = [line.split() for line in MATRIX.strip().splitlines()[1:]]


@pytest.mark.parametrize("row", ROWS, ids=[row[0] for row in ROWS])
async def test_who_may_do_what(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, row: list[str]
) -> None:
    name, *cells = row
    want = dict(zip(COLUMNS, map(int, cells), strict=True))
    if name == "sw_a2_shared":
        await world.cases.allow_district_visibility(world.org_a)
        name = "sw_a2"
    actor: Actor = getattr(world, name)
    proceeding = await created(client, world.pm_a, world.case)
    await client.post(
        hearings_url(proceeding),
        json={"held_on": ago(5), "outcome": OUTCOME},
        headers=world.pm_a.headers,
    )
    url = f"{legal_url(world.case)}/{proceeding['id']}"
    counts = {
        t: await table_count(connection, t)
        for t in ("legal_proceeding", "legal_hearing", "case_event")
    }

    answers = {
        "list": await client.get(legal_url(world.case), headers=actor.headers),
        "read": await client.get(url, headers=actor.headers),
        "create": await create(client, actor, world.case),
        "update": await patch(client, actor, proceeding, {"status": "trial"}),
        "hearings": await client.get(hearings_url(proceeding), headers=actor.headers),
        "hearing": await client.post(
            hearings_url(proceeding), json={"held_on": ago(1)}, headers=actor.headers
        ),
    }
    got = {column: response.status_code for column, response in answers.items()}
    assert got == want, [r.text[:200] for r in answers.values()]

    for response in answers.values():
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
            for secret in (STATION, LAWYER, OUTCOME, SURVIVOR_NAME):
                assert secret not in response.text
    if want["read"] == 404:
        missing = await client.get(
            f"{legal_url(uuid.uuid4())}/{uuid.uuid4()}", headers=actor.headers
        )
        assert without_request(answers["read"].json()) == without_request(missing.json())
    if want["list"] == 200:
        assert proceeding["id"] in {p["id"] for p in answers["list"].json()["items"]}
        if name.startswith("client_"):
            # An integration client reads proceedings without their details (issue 9).
            for secret in (STATION, LAWYER, OUTCOME, SURVIVOR_NAME):
                for answer in (answers["list"], answers["read"], answers["hearings"]):
                    assert secret not in answer.text
            assert answers["read"].json()["details"] is None
        else:
            assert OUTCOME in answers["hearings"].text
    if want["create"] != 201:
        assert await table_count(connection, "legal_proceeding") == counts["legal_proceeding"]
        assert await table_count(connection, "legal_hearing") == counts["legal_hearing"]
        assert await table_count(connection, "case_event") == counts["case_event"]
        current = await client.get(url, headers=world.pm_a.headers)
        assert current.json()["status"] == "investigation"
    else:
        assert answers["update"].json()["status"] == "trial"
