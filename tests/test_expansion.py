"""Expansion and policy engagement: partner onboarding through its stages (with history),
partners' figures (indicators of the catalogue, small figures suppressed; never a partner's
record), CBR readiness assessments, advocacy actions with frozen evidence (catalogue codes; and
evidence saved before the catalogue still read as it was), studies and media engagements
with a survivor's story linked only under her media/advocacy consent (checked when saved and
when read), and who may reach what."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from functools import partial
from typing import Any
from uuid import UUID

import httpx
import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from domain.common.principal import Role
from domain.evidence.suppression import CellId, TableCell, suppress
from domain.expansion.onboarding import move_problem, next_stages
from domain.expansion.readiness import scored
from domain.expansion.schemas import (
    AdvocacyCreate,
    AdvocacyUpdate,
    MediaCreate,
    MediaUpdate,
    OnboardingCreate,
    OnboardingUpdate,
    ReadinessCreate,
    ReadinessCriterion,
    StageMove,
    StudyCreate,
    StudyUpdate,
)
from persistence import clock
from persistence.models.advocacy_action import AdvocacyAction
from persistence.models.case_vocabulary import CaseStatus
from persistence.models.enums import OrganizationKind
from persistence.models.leadership_vocabulary import AdvocacyKind, AdvocacyLevel
from persistence.models.leadership_vocabulary import OnboardingStage as S
from tests import helpers
from tests.factories import WEST_BENGAL, Actor
from tests.helpers import if_match, problem
from tests.worlds import ADMIN, BaseWorld, Client, Org, person, world_fixture

API = "/api/v1"
ONBOARDING = f"{API}/partner-onboarding"
ADVOCACY = f"{API}/advocacy-actions"
STUDIES = f"{API}/studies"
MEDIA = f"{API}/media-engagements"
STORY = "Sold at fifteen from Canning; back home in Basanti, she now runs the SHG ledger"
EXPANSION_TABLES = (
    "partner_onboarding",
    "partner_onboarding_stage_change",
    "readiness_assessment",
    "advocacy_action",
    "study",
    "media_engagement",
)
ALL_SCOPES = [
    "partner_onboarding:read",
    "partner_onboarding:manage",
    "advocacy:read",
    "advocacy:manage",
    "research_media:read",
    "research_media:manage",
]


def today() -> date:
    return clock.today()


def days_ago(n: int) -> str:
    return (today() - timedelta(days=n)).isoformat()


table_counts = partial(helpers.table_counts, tables=EXPANSION_TABLES)


class World(BaseWorld):
    """A lead organisation onboarding a partner; another organisation; everyone's roles."""

    organizations = {
        "lead": Org(kind=OrganizationKind.lead_ngo),
        "partner": Org(kind=OrganizationKind.partner_ngo),
        "partner2": Org(kind=OrganizationKind.partner_ngo),
        "other": Org(kind=OrganizationKind.lead_ngo),
    }
    people = {
        "pm": person("lead", Role.program_manager, name="Mitali Sardar"),
        "sw": person("lead", Role.social_worker),
        "analyst": person("lead", Role.analyst),
        "leader": person("lead", Role.survivor_leader),
        "auditor": person("lead", Role.auditor),
        "partner_staff": person("lead", Role.partner_staff),
        "pm_partner": person("partner", Role.program_manager),
        "pm_other": person("other", Role.program_manager),
        "admin": ADMIN,
    }
    clients = {
        "client_all": Client("lead", Role.program_manager, tuple(ALL_SCOPES)),
        "client_advocacy_reader": Client("lead", Role.analyst, ("advocacy:read",)),
        "client_none": Client("lead", Role.program_manager),
    }


world = world_fixture(World)


