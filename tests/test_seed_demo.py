"""``shakti-mis seed-demo``: synthetic demo data written through the services, once."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from api import cli
from api.app import create_app
from domain.common.settings import Settings
from domain.identity.keys import cipher_from_settings
from domain.identity.passwords import Passwords
from persistence import clock
from persistence.database import Database, create_engine
from seeds.context import AreaSeeder, DemoContext, DemoOptions
from seeds.referrals import RECEIVERS
from seeds.runner import SEEDERS, DemoReport, seed_demo
from seeds.shgs import PLANS, group_count
from seeds.vocabulary import EMAIL_DOMAIN, LEAD_ORGANIZATION_ID, STAFF

README = Path(__file__).resolve().parents[1] / "README.md"
PASSWORD = "a demo passphrase for tests"
SURVIVORS = 12
TOKEN = "/api/v1/auth/token"
STAGES = {"intake", "assessment", "planning", "active", "monitoring", "closed", "reopened"}
REFERRAL_STATUSES = {
    "sent",
    "accepted",
    "declined",
    "in_progress",
    "completed",
    "not_delivered",
    "revoked",
}
APPLICATION_STATUSES = {
    "documents_gathering",
    "applied",
    "under_process",
    "sanctioned",
    "received",
    "partly_received",
    "rejected",
    "appealed",
}
CHEAP_HASHING = {
    "SHAKTI_PASSWORD_HASH_MEMORY_KIB": "1024",
    "SHAKTI_PASSWORD_HASH_TIME_COST": "1",
    "SHAKTI_PASSWORD_HASH_PARALLELISM": "1",
}


def _url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


# The checks below say ``current_date``: on their connection it is the business date.
IN_KOLKATA = "SET TIME ZONE INTERVAL '+05:30' HOUR TO MINUTE"


async def _scalars(url: str, sql: str) -> list[object]:
    """Rows of one column, read as the database owner (``current_date`` in Asia/Kolkata)."""
    owner = create_engine(url, pool_size=1)
    try:
        async with owner.connect() as connection:
            await connection.execute(sa.text(IN_KOLKATA))
            return list((await connection.execute(sa.text(sql))).scalars())
    finally:
        await owner.dispose()


async def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows of several columns, read as the database owner (``current_date`` in Asia/Kolkata)."""
    owner = create_engine(url, pool_size=1)
    try:
        async with owner.connect() as connection:
            await connection.execute(sa.text(IN_KOLKATA))
            return [tuple(row) for row in await connection.execute(sa.text(sql))]
    finally:
        await owner.dispose()


async def _count(url: str, table: str) -> int:
    (count,) = await _scalars(url, f"SELECT count(*) FROM {table}")
    assert isinstance(count, int)
    return count


