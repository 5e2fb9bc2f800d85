"""Victim identification referrals (a survivor leader's intake leads) and community safety
reports (allegations): the flows, what each side sees, what stays sealed, what is audited, and
who may reach what."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.common.principal import Role
from domain.identification.referrals import MOVES
from domain.identification.safety_reports import review_problem
from persistence.crypto import Place
from persistence.models.leadership_vocabulary import IdentificationStatus
from persistence.models.safety_report import SafetyReportStatus
from tests import helpers
from tests.factories import NORTH_24, SOUTH_24, Actor, Factory
from tests.helpers import if_match
from tests.worlds import ADMIN, BaseWorld, Client, person, world_fixture

REFERRALS = "/api/v1/identification-referrals"
REPORTS = "/api/v1/safety-reports"
TABLES = ("identification_referral", "safety_report")

# Words that must never appear in a table, a log or an answer that should not show them.
GIRL = "Rupali Mondal"
PLACE = "behind the Gosaba tea stall"
OBSERVED = "A man promised her mother a housemaid job in Pune"
DECLINE_REASON = "Already with the Childline team in Basanti"
ACCUSED = "Haru Sardar"
ACCUSED_DETAIL = "drives the blue Tata Sumo to Sealdah"
ALLEGATION = "Takes girls from the ghat to a placement agent"
UNNAMED = "Three girls left the para this week for work"
REVIEW_NOTE = "Shared with the AHTU at Baruipur"

SUBMISSION_KEYS = {
    "view",
    "id",
    "concern",
    "district_id",
    "status",
    "submitted_at",
    "version",
}
RECEIPT_KEYS = {
    "view",
    "id",
    "kind",
    "names_persons",
    "district_id",
    "status",
    "submitted_at",
    "version",
}


def referral_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "concern": "at_risk",
        "name": GIRL,
        "age_estimate": 16,
        "place": PLACE,
        "safe_contact": "Through me only",
        "observations": OBSERVED,
    }
    body.update(extra)
    return body


def allegation_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "suspected_recruitment",
        "observed_on": "2026-11-20",
        "place": PLACE,
        "description": ALLEGATION,
        "named_persons": [{"name": ACCUSED, "description": ACCUSED_DETAIL}],
    }
    body.update(extra)
    return body


def unnamed_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "red_flag", "names_persons": False, "description": UNNAMED}
    body.update(extra)
    return body


class World(BaseWorld):
    """Two organisations; in A a program manager, social workers of two districts, two
    survivor leaders, and everyone who has no part in intake leads or allegations."""

    people = {
        "pm_a": person("org_a", Role.program_manager),
        "sw_a": person("org_a", Role.social_worker, SOUTH_24),
        "sw_a2": person("org_a", Role.social_worker, SOUTH_24),
        "sw_north": person("org_a", Role.social_worker, NORTH_24),
        "leader_a": person("org_a", Role.survivor_leader, SOUTH_24),
        "leader_a2": person("org_a", Role.survivor_leader, SOUTH_24),
        "partner_a": person("org_a", Role.partner_staff),
        "analyst_a": person("org_a", Role.analyst),
        "auditor_a": person("org_a", Role.auditor),
        "admin": ADMIN,
        "pm_b": person("org_b", Role.program_manager),
        "sw_b": person("org_b", Role.social_worker, SOUTH_24),
        "leader_b": person("org_b", Role.survivor_leader, SOUTH_24),
    }
    # Deciding, submitting and safety reports are a person's acts: the grants are written
    # into the rows directly, as a tampered database would hold them, and still refused.
    clients = {
        "client_reader_a": Client(
            "org_a", Role.program_manager, ("identification_referrals:read",)
        ),
        "client_decider_a": Client(
            "org_a",
            Role.program_manager,
            ("identification_referrals:read", "identification_referrals:decide"),
            unchecked=True,
        ),
        "client_leader_a": Client(
            "org_a", Role.survivor_leader, ("identification_referrals:submit",), unchecked=True
        ),
        "client_reports_a": Client(
            "org_a",
            Role.program_manager,
            ("safety_reports:read", "safety_reports:submit", "safety_reports:review"),
            unchecked=True,
        ),
        "client_none_a": Client("org_a", Role.program_manager),
    }

    async def records(self) -> None:
        survivor = await self.cases.survivor(self.org_a)
        self.case_a = await self.cases.case(self.org_a, survivor, assigned_worker_id=self.sw_a.id)
        # a case of A that sw_a does not hold (her organisation keeps district visibility off)
        self.case_a_other = await self.cases.case(
            self.org_a, survivor, assigned_worker_id=self.sw_a2.id
        )
        survivor_b = await self.cases.survivor(self.org_b)
        self.case_b = await self.cases.case(self.org_b, survivor_b)


world = world_fixture(World)


async def submit_referral(client: httpx.AsyncClient, actor: Actor, **extra: Any) -> dict[str, Any]:
    response = await client.post(REFERRALS, json=referral_body(**extra), headers=actor.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def submit_report(
    client: httpx.AsyncClient, actor: Actor, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(REPORTS, json=body, headers=actor.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


table_counts = partial(helpers.table_counts, tables=TABLES)


async def row(connection: AsyncConnection, table: str, record_id: str) -> Any:
    return (
        await connection.execute(
            sa.text(f"SELECT * FROM {table} WHERE id = :id"), {"id": record_id}
        )
    ).one()


async def raw_table(connection: AsyncConnection, table: str) -> str:
    """Every row of the table as PostgreSQL prints it (bytea as hex), plus the bytes of every
    column decoded as text wherever they decode: a plaintext value would show in either."""
    rows = (await connection.execute(sa.text(f"SELECT t::text FROM {table} t"))).scalars().all()
    printed = "\n".join(rows)
    raw = (await connection.execute(sa.text(f"SELECT * FROM {table}"))).all()
    decoded = [
        bytes(value).decode("utf-8", "replace")
        for record in raw
        for value in record
        if isinstance(value, bytes | memoryview)
    ]
    return printed + "\n" + "\n".join(decoded)


audit_of = partial(helpers.audit_of, columns=(*helpers.AUDIT_COLUMNS, "actor_id"))


def reads_of(events: list[Any], entity: str) -> list[str]:
    return [str(e.entity_id) for e in events if e.action == "read" and e.entity_type == entity]


# -- pure rules -----------------------------------------------------------------------------
def test_referral_moves() -> None:
    assert MOVES[IdentificationStatus.declined] == frozenset()
    assert MOVES[IdentificationStatus.became_case] == frozenset()
    assert IdentificationStatus.submitted not in set().union(*MOVES.values())
    assert MOVES[IdentificationStatus.accepted] == {
        IdentificationStatus.declined,
        IdentificationStatus.became_case,
    }


def test_reviews_move_forward_only_and_closed_is_final() -> None:
    s = SafetyReportStatus
    assert review_problem(s.received, s.under_review) is None
    assert review_problem(s.received, s.closed) is None
    assert review_problem(s.under_review, s.under_review) is None
    assert review_problem(s.action_taken, s.under_review) is not None
    assert review_problem(s.closed, s.closed) is not None


# -- identification referrals ---------------------------------------------------------------
async def test_a_referral_becomes_an_intake_lead_and_the_leader_sees_its_status_only(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, factory: Factory
) -> None:
    response = await client.post(REFERRALS, json=referral_body(), headers=world.leader_a.headers)
    assert response.status_code == 201, response.text
    submitted = response.json()
    assert set(submitted) == SUBMISSION_KEYS
    assert submitted["view"] == "submission"
    assert submitted["status"] == "submitted"
    # once sent, what she wrote is not shown to her again, not even in the answer
    for written in (GIRL, PLACE, OBSERVED):
        assert written not in response.text
    assert submitted["district_id"] == str(SOUTH_24)  # her only district
    assert response.headers["location"] == f"{REFERRALS}/{submitted['id']}"
    assert response.headers["etag"] == '"v1"'
    assert [(e.action, e.entity_type) for e in await audit_of(connection, response)] == [
        ("create", "identification_referral")
    ]

    # sealed at rest, bound to its row: the table's bytes hold none of what she wrote
    raw = await raw_table(connection, "identification_referral")
    for secret in (GIRL, "Rupali", PLACE, "Gosaba", OBSERVED, "Pune", "Through me"):
        assert secret not in raw
    stored = await row(connection, "identification_referral", submitted["id"])
    assert stored.submitted_by == world.leader_a.id
    assert stored.organization_id == world.org_a
    async with factory.uow() as uow:
        details = uow.cipher.open_json(
            bytes(stored.details_enc),
            Place("identification_referral", "details_enc", UUID(submitted["id"])),
        )
    assert details["name"] == GIRL

    # the program manager sees an intake lead, audited
    listed = await client.get(REFERRALS, headers=world.pm_a.headers)
    assert listed.status_code == 200
    (lead,) = listed.json()["items"]
    assert lead["view"] == "intake_lead"
    assert lead["submitted_by"] == str(world.leader_a.id)
    assert lead["observations"] == OBSERVED
    events = await audit_of(connection, listed)
    assert next((e.action, e.entity_type) for e in events) == ("search", "identification_referral")
    assert reads_of(events, "identification_referral") == [submitted["id"]]

    # accepted, then it became a case (the social worker of the district links her case)
    url = f"{REFERRALS}/{submitted['id']}"
    accepted = await client.post(
        f"{url}/decision", json={"decision": "accepted"}, headers=if_match(world.pm_a, 1)
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["decided_by"] == str(world.pm_a.id)
    assert accepted.headers["etag"] == '"v2"'
    became = await client.post(
        f"{url}/decision",
        json={"decision": "became_case", "case_id": str(world.case_a)},
        headers=if_match(world.sw_a, 2),
    )
    assert became.status_code == 200, became.text
    assert became.json()["case_id"] == str(world.case_a)
    assert became.json()["status"] == "became_case"
    assert [(e.action, e.entity_id) for e in await audit_of(connection, became)] == [
        ("update", UUID(submitted["id"])),
        ("read", UUID(submitted["id"])),
    ]
    # her progress map now starts where the leader found her: the referral's id, nothing of
    # what the leader wrote
    timeline = await client.get(
        f"/api/v1/cases/{world.case_a}/timeline", headers=world.sw_a.headers
    )
    assert timeline.status_code == 200, timeline.text
    found = [e for e in timeline.json()["items"] if e["kind"] == "identification"]
    assert len(found) == 1
    assert found[0]["subject_id"] == submitted["id"]
    assert found[0]["actor_id"] == str(world.sw_a.id)
    assert found[0]["detail"] == {}
    assert OBSERVED not in timeline.text

    # the leader: her submission and its status, nothing of the case, the worker or notes
    for response in (
        await client.get(url, headers=world.leader_a.headers),
        await client.get(REFERRALS, headers=world.leader_a.headers),
    ):
        assert response.status_code == 200
        body = response.json()
        seen = body["items"][0] if "items" in body else body
        assert set(seen) == SUBMISSION_KEYS
        assert seen["status"] == "became_case"
        for written in (GIRL, PLACE, OBSERVED):
            assert written not in response.text
        assert seen["version"] == 3
        assert str(world.case_a) not in response.text
        assert str(world.sw_a.id) not in response.text
        assert str(world.pm_a.id) not in response.text
        for staff_only in ("case_id", "decided_by", "decided_at", "decline_reason"):
            assert staff_only not in response.text

    # a final decision stays final
    again = await client.post(
        f"{url}/decision",
        json={"decision": "declined", "reason": DECLINE_REASON},
        headers=if_match(world.pm_a, 3),
    )
    assert again.status_code == 409


async def test_a_declined_referral_keeps_its_reason_from_the_leader(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    submitted = await submit_referral(client, world.leader_a, concern="possible_victim")
    url = f"{REFERRALS}/{submitted['id']}"
    before = await table_counts(connection)
    no_reason = await client.post(
        f"{url}/decision", json={"decision": "declined"}, headers=if_match(world.sw_a, 1)
    )
    assert no_reason.status_code == 422
    stray_case = await client.post(
        f"{url}/decision",
        json={"decision": "accepted", "case_id": str(world.case_a)},
        headers=if_match(world.sw_a, 1),
    )
    assert stray_case.status_code == 422
    stored = await row(connection, "identification_referral", submitted["id"])
    assert (stored.status, stored.version, stored.decision_enc) == ("submitted", 1, None)
    assert await table_counts(connection) == before

    declined = await client.post(
        f"{url}/decision",
        json={"decision": "declined", "reason": DECLINE_REASON},
        headers=if_match(world.sw_a, 1),
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["decline_reason"] == DECLINE_REASON
    assert DECLINE_REASON not in await raw_table(connection, "identification_referral")

    mine = await client.get(url, headers=world.leader_a.headers)
    assert mine.json()["status"] == "declined"
    assert "Childline" not in mine.text
    staff = await client.get(url, headers=world.pm_a.headers)
    assert staff.json()["decline_reason"] == DECLINE_REASON
    # declined is final
    reopened = await client.post(
        f"{url}/decision", json={"decision": "accepted"}, headers=if_match(world.pm_a, 2)
    )
    assert reopened.status_code == 409


async def test_decisions_need_a_current_if_match(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    submitted = await submit_referral(client, world.leader_a)
    url = f"{REFERRALS}/{submitted['id']}/decision"
    body = {"decision": "accepted"}
    assert (await client.post(url, json=body, headers=world.pm_a.headers)).status_code == 428
    stale = await client.post(url, json=body, headers=if_match(world.pm_a, 7))
    assert stale.status_code == 412
    stored = await row(connection, "identification_referral", submitted["id"])
    assert (stored.status, stored.version) == ("submitted", 1)


async def test_only_a_case_in_the_callers_scope_can_be_linked(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    submitted = await submit_referral(client, world.leader_a)
    url = f"{REFERRALS}/{submitted['id']}/decision"
    answers = []
    for actor, case_id in (
        (world.pm_a, world.case_b),  # another organisation's case
        (world.pm_a, uuid.uuid4()),  # no case at all
        (world.sw_a, world.case_a_other),  # her organisation's, not hers
    ):
        response = await client.post(
            url,
            json={"decision": "became_case", "case_id": str(case_id)},
            headers=if_match(actor, 1),
        )
        assert response.status_code == 422, response.text
        answers.append(response.json()["errors"])
    # the same answer whether the case exists elsewhere or not at all
    assert answers[0] == answers[1] == answers[2]
    stored = await row(connection, "identification_referral", submitted["id"])
    assert (stored.status, stored.case_id, stored.version) == ("submitted", None, 1)
    # the manager links a case of her organisation that sw_a does not hold
    linked = await client.post(
        url,
        json={"decision": "became_case", "case_id": str(world.case_a_other)},
        headers=if_match(world.pm_a, 1),
    )
    assert linked.status_code == 200
    assert linked.json()["case_id"] == str(world.case_a_other)


async def test_leaders_see_their_own_and_workers_their_districts(
    client: httpx.AsyncClient, world: World
) -> None:
    mine = await submit_referral(client, world.leader_a)
    hers = await submit_referral(client, world.leader_a2)
    other_org = await submit_referral(client, world.leader_b)

    async def ids(actor: Actor) -> set[str]:
        response = await client.get(REFERRALS, headers=actor.headers)
        assert response.status_code == 200
        return {r["id"] for r in response.json()["items"]}

    assert await ids(world.leader_a) == {mine["id"]}
    assert await ids(world.leader_a2) == {hers["id"]}
    assert await ids(world.pm_a) == {mine["id"], hers["id"]}
    assert await ids(world.sw_a) == {mine["id"], hers["id"]}
    assert await ids(world.sw_north) == set()
    assert await ids(world.pm_b) == {other_org["id"]}
    assert await ids(world.sw_b) == {other_org["id"]}
    assert (
        await client.get(f"{REFERRALS}/{hers['id']}", headers=world.leader_a.headers)
    ).status_code == 404
    assert (
        await client.get(f"{REFERRALS}/{mine['id']}", headers=world.sw_north.headers)
    ).status_code == 404


async def test_foreign_referrals_answer_404_like_missing_ones(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    submitted = await submit_referral(client, world.leader_a)
    for actor in (world.pm_b, world.sw_b, world.leader_b):
        url = f"{REFERRALS}/{submitted['id']}"
        read = await client.get(url, headers=actor.headers)
        missing = await client.get(f"{REFERRALS}/{uuid.uuid4()}", headers=actor.headers)
        assert read.status_code == missing.status_code == 404
        strip = ("instance", "request_id")
        assert {k: v for k, v in read.json().items() if k not in strip} == {
            k: v for k, v in missing.json().items() if k not in strip
        }
        assert GIRL not in read.text
    for actor in (world.pm_b, world.sw_b):
        decided = await client.post(
            f"{REFERRALS}/{submitted['id']}/decision",
            json={"decision": "accepted"},
            headers=if_match(actor, 1),
        )
        assert decided.status_code == 404
    stored = await row(connection, "identification_referral", submitted["id"])
    assert (stored.status, stored.version) == ("submitted", 1)


@pytest.mark.parametrize(
    "body",
    [
        referral_body(organization_id=str(uuid.uuid4())),  # unknown field
        referral_body(status="became_case"),
        referral_body(observations=""),
        {k: v for k, v in referral_body().items() if k != "observations"},
        referral_body(concern="trafficker"),
        referral_body(age_estimate=200),
        referral_body(name="x" * 201),
        referral_body(district_id=str(NORTH_24)),  # not one of her districts
        referral_body(district_id="not-a-uuid"),
    ],
)
async def test_invalid_referrals_are_refused_with_nothing_written(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, body: dict[str, Any]
) -> None:
    before = await table_counts(connection)
    audit_before = await connection.scalar(sa.text("SELECT count(*) FROM audit_event"))
    response = await client.post(REFERRALS, json=body, headers=world.leader_a.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert GIRL not in response.text
    assert await table_counts(connection) == before
    assert await connection.scalar(sa.text("SELECT count(*) FROM audit_event")) == audit_before


async def test_a_leader_without_one_district_names_it(
    client: httpx.AsyncClient, world: World, factory: Factory, connection: AsyncConnection
) -> None:
    roaming = await factory.user(world.org_a, Role.survivor_leader)
    before = await table_counts(connection)
    unnamed = await client.post(REFERRALS, json=referral_body(), headers=roaming.headers)
    assert unnamed.status_code == 422
    unknown = await client.post(
        REFERRALS, json=referral_body(district_id=str(uuid.uuid4())), headers=roaming.headers
    )
    assert unknown.status_code == 422
    assert await table_counts(connection) == before
    named = await client.post(
        REFERRALS, json=referral_body(district_id=str(NORTH_24)), headers=roaming.headers
    )
    assert named.status_code == 201
    assert named.json()["district_id"] == str(NORTH_24)


async def test_referral_submission_is_idempotent_and_honours_client_ids(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    chosen = str(uuid.uuid4())
    headers = {**world.leader_a.headers, "Idempotency-Key": "referral-1"}
    first = await client.post(REFERRALS, json=referral_body(id=chosen), headers=headers)
    replay = await client.post(REFERRALS, json=referral_body(id=chosen), headers=headers)
    assert first.status_code == replay.status_code == 201
    assert first.json() == replay.json()
    assert first.json()["id"] == chosen
    assert replay.headers["idempotent-replayed"] == "true"
    assert (await table_counts(connection))["identification_referral"] == 1
    taken = await client.post(
        REFERRALS, json=referral_body(id=chosen), headers=world.leader_a.headers
    )
    assert taken.status_code == 409


REFERRAL_MATRIX = [
    # who, list, read, submit, decide
    ("pm_a", 200, 200, 403, 200),
    ("sw_a", 200, 200, 403, 200),
    ("sw_north", 200, 404, 403, 404),
    ("leader_a", 200, 200, 201, 403),
    ("leader_a2", 200, 404, 201, 403),
    ("partner_a", 403, 403, 403, 403),
    ("analyst_a", 403, 403, 403, 403),
    ("auditor_a", 403, 403, 403, 403),
    ("admin", 403, 403, 403, 403),
    ("pm_b", 200, 404, 403, 404),
    ("leader_b", 200, 404, 201, 403),
    ("client_reader_a", 200, 200, 403, 403),
    ("client_decider_a", 200, 200, 403, 403),  # a decision is a person's
    ("client_leader_a", 403, 403, 403, 403),  # so is a referral
    ("client_none_a", 403, 403, 403, 403),
]


@pytest.mark.parametrize(("who", "listing", "read", "submit", "decide"), REFERRAL_MATRIX)
async def test_referral_matrix(
    client: httpx.AsyncClient,
    world: World,
    connection: AsyncConnection,
    who: str,
    listing: int,
    read: int,
    submit: int,
    decide: int,
) -> None:
    referral = await submit_referral(client, world.leader_a)
    actor: Actor = getattr(world, who)
    before = await table_counts(connection)
    url = f"{REFERRALS}/{referral['id']}"
    calls = {
        "list": await client.get(REFERRALS, headers=actor.headers),
        "list_filtered": await client.get(
            REFERRALS, params={"status": "submitted"}, headers=actor.headers
        ),
        "read": await client.get(url, headers=actor.headers),
        "submit": await client.post(REFERRALS, json=referral_body(), headers=actor.headers),
        "decide": await client.post(
            f"{url}/decision", json={"decision": "accepted"}, headers=if_match(actor, 1)
        ),
    }
    expected = {
        "list": listing,
        "list_filtered": listing,
        "read": read,
        "submit": submit,
        "decide": decide,
    }
    assert {k: r.status_code for k, r in calls.items()} == expected, who
    if listing == 200:
        listed = {r["id"] for r in calls["list"].json()["items"]}
        assert (referral["id"] in listed) is (read == 200), who
    if read == 200:
        # The organisation's intake workers read what the leader wrote; the leader, its status;
        # an integration client reads intake leads without the personal fields (issue 9).
        seen = calls["read"].json()
        assert seen["id"] == referral["id"]
        if who.startswith("client_"):
            assert GIRL not in calls["read"].text
            assert GIRL not in calls["list"].text
            assert seen.get("observations") is None
        else:
            assert (GIRL in calls["read"].text) is (seen["view"] == "intake_lead"), who
    for response in calls.values():
        if response.status_code in (403, 404):
            assert response.headers["content-type"].startswith("application/problem+json")
            assert GIRL not in response.text
            assert referral["id"] not in str(
                {k: v for k, v in response.json().items() if k != "instance"}
            )
    after = await table_counts(connection)
    assert after["identification_referral"] == before["identification_referral"] + (
        1 if submit == 201 else 0
    )
    stored = await row(connection, "identification_referral", referral["id"])
    assert stored.status == ("accepted" if decide == 200 else "submitted")


# -- safety reports -------------------------------------------------------------------------
async def test_an_allegation_is_sealed_and_only_program_managers_read_it_audited(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, factory: Factory
) -> None:
    response = await client.post(REPORTS, json=allegation_body(), headers=world.leader_a.headers)
    assert response.status_code == 201, response.text
    receipt = response.json()
    # once submitted, the leader sees its status, never its content (not even in the answer)
    assert set(receipt) == RECEIPT_KEYS
    assert receipt["view"] == "receipt"
    assert receipt["names_persons"] is True
    assert receipt["status"] == "received"
    for secret in (ACCUSED, ACCUSED_DETAIL, ALLEGATION, PLACE):
        assert secret not in response.text
    assert [(e.action, e.entity_type) for e in await audit_of(connection, response)] == [
        ("create", "safety_report")
    ]

    # the table holds no plaintext; the sealed value opens only at its own place
    raw = await raw_table(connection, "safety_report")
    for secret in (ACCUSED, "Sardar", ACCUSED_DETAIL, ALLEGATION, PLACE, "Gosaba"):
        assert secret not in raw
    stored = await row(connection, "safety_report", receipt["id"])
    async with factory.uow() as uow:
        content = uow.cipher.open_json(
            bytes(stored.report_enc), Place("safety_report", "report_enc", UUID(receipt["id"]))
        )
    assert content["named_persons"] == [{"name": ACCUSED, "description": ACCUSED_DETAIL}]

    # the program manager reads it: one audit event per read, single or in a list
    url = f"{REPORTS}/{receipt['id']}"
    for _ in range(2):
        read = await client.get(url, headers=world.pm_a.headers)
        assert read.status_code == 200
        assert read.json()["view"] == "report"
        assert read.json()["named_persons"] == [{"name": ACCUSED, "description": ACCUSED_DETAIL}]
        assert read.json()["reported_by"] == str(world.leader_a.id)
        events = await audit_of(connection, read)
        assert [(e.action, str(e.entity_id), e.actor_id) for e in events] == [
            ("read", receipt["id"], world.pm_a.id)
        ]
        assert events[0].organization_id == world.org_a
    listed = await client.get(REPORTS, headers=world.pm_a.headers)
    assert listed.json()["items"][0]["description"] == ALLEGATION
    events = await audit_of(connection, listed)
    assert events[0].action == "search"
    assert reads_of(events, "safety_report") == [receipt["id"]]
    total_reads = await connection.scalar(
        sa.text(
            "SELECT count(*) FROM audit_event WHERE action = 'read' "
            "AND entity_type = 'safety_report' AND entity_id = :id"
        ),
        {"id": receipt["id"]},
    )
    assert total_reads == 3

    # the leader: status only; a social worker, even of the district: not at all
    mine = await client.get(url, headers=world.leader_a.headers)
    assert mine.status_code == 200
    assert set(mine.json()) == RECEIPT_KEYS
    for secret in (ACCUSED, ALLEGATION, PLACE):
        assert secret not in mine.text
    mine_listed = await client.get(REPORTS, headers=world.leader_a.headers)
    assert [set(r) for r in mine_listed.json()["items"]] == [RECEIPT_KEYS]
    assert ACCUSED not in mine_listed.text
    for actor in (world.sw_a, world.sw_north, world.leader_a2, world.pm_b):
        assert (await client.get(url, headers=actor.headers)).status_code == 404
        listed = await client.get(REPORTS, headers=actor.headers)
        assert listed.json()["items"] == []
        assert ACCUSED not in listed.text

    # nothing of it leaks into the audit trail either
    audit_text = "\n".join(
        (await connection.execute(sa.text("SELECT t::text FROM audit_event t"))).scalars().all()
    )
    for secret in (ACCUSED, ALLEGATION, PLACE):
        assert secret not in audit_text


async def test_a_report_is_an_allegation_unless_it_says_it_names_nobody(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    unsure = await submit_report(
        client, world.leader_a, {"kind": "threat", "description": "Threats at the ghat"}
    )
    assert unsure["names_persons"] is True
    unnamed = await submit_report(client, world.leader_a, unnamed_body())
    assert unnamed["names_persons"] is False
    assert set(unnamed) == RECEIPT_KEYS
    # the district's social worker reads a report naming nobody (audited); not the allegation
    read = await client.get(f"{REPORTS}/{unnamed['id']}", headers=world.sw_a.headers)
    assert read.status_code == 200
    assert read.json()["description"] == UNNAMED
    assert reads_of(await audit_of(connection, read), "safety_report") == [unnamed["id"]]
    listed = await client.get(REPORTS, headers=world.sw_a.headers)
    assert [r["id"] for r in listed.json()["items"]] == [unnamed["id"]]
    assert reads_of(await audit_of(connection, listed), "safety_report") == [unnamed["id"]]
    assert (
        await client.get(f"{REPORTS}/{unsure['id']}", headers=world.sw_a.headers)
    ).status_code == 404
    assert (
        await client.get(f"{REPORTS}/{unnamed['id']}", headers=world.sw_north.headers)
    ).status_code == 404


async def test_a_workers_own_allegation_is_a_receipt_to_her_too(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    receipt = await submit_report(client, world.sw_a, allegation_body())
    assert set(receipt) == RECEIPT_KEYS
    assert receipt["district_id"] == str(SOUTH_24)
    read = await client.get(f"{REPORTS}/{receipt['id']}", headers=world.sw_a.headers)
    assert read.status_code == 200
    assert set(read.json()) == RECEIPT_KEYS
    assert ACCUSED not in read.text
    # a program manager's own report answers with its content (she reads allegations)
    own = await client.post(
        REPORTS, json=allegation_body(district_id=str(SOUTH_24)), headers=world.pm_a.headers
    )
    assert own.status_code == 201
    assert own.json()["view"] == "report"
    assert reads_of(await audit_of(connection, own), "safety_report") == [own.json()["id"]]


async def test_a_program_manager_reviews_and_the_leader_follows_the_status(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    receipt = await submit_report(client, world.leader_a, allegation_body())
    url = f"{REPORTS}/{receipt['id']}"
    missing = await client.post(
        f"{url}/review", json={"status": "under_review"}, headers=world.pm_a.headers
    )
    assert missing.status_code == 428
    reviewed = await client.post(
        f"{url}/review",
        json={"status": "action_taken", "note": REVIEW_NOTE},
        headers=if_match(world.pm_a, 1),
    )
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["status"] == "action_taken"
    assert reviewed.json()["review_note"] == REVIEW_NOTE
    assert reviewed.json()["reviewed_by"] == str(world.pm_a.id)
    assert reviewed.headers["etag"] == '"v2"'
    assert [(e.action, str(e.entity_id)) for e in await audit_of(connection, reviewed)] == [
        ("update", receipt["id"]),
        ("read", receipt["id"]),
    ]
    assert "Baruipur" not in await raw_table(connection, "safety_report")

    mine = await client.get(url, headers=world.leader_a.headers)
    assert mine.json()["status"] == "action_taken"
    assert set(mine.json()) == RECEIPT_KEYS
    assert "Baruipur" not in mine.text
    assert str(world.pm_a.id) not in mine.text

    backwards = await client.post(
        f"{url}/review", json={"status": "under_review"}, headers=if_match(world.pm_a, 2)
    )
    assert backwards.status_code == 409
    stale = await client.post(
        f"{url}/review", json={"status": "closed"}, headers=if_match(world.pm_a, 1)
    )
    assert stale.status_code == 412
    closed = await client.post(
        f"{url}/review", json={"status": "closed"}, headers=if_match(world.pm_a, 2)
    )
    assert closed.status_code == 200
    final = await client.post(
        f"{url}/review", json={"status": "closed"}, headers=if_match(world.pm_a, 3)
    )
    assert final.status_code == 409
    # another organisation's manager: as if it did not exist
    foreign = await client.post(
        f"{url}/review", json={"status": "closed"}, headers=if_match(world.pm_b, 3)
    )
    assert foreign.status_code == 404
    listed = await client.get(REPORTS, params={"status": "closed"}, headers=world.leader_a.headers)
    assert [r["id"] for r in listed.json()["items"]] == [receipt["id"]]


@pytest.mark.parametrize(
    "body",
    [
        allegation_body(organization_id=str(uuid.uuid4())),  # unknown field
        allegation_body(status="closed"),
        allegation_body(description=""),
        allegation_body(kind="rumour"),
        allegation_body(observed_on="2999-01-01"),
        allegation_body(names_persons=False),  # says nobody but lists someone
        allegation_body(named_persons=[{"name": ""}]),
        allegation_body(named_persons=[{"name": ACCUSED}] * 21),
        allegation_body(district_id=str(NORTH_24)),  # not one of her districts
    ],
)
async def test_invalid_reports_are_refused_with_nothing_written(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, body: dict[str, Any]
) -> None:
    before = await table_counts(connection)
    audit_before = await connection.scalar(sa.text("SELECT count(*) FROM audit_event"))
    response = await client.post(REPORTS, json=body, headers=world.leader_a.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert ACCUSED not in response.text
    assert await table_counts(connection) == before
    assert await connection.scalar(sa.text("SELECT count(*) FROM audit_event")) == audit_before


async def test_a_replayed_report_answers_the_receipt_and_is_stored_once(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    headers = {**world.leader_a.headers, "Idempotency-Key": "report-1"}
    first = await client.post(REPORTS, json=allegation_body(), headers=headers)
    replay = await client.post(REPORTS, json=allegation_body(), headers=headers)
    assert first.status_code == replay.status_code == 201
    assert first.json() == replay.json()
    assert ACCUSED not in replay.text
    assert (await table_counts(connection))["safety_report"] == 1
    assert ACCUSED not in await raw_table(connection, "idempotency_record")


REPORT_MATRIX = [
    # who, list, read allegation, read unnamed, submit, review
    ("pm_a", 200, 200, 200, 201, 200),
    ("sw_a", 200, 404, 200, 201, 403),
    ("sw_north", 200, 404, 404, 201, 403),
    ("leader_a", 200, 200, 200, 201, 403),  # her own reports: receipts
    ("leader_a2", 200, 404, 404, 201, 403),
    ("partner_a", 403, 403, 403, 403, 403),
    ("analyst_a", 403, 403, 403, 403, 403),
    ("auditor_a", 403, 403, 403, 403, 403),
    ("admin", 403, 403, 403, 403, 403),
    ("pm_b", 200, 404, 404, 201, 404),
    ("client_reports_a", 403, 403, 403, 403, 403),  # never an integration client
    ("client_none_a", 403, 403, 403, 403, 403),
]
CONTENT_READERS = {("pm_a", "allegation"), ("pm_a", "unnamed"), ("sw_a", "unnamed")}


@pytest.mark.parametrize(
    ("who", "listing", "allegation", "unnamed", "submit", "review"), REPORT_MATRIX
)
async def test_safety_report_matrix(
    client: httpx.AsyncClient,
    world: World,
    connection: AsyncConnection,
    who: str,
    listing: int,
    allegation: int,
    unnamed: int,
    submit: int,
    review: int,
) -> None:
    reports = {
        "allegation": await submit_report(client, world.leader_a, allegation_body()),
        "unnamed": await submit_report(client, world.leader_a, unnamed_body()),
    }
    actor: Actor = getattr(world, who)
    before = await table_counts(connection)
    # managers hold no district of their own: they name it
    submit_body = unnamed_body(
        **({} if who.startswith(("sw_", "leader_")) else {"district_id": str(SOUTH_24)})
    )
    calls = {
        "list": await client.get(REPORTS, headers=actor.headers),
        "list_filtered": await client.get(
            REPORTS, params={"kind": "suspected_recruitment"}, headers=actor.headers
        ),
        "allegation": await client.get(
            f"{REPORTS}/{reports['allegation']['id']}", headers=actor.headers
        ),
        "unnamed": await client.get(f"{REPORTS}/{reports['unnamed']['id']}", headers=actor.headers),
        "submit": await client.post(REPORTS, json=submit_body, headers=actor.headers),
        "review": await client.post(
            f"{REPORTS}/{reports['allegation']['id']}/review",
            json={"status": "under_review"},
            headers=if_match(actor, 1),
        ),
    }
    expected = {
        "list": listing,
        "list_filtered": listing,
        "allegation": allegation,
        "unnamed": unnamed,
        "submit": submit,
        "review": review,
    }
    assert {k: r.status_code for k, r in calls.items()} == expected, who
    for name in ("allegation", "unnamed"):
        response = calls[name]
        if response.status_code == 200:
            view = "report" if (who, name) in CONTENT_READERS else "receipt"
            assert response.json()["view"] == view, (who, name)
            if view == "receipt":
                assert set(response.json()) == RECEIPT_KEYS
        if (who, name) not in CONTENT_READERS:
            assert ACCUSED not in response.text
            assert UNNAMED not in response.text
    if listing == 200:
        for item in calls["list"].json()["items"]:
            if item["id"] in (reports["allegation"]["id"], reports["unnamed"]["id"]):
                name = "allegation" if item["id"] == reports["allegation"]["id"] else "unnamed"
                assert expected[name] == 200, (who, name)
                assert (item["view"] == "report") is ((who, name) in CONTENT_READERS)
        if (who, "allegation") not in CONTENT_READERS:
            assert ACCUSED not in calls["list"].text
    for response in calls.values():
        if response.status_code in (403, 404):
            assert response.headers["content-type"].startswith("application/problem+json")
            assert ACCUSED not in response.text
            assert UNNAMED not in response.text
    after = await table_counts(connection)
    assert after["safety_report"] == before["safety_report"] + (1 if submit == 201 else 0)
    stored = await row(connection, "safety_report", reports["allegation"]["id"])
    assert stored.status == ("under_review" if review == 200 else "received")
