"""The HTCDS layout of a de-identified extract: the same published rows (k-anonymous, as the
research layout), in the Human Trafficking Case Data Standard's field names and value lists.

Our vocabularies map onto HTCDS values, or onto an explicit ``Other`` where the standard has
no equivalent (a test walks every value). The standard has no field for a pseudonymous id, an
age band, a district or a return period, and its person fields would carry a birth date and an
address, which an extract never does; those go in fields of our own, named ``ext_`` so that a
reader can tell them from the standard's (the reference list is kept in
``htcds_fields.csv``, with its source). A value generalised away (``*``) is left blank.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

from domain.research.anonymity import ANY, UNKNOWN, Columns
from persistence.models.case_vocabulary import (
    CaseStatus,
    ExploitationType,
    RecruitmentMethod,
    Sex,
)

REFERENCE = Path(__file__).with_name("htcds_fields.csv")
EXTENSION_PREFIX = "ext_"
OTHER = "Other"

GENDER: Mapping[str, str] = {
    Sex.female: "Female",
    Sex.male: "Male",
    # Intersex is a sex characteristic, not a gender expression: no HTCDS value says it.
    Sex.intersex: OTHER,
    Sex.undisclosed: "Unknown",
}
RECRUITMENT: Mapping[str, str] = {
    RecruitmentMethod.job_offer: "Job offer/advertisement",
    RecruitmentMethod.marriage_offer: "Intimate partner/marriage proposition",
    RecruitmentMethod.abduction: "Abduction",
    RecruitmentMethod.family_member: "Familial",
    RecruitmentMethod.acquaintance: OTHER,
    RecruitmentMethod.online_contact: "Internet (social media, online advertisement)",
    # Debt is a means of control in HTCDS (vic_MethodsOfControl), not a way of recruiting.
    RecruitmentMethod.debt: OTHER,
    RecruitmentMethod.other: OTHER,
}
EXPLOITATION: Mapping[str, str] = {
    ExploitationType.forced_labour: "Forced labour",
    ExploitationType.sexual_exploitation: "Sexual exploitation",
    # Child labour is not forced labour by definition: kept apart as Other.
    ExploitationType.child_labour: OTHER,
    ExploitationType.forced_marriage: "Forced marriage",
    ExploitationType.servitude: "Slavery and similar practices",
    ExploitationType.forced_military: "Forced military service",
    ExploitationType.organ_removal: "Organ removal",
    ExploitationType.forced_begging: "Begging",
    ExploitationType.forced_adoption: OTHER,
    ExploitationType.surrogacy: OTHER,
    ExploitationType.other: OTHER,
}
CASE_STATUS: Mapping[str, str] = {
    CaseStatus.intake: "Active",
    CaseStatus.assessment: "Active",
    CaseStatus.planning: "Active",
    CaseStatus.active: "Active",
    CaseStatus.reopened: "Active",
    CaseStatus.monitoring: "FollowUp",
    CaseStatus.closed: "Closed",
}
# Which HTCDS field each mapping fills (the test checks the values against these fields).
MAPPINGS: Mapping[str, Mapping[str, str]] = {
    "prs_Gender": GENDER,
    "vic_MethodOfRecruitment": RECRUITMENT,
    "vic_TypeOfExploitation": EXPLOITATION,
    "cas_Status": CASE_STATUS,
}

FIELDS = (
    "ext_PseudonymousId",
    "prs_Gender",
    "ext_AgeBand",
    "ext_HomeDistrict",
    "prs_MailingState",
    "prs_MailingCountry",
    "vic_MethodOfRecruitment",
    "vic_TypeOfExploitation",
    "hte_Type",
    "hte_State",
    "hte_Country",
    "ext_ReturnPeriod",
    "ext_TraffickingStatus",
    "cas_Status",
)


@cache
def reference() -> dict[str, frozenset[str]]:
    """The kept HTCDS field reference: each field name with its picklist values (if any)."""
    fields: dict[str, set[str]] = {}
    with REFERENCE.open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        for row in csv.DictReader(lines):
            values = fields.setdefault(row["field_name"], set())
            if row["value"]:
                values.add(row["value"])
    return {name: frozenset(values) for name, values in fields.items()}


def _plain(value: str) -> str:
    return "" if value in (ANY, UNKNOWN) else value


def _mapped(mapping: Mapping[str, str], value: str) -> str:
    if value == ANY:
        return ""
    if value == UNKNOWN:
        return ""
    return mapping[value]


def _recruitment(value: str) -> str:
    if value == UNKNOWN:
        return "Unknown"  # HTCDS has a value for it
    return _mapped(RECRUITMENT, value)


def _exploitation(value: str) -> str:
    if value in (ANY, UNKNOWN):
        return ""
    mapped = dict.fromkeys(EXPLOITATION[v] for v in value.split(";") if v in EXPLOITATION)
    return ";".join(mapped)


def htcds_row(pseudonymous_id: str, columns: Columns) -> dict[str, str]:
    """One published row of the research layout, in HTCDS fields (see FIELDS)."""
    destination_known = columns["destination_country"] not in (ANY, UNKNOWN)
    return {
        "ext_PseudonymousId": pseudonymous_id,
        "prs_Gender": _mapped(GENDER, columns["sex"]),
        "ext_AgeBand": _plain(columns["age_band"]),
        "ext_HomeDistrict": _plain(columns["home_district"]),
        "prs_MailingState": _plain(columns["home_state"]),
        # Our organisations work in India; a survivor's home is recorded by Indian district.
        "prs_MailingCountry": "IN",
        "vic_MethodOfRecruitment": _recruitment(columns["recruitment_method"]),
        "vic_TypeOfExploitation": _exploitation(columns["exploitation_types"]),
        "hte_Type": "Exploitation" if destination_known else "",
        "hte_State": _plain(columns["destination_state"]),
        "hte_Country": _plain(columns["destination_country"]),
        "ext_ReturnPeriod": _plain(columns["returned"]),
        "ext_TraffickingStatus": _plain(columns["trafficking_status"]),
        "cas_Status": _mapped(CASE_STATUS, columns["case_status"]),
    }


def htcds_rows(records: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    """The extract's records (research layout, with ``pseudonymous_id``) in HTCDS fields."""
    return [htcds_row(record["pseudonymous_id"], dict(record)) for record in records]
