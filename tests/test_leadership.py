"""Survivor leadership: leader groups (members, meetings), campaigns, duty-bearer engagements
and their commitments; who may see and record them, and what stays hidden."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from functools import partial
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.common.principal import Principal, PrincipalKind, Role
from domain.leadership.duty_bearers import is_overdue
from domain.leadership.policies import leadership_scope, summary_scope
from persistence.models.duty_bearer_commitment import DutyBearerCommitment
from persistence.models.enums import OrganizationKind
from persistence.models.leadership_vocabulary import CommitmentStatus
from tests import helpers
from tests.factories import NORTH_24, SOUTH_24, Actor, Factory
from tests.helpers import if_match, today
from tests.worlds import ADMIN, BaseWorld, Client, Org, person

GROUPS = "/api/v1/leader-groups"
CAMPAIGNS = "/api/v1/campaigns"
ENGAGEMENTS = "/api/v1/duty-bearer-engagements"
OVERDUE = f"{ENGAGEMENTS}/overdue-commitments"
TABLES = (
    "leader_group",
    "leader_group_member",
    "leader_group_meeting",
    "campaign",
    "duty_bearer_engagement",
    "duty_bearer_commitment",
)
DECISION = "Rally at Canning station on 25 November"
LEADER_NAME = "Rupa Mondal"


def days_ago(days: int) -> str:
    return (today() - timedelta(days=days)).isoformat()


table_counts = partial(helpers.table_counts, tables=TABLES)


async def created(
    client: httpx.AsyncClient, actor: Actor, url: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(url, json=body, headers=actor.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def campaign_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "street_play",
        "title": "Naya Savera street play on safe migration",
        "place": "Canning station market",
        "held_on": days_ago(3),
        "reached_women": 120,
        "reached_men": 80,
        "reached_youth": 45,
        "reached_children": 30,
        "outcomes": "Two families asked about the helpline.",
    }
    body.update(extra)
    return body


def engagement_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "duty_bearer": "police",
        "office": "Canning Police Station",
        "held_on": days_ago(60),
        "issues_raised": "Complaints of missing girls not registered as FIRs.",
        "commitments": [
            {
                "commitment": "Register every missing-child complaint as an FIR",
                "committed_by": "Officer in charge",
                "due_on": days_ago(30),
            },
            {
                "commitment": "Post the AHTU helpline at the thana",
                "committed_by": "Sub-inspector",
                "due_on": (today() + timedelta(days=30)).isoformat(),
            },
        ],
    }
    body.update(extra)
    return body


class World(BaseWorld):
    """Organisation A with a leader group in South 24 Parganas (``group_s``, led by
    ``leader_s`` who is also a survivor of A) and one in North 24 Parganas (``group_n``);
    organisation B; the people and clients around them."""

    organizations = {
        "org_a": Org(),
        "org_b": Org(),
        "forum": Org(
            lambda: "ILFAT " + uuid.uuid4().hex[:6], OrganizationKind.community_based_organization
        ),
    }
    people = {
        "pm_a": person("org_a", Role.program_manager),
        "sw_south": person("org_a", Role.social_worker, SOUTH_24),
        "sw_north": person("org_a", Role.social_worker, NORTH_24),
        "leader_s": person("org_a", Role.survivor_leader, name=LEADER_NAME),
        "leader_n": person("org_a", Role.survivor_leader),
        "analyst_a": person("org_a", Role.analyst),
        "auditor_a": person("org_a", Role.auditor),
        "partner_a": person("org_a", Role.partner_staff),
        "pm_b": person("org_b", Role.program_manager),
        "leader_b": person("org_b", Role.survivor_leader),
        "admin": ADMIN,
    }
    clients = {
        "client_a": Client(
            "org_a",
            Role.program_manager,
            ("leader_groups:read", "campaigns:read", "duty_bearers:read"),
        ),
        "client_unscoped": Client("org_a", Role.program_manager),
    }

    async def build(self, client: httpx.AsyncClient) -> World:  # type: ignore[override]
        await super().build()
        self.survivor = await self.cases.survivor(self.org_a, created_by=self.sw_south.id)
        await self.cases.case(self.org_a, self.survivor, assigned_worker_id=self.sw_south.id)

        self.group_s = await created(
            client,
            self.pm_a,
            GROUPS,
            {
                "name": "Canning Survivor Leaders' Collective",
                "district_id": str(SOUTH_24),
                "formed_on": "2024-03-08",
                "forum_organization_id": str(self.forum),
            },
        )
        self.group_n = await created(
            client,
            self.pm_a,
            GROUPS,
            {"name": "Barasat Collective", "district_id": str(NORTH_24), "formed_on": "2025-01-10"},
        )
        self.member_s = await created(
            client,
            self.pm_a,
            f"{GROUPS}/{self.group_s['id']}/members",
            {
                "user_id": str(self.leader_s.id),
                "survivor_id": str(self.survivor),
                "role": "convenor",
                "joined_on": "2024-03-08",
            },
        )
        await created(
            client,
            self.pm_a,
            f"{GROUPS}/{self.group_n['id']}/members",
            {"user_id": str(self.leader_n.id), "joined_on": "2025-01-10"},
        )
        self.campaign_s = await created(
            client, self.pm_a, CAMPAIGNS, campaign_body(leader_group_id=self.group_s["id"])
        )
        self.engagement_s = await created(
            client, self.pm_a, ENGAGEMENTS, engagement_body(leader_group_id=self.group_s["id"])
        )
        return self


@pytest.fixture
async def world(client: httpx.AsyncClient, factory: Factory) -> World:
    return await World(factory).build(client)


# -- pure rules -----------------------------------------------------------------------------
def _commitment(status: CommitmentStatus, due_on: date | None) -> DutyBearerCommitment:
    return DutyBearerCommitment(
        organization_id=uuid.uuid4(),
        engagement_id=uuid.uuid4(),
        commitment="Register FIRs",
        committed_by="OC",
        due_on=due_on,
        status=status,
    )


def test_a_commitment_is_overdue_past_its_date_until_fulfilled() -> None:
    on = date(2026, 11, 29)
    past, due_today = date(2026, 11, 1), on
    for status in CommitmentStatus:
        expected = status is not CommitmentStatus.fulfilled
        assert is_overdue(_commitment(status, past), on) is expected, status
        assert is_overdue(_commitment(status, due_today), on) is False
        assert is_overdue(_commitment(status, None), on) is False


def test_scopes_by_role() -> None:
    org, user, district = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def person(role: Role, kind: PrincipalKind = PrincipalKind.user) -> Principal:
        return Principal(kind, user, org, role, district_ids=frozenset({district}))

    assert leadership_scope(person(Role.program_manager)).district_ids is None
    assert leadership_scope(person(Role.social_worker)).district_ids == frozenset({district})
    leader = leadership_scope(person(Role.survivor_leader))
    assert leader.leader_user_id == user
    assert leader.sees_people is True
    for role in (Role.analyst, Role.auditor, Role.partner_staff, Role.platform_admin):
        assert leadership_scope(person(role)).is_empty, role
    assert leadership_scope(person(Role.program_manager, PrincipalKind.client)).sees_people is False
    assert summary_scope(person(Role.analyst)).organization_id == org


# -- the authorisation matrix ---------------------------------------------------------------
EVERYONE = (
    "pm_a",
    "sw_south",
    "sw_north",
    "leader_s",
    "leader_n",
    "analyst_a",
    "auditor_a",
    "partner_a",
    "admin",
    "pm_b",
    "leader_b",
    "client_a",
    "client_unscoped",
)
DENIED_ROLES = {"analyst_a": 403, "auditor_a": 403, "partner_a": 403, "admin": 403}

# (what, expected status per caller): reads of group_s and its records.
READ_MATRIX: dict[str, dict[str, int]] = {
    "group": {
        "pm_a": 200,
        "sw_south": 200,
        "sw_north": 404,
        "leader_s": 200,
        "leader_n": 404,
        **DENIED_ROLES,
        "pm_b": 404,
        "leader_b": 404,
        "client_a": 200,
        "client_unscoped": 403,
    },
    "members": {
        "pm_a": 200,
        "sw_south": 200,
        "sw_north": 404,
        "leader_s": 200,
        "leader_n": 404,
        **DENIED_ROLES,
        "pm_b": 404,
        "leader_b": 404,
        "client_a": 200,
        "client_unscoped": 403,
    },
    "campaign": {
        "pm_a": 200,
        "sw_south": 200,
        "sw_north": 404,
        "leader_s": 200,
        "leader_n": 404,
        **DENIED_ROLES,
        "pm_b": 404,
        "leader_b": 404,
        "client_a": 200,
        "client_unscoped": 403,
    },
    "engagement": {
        "pm_a": 200,
        "sw_south": 200,
        "sw_north": 404,
        "leader_s": 200,
        "leader_n": 404,
        **DENIED_ROLES,
        "pm_b": 404,
        "leader_b": 404,
        "client_a": 200,
        "client_unscoped": 403,
    },
    "summary": {
        "pm_a": 200,
        "sw_south": 200,
        "sw_north": 200,
        "leader_s": 403,
        "leader_n": 403,
        "analyst_a": 200,
        "auditor_a": 403,
        "partner_a": 403,
        "admin": 403,
        "pm_b": 200,
        "leader_b": 403,
        "client_a": 403,
        "client_unscoped": 403,
    },
}


def read_url(world: World, what: str) -> str:
    return {
        "group": f"{GROUPS}/{world.group_s['id']}",
        "members": f"{GROUPS}/{world.group_s['id']}/members",
        "campaign": f"{CAMPAIGNS}/{world.campaign_s['id']}",
        "engagement": f"{ENGAGEMENTS}/{world.engagement_s['id']}",
        "summary": f"{CAMPAIGNS}/summary",
    }[what]


@pytest.mark.parametrize("what", sorted(READ_MATRIX))
async def test_read_matrix(client: httpx.AsyncClient, world: World, what: str) -> None:
    assert set(READ_MATRIX[what]) == set(EVERYONE)
    wrong = []
    for name, expected in READ_MATRIX[what].items():
        response = await client.get(read_url(world, what), headers=world.actor(name).headers)
        if response.status_code != expected:
            wrong.append(f"{name}: {response.status_code} (expected {expected})")
        if expected >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
    assert wrong == []


# Who may record a campaign of group_s (422: the group is not one the caller may use).
WRITE_MATRIX = {
    "pm_a": 201,
    "sw_south": 201,
    "sw_north": 422,
    "leader_s": 201,
    "leader_n": 422,
    **DENIED_ROLES,
    "pm_b": 422,
    "leader_b": 422,
    "client_a": 403,
    "client_unscoped": 403,
}


async def test_write_matrix(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    assert set(WRITE_MATRIX) == set(EVERYONE)
    wrong = []
    for name, expected in WRITE_MATRIX.items():
        before = await table_counts(connection)
        for url, body in (
            (CAMPAIGNS, campaign_body(leader_group_id=world.group_s["id"])),
            (ENGAGEMENTS, engagement_body(leader_group_id=world.group_s["id"])),
            (
                f"{GROUPS}/{world.group_s['id']}/meetings",
                {"held_on": days_ago(1), "decisions": [DECISION]},
            ),
        ):
            response = await client.post(url, json=body, headers=world.actor(name).headers)
            want = expected
            if url.endswith("/meetings") and expected == 422:
                want = 404  # the group itself is out of her scope
            if response.status_code != want:
                wrong.append(f"{name} {url}: {response.status_code} (expected {want})")
        if expected != 201:
            assert await table_counts(connection) == before, name
    assert wrong == []


async def test_only_managers_and_social_workers_form_groups_and_enrol(
    client: httpx.AsyncClient, world: World
) -> None:
    body = {"name": "Gosaba Collective", "district_id": str(SOUTH_24), "formed_on": "2025-06-01"}
    for name in ("leader_s", "analyst_a", "auditor_a", "partner_a", "admin", "client_a"):
        response = await client.post(GROUPS, json=body, headers=world.actor(name).headers)
        assert response.status_code == 403, name
        enrol = await client.post(
            f"{GROUPS}/{world.group_s['id']}/members",
            json={"user_id": str(world.leader_n.id), "joined_on": "2025-06-01"},
            headers=world.actor(name).headers,
        )
        assert enrol.status_code == 403, name
    own = await client.post(GROUPS, json=body, headers=world.sw_south.headers)
    assert own.status_code == 201, own.text
    other = {**body, "district_id": str(NORTH_24)}
    refused = await client.post(GROUPS, json=other, headers=world.sw_south.headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"][-1] == "district_id"


# -- lists are scoped -----------------------------------------------------------------------
async def test_lists_hold_only_what_the_caller_may_see(
    client: httpx.AsyncClient, world: World
) -> None:
    await created(
        client,
        world.leader_n,
        CAMPAIGNS,
        campaign_body(leader_group_id=world.group_n["id"], kind="rally"),
    )

    async def ids(actor: Actor, url: str) -> set[str]:
        response = await client.get(url, headers=actor.headers)
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    both = {world.group_s["id"], world.group_n["id"]}
    assert await ids(world.pm_a, GROUPS) == both
    assert await ids(world.client_a, GROUPS) == both
    assert await ids(world.sw_south, GROUPS) == {world.group_s["id"]}
    assert await ids(world.leader_s, GROUPS) == {world.group_s["id"]}
    assert await ids(world.leader_n, GROUPS) == {world.group_n["id"]}
    assert await ids(world.pm_b, GROUPS) == set()
    assert await ids(world.leader_b, GROUPS) == set()
    assert await ids(world.pm_a, f"{GROUPS}?district_id={NORTH_24}") == {world.group_n["id"]}

    assert len(await ids(world.pm_a, CAMPAIGNS)) == 2
    assert await ids(world.leader_s, CAMPAIGNS) == {world.campaign_s["id"]}
    assert world.campaign_s["id"] not in await ids(world.leader_n, CAMPAIGNS)
    assert await ids(world.sw_north, CAMPAIGNS) != set()
    assert world.campaign_s["id"] not in await ids(world.sw_north, CAMPAIGNS)
    assert await ids(world.pm_b, CAMPAIGNS) == set()
    assert await ids(world.leader_n, ENGAGEMENTS) == set()
    assert await ids(world.leader_s, ENGAGEMENTS) == {world.engagement_s["id"]}


async def test_pages_walk_every_campaign_once(client: httpx.AsyncClient, world: World) -> None:
    for number in range(4):
        await created(client, world.pm_a, CAMPAIGNS, campaign_body(title=f"Rally {number}"))
    seen: list[str] = []
    url: str | None = f"{CAMPAIGNS}?limit=2&include_total=true"
    while url:
        response = await client.get(url, headers=world.pm_a.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["total"] == 5
        seen += [item["id"] for item in page["items"]]
        url = (
            f"{CAMPAIGNS}?limit=2&include_total=true&cursor={page['next_cursor']}"
            if page["next_cursor"]
            else None
        )
    assert len(seen) == len(set(seen)) == 5


# -- members and what they reveal -----------------------------------------------------------
async def test_member_identity_is_shown_only_to_those_who_may_see_it(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"{GROUPS}/{world.group_s['id']}/members"

    async def member(actor: Actor) -> tuple[dict[str, Any], str]:
        response = await client.get(url, headers=actor.headers)
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        assert len(items) == 1
        return items[0], response.text

    manager, _ = await member(world.pm_a)
    assert manager["full_name"] == LEADER_NAME
    assert manager["user_id"] == str(world.leader_s.id)
    assert manager["survivor_id"] == str(world.survivor)
    assert manager["role"] == "convenor"

    worker, _ = await member(world.sw_south)  # her case worker
    assert worker["survivor_id"] == str(world.survivor)

    herself, text = await member(world.leader_s)  # a leader sees her group, not case records
    assert herself["full_name"] == LEADER_NAME
    assert herself["survivor_id"] is None
    assert str(world.survivor) not in text

    machine, text = await member(world.client_a)  # a machine credential holds no people
    assert machine["full_name"] is None
    assert machine["user_id"] is None
    assert machine["survivor_id"] is None
    assert LEADER_NAME not in text
    assert str(world.survivor) not in text
    assert str(world.leader_s.id) not in text

    one = await client.get(f"{url}/{world.member_s['id']}", headers=world.client_a.headers)
    assert one.status_code == 200
    assert LEADER_NAME not in one.text


async def test_a_social_worker_without_the_survivor_sees_no_link(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    other_sw = await factory.user(world.org_a, Role.social_worker, districts=(SOUTH_24,))
    response = await client.get(f"{GROUPS}/{world.group_s['id']}/members", headers=other_sw.headers)
    assert response.status_code == 200
    assert response.json()["items"][0]["survivor_id"] is None
    assert str(world.survivor) not in response.text
    # nor may she link a survivor she cannot see
    refused = await client.post(
        f"{GROUPS}/{world.group_s['id']}/members",
        json={"survivor_id": str(world.survivor), "joined_on": "2025-01-01"},
        headers=other_sw.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"][-1] == "survivor_id"


async def test_member_rules(client: httpx.AsyncClient, world: World, factory: Factory) -> None:
    url = f"{GROUPS}/{world.group_s['id']}/members"
    twice = await client.post(
        url,
        json={"user_id": str(world.leader_s.id), "joined_on": "2025-01-01"},
        headers=world.pm_a.headers,
    )
    assert twice.status_code == 409
    staff = await client.post(
        url,
        json={"user_id": str(world.sw_south.id), "joined_on": "2025-01-01"},
        headers=world.pm_a.headers,
    )
    assert staff.status_code == 422  # not a survivor leader account
    foreign = await client.post(
        url,
        json={"user_id": str(world.leader_b.id), "joined_on": "2025-01-01"},
        headers=world.pm_a.headers,
    )
    assert foreign.status_code == 422
    nobody = await client.post(url, json={"joined_on": "2025-01-01"}, headers=world.pm_a.headers)
    assert nobody.status_code == 422


async def test_a_leader_who_left_no_longer_sees_her_group(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"{GROUPS}/{world.group_s['id']}/members/{world.member_s['id']}"
    early = await client.patch(url, json={"left_on": "2020-01-01"}, headers=if_match(world.pm_a, 1))
    assert early.status_code == 422  # before she joined
    left = await client.patch(url, json={"left_on": days_ago(1)}, headers=if_match(world.pm_a, 1))
    assert left.status_code == 200, left.text
    assert left.headers["ETag"] == '"v2"'
    for target in (
        f"{GROUPS}/{world.group_s['id']}",
        f"{CAMPAIGNS}/{world.campaign_s['id']}",
        f"{ENGAGEMENTS}/{world.engagement_s['id']}",
    ):
        response = await client.get(target, headers=world.leader_s.headers)
        assert response.status_code == 404, target
    group = await client.get(f"{GROUPS}/{world.group_s['id']}", headers=world.pm_a.headers)
    assert group.json()["current_members"] == 0
    listed = await client.get(
        f"{GROUPS}/{world.group_s['id']}/members?current=false", headers=world.pm_a.headers
    )
    assert [m["left_on"] for m in listed.json()["items"]] == [days_ago(1)]


# -- meetings -------------------------------------------------------------------------------
async def test_a_leader_records_a_meeting_of_her_group_and_decisions_are_sealed(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    url = f"{GROUPS}/{world.group_s['id']}/meetings"
    meeting = await created(
        client,
        world.leader_s,
        url,
        {
            "held_on": days_ago(2),
            "agenda": "Plan the rally",
            "attended_member_ids": [world.member_s["id"]],
            "decisions": [DECISION],
        },
    )
    assert meeting["attendance"] == 1
    assert meeting["decisions"] == [DECISION]
    sealed = await connection.scalar(
        sa.text("SELECT minutes_enc FROM leader_group_meeting WHERE id = :id"),
        {"id": meeting["id"]},
    )
    assert sealed
    assert DECISION.encode() not in bytes(sealed)

    read = await client.get(f"{url}/{meeting['id']}", headers=world.sw_south.headers)
    assert read.status_code == 200
    assert read.json()["decisions"] == [DECISION]
    listed = await client.get(url, headers=world.pm_a.headers)
    assert [m["id"] for m in listed.json()["items"]] == [meeting["id"]]
    audited = await connection.scalar(
        sa.text(
            "SELECT count(*) FROM audit_event WHERE entity_type = 'leader_group_meeting' "
            "AND action = 'read' AND entity_id = :id"
        ),
        {"id": meeting["id"]},
    )
    assert audited == 2

    stranger = await client.post(
        url,
        json={"held_on": days_ago(1), "attended_member_ids": [str(uuid.uuid4())]},
        headers=world.leader_s.headers,
    )
    assert stranger.status_code == 422
    before_formed = await client.post(
        url, json={"held_on": "2020-01-01"}, headers=world.leader_s.headers
    )
    assert before_formed.status_code == 422


async def test_member_reads_are_audited(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    response = await client.get(
        f"{GROUPS}/{world.group_s['id']}/members", headers=world.pm_a.headers
    )
    rows = (
        await connection.execute(
            sa.text("SELECT action, entity_type, entity_id FROM audit_event WHERE request_id = :r"),
            {"r": response.headers["x-request-id"]},
        )
    ).all()
    assert ("read", "leader_group_member", UUID(world.member_s["id"])) in [tuple(r) for r in rows]


# -- campaigns ------------------------------------------------------------------------------
async def test_a_leader_records_campaigns_of_her_own_groups_only(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    mine = await created(
        client, world.leader_s, CAMPAIGNS, campaign_body(leader_group_id=world.group_s["id"])
    )
    assert mine["district_id"] == str(SOUTH_24)  # the group's
    assert mine["reached_total"] == 275
    assert mine["created_by"] == str(world.leader_s.id)
    machine = await client.get(f"{CAMPAIGNS}/{mine['id']}", headers=world.client_a.headers)
    assert machine.status_code == 200
    assert machine.json()["created_by"] is None  # her account would name a survivor
    assert str(world.leader_s.id) not in machine.text
    before = await table_counts(connection)
    no_group = await client.post(CAMPAIGNS, json=campaign_body(), headers=world.leader_s.headers)
    assert no_group.status_code == 422
    other = await client.post(
        CAMPAIGNS,
        json=campaign_body(leader_group_id=world.group_n["id"]),
        headers=world.leader_s.headers,
    )
    assert other.status_code == 422
    moved = await client.patch(
        f"{CAMPAIGNS}/{mine['id']}",
        json={"leader_group_id": world.group_n["id"]},
        headers=if_match(world.leader_s, 1),
    )
    assert moved.status_code == 422
    assert await table_counts(connection) == before


async def test_campaign_summary_counts_only(client: httpx.AsyncClient, world: World) -> None:
    await created(
        client,
        world.pm_a,
        CAMPAIGNS,
        campaign_body(
            kind="rally",
            reached_women=10,
            reached_men=5,
            reached_youth=0,
            reached_children=0,
            held_on=days_ago(400),
        ),
    )
    response = await client.get(f"{CAMPAIGNS}/summary", headers=world.analyst_a.headers)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["campaigns"] == 2
    assert summary["reached_total"] == 275 + 15
    kinds = {k["kind"]: k for k in summary["by_kind"]}
    assert set(kinds) == {
        "awareness_meeting",
        "rally",
        "street_play",
        "school_session",
        "media_event",
    }
    assert kinds["street_play"]["reached_women"] == 120
    assert kinds["rally"]["campaigns"] == 1
    assert "title" not in response.text
    assert "Canning" not in response.text

    recent = await client.get(
        f"{CAMPAIGNS}/summary?held_from={days_ago(30)}", headers=world.analyst_a.headers
    )
    assert recent.json()["campaigns"] == 1
    backwards = await client.get(
        f"{CAMPAIGNS}/summary?held_from={days_ago(1)}&held_to={days_ago(5)}",
        headers=world.analyst_a.headers,
    )
    assert backwards.status_code == 422
    other_org = await client.get(f"{CAMPAIGNS}/summary", headers=world.pm_b.headers)
    assert other_org.json()["campaigns"] == 0
    north = await client.get(f"{CAMPAIGNS}/summary", headers=world.sw_north.headers)
    assert north.json()["campaigns"] == 0


@pytest.mark.parametrize(
    "change",
    [
        {"reached_women": -1},
        {"kind": "concert"},
        {"held_on": (today() + timedelta(days=5)).isoformat()},
        {"partner_organization_ids": [str(uuid.UUID(int=7))]},
        {"district_id": str(uuid.UUID(int=8))},
        {"title": ""},
        {"colour": "red"},
    ],
)
async def test_bad_campaigns_are_422_and_write_nothing(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, change: dict[str, Any]
) -> None:
    before = await table_counts(connection)
    response = await client.post(
        CAMPAIGNS, json=campaign_body(**change), headers=world.pm_a.headers
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await table_counts(connection) == before


async def test_campaign_updates_need_if_match(client: httpx.AsyncClient, world: World) -> None:
    url = f"{CAMPAIGNS}/{world.campaign_s['id']}"
    missing = await client.patch(url, json={"reached_men": 90}, headers=world.pm_a.headers)
    assert missing.status_code == 428
    stale = await client.patch(url, json={"reached_men": 90}, headers=if_match(world.pm_a, 7))
    assert stale.status_code == 412
    done = await client.patch(
        url,
        json={"reached_men": 90, "partner_organization_ids": [str(world.forum)]},
        headers=if_match(world.pm_a, 1),
    )
    assert done.status_code == 200, done.text
    assert done.headers["ETag"] == '"v2"'
    assert done.json()["reached_men"] == 90
    again = await client.patch(url, json={"reached_men": 95}, headers=if_match(world.pm_a, 1))
    assert again.status_code == 412
    read = await client.get(url, headers=world.leader_s.headers)
    assert read.headers["ETag"] == '"v2"'
    assert read.json()["partner_organization_ids"] == [str(world.forum)]


async def test_idempotent_creates(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    for url, body in (
        (CAMPAIGNS, campaign_body(leader_group_id=world.group_s["id"])),
        (ENGAGEMENTS, engagement_body(leader_group_id=world.group_s["id"])),
        (f"{GROUPS}/{world.group_s['id']}/meetings", {"held_on": days_ago(1)}),
    ):
        headers = {**world.leader_s.headers, "Idempotency-Key": str(uuid.uuid4())}
        before = await table_counts(connection)
        first = await client.post(url, json=body, headers=headers)
        second = await client.post(url, json=body, headers=headers)
        assert first.status_code == second.status_code == 201, first.text
        assert first.json()["id"] == second.json()["id"]
        after = await table_counts(connection)
        assert sum(after.values()) - sum(before.values()) == (3 if url == ENGAGEMENTS else 1)
        changed = await client.post(url, json={**body, "held_on": days_ago(2)}, headers=headers)
        assert changed.status_code == 422


async def test_a_client_chosen_id_is_kept_and_not_reused(
    client: httpx.AsyncClient, world: World
) -> None:
    chosen = str(uuid.uuid4())
    made = await created(client, world.pm_a, CAMPAIGNS, campaign_body(id=chosen))
    assert made["id"] == chosen
    again = await client.post(CAMPAIGNS, json=campaign_body(id=chosen), headers=world.pm_a.headers)
    assert again.status_code == 409


# -- duty bearers ---------------------------------------------------------------------------
async def test_commitments_are_followed_up_escalated_and_listed_when_overdue(
    client: httpx.AsyncClient, world: World
) -> None:
    engagement = world.engagement_s
    overdue_one, future_one = engagement["commitments"]
    assert overdue_one["overdue"] is True
    assert future_one["overdue"] is False

    listed = await client.get(OVERDUE, headers=world.leader_s.headers)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [i["id"] for i in items] == [overdue_one["id"]]
    assert items[0]["days_overdue"] == 30
    assert items[0]["duty_bearer"] == "police"
    assert items[0]["office"] == "Canning Police Station"
    for name in ("leader_n", "sw_north", "pm_b"):
        other = await client.get(OVERDUE, headers=world.actor(name).headers)
        assert other.json()["items"] == [], name

    url = f"{ENGAGEMENTS}/{engagement['id']}/commitments/{overdue_one['id']}"
    partly = await client.patch(
        url, json={"status": "partly_fulfilled"}, headers=if_match(world.leader_s, 1)
    )
    assert partly.status_code == 200, partly.text
    assert partly.json()["followed_up_on"] == today().isoformat()
    escalated = await client.patch(
        url,
        json={"escalated_to": "Superintendent of Police, Baruipur"},
        headers=if_match(world.leader_s, 2),
    )
    assert escalated.status_code == 200, escalated.text
    assert escalated.json()["escalated_on"] == today().isoformat()
    still = await client.get(f"{OVERDUE}?escalated=true", headers=world.pm_a.headers)
    assert [i["id"] for i in still.json()["items"]] == [overdue_one["id"]]
    not_yet = await client.get(f"{OVERDUE}?escalated=false", headers=world.pm_a.headers)
    assert not_yet.json()["items"] == []

    fulfilled = await client.patch(
        url, json={"status": "fulfilled"}, headers=if_match(world.sw_south, 3)
    )
    assert fulfilled.status_code == 200
    assert fulfilled.json()["overdue"] is False
    gone = await client.get(OVERDUE, headers=world.pm_a.headers)
    assert gone.json()["items"] == []
    pointless = await client.patch(
        url, json={"escalated_to": "District Magistrate"}, headers=if_match(world.pm_a, 4)
    )
    assert pointless.status_code == 409

    summary = await client.get(f"{ENGAGEMENTS}/summary", headers=world.analyst_a.headers)
    assert summary.status_code == 200
    assert summary.json() == {
        "by_duty_bearer": [
            {
                "duty_bearer": "police",
                "open": 1,
                "fulfilled": 1,
                "partly_fulfilled": 0,
                "not_fulfilled": 0,
                "total": 2,
            }
        ],
        "total": 2,
        "overdue": 0,
    }


async def test_commitment_rules(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    engagement = world.engagement_s
    before = await table_counts(connection)
    early = await client.post(
        f"{ENGAGEMENTS}/{engagement['id']}/commitments",
        json={"commitment": "Visit", "committed_by": "BDO", "due_on": days_ago(90)},
        headers=world.pm_a.headers,
    )
    assert early.status_code == 422
    bad = await client.post(
        ENGAGEMENTS,
        json=engagement_body(
            commitments=[{"commitment": "x", "committed_by": "y", "due_on": days_ago(61)}]
        ),
        headers=world.pm_a.headers,
    )
    assert bad.status_code == 422
    unknown = await client.post(
        ENGAGEMENTS, json=engagement_body(duty_bearer="king"), headers=world.pm_a.headers
    )
    assert unknown.status_code == 422
    assert await table_counts(connection) == before

    added = await created(
        client,
        world.leader_s,
        f"{ENGAGEMENTS}/{engagement['id']}/commitments",
        {"commitment": "Hold a camp for ration cards", "committed_by": "BDO"},
    )
    assert added["status"] == "open"
    assert added["overdue"] is False
    read = await client.get(f"{ENGAGEMENTS}/{engagement['id']}", headers=world.pm_a.headers)
    assert len(read.json()["commitments"]) == 3

    url = f"{ENGAGEMENTS}/{engagement['id']}/commitments/{added['id']}"
    no_if_match = await client.patch(url, json={"status": "fulfilled"}, headers=world.pm_a.headers)
    assert no_if_match.status_code == 428
    odd = await client.patch(
        url, json={"followed_up_on": days_ago(1)}, headers=if_match(world.pm_a, 1)
    )
    assert odd.status_code == 422  # followed_up_on goes with a status


async def test_engagement_updates_need_if_match_and_stay_in_scope(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"{ENGAGEMENTS}/{world.engagement_s['id']}"
    stale = await client.patch(url, json={"office": "Basanti PS"}, headers=if_match(world.pm_a, 3))
    assert stale.status_code == 412
    moved = await client.patch(
        url, json={"district_id": str(NORTH_24)}, headers=if_match(world.sw_south, 1)
    )
    assert moved.status_code == 422  # out of her districts
    later = await client.patch(url, json={"held_on": days_ago(10)}, headers=if_match(world.pm_a, 1))
    assert later.status_code == 422  # a commitment would fall due before the meeting
    done = await client.patch(url, json={"office": "Basanti PS"}, headers=if_match(world.pm_a, 1))
    assert done.status_code == 200
    assert done.headers["ETag"] == '"v2"'


# -- groups ---------------------------------------------------------------------------------
async def test_group_update_and_forum_link(client: httpx.AsyncClient, world: World) -> None:
    url = f"{GROUPS}/{world.group_s['id']}"
    read = await client.get(url, headers=world.leader_s.headers)
    assert read.json()["forum_organization_id"] == str(world.forum)
    assert read.json()["current_members"] == 1
    no_forum = await client.patch(
        url, json={"forum_organization_id": str(uuid.uuid4())}, headers=if_match(world.pm_a, 1)
    )
    assert no_forum.status_code == 422
    future = await client.patch(
        url,
        json={"formed_on": (today() + timedelta(days=3)).isoformat()},
        headers=if_match(world.pm_a, 1),
    )
    assert future.status_code == 422
    cleared = await client.patch(
        url, json={"forum_organization_id": None}, headers=if_match(world.pm_a, 1)
    )
    assert cleared.status_code == 200
    assert cleared.json()["forum_organization_id"] is None
    null_name = await client.patch(url, json={"name": None}, headers=if_match(world.pm_a, 2))
    assert null_name.status_code == 422


async def test_group_summary(client: httpx.AsyncClient, world: World) -> None:
    response = await client.get(f"{GROUPS}/summary", headers=world.analyst_a.headers)
    assert response.status_code == 200
    assert response.json() == {"groups": 2, "current_members": 2}
    south = await client.get(f"{GROUPS}/summary", headers=world.sw_south.headers)
    assert south.json() == {"groups": 1, "current_members": 1}


async def test_foreign_records_answer_404_to_writes_too(
    client: httpx.AsyncClient, world: World
) -> None:
    commitment = world.engagement_s["commitments"][0]
    for url, body in (
        (f"{GROUPS}/{world.group_s['id']}", {"name": "Taken"}),
        (f"{GROUPS}/{world.group_s['id']}/members/{world.member_s['id']}", {"role": "member"}),
        (f"{CAMPAIGNS}/{world.campaign_s['id']}", {"reached_men": 1}),
        (f"{ENGAGEMENTS}/{world.engagement_s['id']}", {"office": "Elsewhere"}),
        (
            f"{ENGAGEMENTS}/{world.engagement_s['id']}/commitments/{commitment['id']}",
            {"status": "fulfilled"},
        ),
    ):
        response = await client.patch(url, json=body, headers=if_match(world.pm_b, 1))
        assert response.status_code == 404, url
        assert "Canning" not in response.text
    for url in (
        f"{GROUPS}/{world.group_s['id']}/members/{world.member_s['id']}",
        f"{GROUPS}/{world.group_s['id']}/meetings/{uuid.uuid4()}",
        f"{CAMPAIGNS}/{uuid.uuid4()}",
    ):
        response = await client.get(url, headers=world.pm_b.headers)
        assert response.status_code == 404, url
