"""Trainings: livelihood courses for survivors, leadership courses for survivor leaders and CBR
practice for partner organisations; participants with attendance, completion, certificate and
pre/post scores; and a provider organisation that sees only the trainees referred to it."""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import partial
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.common.principal import Role
from domain.trainings.schemas import TrainingTrack
from domain.trainings.service import chosen_topics
from persistence.models.case_vocabulary import ReferralStatus, ServiceKind, Urgency
from persistence.models.livelihood_vocabulary import TrainingTopic
from persistence.models.referral import Referral
from tests import helpers
from tests.factories import SOUTH_24, Actor
from tests.helpers import if_match, today
from tests.worlds import CASE_PEOPLE, BaseWorld, Client, Org, person, with_people, world_fixture

TRAININGS = "/api/v1/trainings"
TABLES = ("training", "training_participant")


def participants_url(training_id: str) -> str:
    return f"{TRAININGS}/{training_id}/participants"


class World(BaseWorld):
    """Organisation A runs trainings; P is a partner organisation that gives some of them;
    B is another organisation. Survivors of A are held by ``sw_a``."""

    organizations = {"org_a": Org(), "org_p": Org(), "org_b": Org()}
    people = with_people(
        CASE_PEOPLE,
        after="sw_b",
        partner_p=person("org_p", Role.partner_staff),
        pm_p=person("org_p", Role.program_manager),
    )
    clients = {
        "client_a": Client("org_a", Role.program_manager, ("trainings:read", "trainings:manage")),
        "client_partner_p": Client("org_p", Role.partner_staff, ("trainings:read",)),
        "client_partner_b": Client("org_b", Role.partner_staff),
    }

    async def records(self) -> None:
        # referred to P for skills training; not referred; referred but declined; referred
        # for another service
        self.referred = await self._survivor()
        self.not_referred = await self._survivor()
        self.declined = await self._survivor()
        self.for_health = await self._survivor()
        self.referral = await self.refer(self.referred, ServiceKind.skills_training)
        await self.refer(self.declined, ServiceKind.livelihood, ReferralStatus.declined)
        await self.refer(self.for_health, ServiceKind.health)
        self.survivor_b = await self.cases.survivor(self.org_b)

    async def _survivor(self) -> UUID:
        survivor = await self.cases.survivor(self.org_a, created_by=self.sw_a.id)
        self.cases_by_survivor = getattr(self, "cases_by_survivor", {})
        self.cases_by_survivor[survivor] = await self.cases.case(
            self.org_a, survivor, assigned_worker_id=self.sw_a.id
        )
        return survivor

    async def refer(
        self,
        survivor_id: UUID,
        service: ServiceKind,
        status: ReferralStatus = ReferralStatus.accepted,
    ) -> UUID:
        referral = Referral(
            organization_id=self.org_a,
            district_id=SOUTH_24,
            case_id=self.cases_by_survivor[survivor_id],
            survivor_id=survivor_id,
            receiving_organization_id=self.org_p,
            service_kind=service,
            urgency=Urgency.routine,
            reason_enc=b"sealed",
            shared_enc=b"sealed",
            status=status,
        )
        async with self.factory.uow() as uow:
            uow.session.add(referral)
        return referral.id


world = world_fixture(World)


def training_body(world: World, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "topic": "vocational",
        "course": "Tailoring and garment making (3 months)",
        "provider_organization_id": str(world.org_p),
        "facilitators": ["Mitali Das", "Rina Sen"],
        "starts_on": "2026-09-01",
        "ends_on": "2026-11-20",
        "district_id": str(SOUTH_24),
    }
    body.update(extra)
    return body


