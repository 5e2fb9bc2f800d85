"""Services and referrals: the service directory, a survivor referred with only what her
consent allows, the receiving organisation's inbox, the status machine and its history, and
who may see and move what."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.common.principal import Role
from domain.referrals.schemas import (
    ReferralCreate,
    ReferralTransition,
    ServiceOfferingCreate,
    ServiceOfferingUpdate,
)
from domain.referrals.service import move_problem
from persistence import clock
from persistence.clock import FixedClock, using
from persistence.crypto import Place
from persistence.models.base import utcnow
from persistence.models.case_vocabulary import (
    CaseStatus,
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    ReferralStatus,
    Sex,
)
from persistence.models.consent import Consent
from persistence.models.enums import OrganizationKind
from persistence.models.survivor import Survivor
from tests import helpers
from tests.factories import NORTH_24, SOUTH_24, Actor
from tests.helpers import if_match
from tests.worlds import ADMIN, BaseWorld, Client, Org, person, world_fixture

API = "/api/v1"
PROBLEM = "application/problem+json"
GIVEN_NAME = "Shefali"
FAMILY_NAME = "Naskar"
PHONE = "+91 98311 44556"
VILLAGE = "Purba Jata"
REASON = "Needs trauma counselling after the Basanti hearing"
OUTCOME = "Twelve counselling sessions held at the Canning clinic"
OVERRIDE = "Her life is at risk and she cannot be reached to consent"
ORG_A_NAME = "Sundarban Mahila Samiti"
ORG_B_NAME = "Canning Counselling Centre"
WORKER_NAME = "Rupa Das"
WORKER_CONTACT = "+91 33 2470 1234 (Baruipur office)"
PARTNER_NAME = "Salma Khatun"
TABLES = ("referral", "referral_status_change", "case_event", "audit_event")


def cases_referrals(case_id: UUID) -> str:
    return f"{API}/cases/{case_id}/referrals"


def referral_url(referral_id: str) -> str:
    return f"{API}/referrals/{referral_id}"


class World(BaseWorld):
    """A referring NGO (A) with a case in South 24 Parganas held by ``sw_a``; a receiving
    service provider (B); another partner (C); and everyone else who might look."""

    organizations = {
        "org_a": Org(ORG_A_NAME, OrganizationKind.lead_ngo),
        "org_b": Org(ORG_B_NAME, OrganizationKind.service_provider),
        "org_c": Org(kind=OrganizationKind.partner_ngo),
        "gov": Org(kind=OrganizationKind.government_department),
    }
    people = {
        "pm_a": person("org_a", Role.program_manager),
        "sw_a": person(
            "org_a", Role.social_worker, SOUTH_24, name=WORKER_NAME, work_contact=WORKER_CONTACT
        ),
        "sw_a2": person("org_a", Role.social_worker, SOUTH_24),
        "sw_north": person("org_a", Role.social_worker, NORTH_24),
        "analyst_a": person("org_a", Role.analyst),
        "leader_a": person("org_a", Role.survivor_leader),
        "auditor_a": person("org_a", Role.auditor),
        "partner_a": person("org_a", Role.partner_staff),
        "pm_b": person("org_b", Role.program_manager),
        "sw_b": person("org_b", Role.social_worker, SOUTH_24),
        "partner_b": person("org_b", Role.partner_staff, name=PARTNER_NAME),
        "partner_c": person("org_c", Role.partner_staff),
        "pm_c": person("org_c", Role.program_manager),
        "admin": ADMIN,
    }
    clients = {
        "client_b": Client("org_b", Role.partner_staff, ("referrals:read", "referrals:transition")),
        "client_b_noscope": Client("org_b", Role.partner_staff),
        "client_a": Client("org_a", Role.program_manager, ("referrals:read", "referrals:create")),
    }

    async def records(self) -> None:
        self.survivor = await self.survivor_of(self.org_a, created_by=self.sw_a.id)
        self.case = await self.cases.case(
            self.org_a, self.survivor, assigned_worker_id=self.sw_a.id
        )

    async def survivor_of(self, organization_id: UUID, created_by: UUID | None = None) -> UUID:
        survivor = Survivor(
            organization_id=organization_id,
            district_id=SOUTH_24,
            personal_enc=b"",
            sex=Sex.female,
            birth_year=2001,
            languages=["bn", "hi"],
            created_by=created_by,
        )
        async with self.factory.uow() as uow:
            survivor.personal_enc = uow.cipher.seal_json(
                {
                    "given_name": GIVEN_NAME,
                    "family_name": FAMILY_NAME,
                    "phone": PHONE,
                    "home_address": {"village": VILLAGE, "district_id": str(SOUTH_24)},
                    "current_address": {"village": "Canning town"},
                    "safe_contact": {"code_word": "jaba", "never_call": False},
                },
                Place("survivor", "personal_enc", survivor.id),
            )
            uow.session.add(survivor)
        return survivor.id

    async def consent(
        self,
        fields: list[str],
        *,
        organization_id: UUID | None = None,
        survivor_id: UUID | None = None,
        revision: int = 1,
        expires_in: timedelta | None = None,
        withdrawn: bool = False,
    ) -> UUID:
        now = utcnow()
        consent = Consent(
            organization_id=self.org_a,
            survivor_id=survivor_id or self.survivor,
            purpose=ConsentPurpose.sharing,
            shared_with_organization_id=organization_id or self.org_b,
            fields=fields,
            given_by=ConsentGiver.survivor,
            method=ConsentMethod.written,
            language="bn",
            given_at=now - timedelta(days=1),
            expires_at=now + expires_in if expires_in is not None else None,
            withdrawn_at=now if withdrawn else None,
            revision=revision,
        )
        async with self.factory.uow() as uow:
            uow.session.add(consent)
        return consent.id

    async def withdraw(self, consent_id: UUID) -> None:
        async with self.factory.uow() as uow:
            consent = await uow.session.get(Consent, consent_id)
            assert consent is not None
            consent.withdrawn_at = utcnow()


world = world_fixture(World)


def body(world: World, **extra: Any) -> dict[str, Any]:
    created: dict[str, Any] = {
        "receiving_organization_id": str(world.org_b),
        "service_kind": "counselling",
        "urgency": "urgent",
        "reason": REASON,
        "shared_fields": ["name", "age"],
    }
    created.update(extra)
    return created


async def refer(
    client: httpx.AsyncClient, world: World, actor: Actor | None = None, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        cases_referrals(world.case),
        json=body(world, **extra),
        headers=(actor or world.sw_a).headers,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def move(
    client: httpx.AsyncClient,
    actor: Actor,
    referral: dict[str, Any],
    to: str,
    note: str | None = None,
) -> httpx.Response:
    payload: dict[str, Any] = {"to": to}
    if note is not None:
        payload["note"] = note
    return await client.post(
        f"{referral_url(referral['id'])}/transitions",
        json=payload,
        headers=if_match(actor, referral["version"]),
    )


async def counts(connection: AsyncConnection) -> dict[str, int]:
    return {
        table: int(await connection.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)
        for table in TABLES
    }


audit_of = partial(helpers.audit_of, columns=("action", "entity_type", "entity_id"))


async def referral_events(connection: AsyncConnection, case_id: UUID) -> list[Any]:
    return list(
        (
            await connection.execute(
                sa.text(
                    "SELECT detail, note_enc, occurred_at FROM case_event WHERE case_id = :c "
                    "AND kind = 'referral' ORDER BY occurred_at, id"
                ),
                {"c": case_id},
            )
        ).all()
    )


def is_problem(response: httpx.Response, status: int) -> bool:
    return (
        response.status_code == status
        and response.headers["content-type"].startswith(PROBLEM)
        and response.json()["status"] == status
    )


# -- the status machine, as a pure rule -------------------------------------------------------
@pytest.mark.parametrize(
    ("current", "to", "side", "allowed"),
    [
        ("sent", "accepted", "receiving", True),
        ("sent", "declined", "receiving", True),
        ("sent", "in_progress", "receiving", False),
        ("accepted", "in_progress", "receiving", True),
        ("accepted", "not_delivered", "receiving", True),
        ("in_progress", "completed", "receiving", True),
        ("in_progress", "not_delivered", "receiving", True),
        ("sent", "accepted", "referring", False),
        ("sent", "revoked", "referring", True),
        ("in_progress", "revoked", "referring", True),
        ("sent", "revoked", "receiving", False),
        ("completed", "revoked", "referring", False),
        ("declined", "accepted", "receiving", False),
        ("revoked", "accepted", "receiving", False),
    ],
)
def test_moves(current: str, to: str, side: str, allowed: bool) -> None:
    problem = move_problem(ReferralStatus(current), ReferralStatus(to), side)
    assert (problem is None) is allowed


# -- the whole way ---------------------------------------------------------------------------
async def test_full_flow_from_referral_to_completion(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    await world.consent(["name", "age", "phone", "languages"])
    response = await client.post(
        cases_referrals(world.case), json=body(world), headers=world.sw_a.headers
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/api/v1/referrals/{created['id']}"
    assert created["status"] == "sent"
    assert created["direction"] == "outgoing"
    assert created["case_id"] == str(world.case)
    assert created["shared_fields"] == ["name", "age"]
    assert created["shared"]["name"] == {"given_name": GIVEN_NAME, "family_name": FAMILY_NAME}
    assert set(created["shared"]) == {"name", "age"}
    assert created["reason"] == REASON
    assert created["consent_overridden"] is False
    assert [a[0] for a in await audit_of(connection, response)] == ["create"]

    # the receiving organisation's inbox
    inbox = await client.get(f"{API}/referrals?direction=incoming", headers=world.partner_b.headers)
    assert inbox.status_code == 200
    [seen] = inbox.json()["items"]
    assert seen["id"] == created["id"]
    assert seen["direction"] == "incoming"
    assert seen["case_id"] is None
    assert seen["consent_id"] is None
    assert seen["shared"] == {
        "name": {"given_name": GIVEN_NAME, "family_name": FAMILY_NAME},
        "age": created["shared"]["age"],
    }
    assert PHONE not in inbox.text
    assert VILLAGE not in inbox.text
    assert "survivor_id" not in seen

    read = await client.get(referral_url(created["id"]), headers=world.partner_b.headers)
    assert read.status_code == 200
    assert read.headers["etag"] == '"v1"'
    assert [(a[0], a[1]) for a in await audit_of(connection, read)] == [("read", "referral")]

    referral = read.json()
    for to, note in (("accepted", None), ("in_progress", None), ("completed", OUTCOME)):
        moved = await move(client, world.partner_b, referral, to, note)
        assert moved.status_code == 200, moved.text
        referral = moved.json()
        assert referral["status"] == to
        assert [a[0] for a in await audit_of(connection, moved)] == ["update"]
    assert referral["outcome"] == OUTCOME
    for moment in ("responded_at", "started_at", "closed_at"):
        assert referral[moment] is not None
    assert [(s["from_status"], s["to_status"]) for s in referral["history"]] == [
        (None, "sent"),
        ("sent", "accepted"),
        ("accepted", "in_progress"),
        ("in_progress", "completed"),
    ]
    assert {s["actor_organization_id"] for s in referral["history"][1:]} == {str(world.org_b)}

    # the referring side follows it
    outgoing = await client.get(f"{API}/referrals?direction=outgoing", headers=world.sw_a.headers)
    assert [r["status"] for r in outgoing.json()["items"]] == ["completed"]
    of_case = await client.get(cases_referrals(world.case), headers=world.pm_a.headers)
    assert [r["id"] for r in of_case.json()["items"]] == [created["id"]]
    assert of_case.json()["items"][0]["outcome"] == OUTCOME

    # the case's progress map
    timeline = await client.get(f"{API}/cases/{world.case}/timeline", headers=world.sw_a.headers)
    assert timeline.status_code == 200
    steps = [e["detail"]["change"] for e in timeline.json()["items"] if e["kind"] == "referral"]
    assert sorted(steps) == sorted(["sent", "accepted", "in_progress", "completed"])
    events = await referral_events(connection, world.case)
    assert [e.detail["change"] for e in events] == ["sent", "accepted", "in_progress", "completed"]
    assert all(e.detail["referral_id"] == created["id"] for e in events)
    assert REASON not in str([e.detail for e in events])

    # a completed referral is final
    late = await move(client, world.sw_a, referral, "revoked", "too late")
    assert is_problem(late, 409)


async def test_the_receiver_reads_the_note_written_for_it_never_the_reason(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    """``reason`` is the referring organisation's own record (it may say what her consent
    does not cover); the receiver reads only ``note_to_partner``, written for it."""
    note = "Asks for a female counsellor; mornings suit her"
    await world.consent(["name", "age"])
    with_note = await refer(client, world, note_to_partner=note)
    without = await refer(client, world, reason="Second referral, nothing to tell them")
    assert with_note["reason"] == REASON
    assert with_note["note_to_partner"] == note
    raw = await connection.scalar(
        sa.text("SELECT note_to_partner_enc FROM referral WHERE id = :id"), {"id": with_note["id"]}
    )
    assert raw is not None
    assert note.encode() not in bytes(raw)

    partner = world.partner_b.headers
    inbox = await client.get(f"{API}/referrals?direction=incoming", headers=partner)
    one = await client.get(referral_url(with_note["id"]), headers=partner)
    other = await client.get(referral_url(without["id"]), headers=partner)
    for answer in (inbox, one, other):
        assert answer.status_code == 200, answer.text
        assert REASON not in answer.text
        assert "nothing to tell them" not in answer.text
    seen = {item["id"]: item for item in inbox.json()["items"]}
    assert seen[with_note["id"]]["reason"] is None
    assert seen[with_note["id"]]["note_to_partner"] == note
    assert one.json()["reason"] is None
    assert one.json()["note_to_partner"] == note
    assert other.json()["note_to_partner"] is None
    # The referring side keeps both.
    mine = await client.get(referral_url(with_note["id"]), headers=world.sw_a.headers)
    assert (mine.json()["reason"], mine.json()["note_to_partner"]) == (REASON, note)


async def test_declined_and_not_delivered_need_a_reason(
    client: httpx.AsyncClient, world: World
) -> None:
    await world.consent(["name", "age"])
    referral = await refer(client, world)
    bare = await move(client, world.partner_b, referral, "declined")
    assert is_problem(bare, 422)
    declined = await move(client, world.partner_b, referral, "declined", "No counsellor free")
    assert declined.status_code == 200
    assert declined.json()["closed_at"] is not None
    assert declined.json()["history"][-1]["note"] == "No counsellor free"
    again = await move(client, world.partner_b, declined.json(), "accepted")
    assert is_problem(again, 409)


async def test_referrer_revokes_before_it_ends(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    await world.consent(["name", "age"])
    referral = await refer(client, world)
    accepted = (await move(client, world.partner_b, referral, "accepted")).json()
    revoked = await move(client, world.sw_a, accepted, "revoked", "She moved to Kolkata")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    events = await referral_events(connection, world.case)
    assert [e.detail["change"] for e in events] == ["sent", "accepted", "revoked"]
    assert b"Kolkata" not in (events[-1].note_enc or b"")
    # the receiver still sees the referral, now revoked, and cannot move it
    seen = await client.get(referral_url(referral["id"]), headers=world.partner_b.headers)
    assert seen.json()["status"] == "revoked"
    assert is_problem(await move(client, world.partner_b, seen.json(), "in_progress"), 409)


async def test_a_step_may_be_dated_to_the_day_it_happened(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    await world.consent(["name", "age"])
    referral = await refer(client, world)
    today = clock.today()

    async def move_on(day: date) -> httpx.Response:
        return await client.post(
            f"{referral_url(referral['id'])}/transitions",
            json={"to": "accepted", "on": day.isoformat()},
            headers=if_match(world.partner_b, referral["version"]),
        )

    # not in the future, not before it was sent; nothing is written
    assert is_problem(await move_on(today + timedelta(days=1)), 422)
    assert is_problem(await move_on(today - timedelta(days=1)), 422)
    assert [e.detail["change"] for e in await referral_events(connection, world.case)] == ["sent"]
    # sent five days ago (as the mobile app syncs late), accepted three days ago
    await connection.execute(
        sa.text("UPDATE referral SET created_at = created_at - interval '5 days' WHERE id = :id"),
        {"id": UUID(referral["id"])},
    )
    await connection.execute(
        sa.text(
            "UPDATE case_event SET occurred_at = occurred_at - interval '5 days'"
            " WHERE kind = 'referral' AND subject_id = :id"
        ),
        {"id": UUID(referral["id"])},
    )
    accepted = await move_on(today - timedelta(days=3))
    assert accepted.status_code == 200, accepted.text
    responded = await connection.scalar(
        sa.text("SELECT responded_at FROM referral WHERE id = :id"), {"id": UUID(referral["id"])}
    )
    assert clock.business_date(responded) == today - timedelta(days=3)
    events = await referral_events(connection, world.case)
    assert clock.business_date(events[-1].occurred_at) == today - timedelta(days=3)


async def test_a_step_is_dated_by_the_day_in_india_between_midnight_and_0530(
    client: httpx.AsyncClient, world: World
) -> None:
    """From 00:00 to 05:30 IST India's date is a day ahead of UTC's: "today" is India's day,
    and a step dated to an earlier day is placed at that day's start in India."""
    fixed = FixedClock(datetime(2026, 12, 5, 4, 30, tzinfo=UTC))  # 10:00 IST, 5 December
    with using(fixed):
        await world.consent(["name", "age"])
        referral = await refer(client, world)
        fixed.set(datetime(2026, 12, 7, 19, 0, tzinfo=UTC))  # 00:30 IST, 8 December

        async def move_on(day: date) -> httpx.Response:
            return await client.post(
                f"{referral_url(referral['id'])}/transitions",
                json={"to": "accepted", "on": day.isoformat()},
                headers=if_match(world.partner_b, referral["version"]),
            )

        assert is_problem(await move_on(date(2026, 12, 9)), 422)
        accepted = await move_on(date(2026, 12, 6))
        assert accepted.status_code == 200, accepted.text
        # 6 December began at 18:30 UTC on the 5th
        assert accepted.json()["responded_at"] == "2026-12-05T18:30:00Z"
        started = await client.post(
            f"{referral_url(referral['id'])}/transitions",
            json={"to": "in_progress", "on": "2026-12-08"},  # today, in India
            headers=if_match(world.partner_b, accepted.json()["version"]),
        )
        assert started.status_code == 200, started.text
        assert started.json()["started_at"] == "2026-12-07T19:00:00Z"


