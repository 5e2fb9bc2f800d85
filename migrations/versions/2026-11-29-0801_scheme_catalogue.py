"""The scheme catalogue (entitlements survivors are helped to claim), seeded as data; and the
amount sanctioned on an entitlement application (awards and actual payment are often far
apart: the application keeps both, sanctioned and received).

Amounts change: each is a row with the date it took effect, and a later version of a scheme
supersedes the earlier one (``effective_to`` = the day before the next version). Amounts that
the domain reference marks "check" are recorded here as data and the benefit text says so; an
administrator corrects them by adding a version, never by changing code. ``effective_from`` is
the date the entry's terms took effect where it is known; documents long in place before this
catalogue (voter ID, caste certificate, PAN) carry 2000-01-01, which only says "before any
application recorded here".

Ids are UUIDv5 under uuid5(NAMESPACE_URL, "https://shakti-mis.org/schemes"), the same on every
installation: ``scheme:<code>:<effective_from>``. The downgrade removes them, and refuses while
applications use them (a survivor's history is not deleted by a schema step).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 08:01:00
"""

import itertools
import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://shakti-mis.org/schemes")
GEOGRAPHY = uuid.uuid5(uuid.NAMESPACE_URL, "https://shakti-mis.org/geography")
WEST_BENGAL = uuid.uuid5(GEOGRAPHY, "state:WB")
LONG_IN_PLACE = date(2000, 1, 1)
CHECK = "Amounts here are data recorded with their dates: check them against the current order."

# code, name, state (None: all India), benefit, amount_paise, amount_period,
# documents_required, where one applies, effective_from
SCHEMES: tuple[tuple[Any, ...], ...] = (
    (
        "aadhaar",
        "Aadhaar",
        None,
        "A 12-digit identity number (UIDAI) that most schemes ask for. She enrols with proof of "
        "identity and address; through the head of family's documents; or through an "
        "introducer when she has no documents at all.",
        None,
        None,
        ["proof_of_identity", "proof_of_address"],
        "Aadhaar enrolment centre (bank, post office, block office)",
        date(2010, 9, 29),
    ),
    (
        "ration_card",
        "Ration card (NFSA / Khadya Sathi)",
        WEST_BENGAL,
        "Subsidised food grain under the National Food Security Act through West Bengal's "
        "Khadya Sathi. Separate forms for a new card, adding a member, and a correction.",
        None,
        None,
        ["aadhaar", "proof_of_address", "passport_photo"],
        "Food & Supplies office of the block or municipality, or a Duare Sarkar camp",
        date(2016, 1, 27),
    ),
    (
        "pm_jan_dhan",
        "PM Jan Dhan Yojana account",
        None,
        "A zero-balance savings account in her own name with a RuPay debit card and accident "
        "insurance cover. Aadhaar alone suffices.",
        None,
        None,
        ["aadhaar"],
        "Any bank branch or business correspondent (Bank Mitra)",
        date(2014, 8, 28),
    ),
    (
        "swasthya_sathi",
        "Swasthya Sathi",
        WEST_BENGAL,
        "Cashless health cover for the family, the card in the woman head's name: Rs 5 lakh per "
        f"family per year. {CHECK}",
        50_000_000,
        "yearly",
        ["aadhaar", "ration_card", "proof_of_address"],
        "Duare Sarkar camp or the block office",
        date(2016, 12, 30),
    ),
    (
        "lakshmir_bhandar",
        "Lakshmir Bhandar",
        WEST_BENGAL,
        "Monthly cash support to women aged 25 to 60: Rs 500, Rs 1,000 for SC/ST women. Needs "
        "Swasthya Sathi enrolment and an Aadhaar-linked bank account in her own name. "
        f"{CHECK}",
        50_000,
        "monthly",
        ["aadhaar", "swasthya_sathi", "bank_account_aadhaar_linked", "caste_certificate_sc_st"],
        "Duare Sarkar camp",
        date(2021, 9, 1),
    ),
    (
        "lakshmir_bhandar",
        "Lakshmir Bhandar",
        WEST_BENGAL,
        "Monthly cash support to women aged 25 to 60: Rs 1,000, Rs 1,200 for SC/ST women (raised "
        "in 2024). Needs Swasthya Sathi enrolment and an Aadhaar-linked bank account in her own "
        f"name. {CHECK}",
        100_000,
        "monthly",
        ["aadhaar", "swasthya_sathi", "bank_account_aadhaar_linked", "caste_certificate_sc_st"],
        "Duare Sarkar camp",
        date(2024, 4, 1),
    ),
    (
        "mgnrega_job_card",
        "MGNREGA job card",
        None,
        "Up to 100 days of wage work per household per year under the Mahatma Gandhi National "
        "Rural Employment Guarantee Act; the wage rate is notified for each state every year.",
        None,
        None,
        ["aadhaar", "passport_photo", "bank_account"],
        "Gram panchayat",
        date(2006, 2, 2),
    ),
    (
        "victim_compensation_wb",
        "West Bengal Victim Compensation Scheme, 2017 (CrPC s.357A)",
        WEST_BENGAL,
        "Compensation to victims of crime, trafficking included, by category of loss or injury "
        "(amounts by category in the scheme's schedule: check them). Awards and actual payment "
        "are often far apart: follow the amount sanctioned and the amount received.",
        None,
        None,
        ["fir_copy", "medical_report", "aadhaar", "bank_account"],
        "District Legal Services Authority (or the State Legal Services Authority)",
        date(2017, 1, 1),
    ),
    (
        "victim_compensation_nalsa",
        "NALSA Compensation Scheme for Women Victims/Survivors of Sexual Assault/other Crimes, "
        "2018",
        None,
        "Compensation to women survivors of sexual assault and other crimes, by category, "
        "interim relief included (amounts by category in the scheme's schedule: check them). "
        "Follow the amount sanctioned and the amount received.",
        None,
        None,
        ["fir_copy", "medical_report", "aadhaar", "bank_account"],
        "District Legal Services Authority",
        date(2018, 10, 2),
    ),
    (
        "ujjawala",
        "Ujjawala (Ministry of Women and Child Development)",
        None,
        "Rescue, rehabilitation, reintegration and repatriation support for survivors of "
        "trafficking, delivered through NGOs running Ujjawala projects.",
        None,
        None,
        [],
        "Through an NGO running an Ujjawala project",
        date(2007, 12, 4),
    ),
    (
        "muktir_alo",
        "Muktir Alo (West Bengal)",
        WEST_BENGAL,
        "Training with a stipend and start-up capital for survivors of trafficking, applied for "
        f"by NGOs. {CHECK}",
        None,
        None,
        ["aadhaar", "bank_account"],
        "Through an NGO, to the Department of Women & Child Development and Social Welfare",
        date(2015, 1, 1),
    ),
    (
        "voter_id",
        "Voter ID (EPIC)",
        None,
        "The elector's photo identity card: proof of identity and address that unlocks other "
        "schemes.",
        None,
        None,
        ["proof_of_age", "proof_of_address", "passport_photo"],
        "Electoral Registration Officer (Form 6, online or through the booth level officer)",
        LONG_IN_PLACE,
    ),
    (
        "caste_certificate",
        "Caste certificate (SC / ST / OBC)",
        WEST_BENGAL,
        "Proof of caste that unlocks reserved benefits (the SC/ST rate of Lakshmir Bhandar, "
        "scholarships, reservations).",
        None,
        None,
        ["aadhaar", "proof_of_address", "family_caste_proof"],
        "Sub-divisional office or block office, or a Duare Sarkar camp",
        LONG_IN_PLACE,
    ),
    (
        "disability_certificate",
        "Disability certificate (UDID)",
        None,
        "Certificate and Unique Disability ID under the Rights of Persons with Disabilities "
        "Act, 2016: unlocks disability pensions and other support.",
        None,
        None,
        ["aadhaar", "passport_photo", "medical_assessment"],
        "Medical board of the district hospital; the UDID portal",
        date(2017, 4, 19),
    ),
    (
        "pan",
        "PAN card",
        None,
        "Permanent Account Number of the Income Tax Department: needed for larger bank "
        "transactions and some accounts.",
        None,
        None,
        ["aadhaar"],
        "Online (instant e-PAN with Aadhaar) or a PAN service centre",
        LONG_IN_PLACE,
    ),
)

