"""k-anonymity of research extracts, on generated populations (no database): every published
combination of quasi-identifiers occurs at least k times; a survivor whose combination is
unique never appears as she is; generalisation comes before suppression; and the HTCDS layout
maps every value of our vocabularies onto the standard's kept reference list."""

from __future__ import annotations

from collections import Counter
from datetime import date
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.research import htcds, places
from domain.research.anonymity import (
    ANY,
    LADDERS,
    LEVEL_NAMES,
    QI_COLUMNS,
    SENSITIVE_COLUMNS,
    Subject,
    anonymise,
    columns_at,
    combination,
)
from domain.research.formats import render
from domain.research.schemas import ExtractFormat, ExtractLayout
from domain.research.service import COLUMNS, pseudonym
from persistence.models.case_vocabulary import (
    CaseStatus,
    ExploitationType,
    RecruitmentMethod,
    Sex,
)

DISTRICTS = (
    ("South 24 Parganas", "West Bengal"),
    ("North 24 Parganas", "West Bengal"),
    ("Murshidabad", "West Bengal"),
    ("Ranchi", "Jharkhand"),
)
DESTINATIONS = (("Maharashtra", "IN"), ("Delhi", "IN"), (None, "BD"), (None, None))


@st.composite
def subjects(draw: st.DrawFn) -> Subject:
    district, state = draw(st.sampled_from(DISTRICTS))
    destination_state, destination_country = draw(st.sampled_from(DESTINATIONS))
    return Subject(
        key=uuid4().hex,
        age=draw(st.one_of(st.none(), st.integers(min_value=10, max_value=60))),
        sex=draw(st.sampled_from([Sex.female.value, Sex.female.value, Sex.male.value])),
        home_district=district,
        home_state=state,
        recruitment_method=draw(
            st.one_of(st.none(), st.sampled_from([m.value for m in RecruitmentMethod]))
        ),
        destination_state=destination_state,
        destination_country=destination_country,
        exploitation_types=tuple(
            draw(st.sets(st.sampled_from([e.value for e in ExploitationType]), max_size=2))
        ),
        returned_on=draw(
            st.one_of(st.none(), st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 12, 1)))
        ),
        trafficking_status="actual",
        case_status=draw(st.sampled_from([s.value for s in CaseStatus])),
    )


def published_combinations(outcome_rows: list[dict[str, str]]) -> Counter[tuple[str, ...]]:
    return Counter(combination(row) for row in outcome_rows)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    population=st.lists(subjects(), max_size=120),
    k=st.integers(min_value=2, max_value=15),
    limit=st.sampled_from([0.0, 0.05, 0.2]),
)
def test_every_published_combination_occurs_at_least_k_times(
    population: list[Subject], k: int, limit: float
) -> None:
    outcome = anonymise(population, k, limit)
    rows = [columns for _, columns in outcome.published]
    assert all(count >= k for count in published_combinations(rows).values())
    # Nobody is lost or invented; each published row is her own, at the published levels.
    assert outcome.suppressed + len(rows) == len(population)
    by_key = {s.key: s for s in population}
    for key, columns in outcome.published:
        expected = columns_at(by_key[key], outcome.levels)
        assert {name: columns[name] for name in QI_COLUMNS} == expected
    # No published group gives away a sensitive value its members all share.
    groups: dict[tuple[str, ...], list[dict[str, str]]] = {}
    for columns in rows:
        groups.setdefault(combination(columns), []).append(columns)
    for members in groups.values():
        for name in SENSITIVE_COLUMNS:
            values = {columns[name] for columns in members}
            assert len(values) >= 2 or values == {ANY}, (name, values)
    # Generalisation stopped as soon as suppression fitted the budget (or nothing was left to
    # generalise).
    at_top = all(outcome.levels[qi] == len(LADDERS[qi]) - 1 for qi in LADDERS)
    assert outcome.suppressed <= int(limit * len(population)) or at_top


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    population=st.lists(subjects(), min_size=1, max_size=80),
    k=st.integers(min_value=2, max_value=11),
)
def test_a_unique_combination_never_appears_as_it_is(population: list[Subject], k: int) -> None:
    finest = dict.fromkeys(LADDERS, 0)
    counts = Counter(combination(columns_at(s, finest)) for s in population)
    unique = {s.key for s in population if counts[combination(columns_at(s, finest))] == 1}
    outcome = anonymise(population, k, 0.05)
    by_key = {s.key: s for s in population}
    for key, columns in outcome.published:
        if key in unique:
            assert combination(columns) != combination(columns_at(by_key[key], finest))


