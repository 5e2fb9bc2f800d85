"""Assessment instruments as data, a case's assessments over time (scores, change from the
baseline, the risk level they set), what stays sealed, and who may see and record them."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from fractions import Fraction
from functools import partial
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from api.app import create_app
from domain.assessments.schemas import AssessmentCreate, InstrumentCreate
from domain.assessments.scoring import (
    Band,
    InstrumentSpec,
    ItemSpec,
    Rules,
    SectionSpec,
    band_for,
    change,
    resolve,
    round2,
    score,
)
from domain.common.errors import BusinessRuleViolation
from domain.common.principal import Role
from domain.common.settings import Settings
from persistence import migrator
from persistence.crypto import Place
from persistence.database import Database, create_engine
from persistence.models.case_vocabulary import CaseStatus, ResponseType
from tests import helpers
from tests.factories import SOUTH_24, Actor, CaseFactory, Factory
from tests.helpers import audit_of, today
from tests.worlds import CASE_PEOPLE, CaseWorld, Client, person, with_people, world_fixture

API = "/api/v1"
CASES = f"{API}/cases"
INSTRUMENTS = f"{API}/assessment-instruments"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://shakti-mis.org/instruments")
CBR = uuid.uuid5(NAMESPACE, "instrument:cbr_matrix")
WELLBEING = uuid.uuid5(NAMESPACE, "instrument:reintegration_wellbeing")
RISK = uuid.uuid5(NAMESPACE, "instrument:retrafficking_risk")
SEED_REVISION_PARENT = "0004"  # the revision before the instruments were seeded
NOTES = "Met behind the Canning bus stand; her uncle Haru waited outside"
ASSESSMENT_TABLES = ("assessment", "assessment_response", "case_event", "assessment_instrument")

CBR_ELEMENTS = {
    "health": [
        "promotion",
        "prevention",
        "medical_care",
        "rehabilitation",
        "assistive_devices",
    ],
    "education": [
        "early_childhood",
        "primary",
        "secondary_higher",
        "non_formal",
        "lifelong_learning",
    ],
    "livelihood": [
        "skills_development",
        "self_employment",
        "wage_employment",
        "financial_services",
        "social_protection",
    ],
    "social": [
        "personal_assistance",
        "relationships_family",
        "culture_arts",
        "recreation_sports",
        "justice",
    ],
    "empowerment": [
        "advocacy_communication",
        "community_mobilisation",
        "political_participation",
        "self_help_groups",
        "survivor_collectives",
    ],
}
WELLBEING_DOMAINS = [
    "safety",
    "legal_protection",
    "mental_wellbeing",
    "economic_empowerment",
    "social_support",
    "physical_wellbeing",
]
RISK_FACTORS = {
    "recruiter_contact": 3,
    "threats": 3,
    "perpetrator_nearby": 2,
    "debt": 2,
    "no_income": 2,
    "food_insecurity": 1,
    "unsafe_family_member": 3,
    "family_pressure": 2,
    "previous_retrafficking": 3,
    "unsafe_migration_plan": 2,
    "unverified_job_offer": 2,
    "minor_out_of_school": 2,
}


def assessments_url(case_id: UUID) -> str:
    return f"{CASES}/{case_id}/assessments"


# -- the seed migration -----------------------------------------------------------------------
async def _seeded(url: str) -> dict[str, int]:
    engine = create_engine(url, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            return {
                table: int(
                    await conn.scalar(
                        sa.text(f"SELECT count(*) FROM {table} WHERE id = ANY(:ids)"),
                        {"ids": ids},
                    )
                    or 0
                )
                for table, ids in (
                    ("assessment_instrument", [CBR, WELLBEING, RISK]),
                    (
                        "assessment_section",
                        [uuid.uuid5(NAMESPACE, f"section:cbr_matrix:{c}") for c in CBR_ELEMENTS],
                    ),
                    (
                        "assessment_item",
                        [
                            uuid.uuid5(NAMESPACE, f"item:retrafficking_risk:{code}")
                            for code in RISK_FACTORS
                        ],
                    ),
                )
            }
    finally:
        await engine.dispose()


async def test_the_seed_migration_downgrades_and_seeds_the_same_ids_again(
    empty_database_url: str,
) -> None:
    seeded = {"assessment_instrument": 3, "assessment_section": 5, "assessment_item": 12}
    await asyncio.to_thread(migrator.upgrade, empty_database_url)
    assert await _seeded(empty_database_url) == seeded
    await asyncio.to_thread(migrator.downgrade, empty_database_url, SEED_REVISION_PARENT)
    assert set((await _seeded(empty_database_url)).values()) == {0}
    await asyncio.to_thread(migrator.upgrade, empty_database_url)
    assert await _seeded(empty_database_url) == seeded


# -- pure scoring -----------------------------------------------------------------------------
def _item(code: str, section: str, kind: ResponseType, weight: int = 1) -> ItemSpec:
    return ItemSpec(
        id=uuid.uuid5(NAMESPACE, f"test:{code}"),
        code=code,
        section=section,
        response_type=kind,
        weight=weight,
    )


def _spec(sections: dict[str, list[ItemSpec]], rules: Rules | None = None) -> InstrumentSpec:
    return InstrumentSpec(
        code="test",
        sections=tuple(SectionSpec(code=c, items=tuple(items)) for c, items in sections.items()),
        rules=rules or Rules(),
    )


S = ResponseType.score
Y = ResponseType.yes_no
R = ResponseType.rank


def _wellbeing_like() -> InstrumentSpec:
    return _spec(
        {
            "a": [_item(f"a.{i}", "a", S) for i in range(8)],
            "b": [_item(f"b.{i}", "b", S) for i in range(3)],
            "c": [_item("c.need", "c", Y)],
        }
    )


def test_section_means_round_half_up_and_overall_weighs_sections_equally() -> None:
    spec = _wellbeing_like()
    # a: 17/8 = 2.125 (banker's rounding would give 2.12); b: 2/3 = 0.67 on a 1..4 scale is
    # impossible, so b: (1 + 1 + 2) / 3 = 1.333...
    answers = {
        **{f"a.{i}": v for i, v in enumerate([2, 2, 2, 2, 2, 2, 2, 3])},
        "b.0": 1,
        "b.1": 1,
        "b.2": 2,
    }
    scores = score(spec, resolve(spec, answers))
    assert scores == {"sections": {"a": 2.13, "b": 1.33, "c": None}, "overall": 1.73}
    # the overall is the mean of the exact section means (17/8 + 4/3) / 2 = 1.7291..., not of
    # all items (21/11 = 1.91)
    assert round2(Fraction(17, 8)) == 2.13
    assert round2(Fraction(-1, 8)) == -0.13


def test_bands_come_from_data() -> None:
    bands = (Band("low", 3), Band("medium", 7), Band("high"))
    assert [band_for(p, bands) for p in (0, 3, 4, 7, 8, 40)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]
    stricter = (Band("low", 1), Band("medium", 3), Band("high"))
    assert band_for(4, stricter) == "high"
    assert Rules.from_data(
        {"bands": [{"max": 1, "level": "low"}, {"level": "high"}], "sets_case_risk": True}
    ) == Rules(bands=(Band("low", 1), Band("high")), sets_case_risk=True)


def test_risk_points_add_the_weights_of_yes_answers() -> None:
    rules = Rules(bands=(Band("low", 3), Band("medium", 7), Band("high")), sets_case_risk=True)
    spec = _spec(
        {
            "people": [_item("recruiter", "people", Y, 3), _item("threats", "people", Y, 3)],
            "money": [_item("debt", "money", Y, 2), _item("no_income", "money", Y, 2)],
        },
        rules,
    )
    high = score(spec, resolve(spec, {"recruiter": 1, "threats": 1, "debt": 1, "no_income": 0}))
    assert high == {
        "sections": {"people": None, "money": None},
        "overall": None,
        "section_points": {"people": 6, "money": 2},
        "points": 8,
        "band": "high",
    }
    medium = score(spec, resolve(spec, {"recruiter": 0, "threats": 1, "debt": 1, "no_income": 0}))
    assert (medium["points"], medium["band"]) == (5, "medium")
    # every risk factor is answered: a missing one would silently lower the band
    with pytest.raises(BusinessRuleViolation, match="missing: no_income"):
        resolve(spec, {"recruiter": 1, "threats": 1, "debt": 1})


def test_needs_and_her_ranked_priorities() -> None:
    items = {
        "health": [
            _item("medical_care.need", "health", Y),
            _item("medical_care.status", "health", S),
            _item("medical_care.priority", "health", R),
            _item("prevention.need", "health", Y),
            _item("prevention.status", "health", S),
            _item("prevention.priority", "health", R),
        ],
        "livelihood": [
            _item("wage_employment.need", "livelihood", Y),
            _item("wage_employment.status", "livelihood", S),
            _item("wage_employment.priority", "livelihood", R),
        ],
    }
    spec = _spec(items, Rules(needs=True, priorities=True))
    answers = {
        "medical_care.need": 1,
        "medical_care.status": 1,
        "medical_care.priority": 2,
        "prevention.status": 4,
        "prevention.priority": 0,
        "wage_employment.need": 1,
        "wage_employment.status": 2,
        "wage_employment.priority": 1,
    }
    scores = score(spec, resolve(spec, answers))
    assert scores["sections"] == {"health": 2.5, "livelihood": 2.0}
    assert scores["overall"] == 2.25
    assert scores["needs"] == ["medical_care", "wage_employment"]
    assert scores["priorities"] == [
        {"element": "wage_employment", "rank": 1},
        {"element": "medical_care", "rank": 2},
    ]
    # each rank once
    with pytest.raises(BusinessRuleViolation) as twice:
        resolve(spec, {**answers, "prevention.priority": 1})
    # named at the second element holding the rank, in the instrument's order
    assert twice.value.extra["field"] == "responses.wage_employment.priority"


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"a.0": 5}, "responses.a.0"),  # above the scale
        ({"a.0": 0}, "responses.a.0"),  # below the scale
        ({"c.need": 2}, "responses.c.need"),  # yes/no is 0 or 1
        ({"c.need": True}, "responses.c.need"),  # not a boolean either
        ({"a.nope": 1}, "responses.a.nope"),  # no such item
        ({str(uuid.uuid4()): 1}, None),  # no such item id
        ({}, "responses"),  # score items missing
    ],
)
def test_answers_are_checked_against_the_instrument(
    answers: dict[str, Any], field: str | None
) -> None:
    spec = _wellbeing_like()
    full = {f"a.{i}": 3 for i in range(8)} | {f"b.{i}": 3 for i in range(3)}
    with pytest.raises(BusinessRuleViolation) as refused:
        resolve(spec, {**full, **answers} if answers else {})
    expected = field or f"responses.{next(iter(answers))}"
    assert refused.value.extra["field"] == expected


def test_answers_by_id_or_code_but_not_both() -> None:
    spec = _wellbeing_like()
    first = spec.sections[0].items[0]
    full = {f"a.{i}": 3 for i in range(1, 8)} | {f"b.{i}": 3 for i in range(3)}
    assert resolve(spec, {**full, str(first.id): 4})[first.id] == 4
    with pytest.raises(BusinessRuleViolation, match="twice"):
        resolve(spec, {**full, str(first.id): 4, "a.0": 4})
    # optional items may be left out; rank and need are optional in a score instrument
    assert len(resolve(spec, {**full, "a.0": 1})) == 11


def test_change_from_the_baseline() -> None:
    baseline = {
        "sections": {"safety": 1.67, "legal": None, "health": 2.0},
        "overall": 1.83,
        "section_points": {"people": 6, "money": 2},
        "points": 8,
        "band": "high",
    }
    later = {
        "sections": {"safety": 3.0, "legal": 2.5, "health": 1.75},
        "overall": 2.42,
        "section_points": {"people": 0, "money": 2},
        "points": 2,
        "band": "low",
    }
    assert change(later, baseline) == {
        "sections": {"safety": 1.33, "legal": None, "health": -0.25},
        "overall": 0.59,
        "section_points": {"people": -6, "money": 0},
        "points": -6,
        "band_from": "high",
    }
    itself = change(baseline, baseline)
    assert itself["sections"] == {"safety": 0.0, "legal": None, "health": 0.0}
    assert (itself["overall"], itself["points"]) == (0.0, 0)


# -- the API ------------------------------------------------------------------------------------
class World(CaseWorld):
    """Two organisations, their people and clients, and a case of A held by ``sw_a``."""

    people = with_people(
        CASE_PEOPLE, sw_a=person("org_a", Role.social_worker, SOUTH_24, name="Rupa Das")
    )
    clients = {
        "client_reader_a": Client(
            "org_a", Role.program_manager, ("assessments:read", "assessment_instruments:read")
        ),
        "client_assessor_a": Client(
            "org_a",
            Role.social_worker,
            ("assessments:read", "assessments:manage", "assessment_instruments:read"),
        ),
        "client_manager_a": Client(
            "org_a",
            Role.program_manager,
            ("assessments:read", "assessments:manage", "assessment_instruments:read"),
        ),
        "client_partner_b": Client("org_b", Role.partner_staff),
    }
    case_of_b = True


world = world_fixture(World)


def wellbeing_answers(value: int = 3, **overrides: int) -> dict[str, int]:
    """Every sub-domain of the reintegration wellbeing instrument at ``value``."""
    codes = {
        "safety": ["free_from_abuse", "free_from_threats", "manages_unsafe_situations"],
        "legal_protection": [
            "identity_documents",
            "knows_rights",
            "legal_services",
            "safe_in_proceedings",
        ],
        "mental_wellbeing": ["emotional_health", "self_worth", "coping", "substance_use"],
        "economic_empowerment": ["income", "financial_access", "livelihood_skills", "education"],
        "social_support": [
            "trusted_relationships",
            "family_acceptance",
            "community_acceptance",
            "group_participation",
        ],
        "physical_wellbeing": [
            "health_status",
            "health_care_access",
            "basic_needs",
            "reproductive_health",
        ],
    }
    answers = {f"{domain}.{item}": value for domain, items in codes.items() for item in items}
    for code, given in overrides.items():
        answers[code.replace("__", ".")] = given
    return answers


def risk_answers(*present: str) -> dict[str, int]:
    return {factor: int(factor in present) for factor in RISK_FACTORS}


def body(instrument: UUID, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "instrument_id": str(instrument),
        "conducted_on": extra.pop("conducted_on", "2026-03-01"),
        "responses": responses,
        **extra,
    }


async def assess(
    client: httpx.AsyncClient,
    actor: Actor,
    case_id: UUID,
    instrument: UUID,
    responses: dict[str, int],
    **extra: Any,
) -> dict[str, Any]:
    response = await client.post(
        assessments_url(case_id), json=body(instrument, responses, **extra), headers=actor.headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


table_counts = partial(helpers.table_counts, tables=ASSESSMENT_TABLES)


async def case_risk(connection: AsyncConnection, case_id: UUID) -> str:
    return str(
        await connection.scalar(
            sa.text("SELECT risk_level FROM survivor_case WHERE id = :id"), {"id": case_id}
        )
    )


# -- instruments --------------------------------------------------------------------------------
async def test_the_shared_instruments_are_seeded_as_data_with_stable_ids(
    client: httpx.AsyncClient, world: World
) -> None:
    listed = await client.get(INSTRUMENTS, headers=world.sw_a.headers)
    assert listed.status_code == 200, listed.text
    shared = {i["code"]: i for i in listed.json()["items"] if i["shared"]}
    assert {code: UUID(i["id"]) for code, i in shared.items()} == {
        "cbr_matrix": CBR,
        "reintegration_wellbeing": WELLBEING,
        "retrafficking_risk": RISK,
    }
    assert all(i["organization_id"] is None for i in shared.values())

    cbr = await client.get(f"{INSTRUMENTS}/{CBR}", headers=world.sw_a.headers)
    assert cbr.status_code == 200, cbr.text
    assert cbr.headers["etag"] == '"v1"'
    matrix = cbr.json()
    assert [s["code"] for s in matrix["sections"]] == list(CBR_ELEMENTS)
    assert [s["position"] for s in matrix["sections"]] == [1, 2, 3, 4, 5]
    for section in matrix["sections"]:
        expected = [
            f"{element}.{part}"
            for element in CBR_ELEMENTS[section["code"]]
            for part in ("need", "status", "priority")
        ]
        assert [i["code"] for i in section["items"]] == expected
        assert [i["position"] for i in section["items"]] == list(range(1, 16))
        ranges = {i["response_type"]: (i["min_value"], i["max_value"]) for i in section["items"]}
        assert ranges == {"yes_no": (0, 1), "score": (1, 4), "rank": (0, 5)}
    assert "Survivor collectives" in matrix["sections"][4]["items"][-1]["prompt"]
    assert matrix["rules"]["needs"] is matrix["rules"]["priorities"] is True
    assert matrix["rules"]["scale_labels"]["1"] == "most vulnerable"

    wellbeing = (await client.get(f"{INSTRUMENTS}/{WELLBEING}", headers=world.sw_a.headers)).json()
    assert [s["code"] for s in wellbeing["sections"]] == WELLBEING_DOMAINS
    assert all(3 <= len(s["items"]) <= 5 for s in wellbeing["sections"])
    assert all(i["response_type"] == "score" for s in wellbeing["sections"] for i in s["items"])
    assert [i["prompt"] for i in wellbeing["sections"][0]["items"]] == [
        "Free from abuse or neglect",
        "Free from threats by suspects or others",
        "Able to identify and manage unsafe situations",
    ]

    risk = (await client.get(f"{INSTRUMENTS}/{RISK}", headers=world.sw_a.headers)).json()
    weights = {i["code"]: i["weight"] for s in risk["sections"] for i in s["items"]}
    assert weights == RISK_FACTORS
    assert all(i["response_type"] == "yes_no" for s in risk["sections"] for i in s["items"])
    assert risk["rules"] == {
        "bands": [
            {"max": 3, "level": "low"},
            {"max": 7, "level": "medium"},
            {"max": None, "level": "high"},
        ],
        "sets_case_risk": True,
        "needs": False,
        "priorities": False,
        "scale_labels": None,
    }
    # item ids are UUIDv5 of instrument and item code, the same on every installation
    first = risk["sections"][0]["items"][0]
    assert UUID(first["id"]) == uuid.uuid5(NAMESPACE, "item:retrafficking_risk:recruiter_contact")


def own_instrument(code: str = "shg_readiness", **extra: Any) -> dict[str, Any]:
    instrument: dict[str, Any] = {
        "code": code,
        "name": "Readiness to join a self-help group",
        "description": "Asked before she joins an SHG.",
        "scale_min": 1,
        "scale_max": 5,
        "rules": {
            "bands": [{"max": 1, "level": "low"}, {"level": "high"}],
            "sets_case_risk": True,
            "priorities": True,
        },
        "sections": [
            {
                "code": "savings",
                "name": "Savings habit",
                "items": [
                    {
                        "code": "savings.status",
                        "prompt": "Saves every month",
                        "response_type": "score",
                    },
                    {
                        "code": "savings.priority",
                        "prompt": "Her own priority for saving",
                        "response_type": "rank",
                    },
                ],
            },
            {
                "code": "pressure",
                "name": "Pressure",
                "items": [
                    {
                        "code": "moneylender",
                        "prompt": "A moneylender presses her",
                        "response_type": "yes_no",
                        "weight": 2,
                    }
                ],
            },
        ],
    }
    instrument.update(extra)
    return instrument


async def test_a_program_manager_defines_her_organisations_own_instrument(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    created = await client.post(INSTRUMENTS, json=own_instrument(), headers=world.pm_a.headers)
    assert created.status_code == 201, created.text
    instrument = created.json()
    assert created.headers["location"] == f"{INSTRUMENTS}/{instrument['id']}"
    assert (instrument["organization_id"], instrument["shared"]) == (str(world.org_a), False)
    assert [s["code"] for s in instrument["sections"]] == ["savings", "pressure"]
    assert [i["code"] for i in instrument["sections"][0]["items"]] == [
        "savings.status",
        "savings.priority",
    ]
    assert instrument["sections"][0]["items"][0]["max_value"] == 5
    assert instrument["rules"]["bands"][-1] == {"max": None, "level": "high"}
    assert ("create", "assessment_instrument", UUID(instrument["id"]), world.org_a) in [
        tuple(row) for row in await audit_of(connection, created)
    ]
    # her organisation's workers and analysts see it; nobody else does
    for actor in (world.sw_a, world.analyst_a, world.pm_a):
        codes = {
            i["code"]
            for i in (await client.get(INSTRUMENTS, headers=actor.headers)).json()["items"]
        }
        assert "shg_readiness" in codes
        one = await client.get(f"{INSTRUMENTS}/{instrument['id']}", headers=actor.headers)
        assert one.status_code == 200
    for actor in (world.pm_b, world.sw_b):
        listed = await client.get(INSTRUMENTS, headers=actor.headers)
        assert instrument["id"] not in listed.text
        assert {i["code"] for i in listed.json()["items"]} == {
            "cbr_matrix",
            "reintegration_wellbeing",
            "retrafficking_risk",
        }
        one = await client.get(f"{INSTRUMENTS}/{instrument['id']}", headers=actor.headers)
        missing = await client.get(f"{INSTRUMENTS}/{uuid.uuid4()}", headers=actor.headers)
        assert one.status_code == missing.status_code == 404
        assert one.json()["detail"] == missing.json()["detail"]
    # nor can B assess with it: as if it did not exist
    foreign = await client.post(
        assessments_url(world.case_b),
        json=body(UUID(instrument["id"]), {"savings.status": 3, "moneylender": 0}),
        headers=world.pm_b.headers,
    )
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["loc"] == ["body", "instrument_id"]
    # codes: not a shared instrument's, not twice in one organisation; another may reuse it
    for code in ("cbr_matrix", "shg_readiness"):
        clash = await client.post(
            INSTRUMENTS, json=own_instrument(code), headers=world.pm_a.headers
        )
        assert clash.status_code == 409, clash.text
    again_b = await client.post(INSTRUMENTS, json=own_instrument(), headers=world.pm_b.headers)
    assert again_b.status_code == 201

    # her instrument scores by its own rules: bands as data set the case's risk level
    assessed = await assess(
        client,
        world.sw_a,
        world.case,
        UUID(instrument["id"]),
        {"savings.status": 2, "savings.priority": 1, "moneylender": 1},
    )
    assert assessed["scores"]["sections"] == {"savings": 2.0, "pressure": None}
    assert (assessed["scores"]["points"], assessed["scores"]["band"]) == (2, "high")
    assert assessed["scores"]["priorities"] == [{"element": "savings", "rank": 1}]
    assert await case_risk(connection, world.case) == "high"


def _bad_instruments() -> list[tuple[str, dict[str, Any]]]:
    good = own_instrument()
    item = good["sections"][0]["items"][0]
    return [
        ("unknown field", {**good, "organization_id": str(uuid.uuid4())}),
        ("scale upside down", {**good, "scale_min": 4, "scale_max": 4}),
        ("no sections", {**good, "sections": []}),
        ("empty section", {**good, "sections": [{"code": "x", "name": "X", "items": []}]}),
        ("bad code", {**good, "code": "Has Spaces"}),
        (
            "item codes twice",
            {
                **good,
                "sections": [
                    {"code": "a", "name": "A", "items": [item]},
                    {"code": "b", "name": "B", "items": [item]},
                ],
            },
        ),
        (
            "section codes twice",
            {**good, "sections": [good["sections"][0], good["sections"][0]]},
        ),
        (
            "bands out of order",
            {
                **good,
                "rules": {
                    "bands": [
                        {"max": 5, "level": "low"},
                        {"max": 2, "level": "medium"},
                        {"level": "high"},
                    ]
                },
            },
        ),
        ("last band bounded", {**good, "rules": {"bands": [{"max": 5, "level": "low"}]}}),
        (
            "risk levels unknown",
            {
                **good,
                "rules": {
                    "bands": [{"max": 5, "level": "green"}, {"level": "red"}],
                    "sets_case_risk": True,
                },
            },
        ),
        ("risk without bands", {**good, "rules": {"sets_case_risk": True}}),
        (
            "priorities without rank items",
            {**good, "rules": {"priorities": True}, "sections": [good["sections"][1]]},
        ),
        (
            "bands without yes/no items",
            {**good, "sections": [good["sections"][0]]},
        ),
        ("scale label off the scale", {**good, "rules": {"scale_labels": {"9": "x"}}}),
        ("unknown rule", {**good, "rules": {"formula": "eval()"}}),
        (
            "unknown response type",
            {
                **good,
                "sections": [
                    {"code": "a", "name": "A", "items": [{**item, "response_type": "text"}]}
                ],
            },
        ),
    ]


async def test_invalid_instruments_are_refused_with_nothing_written(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    before = await table_counts(connection)
    for name, bad in _bad_instruments():
        refused = await client.post(INSTRUMENTS, json=bad, headers=world.pm_a.headers)
        assert refused.status_code == 422, (name, refused.text)
    assert await table_counts(connection) == before


# -- assessments --------------------------------------------------------------------------------
def cbr_answers() -> dict[str, int]:
    answers: dict[str, int] = {}
    for component, elements in CBR_ELEMENTS.items():
        for element in elements:
            answers[f"{element}.status"] = 2 if component == "livelihood" else 3
    answers.update(
        {
            "medical_care.need": 1,
            "medical_care.status": 1,
            "wage_employment.need": 1,
            "wage_employment.priority": 1,
            "medical_care.priority": 2,
            "self_help_groups.priority": 3,
            "justice.need": 0,
            "justice.priority": 0,
        }
    )
    return answers


async def test_a_cbr_assessment_is_scored_sealed_audited_and_on_the_progress_map(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    created = await client.post(
        assessments_url(world.case),
        json=body(CBR, cbr_answers(), notes=NOTES, conducted_on="2026-02-10"),
        headers=world.sw_a.headers,
    )
    assert created.status_code == 201, created.text
    assessment = created.json()
    url = f"{assessments_url(world.case)}/{assessment['id']}"
    assert created.headers["location"] == url
    assert assessment["instrument_code"] == "cbr_matrix"
    assert assessment["conducted_by"] == str(world.sw_a.id)
    assert assessment["conducted_by_name"] == "Rupa Das"
    scores = assessment["scores"]
    # health: (3 + 3 + 1 + 3 + 3) / 5; livelihood all 2
    assert scores["sections"] == {
        "health": 2.6,
        "education": 3.0,
        "livelihood": 2.0,
        "social": 3.0,
        "empowerment": 3.0,
    }
    assert scores["overall"] == 2.72
    assert scores["needs"] == ["medical_care", "wage_employment"]
    assert scores["priorities"] == [
        {"element": "wage_employment", "rank": 1},
        {"element": "medical_care", "rank": 2},
        {"element": "self_help_groups", "rank": 3},
    ]
    assert scores["points"] is None
    assert scores["band"] is None
    assert assessment["change"]["is_baseline"] is True
    assert assessment["change"]["sections"]["health"] == 0.0
    assert assessment["notes"] == NOTES
    assert len(assessment["responses"]) == 25 + 3 + 4  # every status, 3 needs, 4 ranks
    assert assessment["responses"][0] == {
        "item_id": str(uuid.uuid5(NAMESPACE, "item:cbr_matrix:promotion.status")),
        "code": "promotion.status",
        "section": "health",
        "value": 3,
    }

    row = (
        await connection.execute(
            sa.text("SELECT * FROM assessment WHERE id = :id"), {"id": assessment["id"]}
        )
    ).one()
    assert NOTES.encode() not in bytes(row.notes_enc)
    assert b"Haru" not in bytes(row.notes_enc)
    assert row.scores["sections"] == scores["sections"]
    assert (row.organization_id, row.district_id) == (world.org_a, SOUTH_24)
    async with world.factory.uow() as uow:
        opened = uow.cipher.open_text(
            bytes(row.notes_enc), Place("assessment", "notes_enc", row.id)
        )
    assert opened == NOTES
    stored = await connection.scalar(
        sa.text("SELECT count(*) FROM assessment_response WHERE assessment_id = :id"),
        {"id": assessment["id"]},
    )
    assert stored == 32

    event = (
        await connection.execute(
            sa.text(
                "SELECT subject_id, detail, note_enc FROM case_event "
                "WHERE case_id = :c AND kind = 'assessment'"
            ),
            {"c": world.case},
        )
    ).one()
    assert event.subject_id == UUID(assessment["id"])
    assert event.detail["instrument"] == "cbr_matrix"
    assert event.detail["scores"]["sections"] == scores["sections"]
    assert event.detail["scores"]["needs"] == scores["needs"]
    assert event.detail["change"]["sections"]["livelihood"] == 0.0
    assert "Haru" not in str(event.detail)
    assert event.note_enc is None
    assert [tuple(r) for r in await audit_of(connection, created)] == [
        ("create", "assessment", UUID(assessment["id"]), world.org_a)
    ]

    read = await client.get(url, headers=world.sw_a.headers)
    assert read.status_code == 200, read.text
    assert read.headers["etag"] == '"v1"'
    assert read.json() == assessment
    assert [tuple(r) for r in await audit_of(connection, read)] == [
        ("read", "assessment", UUID(assessment["id"]), world.org_a)
    ]
    listed = await client.get(assessments_url(world.case), headers=world.sw_a.headers)
    assert [i["id"] for i in listed.json()["items"]] == [assessment["id"]]
    assert listed.json()["items"][0]["conducted_by_name"] == "Rupa Das"
    assert "notes" not in listed.json()["items"][0]
    assert [tuple(r) for r in await audit_of(connection, listed)] == [
        ("search", "assessment", None, world.org_a),
        ("read", "assessment", UUID(assessment["id"]), world.org_a),
    ]


async def test_repeat_assessments_show_her_progress_from_the_baseline(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await assess(
        client,
        world.sw_a,
        world.case,
        WELLBEING,
        wellbeing_answers(2, safety__free_from_threats=1),
        conducted_on="2026-03-01",
    )
    assert first["scores"]["sections"]["safety"] == 1.67
    assert first["change"]["is_baseline"] is True
    assert set(first["change"]["sections"].values()) == {0.0}
    assert first["change"]["overall"] == 0.0

    later = await assess(
        client,
        world.sw_a,
        world.case,
        WELLBEING,
        wellbeing_answers(3, safety__free_from_threats=4, economic_empowerment__income=1),
        conducted_on="2026-09-01",
    )
    assert later["scores"]["sections"]["safety"] == 3.33
    assert later["scores"]["sections"]["economic_empowerment"] == 2.5
    assert later["change"]["baseline_id"] == first["id"]
    assert later["change"]["is_baseline"] is False
    assert later["change"]["sections"]["safety"] == 1.66
    assert later["change"]["sections"]["economic_empowerment"] == 0.5
    assert later["change"]["sections"]["physical_wellbeing"] == 1.0

    # another instrument keeps its own baseline
    cbr = await assess(
        client, world.sw_a, world.case, CBR, cbr_answers(), conducted_on="2026-06-01"
    )
    assert cbr["change"]["is_baseline"] is True

    # an earlier sitting entered late becomes the baseline of those after it
    earliest = await assess(
        client, world.pm_a, world.case, WELLBEING, wellbeing_answers(1), conducted_on="2026-02-01"
    )
    assert earliest["change"]["is_baseline"] is True
    listed = await client.get(assessments_url(world.case), headers=world.sw_a.headers)
    items = listed.json()["items"]
    assert [i["id"] for i in items] == [later["id"], cbr["id"], first["id"], earliest["id"]]
    by_id = {i["id"]: i for i in items}
    assert by_id[first["id"]]["change"]["baseline_id"] == earliest["id"]
    assert by_id[first["id"]]["change"]["sections"]["safety"] == 0.67
    assert by_id[later["id"]]["change"]["sections"]["safety"] == 2.33
    assert by_id[cbr["id"]]["change"]["is_baseline"] is True

    # one instrument's history, a page at a time (keyset), newest first
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"instrument_id": str(WELLBEING), "limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = await client.get(
            assessments_url(world.case), params=params, headers=world.sw_a.headers
        )
        assert page.status_code == 200, page.text
        seen += [i["id"] for i in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
        assert 'rel="next"' in page.headers["link"]
    assert seen == [later["id"], first["id"], earliest["id"]]
    total = await client.get(
        assessments_url(world.case),
        params={"include_total": "true", "instrument_id": str(CBR)},
        headers=world.sw_a.headers,
    )
    assert total.json()["total"] == 1
    tampered = await client.get(
        assessments_url(world.case),
        params={"cursor": "bm90LWEtY3Vyc29y"},
        headers=world.sw_a.headers,
    )
    assert tampered.status_code == 400


async def test_the_risk_band_sets_the_cases_risk_level(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    case_url = f"{CASES}/{world.case}"
    assert await case_risk(connection, world.case) == "low"
    high = await client.post(
        assessments_url(world.case),
        json=body(
            RISK, risk_answers("recruiter_contact", "threats", "debt"), conducted_on="2026-04-01"
        ),
        headers=world.sw_a.headers,
    )
    assert high.status_code == 201, high.text
    scores = high.json()["scores"]
    assert (scores["points"], scores["band"]) == (8, "high")
    assert scores["section_points"]["perpetrators"] == 6
    assert await case_risk(connection, world.case) == "high"
    flags = (await client.get(case_url, headers=world.sw_a.headers)).json()["flags"]
    assert "high_risk" in flags
    event = await connection.scalar(
        sa.text("SELECT detail FROM case_event WHERE subject_id = :s"), {"s": high.json()["id"]}
    )
    assert event["risk_level"] == {"from": "low", "to": "high"}
    assert event["scores"]["band"] == "high"
    assert ("update", "survivor_case", world.case, world.org_a) in [
        tuple(r) for r in await audit_of(connection, high)
    ]

    # the next sitting finds fewer risks: the level comes down, and the change shows it
    medium = await assess(
        client,
        world.sw_a,
        world.case,
        RISK,
        risk_answers("debt", "no_income", "food_insecurity"),
        conducted_on="2026-07-01",
    )
    assert (medium["scores"]["points"], medium["scores"]["band"]) == (5, "medium")
    assert medium["change"]["points"] == -3
    assert medium["change"]["band_from"] == "high"
    assert medium["change"]["section_points"]["perpetrators"] == -6
    assert await case_risk(connection, world.case) == "medium"
    low = await assess(
        client, world.sw_a, world.case, RISK, risk_answers(), conducted_on="2026-08-01"
    )
    assert low["scores"]["band"] == "low"
    assert await case_risk(connection, world.case) == "low"
    flags = (await client.get(case_url, headers=world.sw_a.headers)).json()["flags"]
    assert "high_risk" not in flags

    # an older sitting entered late does not overrule the latest one
    late = await assess(
        client,
        world.sw_a,
        world.case,
        RISK,
        risk_answers("previous_retrafficking", "unsafe_family_member", "threats"),
        conducted_on="2026-05-01",
    )
    assert late["scores"]["band"] == "high"
    assert await case_risk(connection, world.case) == "low"
    detail = await connection.scalar(
        sa.text("SELECT detail FROM case_event WHERE subject_id = :s"), {"s": late["id"]}
    )
    assert "risk_level" not in detail


def _bad_assessments(world: World) -> list[tuple[str, dict[str, Any], int]]:
    full = wellbeing_answers()
    return [
        ("unknown field", {**body(WELLBEING, full), "scores": {"overall": 4}}, 422),
        ("unknown item", body(WELLBEING, {**full, "safety.slept_well": 3}), 422),
        ("value off the scale", body(WELLBEING, {**full, "safety.free_from_abuse": 5}), 422),
        ("zero on a 1..4 scale", body(WELLBEING, {**full, "safety.free_from_abuse": 0}), 422),
        ("boolean for a score", body(WELLBEING, {**full, "safety.free_from_abuse": True}), 422),
        ("string for a score", body(WELLBEING, {**full, "safety.free_from_abuse": "3"}), 422),
        (
            "a score missing",
            body(WELLBEING, {k: v for k, v in full.items() if "coping" not in k}),
            422,
        ),
        (
            "a risk factor missing",
            body(RISK, {k: v for k, v in risk_answers().items() if k != "debt"}),
            422,
        ),
        ("yes/no out of range", body(RISK, {**risk_answers(), "debt": 2}), 422),
        (
            "an item of another instrument",
            body(RISK, {**risk_answers(), "medical_care.need": 1}),
            422,
        ),
        ("rank twice", body(CBR, {**cbr_answers(), "justice.priority": 1}), 422),
        ("rank above 5", body(CBR, {**cbr_answers(), "justice.priority": 6}), 422),
        ("free text as key", body(WELLBEING, {**full, "her brother said": 1}), 422),
        ("no responses", body(WELLBEING, {}), 422),
        ("unknown instrument", body(uuid.uuid4(), full), 422),
        (
            "in the future",
            body(WELLBEING, full, conducted_on=(today() + timedelta(days=3)).isoformat()),
            422,
        ),
        ("before the case opened", body(WELLBEING, full, conducted_on="2026-01-14"), 422),
        ("conducted by B's worker", body(WELLBEING, full, conducted_by=str(world.sw_b.id)), 422),
        (
            "conducted by an analyst",
            body(WELLBEING, full, conducted_by=str(world.analyst_a.id)),
            422,
        ),
        ("empty notes", body(WELLBEING, full, notes=""), 422),
    ]


async def test_invalid_assessments_are_refused_with_nothing_written(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    before = await table_counts(connection)
    for name, bad, status in _bad_assessments(world):
        refused = await client.post(
            assessments_url(world.case), json=bad, headers=world.sw_a.headers
        )
        assert refused.status_code == status, (name, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "her brother" not in refused.text, name
    assert await table_counts(connection) == before
    assert await case_risk(connection, world.case) == "low"
    # a closed case is not assessed
    closed = await world.cases.case(
        world.org_a, world.survivor, assigned_worker_id=world.sw_a.id, status=CaseStatus.closed
    )
    refused = await client.post(
        assessments_url(closed),
        json=body(WELLBEING, wellbeing_answers()),
        headers=world.sw_a.headers,
    )
    assert refused.status_code == 409, refused.text
    assert await table_counts(connection) == before


async def test_creates_are_idempotent_and_client_ids_are_honoured(
    client: httpx.AsyncClient, world: World, connection: AsyncConnection
) -> None:
    chosen = uuid.uuid4()
    payload = body(WELLBEING, wellbeing_answers(), id=str(chosen))
    headers = {**world.client_manager_a.headers, "Idempotency-Key": "sync-7f3a"}
    first = await client.post(assessments_url(world.case), json=payload, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["id"] == str(chosen)
    assert first.json()["conducted_by"] is None  # a client names who sat with her, or nobody
    replay = await client.post(assessments_url(world.case), json=payload, headers=headers)
    assert replay.status_code == 201
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    count = await connection.scalar(
        sa.text("SELECT count(*) FROM assessment WHERE case_id = :c"), {"c": world.case}
    )
    assert count == 1
    taken = await client.post(assessments_url(world.case), json=payload, headers=world.sw_a.headers)
    assert taken.status_code == 409
    named = await client.post(
        assessments_url(world.case),
        json=body(WELLBEING, wellbeing_answers(), conducted_by=str(world.sw_a2.id)),
        headers=world.client_manager_a.headers,
    )
    assert named.status_code == 201, named.text
    assert named.json()["conducted_by"] == str(world.sw_a2.id)
    # keyed by item id as well as by code
    by_id = {
        str(uuid.uuid5(NAMESPACE, f"item:retrafficking_risk:{code}")): value
        for code, value in risk_answers("threats").items()
    }
    scored = await assess(client, world.sw_a, world.case, RISK, by_id)
    assert scored["scores"]["points"] == 3


async def test_the_documented_examples_are_accepted(
    client: httpx.AsyncClient, world: World
) -> None:
    """Partner developers copy the examples of the OpenAPI document: they must work."""
    assessment_example = AssessmentCreate.model_json_schema()["examples"][0]
    created = await client.post(
        assessments_url(world.case), json=assessment_example, headers=world.sw_a.headers
    )
    assert created.status_code == 201, created.text
    # threats 3 + a suspect nearby 2 + debt 2 + family pressure 2
    assert (created.json()["scores"]["points"], created.json()["scores"]["band"]) == (9, "high")
    instrument_example = InstrumentCreate.model_json_schema()["examples"][0]
    defined = await client.post(INSTRUMENTS, json=instrument_example, headers=world.pm_a.headers)
    assert defined.status_code == 201, defined.text


# -- who sees and records which assessment -------------------------------------------------------
MATRIX = [
    # actor, assessment reads, assessment writes, instrument reads, instrument create
    ("pm_a", 200, 201, 200, 201),
    ("sw_a", 200, 201, 200, 403),  # the case's own worker
    ("sw_a2", 404, 404, 200, 403),  # same district, not hers, districts not shared
    ("sw_north", 404, 404, 200, 403),
    ("pm_b", 404, 404, 200, 201),
    ("sw_b", 404, 404, 200, 403),
    ("partner_b", 403, 403, 403, 403),
    ("analyst_a", 403, 403, 200, 403),
    ("leader_a", 403, 403, 403, 403),
    ("auditor_a", 403, 403, 403, 403),
    ("admin", 403, 403, 403, 403),
    ("client_reader_a", 200, 403, 200, 403),  # a manager's role with read scopes only
    ("client_manager_a", 200, 201, 200, 403),
    ("client_assessor_a", 404, 404, 200, 403),  # a worker's role: no case is assigned to it
    ("client_partner_b", 403, 403, 403, 403),
]


async def _every_call(
    client: httpx.AsyncClient, world: World, actor: Actor, assessment: dict[str, Any], own: str
) -> dict[str, httpx.Response]:
    case = world.case
    return {
        "list": await client.get(assessments_url(case), headers=actor.headers),
        "list_filtered": await client.get(
            assessments_url(case), params={"instrument_id": str(WELLBEING)}, headers=actor.headers
        ),
        "read": await client.get(
            f"{assessments_url(case)}/{assessment['id']}", headers=actor.headers
        ),
        "create": await client.post(
            assessments_url(case),
            json=body(WELLBEING, wellbeing_answers(), conducted_by=str(world.sw_a.id)),
            headers=actor.headers,
        ),
        "instruments": await client.get(INSTRUMENTS, headers=actor.headers),
        "instrument": await client.get(f"{INSTRUMENTS}/{RISK}", headers=actor.headers),
        "define": await client.post(
            INSTRUMENTS, json=own_instrument(f"own_{uuid.uuid4().hex[:6]}"), headers=actor.headers
        ),
        "own_instrument": await client.get(f"{INSTRUMENTS}/{own}", headers=actor.headers),
    }


@pytest.mark.parametrize(("who", "reads", "writes", "tools", "define"), MATRIX)
async def test_matrix(
    client: httpx.AsyncClient,
    world: World,
    connection: AsyncConnection,
    who: str,
    reads: int,
    writes: int,
    tools: int,
    define: int,
) -> None:
    assessment = await assess(
        client, world.sw_a, world.case, WELLBEING, wellbeing_answers(2), notes=NOTES
    )
    own = (await client.post(INSTRUMENTS, json=own_instrument(), headers=world.pm_a.headers)).json()
    actor: Actor = getattr(world, who)
    before = await table_counts(connection)
    calls = await _every_call(client, world, actor, assessment, own["id"])
    for name in ("list", "list_filtered", "read"):
        assert calls[name].status_code == reads, (who, name, calls[name].text)
    assert calls["create"].status_code == writes, (who, calls["create"].text)
    assert calls["instruments"].status_code == tools, (who, calls["instruments"].text)
    assert calls["instrument"].status_code == tools, (who, calls["instrument"].text)
    assert calls["define"].status_code == define, (who, calls["define"].text)
    # A's own instrument: A's readers see it, B's people (and every refused role) do not
    own_expected = tools if actor.organization_id == world.org_a or tools != 200 else 404
    assert calls["own_instrument"].status_code == own_expected, who
    if tools == 200:
        codes = {i["code"] for i in calls["instruments"].json()["items"]}
        assert ("shg_readiness" in codes) is (actor.organization_id == world.org_a), who
    if reads == 200:
        # An integration client reads assessments without their notes (issue 9).
        machine = who.startswith("client_")
        assert calls["read"].json()["notes"] == (None if machine else NOTES)
        if machine:
            assert "Haru" not in calls["read"].text
        assert [i["id"] for i in calls["list"].json()["items"]][-1] == assessment["id"]
    for name, response in calls.items():
        if response.status_code in (403, 404):
            assert response.headers["content-type"].startswith("application/problem+json")
            problem = {k: v for k, v in response.json().items() if k != "instance"}
            assert assessment["id"] not in str(problem), (who, name)
            assert "Haru" not in response.text, (who, name)
    created = {"create": writes, "define": define}
    if writes != 201 and define != 201:
        assert await table_counts(connection) == before
    for name, status in created.items():
        if status != 201:
            assert calls[name].status_code in (403, 404)


async def test_district_visibility_opens_assessments_to_the_districts_workers(
    client: httpx.AsyncClient, world: World
) -> None:
    assessment = await assess(client, world.sw_a, world.case, WELLBEING, wellbeing_answers())
    url = f"{assessments_url(world.case)}/{assessment['id']}"
    assert (await client.get(url, headers=world.sw_a2.headers)).status_code == 404
    await world.cases.allow_district_visibility(world.org_a)
    read = await client.get(url, headers=world.sw_a2.headers)
    assert read.status_code == 200
    listed = await client.get(assessments_url(world.case), headers=world.sw_a2.headers)
    assert [i["id"] for i in listed.json()["items"]] == [assessment["id"]]
    created = await client.post(
        assessments_url(world.case),
        json=body(WELLBEING, wellbeing_answers()),
        headers=world.sw_a2.headers,
    )
    assert created.status_code == 201
    assert created.json()["conducted_by"] == str(world.sw_a2.id)
    # still not another district's worker, nor another organisation's worker in the district
    for actor in (world.sw_north, world.sw_b):
        assert (await client.get(url, headers=actor.headers)).status_code == 404
        listed = await client.get(assessments_url(world.case), headers=actor.headers)
        assert listed.status_code == 404


async def test_an_assessment_answers_only_under_its_own_case(
    client: httpx.AsyncClient, world: World
) -> None:
    assessment = await assess(client, world.sw_a, world.case, WELLBEING, wellbeing_answers())
    other_case_a = await world.cases.case(
        world.org_a, world.survivor, assigned_worker_id=world.sw_a.id
    )
    for actor, case_id in ((world.pm_a, other_case_a), (world.pm_b, world.case_b)):
        read = await client.get(
            f"{assessments_url(case_id)}/{assessment['id']}", headers=actor.headers
        )
        missing = await client.get(
            f"{assessments_url(case_id)}/{uuid.uuid4()}", headers=actor.headers
        )
        assert read.status_code == missing.status_code == 404
        assert {k: v for k, v in read.json().items() if k not in ("instance", "request_id")} == {
            k: v for k, v in missing.json().items() if k not in ("instance", "request_id")
        }
        listed = await client.get(assessments_url(case_id), headers=actor.headers)
        assert listed.json()["items"] == []
        filtered = await client.get(
            assessments_url(case_id),
            params={"instrument_id": str(WELLBEING), "include_total": "true"},
            headers=actor.headers,
        )
        assert (filtered.json()["items"], filtered.json()["total"]) == ([], 0)
    unknown = await client.get(assessments_url(uuid.uuid4()), headers=world.pm_b.headers)
    foreign = await client.get(assessments_url(world.case), headers=world.pm_b.headers)
    assert unknown.status_code == foreign.status_code == 404


async def test_concurrent_work_keeps_codes_unique_and_the_latest_risk_level(
    committed_db: Database, settings: Settings
) -> None:
    app = create_app(settings, database=committed_db)
    factory = Factory(app.state.container, committed_db)
    cases = CaseFactory(factory)
    org = await factory.organization()
    manager = await factory.user(org, Role.program_manager)
    case_id = await cases.case(org, await cases.survivor(org))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        defined = await asyncio.gather(
            *(
                client.post(INSTRUMENTS, json=own_instrument(), headers=manager.headers)
                for _ in range(4)
            )
        )
        assert sorted(r.status_code for r in defined) == [201, 409, 409, 409], [
            r.text for r in defined
        ]
        # sittings of several days recorded at once: the case ends at the latest one's band
        sittings = [
            ("2026-03-01", risk_answers("recruiter_contact", "threats", "debt")),  # high
            ("2026-06-01", risk_answers()),  # low, the latest
            ("2026-04-01", risk_answers("previous_retrafficking", "threats", "debt")),  # high
            ("2026-05-01", risk_answers("debt", "no_income")),  # medium
        ]
        recorded = await asyncio.gather(
            *(
                client.post(
                    assessments_url(case_id),
                    json=body(RISK, answers, conducted_on=day),
                    headers=manager.headers,
                )
                for day, answers in sittings
            )
        )
        assert [r.status_code for r in recorded] == [201] * 4, [r.text for r in recorded]
        listed = await client.get(assessments_url(case_id), headers=manager.headers)
        assert [i["conducted_on"] for i in listed.json()["items"]] == [
            "2026-06-01",
            "2026-05-01",
            "2026-04-01",
            "2026-03-01",
        ]
    async with factory.uow() as uow:
        level = await uow.session.scalar(
            sa.text("SELECT risk_level FROM survivor_case WHERE id = :id"), {"id": case_id}
        )
    assert level == "low"
