"""The demands and issues register: raising, working, escalating and disposing demands; who
may see and do what; what stays hidden (linked cases, sealed words); the ageing report and
the escalations due."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from domain.common.principal import Principal, PrincipalKind, Role
from domain.common.settings import Settings
from domain.demands import rules
from domain.demands.policies import ageing_scope, demand_scope, register_scope
from domain.demands.rules import ServiceLevels
from persistence.clock import FixedClock, using
from persistence.clock import today as business_today
from persistence.crypto import Place
from persistence.database import Database
from persistence.models.case_vocabulary import ReferralStatus, ServiceKind, Urgency
from persistence.models.demand_vocabulary import DemandPriority, DemandStatus, EscalationLevel
from persistence.models.referral import Referral
from tests import helpers
from tests.factories import NORTH_24, SOUTH_24, Actor, Factory
from tests.helpers import if_match
from tests.worlds import ADMIN, BaseWorld, Client, Org, person

API = "/api/v1"
DEMANDS = f"{API}/demands"
GROUPS = f"{API}/leader-groups"
TABLES = ("demand", "demand_link", "demand_event", "demand_comment")
SECRET = "Rupa was turned away at the school gate twice"


table_counts = partial(helpers.table_counts, tables=TABLES)


def demand_body(**extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "School refuses readmission after return",
        "description": SECRET,
        "category": "education",
        "priority": "high",
        "district_id": str(SOUTH_24),
        "gram_panchayat": "Jharkhali",
    }
    body.update(extra)
    return body


async def created(
    client: httpx.AsyncClient, actor: Actor, url: str, body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(url, json=body, headers=actor.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


class World(BaseWorld):
    """Organisation A (the register): a program manager, social workers of South and North 24
    Parganas, a survivor leader of a South group, an analyst, an auditor; a case of South
    assigned to ``sw_south``; organisation B, a partner A refers to (its partner staff and
    program manager); organisation C, another programme; the platform admin; clients."""

    organizations = {"org_a": Org(), "org_b": Org(), "org_c": Org()}
    people = {
        "pm_a": person("org_a", Role.program_manager),
        "sw_south": person("org_a", Role.social_worker, SOUTH_24),
        "sw_north": person("org_a", Role.social_worker, NORTH_24),
        "leader_s": person("org_a", Role.survivor_leader),
        "leader_n": person("org_a", Role.survivor_leader),
        "analyst_a": person("org_a", Role.analyst),
        "auditor_a": person("org_a", Role.auditor),
        "partner_b": person("org_b", Role.partner_staff),
        "pm_b": person("org_b", Role.program_manager),
        "pm_c": person("org_c", Role.program_manager),
        "sw_c": person("org_c", Role.social_worker, SOUTH_24),
        "admin": ADMIN,
    }
    clients = {
        "client_a": Client(
            "org_a",
            Role.program_manager,
            ("demands:read", "demands:raise", "demands:comment", "demands:ageing"),
        ),
        "client_unscoped": Client("org_a", Role.program_manager),
    }

    async def build(self, client: httpx.AsyncClient) -> World:  # type: ignore[override]
        await super().build()
        self.survivor = await self.cases.survivor(self.org_a, created_by=self.sw_south.id)
        self.case = await self.cases.case(
            self.org_a, self.survivor, assigned_worker_id=self.sw_south.id
        )
        self.group_s = await created(
            client,
            self.pm_a,
            GROUPS,
            {"name": "Canning Collective", "district_id": str(SOUTH_24), "formed_on": "2024-03-08"},
        )
        await created(
            client,
            self.pm_a,
            f"{GROUPS}/{self.group_s['id']}/members",
            {"user_id": str(self.leader_s.id), "joined_on": "2024-03-08"},
        )
        self.group_n = await created(
            client,
            self.pm_a,
            GROUPS,
            {"name": "Barasat Collective", "district_id": str(NORTH_24), "formed_on": "2025-01-10"},
        )
        await created(
            client,
            self.pm_a,
            f"{GROUPS}/{self.group_n['id']}/members",
            {"user_id": str(self.leader_n.id), "joined_on": "2025-01-10"},
        )
        self.referral = await self.referral_to(self.org_b)
        # The register's demand about the case, raised by the case's social worker.
        self.demand = await created(
            client,
            self.sw_south,
            DEMANDS,
            demand_body(links=[{"kind": "case", "id": str(self.case)}]),
        )
        return self

    async def referral_to(self, receiver: UUID) -> UUID:
        """A referral of the world's case from A to ``receiver`` (written straight to the
        table: the referral's own rules are tests/test_referrals.py's)."""
        referral = Referral(
            organization_id=self.org_a,
            district_id=SOUTH_24,
            case_id=self.case,
            survivor_id=self.survivor,
            receiving_organization_id=receiver,
            service_kind=ServiceKind.counselling,
            urgency=Urgency.routine,
            reason_enc=b"",
            shared_enc=b"",
            status=ReferralStatus.sent,
        )
        async with self.factory.uow() as uow:
            referral.reason_enc = (
                uow.cipher.seal_text("reason", Place("referral", "reason_enc", referral.id)) or b""
            )
            referral.shared_enc = uow.cipher.seal_json(
                {}, Place("referral", "shared_enc", referral.id)
            )
            uow.session.add(referral)
        return referral.id


@pytest.fixture
async def world(client: httpx.AsyncClient, factory: Factory) -> World:
    return await World(factory).build(client)


def _today() -> date:
    return business_today()


# -- pure rules -----------------------------------------------------------------------------
def test_the_status_machine() -> None:
    S = DemandStatus
    assert rules.move_problem(S.open, S.acknowledged) is None
    assert rules.move_problem(S.acknowledged, S.in_progress) is None
    assert rules.move_problem(S.in_progress, S.disposed) is None
    assert rules.move_problem(S.disposed, S.open) is None  # reopened
    assert rules.move_problem(S.open, S.disposed) is not None  # acknowledge it first
    assert rules.move_problem(S.disposed, S.withdrawn) is not None
    for to in S:
        assert (
            rules.move_problem(S.withdrawn, to)
            == "The demand is withdrawn: it is kept as it ended."
        )
    for status in (S.open, S.acknowledged, S.in_progress):
        assert rules.move_problem(status, S.withdrawn) is None


def test_service_levels_overdue_and_escalation_levels() -> None:
    levels = ServiceLevels(urgent=3, high=10, medium=20, low=40)
    start = date(2026, 11, 1)
    assert levels.due(start, DemandPriority.urgent) == date(2026, 11, 4)
    assert levels.due(start, DemandPriority.low) == date(2026, 12, 11)
    due = date(2026, 11, 11)
    for status in DemandStatus:
        unsettled = status in (
            DemandStatus.open,
            DemandStatus.acknowledged,
            DemandStatus.in_progress,
        )
        assert rules.is_overdue(status, due, date(2026, 11, 12)) is unsettled
        assert rules.is_overdue(status, due, due) is False  # due today: not yet overdue
    assert rules.next_level(None) is EscalationLevel.block
    assert rules.next_level(EscalationLevel.block) is EscalationLevel.district
    assert rules.next_level(EscalationLevel.state) is EscalationLevel.national
    assert rules.next_level(EscalationLevel.national) is None
    assert rules.is_higher(EscalationLevel.state, EscalationLevel.block)
    assert not rules.is_higher(EscalationLevel.block, EscalationLevel.district)
    assert [rules.band_of(days) for days in (0, 7, 8, 30, 31, 90, 91, 400)] == [
        "0-7",
        "0-7",
        "8-30",
        "8-30",
        "31-90",
        "31-90",
        "over-90",
        "over-90",
    ]


def test_scopes_by_role() -> None:
    org, user, district = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def person(role: Role, kind: PrincipalKind = PrincipalKind.user) -> Principal:
        return Principal(kind, user, org, role, district_ids=frozenset({district}))

    manager = demand_scope(person(Role.program_manager))
    assert (manager.organization_id, manager.district_ids) == (org, None)
    assert manager.raised_by_organization_id == org
    worker = demand_scope(person(Role.social_worker))
    assert (worker.district_ids, worker.user_id) == (frozenset({district}), user)
    assert demand_scope(person(Role.survivor_leader)).leader_user_id == user
    partner = demand_scope(person(Role.partner_staff))
    assert (partner.organization_id, partner.raised_by_organization_id) == (None, org)
    for role in (Role.analyst, Role.auditor, Role.platform_admin):
        assert demand_scope(person(role)).is_empty, role
    assert ageing_scope(person(Role.analyst)).organization_id == org
    assert ageing_scope(person(Role.program_manager)).raised_by_organization_id is None
    assert register_scope(person(Role.program_manager)).raised_by_organization_id is None
    assert register_scope(person(Role.partner_staff)).is_empty


# -- raising, reading, the history ------------------------------------------------------------
async def test_a_demand_is_raised_with_its_due_date_links_and_history(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    demand = world.demand
    raised = date.fromisoformat(demand["raised_on"])
    assert demand["status"] == "open"
    assert demand["organization_id"] == demand["raised_by_organization_id"] == str(world.org_a)
    assert date.fromisoformat(demand["due_on"]) == raised + timedelta(days=15)  # high
    assert demand["next_escalation_on"] == demand["due_on"]
    assert demand["overdue"] is False
    assert demand["description"] == SECRET
    assert demand["links"] == [{"kind": "case", "id": str(world.case)}]
    assert [step["kind"] for step in demand["history"]] == ["raised"]
    assert demand["history"][0]["detail"]["due_on"] == demand["due_on"]
    # The words are sealed at rest.
    stored = await connection.scalar(
        sa.text("SELECT description_enc FROM demand WHERE id = :id"), {"id": demand["id"]}
    )
    assert SECRET.encode() not in bytes(stored)
    read = await client.get(f"{DEMANDS}/{demand['id']}", headers=world.pm_a.headers)
    assert read.status_code == 200
    assert read.headers["ETag"] == '"v1"'
    assert read.json()["history"][0]["actor_id"] == str(world.sw_south.id)
    # The medium priority default and another service level (settings).
    other = await created(
        client, world.pm_a, DEMANDS, demand_body(priority="low", category="service_gap")
    )
    assert date.fromisoformat(other["due_on"]) == raised + timedelta(days=60)


async def test_a_case_link_is_shown_only_to_those_who_see_the_case(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"{DEMANDS}/{world.demand['id']}"
    # The program manager sees the case; the North worker who owns the demand does not.
    owned = await client.patch(
        url, json={"owner_id": str(world.sw_north.id)}, headers=if_match(world.pm_a, 1)
    )
    assert owned.status_code == 200, owned.text
    assert owned.json()["links"] == [{"kind": "case", "id": str(world.case)}]
    as_owner = await client.get(url, headers=world.sw_north.headers)
    assert as_owner.status_code == 200
    assert as_owner.json()["links"] == []
    assert str(world.case) not in as_owner.text
    listed = await client.get(DEMANDS, headers=world.sw_north.headers)
    assert str(world.case) not in listed.text
    # She cannot link the case herself, and replacing the links keeps the one she cannot see.
    refused = await client.patch(
        url,
        json={"links": [{"kind": "case", "id": str(world.case)}]},
        headers=if_match(world.sw_north, 2),
    )
    assert refused.status_code == 422
    scheme_free = await client.patch(
        url,
        json={"links": [], "title": "School refuses readmission"},
        headers=if_match(world.sw_north, 2),
    )
    assert scheme_free.status_code == 200, scheme_free.text
    kept = await client.get(url, headers=world.pm_a.headers)
    assert kept.json()["links"] == [{"kind": "case", "id": str(world.case)}]
    # The list by case: only for those who see the case (404 for the others).
    by_case = await client.get(
        DEMANDS, params={"case_id": str(world.case)}, headers=world.pm_a.headers
    )
    assert [d["id"] for d in by_case.json()["items"]] == [world.demand["id"]]
    hidden = await client.get(
        DEMANDS, params={"case_id": str(world.case)}, headers=world.sw_north.headers
    )
    assert hidden.status_code == 404


async def test_the_demand_moves_on_and_is_disposed_with_a_resolution(
    client: httpx.AsyncClient, world: World
) -> None:
    url = f"{DEMANDS}/{world.demand['id']}/transitions"
    worker = world.sw_south
    skipped = await client.post(
        url, json={"to": "disposed", "resolution": "resolved"}, headers=if_match(worker, 1)
    )
    assert skipped.status_code == 409
    without = await client.post(url, json={"to": "acknowledged"}, headers=worker.headers)
    assert without.status_code == 428
    step = await client.post(url, json={"to": "acknowledged"}, headers=if_match(worker, 1))
    assert step.status_code == 200, step.text
    assert step.headers["ETag"] == '"v2"'
    stale = await client.post(url, json={"to": "in_progress"}, headers=if_match(worker, 1))
    assert stale.status_code == 412
    await client.post(url, json={"to": "in_progress"}, headers=if_match(worker, 2))
    no_resolution = await client.post(url, json={"to": "disposed"}, headers=if_match(worker, 3))
    assert no_resolution.status_code == 422
    stray = await client.post(
        url, json={"to": "in_progress", "resolution": "resolved"}, headers=if_match(worker, 3)
    )
    assert stray.status_code == 422
    disposed = await client.post(
        url,
        json={"to": "disposed", "resolution": "partly_resolved", "note": "Readmitted to class 8."},
        headers=if_match(worker, 3),
    )
    assert disposed.status_code == 200, disposed.text
    body = disposed.json()
    assert (body["status"], body["resolution"]) == ("disposed", "partly_resolved")
    assert body["disposed_on"] == body["raised_on"]
    last = body["history"][-1]
    assert (last["kind"], last["from_status"], last["to_status"]) == (
        "status",
        "in_progress",
        "disposed",
    )
    assert last["detail"] == {"resolution": "partly_resolved", "within_due_date": True}
    assert last["note"] == "Readmitted to class 8."
    # Settled: no changes, no escalation.
    patched = await client.patch(
        f"{DEMANDS}/{world.demand['id']}", json={"priority": "low"}, headers=if_match(worker, 4)
    )
    assert patched.status_code == 409
    escalated = await client.post(
        f"{DEMANDS}/{world.demand['id']}/escalations",
        json={"to": "block"},
        headers=if_match(worker, 4),
    )
    assert escalated.status_code == 409
    # Reopened with a reason: due again a service period from today, resolution cleared.
    no_reason = await client.post(url, json={"to": "open"}, headers=if_match(worker, 4))
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["loc"][-1] == "note"
    reopened = await client.post(
        url, json={"to": "open", "note": "Sent home again in a week."}, headers=if_match(worker, 4)
    )
    assert reopened.status_code == 200, reopened.text
    again = reopened.json()
    assert (again["status"], again["resolution"], again["disposed_on"]) == ("open", None, None)
    assert again["history"][-1]["kind"] == "reopened"
    assert again["history"][-1]["note"] == "Sent home again in a week."
    withdrawn = await client.post(url, json={"to": "withdrawn"}, headers=if_match(worker, 5))
    assert withdrawn.status_code == 422
    done = await client.post(
        url, json={"to": "withdrawn", "note": "She moved to Kolkata."}, headers=if_match(worker, 5)
    )
    assert done.json()["status"] == "withdrawn"
    final = await client.post(
        url, json={"to": "open", "note": "Back again."}, headers=if_match(worker, 6)
    )
    assert final.status_code == 409
    assert [s["kind"] for s in done.json()["history"]] == [
        "raised",
        "status",
        "status",
        "status",
        "reopened",
        "status",
    ]


async def test_changes_of_priority_owner_and_place_are_kept_in_the_history(
    client: httpx.AsyncClient, world: World, factory: Factory
) -> None:
    url = f"{DEMANDS}/{world.demand['id']}"
    due = date.fromisoformat(world.demand["due_on"])
    changed = await client.patch(
        url,
        json={"priority": "urgent", "owner_id": str(world.pm_a.id), "gram_panchayat": "Gosaba"},
        headers=if_match(world.pm_a, 1),
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert date.fromisoformat(body["due_on"]) == due - timedelta(days=15 - 7)
    assert body["owner_id"] == str(world.pm_a.id)
    updated, owner = body["history"][-2:]
    assert updated["kind"] == "updated"
    assert updated["detail"]["fields"] == ["gram_panchayat", "priority"]
    assert updated["detail"]["priority"] == "urgent"
    assert owner == {**owner, "kind": "owner", "detail": {"owner_id": str(world.pm_a.id)}}
    # The list by gram panchayat (any letter case).
    gosaba = await client.get(
        DEMANDS, params={"gram_panchayat": "GOSABA"}, headers=world.pm_a.headers
    )
    assert [d["id"] for d in gosaba.json()["items"]] == [world.demand["id"]]
    jharkhali = await client.get(
        DEMANDS, params={"gram_panchayat": "Jharkhali"}, headers=world.pm_a.headers
    )
    assert jharkhali.json()["items"] == []
    # An owner is staff of the register; a block is one of the district.
    for wrong in (
        {"owner_id": str(world.leader_s.id)},
        {"owner_id": str(world.pm_c.id)},
        {"owner_id": str(uuid.uuid4())},
        {"district_id": str(uuid.uuid4())},
        {"block_id": str(uuid.uuid4())},
    ):
        response = await client.patch(url, json=wrong, headers=if_match(world.pm_a, 2))
        assert response.status_code == 422, wrong
    # No owner again.
    cleared = await client.patch(url, json={"owner_id": None}, headers=if_match(world.pm_a, 2))
    assert cleared.json()["owner_id"] is None
    assert cleared.json()["history"][-1]["detail"] == {"owner_id": None}


async def test_comments_thread(client: httpx.AsyncClient, world: World) -> None:
    url = f"{DEMANDS}/{world.demand['id']}/comments"
    first = await created(client, world.sw_south, url, {"body": "Met the headmistress today."})
    await created(client, world.pm_a, url, {"body": "I will write to the inspector of schools."})
    assert first["author_id"] == str(world.sw_south.id)
    page = await client.get(url, params={"limit": 1}, headers=world.pm_a.headers)
    assert page.status_code == 200
    assert [c["body"] for c in page.json()["items"]] == ["Met the headmistress today."]
    rest = await client.get(
        url, params={"cursor": page.json()["next_cursor"]}, headers=world.pm_a.headers
    )
    assert [c["body"] for c in rest.json()["items"]] == [
        "I will write to the inspector of schools."
    ]
    # Nobody outside the demand's scope reads or writes the thread.
    for actor in (world.pm_c, world.sw_north, world.leader_s):
        assert (await client.get(url, headers=actor.headers)).status_code == 404
        response = await client.post(url, json={"body": "x"}, headers=actor.headers)
        assert response.status_code == 404
    # An integration client reads the thread without its words.
    machine = await client.get(url, headers=world.client_a.headers)
    assert machine.status_code == 200
    assert [c["body"] for c in machine.json()["items"]] == [None, None]


# -- who raises -------------------------------------------------------------------------------
async def test_a_survivor_leader_raises_for_her_own_groups_only(
    client: httpx.AsyncClient, world: World
) -> None:
    body = demand_body(
        title="Panchayat to hear the collective at the gram sabha",
        category="safety",
        links=[{"kind": "leader_group", "id": world.group_s["id"]}],
    )
    raised = await created(client, world.leader_s, DEMANDS, body)
    assert raised["organization_id"] == str(world.org_a)
    # Not for another's group, not without a group, no case, no owner.
    for wrong in (
        {**body, "links": [{"kind": "leader_group", "id": world.group_n["id"]}]},
        {**body, "links": []},
        {**body, "links": [*body["links"], {"kind": "case", "id": str(world.case)}]},
        {**body, "owner_id": str(world.pm_a.id)},
    ):
        response = await client.post(DEMANDS, json=wrong, headers=world.leader_s.headers)
        assert response.status_code == 422, wrong
    # She sees her group's demands only, comments and withdraws her own; working them is staff's.
    mine = await client.get(DEMANDS, headers=world.leader_s.headers)
    assert [d["id"] for d in mine.json()["items"]] == [raised["id"]]
    other = await client.get(DEMANDS, headers=world.leader_n.headers)
    assert other.json()["items"] == []
    url = f"{DEMANDS}/{raised['id']}"
    assert (await client.get(url, headers=world.leader_n.headers)).status_code == 404
    moved = await client.post(
        f"{url}/transitions", json={"to": "acknowledged"}, headers=if_match(world.leader_s, 1)
    )
    assert moved.status_code == 403
    patched = await client.patch(url, json={"priority": "low"}, headers=if_match(world.leader_s, 1))
    assert patched.status_code == 403
    withdrawn = await client.post(
        f"{url}/transitions",
        json={"to": "withdrawn", "note": "The panchayat heard us."},
        headers=if_match(world.leader_s, 1),
    )
    assert withdrawn.status_code == 200, withdrawn.text
    # The demand raised about the case is not hers to withdraw, nor to see.
    theirs = await client.post(
        f"{DEMANDS}/{world.demand['id']}/transitions",
        json={"to": "withdrawn", "note": "not mine"},
        headers=if_match(world.leader_s, 1),
    )
    assert theirs.status_code == 404


async def test_partner_staff_raise_complaints_about_referrals_to_them(
    client: httpx.AsyncClient, world: World
) -> None:
    body = demand_body(
        title="Referrals arrive without the consent form",
        category="partner",
        links=[{"kind": "referral", "id": str(world.referral)}],
    )
    raised = await created(client, world.partner_b, DEMANDS, body)
    # It goes to the register of the organisation that referred.
    assert raised["organization_id"] == str(world.org_a)
    assert raised["raised_by_organization_id"] == str(world.org_b)
    assert raised["links"] == [{"kind": "referral", "id": str(world.referral)}]
    # Without a referral to her organisation, or about another's: refused.
    to_c = await world.referral_to(world.org_c)
    for links in (
        [],
        [{"kind": "referral", "id": str(to_c)}],
        [{"kind": "case", "id": str(world.case)}],
    ):
        response = await client.post(
            DEMANDS, json={**body, "links": links}, headers=world.partner_b.headers
        )
        assert response.status_code == 422, links
    # A's program manager and South worker see it (with the referral, from their side);
    # B's program manager sees what B raised; C sees nothing.
    for actor in (world.pm_a, world.sw_south, world.pm_b, world.partner_b):
        read = await client.get(f"{DEMANDS}/{raised['id']}", headers=actor.headers)
        assert read.status_code == 200, actor.role
    assert (
        await client.get(f"{DEMANDS}/{raised['id']}", headers=world.pm_c.headers)
    ).status_code == 404
    listed = await client.get(DEMANDS, headers=world.partner_b.headers)
    assert [d["id"] for d in listed.json()["items"]] == [raised["id"]]
    # B's own register's counts and duties do not hold what B raised in A's; A's do.
    b_ageing = await client.get(f"{DEMANDS}/ageing", headers=world.pm_b.headers)
    assert b_ageing.json()["total"] == 0
    a_ageing = await client.get(f"{DEMANDS}/ageing", headers=world.pm_a.headers)
    assert a_ageing.json()["total"] == 2
    # A works it; B may only withdraw it.
    url = f"{DEMANDS}/{raised['id']}/transitions"
    refused = await client.post(
        url, json={"to": "acknowledged"}, headers=if_match(world.partner_b, 1)
    )
    assert refused.status_code == 403
    ok = await client.post(url, json={"to": "acknowledged"}, headers=if_match(world.pm_a, 1))
    assert ok.status_code == 200
    withdrawn = await client.post(
        url, json={"to": "withdrawn", "note": "Forms now arrive."}, headers=if_match(world.pm_b, 2)
    )
    assert withdrawn.status_code == 200, withdrawn.text


# -- the authorisation matrix -------------------------------------------------------------------
EVERYONE = (
    "pm_a",
    "sw_south",
    "sw_north",
    "leader_s",
    "analyst_a",
    "auditor_a",
    "partner_b",
    "pm_b",
    "pm_c",
    "sw_c",
    "admin",
    "client_a",
    "client_unscoped",
)
# (read the demand, list holds it, comment, move it on, escalate, escalations due, ageing,
# raise one in the register)
MATRIX: dict[str, tuple[int, bool, int, int, int, int, int, int]] = {
    "pm_a": (200, True, 201, 200, 200, 200, 200, 201),
    "sw_south": (200, True, 201, 200, 200, 200, 200, 201),
    "sw_north": (404, False, 404, 404, 404, 200, 200, 201),
    "leader_s": (404, False, 404, 404, 403, 403, 403, 422),  # names no group of hers
    "analyst_a": (403, False, 403, 403, 403, 403, 200, 403),
    "auditor_a": (403, False, 403, 403, 403, 403, 403, 403),
    "partner_b": (404, False, 404, 404, 403, 403, 403, 422),  # names no referral
    "pm_b": (404, False, 404, 404, 404, 200, 200, 201),
    "pm_c": (404, False, 404, 404, 404, 200, 200, 201),
    "sw_c": (404, False, 404, 404, 404, 200, 200, 201),
    "admin": (403, False, 403, 403, 403, 403, 403, 403),
    "client_a": (200, True, 201, 403, 403, 403, 200, 201),
    "client_unscoped": (403, False, 403, 403, 403, 403, 403, 403),
}


@pytest.mark.parametrize("who", EVERYONE)
async def test_matrix(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection, who: str
) -> None:
    assert set(MATRIX) == set(EVERYONE)
    read, listed, comment, move, escalate, due, ageing, raise_ = MATRIX[who]
    actor = world.actor(who)
    url = f"{DEMANDS}/{world.demand['id']}"
    before = await table_counts(connection)
    calls = {
        "read": (await client.get(url, headers=actor.headers), read),
        "comment": (
            await client.post(f"{url}/comments", json={"body": "Noted."}, headers=actor.headers),
            comment,
        ),
        "move": (
            await client.post(
                f"{url}/transitions", json={"to": "acknowledged"}, headers=if_match(actor, 1)
            ),
            move,
        ),
        "escalate": (
            await client.post(
                f"{url}/escalations",
                json={"to": "block"},
                headers=if_match(actor, 2 if move == 200 else 1),
            ),
            escalate,
        ),
        "due": (await client.get(f"{DEMANDS}/escalations-due", headers=actor.headers), due),
        "ageing": (await client.get(f"{DEMANDS}/ageing", headers=actor.headers), ageing),
        "raise": (
            await client.post(DEMANDS, json=demand_body(), headers=actor.headers),
            raise_,
        ),
    }
    wrong = {
        name: response.status_code
        for name, (response, expected) in calls.items()
        if response.status_code != expected
    }
    assert wrong == {}, who
    listing = await client.get(DEMANDS, headers=actor.headers)
    if read == 403:
        assert listing.status_code == 403
    else:
        assert listing.status_code == 200
        assert (world.demand["id"] in {d["id"] for d in listing.json()["items"]}) is listed
    for name, (response, expected) in calls.items():
        if expected >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert SECRET not in response.text, (who, name)
            assert world.demand["id"] not in str(
                {k: v for k, v in response.json().items() if k != "instance"}
            )
    if raise_ >= 400 and comment >= 400 and move >= 400:
        assert await table_counts(connection) == before, who
    # An integration client never receives the words.
    if who == "client_a":
        assert calls["read"][0].json()["description"] is None
        assert SECRET not in calls["read"][0].text


# -- lists, the overdue, escalations due and ageing -------------------------------------------
@pytest.fixture
def clock() -> Iterator[FixedClock]:
    fixed = FixedClock(datetime(2026, 10, 1, 6, 0, tzinfo=UTC))
    with using(fixed):
        yield fixed


async def test_overdue_demands_are_listed_and_escalated_with_the_next_level_suggested(
    client: httpx.AsyncClient, world: World, clock: FixedClock
) -> None:
    # Raised on 1 October: urgent (due 8 Oct), high (16 Oct), low (30 Nov).
    urgent = await created(
        client, world.pm_a, DEMANDS, demand_body(priority="urgent", category="safety")
    )
    clock.advance(timedelta(minutes=5))
    high = await created(
        client, world.pm_a, DEMANDS, demand_body(priority="high", district_id=str(NORTH_24))
    )
    clock.advance(timedelta(minutes=5))
    low = await created(
        client, world.pm_a, DEMANDS, demand_body(priority="low", category="livelihood")
    )
    assert (urgent["due_on"], high["due_on"], low["due_on"]) == (
        "2026-10-08",
        "2026-10-16",
        "2026-11-30",
    )
    clock.set(datetime(2026, 10, 20, 6, 0, tzinfo=UTC))

    async def ids(actor: Actor, url: str, **params: Any) -> list[str]:
        response = await client.get(url, params=params, headers=actor.headers)
        assert response.status_code == 200, response.text
        items = response.json()["items"]
        return [item.get("id") or item["demand"]["id"] for item in items]

    overdue = await ids(world.pm_a, DEMANDS, overdue="true")
    assert set(overdue) == {urgent["id"], high["id"]}
    assert set(await ids(world.pm_a, DEMANDS, overdue="false")) >= {low["id"]}
    assert await ids(world.pm_a, DEMANDS, category="safety") == [urgent["id"]]
    assert await ids(world.pm_a, DEMANDS, district_id=str(NORTH_24)) == [high["id"]]
    assert await ids(world.pm_a, DEMANDS, priority="low") == [low["id"]]
    due_page = await client.get(f"{DEMANDS}/escalations-due", headers=world.pm_a.headers)
    due = due_page.json()["items"]
    assert [d["demand"]["id"] for d in due] == [urgent["id"], high["id"]]  # oldest first
    assert [(d["days_overdue"], d["suggested_level"]) for d in due] == [(12, "block"), (4, "block")]
    # The North worker's duty list holds the North one only; the manager's narrows the same
    # way, and to an owner's; it is paged.
    assert await ids(world.sw_north, f"{DEMANDS}/escalations-due") == [high["id"]]
    north = await ids(world.pm_a, f"{DEMANDS}/escalations-due", district_id=str(NORTH_24))
    assert north == [high["id"]]
    owned = await client.patch(
        f"{DEMANDS}/{high['id']}",
        json={"owner_id": str(world.sw_north.id)},
        headers=if_match(world.pm_a, 1),
    )
    assert owned.status_code == 200
    mine = await ids(world.pm_a, f"{DEMANDS}/escalations-due", owner_id=str(world.sw_north.id))
    assert mine == [high["id"]]
    first = await client.get(
        f"{DEMANDS}/escalations-due",
        params={"limit": 1, "include_total": "true"},
        headers=world.pm_a.headers,
    )
    assert first.json()["total"] == 2
    assert [d["demand"]["id"] for d in first.json()["items"]] == [urgent["id"]]
    second = await client.get(
        f"{DEMANDS}/escalations-due",
        params={"limit": 1, "cursor": first.json()["next_cursor"]},
        headers=world.pm_a.headers,
    )
    assert second.status_code == 200, second.text
    assert [d["demand"]["id"] for d in second.json()["items"]] == [high["id"]]
    assert second.json()["next_cursor"] is None

    # Escalated to the block: off the list for a service period (urgent: 7 days).
    url = f"{DEMANDS}/{urgent['id']}/escalations"
    lower = await client.post(url, json={"to": "block"}, headers=if_match(world.pm_a, 1))
    assert lower.status_code == 200, lower.text
    escalated = lower.json()
    assert (escalated["escalation_level"], escalated["escalated_on"]) == ("block", "2026-10-20")
    assert escalated["next_escalation_on"] == "2026-10-27"
    assert escalated["overdue"] is True  # escalating does not settle it
    step = escalated["history"][-1]
    assert (step["kind"], step["from_level"], step["to_level"]) == ("escalated", None, "block")
    assert step["detail"] == {"overdue": True, "next_escalation_on": "2026-10-27"}
    same = await client.post(url, json={"to": "block"}, headers=if_match(world.pm_a, 2))
    assert same.status_code == 409
    assert await ids(world.pm_a, f"{DEMANDS}/escalations-due") == [high["id"]]
    clock.set(datetime(2026, 10, 28, 6, 0, tzinfo=UTC))
    due = (await client.get(f"{DEMANDS}/escalations-due", headers=world.pm_a.headers)).json()
    suggested = {d["demand"]["id"]: d["suggested_level"] for d in due["items"]}
    assert suggested == {urgent["id"]: "district", high["id"]: "block"}
    # Straight to national: nothing is above it, so it is not a duty any more.
    top = await client.post(url, json={"to": "national"}, headers=if_match(world.pm_a, 2))
    assert top.json()["history"][-1]["from_level"] == "block"
    clock.set(datetime(2026, 12, 28, 6, 0, tzinfo=UTC))
    assert urgent["id"] not in await ids(world.pm_a, f"{DEMANDS}/escalations-due")
    assert urgent["id"] in await ids(world.pm_a, DEMANDS, overdue="true")


async def test_ageing_counts_open_demands_by_category_and_age_band(
    client: httpx.AsyncClient, world: World, clock: FixedClock
) -> None:
    """Hand-counted, on 1 December: education raised 1 Oct (61 days: 31-90), 20 Nov (11:
    8-30) and 1 Dec in Kolkata (0: 0-7); safety 1 Oct (31-90); service gap 1 Aug in North 24
    Parganas (122: over 90); an education demand of 1 Jun disposed (not open: not counted);
    another register's (never counted); and the world's own, raised on the machine's day."""
    made: dict[str, dict[str, Any]] = {}
    for key, day, category in (
        ("oct_edu", datetime(2026, 10, 1, 6, tzinfo=UTC), "education"),
        ("oct_safety", datetime(2026, 10, 1, 6, tzinfo=UTC), "safety"),
        ("nov_edu", datetime(2026, 11, 20, 6, tzinfo=UTC), "education"),
        ("dec_edu", datetime(2026, 11, 30, 20, tzinfo=UTC), "education"),  # 1 Dec in Kolkata
        ("old_disposed", datetime(2026, 6, 1, 6, tzinfo=UTC), "education"),
        ("north", datetime(2026, 8, 1, 6, tzinfo=UTC), "service_gap"),
    ):
        clock.set(day)
        district = NORTH_24 if key == "north" else SOUTH_24
        made[key] = await created(
            client, world.pm_a, DEMANDS, demand_body(category=category, district_id=str(district))
        )
    clock.set(datetime(2026, 6, 2, 6, tzinfo=UTC))
    url = f"{DEMANDS}/{made['old_disposed']['id']}/transitions"
    await client.post(url, json={"to": "acknowledged"}, headers=if_match(world.pm_a, 1))
    await client.post(
        url, json={"to": "disposed", "resolution": "resolved"}, headers=if_match(world.pm_a, 2)
    )
    # Another register's demand is never counted.
    await created(client, world.pm_c, DEMANDS, demand_body())
    clock.set(datetime(2026, 12, 1, 6, tzinfo=UTC))
    response = await client.get(f"{DEMANDS}/ageing", headers=world.analyst_a.headers)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["as_of"] == "2026-12-01"
    assert report["bands"] == ["0-7", "8-30", "31-90", "over-90"]
    rows = {row["category"]: row for row in report["rows"]}
    world_age = (date(2026, 12, 1) - date.fromisoformat(world.demand["raised_on"])).days
    world_band = rules.band_of(world_age)
    expected_education = {"0-7": 1, "8-30": 1, "31-90": 1, "over-90": 0}
    expected_education[world_band] += 1  # the world's own demand, raised on the machine's day
    assert rows["education"]["bands"] == expected_education
    assert rows["safety"]["bands"] == {"0-7": 0, "8-30": 0, "31-90": 1, "over-90": 0}
    assert rows["service_gap"]["bands"] == {"0-7": 0, "8-30": 0, "31-90": 0, "over-90": 1}
    assert report["total"] == 6
    # The South worker counts her districts' only; a district filter narrows the manager's.
    south = (await client.get(f"{DEMANDS}/ageing", headers=world.sw_south.headers)).json()
    assert "service_gap" not in {row["category"] for row in south["rows"]}
    north = await client.get(
        f"{DEMANDS}/ageing", params={"district_id": str(NORTH_24)}, headers=world.pm_a.headers
    )
    assert north.json()["total"] == 1