def test_generalises_before_suppressing() -> None:
    """Twelve women of one age band, district and story, but returned in twelve different
    months: publishing months would need all of them suppressed; years keep all twelve."""
    population = [
        Subject(
            key=f"s{i}",
            age=27,
            sex="female",
            home_district="South 24 Parganas",
            home_state="West Bengal",
            recruitment_method="job_offer",
            destination_state="Maharashtra",
            destination_country="IN",
            exploitation_types=("sexual_exploitation",),
            returned_on=date(2025, i + 1, 10),
        )
        for i in range(12)
    ]
    outcome = anonymise(population, 11, 0.05)
    assert outcome.suppressed == 0
    assert outcome.generalised()["returned"] == "year"
    assert {columns["returned"] for _, columns in outcome.published} == {"2025"}
    # Everything else stays as fine as the extract ever publishes.
    assert outcome.generalised()["home_place"] == "district"
    assert outcome.generalised()["age_band"] == "5-year bands"
    assert {columns["age_band"] for _, columns in outcome.published} == {"25-29"}


def test_a_sensitive_value_shared_by_a_whole_group_is_withheld() -> None:
    def woman(i: int, district: str, status: str) -> Subject:
        return Subject(
            f"{district}{i}",
            30,
            "female",
            district,
            "West Bengal",
            None,
            None,
            None,
            (),
            None,
            trafficking_status="actual",
            case_status=status,
        )

    population = [woman(i, "Nadia", "closed") for i in range(11)] + [
        woman(i, "Malda", "active" if i % 2 else "closed") for i in range(11)
    ]
    outcome = anonymise(population, 11, 0.05)
    assert outcome.suppressed == 0
    by_district: dict[str, set[str]] = {}
    for _, columns in outcome.published:
        by_district.setdefault(columns["home_district"], set()).add(columns["case_status"])
    # Everyone in Nadia's group is closed: saying so would tell it of each of them.
    assert by_district == {"Nadia": {ANY}, "Malda": {"active", "closed"}}
    # Everyone is an actual victim: withheld everywhere.
    assert {columns["trafficking_status"] for _, columns in outcome.published} == {ANY}
    assert outcome.sensitive_withheld == {"trafficking_status": 22, "case_status": 11}


def test_fewer_than_k_survivors_publish_nothing() -> None:
    population = [
        Subject(f"s{i}", 30, "female", "Nadia", "West Bengal", None, None, None, (), None)
        for i in range(10)
    ]
    outcome = anonymise(population, 11, 0.05)
    assert outcome.published == []
    assert outcome.suppressed == 10
    assert all(outcome.levels[qi] == len(LADDERS[qi]) - 1 for qi in LADDERS)


def test_k_below_two_is_refused() -> None:
    with pytest.raises(ValueError, match="k >= 2"):
        anonymise([], 1, 0.05)


def test_ladders_write_the_declared_columns_and_name_every_level() -> None:
    sample = Subject("x", 33, "female", "Nadia", "West Bengal", "debt", "Delhi", "IN", (), None)
    for qi, ladder in LADDERS.items():
        assert len(LEVEL_NAMES[qi]) == len(ladder)
        names = [tuple(level(sample)) for level in ladder]
        assert len(set(names)) == 1, f"{qi}: every level writes the same columns"
        assert all(value == ANY for value in ladder[-1](sample).values()), qi
    written = [name for ladder in LADDERS.values() for name in ladder[0](sample)]
    assert tuple(written) == QI_COLUMNS