async def create_training(
    client: httpx.AsyncClient, actor: Actor, world: World, **extra: Any
) -> dict[str, Any]:
    response = await client.post(
        TRAININGS, json=training_body(world, **extra), headers=actor.headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def enrol(
    client: httpx.AsyncClient, actor: Actor, training_id: str, **body: Any
) -> dict[str, Any]:
    response = await client.post(participants_url(training_id), json=body, headers=actor.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


table_counts = partial(helpers.table_counts, tables=TABLES)


# -- pure rules -----------------------------------------------------------------------------
def test_topics_chosen_by_topic_and_track() -> None:
    assert chosen_topics(None, None) is None
    assert chosen_topics(None, TrainingTrack.leadership) == (
        "leadership",
        "legal_rights",
        "public_speaking",
        "safe_migration",
        "victim_identification",
    )
    assert chosen_topics(TrainingTopic.cbr_practice, TrainingTrack.partner) == ("cbr_practice",)
    assert chosen_topics(TrainingTopic.vocational, TrainingTrack.partner) == ()
    assert chosen_topics(TrainingTopic.vocational, None) == ("vocational",)


# -- trainings ------------------------------------------------------------------------------
async def test_a_training_is_created_listed_and_changed(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    response = await client.post(TRAININGS, json=training_body(world), headers=world.sw_a.headers)
    assert response.status_code == 201, response.text
    training = response.json()
    assert response.headers["location"] == f"{TRAININGS}/{training['id']}"
    assert response.headers["etag"] == '"v1"'
    assert training["organization_id"] == str(world.org_a)
    assert training["track"] == "livelihood"
    assert training["facilitators"] == ["Mitali Das", "Rina Sen"]
    assert training["provider_organization_id"] == str(world.org_p)
    leadership = await create_training(
        client,
        world.pm_a,
        world,
        topic="public_speaking",
        course="Speaking to the panchayat",
        provider_organization_id=None,
        facilitators=["Sunita (ILFAT)"],
    )
    partners = await create_training(
        client,
        world.pm_a,
        world,
        topic="cbr_practice",
        course="CBR practice for partner NGOs",
        provider_organization_id=None,
        starts_on="2026-10-05",
        ends_on="2026-10-07",
    )

    listed = await client.get(TRAININGS, headers=world.pm_a.headers)
    assert [t["id"] for t in listed.json()["items"]] == [
        training["id"],
        leadership["id"],
        partners["id"],
    ]
    by_track = await client.get(
        TRAININGS, params={"track": "leadership"}, headers=world.pm_a.headers
    )
    assert [t["id"] for t in by_track.json()["items"]] == [leadership["id"]]
    by_topic = await client.get(
        TRAININGS, params={"topic": "cbr_practice"}, headers=world.pm_a.headers
    )
    assert [(t["id"], t["track"]) for t in by_topic.json()["items"]] == [
        (partners["id"], "partner")
    ]
    by_date = await client.get(
        TRAININGS, params={"starts_from": "2026-10-01"}, headers=world.pm_a.headers
    )
    assert [t["id"] for t in by_date.json()["items"]] == [partners["id"]]
    by_provider = await client.get(
        TRAININGS, params={"provider_organization_id": str(world.org_p)}, headers=world.pm_a.headers
    )
    assert [t["id"] for t in by_provider.json()["items"]] == [training["id"]]

    url = f"{TRAININGS}/{training['id']}"
    changed = await client.patch(
        url,
        json={"ends_on": "2026-12-15", "facilitators": ["Rina Sen"]},
        headers=if_match(world.sw_a, 1),
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"v2"'
    assert (changed.json()["ends_on"], changed.json()["facilitators"]) == (
        "2026-12-15",
        ["Rina Sen"],
    )
    assert (
        await client.patch(url, json={"course": "x"}, headers=if_match(world.sw_a, 1))
    ).status_code == 412
    assert (
        await client.patch(url, json={"course": "x"}, headers=world.sw_a.headers)
    ).status_code == 428

    # bad input: 422 and nothing written
    before = await table_counts(connection)
    for bad in (
        training_body(world, ends_on="2026-08-01"),
        training_body(world, provider_organization_id=str(uuid.uuid4())),
        training_body(world, district_id=str(uuid.uuid4())),
        training_body(world, facilitators=["Rina Sen", "Rina Sen"]),
        training_body(world, topic="knitting"),
        training_body(world, course=""),
        training_body(world, starts_on=None),
        training_body(world, venue="Canning"),
    ):
        refused = await client.post(TRAININGS, json=bad, headers=world.pm_a.headers)
        assert refused.status_code == 422, (bad, refused.text)
    for bad_patch in (
        {"starts_on": "2027-01-01"},  # after it ends
        {"provider_organization_id": str(uuid.uuid4())},
        {"course": None},
    ):
        refused = await client.patch(url, json=bad_patch, headers=if_match(world.pm_a, 2))
        assert refused.status_code == 422, (bad_patch, refused.text)
    assert await table_counts(connection) == before

    headers = {**world.pm_a.headers, "Idempotency-Key": "training-1"}
    first = await client.post(TRAININGS, json=training_body(world), headers=headers)
    again = await client.post(TRAININGS, json=training_body(world), headers=headers)
    assert first.json()["id"] == again.json()["id"]
    assert (await table_counts(connection))["training"] == before["training"] + 1


async def test_participants_attendance_completion_certificate_and_scores(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    training = await create_training(client, world.sw_a, world, session_count=36)
    assert training["session_count"] == 36
    url = participants_url(training["id"])
    survivor = await enrol(
        client, world.sw_a, training["id"], survivor_id=str(world.referred), pre_score=35
    )
    assert (survivor["kind"], survivor["survivor_id"], survivor["pre_score"]) == (
        "survivor",
        str(world.referred),
        35,
    )
    assert survivor["completed"] is False
    assert survivor["identity_withheld"] is False
    leader = await enrol(client, world.sw_a, training["id"], user_id=str(world.leader_a.id))
    assert leader["kind"] == "user"
    staff = await enrol(
        client,
        world.pm_a,
        training["id"],
        partner_organization_id=str(world.org_b),
        user_id=str(world.partner_b.id),
    )
    assert staff["kind"] == "partner_staff"

    done = await client.patch(
        f"{url}/{survivor['id']}",
        json={
            "sessions_attended": 33,
            "completed_on": "2026-11-20",
            "certificate": "NSDC-TL-2026-0413",
            "post_score": 78,
        },
        headers=if_match(world.sw_a, 1),
    )
    assert done.status_code == 200, done.text
    assert done.headers["etag"] == '"v2"'
    result = done.json()
    assert (result["sessions_attended"], result["attendance_percent"]) == (33, 91)
    assert leader["attendance_percent"] is None
    assert (
        result["completed"],
        result["certificate"],
        result["pre_score"],
        result["post_score"],
    ) == (
        True,
        "NSDC-TL-2026-0413",
        35,
        78,
    )
    listed = await client.get(url, headers=world.pm_a.headers)
    assert [p["id"] for p in listed.json()["items"]] == [survivor["id"], leader["id"], staff["id"]]

    before = await table_counts(connection)
    for actor, bad in (
        (world.sw_a, {"survivor_id": str(world.referred)}),  # enrolled already: 409 below
        (world.sw_a, {"survivor_id": str(world.survivor_b)}),  # another organisation's
        (world.sw_north, {"survivor_id": str(world.not_referred)}),  # not in her scope
        (world.sw_a, {"survivor_id": str(uuid.uuid4())}),
        (world.sw_a, {"survivor_id": str(world.not_referred), "user_id": str(world.leader_a.id)}),
        (world.sw_a, {}),
        (world.sw_a, {"user_id": str(world.pm_b.id)}),  # not a user of A
        (world.sw_a, {"partner_organization_id": str(world.org_a)}),
        (world.sw_a, {"partner_organization_id": str(uuid.uuid4())}),
        (world.sw_a, {"survivor_id": str(world.not_referred), "pre_score": 101}),
        (world.sw_a, {"survivor_id": str(world.not_referred), "completed_on": "2026-08-01"}),
        (
            world.sw_a,
            {
                "survivor_id": str(world.not_referred),
                "completed_on": (today() + timedelta(days=3)).isoformat(),
            },
        ),
        (world.sw_a, {"survivor_id": str(world.not_referred), "certificate": ""}),
        (world.sw_a, {"survivor_id": str(world.not_referred), "attended": True}),
    ):
        refused = await client.post(url, json=bad, headers=actor.headers)
        expected = 409 if bad == {"survivor_id": str(world.referred)} else 422
        assert refused.status_code == expected, (bad, refused.text)
        assert str(world.survivor_b) not in refused.text
    for bad_patch in (
        {"post_score": -1},
        {"completed_on": "2026-08-01"},
        {"pre_score": "high"},
        {"sessions_attended": 37},  # more than the training holds
        {"sessions_attended": -1},
    ):
        refused = await client.patch(
            f"{url}/{survivor['id']}", json=bad_patch, headers=if_match(world.sw_a, 2)
        )
        assert refused.status_code == 422, (bad_patch, refused.text)
    fewer = await client.patch(
        f"{TRAININGS}/{training['id']}", json={"session_count": 30}, headers=if_match(world.sw_a, 1)
    )
    assert fewer.status_code == 422, fewer.text
    assert await table_counts(connection) == before
    again = await client.post(
        url, json={"user_id": str(world.leader_a.id)}, headers=world.sw_a.headers
    )
    assert again.status_code == 409


async def test_a_social_worker_sees_only_the_survivors_of_her_scope(
    client: httpx.AsyncClient, world: World
) -> None:
    training = await create_training(client, world.pm_a, world)
    survivor = await enrol(client, world.pm_a, training["id"], survivor_id=str(world.referred))
    leader = await enrol(client, world.pm_a, training["id"], user_id=str(world.leader_a.id))
    url = participants_url(training["id"])
    for actor, expected in (
        (world.sw_a, [survivor["id"], leader["id"]]),
        (world.sw_a2, [leader["id"]]),
        (world.sw_north, [leader["id"]]),
        (world.client_a, [leader["id"]]),  # clients never hold survivors
    ):
        listed = await client.get(url, headers=actor.headers)
        assert listed.status_code == 200, listed.text
        assert [p["id"] for p in listed.json()["items"]] == expected
    hidden = await client.get(f"{url}/{survivor['id']}", headers=world.sw_a2.headers)
    assert hidden.status_code == 404
    patched = await client.patch(
        f"{url}/{survivor['id']}", json={"post_score": 1}, headers=if_match(world.sw_a2, 1)
    )
    assert patched.status_code == 404


async def test_a_partner_trainer_sees_only_the_trainees_referred_to_it(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    given = await create_training(client, world.pm_a, world)
    own = await create_training(
        client, world.pm_a, world, provider_organization_id=None, course="Run by A itself"
    )
    ids = {}
    for name in ("referred", "not_referred", "declined", "for_health"):
        participant = await enrol(
            client, world.pm_a, given["id"], survivor_id=str(getattr(world, name)), pre_score=40
        )
        ids[name] = participant["id"]
    ids["leader"] = (await enrol(client, world.pm_a, given["id"], user_id=str(world.leader_a.id)))[
        "id"
    ]
    await enrol(client, world.pm_a, own["id"], survivor_id=str(world.referred))

    for trainer in (world.partner_p, world.client_partner_p):
        listed = await client.get(TRAININGS, headers=trainer.headers)
        assert listed.status_code == 200, listed.text
        assert [t["id"] for t in listed.json()["items"]] == [given["id"]]
        assert (
            await client.get(f"{TRAININGS}/{own['id']}", headers=trainer.headers)
        ).status_code == 404
        participants = await client.get(participants_url(given["id"]), headers=trainer.headers)
        assert participants.status_code == 200, participants.text
        (seen,) = participants.json()["items"]
        assert seen["id"] == ids["referred"]
        assert seen["identity_withheld"] is True
        assert (seen["survivor_id"], seen["user_id"], seen["partner_organization_id"]) == (
            None,
            None,
            None,
        )
        assert (seen["kind"], seen["pre_score"]) == ("survivor", 40)
        assert str(world.referred) not in participants.text
        one = await client.get(
            f"{participants_url(given['id'])}/{ids['referred']}", headers=trainer.headers
        )
        assert one.status_code == 200
        assert one.json()["survivor_id"] is None
        for hidden in ("not_referred", "declined", "for_health", "leader"):
            answer = await client.get(
                f"{participants_url(given['id'])}/{ids[hidden]}", headers=trainer.headers
            )
            assert answer.status_code == 404, hidden
        # a trainer reads; the running organisation records
        before = await table_counts(connection)
        refused = await client.patch(
            f"{participants_url(given['id'])}/{ids['referred']}",
            json={"post_score": 90},
            headers=if_match(trainer, 1),
        )
        assert refused.status_code == 403
        refused = await client.post(
            participants_url(given["id"]),
            json={"survivor_id": str(world.not_referred)},
            headers=trainer.headers,
        )
        assert refused.status_code == 403
        assert await table_counts(connection) == before

    # the provider's other roles and other organisations' trainers see nothing of it
    assert (await client.get(TRAININGS, headers=world.pm_p.headers)).json()["items"] == []
    assert (
        await client.get(f"{TRAININGS}/{given['id']}", headers=world.pm_p.headers)
    ).status_code == 404
    assert (await client.get(TRAININGS, headers=world.partner_b.headers)).json()["items"] == []
    assert (
        await client.get(participants_url(given["id"]), headers=world.partner_b.headers)
    ).status_code == 404

    # once the referral is revoked, she is no longer the trainer's trainee
    await connection.execute(
        sa.text("UPDATE referral SET status = 'revoked' WHERE id = :id"), {"id": world.referral}
    )
    after = await client.get(participants_url(given["id"]), headers=world.partner_p.headers)
    assert after.json()["items"] == []


async def test_leadership_and_partner_trainings(client: httpx.AsyncClient, world: World) -> None:
    leadership = await create_training(
        client,
        world.pm_a,
        world,
        topic="victim_identification",
        course="Spotting recruitment at the haat",
        provider_organization_id=None,
        facilitators=["ILFAT trainer"],
    )
    leader = await enrol(
        client, world.pm_a, leadership["id"], user_id=str(world.leader_a.id), pre_score=30
    )
    scored = await client.patch(
        f"{participants_url(leadership['id'])}/{leader['id']}",
        json={"post_score": 85, "completed_on": "2026-11-20"},
        headers=if_match(world.pm_a, 1),
    )
    assert scored.status_code == 200, scored.text
    assert (scored.json()["pre_score"], scored.json()["post_score"]) == (30, 85)

    # CBR practice given by A to partner P's staff
    cbr = await create_training(
        client,
        world.pm_a,
        world,
        topic="cbr_practice",
        course="Community-based rehabilitation for partner NGOs",
        provider_organization_id=None,
    )
    staff = await enrol(
        client,
        world.pm_a,
        cbr["id"],
        partner_organization_id=str(world.org_p),
        user_id=str(world.partner_p.id),
    )
    organisation = await enrol(
        client, world.pm_a, cbr["id"], partner_organization_id=str(world.org_p)
    )
    listed = await client.get(participants_url(cbr["id"]), headers=world.pm_a.headers)
    assert [(p["id"], p["kind"], p["partner_organization_id"]) for p in listed.json()["items"]] == [
        (staff["id"], "partner_staff", str(world.org_p)),
        (organisation["id"], "partner_staff", str(world.org_p)),
    ]
    partner_track = await client.get(
        TRAININGS, params={"track": "partner"}, headers=world.pm_a.headers
    )
    assert [t["id"] for t in partner_track.json()["items"]] == [cbr["id"]]


# -- who sees and runs which training -----------------------------------------------------------
MATRIX = [
    # actor, reads, writes
    ("pm_a", 200, 200),
    ("sw_a", 200, 200),
    ("sw_a2", 200, 200),  # the organisation's training (its survivors only in her scope)
    ("sw_north", 200, 200),
    ("client_a", 200, 200),  # a client with a manager's role and both scopes
    ("pm_b", 404, 404),
    ("sw_b", 404, 404),
    ("partner_p", 200, 403),  # the provider's trainer reads, never runs
    ("partner_b", 404, 403),
    ("pm_p", 404, 404),  # the provider's manager: not her organisation's training
    ("analyst_a", 403, 403),
    ("leader_a", 403, 403),
    ("auditor_a", 403, 403),
    ("admin", 403, 403),
    ("client_partner_b", 403, 403),
]
READS = ("read", "participants", "participant")
WRITES = {"update": 200, "enrol": 201, "record": 200}


@pytest.mark.parametrize(("who", "reads", "writes"), MATRIX)
async def test_matrix(
    client: httpx.AsyncClient,
    world: World,
    connection: AsyncConnection,
    who: str,
    reads: int,
    writes: int,
) -> None:
    training = await create_training(client, world.pm_a, world)
    participant = await enrol(client, world.pm_a, training["id"], survivor_id=str(world.referred))
    actor: Actor = getattr(world, who)
    url = f"{TRAININGS}/{training['id']}"
    before = await table_counts(connection)
    calls = {
        "list": await client.get(TRAININGS, headers=actor.headers),
        "read": await client.get(url, headers=actor.headers),
        "participants": await client.get(participants_url(training["id"]), headers=actor.headers),
        # a participant every reader may see (a user of A), so reads compare like for like
        "update": await client.patch(
            url, json={"course": "Tailoring II"}, headers=if_match(actor, 1)
        ),
        "enrol": await client.post(
            participants_url(training["id"]),
            json={"user_id": str(world.leader_a.id)},
            headers=actor.headers,
        ),
    }
    enrolled = calls["enrol"]
    target = enrolled.json()["id"] if enrolled.status_code == 201 else participant["id"]
    calls["participant"] = await client.get(
        f"{participants_url(training['id'])}/{participant['id'] if who == 'partner_p' else target}",
        headers=actor.headers,
    )
    calls["record"] = await client.patch(
        f"{participants_url(training['id'])}/{target}",
        json={"post_score": 70},
        headers=if_match(actor, 1),
    )
    for name in READS:
        assert calls[name].status_code == reads, (who, name, calls[name].text)
    for name, ok in WRITES.items():
        expected = ok if writes == 200 else writes
        assert calls[name].status_code == expected, (who, name, calls[name].text)
    listed = calls["list"]
    if reads == 403:
        assert listed.status_code == 403
    else:
        assert listed.status_code == 200
        assert (training["id"] in {t["id"] for t in listed.json()["items"]}) is (reads == 200)
    for name, response in calls.items():
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
            problem = {k: v for k, v in response.json().items() if k != "instance"}
            assert participant["id"] not in str(problem), (who, name)
            assert str(world.referred) not in response.text, (who, name)
    if writes != 200:
        assert await table_counts(connection) == before
        version = await connection.scalar(
            sa.text("SELECT version FROM training WHERE id = :id"), {"id": training["id"]}
        )
        assert version == 1


async def test_her_trainings_under_her_record(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    tailoring = await create_training(client, world.pm_a, world, session_count=10)
    literacy = await create_training(
        client,
        world.pm_a,
        world,
        topic="financial_literacy",
        course="Money matters",
        provider_organization_id=None,
    )
    first = await enrol(
        client,
        world.pm_a,
        tailoring["id"],
        survivor_id=str(world.referred),
        sessions_attended=8,
        completed_on="2026-11-20",
        certificate="NSDC-1",
    )
    second = await enrol(client, world.pm_a, literacy["id"], survivor_id=str(world.referred))
    await enrol(client, world.pm_a, literacy["id"], survivor_id=str(world.not_referred))
    url = f"/api/v1/survivors/{world.referred}/trainings"
    listed = await client.get(url, headers=world.sw_a.headers)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [(i["training"]["id"], i["participation"]["id"]) for i in items] == [
        (tailoring["id"], first["id"]),
        (literacy["id"], second["id"]),
    ]
    assert items[0]["training"]["course"] == tailoring["course"]
    assert items[0]["training"]["provider_organization_id"] == str(world.org_p)
    assert (
        items[0]["participation"]["completed"],
        items[0]["participation"]["certificate"],
        items[0]["participation"]["attendance_percent"],
    ) == (True, "NSDC-1", 80)
    paged = await client.get(url, params={"limit": 1}, headers=world.sw_a.headers)
    assert len(paged.json()["items"]) == 1
    rest = await client.get(
        url, params={"limit": 1, "cursor": paged.json()["next_cursor"]}, headers=world.sw_a.headers
    )
    assert [i["participation"]["id"] for i in rest.json()["items"]] == [second["id"]]
    for actor, status in (
        (world.pm_a, 200),
        (world.sw_a2, 404),
        (world.sw_north, 404),
        (world.pm_b, 404),
        (world.partner_p, 403),
        (world.analyst_a, 403),
        (world.leader_a, 403),
        (world.auditor_a, 403),
        (world.admin, 403),
        (world.client_a, 403),
    ):
        answer = await client.get(url, headers=actor.headers)
        assert answer.status_code == status, (actor.role, answer.text)
        if status != 200:
            assert first["id"] not in answer.text
    assert (
        await client.get(f"/api/v1/survivors/{uuid.uuid4()}/trainings", headers=world.pm_a.headers)
    ).status_code == 404