async def test_each_side_makes_only_its_own_moves(client: httpx.AsyncClient, world: World) -> None:
    await world.consent(["name", "age"])
    referral = await refer(client, world)
    assert is_problem(await move(client, world.sw_a, referral, "accepted"), 403)
    assert is_problem(await move(client, world.pm_a, referral, "accepted"), 403)
    assert is_problem(await move(client, world.partner_b, referral, "revoked", "no"), 403)
    assert is_problem(await move(client, world.partner_b, referral, "completed", "x"), 409)
    still = await client.get(referral_url(referral["id"]), headers=world.sw_a.headers)
    assert still.json()["status"] == "sent"
    assert still.json()["version"] == 1


# -- consent at the moment of referral ----------------------------------------------------
async def test_no_consent_is_409_and_writes_nothing(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    # a consent to share with another organisation does not count
    await world.consent(["name", "age"], organization_id=world.org_c)
    before = await counts(connection)
    response = await client.post(
        cases_referrals(world.case), json=body(world), headers=world.sw_a.headers
    )
    assert is_problem(response, 409)
    assert GIVEN_NAME not in response.text
    after = await counts(connection)
    assert {t: after[t] for t in TABLES[:3]} == {t: before[t] for t in TABLES[:3]}


@pytest.mark.parametrize("state", ["withdrawn", "expired"])
async def test_a_withdrawn_or_expired_consent_is_none(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, state: str
) -> None:
    if state == "withdrawn":
        await world.consent(["name", "age"], withdrawn=True)
    else:
        await world.consent(["name", "age"], expires_in=timedelta(seconds=-5))
    before = await counts(connection)
    response = await client.post(
        cases_referrals(world.case), json=body(world), headers=world.sw_a.headers
    )
    assert is_problem(response, 409)
    assert (await counts(connection))["referral"] == before["referral"]


async def test_fields_beyond_her_consent_are_422_and_write_nothing(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    await world.consent(["name", "age"])
    before = await counts(connection)
    response = await client.post(
        cases_referrals(world.case),
        json=body(world, shared_fields=["name", "phone", "home_address"]),
        headers=world.sw_a.headers,
    )
    assert is_problem(response, 422)
    assert "home_address" in response.text
    assert "phone" in response.text
    assert PHONE not in response.text
    after = await counts(connection)
    assert {t: after[t] for t in TABLES[:3]} == {t: before[t] for t in TABLES[:3]}


async def test_a_newer_narrower_consent_governs(client: httpx.AsyncClient, world: World) -> None:
    await world.consent(["name", "age", "phone"])
    await world.consent(["name"], revision=2)
    narrowed = await client.post(
        cases_referrals(world.case),
        json=body(world, shared_fields=["name", "phone"]),
        headers=world.sw_a.headers,
    )
    assert is_problem(narrowed, 422)
    assert (await refer(client, world, shared_fields=["name"]))["shared_fields"] == ["name"]


async def test_override_needs_the_policy_and_a_reason_and_is_audited(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    extra = {"shared_fields": ["name", "phone"], "consent_override_reason": OVERRIDE}
    before = await counts(connection)
    refused = await client.post(
        cases_referrals(world.case), json=body(world, **extra), headers=world.sw_a.headers
    )
    assert is_problem(refused, 403)
    after = await counts(connection)
    assert {t: after[t] for t in TABLES[:3]} == {t: before[t] for t in TABLES[:3]}
    denied = await audit_of(connection, refused)
    assert [(a[0], a[1]) for a in denied] == [("permission_denied", "consent")]

    short = await client.post(
        cases_referrals(world.case),
        json=body(world, consent_override_reason="because"),
        headers=world.pm_a.headers,
    )
    assert is_problem(short, 422)

    response = await client.post(
        cases_referrals(world.case), json=body(world, **extra), headers=world.pm_a.headers
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["consent_overridden"] is True
    assert created["consent_id"] is None
    assert created["shared"]["phone"] == PHONE
    audited = await audit_of(connection, response)
    assert [(a[0], str(a[2])) for a in audited] == [
        ("create", created["id"]),
        ("consent_override", created["id"]),
    ]
    [event] = await referral_events(connection, world.case)
    assert event.detail["consent_overridden"] is True
    assert event.note_enc is not None
    assert OVERRIDE.encode() not in event.note_enc
    timeline = await client.get(f"{API}/cases/{world.case}/timeline", headers=world.pm_a.headers)
    notes = [e["note"] for e in timeline.json()["items"] if e["kind"] == "referral"]
    assert notes == [OVERRIDE]
    # the receiver sees what was sent under the override, but not why
    seen = await client.get(referral_url(created["id"]), headers=world.partner_b.headers)
    assert seen.json()["shared"]["phone"] == PHONE
    assert OVERRIDE not in seen.text


async def test_an_override_where_consent_suffices_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    await world.consent(["name", "age"])
    response = await client.post(
        cases_referrals(world.case),
        json=body(world, consent_override_reason=OVERRIDE),
        headers=world.pm_a.headers,
    )
    assert is_problem(response, 422)


# -- what the receiver sees -------------------------------------------------------------------
async def test_only_the_chosen_consented_fields_travel_sealed(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    await world.consent(["name", "phone", "home_address", "safe_contact_preferences", "sex"])
    created = await refer(client, world, shared_fields=["phone", "home_address", "sex"])
    seen = (await client.get(referral_url(created["id"]), headers=world.partner_b.headers)).json()
    assert seen["shared"] == {
        "phone": PHONE,
        "home_address": {
            "details": None,
            "village": VILLAGE,
            "gram_panchayat": None,
            "block_id": None,
            "district_id": str(SOUTH_24),
            "pin_code": None,
        },
        "sex": "female",
    }
    assert GIVEN_NAME not in str(seen)
    assert "jaba" not in str(seen)
    row = (
        await connection.execute(
            sa.text("SELECT t::text AS dump FROM referral t WHERE id = :id"), {"id": created["id"]}
        )
    ).one()
    for secret in (PHONE, VILLAGE, REASON, GIVEN_NAME):
        assert secret not in row.dump


async def test_withdrawn_consent_hides_the_snapshot_from_the_receiver(
    client: httpx.AsyncClient, world: World
) -> None:
    consent_id = await world.consent(["name", "age"])
    created = await refer(client, world)
    await world.withdraw(consent_id)
    seen = (await client.get(referral_url(created["id"]), headers=world.partner_b.headers)).json()
    assert seen["shared"] == {}
    assert seen["shared_withheld"] == ["name", "age"]
    assert GIVEN_NAME not in str(seen)
    inbox = await client.get(f"{API}/referrals", headers=world.partner_b.headers)
    assert GIVEN_NAME not in inbox.text
    # the receiver may still close it; the referring side keeps its record of what was sent
    assert (await move(client, world.partner_b, seen, "declined", "Consent withdrawn")).is_success
    mine = (await client.get(referral_url(created["id"]), headers=world.sw_a.headers)).json()
    assert mine["shared"]["name"]["given_name"] == GIVEN_NAME
    assert mine["shared_withheld"] == ["name", "age"]
    # a renewed consent for one field shows that field again
    await world.consent(["name"], revision=2)
    again = (await client.get(referral_url(created["id"]), headers=world.partner_b.headers)).json()
    assert set(again["shared"]) == {"name"}
    assert again["shared_withheld"] == ["age"]


# -- scope -----------------------------------------------------------------------------------
async def test_inbox_scope_another_partner_sees_nothing(
    client: httpx.AsyncClient, world: World
) -> None:
    await world.consent(["name", "age"])
    created = await refer(client, world)
    url = referral_url(created["id"])
    for outsider in (world.partner_c, world.pm_c, world.sw_b, world.sw_north, world.partner_a):
        listed = await client.get(f"{API}/referrals", headers=outsider.headers)
        assert listed.status_code == 200
        assert listed.json()["items"] == [], outsider.role
        assert is_problem(await client.get(url, headers=outsider.headers), 404), outsider.role
        assert is_problem(await move(client, outsider, created, "accepted"), 404), outsider.role
    assert is_problem(
        await client.get(cases_referrals(world.case), headers=world.sw_north.headers), 404
    )
    assert is_problem(
        await client.get(cases_referrals(world.case), headers=world.pm_b.headers), 404
    )
    # the receiving side sees it only as incoming, never as outgoing
    outgoing = await client.get(f"{API}/referrals?direction=outgoing", headers=world.pm_b.headers)
    assert outgoing.json()["items"] == []
    incoming = await client.get(f"{API}/referrals?direction=incoming", headers=world.pm_b.headers)
    assert [r["id"] for r in incoming.json()["items"]] == [created["id"]]
    # the referring side sees none of it as incoming
    mine = await client.get(f"{API}/referrals?direction=incoming", headers=world.pm_a.headers)
    assert mine.json()["items"] == []


async def test_district_visibility_lets_a_colleague_follow(
    client: httpx.AsyncClient, world: World
) -> None:
    await world.consent(["name", "age"])
    created = await refer(client, world)
    url = referral_url(created["id"])
    assert is_problem(await client.get(url, headers=world.sw_a2.headers), 404)
    await world.cases.allow_district_visibility(world.org_a)
    assert (await client.get(url, headers=world.sw_a2.headers)).status_code == 200
    assert is_problem(await client.get(url, headers=world.sw_north.headers), 404)


async def test_authorization_matrix(client: httpx.AsyncClient, world: World) -> None:
    await world.consent(["name", "age"])
    created = await refer(client, world)
    url = referral_url(created["id"])
    list_url = f"{API}/referrals"
    case_url = cases_referrals(world.case)
    expected: dict[str, tuple[int, int, int, int]] = {
        # actor: (list referrals, read referral, list the case's referrals, refer)
        "pm_a": (200, 200, 200, 201),
        "sw_a": (200, 200, 200, 201),
        "sw_north": (200, 404, 404, 404),
        "partner_a": (200, 404, 404, 403),
        "analyst_a": (403, 403, 403, 403),
        "leader_a": (403, 403, 403, 403),
        "auditor_a": (403, 403, 403, 403),
        "admin": (403, 403, 403, 403),
        "pm_b": (200, 200, 404, 404),
        "sw_b": (200, 404, 404, 404),
        "partner_b": (200, 200, 404, 403),
        "partner_c": (200, 404, 404, 403),
        "client_b": (200, 200, 404, 403),
        "client_b_noscope": (403, 403, 403, 403),
        "client_a": (200, 200, 200, 201),
    }
    wrong = []
    for name, cells in expected.items():
        actor: Actor = getattr(world, name)
        got = (
            (await client.get(list_url, headers=actor.headers)).status_code,
            (await client.get(url, headers=actor.headers)).status_code,
            (await client.get(case_url, headers=actor.headers)).status_code,
            (
                await client.post(
                    case_url,
                    json=body(world, urgency="routine", reason=f"by {name}"),
                    headers=actor.headers,
                )
            ).status_code,
        )
        if got != cells:
            wrong.append(f"{name}: {got} != {cells}")
    assert wrong == []


async def test_integration_client_works_the_inbox_with_scope(
    client: httpx.AsyncClient, world: World
) -> None:
    await world.consent(["name", "age"])
    created = await refer(client, world)
    inbox = await client.get(f"{API}/referrals", headers=world.client_b.headers)
    assert [r["id"] for r in inbox.json()["items"]] == [created["id"]]
    assert inbox.json()["items"][0]["case_id"] is None
    accepted = await move(client, world.client_b, created, "accepted")
    assert accepted.status_code == 200, accepted.text
    refused = await move(client, world.client_b_noscope, accepted.json(), "in_progress")
    assert is_problem(refused, 403)


# -- conventions ---------------------------------------------------------------------------
async def test_status_changes_need_a_current_if_match(
    client: httpx.AsyncClient, world: World
) -> None:
    await world.consent(["name", "age"])
    created = await refer(client, world)
    url = f"{referral_url(created['id'])}/transitions"
    missing = await client.post(url, json={"to": "accepted"}, headers=world.partner_b.headers)
    assert is_problem(missing, 428)
    stale = await client.post(
        url, json={"to": "accepted"}, headers=if_match(world.partner_b, created["version"] + 1)
    )
    assert is_problem(stale, 412)
    ok = await move(client, world.partner_b, created, "accepted")
    assert ok.status_code == 200
    assert ok.headers["etag"] == '"v2"'
    replayed = await move(client, world.partner_b, created, "declined", "late")
    assert is_problem(replayed, 412)


async def test_create_is_idempotent(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    await world.consent(["name", "age"])
    headers = {**world.sw_a.headers, "Idempotency-Key": "refer-retry-1"}
    first = await client.post(cases_referrals(world.case), json=body(world), headers=headers)
    assert first.status_code == 201
    before = await counts(connection)
    second = await client.post(cases_referrals(world.case), json=body(world), headers=headers)
    assert second.status_code == 201
    assert second.headers.get("idempotent-replayed") == "true"
    assert second.json()["id"] == first.json()["id"]
    after = await counts(connection)
    assert {t: after[t] for t in TABLES[:3]} == {t: before[t] for t in TABLES[:3]}
    other = await client.post(
        cases_referrals(world.case), json=body(world, urgency="routine"), headers=headers
    )
    assert is_problem(other, 422)


async def test_a_client_chosen_id_is_honoured_once(client: httpx.AsyncClient, world: World) -> None:
    await world.consent(["name", "age"])
    chosen = str(uuid4())
    created = await refer(client, world, id=chosen)
    assert created["id"] == chosen
    again = await client.post(
        cases_referrals(world.case), json=body(world, id=chosen), headers=world.sw_a.headers
    )
    assert is_problem(again, 409)


@pytest.mark.parametrize(
    "bad",
    [
        {"urgency": "whenever"},
        {"service_kind": "magic"},
        {"shared_fields": ["name", "name"]},
        {"shared_fields": ["bank_pin"]},
        {"reason": ""},
        {"survivor_id": str(uuid4())},
        {"receiving_organization_id": "not-a-uuid"},
    ],
)
async def test_bad_input_is_422_and_writes_nothing(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, bad: dict[str, Any]
) -> None:
    await world.consent(["name", "age"])
    before = await counts(connection)
    response = await client.post(
        cases_referrals(world.case), json=body(world, **bad), headers=world.sw_a.headers
    )
    assert is_problem(response, 422)
    after = await counts(connection)
    assert {t: after[t] for t in TABLES[:3]} == {t: before[t] for t in TABLES[:3]}


async def test_rules_on_receiver_offering_and_case(client: httpx.AsyncClient, world: World) -> None:
    await world.consent(["name", "age"])
    to_self = await client.post(
        cases_referrals(world.case),
        json=body(world, receiving_organization_id=str(world.org_a)),
        headers=world.sw_a.headers,
    )
    assert is_problem(to_self, 422)
    nowhere = await client.post(
        cases_referrals(world.case),
        json=body(world, receiving_organization_id=str(uuid4())),
        headers=world.sw_a.headers,
    )
    assert is_problem(nowhere, 422)
    foreign_offering = await client.post(
        cases_referrals(world.case),
        json=body(world, service_offering_id=str(uuid4())),
        headers=world.sw_a.headers,
    )
    assert is_problem(foreign_offering, 422)
    closed_case = await world.cases.case(
        world.org_a, world.survivor, assigned_worker_id=world.sw_a.id, status=CaseStatus.closed
    )
    closed = await client.post(
        cases_referrals(closed_case), json=body(world), headers=world.sw_a.headers
    )
    assert is_problem(closed, 409)


async def test_pages_of_referrals(client: httpx.AsyncClient, world: World) -> None:
    await world.consent(["name", "age"])
    made = [(await refer(client, world, reason=f"need {i}"))["id"] for i in range(3)]
    first = await client.get(
        f"{API}/referrals?limit=2&include_total=true", headers=world.partner_b.headers
    )
    assert first.json()["total"] == 3
    assert 'rel="next"' in first.headers["link"]
    second = await client.get(
        f"{API}/referrals?limit=2&cursor={first.json()['next_cursor']}",
        headers=world.partner_b.headers,
    )
    seen = [r["id"] for r in first.json()["items"] + second.json()["items"]]
    assert seen == list(reversed(made))
    assert second.json()["next_cursor"] is None
    filtered = await client.get(f"{API}/referrals?status=accepted", headers=world.sw_a.headers)
    assert filtered.json()["items"] == []


async def test_a_page_checks_consent_in_one_query_whatever_its_length(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    """Her consent is looked up for the whole page at once, not once per referral; so are the
    names of the organisations and workers."""
    await world.consent(["name", "age"])
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    async def inbox_statements(limit: int) -> tuple[int, int]:
        statements.clear()
        sa.event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:
            inbox = await client.get(
                f"{API}/referrals?limit={limit}", headers=world.partner_b.headers
            )
        finally:
            sa.event.remove(engine.sync_engine, "before_cursor_execute", count)
        assert inbox.status_code == 200, inbox.text
        assert len(inbox.json()["items"]) == limit
        assert all(
            item["shared"]["name"]["given_name"] == GIVEN_NAME for item in inbox.json()["items"]
        )
        assert {item["referred_by_name"] for item in inbox.json()["items"]} == {WORKER_NAME}
        return (
            len([s for s in statements if "FROM consent" in s]),
            len([s for s in statements if "FROM app_user" in s]),
        )

    for i in range(6):
        await refer(client, world, reason=f"need {i}")
    few, many = await inbox_statements(2), await inbox_statements(6)
    assert few == many
    assert few[0] == 1


# -- the service directory ---------------------------------------------------------------
def offering_body(**extra: Any) -> dict[str, Any]:
    created: dict[str, Any] = {
        "service_kind": "legal_aid",
        "name": "District legal aid clinic",
        "description": "Free legal aid on Tuesdays",
        "district_ids": [str(SOUTH_24)],
    }
    created.update(extra)
    return created


async def test_directory_is_kept_by_its_organisations(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    services_b = f"{API}/service-providers/{world.org_b}/services"
    created = await client.post(services_b, json=offering_body(), headers=world.pm_b.headers)
    assert created.status_code == 201, created.text
    offering = created.json()
    assert created.headers["location"] == f"{services_b}/{offering['id']}"
    assert [a[0] for a in await audit_of(connection, created)] == ["create"]
    counselling = await client.post(
        services_b,
        json=offering_body(
            service_kind="counselling",
            name="Counselling",
            district_ids=[str(SOUTH_24), str(NORTH_24)],
        ),
        headers=world.pm_b.headers,
    )
    assert counselling.status_code == 201
    # a government department has no users: the platform admin keeps its offerings
    gov = await client.post(
        f"{API}/service-providers/{world.gov}/services",
        json=offering_body(service_kind="documentation", name="Aadhaar camp"),
        headers=world.admin.headers,
    )
    assert gov.status_code == 201
    # another organisation's program manager may not
    foreign = await client.post(services_b, json=offering_body(), headers=world.pm_c.headers)
    assert is_problem(foreign, 403)
    # a lead NGO is not in the directory
    lead = await client.post(
        f"{API}/service-providers/{world.org_a}/services",
        json=offering_body(),
        headers=world.pm_a.headers,
    )
    assert is_problem(lead, 404)
    bad_bodies: list[dict[str, Any]] = [
        {"district_ids": []},
        {"district_ids": [str(uuid4())]},
        {"name": ""},
    ]
    for bad in bad_bodies:
        assert is_problem(
            await client.post(services_b, json=offering_body(**bad), headers=world.pm_b.headers),
            422,
        )
    for outsider in (world.sw_b, world.partner_b, world.analyst_a):
        assert is_problem(
            await client.post(services_b, json=offering_body(), headers=outsider.headers), 403
        )

    # anyone signed in reads it, with filters
    legal = await client.get(
        f"{API}/service-providers?service=legal_aid", headers=world.analyst_a.headers
    )
    assert legal.status_code == 200
    assert [p["id"] for p in legal.json()["items"]] == [str(world.org_b)]
    assert [s["service_kind"] for s in legal.json()["items"][0]["services"]] == ["legal_aid"]
    north = await client.get(
        f"{API}/service-providers?district_id={NORTH_24}", headers=world.partner_c.headers
    )
    assert [p["id"] for p in north.json()["items"]] == [str(world.org_b)]
    assert [s["name"] for s in north.json()["items"][0]["services"]] == ["Counselling"]
    everyone = await client.get(f"{API}/service-providers?limit=200", headers=world.sw_a.headers)
    ids = {p["id"] for p in everyone.json()["items"]}
    assert {str(world.org_b), str(world.org_c), str(world.gov)} <= ids
    assert str(world.org_a) not in ids
    one = await client.get(f"{API}/service-providers/{world.org_b}", headers=world.leader_a.headers)
    assert one.status_code == 200
    assert len(one.json()["services"]) == 2
    assert is_problem(
        await client.get(f"{API}/service-providers/{world.org_a}", headers=world.sw_a.headers),
        404,
    )

    # changes need If-Match; deletion takes it out of the directory
    url = f"{services_b}/{offering['id']}"
    assert is_problem(
        await client.patch(url, json={"name": "Clinic"}, headers=world.pm_b.headers), 428
    )
    changed = await client.patch(url, json={"name": "Clinic"}, headers=if_match(world.pm_b, 1))
    assert changed.status_code == 200
    assert changed.json()["name"] == "Clinic"
    assert changed.headers["etag"] == '"v2"'
    assert is_problem(
        await client.patch(url, json={"name": "Again"}, headers=if_match(world.pm_b, 1)), 412
    )
    assert is_problem(await client.delete(url, headers=world.pm_c.headers), 403)
    assert (await client.delete(url, headers=world.pm_b.headers)).status_code == 204
    gone = await client.get(
        f"{API}/service-providers?service=legal_aid", headers=world.sw_a.headers
    )
    assert gone.json()["items"] == []
    assert is_problem(await client.delete(url, headers=world.pm_b.headers), 404)


async def test_a_referral_may_name_the_receivers_offering(
    client: httpx.AsyncClient, world: World
) -> None:
    await world.consent(["name", "age"])
    offering = (
        await client.post(
            f"{API}/service-providers/{world.org_b}/services",
            json=offering_body(service_kind="counselling", name="Counselling"),
            headers=world.pm_b.headers,
        )
    ).json()
    created = await refer(client, world, service_offering_id=offering["id"])
    assert created["service_offering_id"] == offering["id"]
    mismatch = await client.post(
        cases_referrals(world.case),
        json=body(world, service_offering_id=offering["id"], service_kind="legal_aid"),
        headers=world.sw_a.headers,
    )
    assert is_problem(mismatch, 422)


# -- the documented examples ---------------------------------------------------------------
def example(model: type[BaseModel], index: int = 0) -> dict[str, Any]:
    examples: list[dict[str, Any]] = model.model_json_schema()["examples"]
    return dict(examples[index])


async def test_the_documented_examples_are_accepted(
    client: httpx.AsyncClient, world: World
) -> None:
    """Partner developers copy the examples of the OpenAPI document: they must work (with
    the ids of their own records)."""
    services_b = f"{API}/service-providers/{world.org_b}/services"
    offered = await client.post(
        services_b, json=example(ServiceOfferingCreate), headers=world.pm_b.headers
    )
    assert offered.status_code == 201, offered.text
    offering = offered.json()
    changed = await client.patch(
        f"{services_b}/{offering['id']}",
        json=example(ServiceOfferingUpdate),
        headers=if_match(world.pm_b, offering["version"]),
    )
    assert changed.status_code == 200, changed.text

    referral_example = example(ReferralCreate)
    await world.consent(referral_example["shared_fields"])
    transitions = ReferralTransition.model_json_schema()["examples"]
    assert transitions
    for transition in transitions:
        created = await client.post(
            cases_referrals(world.case),
            json={
                **referral_example,
                "receiving_organization_id": str(world.org_b),
                "service_offering_id": offering["id"],
            },
            headers=world.sw_a.headers,
        )
        assert created.status_code == 201, created.text
        referral = created.json()
        moved = await client.post(
            f"{referral_url(referral['id'])}/transitions",
            json=transition,
            headers=if_match(world.partner_b, referral["version"]),
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["status"] == transition["to"]


# -- names, not ids ---------------------------------------------------------------------------
async def test_the_inbox_names_the_referring_organisation_and_worker_to_call_back(
    client: httpx.AsyncClient, world: World
) -> None:
    """The partner may read neither the referring organisation nor the worker by id, so the
    referral carries their names and her work contact; each step names who took it."""
    await world.consent(["name"])
    created = await refer(client, world, shared_fields=["name"])
    inbox = await client.get(
        f"{API}/referrals", params={"direction": "incoming"}, headers=world.partner_b.headers
    )
    assert inbox.status_code == 200, inbox.text
    (item,) = inbox.json()["items"]
    assert (item["organization_id"], item["organization_name"]) == (str(world.org_a), ORG_A_NAME)
    assert item["receiving_organization_name"] == ORG_B_NAME
    assert (item["referred_by_name"], item["referred_by_contact"]) == (
        WORKER_NAME,
        WORKER_CONTACT,
    )
    # ... which the partner could not have looked up.
    org = await client.get(f"{API}/organizations/{world.org_a}", headers=world.partner_b.headers)
    worker = await client.get(f"{API}/users/{world.sw_a.id}", headers=world.partner_b.headers)
    assert (org.status_code, worker.status_code) == (404, 403)

    accepted = await move(client, world.partner_b, created, "accepted")
    assert accepted.status_code == 200, accepted.text
    steps = [
        (s["to_status"], s["actor_name"], s["actor_organization_name"])
        for s in accepted.json()["history"]
    ]
    assert steps == [("sent", WORKER_NAME, ORG_A_NAME), ("accepted", PARTNER_NAME, ORG_B_NAME)]
    # The referring side sees the same names.
    read = await client.get(referral_url(created["id"]), headers=world.sw_a.headers)
    assert read.json()["referred_by_name"] == WORKER_NAME
    assert [s["actor_name"] for s in read.json()["history"]] == [WORKER_NAME, PARTNER_NAME]
    assert created["referred_by_name"] == WORKER_NAME
    assert created["organization_name"] == ORG_A_NAME


async def test_a_client_gets_organisation_names_but_a_workers_name_only_with_the_inbox(
    client: httpx.AsyncClient, world: World
) -> None:
    """Staff names are withheld from integration clients like every account's name, except
    the referring worker's name and contact for a receiving organisation's inbox client."""
    await world.consent(["name"])
    created = await refer(client, world, shared_fields=["name"])
    plain = await client.get(referral_url(created["id"]), headers=world.client_b.headers)
    assert plain.status_code == 200, plain.text
    assert plain.json()["organization_name"] == ORG_A_NAME
    assert (plain.json()["referred_by_name"], plain.json()["referred_by_contact"]) == (None, None)
    assert [s["actor_name"] for s in plain.json()["history"]] == [None]
    assert WORKER_NAME not in plain.text

    granted = await client.post(
        f"{API}/integration-clients/{world.client_b.id}/inbox", headers=world.pm_b.headers
    )
    assert granted.status_code == 200, granted.text
    assert world.client_b.secret is not None
    token = await client.post(
        f"{API}/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": str(world.client_b.id),
            "client_secret": world.client_b.secret,
        },
    )
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    inbox = await client.get(referral_url(created["id"]), headers=headers)
    assert (inbox.json()["referred_by_name"], inbox.json()["referred_by_contact"]) == (
        WORKER_NAME,
        WORKER_CONTACT,
    )
    # Only the worker who referred: the history's names stay withheld.
    assert [s["actor_name"] for s in inbox.json()["history"]] == [None]