async def _dump(url: str) -> str:
    """Every value of every table, as text, with bytea also decoded as UTF-8 and as hex."""
    owner = create_engine(url, pool_size=1)
    texts: list[str] = []
    try:
        async with owner.connect() as connection:
            tables = (
                await connection.execute(
                    sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            ).scalars()
            for table in list(tables):
                for row in await connection.execute(sa.text(f'SELECT * FROM "{table}"')):
                    for value in row:
                        if isinstance(value, bytes | memoryview):
                            raw = bytes(value)
                            texts += [raw.decode("utf-8", errors="ignore"), raw.hex()]
                        elif value is not None:
                            texts.append(json.dumps(value, default=str, ensure_ascii=False))
    finally:
        await owner.dispose()
    return "\n".join(texts).casefold()


async def _seed(
    settings: Settings,
    database: Database,
    survivors: int = SURVIVORS,
    seed: int = 7,
    seeders: list[AreaSeeder] | None = None,
) -> DemoReport:
    database.cipher = cipher_from_settings(settings)
    passwords = Passwords(time_cost=1, memory_kib=1024, parallelism=1)
    options = DemoOptions(seed=seed, survivors=survivors)
    return await seed_demo(database, passwords, PASSWORD, options, seeders=seeders)


@asynccontextmanager
async def _client(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, database=database)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.21", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def _sign_in(client: httpx.AsyncClient, key: str) -> dict[str, str]:
    response = await client.post(
        TOKEN,
        data={"grant_type": "password", "username": f"{key}@{EMAIL_DOMAIN}", "password": PASSWORD},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@dataclass(frozen=True)
class Seeded:
    """The demo, seeded once for the tests of this module (a run takes a while): its
    database, the run's report and the database owner's URL."""

    database: Database
    report: DemoReport
    url: str


@pytest.fixture(scope="module")
async def seeded(settings: Settings, module_committed_db: Database) -> Seeded:
    report = await _seed(settings, module_committed_db)
    return Seeded(module_committed_db, report, _url(module_committed_db))


async def test_the_demo_fills_a_fresh_database_through_the_services_once(seeded: Seeded) -> None:
    """What the report counts is what the tables hold, every stage of a case's life."""
    report, url = seeded.report, seeded.url

    # What the report counts is what the tables hold.
    assert report.created
    assert report.counts["survivors"] == await _count(url, "survivor") == SURVIVORS
    assert report.counts["cases"] == await _count(url, "survivor_case") >= SURVIVORS
    # The lead, partner and government organisations, a service provider, five partners in
    # onboarding (and whatever other areas add).
    assert report.counts["organizations"] == await _count(url, "organization") >= 9
    assert report.counts["users"] == await _count(url, "app_user")
    assert {user.role.value for user in report.users} >= {
        "program_manager",
        "social_worker",
        "survivor_leader",
        "partner_staff",
        "analyst",
        "auditor",
        "platform_admin",
    }
    assert report.counts["consents"] == await _count(url, "consent") > SURVIVORS
    assert report.counts["care-plan goals"] == await _count(url, "care_plan_goal") > 0
    assert await _count(url, "assessment") == sum(
        n for name, n in report.counts.items() if name.startswith("assessments (")
    )
    assert await _count(url, "case_note") == report.counts["notes"] + report.counts.get(
        "notes restricted", 0
    )
    assert await _count(url, "legal_proceeding") == report.counts["legal proceedings"] > 0
    # Every stage of a case's life, in both districts, with its history.
    assert set(await _scalars(url, "SELECT DISTINCT status FROM survivor_case")) == STAGES
    districts = await _scalars(
        url,
        "SELECT DISTINCT d.name FROM survivor_case c JOIN district d ON d.id = c.district_id",
    )
    assert set(districts) == {"South 24 Parganas", "North 24 Parganas"}
    assert await _scalars(url, "SELECT count(*) FROM case_event WHERE kind = 'transition'") == [
        report.counts["stage changes"]
    ]
    assert await _scalars(
        url,
        "SELECT count(*) > 0 FROM case_visit"
        " WHERE status = 'planned' AND planned_on < current_date",
    ) == [True]
    assert await _count(url, "audit_event") > SURVIVORS * 10


async def test_the_demo_refers_at_every_status_under_her_consent(seeded: Seeded) -> None:
    """Referrals through the service directory, every status and every move."""
    report, url = seeded.report, seeded.url

    # Referrals at every status, from the directory's offerings, each under her consent but
    # the one emergency the manager sent under an override; every move kept.
    assert report.counts["service offerings"] == await _count(url, "service_offering") > 0
    assert report.counts["referrals"] == await _count(url, "referral") >= len(REFERRAL_STATUSES)
    assert set(await _scalars(url, "SELECT DISTINCT status FROM referral")) == REFERRAL_STATUSES
    assert {
        name.removeprefix("referrals "): n
        for name, n in report.counts.items()
        if name.removeprefix("referrals ") in REFERRAL_STATUSES
    } == dict(await _rows(url, "SELECT status, count(*) FROM referral GROUP BY status"))
    assert (
        await _scalars(
            url, "SELECT count(*) FROM referral WHERE consent_id IS NULL OR consent_overridden"
        )
        == [report.counts["referral consent overrides"]]
        == [1]
    )
    assert await _scalars(
        url,
        "SELECT count(*) FROM referral r WHERE (SELECT count(*) FROM referral_status_change s"
        " WHERE s.referral_id = r.id) < CASE r.status WHEN 'sent' THEN 1 WHEN 'accepted' THEN 2"
        " WHEN 'declined' THEN 2 WHEN 'revoked' THEN 2 WHEN 'in_progress' THEN 3"
        " WHEN 'not_delivered' THEN 3 ELSE 4 END",
    ) == [0]
    receivers = await _scalars(url, "SELECT DISTINCT receiving_organization_id FROM referral")
    assert len(receivers) >= 2


async def test_the_demo_expands_into_three_more_states(seeded: Seeded) -> None:
    """Outcome 5: onboarding, readiness, advocacy, studies, media."""
    report, url = seeded.report, seeded.url

    # Outcome 5: partners in three new states at every onboarding stage, their readiness
    # assessed, a dozen advocacy actions at every level with their evidence frozen, studies
    # and media engagements, one telling a survivor's story under her media consent.
    assert await _scalars(
        url,
        "SELECT count(DISTINCT o.state_id) FROM partner_onboarding o JOIN state s"
        " ON s.id = o.state_id WHERE s.code <> 'WB'",
    ) == [3]
    assert set(await _scalars(url, "SELECT DISTINCT stage FROM partner_onboarding")) == {
        "explored",
        "scoping",
        "agreement_signed",
        "implementing",
        "paused",
    }
    assert report.counts["partner onboardings"] == await _count(url, "partner_onboarding") == 5
    assert await _count(url, "partner_onboarding_stage_change") == (
        report.counts["partner onboardings"] + report.counts["onboarding stage changes"]
    )
    assert report.counts["readiness assessments"] == await _count(url, "readiness_assessment") > 3
    assert report.counts["advocacy actions"] == await _count(url, "advocacy_action") == 12
    assert set(await _scalars(url, "SELECT DISTINCT level FROM advocacy_action")) == {
        "district",
        "state",
        "national",
    }
    assert await _scalars(
        url,
        "SELECT count(*) FROM advocacy_action"
        " WHERE jsonb_array_length(evidence -> 'indicators') = 0",
    ) == [0]
    assert report.counts["studies"] == await _count(url, "study") == 2
    assert report.counts["media engagements"] == await _count(url, "media_engagement") == 3
    assert await _scalars(
        url,
        "SELECT count(*) FROM media_engagement m JOIN consent c ON c.id = m.consent_id"
        " WHERE m.story_enc IS NOT NULL AND c.purpose = 'media_advocacy'"
        " AND c.survivor_id = m.survivor_id",
    ) == [1]


async def test_the_demo_livelihoods_trainings_and_entitlements(seeded: Seeded) -> None:
    """Outcome 2: livelihoods, trainings and entitlements."""
    report, url = seeded.report, seeded.url

    # Outcome 2: livelihood plans for most survivors, work and its monthly income for some,
    # financial inclusion with dates; trainings of every track with their results; entitlement
    # applications in every state across the catalogue, every move in their history.
    assert report.counts["livelihood plans"] == await _count(url, "livelihood_plan") > 0
    assert report.counts["jobs and enterprises"] == await _count(url, "livelihood_activity") > 0
    assert report.counts["income records"] == await _count(url, "income_record") > 0
    assert await _scalars(
        url,
        "SELECT count(*) FROM income_record i WHERE NOT EXISTS (SELECT 1 FROM livelihood_activity"
        " a WHERE a.survivor_id = i.survivor_id AND date_trunc('month', a.started_on) <= i.month)",
    ) == [0]
    assert (
        report.counts["financial inclusion records"] == await _count(url, "financial_inclusion") > 0
    )
    assert await _scalars(
        url, "SELECT count(*) FROM financial_inclusion WHERE since IS NULL OR since > current_date"
    ) == [0]
    assert {
        name.removeprefix("trainings (").removesuffix(")"): n
        for name, n in report.counts.items()
        if name.startswith("trainings (")
    } == {"livelihood": 5, "leadership": 5, "partner": 1}
    assert await _count(url, "training") == 11
    assert report.counts["training participants"] == await _count(url, "training_participant")
    assert await _scalars(
        url,
        "SELECT count(*) FROM training_participant WHERE completed_on IS NOT NULL"
        " AND certificate IS NOT NULL AND post_score > pre_score",
    ) == [report.counts["training certificates"]]
    assert report.counts["training certificates"] > 0
    kinds = await _rows(
        url,
        "SELECT t.topic, count(p.survivor_id), count(p.user_id),"
        " count(p.partner_organization_id) FROM training t"
        " JOIN training_participant p ON p.training_id = t.id GROUP BY t.topic",
    )
    by_topic = {topic: (survivors, users, partners) for topic, survivors, users, partners in kinds}
    assert by_topic["cbr_practice"][0] == 0 < by_topic["cbr_practice"][2]
    assert by_topic["leadership"][1] == 2  # both survivor leaders
    assert by_topic["digital_literacy"][0] > 0
    assert set(await _scalars(url, "SELECT DISTINCT status FROM entitlement_application")) == (
        APPLICATION_STATUSES
    )
    assert {
        name.removeprefix("entitlement applications (").removesuffix(")"): n
        for name, n in report.counts.items()
        if name.startswith("entitlement applications (")
    } == dict(
        await _rows(url, "SELECT status, count(*) FROM entitlement_application GROUP BY status")
    )
    assert await _count(url, "entitlement_status_change") == (
        report.counts["entitlement applications"] + report.counts["entitlement moves"]
    )
    assert await _scalars(
        url,
        "SELECT count(*) FROM entitlement_application a WHERE a.status <> 'documents_gathering'"
        " AND (a.office IS NULL OR a.applied_on IS NULL OR a.applied_on > current_date"
        " OR a.sanctioned_on < a.applied_on OR a.received_on < a.sanctioned_on"
        " OR a.received_paise > a.sanctioned_paise)",
    ) == [0]
    assert await _scalars(
        url,
        "SELECT count(*) FROM entitlement_application"
        " WHERE status IN ('rejected', 'appealed') AND rejection_reason IS NULL",
    ) == [0]
    assert len(await _scalars(url, "SELECT DISTINCT scheme_id FROM entitlement_application")) > 3


async def test_the_demo_leader_groups_campaigns_and_duty_bearers(seeded: Seeded) -> None:
    """Outcome 4: leader groups and their meetings, campaigns, duty bearers."""
    report, url = seeded.report, seeded.url

    # Outcome 4: a leader group in each district, linked to the survivors' forum, its leader
    # convenor and survivors as members; a meeting a month for a year, the convenor at each.
    assert report.counts["leader groups"] == await _count(url, "leader_group") == 2
    assert await _scalars(
        url,
        "SELECT count(DISTINCT district_id) FROM leader_group"
        " WHERE forum_organization_id IS NOT NULL",
    ) == [2]
    assert report.counts["leader group members"] == await _count(url, "leader_group_member") > 2
    assert (
        await _rows(
            url,
            "SELECT m.role, u.role FROM leader_group_member m JOIN app_user u ON u.id = m.user_id",
        )
        == [("convenor", "survivor_leader")] * 2
    )
    assert await _scalars(
        url, "SELECT count(*) FROM leader_group_member WHERE survivor_id IS NOT NULL"
    ) == [report.counts["leader group members"] - 2]
    assert report.counts["leader group meetings"] == await _count(url, "leader_group_meeting") == 24
    assert await _scalars(
        url,
        "SELECT count(*) FROM leader_group_meeting m JOIN leader_group_member c"
        " ON c.group_id = m.group_id AND c.role = 'convenor'"
        " WHERE c.id = ANY(m.attended_member_ids) AND m.minutes_enc IS NOT NULL"
        " AND m.held_on BETWEEN current_date - 366 AND current_date",
    ) == [24]
    assert await _scalars(
        url, "SELECT coalesce(sum(cardinality(attended_member_ids)), 0) FROM leader_group_meeting"
    ) == [report.counts["leader group meeting attendances"]]
    # A year of campaigns of every kind by both groups, with their reach and partners.
    assert report.counts["campaigns"] == await _count(url, "campaign") == 28
    assert set(await _scalars(url, "SELECT DISTINCT kind FROM campaign")) == {
        "awareness_meeting",
        "rally",
        "street_play",
        "school_session",
        "media_event",
    }
    assert await _scalars(
        url,
        "SELECT count(DISTINCT leader_group_id) FROM campaign"
        " WHERE held_on BETWEEN current_date - 366 AND current_date",
    ) == [2]
    assert await _scalars(
        url,
        "SELECT sum(reached_women + reached_men + reached_youth + reached_children) FROM campaign",
    ) == [report.counts["campaign reach"]]
    assert await _scalars(
        url, "SELECT count(*) > 0 FROM campaign WHERE cardinality(partner_organization_ids) > 0"
    ) == [True]
    # Duty bearers of every kind met, commitments in every follow-up state, some overdue and
    # some escalated (never a fulfilled one).
    assert report.counts["duty-bearer engagements"] == await _count(url, "duty_bearer_engagement")
    assert set(await _scalars(url, "SELECT DISTINCT duty_bearer FROM duty_bearer_engagement")) >= {
        "police",
        "anti_human_trafficking_unit",
        "gram_panchayat",
        "block_administration",
        "district_administration",
        "women_child_development",
        "legal_services_authority",
        "labour_department",
        "child_welfare_committee",
    }
    assert report.counts["commitments"] == await _count(url, "duty_bearer_commitment")
    assert {
        name.removeprefix("commitments (").removesuffix(")"): n
        for name, n in report.counts.items()
        if name.startswith("commitments (")
    } == dict(
        await _rows(url, "SELECT status, count(*) FROM duty_bearer_commitment GROUP BY status")
    )
    assert len(await _scalars(url, "SELECT DISTINCT status FROM duty_bearer_commitment")) == 4
    assert await _scalars(
        url,
        "SELECT count(*) FROM duty_bearer_commitment"
        " WHERE due_on < current_date AND status <> 'fulfilled'",
    ) == [report.counts["commitments overdue"]]
    assert report.counts["commitments overdue"] > 0
    assert await _rows(
        url,
        "SELECT count(*), count(*) FILTER (WHERE status = 'fulfilled' OR escalated_to IS NULL"
        " OR escalated_on < (SELECT held_on FROM duty_bearer_engagement e"
        " WHERE e.id = engagement_id)) FROM duty_bearer_commitment WHERE escalated_on IS NOT NULL",
    ) == [(report.counts["commitments escalated"], 0)]
    assert report.counts["commitments escalated"] > 0
    assert await _scalars(
        url,
        "SELECT count(*) > 0 FROM duty_bearer_commitment"
        " WHERE status = 'open' AND (due_on IS NULL OR due_on >= current_date)",
    ) == [True]


async def test_the_demo_identification_referrals_and_safety_reports(seeded: Seeded) -> None:
    """The survivor leaders' identification referrals and safety reports."""
    report, url = seeded.report, seeded.url

    # Identification referrals by the survivor leaders at every status, one a demo case; safety
    # reports with and without named persons, some reviewed by the program manager.
    assert report.counts["identification referrals"] == await _count(url, "identification_referral")
    assert {
        name.removeprefix("identification referrals (").removesuffix(")"): n
        for name, n in report.counts.items()
        if name.startswith("identification referrals (")
    } == dict(
        await _rows(url, "SELECT status, count(*) FROM identification_referral GROUP BY status")
    )
    assert set(await _scalars(url, "SELECT DISTINCT status FROM identification_referral")) == {
        "submitted",
        "accepted",
        "declined",
        "became_case",
    }
    assert await _rows(
        url,
        "SELECT DISTINCT u.role FROM identification_referral r"
        " JOIN app_user u ON u.id = r.submitted_by",
    ) == [("survivor_leader",)]
    assert await _scalars(
        url,
        "SELECT count(*) FROM identification_referral r WHERE (r.status = 'became_case')"
        " <> (r.case_id IS NOT NULL) OR (r.status = 'declined') <> (r.decision_enc IS NOT NULL)"
        " OR (r.status = 'submitted') <> (r.decided_by IS NULL)"
        " OR r.case_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM survivor_case c"
        " WHERE c.id = r.case_id AND c.district_id = r.district_id)",
    ) == [0]
    assert report.counts["safety reports"] == await _count(url, "safety_report")
    assert set(await _scalars(url, "SELECT DISTINCT names_persons FROM safety_report")) == {
        True,
        False,
    }
    assert await _scalars(url, "SELECT count(*) FROM safety_report WHERE names_persons") == [
        report.counts["safety reports naming persons"]
    ]
    assert {
        name.removeprefix("safety reports (").removesuffix(")"): n
        for name, n in report.counts.items()
        if name.startswith("safety reports (")
    } == dict(await _rows(url, "SELECT status, count(*) FROM safety_report GROUP BY status"))
    assert len(await _scalars(url, "SELECT DISTINCT status FROM safety_report")) == 4
    assert await _scalars(
        url,
        "SELECT count(*) FROM safety_report"
        " WHERE (status = 'received') <> (reviewed_by IS NULL OR review_enc IS NULL)",
    ) == [0]


async def test_each_demo_role_sees_what_it_may_and_the_tables_keep_it_sealed(
    settings: Settings, seeded: Seeded
) -> None:
    """Signed in with the demo password, each role sees its share; what they see is sealed."""
    report, url = seeded.report, seeded.url
    committed_db = seeded.database

    async with _client(settings, committed_db) as client:
        # A demo manager signs in with the demo password and sees every case and survivor.
        manager = await _sign_in(client, "manager")
        cases = await client.get("/api/v1/cases?limit=200", headers=manager)
        assert cases.status_code == 200, cases.text
        assert len(cases.json()["items"]) == report.counts["cases"]
        survivors = await client.get("/api/v1/survivors?limit=200", headers=manager)
        assert survivors.status_code == 200, survivors.text
        names = [f"{s['given_name']} {s['family_name']}" for s in survivors.json()["items"]]
        assert len(names) == SURVIVORS
        one = await client.get(
            f"/api/v1/survivors/{survivors.json()['items'][0]['id']}", headers=manager
        )
        assert one.json()["aliases"][0].startswith("Demo survivor ")
        phone = one.json()["phone"]
        # A social worker sees her own caseload only; an analyst no case at all.
        worker = await _sign_in(client, "sw.s24p.1")
        own = await client.get("/api/v1/cases?limit=200", headers=worker)
        assert own.status_code == 200
        assert 0 < len(own.json()["items"]) < report.counts["cases"]
        analyst = await _sign_in(client, "analyst")
        assert (await client.get("/api/v1/cases", headers=analyst)).status_code == 403
        # The partner's trainer sees the course it gives and, of its participants, only the
        # survivors referred to it for training or livelihood support, and not who they are.
        trainer = await _sign_in(client, "partner.staff")
        given = await client.get("/api/v1/trainings", headers=trainer)
        assert given.status_code == 200, given.text
        (course,) = given.json()["items"]
        seen = await client.get(
            f"/api/v1/trainings/{course['id']}/participants?limit=200", headers=trainer
        )
        assert seen.status_code == 200, seen.text
        trainees = seen.json()["items"]
        assert all(p["identity_withheld"] and p["survivor_id"] is None for p in trainees)
        assert [len(trainees)] == await _scalars(
            url,
            "SELECT count(DISTINCT p.id) FROM training_participant p"
            " JOIN training t ON t.id = p.training_id JOIN referral r"
            " ON r.survivor_id = p.survivor_id"
            " AND r.receiving_organization_id = t.provider_organization_id"
            " AND r.service_kind IN ('skills_training', 'livelihood')"
            " AND r.status NOT IN ('declined', 'revoked')",
        )
        assert 0 < len(trainees) < await _count(url, "training_participant")
        # A survivor leader sees her own group, its campaigns and meetings with duty bearers,
        # and her own referrals as submissions; nothing of the other district's.
        leader = await _sign_in(client, "leader.s24p")
        mine = await client.get("/api/v1/leader-groups", headers=leader)
        assert mine.status_code == 200, mine.text
        (group,) = mine.json()["items"]
        campaigns = await client.get("/api/v1/campaigns?limit=200", headers=leader)
        assert campaigns.status_code == 200, campaigns.text
        assert {c["leader_group_id"] for c in campaigns.json()["items"]} == {group["id"]}
        overdue = await client.get(
            "/api/v1/duty-bearer-engagements/overdue-commitments?limit=200", headers=leader
        )
        assert overdue.status_code == 200, overdue.text
        assert {c["leader_group_id"] for c in overdue.json()["items"]} == {group["id"]}
        submitted = await client.get("/api/v1/identification-referrals", headers=leader)
        assert submitted.status_code == 200, submitted.text
        assert {r["view"] for r in submitted.json()["items"]} == {"submission"}
        assert len(submitted.json()["items"]) == 4

    # The names, phones and words the API shows are sealed in the tables.
    dump = await _dump(url)
    assert "synthetic demo data" in dump  # the dump holds the rows
    sealed = [
        *names,
        "demo survivor 0",
        "synthetic demo case",
        "counselling session",
        "synthetic demo referral",
        "synthetic demo story",
    ]
    if phone:
        sealed.append(phone)
    leaks = [value for value in sealed if value.casefold() in dump]
    assert leaks == []
    # Her aspirations, the banks' details and the notes on her applications too.
    outcome_2 = ["demo aspiration", "(demo note)", "pmjdy account (demo)"]
    assert [value for value in outcome_2 if value in dump] == []
    # Meetings' decisions, what the leaders referred and reported, the persons named, the
    # reasons and review notes.
    outcome_4 = [
        "(demo decision)",
        "synthetic demo sighting",
        "demo reason",
        "synthetic demo report",
        "fictional, demo",
        "demo review",
    ]
    assert [value for value in outcome_4 if value in dump] == []


async def test_the_demo_self_help_groups_keep_a_year_of_books_and_hide_who_is_a_survivor(
    settings: Settings, seeded: Seeded
) -> None:
    report, url = seeded.report, seeded.url
    committed_db = seeded.database

    # Groups in both districts (the small run takes the first three of ten), federated by
    # tier; ten to fifteen women each, some of them the organisation's own survivors.
    assert report.counts["self-help groups"] == await _count(url, "shg") == group_count(SURVIVORS)
    assert await _scalars(url, "SELECT count(DISTINCT district_id) FROM shg") == [2]
    assert report.counts["shg federations"] == await _count(url, "shg_federation") == 7
    assert await _scalars(
        url,
        "SELECT count(*) FROM shg s JOIN shg_federation u ON u.id = s.federation_id"
        " JOIN shg_federation g ON g.id = u.parent_id JOIN shg_federation m ON m.id = g.parent_id"
        " WHERE u.tier = 'upa_sangha' AND g.tier = 'sangha_samabay' AND m.tier = 'mahasangha'",
    ) == await _scalars(url, "SELECT count(*) FROM shg WHERE federation_id IS NOT NULL")
    assert report.counts["shg members"] == await _count(url, "shg_member")
    (sizes,) = await _rows(
        url, "SELECT min(n), max(n) FROM (SELECT count(*) AS n FROM shg_member GROUP BY shg_id) x"
    )
    assert 10 <= sizes[0] <= sizes[1] <= 15
    assert await _scalars(url, "SELECT count(*) FROM shg_member WHERE survivor_id IS NOT NULL") == [
        report.counts["shg members (survivors)"]
    ]
    assert report.counts["shg members (survivors)"] > 0
    assert await _scalars(
        url,
        "SELECT count(*) FROM shg_member m JOIN shg s ON s.id = m.shg_id"
        " JOIN survivor v ON v.id = m.survivor_id WHERE v.organization_id <> s.organization_id",
    ) == [0]
    # A year of weekly meetings, attendance varied, savings mostly regular with some missed.
    assert report.counts["shg meetings"] == await _count(url, "shg_meeting")
    assert await _scalars(
        url,
        "SELECT count(*) FROM (SELECT shg_id FROM shg_meeting GROUP BY shg_id"
        " HAVING max(held_on) - min(held_on) >= 357 AND count(*) >= 40) x",
    ) == [group_count(SURVIVORS)]
    assert await _scalars(
        url,
        "SELECT count(*) FROM shg_meeting m JOIN shg s ON s.id = m.shg_id"
        " WHERE (m.held_on - s.formed_on) % 7 <> 0 OR m.held_on > current_date",
    ) == [0]
    assert set(await _scalars(url, "SELECT DISTINCT status FROM shg_attendance")) >= {
        "present",
        "late",
        "absent",
        "approved_leave",
    }
    attended, deposits = await _scalars(
        url,
        "SELECT count(*) FROM shg_attendance WHERE status IN ('present', 'late')"
        " UNION ALL SELECT count(*) FROM shg_ledger_entry WHERE kind = 'savings_deposit'",
    )
    assert isinstance(attended, int)
    assert isinstance(deposits, int)
    assert 0.6 * attended < deposits < await _count(url, "shg_attendance")
    # Loans in every state, one written off, one from a bank; the funds received.
    statuses = {
        name.removeprefix("shg loans (").removesuffix(")"): n
        for name, n in report.counts.items()
        if name.startswith("shg loans (")
    }
    assert statuses == dict(
        await _rows(
            url,
            "SELECT status, count(*) FROM shg_loan WHERE kind = 'internal' GROUP BY status",
        )
    )
    assert set(statuses) == {"applied", "approved", "disbursed", "closed", "written_off"}
    assert statuses["written_off"] == 1
    assert report.counts["shg loans overdue"] > 0
    assert await _rows(url, "SELECT kind, status FROM shg_loan WHERE kind = 'bank'") == [
        ("bank", "disbursed")
    ]
    receipts = dict(await _rows(url, "SELECT kind, count(*) FROM shg_ledger_entry GROUP BY kind"))
    assert receipts["revolving_fund_receipt"] == report.counts["shg revolving funds"] > 0
    assert receipts["community_investment_fund_receipt"] == 1
    assert receipts["bank_loan_repayment"] == report.counts["shg bank loan instalments paid"]
    assert receipts["fine"] > 0

    survivor_ids = [str(s) for s in await _scalars(url, "SELECT id FROM survivor")]
    async with _client(settings, committed_db) as client:
        # The manager sees the members, which are her survivors, and the account numbers.
        manager = await _sign_in(client, "manager")
        listed = await client.get("/api/v1/shgs?limit=200", headers=manager)
        assert listed.status_code == 200, listed.text
        groups = listed.json()["items"]
        assert len(groups) == group_count(SURVIVORS)
        names: list[str] = []
        accounts = [g["bank_linkage"]["account_number"] for g in groups]
        shown_survivors = 0
        overdue = 0
        for group in groups:
            members = await client.get(
                f"/api/v1/shgs/{group['id']}/members?limit=200", headers=manager
            )
            assert members.status_code == 200, members.text
            names += [m["name"] for m in members.json()["items"]]
            shown_survivors += sum(1 for m in members.json()["items"] if m["survivor_id"])
            books = await client.get(f"/api/v1/shgs/{group['id']}/ledger/balances", headers=manager)
            assert books.status_code == 200, books.text
            overdue += sum(
                1
                for loan in books.json()["loans"]
                if loan["status"] == "disbursed" and loan["principal_overdue_paise"] > 0
            )
        assert shown_survivors == report.counts["shg members (survivors)"]
        assert overdue == report.counts["shg loans overdue"]
        assert all(accounts)
        # The analyst sees every group's grade, computed from its books: a strong group, a
        # middling one and a struggling one; no member, and nothing telling who is a survivor.
        analyst = await _sign_in(client, "analyst")
        answers: list[str] = []
        grades = []
        for group in groups:
            grading = await client.get(f"/api/v1/shgs/{group['id']}/grading", headers=analyst)
            assert grading.status_code == 200, grading.text
            assert len(grading.json()["norms"]) == 5
            grades.append((group["name"], grading.json()["grade"]))
            books = await client.get(f"/api/v1/shgs/{group['id']}/ledger/balances", headers=analyst)
            assert books.status_code == 200, books.text
            assert books.json()["members"] is None
            assert books.json()["loans"] is None
            assert books.json()["savings_paise"] > 0
            members = await client.get(f"/api/v1/shgs/{group['id']}/members", headers=analyst)
            assert members.status_code == 403
            one = await client.get(f"/api/v1/shgs/{group['id']}", headers=analyst)
            assert one.json()["bank_linkage"]["account_number"] is None
            answers += [grading.text, books.text, one.text]
        # (The list runs in the order the groups were formed, not the plans'.)
        assert dict(grades) == {plan.name: grade for plan, grade in zip(PLANS, "ABC", strict=False)}
        answers.append((await client.get("/api/v1/shgs?limit=200", headers=analyst)).text)
        # The partner's staff see their own organisation's groups only (none in a small run).
        partner = await _sign_in(client, "partner.staff")
        theirs = await client.get("/api/v1/shgs?limit=200", headers=partner)
        assert theirs.status_code == 200
        (partner_org,) = {str(u.organization_id) for u in report.users if u.key == "partner.staff"}
        assert {g["organization_id"] for g in theirs.json()["items"]} <= {partner_org}
        answers.append(theirs.text)
        for group in groups:
            for path in ("", "/grading", "/ledger/balances"):
                foreign = await client.get(f"/api/v1/shgs/{group['id']}{path}", headers=partner)
                assert foreign.status_code == 404
        seen = "\n".join(answers)
        assert [s for s in survivor_ids if s in seen] == []
        assert [n for n in names if n in seen] == []

    # Members' names, the groups' account numbers and the meetings' minutes are sealed.
    dump = await _dump(url)
    sealed = [*names, *accounts, "(demo minutes)", "(demo resolution)"]
    assert [value for value in sealed if value.casefold() in dump] == []


WORKING_ORDER = ["assessment", "planning", "active", "monitoring"]
HER = re.compile(r"\b(she|her|hers|herself)\b", re.IGNORECASE)


def _months_back(today: date, months: int) -> date:
    """The first day of the month ``months`` before ``today``'s."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


async def test_the_story_is_told_in_order_and_the_dashboard_shows_trends(
    settings: Settings, seeded: Seeded
) -> None:
    """The demo's history (on the module's one seeded database): dates over
    two years in the order of each case's story, closures over the last year, applications
    stalled, self-help groups joined after coming home, a boy's story told as his, and a
    dashboard with a year of trends."""
    committed_db, report = seeded.database, seeded.report
    url = _url(committed_db)
    today = clock.today()
    assert report.today == today
    assert report.began_on is not None
    assert report.began_on < today - timedelta(days=700)

    # Every case's history is in the order of its story: opened first, on the day it opened,
    # then its stages in the order of the lifecycle, nothing after it closed (but reopening).
    events = await _rows(
        url,
        "SELECT e.case_id, e.kind, e.detail ->> 'to', e.occurred_at, c.opened_on, c.status,"
        " c.closed_on FROM case_event e JOIN survivor_case c ON c.id = e.case_id"
        " ORDER BY e.case_id, e.occurred_at, e.id",
    )
    by_case: dict[object, list[tuple[Any, ...]]] = {}
    for row in events:
        by_case.setdefault(row[0], []).append(row)
    assert len(by_case) == report.counts["cases"]
    for history in by_case.values():
        _, kind, _, first_at, opened_on, status, closed_on = history[0]
        assert kind == "opened"
        assert clock.business_date(first_at) == opened_on
        stages = [to for _, kind, to, *_ in history if kind == "transition"]
        working = [to for to in stages if to not in ("closed", "reopened")]
        assert working == WORKING_ORDER[: len(working)]
        assert stages[len(working) :] in ([], ["closed"], ["closed", "reopened"])
        assert (status == "closed") == (stages[-1:] == ["closed"])
        if "closed" in stages:
            closing = next(row for row in history if row[2] == "closed")
            after = [row for row in history if row[3] > closing[3] and row[2] != "reopened"]
            assert after == []
        if status == "closed":
            assert clock.business_date(closing[3]) == closed_on
        if len(history) >= 5:  # not forty events within thirty seconds
            assert history[-1][3] - history[0][3] > timedelta(days=7)
    # Spread over the last year, month by month, and not piled up today.
    months = {
        clock.business_date(at).replace(day=1)
        for *_, at, _, _, _ in events
        if clock.business_date(at) > today - timedelta(days=365)
    }
    assert len(months) >= 10
    on_today = [row for row in events if clock.business_date(row[3]) == today]
    assert len(on_today) < len(events) / 20
    # She was registered before her first case opened, her consents were taken when it
    # opened, and what is recorded was written on the day it happened.
    assert await _scalars(
        url,
        "SELECT count(*) FROM survivor_case c JOIN survivor s ON s.id = c.survivor_id"
        f" WHERE {clock.business_date_sql('s.created_at')} > c.opened_on",
    ) == [0]
    assert await _scalars(
        url,
        "SELECT count(*) FROM assessment"
        f" WHERE {clock.business_date_sql('created_at')} <> conducted_on",
    ) == [0]
    (registered,) = await _rows(
        url,
        f"SELECT min({clock.business_date_sql('created_at')}),"
        f" max({clock.business_date_sql('created_at')}) FROM survivor",
    )
    assert registered[1] - registered[0] > timedelta(days=365)

    # Closures fall over the last year, not all today.
    closed = await _scalars(url, "SELECT closed_on FROM survivor_case WHERE status = 'closed'")
    assert len(closed) >= 2
    assert len(set(closed)) >= 2
    assert all(today - timedelta(days=366) <= day < today for day in closed if day)  # type: ignore[operator]

    # Nobody joins a self-help group before she came home (from her latest trafficking).
    assert report.counts["shg members (survivors)"] > 0
    assert await _scalars(
        url,
        "SELECT count(*) FROM shg_member m JOIN survivor_case c ON c.survivor_id = m.survivor_id"
        " WHERE m.joined_on <= c.returned_on",
    ) == [0]
    assert await _scalars(
        url,
        "SELECT count(*) FROM leader_group_member m JOIN survivor_case c"
        " ON c.survivor_id = m.survivor_id WHERE m.joined_on <= c.returned_on",
    ) == [0]

    # A survivor trains after she was registered, and with the partner after she was
    # referred to it for training.
    assert await _scalars(
        url,
        "SELECT count(*) FROM training_participant p JOIN training t ON t.id = p.training_id"
        " JOIN survivor s ON s.id = p.survivor_id"
        f" WHERE {clock.business_date_sql('s.created_at')} >= t.starts_on",
    ) == [0]
    assert await _scalars(
        url,
        "SELECT count(*) FROM training_participant p JOIN training t ON t.id = p.training_id"
        " JOIN referral r ON r.survivor_id = p.survivor_id"
        " AND r.receiving_organization_id = t.provider_organization_id"
        " AND r.service_kind IN ('skills_training', 'livelihood')"
        " AND r.status NOT IN ('declined', 'revoked')"
        f" WHERE {clock.business_date_sql('r.created_at')} >= t.starts_on",
    ) == [0]

    males = [str(s) for s in await _scalars(url, "SELECT id FROM survivor WHERE sex = 'male'")]
    assert males  # the demo has a boy in every run of five or more
    boys_cases = [
        str(c)
        for c in await _scalars(
            url,
            "SELECT c.id FROM survivor_case c JOIN survivor s ON s.id = c.survivor_id"
            " WHERE s.sex = 'male'",
        )
    ]
    girls_case = str(
        (
            await _scalars(
                url,
                "SELECT c.id FROM survivor_case c JOIN survivor s ON s.id = c.survivor_id"
                " WHERE s.sex = 'female' AND c.status = 'monitoring' LIMIT 1",
            )
        )[0]
    )
    async with _client(settings, committed_db) as client:
        manager = await _sign_in(client, "manager")
        # Some applications have not moved for weeks: stalled.
        stalled = await client.get(
            "/api/v1/entitlement-applications?stalled=true&limit=200", headers=manager
        )
        assert stalled.status_code == 200, stalled.text
        moving = await client.get(
            "/api/v1/entitlement-applications?stalled=false&limit=200", headers=manager
        )
        assert stalled.json()["items"]
        assert moving.json()["items"]

        # A boy's story says "he": nothing written about him says "she" or "her".
        def texts_of(case_id: str) -> list[str]:
            return [
                f"/api/v1/cases/{case_id}",
                f"/api/v1/cases/{case_id}/timeline?limit=200",
                f"/api/v1/cases/{case_id}/visits?limit=200",
                f"/api/v1/cases/{case_id}/notes?limit=200",
                f"/api/v1/cases/{case_id}/care-plan/goals?limit=200",
                f"/api/v1/cases/{case_id}/referrals?limit=200",
                f"/api/v1/cases/{case_id}/legal-proceedings?limit=200",
            ]

        boys_texts: list[str] = []
        for case_id in boys_cases:
            for path in texts_of(case_id):
                answer = await client.get(path, headers=manager)
                assert answer.status_code == 200, (path, answer.text)
                boys_texts.append(answer.text)
        said = [match.group(0) for text in boys_texts for match in HER.finditer(text)]
        assert said == []
        assert " he " in " ".join(boys_texts) or " his " in " ".join(boys_texts)
        girls = (
            await client.get(f"/api/v1/cases/{girls_case}/timeline?limit=200", headers=manager)
        ).text
        assert HER.search(girls)
        assert "{" + "she}" not in girls

        # The dashboard shows trends: a year of months with figures, beside the year before.
        start = _months_back(today, 11)
        registrations = await client.get(
            "/api/v1/indicators/new_registrations/values",
            params={"from": str(start), "to": str(today), "period": "month", "internal": "true"},
            headers=manager,
        )
        assert registrations.status_code == 200, registrations.text
        totals = {
            cell["period"]: cell["value"]
            for cell in registrations.json()["cells"]
            if cell["breakdown"] == {} and cell["value"]
        }
        assert len(totals) >= 3
        open_cases = await client.get(
            "/api/v1/indicators/active_cases/values",
            params={"from": str(start), "to": str(today), "period": "month", "internal": "true"},
            headers=manager,
        )
        assert open_cases.status_code == 200, open_cases.text
        stocks = [
            cell["value"]
            for cell in open_cases.json()["cells"]
            if cell["breakdown"] == {} and cell["value"]
        ]
        assert len(stocks) == 12
        assert len(set(stocks)) >= 2
        dashboard = await client.get(
            "/api/v1/dashboards/outcomes",
            params={
                "from": str(today - timedelta(days=364)),
                "to": str(today),
                "internal": "true",
            },
            headers=manager,
        )
        assert dashboard.status_code == 200, dashboard.text
        headlines = [h for section in dashboard.json()["outcomes"] for h in section["headlines"]]
        assert sum(1 for h in headlines if h["value"]) >= 5
        assert sum(1 for h in headlines if h["previous_value"]) >= 3
        assert sum(1 for h in headlines if h["change"]) >= 3


async def test_a_second_run_finds_the_demo_and_writes_nothing(
    settings: Settings, seeded: Seeded
) -> None:
    """A second run finds the demo (its lead organisation's fixed id) and writes nothing."""
    committed_db, url = seeded.database, seeded.url

    # A second run finds the demo and writes nothing.
    events = await _count(url, "audit_event")
    again = await _seed(settings, committed_db)
    assert not again.created
    assert await _count(url, "survivor") == SURVIVORS
    assert await _count(url, "audit_event") == events
    assert await _scalars(
        url, f"SELECT count(*) FROM organization WHERE id = '{LEAD_ORGANIZATION_ID}'"
    ) == [1]


def test_the_readme_lists_the_demo_accounts_as_the_demo_makes_them() -> None:
    section = README.read_text(encoding="utf-8").split("## Demo data\n", 1)[1].split("\n## ", 1)[0]
    listed: set[tuple[str, str]] = set()
    for row in re.findall(r"^\| (`.+?`) \| `(\w+)` \|", section, re.M):
        keys, role = row
        listed |= {(key, role) for key in re.findall(r"`([^`]+)`", keys)}
    made = {(key, role) for key, role, *_ in STAFF} | {
        (key, role.value) for key, role, *_ in RECEIVERS
    }
    assert listed == made
    assert f"@{EMAIL_DOMAIN}" in section


class _Abort(Exception):
    """Raised by the last seeder of a run that must leave nothing behind."""


async def test_the_same_seed_gives_the_same_data_and_a_failure_leaves_nothing(
    settings: Settings, committed_db: Database
) -> None:
    portraits: list[list[object]] = []

    async def portrait_then_fail(ctx: DemoContext) -> None:
        portraits.append(
            [
                *((s.given_name, s.family_name, s.age, s.district_id) for s in ctx.survivors),
                *((c.case_number, c.stage, c.opened_on, c.high_risk) for c in ctx.cases),
                sorted(ctx.counts.items()),
            ]
        )
        raise _Abort

    seeders = [*SEEDERS, AreaSeeder("portrait", portrait_then_fail)]
    for seed in (7, 7, 8):
        with pytest.raises(_Abort):
            await _seed(settings, committed_db, survivors=4, seed=seed, seeders=seeders)
        # The run was one transaction: nothing of it is left, so the next one starts afresh.
        assert await _count(_url(committed_db), "survivor") == 0
        assert await _count(_url(committed_db), "organization") == 0
    first, second, other = portraits
    assert first == second
    assert other != first


@pytest.fixture
def shakti_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("SHAKTI_"):
            monkeypatch.delenv(name)
    for name, value in CHEAP_HASHING.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SHAKTI_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


def test_the_command_migrates_an_empty_database_prints_the_password_once_and_reruns(
    shakti_env: pytest.MonkeyPatch, empty_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shakti_env.setenv("SHAKTI_DATABASE_URL", empty_database_url)

    code = cli.main(["seed-demo", "--survivors", "3", "--seed", "11"])

    out, err = capsys.readouterr()
    assert code == 0, err
    # One summary: the counts once (the progress lines name the areas only), as the tables
    # hold them; then the accounts, then the password, once.
    lines = out.splitlines()
    holds = lines.index("What it holds:")
    accounts = next(i for i, line in enumerate(lines) if line.startswith("Demo accounts"))
    counts = {}
    for line in lines[holds + 1 : accounts]:
        if line.strip():
            name, count = line.strip().rsplit(maxsplit=1)
            counts[name.strip()] = int(count)
    assert counts["survivors"] == 3
    for name, table in (
        ("survivors", "survivor"),
        ("cases", "survivor_case"),
        ("users", "app_user"),
        ("organizations", "organization"),
        ("consents", "consent"),
        ("referrals", "referral"),
        ("self-help groups", "shg"),
        ("shg meetings", "shg_meeting"),
    ):
        assert counts[name] == asyncio.run(_count(empty_database_url, table)), name
    everything = out + err
    assert all(
        len(re.findall(rf"^\s*{re.escape(name)}\s+\d+$", everything, re.M)) == 1 for name in counts
    )
    assert "users:" not in err  # no counts in the progress lines
    listed = [line.split() for line in lines[accounts + 2 :] if line.startswith("  ")]
    assert ["manager@" + EMAIL_DOMAIN, "program_manager"] == listed[0][:2]
    assert {row[1] for row in listed} >= {"platform_admin", "analyst", "auditor"}
    assert len(listed) == counts["users"]
    (line,) = [line for line in lines if line.startswith("Demo password")]
    assert line.startswith("Demo password (shown once")
    password = line.rsplit(" ", 1)[1]
    assert len(password) >= 12
    assert out.count(password) == 1
    assert password not in err
    hashes = asyncio.run(_scalars(empty_database_url, "SELECT password_hash FROM app_user"))
    assert all(str(h).startswith("$argon2id$") for h in hashes)

    # The audit events carry the story's dates; their chains verify (they run in the order
    # the events were written).
    assert cli.main(["audit-verify"]) == 0
    assert "\nok: " in "\n" + capsys.readouterr().err

    # Again, with a password on stdin: nothing written, nothing printed but the notice.
    shakti_env.setattr(sys, "stdin", io.StringIO("another demo passphrase\n"))
    code = cli.main(["seed-demo", "--password-stdin"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "already holds the demo data" in err
    assert out == ""
    assert asyncio.run(_count(empty_database_url, "survivor")) == 3


def test_the_command_refuses_production_and_bad_counts(
    shakti_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shakti_env.setenv("SHAKTI_ENV", "production")
    assert cli.main(["seed-demo"]) == 2
    assert "refused in production" in capsys.readouterr().err
    shakti_env.setenv("SHAKTI_ENV", "development")
    assert cli.main(["seed-demo", "--survivors", "0"]) == 2
    assert "--survivors" in capsys.readouterr().err
