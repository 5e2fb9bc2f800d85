"""k-anonymity of a de-identified extract: generalise, then suppress, until every published
combination of quasi-identifiers is shared by at least k survivors.

Each quasi-identifier has a ladder of generalisation levels (level 0 is what the extract
publishes at best: ages in 5-year bands, places by district, dates by month; the top level
publishes nothing: ``*``). The search is Datafly's (Sweeney 2002): while more survivors than
the suppression budget sit in groups smaller than k, raise by one level the quasi-identifier
with the most distinct values; then suppress (leave out) every survivor still in a group
smaller than k. Whatever the population, what is published holds k-anonymity: suppression is
the last step, and it removes every small group.

The published sensitive columns (trafficking status, case status) are not quasi-identifiers
(nobody outside observes them) but are what a neighbour who places her in a group would learn:
where all of a published group share one value of such a column (distinct l-diversity with
l = 2 fails), that column is withheld (``*``) for the group's rows, and the extract says how
many rows it withheld so.

Pure: no database, no clock; the service passes the subjects and today's date.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

ANY = "*"  # generalised away entirely
UNKNOWN = "unknown"  # not recorded (a value like any other: it can be shared by k)


class QuasiIdentifier(StrEnum):
    age_band = "age_band"
    sex = "sex"
    home_place = "home_place"
    recruitment_method = "recruitment_method"
    destination = "destination"
    exploitation_types = "exploitation_types"
    returned = "returned"


@dataclass(frozen=True, slots=True)
class Subject:
    """One survivor as the extract sees her, before any generalisation: no name, no id that
    leaves the service (``key`` is internal and never published), no free text."""

    key: str
    age: int | None
    sex: str
    home_district: str | None
    home_state: str | None
    recruitment_method: str | None
    destination_state: str | None
    destination_country: str | None
    exploitation_types: tuple[str, ...]
    returned_on: date | None
    # Published as they are (not quasi-identifiers: nobody outside can observe them).
    trafficking_status: str | None = None
    case_status: str | None = None


Columns = dict[str, str]
Ladder = Sequence[Callable[[Subject], Columns]]


def _band(age: int | None, width: int) -> str:
    if age is None:
        return UNKNOWN
    low = (max(age, 0) // width) * width
    return f"{low}-{low + width - 1}"


def _or_unknown(value: str | None) -> str:
    return value if value else UNKNOWN


def _month(day: date | None) -> str:
    return UNKNOWN if day is None else f"{day.year:04d}-{day.month:02d}"


def _year(day: date | None) -> str:
    return UNKNOWN if day is None else f"{day.year:04d}"


def _period(day: date | None) -> str:
    if day is None:
        return UNKNOWN
    start = day.year - day.year % 5
    return f"{start:04d}-{start + 4:04d}"


# Each ladder: level 0 first; the last level publishes nothing. Column names are the
# extract's (research layout); one quasi-identifier may span two columns (a place and the
# state it lies in), generalised together.
LADDERS: dict[QuasiIdentifier, Ladder] = {
    QuasiIdentifier.age_band: (
        lambda s: {"age_band": _band(s.age, 5)},
        lambda s: {"age_band": _band(s.age, 10)},
        lambda s: {"age_band": _band(s.age, 20)},
        lambda s: {"age_band": ANY},
    ),
    QuasiIdentifier.sex: (
        lambda s: {"sex": s.sex},
        lambda s: {"sex": ANY},
    ),
    QuasiIdentifier.home_place: (
        lambda s: {
            "home_district": _or_unknown(s.home_district),
            "home_state": _or_unknown(s.home_state),
        },
        lambda s: {"home_district": ANY, "home_state": _or_unknown(s.home_state)},
        lambda s: {"home_district": ANY, "home_state": ANY},
    ),
    QuasiIdentifier.recruitment_method: (
        lambda s: {"recruitment_method": _or_unknown(s.recruitment_method)},
        lambda s: {"recruitment_method": ANY},
    ),
    QuasiIdentifier.destination: (
        lambda s: {
            "destination_state": _or_unknown(s.destination_state),
            "destination_country": _or_unknown(s.destination_country),
        },
        lambda s: {
            "destination_state": ANY,
            "destination_country": _or_unknown(s.destination_country),
        },
        lambda s: {"destination_state": ANY, "destination_country": ANY},
    ),
    QuasiIdentifier.exploitation_types: (
        lambda s: {"exploitation_types": ";".join(sorted(set(s.exploitation_types))) or UNKNOWN},
        lambda s: {"exploitation_types": ANY},
    ),
    QuasiIdentifier.returned: (
        lambda s: {"returned": _month(s.returned_on)},
        lambda s: {"returned": _year(s.returned_on)},
        lambda s: {"returned": _period(s.returned_on)},
        lambda s: {"returned": ANY},
    ),
}
# What each level of a ladder publishes, in words (the extract records it).
LEVEL_NAMES: dict[QuasiIdentifier, tuple[str, ...]] = {
    QuasiIdentifier.age_band: ("5-year bands", "10-year bands", "20-year bands", "withheld"),
    QuasiIdentifier.sex: ("as recorded", "withheld"),
    QuasiIdentifier.home_place: ("district", "state", "withheld"),
    QuasiIdentifier.recruitment_method: ("as recorded", "withheld"),
    QuasiIdentifier.destination: ("state", "country", "withheld"),
    QuasiIdentifier.exploitation_types: ("as recorded", "withheld"),
    QuasiIdentifier.returned: ("month", "year", "5-year period", "withheld"),
}
SENSITIVE_COLUMNS = ("trafficking_status", "case_status")
# The columns the ladders write, in the order a published row shows them.
QI_COLUMNS = (
    "age_band",
    "sex",
    "home_district",
    "home_state",
    "recruitment_method",
    "destination_state",
    "destination_country",
    "exploitation_types",
    "returned",
)


@dataclass(frozen=True, slots=True)
class Anonymised:
    """The outcome: the published rows (QI columns and sensitive columns, with the subject's
    internal key under ``key``), the level each quasi-identifier was published at, and how
    many subjects were suppressed."""

    k: int
    levels: dict[QuasiIdentifier, int]
    published: list[tuple[str, Columns]]
    suppressed: int
    population: int
    steps: list[QuasiIdentifier] = field(default_factory=list)
    # Per sensitive column, the published rows whose value was withheld (homogeneous groups).
    sensitive_withheld: dict[str, int] = field(default_factory=dict)

    def generalised(self) -> dict[str, str]:
        """Per quasi-identifier, what it was published as (e.g. ``"state"``)."""
        return {qi.value: LEVEL_NAMES[qi][level] for qi, level in self.levels.items()}


def columns_at(subject: Subject, levels: dict[QuasiIdentifier, int]) -> Columns:
    """The quasi-identifier columns of ``subject`` at ``levels``."""
    found: Columns = {}
    for qi, ladder in LADDERS.items():
        found.update(ladder[levels[qi]](subject))
    return found


def combination(columns: Columns) -> tuple[str, ...]:
    """The quasi-identifier combination of a published row (what must be shared by k)."""
    return tuple(columns[name] for name in QI_COLUMNS)


def anonymise(subjects: Sequence[Subject], k: int, suppression_limit: float) -> Anonymised:
    """Generalise (Datafly), then suppress, so that every published combination of
    quasi-identifiers occurs at least ``k`` times. ``suppression_limit``: the share of the
    population that may be suppressed before generalising further (0..1)."""
    if k < 2:
        raise ValueError("k-anonymity needs k >= 2")
    levels = dict.fromkeys(LADDERS, 0)
    budget = int(suppression_limit * len(subjects))
    steps: list[QuasiIdentifier] = []
    # Per quasi-identifier at its current level: each subject's value as a small integer
    # code, and the columns each code stands for. A level is computed once, when reached;
    # grouping is then a count over tuples of integers (100,000 survivors in about a second).
    codes: dict[QuasiIdentifier, list[int]] = {}
    decoded: dict[QuasiIdentifier, list[Columns]] = {}

    def encode(qi: QuasiIdentifier) -> None:
        level = LADDERS[qi][levels[qi]]
        index: dict[tuple[str, ...], int] = {}
        found: list[Columns] = []
        subject_codes: list[int] = []
        for subject in subjects:
            columns = level(subject)
            value = tuple(columns.values())
            code = index.get(value)
            if code is None:
                code = index[value] = len(found)
                found.append(columns)
            subject_codes.append(code)
        codes[qi], decoded[qi] = subject_codes, found

    def group_sizes() -> Counter[tuple[int, ...]]:
        return Counter(zip(*(codes[qi] for qi in LADDERS), strict=True))

    for qi in LADDERS:
        encode(qi)
    counts = group_sizes()
    while sum(n for n in counts.values() if n < k) > budget:
        raisable = [qi for qi in LADDERS if levels[qi] < len(LADDERS[qi]) - 1]
        if not raisable:
            break
        # Datafly: the quasi-identifier with the most distinct values now (ties: the order of
        # LADDERS, which puts the finest-grained first).
        chosen = max(raisable, key=lambda qi: len(decoded[qi]))
        levels[chosen] += 1
        steps.append(chosen)
        encode(chosen)
        counts = group_sizes()
    published: list[tuple[str, Columns]] = []
    for position, subject in enumerate(subjects):
        group = tuple(codes[qi][position] for qi in LADDERS)
        if counts[group] >= k:
            columns: Columns = {}
            for qi, code in zip(LADDERS, group, strict=True):
                columns.update(decoded[qi][code])
            columns["trafficking_status"] = _or_unknown(subject.trafficking_status)
            columns["case_status"] = _or_unknown(subject.case_status)
            published.append((subject.key, columns))
    withheld = withhold_homogeneous(published)
    return Anonymised(
        k=k,
        levels=levels,
        published=published,
        suppressed=len(subjects) - len(published),
        population=len(subjects),
        steps=steps,
        sensitive_withheld=withheld,
    )


def withhold_homogeneous(published: list[tuple[str, Columns]]) -> dict[str, int]:
    """Withhold, in place, a sensitive column's value in every published group whose rows all
    share it; returns how many rows were withheld per column."""
    groups: dict[tuple[str, ...], list[Columns]] = {}
    for _, columns in published:
        groups.setdefault(combination(columns), []).append(columns)
    withheld = dict.fromkeys(SENSITIVE_COLUMNS, 0)
    for members in groups.values():
        for name in SENSITIVE_COLUMNS:
            if len({columns[name] for columns in members}) == 1:
                for columns in members:
                    columns[name] = ANY
                withheld[name] += len(members)
    return withheld
