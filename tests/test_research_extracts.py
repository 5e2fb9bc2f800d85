"""De-identified research extracts on real PostgreSQL: only survivors whose research consent is
in force (a withdrawal leaves her out of the next extract), k-anonymous (every published
combination occurs at least k times; a unique survivor never appears as she is), pseudonyms
that differ between extracts, the recorded hash of exactly what is downloaded, downloads as CSV
and JSON in our layout and HTCDS's, every download audited, and who may reach what."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.common.principal import Role
from domain.research import htcds
from domain.research.anonymity import QI_COLUMNS
from persistence import clock
from persistence.crypto import Place
from persistence.models.case_vocabulary import (
    CaseStatus,
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    RecruitmentMethod,
    ReferralSource,
    RiskLevel,
    Sex,
    TraffickingStatus,
)
from persistence.models.consent import Consent
from persistence.models.enums import OrganizationKind
from persistence.models.survivor import Survivor
from persistence.models.survivor_case import SurvivorCase
from tests.factories import SOUTH_24, Actor, Factory, wb_district

API = "/api/v1"
STUDIES = f"{API}/studies"
MURSHIDABAD = wb_district("Murshidabad")
SCOPES = ["research_extracts:make", "research_extracts:read", "research_extracts:download"]
STUDY = {
    "title": "Documenting community-based rehabilitation practice",
    "purpose": "Describe what helps survivors stay safe and earn after return.",
    "approving_body": "University institutional ethics committee",
}


@dataclass
class World:
    factory: Factory
    organization_id: UUID
    pm: Actor
    analyst: Actor
    sw: Actor
    leader: Actor
    auditor: Actor
    partner_staff: Actor
    admin: Actor
    pm_other: Actor
    client: Actor
    other_organization_id: UUID

    async def survivor(
        self,
        *,
        sex: Sex = Sex.female,
        birth_year: int | None = 1999,
        district_id: UUID = SOUTH_24,
        research: bool = True,
        recruitment_method: RecruitmentMethod | None = RecruitmentMethod.job_offer,
        returned_on: date | None = date(2025, 3, 10),
        name: str = "Rupa Mondal",
        organization_id: UUID | None = None,
        consent_expires_at: datetime | None = None,
        exploitation_types: tuple[str, ...] = ("sexual_exploitation",),
        destination_state: str | None = "Maharashtra",
        case_status: CaseStatus = CaseStatus.monitoring,
    ) -> tuple[UUID, UUID | None]:
        """A survivor with one case; her research consent (given yesterday) when asked."""
        organization_id = organization_id or self.organization_id
        survivor = Survivor(
            organization_id=organization_id,
            district_id=district_id,
            personal_enc=b"",
            sex=sex,
            birth_year=birth_year,
        )
        case = SurvivorCase(
            organization_id=organization_id,
            survivor_id=survivor.id,
            district_id=district_id,
            case_number=f"T-{survivor.id.hex[:10]}",
            status=case_status,
            risk_level=RiskLevel.low,
            referral_source=ReferralSource.police_ahtu,
            trafficking_status=TraffickingStatus.actual,
            exploitation_types=list(exploitation_types),
            recruitment_method=recruitment_method,
            destination_state=destination_state,
            destination_country="IN",
            returned_on=returned_on,
            opened_on=date(2025, 4, 1),
        )
        consent: Consent | None = None
        async with self.factory.uow() as uow:
            survivor.personal_enc = uow.cipher.seal_json(
                {"given_name": name, "phone": "+919800000000"},
                Place("survivor", "personal_enc", survivor.id),
            )
            uow.session.add(survivor)
            await uow.session.flush()
            uow.session.add(case)
            if research:
                consent = Consent(
                    organization_id=organization_id,
                    survivor_id=survivor.id,
                    purpose=ConsentPurpose.research,
                    given_by=ConsentGiver.survivor,
                    method=ConsentMethod.written,
                    language="bn",
                    given_at=clock.now() - timedelta(days=1),
                    expires_at=consent_expires_at,
                )
                uow.session.add(consent)
        return survivor.id, None if consent is None else consent.id


@pytest.fixture
async def world(factory: Factory) -> World:
    lead = await factory.organization("Shakti lead", kind=OrganizationKind.lead_ngo)
    other = await factory.organization("Another NGO", kind=OrganizationKind.lead_ngo)
    return World(
        factory=factory,
        organization_id=lead,
        pm=await factory.user(lead, Role.program_manager),
        analyst=await factory.user(lead, Role.analyst),
        sw=await factory.user(lead, Role.social_worker, districts=(SOUTH_24,)),
        leader=await factory.user(lead, Role.survivor_leader),
        auditor=await factory.user(lead, Role.auditor),
        partner_staff=await factory.user(lead, Role.partner_staff),
        admin=await factory.platform_admin(),
        pm_other=await factory.user(other, Role.program_manager),
        # Scopes written past the grant's checks: people-only policies refuse it all the same.
        client=await factory.integration_client(lead, Role.program_manager, SCOPES, unchecked=True),
        other_organization_id=other,
    )


async def study(client: httpx.AsyncClient, world: World, **body: Any) -> str:
    response = await client.post(STUDIES, json={**STUDY, **body}, headers=world.pm.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def make(
    client: httpx.AsyncClient, world: World, study_id: str, **body: Any
) -> dict[str, Any]:
    response = await client.post(
        f"{STUDIES}/{study_id}/extracts", json=body, headers=world.pm.headers
    )
    assert response.status_code == 201, response.text
    extract: dict[str, Any] = response.json()
    return extract


async def download(
    client: httpx.AsyncClient,
    world: World,
    extract: dict[str, Any],
    file_format: str = "json",
    layout: str = "research",
) -> httpx.Response:
    response = await client.get(
        f"{STUDIES}/{extract['study_id']}/extracts/{extract['id']}/file",
        params={"format": file_format, "layout": layout},
        headers=world.pm.headers,
    )
    assert response.status_code == 200, response.text
    return response


def combinations(records: list[dict[str, str]]) -> Counter[tuple[str, ...]]:
    return Counter(tuple(record[name] for name in QI_COLUMNS) for record in records)


async def test_only_consented_survivors_k_anonymous_and_hashed(
    client: httpx.AsyncClient, world: World
) -> None:
    for _ in range(12):
        await world.survivor()
    # Alone in her combination: a man from Murshidabad recruited by abduction.
    await world.survivor(
        sex=Sex.male,
        birth_year=1980,
        district_id=MURSHIDABAD,
        recruitment_method=RecruitmentMethod.abduction,
        returned_on=date(2019, 7, 2),
    )
    # Her destination typed as more than a state: published as "other", never the text.
    await world.survivor(destination_state="a brothel in Pune, lane 4")
    await world.survivor(research=False)  # no research consent: never in an extract
    await world.survivor(consent_expires_at=clock.now() - timedelta(hours=1))  # expired
    # Consented, but another organisation's survivor.
    await world.survivor(organization_id=world.other_organization_id)
    study_id = await study(client, world)

    extract = await make(client, world, study_id)
    assert extract["k"] == 11
    assert extract["population"] == 14
    # She could not be published as she is: something was generalised or she was suppressed.
    assert extract["generalised"] or extract["suppressed"]
    assert extract["record_count"] + extract["suppressed"] == 14
    assert extract["made_on"] == clock.today().isoformat()

    body = (await download(client, world, extract)).content
    assert hashlib.sha256(body).hexdigest() == extract["sha256"]
    records: list[dict[str, str]] = json.loads(body)
    assert len(records) == extract["record_count"]
    assert all(count >= 11 for count in combinations(records).values())
    assert list(records[0]) == sorted(records[0])  # canonical JSON: keys sorted
    # Never as she is: no published row holds her finest combination.
    assert not [
        r
        for r in records
        if r["sex"] == "male" and r["home_district"] == "Murshidabad" and r["age_band"] == "45-49"
    ]
    # No name, phone or internal id leaves.
    text = body.decode()
    assert "Rupa" not in text
    assert "Pune" not in text
    assert "9800000000" not in text
    async with world.factory.uow() as uow:
        survivor_ids = (
            await uow.session.execute(
                sa.text("SELECT id FROM survivor WHERE organization_id = :o"),
                {"o": world.organization_id},
            )
        ).scalars()
        for survivor_id in survivor_ids:
            assert str(survivor_id) not in text
            assert survivor_id.hex not in text


async def test_a_withdrawn_research_consent_leaves_her_out_of_the_next_extract(
    client: httpx.AsyncClient, world: World
) -> None:
    consents = [await world.survivor() for _ in range(12)]
    study_id = await study(client, world)
    first = await make(client, world, study_id)
    assert (first["population"], first["record_count"]) == (12, 12)

    survivor_id, consent_id = consents[0]
    withdrawn = await client.post(
        f"{API}/survivors/{survivor_id}/consents/{consent_id}/withdraw",
        json={"reason": "survivor_request"},
        headers=world.pm.headers,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    second = await make(client, world, study_id)
    assert (second["population"], second["record_count"]) == (11, 11)
    # The first extract stays as it was made.
    reread = await client.get(
        f"{STUDIES}/{study_id}/extracts/{first['id']}", headers=world.pm.headers
    )
    assert reread.json()["record_count"] == 12


async def test_pseudonyms_differ_between_extracts(client: httpx.AsyncClient, world: World) -> None:
    for _ in range(11):
        await world.survivor()
    study_id = await study(client, world)
    first = await make(client, world, study_id)
    second = await make(client, world, study_id)
    ids = [
        {r["pseudonymous_id"] for r in json.loads((await download(client, world, e)).content)}
        for e in (first, second)
    ]
    assert len(ids[0]) == len(ids[1]) == 11
    assert ids[0].isdisjoint(ids[1])
    # Eleven alike: nothing to generalise, so ages in 5-year bands, places by district, the
    # return by month.
    assert first["generalised"] == []
    assert {q["published_as"] for q in first["quasi_identifiers"]} <= {
        "5-year bands",
        "as recorded",
        "district",
        "state",
        "month",
    }
    [record] = {
        json.dumps({k: v for k, v in r.items() if k != "pseudonymous_id"}, sort_keys=True)
        for r in json.loads((await download(client, world, first)).content)
    }
    low = (clock.today().year - 1999) // 5 * 5
    assert json.loads(record) == {
        "age_band": f"{low}-{low + 4}",
        "case_status": "*",  # all eleven share it: withheld
        "destination_country": "IN",
        "destination_state": "Maharashtra",
        "exploitation_types": "sexual_exploitation",
        "home_district": "South 24 Parganas",
        "home_state": "West Bengal",
        "recruitment_method": "job_offer",
        "returned": "2025-03",
        "sex": "female",
        "trafficking_status": "*",
    }
    assert first["sensitive_withheld"] == {"trafficking_status": 11, "case_status": 11}


async def test_extract_rules_study_purpose_and_k(client: httpx.AsyncClient, world: World) -> None:
    for _ in range(12):
        await world.survivor()
    bare = await client.post(STUDIES, json={"title": "No approval yet"}, headers=world.pm.headers)
    response = await client.post(
        f"{STUDIES}/{bare.json()['id']}/extracts", json={}, headers=world.pm.headers
    )
    assert response.status_code == 422, response.text
    study_id = await study(client, world)
    lowered = await client.post(
        f"{STUDIES}/{study_id}/extracts", json={"k": 5}, headers=world.pm.headers
    )
    assert lowered.status_code == 422, lowered.text
    raised = await make(client, world, study_id, k=13)
    assert (raised["k"], raised["record_count"], raised["suppressed"]) == (13, 0, 12)
    unknown = await client.post(
        f"{STUDIES}/{study_id}/extracts", json={"k": 11, "note": "x"}, headers=world.pm.headers
    )
    assert unknown.status_code == 422


async def test_downloads_csv_and_htcds_and_every_download_is_audited(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    for i in range(11):
        await world.survivor(case_status=CaseStatus.monitoring if i % 2 else CaseStatus.active)
    study_id = await study(client, world)
    extract = await make(client, world, study_id)

    research_csv = (await download(client, world, extract, "csv")).text
    rows = list(csv.DictReader(io.StringIO(research_csv)))
    assert list(rows[0]) == extract["columns"]
    assert len(rows) == 11

    htcds_csv = await download(client, world, extract, "csv", "htcds")
    assert htcds_csv.headers["content-type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(htcds_csv.text))
    reference = htcds.reference()
    assert reader.fieldnames is not None
    for name in reader.fieldnames:
        assert name in reference or name.startswith("ext_"), name
    htcds_rows = list(reader)
    assert {r["prs_Gender"] for r in htcds_rows} == {"Female"}
    assert {r["cas_Status"] for r in htcds_rows} == {"FollowUp", "Active"}
    assert {r["ext_TraffickingStatus"] for r in htcds_rows} == {""}  # all alike: withheld
    assert {r["vic_MethodOfRecruitment"] for r in htcds_rows} == {"Job offer/advertisement"}
    htcds_json = json.loads((await download(client, world, extract, "json", "htcds")).content)
    assert len(htcds_json) == 11
    assert set(htcds_json[0]) == set(htcds.FIELDS)

    exports = await connection.execute(
        sa.text(
            "SELECT count(*) FROM audit_event WHERE action = 'export'"
            " AND entity_type = 'research_extract' AND entity_id = :e AND actor_id = :a"
        ),
        {"e": extract["id"], "a": world.pm.id},
    )
    assert exports.scalar_one() == 3  # one per download
    made = await connection.execute(
        sa.text(
            "SELECT count(*) FROM audit_event WHERE action = 'create'"
            " AND entity_type = 'research_extract' AND entity_id = :e"
        ),
        {"e": extract["id"]},
    )
    assert made.scalar_one() == 1


async def test_the_app_role_cannot_change_or_remove_an_extract(
    client: httpx.AsyncClient, world: World
) -> None:
    for _ in range(11):
        await world.survivor()
    extract = await make(client, world, await study(client, world))
    for statement in (
        "UPDATE research_extract SET record_count = 0 WHERE id = :e",
        "DELETE FROM research_extract WHERE id = :e",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="permission denied"):
            async with world.factory.uow() as uow:
                await uow.session.execute(sa.text(statement), {"e": extract["id"]})


async def test_who_may_reach_extracts(client: httpx.AsyncClient, world: World) -> None:
    for _ in range(11):
        await world.survivor()
    study_id = await study(client, world)
    extract = await make(client, world, study_id)
    base = f"{STUDIES}/{study_id}/extracts"
    requests = [
        ("make", "POST", base),
        ("read", "GET", base),
        ("read", "GET", f"{base}/{extract['id']}"),
        ("download", "GET", f"{base}/{extract['id']}/file?format=json"),
        ("download", "GET", f"{base}/{extract['id']}/file?format=csv&layout=htcds"),
    ]

    def expected(who: str, kind: str, method: str) -> int:
        if who == "pm":
            return 201 if method == "POST" else 200
        if who == "analyst" and kind == "read":
            return 200
        if who == "pm_other":
            return 404  # another organisation's study: not revealed
        return 403

    callers = {
        "pm": world.pm,
        "analyst": world.analyst,
        "social_worker": world.sw,
        "survivor_leader": world.leader,
        "auditor": world.auditor,
        "partner_staff": world.partner_staff,
        "platform_admin": world.admin,
        "pm_other": world.pm_other,
        "integration_client": world.client,
    }
    wrong = []
    for who, actor in callers.items():
        for kind, method, path in requests:
            body: dict[str, Any] | None = {} if method == "POST" else None
            response = await client.request(method, path, json=body, headers=actor.headers)
            if response.status_code != expected(who, kind, method):
                wrong.append(f"{who} {method} {path}: {response.status_code}")
            if response.status_code >= 400:
                assert "pseudonymous_id" not in response.text
    assert wrong == [], "\n".join(wrong)


async def test_a_varied_population_is_k_anonymous_on_postgresql(
    client: httpx.AsyncClient, world: World
) -> None:
    """Sixty survivors drawn at random (seeded): whatever the extract generalised, every
    published combination is shared by at least k, and the counts add up."""
    draw = random.Random(13)
    for _ in range(60):
        await world.survivor(
            sex=draw.choice([Sex.female, Sex.female, Sex.female, Sex.male]),
            birth_year=draw.choice([None, *range(1985, 2008)]),
            district_id=draw.choice([SOUTH_24, SOUTH_24, MURSHIDABAD]),
            recruitment_method=draw.choice([None, *RecruitmentMethod]),
            returned_on=draw.choice([None, date(2024, 2, 1), date(2025, 3, 10), date(2026, 1, 5)]),
            exploitation_types=draw.choice(
                [("sexual_exploitation",), ("forced_labour",), ("child_labour", "forced_labour")]
            ),
            destination_state=draw.choice(["Maharashtra", "Delhi", None]),
        )
    extract = await make(client, world, await study(client, world))
    records = json.loads((await download(client, world, extract)).content)
    assert extract["population"] == 60
    assert len(records) == extract["record_count"] == 60 - extract["suppressed"]
    assert all(count >= 11 for count in combinations(records).values())
    # Suppression within its budget (5% of 60), unless nothing was left to generalise.
    withheld = {q["published_as"] for q in extract["quasi_identifiers"]} == {"withheld"}
    assert extract["suppressed"] <= 3 or withheld