async def onboard(
    client: httpx.AsyncClient, actor: Actor, partner: UUID, **extra: Any
) -> dict[str, Any]:
    body = {"partner_organization_id": str(partner), "state_id": str(WEST_BENGAL), **extra}
    response = await client.post(ONBOARDING, json=body, headers=actor.headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    assert response.headers["Location"] == f"{ONBOARDING}/{created['id']}"
    return created


async def move(
    client: httpx.AsyncClient, actor: Actor, onboarding_id: str, to: str, **extra: Any
) -> httpx.Response:
    current = await client.get(f"{ONBOARDING}/{onboarding_id}", headers=actor.headers)
    headers = {**actor.headers, "If-Match": current.headers.get("ETag", '"v1"')}
    return await client.post(
        f"{ONBOARDING}/{onboarding_id}/stage", json={"to_stage": to, **extra}, headers=headers
    )


async def media_consent(client: httpx.AsyncClient, pm: Actor, survivor_id: UUID) -> str:
    response = await client.post(
        f"{API}/survivors/{survivor_id}/consents",
        json={"purpose": "media_advocacy", "method": "written", "language": "bn"},
        headers=pm.headers,
    )
    assert response.status_code == 201, response.text
    consent_id: str = response.json()["id"]
    return consent_id


async def withdraw(client: httpx.AsyncClient, pm: Actor, survivor_id: UUID, consent: str) -> None:
    response = await client.post(
        f"{API}/survivors/{survivor_id}/consents/{consent}/withdraw",
        json={"reason": "survivor_request"},
        headers=pm.headers,
    )
    assert response.status_code == 200, response.text


async def counted_survivor(
    client: httpx.AsyncClient, world: World, organization: UUID, pm: Actor
) -> UUID:
    """A survivor of ``organization`` who consents to aggregate reporting (given to ``pm``):
    only such survivors count in figures."""
    survivor = await world.cases.survivor(organization)
    response = await client.post(
        f"{API}/survivors/{survivor}/consents",
        json={"purpose": "aggregate_reporting", "method": "written", "language": "bn"},
        headers=pm.headers,
    )
    assert response.status_code == 201, response.text
    return survivor


async def close(client: httpx.AsyncClient, pm: Actor, case_id: UUID) -> None:
    case = await client.get(f"{API}/cases/{case_id}", headers=pm.headers)
    response = await client.post(
        f"{API}/cases/{case_id}/transitions",
        json={"to": "closed", "reason": "Moved away.", "closure_reason": "relocated"},
        headers=if_match(pm, case.json()["version"]),
    )
    assert response.status_code == 200, response.text


def media_body(**extra: Any) -> dict[str, Any]:
    return {
        "outlet": "Anandabazar Patrika",
        "kind": "print",
        "engaged_on": days_ago(3),
        "topic": "Survivor collectives in South 24 Parganas",
        **extra,
    }


def advocacy_body(**extra: Any) -> dict[str, Any]:
    return {
        "level": "state",
        "body": "Department of Women and Child Development, West Bengal",
        "kind": "submission",
        "state_id": str(WEST_BENGAL),
        "acted_on": days_ago(1),
        "ask": "Fund community-based rehabilitation in the state victim compensation scheme",
        "documents": ["WCD/2026/118"],
        **extra,
    }


READINESS_CRITERIA = [
    {"code": "community_presence", "label": "Works in source villages", "score": 3, "max_score": 4},
    {"code": "survivor_collective", "label": "A survivor collective", "score": 2, "max_score": 4},
    {"code": "case_management", "label": "Keeps case records", "score": 1, "max_score": 2},
]


# -- pure rules ---------------------------------------------------------------------------
def test_stages_move_one_step_forward_pause_and_resume_where_they_were() -> None:
    assert next_stages(S.explored, None) == [S.scoping, S.paused]
    assert next_stages(S.implementing, None) == [S.paused]
    assert next_stages(S.paused, S.agreement_signed) == [S.agreement_signed]
    assert move_problem(S.explored, S.scoping, None) is None
    assert move_problem(S.explored, S.implementing, None) is not None
    assert move_problem(S.paused, S.implementing, S.scoping) is not None
    assert move_problem(S.scoping, S.scoping, None) == "The onboarding is already scoping."


def test_readiness_total_and_percentage() -> None:
    criteria = [ReadinessCriterion.model_validate(c) for c in READINESS_CRITERIA]
    assert scored(criteria) == {"total": 6, "max_total": 10, "percentage": 60.0}


def test_small_counts_are_suppressed_and_cannot_be_recovered_by_subtraction() -> None:
    """The one suppression rule (domain/evidence/suppression.py) that partners' figures and
    advocacy evidence now go through, on open cases by stage with their total."""

    def stage(name: str | None) -> CellId:
        return ((name,), (name is None,))

    counts = {"active": 7, "intake": 2, "closed": 0, None: 9}
    table = {stage(n): TableCell(stage(n), Fraction(c), c) for n, c in counts.items()}
    hidden = suppress(table, 5)
    assert stage("intake") in hidden
    # 9 - 7 would give the 2 away: a second cell of the line is hidden with it.
    assert stage("active") in hidden or stage(None) in hidden
    assert stage("closed") not in hidden  # zero is not suppressed


# -- onboarding ---------------------------------------------------------------------------
async def test_onboarding_moves_through_its_stages_and_keeps_history(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    created = await onboard(
        client, world.pm, world.partner, stage_since=days_ago(30), notes="Met in Kolkata"
    )
    assert created["stage"] == "explored"
    assert created["organization_id"] == str(world.lead)
    assert created["next_stages"] == ["scoping", "paused"]
    oid = created["id"]

    before = await table_counts(connection)
    skipped = await move(client, world.pm, oid, "implementing")
    problem(skipped, 409)
    # A change of state needs If-Match like any change: 428 without, 412 when stale.
    stage_url = f"{ONBOARDING}/{oid}/stage"
    scoping = {"to_stage": "scoping"}
    problem(await client.post(stage_url, json=scoping, headers=world.pm.headers), 428)
    problem(await client.post(stage_url, json=scoping, headers=if_match(world.pm, 9)), 412)
    assert await table_counts(connection) == before

    for to, when in (("scoping", 20), ("agreement_signed", 10), ("implementing", 5)):
        moved = await move(client, world.pm, oid, to, changed_on=days_ago(when), note=f"to {to}")
        assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["stage"] == "implementing"
    assert body["agreement_signed_on"] == days_ago(10)
    assert body["stage_since"] == days_ago(5)

    paused = await move(client, world.pm, oid, "paused", note="Floods in the district")
    assert paused.json()["next_stages"] == ["implementing"]
    problem(await move(client, world.pm, oid, "explored"), 409)
    resumed = await move(client, world.pm, oid, "implementing")
    assert resumed.status_code == 200, resumed.text

    history = await client.get(f"{ONBOARDING}/{oid}/history", headers=world.analyst.headers)
    assert history.status_code == 200, history.text
    moves = [(h["from_stage"], h["to_stage"]) for h in history.json()["items"]]
    assert moves == [
        (None, "explored"),
        ("explored", "scoping"),
        ("scoping", "agreement_signed"),
        ("agreement_signed", "implementing"),
        ("implementing", "paused"),
        ("paused", "implementing"),
    ]
    assert history.json()["items"][4]["note"] == "Floods in the district"
    assert all(h["by"] == str(world.pm.id) for h in history.json()["items"])
    assert {h["by_name"] for h in history.json()["items"]} == {"Mitali Sardar"}

    # A date before the current stage began, or in the future, is refused.
    before = await table_counts(connection)
    problem(await move(client, world.pm, oid, "paused", changed_on=days_ago(40)), 422)
    future = (today() + timedelta(days=5)).isoformat()
    problem(await move(client, world.pm, oid, "paused", changed_on=future), 422)
    assert await table_counts(connection) == before


async def test_onboarding_update_needs_if_match_and_lists_filter(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await onboard(client, world.pm, world.partner)
    await onboard(client, world.pm, world.partner2, stage="scoping")
    url = f"{ONBOARDING}/{first['id']}"
    problem(await client.patch(url, json={"notes": "x"}, headers=world.pm.headers), 428)
    problem(await client.patch(url, json={"notes": "x"}, headers=if_match(world.pm, 9)), 412)
    updated = await client.patch(
        url, json={"notes": "Three districts"}, headers=if_match(world.pm, 1)
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["notes"] == "Three districts"
    assert updated.headers["ETag"] == '"v2"'
    # No agreement yet: its date cannot be set here.
    problem(
        await client.patch(
            url, json={"agreement_signed_on": days_ago(1)}, headers=if_match(world.pm, 2)
        ),
        422,
    )
    listed = await client.get(ONBOARDING, params={"stage": "scoping"}, headers=world.pm.headers)
    assert [o["partner_organization_id"] for o in listed.json()["items"]] == [str(world.partner2)]
    everything = await client.get(
        ONBOARDING, params={"include_total": "true", "limit": 1}, headers=world.pm.headers
    )
    assert everything.json()["total"] == 2
    assert everything.json()["next_cursor"]


async def test_bad_onboarding_input_is_422_and_writes_nothing(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    await onboard(client, world.pm, world.partner)
    before = await table_counts(connection)
    wb = str(WEST_BENGAL)
    for body in (
        {"partner_organization_id": str(world.lead), "state_id": wb},  # itself
        {"partner_organization_id": str(UUID(int=7)), "state_id": wb},  # no such org
        {"partner_organization_id": str(world.partner2), "state_id": str(UUID(int=8))},
        {"partner_organization_id": str(world.partner2), "state_id": wb, "stage": "paused"},
        {"partner_organization_id": str(world.partner2), "state_id": wb, "unknown": 1},
        {
            "partner_organization_id": str(world.partner2),
            "state_id": wb,
            "agreement_signed_on": days_ago(1),
        },
        {
            "partner_organization_id": str(world.partner2),
            "state_id": wb,
            "stage_since": (today() + timedelta(days=3)).isoformat(),
        },
    ):
        problem(await client.post(ONBOARDING, json=body, headers=world.pm.headers), 422)
    # The same partner twice is a conflict.
    twice = {"partner_organization_id": str(world.partner), "state_id": wb}
    problem(await client.post(ONBOARDING, json=twice, headers=world.pm.headers), 409)
    assert await table_counts(connection) == before


# -- aggregates and the partner's records -------------------------------------------------
async def test_lead_sees_partner_figures_with_small_ones_suppressed_never_records(
    client: httpx.AsyncClient, world: World
) -> None:
    onboarding = await onboard(client, world.pm, world.partner, stage="implementing")
    case_ids = []
    survivor_ids = []
    for status in [CaseStatus.active] * 6 + [CaseStatus.intake] * 2:
        survivor = await counted_survivor(client, world, world.partner, world.pm_partner)
        survivor_ids.append(survivor)
        case_ids.append(await world.cases.case(world.partner, survivor, status=status))
    # The partner closes the two cases at intake: two closures, too few to publish.
    for case_id in case_ids[6:]:
        await close(client, world.pm_partner, case_id)
    # A case of the lead itself is not the partner's.
    mine = await counted_survivor(client, world, world.lead, world.pm)
    await world.cases.case(world.lead, mine)

    response = await client.get(
        f"{ONBOARDING}/{onboarding['id']}/aggregates",
        params={"outcome": 1},
        headers=world.analyst.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["partner_organization_id"] == str(world.partner)
    assert body["suppression_threshold"] == 5
    assert body["ends_on"] == today().isoformat()
    values = {v["indicator"]: v for v in body["indicators"]}
    assert {v["outcome"] for v in body["indicators"]} == {1}
    assert values["survivors_associated"]["value"] == 8
    assert values["survivors_associated"]["temporal"] == "stock"
    assert values["active_cases"]["value"] == 6
    assert values["cases_closed"]["value"] is None
    assert values["cases_closed"]["suppressed"] is True
    assert values["cases_closed_goals_achieved"]["value"] == 0  # zero is not suppressed
    for record_id in case_ids + survivor_ids:
        assert str(record_id) not in response.text
    # Every indicator of the catalogue without `outcome`; a bad range is a clear 422.
    everything = await client.get(
        f"{ONBOARDING}/{onboarding['id']}/aggregates", headers=world.pm.headers
    )
    indicators = await client.get(f"{API}/indicators", headers=world.analyst.headers)
    assert [v["indicator"] for v in everything.json()["indicators"]] == [
        i["code"] for i in indicators.json()["items"]
    ]
    backwards = {"from": today().isoformat(), "to": days_ago(3)}
    problem(
        await client.get(
            f"{ONBOARDING}/{onboarding['id']}/aggregates",
            params=backwards,
            headers=world.pm.headers,
        ),
        422,
    )

    # Never the partner's records: the lead's program manager gets 404 on a partner's case.
    for path in (f"{API}/cases/{case_ids[0]}", f"{API}/survivors/{survivor_ids[0]}"):
        problem(await client.get(path, headers=world.pm.headers), 404)
    # The partner's own manager sees them (they are hers) but not the lead's onboarding.
    own = await client.get(f"{API}/cases/{case_ids[0]}", headers=world.pm_partner.headers)
    assert own.status_code == 200, own.text
    for suffix in ("", "/aggregates", "/history"):
        url = f"{ONBOARDING}/{onboarding['id']}{suffix}"
        problem(await client.get(url, headers=world.pm_partner.headers), 404)


# -- readiness ----------------------------------------------------------------------------
async def test_readiness_assessment_scores_criteria_as_data(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    onboarding = await onboard(client, world.pm, world.partner)
    url = f"{ONBOARDING}/{onboarding['id']}/readiness-assessments"
    created = await client.post(
        url,
        json={"assessed_on": days_ago(2), "criteria": READINESS_CRITERIA, "notes": "No MIS yet"},
        headers=world.pm.headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["total"], body["max_total"], body["percentage"]) == (6, 10, 60.0)
    assert body["partner_organization_id"] == str(world.partner)
    assert [c["code"] for c in body["criteria"]] == [c["code"] for c in READINESS_CRITERIA]
    assert created.headers["Location"] == f"{url}/{body['id']}"

    read = await client.get(f"{url}/{body['id']}", headers=world.analyst.headers)
    assert read.json() == body
    listed = await client.get(url, headers=world.analyst.headers)
    assert [a["id"] for a in listed.json()["items"]] == [body["id"]]

    before = await table_counts(connection)
    bad_criteria: list[Any] = [
        [],
        [{**READINESS_CRITERIA[0], "score": 5}],  # above its maximum
        [READINESS_CRITERIA[0], READINESS_CRITERIA[0]],  # twice
        [{**READINESS_CRITERIA[0], "code": "Has Spaces"}],
    ]
    for criteria in bad_criteria:
        problem(await client.post(url, json={"criteria": criteria}, headers=world.pm.headers), 422)
    future = (today() + timedelta(days=3)).isoformat()
    problem(
        await client.post(
            url,
            json={"criteria": READINESS_CRITERIA, "assessed_on": future},
            headers=world.pm.headers,
        ),
        422,
    )
    # Another organisation's onboarding does not exist for the caller.
    problem(
        await client.post(
            url, json={"criteria": READINESS_CRITERIA}, headers=world.pm_other.headers
        ),
        404,
    )
    problem(await client.get(f"{url}/{body['id']}", headers=world.pm_other.headers), 404)
    assert await table_counts(connection) == before


# -- advocacy -----------------------------------------------------------------------------
async def test_advocacy_evidence_is_frozen_when_saved(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    for _ in range(6):
        survivor = await counted_survivor(client, world, world.lead, world.pm)
        await world.cases.case(world.lead, survivor)
    # One survivor without consent to aggregate reporting: never counted.
    await world.cases.case(world.lead, await world.cases.survivor(world.lead))
    cited = ["survivors_associated", "active_cases", "cases_closed", "leader_groups_functional"]
    created = await client.post(ADVOCACY, json=advocacy_body(cite=cited), headers=world.pm.headers)
    assert created.status_code == 201, created.text
    action = created.json()
    snapshot = action["evidence"]
    assert snapshot["source"] == "catalogue"
    assert snapshot["ends_on"] == today().isoformat()
    assert snapshot["suppression_threshold"] == 5
    evidence = {v["indicator"]: v["value"] for v in snapshot["indicators"]}
    assert evidence == {
        "survivors_associated": 6,
        "active_cases": 6,
        "cases_closed": 0,
        "leader_groups_functional": 0,
    }
    assert [v["indicator"] for v in snapshot["indicators"]] == cited  # in the order cited

    # More cases later: the action keeps what it cited; a new one cites the new figures,
    # the headline indicators by default, small ones suppressed.
    for _ in range(3):
        survivor = await counted_survivor(client, world, world.lead, world.pm)
        await world.cases.case(world.lead, survivor)
    read = await client.get(f"{ADVOCACY}/{action['id']}", headers=world.analyst.headers)
    assert read.json()["evidence"] == action["evidence"]
    later = await client.post(
        ADVOCACY, json=advocacy_body(level="national"), headers=world.pm.headers
    )
    later_values = {v["indicator"]: v for v in later.json()["evidence"]["indicators"]}
    assert later_values["survivors_associated"]["value"] == 9
    catalogue = await client.get(f"{API}/indicators", headers=world.analyst.headers)
    headlines = [i["code"] for i in catalogue.json()["items"] if i["headline_rank"] is not None]
    assert list(later_values) == headlines
    one_year = await client.post(
        ADVOCACY,
        json=advocacy_body(
            level="national",
            cite=["survivors_associated"],
            evidence_from=days_ago(400),
            evidence_to=days_ago(30),
        ),
        headers=world.pm.headers,
    )
    assert one_year.status_code == 201, one_year.text
    # Thirty days ago none of them had been registered: the figure is as of then.
    assert one_year.json()["evidence"]["indicators"][0]["value"] == 0

    # The outcome is recorded later; the evidence cannot be rewritten.
    url = f"{ADVOCACY}/{action['id']}"
    updated = await client.patch(
        url,
        json={"outcome": "Principal Secretary agreed to a pilot"},
        headers=if_match(world.pm, 1),
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["outcome"] == "Principal Secretary agreed to a pilot"
    assert updated.json()["evidence"] == action["evidence"]
    problem(await client.patch(url, json={"evidence": {}}, headers=if_match(world.pm, 2)), 422)

    listed = await client.get(ADVOCACY, params={"level": "state"}, headers=world.pm.headers)
    assert [a["id"] for a in listed.json()["items"]] == [action["id"]]

    before = await table_counts(connection)
    for body in (
        advocacy_body(state_id=None),  # a state-level action names its state
        advocacy_body(level="province"),
        advocacy_body(kind="lobbying"),
        advocacy_body(cite=["not_an_indicator"]),
        advocacy_body(cite=["Not A Code"]),
        advocacy_body(cite=[]),
        advocacy_body(evidence_from=days_ago(1), evidence_to=days_ago(2)),
        advocacy_body(evidence_to=(today() + timedelta(days=1)).isoformat()),
        advocacy_body(evidence_from=(today() + timedelta(days=1)).isoformat()),
        advocacy_body(documents=[""]),
        advocacy_body(ask=""),
        advocacy_body(acted_on=(today() + timedelta(days=3)).isoformat()),
        advocacy_body(state_id=str(UUID(int=9))),
    ):
        problem(await client.post(ADVOCACY, json=body, headers=world.pm.headers), 422)
    assert await table_counts(connection) == before
    problem(await client.get(url, headers=world.pm_other.headers), 404)


# -- studies and media: her story only with her consent -----------------------------------
async def test_media_story_is_linked_only_with_her_consent_checked_at_save_and_read(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    survivor = await world.cases.survivor(world.lead)
    before = await table_counts(connection)
    refused = await client.post(
        MEDIA, json=media_body(survivor_id=str(survivor), story=STORY), headers=world.pm.headers
    )
    assert STORY not in problem(refused, 422)["detail"]
    # A story without its survivor, or a survivor of another organisation, is refused too.
    problem(await client.post(MEDIA, json=media_body(story=STORY), headers=world.pm.headers), 422)
    foreign = await world.cases.survivor(world.other)
    await media_consent(client, world.pm_other, foreign)
    problem(
        await client.post(
            MEDIA, json=media_body(survivor_id=str(foreign), story=STORY), headers=world.pm.headers
        ),
        422,
    )
    assert await table_counts(connection) == before

    consent = await media_consent(client, world.pm, survivor)
    created = await client.post(
        MEDIA, json=media_body(survivor_id=str(survivor), story=STORY), headers=world.pm.headers
    )
    assert created.status_code == 201, created.text
    engagement = created.json()
    assert engagement["survivor_story"] == {
        "state": "linked",
        "survivor_id": str(survivor),
        "story": STORY,
        "detail": None,
    }
    sealed = await connection.execute(
        sa.text("SELECT story_enc, consent_id FROM media_engagement WHERE id = :id"),
        {"id": engagement["id"]},
    )
    story_enc, consent_id = sealed.one()
    assert STORY.encode() not in bytes(story_enc)
    assert str(consent_id) == consent

    url = f"{MEDIA}/{engagement['id']}"
    shown = await client.get(url, headers=world.pm.headers)
    assert shown.json()["survivor_story"]["story"] == STORY
    # An analyst reads the engagement, never the story.
    withheld = await client.get(url, headers=world.analyst.headers)
    assert withheld.status_code == 200
    assert withheld.json()["survivor_story"]["state"] == "withheld"
    assert STORY not in withheld.text
    assert str(survivor) not in withheld.text

    # She withdraws her consent: the link is hidden on every read, and the read says so.
    await withdraw(client, world.pm, survivor, consent)
    for response in (
        await client.get(url, headers=world.pm.headers),
        await client.get(MEDIA, headers=world.pm.headers),
    ):
        assert response.status_code == 200, response.text
        assert STORY not in response.text
        assert str(survivor) not in response.text
    hidden = (await client.get(url, headers=world.pm.headers)).json()["survivor_story"]
    assert hidden["state"] == "hidden_consent_withdrawn"
    assert hidden["survivor_id"] is None
    assert hidden["story"] is None
    assert "consent" in hidden["detail"]

    reads = await connection.execute(
        sa.text(
            "SELECT count(*) FROM audit_event WHERE entity_type = 'media_engagement' "
            "AND action = 'read' AND entity_id = :id"
        ),
        {"id": engagement["id"]},
    )
    assert reads.scalar_one() == 2  # the create's answer and the one read shown before withdrawal


async def test_a_page_of_stories_checks_consent_in_one_query(
    client: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    """Each linked story of a page is shown by her consent as it stands now, looked up for the
    whole page at once (not once per story)."""
    linked = []
    for _ in range(4):
        survivor = await world.cases.survivor(world.lead)
        consent = await media_consent(client, world.pm, survivor)
        created = await client.post(
            MEDIA, json=media_body(survivor_id=str(survivor), story=STORY), headers=world.pm.headers
        )
        assert created.status_code == 201, created.text
        linked.append((survivor, consent))
    await withdraw(client, world.pm, *linked[0])
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        page = await client.get(MEDIA, headers=world.pm.headers)
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert page.status_code == 200, page.text
    states = sorted(item["survivor_story"]["state"] for item in page.json()["items"])
    assert states == ["hidden_consent_withdrawn", "linked", "linked", "linked"]
    assert str(linked[0][0]) not in page.text
    assert len([s for s in statements if "FROM consent" in s]) == 1


async def test_study_story_follows_the_same_consent_rule(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    survivor = await world.cases.survivor(world.lead)
    body = {
        "title": "National documentation of CBR practice",
        "status": "ongoing",
        "started_on": days_ago(60),
        "partners": "ILFAT",
        "survivor_id": str(survivor),
        "story": STORY,
    }
    before = await table_counts(connection)
    problem(await client.post(STUDIES, json=body, headers=world.pm.headers), 422)
    assert await table_counts(connection) == before
    consent = await media_consent(client, world.pm, survivor)
    created = await client.post(STUDIES, json=body, headers=world.pm.headers)
    assert created.status_code == 201, created.text
    study = created.json()
    assert study["survivor_story"]["state"] == "linked"

    url = f"{STUDIES}/{study['id']}"
    published = await client.patch(
        url,
        json={
            "status": "published",
            "published_on": days_ago(1),
            "link": "https://example.org/cbr",
        },
        headers=if_match(world.pm, 1),
    )
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    problem(
        await client.patch(url, json={"published_on": days_ago(90)}, headers=if_match(world.pm, 2)),
        422,
    )
    # The link cannot be swapped by an update (it was checked when saved).
    problem(await client.patch(url, json={"survivor_id": None}, headers=if_match(world.pm, 2)), 422)
    await withdraw(client, world.pm, survivor, consent)
    hidden = await client.get(url, headers=world.pm.headers)
    assert hidden.json()["survivor_story"]["state"] == "hidden_consent_withdrawn"
    assert STORY not in hidden.text
    # A study without a survivor simply has none.
    plain = await client.post(STUDIES, json={"title": "Costing CBR"}, headers=world.pm.headers)
    assert plain.json()["survivor_story"]["state"] == "none"
    listed = await client.get(STUDIES, headers=world.analyst.headers)
    assert {s["survivor_story"]["state"] for s in listed.json()["items"]} == {"none", "withheld"}
    problem(await client.get(url, headers=world.pm_other.headers), 404)


async def test_evidence_saved_before_the_catalogue_still_reads_as_it_was(
    client: httpx.AsyncClient, world: World
) -> None:
    """Snapshots are frozen data: one saved with the retired fixed counts keeps its names and
    figures, marked as such."""
    old = {
        "as_of": "2026-10-01T06:30:00Z",
        "suppression_threshold": 5,
        "indicators": [
            {"indicator": "survivors", "value": 12, "suppressed": False},
            {"indicator": "cases_open", "value": None, "suppressed": True},
        ],
    }
    action = AdvocacyAction(
        organization_id=world.lead,
        level=AdvocacyLevel.district,
        body="District Legal Services Authority",
        kind=AdvocacyKind.meeting,
        acted_on=date(2026, 10, 1),
        ask="Decide pending compensation applications.",
        evidence=old,
    )
    async with world.factory.uow() as uow:
        uow.session.add(action)
    response = await client.get(f"{ADVOCACY}/{action.id}", headers=world.analyst.headers)
    assert response.status_code == 200, response.text
    evidence = response.json()["evidence"]
    assert evidence["source"] == "record_counts"
    assert evidence["starts_on"] is None
    assert evidence["suppression_threshold"] == 5
    assert [(v["indicator"], v["value"], v["suppressed"]) for v in evidence["indicators"]] == [
        ("survivors", 12, False),
        ("cases_open", None, True),
    ]
    listed = await client.get(ADVOCACY, headers=world.analyst.headers)
    assert [a["evidence"]["source"] for a in listed.json()["items"]] == ["record_counts"]


# -- who may reach what -------------------------------------------------------------------
READ, WRITE = "read", "write"


async def records_of_lead(client: httpx.AsyncClient, world: World) -> dict[str, str]:
    onboarding = await onboard(client, world.pm, world.partner)
    readiness = await client.post(
        f"{ONBOARDING}/{onboarding['id']}/readiness-assessments",
        json={"criteria": READINESS_CRITERIA},
        headers=world.pm.headers,
    )
    action = await client.post(ADVOCACY, json=advocacy_body(), headers=world.pm.headers)
    study = await client.post(STUDIES, json={"title": "CBR study"}, headers=world.pm.headers)
    engagement = await client.post(MEDIA, json=media_body(), headers=world.pm.headers)
    return {
        "onboarding": onboarding["id"],
        "readiness": readiness.json()["id"],
        "advocacy": action.json()["id"],
        "study": study.json()["id"],
        "media": engagement.json()["id"],
    }


def requests_of(ids: dict[str, str]) -> list[tuple[str, str, str, str, dict[str, Any] | None]]:
    """(area, kind, method, path, body): each route of the area once."""
    o = f"{ONBOARDING}/{ids['onboarding']}"
    return [
        ("onboarding", READ, "GET", ONBOARDING, None),
        ("onboarding", READ, "GET", o, None),
        ("onboarding", READ, "GET", f"{o}/history", None),
        ("onboarding", READ, "GET", f"{o}/aggregates", None),
        ("onboarding", READ, "GET", f"{o}/readiness-assessments", None),
        ("onboarding", READ, "GET", f"{o}/readiness-assessments/{ids['readiness']}", None),
        ("onboarding", WRITE, "PATCH", o, {"notes": "n"}),
        ("onboarding", WRITE, "POST", f"{o}/stage", {"to_stage": "paused"}),
        (
            "onboarding",
            WRITE,
            "POST",
            f"{o}/readiness-assessments",
            {"criteria": READINESS_CRITERIA},
        ),
        ("advocacy", READ, "GET", ADVOCACY, None),
        ("advocacy", READ, "GET", f"{ADVOCACY}/{ids['advocacy']}", None),
        ("advocacy", WRITE, "PATCH", f"{ADVOCACY}/{ids['advocacy']}", {"outcome": "o"}),
        ("advocacy", WRITE, "POST", ADVOCACY, advocacy_body()),
        ("research", READ, "GET", STUDIES, None),
        ("research", READ, "GET", f"{STUDIES}/{ids['study']}", None),
        ("research", WRITE, "PATCH", f"{STUDIES}/{ids['study']}", {"summary": "s"}),
        ("research", WRITE, "POST", STUDIES, {"title": "t"}),
        ("research", READ, "GET", MEDIA, None),
        ("research", READ, "GET", f"{MEDIA}/{ids['media']}", None),
        ("research", WRITE, "PATCH", f"{MEDIA}/{ids['media']}", {"topic": "t"}),
        ("research", WRITE, "POST", MEDIA, media_body()),
    ]


async def test_authorization_matrix(client: httpx.AsyncClient, world: World) -> None:
    ids = await records_of_lead(client, world)

    def expected(who: str, area: str, kind: str, method: str, path: str) -> set[int]:
        collection = path in (ONBOARDING, ADVOCACY, STUDIES, MEDIA)
        collection = collection or path.endswith("/readiness-assessments")
        if who in ("pm", "client_all"):
            return {201} if method == "POST" and collection else {200}
        if who == "analyst":
            return {200} if kind == READ else {403}
        if who == "client_advocacy_reader":
            return {200} if (area, kind) == ("advocacy", READ) else {403}
        if who in ("pm_partner", "pm_other"):
            # Another organisation: its own (empty) lists, creates of its own, 404 for ours.
            if path.endswith("/readiness-assessments"):
                return {404}  # under our onboarding
            return {200, 201} if collection else {404}
        return {403}

    callers = {
        "pm": world.pm,
        "client_all": world.client_all,
        "analyst": world.analyst,
        "client_advocacy_reader": world.client_advocacy_reader,
        "pm_partner": world.pm_partner,
        "pm_other": world.pm_other,
        "social_worker": world.sw,
        "survivor_leader": world.leader,
        "auditor": world.auditor,
        "partner_staff": world.partner_staff,
        "platform_admin": world.admin,
        "client_without_scope": world.client_none,
    }
    wrong = []
    for who, actor in callers.items():
        for area, kind, method, path, body in requests_of(ids):
            headers = dict(actor.headers)
            if method == "PATCH" or path.endswith("/stage"):
                record = path.removesuffix("/stage")
                current = await client.get(record, headers=world.pm.headers)
                headers["If-Match"] = current.headers["ETag"]
            response = await client.request(method, path, json=body, headers=headers)
            allowed = expected(who, area, kind, method, path)
            if response.status_code not in allowed:
                wrong.append(f"{who} {method} {path}: {response.status_code} not in {allowed}")
            if (
                who in ("pm_partner", "pm_other")
                and method == "GET"
                and path
                in (
                    ONBOARDING,
                    ADVOCACY,
                    STUDIES,
                    MEDIA,
                )
            ):
                assert response.json()["items"] == [], f"{who} sees {path}"
        # An admitted manager paused the onboarding: resume it for the next caller.
        if who in ("pm", "client_all"):
            resumed = await move(client, world.pm, ids["onboarding"], "explored")
            assert resumed.status_code == 200, resumed.text
    assert wrong == [], "\n".join(wrong)


async def test_denials_are_audited_and_write_nothing(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    before = await table_counts(connection)
    for actor in (world.analyst, world.leader, world.sw, world.admin, world.client_none):
        problem(await client.post(ADVOCACY, json=advocacy_body(), headers=actor.headers), 403)
    assert await table_counts(connection) == before
    denied = await connection.execute(
        sa.text(
            "SELECT count(*) FROM audit_event WHERE action = 'permission_denied' "
            "AND entity_type = 'advocacy_action'"
        )
    )
    assert denied.scalar_one() == 5


async def test_a_replayed_create_answers_the_same_frozen_evidence_once(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    headers = {**world.pm.headers, "Idempotency-Key": "advocacy-2026-11-20"}
    first = await client.post(ADVOCACY, json=advocacy_body(), headers=headers)
    assert first.status_code == 201, first.text
    survivor = await world.cases.survivor(world.lead)
    await world.cases.case(world.lead, survivor)
    again = await client.post(ADVOCACY, json=advocacy_body(), headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert (await table_counts(connection))["advocacy_action"] == 1


# -- the documented examples --------------------------------------------------------------
def example(model: type[BaseModel]) -> dict[str, Any]:
    [only] = model.model_json_schema()["examples"]
    return dict(only)


async def test_the_documented_examples_are_accepted(
    client: httpx.AsyncClient, world: World
) -> None:
    """Partner developers copy the examples of the OpenAPI document: they must work (with
    the ids of their own records)."""

    async def created(url: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await client.post(url, json=body, headers=world.pm.headers)
        assert response.status_code == 201, response.text
        record: dict[str, Any] = response.json()
        return record

    async def updated(url: str, record: dict[str, Any], body: dict[str, Any]) -> None:
        response = await client.patch(url, json=body, headers=if_match(world.pm, record["version"]))
        assert response.status_code == 200, response.text

    onboarding = await created(
        ONBOARDING,
        {**example(OnboardingCreate), "partner_organization_id": str(world.partner)},
    )
    url = f"{ONBOARDING}/{onboarding['id']}"
    # The example signs the agreement: the partner must be scoping first (from before it).
    scoping = await move(client, world.pm, onboarding["id"], "scoping", changed_on="2026-11-10")
    assert scoping.status_code == 200, scoping.text
    signed = await client.post(
        f"{url}/stage",
        json=example(StageMove),
        headers=if_match(world.pm, scoping.json()["version"]),
    )
    assert signed.status_code == 200, signed.text
    await created(f"{url}/readiness-assessments", example(ReadinessCreate))
    await updated(url, signed.json(), example(OnboardingUpdate))

    action = await created(ADVOCACY, example(AdvocacyCreate))
    await updated(f"{ADVOCACY}/{action['id']}", action, example(AdvocacyUpdate))
    study = await created(STUDIES, example(StudyCreate))
    await updated(f"{STUDIES}/{study['id']}", study, example(StudyUpdate))
    engagement = await created(MEDIA, example(MediaCreate))
    await updated(f"{MEDIA}/{engagement['id']}", engagement, example(MediaUpdate))