async def test_idempotent_create_and_client_chosen_id(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    headers = {**world.pm_a.headers, "Idempotency-Key": "demand-key-1"}
    first = await client.post(DEMANDS, json=demand_body(), headers=headers)
    second = await client.post(DEMANDS, json=demand_body(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert first.headers["Location"] == f"/api/v1/demands/{first.json()['id']}"
    chosen = str(uuid.uuid4())
    made = await created(client, world.pm_a, DEMANDS, demand_body(id=chosen))
    assert made["id"] == chosen
    taken = await client.post(DEMANDS, json=demand_body(id=chosen), headers=world.pm_c.headers)
    assert taken.status_code == 409


async def test_bad_demands_are_422_and_write_nothing(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    before = await table_counts(connection)
    for wrong in (
        demand_body(category="gossip"),
        demand_body(title="x"),
        demand_body(title="x" * 201),
        demand_body(district_id=str(uuid.uuid4())),
        demand_body(links=[{"kind": "shg", "id": str(uuid.uuid4())}]),
        demand_body(links=[{"kind": "scheme", "id": str(uuid.uuid4())}] * 2),
        demand_body(links=[{"kind": "leader_group", "id": world.group_s["id"], "x": 1}]),
        demand_body(unknown="field"),
    ):
        response = await client.post(DEMANDS, json=wrong, headers=world.pm_a.headers)
        assert response.status_code == 422, wrong
    # Another organisation's group is not linkable.
    foreign = await client.post(
        DEMANDS,
        json=demand_body(links=[{"kind": "leader_group", "id": world.group_s["id"]}]),
        headers=world.pm_c.headers,
    )
    assert foreign.status_code == 422
    assert await table_counts(connection) == before


async def test_the_history_and_comments_are_append_only_for_the_app_role(
    world: World, connection: AsyncConnection
) -> None:
    for statement in (
        "DELETE FROM demand_event",
        "DELETE FROM demand_comment",
        "UPDATE demand_event SET kind = 'raised'",
        "UPDATE demand_comment SET author_id = NULL",
    ):
        async with connection.begin_nested() as savepoint:
            await connection.execute(sa.text("SET LOCAL ROLE shakti_app"))
            with pytest.raises(Exception, match="permission denied"):
                await connection.execute(sa.text(statement))
            await savepoint.rollback()
    # Only re-sealing the words is allowed (key rotation).
    async with connection.begin_nested() as savepoint:
        await connection.execute(sa.text("SET LOCAL ROLE shakti_app"))
        await connection.execute(sa.text("UPDATE demand_event SET note_enc = note_enc"))
        await connection.execute(sa.text("UPDATE demand_comment SET body_enc = body_enc"))
        await savepoint.rollback()


async def test_staff_link_the_register_s_records_and_each_link_is_checked(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    scheme = str(await connection.scalar(sa.text("SELECT id FROM scheme ORDER BY id LIMIT 1")))
    yesterday = (_today() - timedelta(days=1)).isoformat()
    engagement = await created(
        client,
        world.pm_a,
        f"{API}/duty-bearer-engagements",
        {
            "duty_bearer": "block_administration",
            "office": "Canning I Block Development Office",
            "held_on": yesterday,
            "issues_raised": "Ration cards pending for months.",
        },
    )
    action = await created(
        client,
        world.pm_a,
        f"{API}/advocacy-actions",
        {
            "level": "district",
            "body": "District Magistrate, South 24 Parganas",
            "kind": "meeting",
            "acted_on": yesterday,
            "ask": "A ration card camp in every block",
        },
    )
    links = [
        {"kind": "leader_group", "id": world.group_n["id"]},
        {"kind": "scheme", "id": scheme},
        {"kind": "duty_bearer_engagement", "id": engagement["id"]},
        {"kind": "advocacy_action", "id": action["id"]},
        {"kind": "referral", "id": str(world.referral)},
        {"kind": "case", "id": str(world.case)},
    ]
    made = await created(client, world.pm_a, DEMANDS, demand_body(links=links))
    assert sorted((link["kind"], link["id"]) for link in made["links"]) == sorted(
        (link["kind"], link["id"]) for link in links
    )
    # The North leader sees it through her group, without the case or the referral.
    as_leader = await client.get(f"{DEMANDS}/{made['id']}", headers=world.leader_n.headers)
    assert as_leader.status_code == 200
    assert {link["kind"] for link in as_leader.json()["links"]} == {
        "leader_group",
        "scheme",
        "duty_bearer_engagement",
        "advocacy_action",
    }
    # Another organisation's staff cannot link A's records, nor the referral from its side.
    for link in links:
        if link["kind"] == "scheme":
            continue
        response = await client.post(
            DEMANDS, json=demand_body(links=[link]), headers=world.pm_c.headers
        )
        assert response.status_code == 422, link
    # Replacing the links: the manager drops the group and the engagement; history says so.
    kept = [
        link for link in links if link["kind"] not in ("leader_group", "duty_bearer_engagement")
    ]
    relinked = await client.patch(
        f"{DEMANDS}/{made['id']}", json={"links": kept}, headers=if_match(world.pm_a, 1)
    )
    assert relinked.status_code == 200, relinked.text
    assert len(relinked.json()["links"]) == 4
    assert relinked.json()["history"][-1] == {
        **relinked.json()["history"][-1],
        "kind": "links",
        "detail": {"links": 4, "added": 0, "removed": 2},
    }
    assert (
        await client.get(f"{DEMANDS}/{made['id']}", headers=world.leader_n.headers)
    ).status_code == 404


def test_service_levels_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHAKTI_DEMAND_DUE_DAYS_HIGH", "4")
    monkeypatch.setenv("SHAKTI_DEMAND_DUE_DAYS_LOW", "90")
    levels = ServiceLevels.of(Settings())
    assert (levels.urgent, levels.high, levels.medium, levels.low) == (7, 4, 30, 90)
    monkeypatch.setenv("SHAKTI_DEMAND_DUE_DAYS_URGENT", "0")
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        Settings()


async def test_a_configured_service_level_sets_the_due_date(
    world: World, settings: Settings, database: Database
) -> None:
    configured = create_app(settings.model_copy(update={"demand_due_days_high": 3}), database)
    transport = httpx.ASGITransport(app=configured, client=("203.0.113.8", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        made = await created(other, world.pm_a, DEMANDS, demand_body(priority="high"))
        url = f"{DEMANDS}/{made['id']}"
        raised = date.fromisoformat(made["raised_on"])
        assert date.fromisoformat(made["due_on"]) == raised + timedelta(days=3)
        # A new priority follows its own level (medium: 30 days from the day raised).
        medium = await other.patch(
            url, json={"priority": "medium"}, headers=if_match(world.pm_a, 1)
        )
        assert date.fromisoformat(medium.json()["due_on"]) == raised + timedelta(days=30)


async def test_pages_of_demands_walk_every_demand_once(
    client: httpx.AsyncClient, world: World
) -> None:
    made = [world.demand["id"]]
    made += [(await created(client, world.pm_a, DEMANDS, demand_body()))["id"] for _ in range(4)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, "include_total": "true"}
        if cursor:
            params["cursor"] = cursor
        page = await client.get(DEMANDS, params=params, headers=world.pm_a.headers)
        assert page.status_code == 200, page.text
        assert page.json()["total"] == 5
        seen += [d["id"] for d in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
        assert 'rel="next"' in page.headers["Link"]
    assert seen == list(reversed(made))  # newest first
    tampered = await client.get(
        DEMANDS, params={"cursor": "bm90LWEtY3Vyc29y"}, headers=world.pm_a.headers
    )
    assert tampered.status_code == 400