def test_destinations_are_published_as_states_or_other_never_as_typed() -> None:
    assert places.destination_state("  maharashtra ") == "Maharashtra"
    assert places.destination_state("Jammu & Kashmir") == "Jammu and Kashmir"
    assert places.destination_state("New Delhi") == "Delhi"
    assert places.destination_state("a bar in Mumbai") == places.OTHER
    assert places.destination_state("") is None
    assert places.destination_state(None) is None
    assert places.destination_country("bd") == "BD"
    assert places.destination_country("1!") == places.OTHER


def test_pseudonyms_are_keyed_per_extract() -> None:
    survivor = uuid4()
    first, second = b"a" * 32, b"b" * 32
    assert pseudonym(first, survivor) == pseudonym(first, survivor)
    assert pseudonym(first, survivor) != pseudonym(second, survivor)
    assert str(survivor).replace("-", "") not in pseudonym(first, survivor)


# -- HTCDS ----------------------------------------------------------------------------------
def test_every_value_of_our_vocabularies_maps_to_an_htcds_value_or_other() -> None:
    reference = htcds.reference()
    vocabularies = {
        "prs_Gender": Sex,
        "vic_MethodOfRecruitment": RecruitmentMethod,
        "vic_TypeOfExploitation": ExploitationType,
        "cas_Status": CaseStatus,
    }
    assert set(vocabularies) == set(htcds.MAPPINGS)
    for field, vocabulary in vocabularies.items():
        mapping = htcds.MAPPINGS[field]
        assert field in reference, field
        for value in vocabulary:
            assert value in mapping, f"{field}: {value} has no HTCDS value"
            mapped = mapping[value]
            assert mapped == htcds.OTHER or mapped in reference[field], (field, value, mapped)


def test_htcds_output_fields_are_the_standards_or_declared_extensions() -> None:
    reference = htcds.reference()
    assert {name[:4] for name in reference} == {"prs_", "vic_", "hte_", "cas_"}
    for name in htcds.FIELDS:
        if name.startswith(htcds.EXTENSION_PREFIX):
            assert name.removeprefix(htcds.EXTENSION_PREFIX) not in {n[4:] for n in reference}, (
                f"{name} shadows a standard field"
            )
        else:
            assert name in reference, f"{name} is not in the kept HTCDS reference"
    assert {n[:4] for n in htcds.FIELDS if not n.startswith("ext_")} == {
        "prs_",
        "vic_",
        "hte_",
        "cas_",
    }


def test_htcds_rows_carry_only_reference_values() -> None:
    reference = htcds.reference()
    record = {
        "pseudonymous_id": "ab12",
        "age_band": "20-24",
        "sex": "female",
        "home_district": "Nadia",
        "home_state": "West Bengal",
        "recruitment_method": "unknown",
        "destination_state": ANY,
        "destination_country": "IN",
        "exploitation_types": "child_labour;sexual_exploitation",
        "returned": "2025",
        "trafficking_status": "actual",
        "case_status": "monitoring",
    }
    csv_text = render([record], COLUMNS, ExtractLayout.htcds, ExtractFormat.csv).decode()
    header, row = csv_text.splitlines()
    assert header.split(",") == list(htcds.FIELDS)
    assert row.split(",")[:3] == ["ab12", "Female", "20-24"]
    [mapped] = htcds.htcds_rows([record])
    assert mapped["prs_Gender"] == "Female"
    assert mapped["vic_MethodOfRecruitment"] == "Unknown"
    assert mapped["vic_TypeOfExploitation"] == "Other;Sexual exploitation"
    assert mapped["hte_State"] == ""  # generalised away
    assert mapped["cas_Status"] == "FollowUp"
    for field in ("prs_Gender", "vic_MethodOfRecruitment", "cas_Status", "hte_Type"):
        assert mapped[field] in reference[field]
    for value in mapped["vic_TypeOfExploitation"].split(";"):
        assert value in reference["vic_TypeOfExploitation"]


def test_csv_cells_that_would_run_as_formulas_are_neutralised() -> None:
    record = dict.fromkeys(COLUMNS, "x")
    record["destination_state"] = "=HYPERLINK(1)"
    record["home_district"] = "@SUM(A1)"
    csv_text = render([record], COLUMNS, ExtractLayout.research, ExtractFormat.csv).decode()
    assert "'=HYPERLINK(1)" in csv_text
    assert "'@SUM(A1)" in csv_text