scheme_table = sa.table(
    "scheme",
    sa.column("id", sa.Uuid),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("state_id", sa.Uuid),
    sa.column("benefit", sa.String),
    sa.column("amount_paise", sa.BigInteger),
    sa.column("amount_period", sa.String),
    sa.column("documents_required", postgresql.ARRAY(sa.String(80))),
    sa.column("applied_at", sa.String),
    sa.column("effective_from", sa.Date),
    sa.column("effective_to", sa.Date),
)


def scheme_id(code: str, effective_from: date) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"scheme:{code}:{effective_from.isoformat()}")


def _rows() -> list[dict[str, Any]]:
    rows = []
    for code, name, state_id, benefit, paise, period, documents, where, start in SCHEMES:
        rows.append(
            {
                "id": scheme_id(code, start),
                "code": code,
                "name": name,
                "state_id": state_id,
                "benefit": benefit,
                "amount_paise": paise,
                "amount_period": period,
                "documents_required": documents,
                "applied_at": where,
                "effective_from": start,
                "effective_to": None,
            }
        )
    # A later version supersedes the earlier one from its first day.
    by_code: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_code.setdefault(row["code"], []).append(row)
    for versions in by_code.values():
        versions.sort(key=lambda row: row["effective_from"])
        for earlier, later in itertools.pairwise(versions):
            earlier["effective_to"] = later["effective_from"] - timedelta(days=1)
    return rows


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.add_column(
        "entitlement_application", sa.Column("sanctioned_paise", sa.BigInteger(), nullable=True)
    )
    op.bulk_insert(scheme_table, _rows())


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    ids = [row["id"] for row in _rows()]
    application = sa.table("entitlement_application", sa.column("scheme_id", sa.Uuid))
    used = (
        op.get_bind()
        .execute(
            sa.select(sa.func.count())
            .select_from(application)
            .where(application.c.scheme_id.in_(ids))
        )
        .scalar_one()
    )
    if used:
        raise RuntimeError(
            f"{used} entitlement applications use the seeded schemes: export and remove them "
            "before downgrading below revision 0006"
        )
    op.execute(scheme_table.delete().where(scheme_table.c.id.in_(ids)))
    op.drop_column("entitlement_application", "sanctioned_paise")
