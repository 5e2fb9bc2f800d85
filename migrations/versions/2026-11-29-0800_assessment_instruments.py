"""Assessment instruments shared by every organisation, as data: the WHO CBR matrix, the
reintegration wellbeing assessment (after IJM's Assessment of Survivor Outcomes) and the
re-trafficking risk assessment (weights and bands as data).

Ids are UUIDv5 under uuid5(NAMESPACE_URL, "https://shakti-mis.org/instruments"), the same on
every installation: ``instrument:<code>``, ``section:<code>:<section>``,
``item:<code>:<item>``. The downgrade removes them, and refuses while assessments use them
(a survivor's history is not deleted by a schema step).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 08:00:00
"""

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://shakti-mis.org/instruments")
SCALE_LABELS = {"1": "most vulnerable", "2": "vulnerable", "3": "stable", "4": "thriving"}

# -- WHO CBR matrix: 5 components x 5 elements (survivor collectives in place of DPOs) --------
CBR_COMPONENTS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "health",
        "Health",
        (
            ("promotion", "Health promotion"),
            ("prevention", "Prevention"),
            ("medical_care", "Medical care"),
            ("rehabilitation", "Rehabilitation"),
            ("assistive_devices", "Assistive devices"),
        ),
    ),
    (
        "education",
        "Education",
        (
            ("early_childhood", "Early childhood"),
            ("primary", "Primary"),
            ("secondary_higher", "Secondary and higher"),
            ("non_formal", "Non-formal"),
            ("lifelong_learning", "Lifelong learning"),
        ),
    ),
    (
        "livelihood",
        "Livelihood",
        (
            ("skills_development", "Skills development"),
            ("self_employment", "Self-employment"),
            ("wage_employment", "Wage employment"),
            ("financial_services", "Financial services"),
            ("social_protection", "Social protection"),
        ),
    ),
    (
        "social",
        "Social",
        (
            ("personal_assistance", "Personal assistance"),
            ("relationships_family", "Relationships, marriage and family"),
            ("culture_arts", "Culture and arts"),
            ("recreation_sports", "Recreation, leisure and sports"),
            ("justice", "Justice"),
        ),
    ),
    (
        "empowerment",
        "Empowerment",
        (
            ("advocacy_communication", "Advocacy and communication"),
            ("community_mobilisation", "Community mobilisation"),
            ("political_participation", "Political participation"),
            ("self_help_groups", "Self-help groups"),
            ("survivor_collectives", "Survivor collectives"),
        ),
    ),
)


def _cbr_matrix() -> dict[str, Any]:
    sections = []
    for code, name, elements in CBR_COMPONENTS:
        items = []
        for element, label in elements:
            items += [
                (f"{element}.need", f"{label}: does she need support here?", "yes_no", 1),
                (
                    f"{element}.status",
                    f"{label}: her situation now (1 most vulnerable .. 4 thriving)",
                    "score",
                    1,
                ),
                (
                    f"{element}.priority",
                    f"{label}: her own priority (1 first .. 5; 0 not now)",
                    "rank",
                    1,
                ),
            ]
        sections.append((code, name, items))
    return {
        "code": "cbr_matrix",
        "name": "WHO CBR matrix",
        "description": "The five components of community based rehabilitation (health, "
        "education, livelihood, social, empowerment), five elements each: whether she needs "
        "support, her situation now (1 most vulnerable .. 4 thriving) and her own priority "
        "(1 first .. 5; 0 not now).",
        "rules": {"needs": True, "priorities": True, "scale_labels": SCALE_LABELS},
        "sections": sections,
    }


# -- Reintegration wellbeing (after IJM's Assessment of Survivor Outcomes) -------------------
WELLBEING_DOMAINS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "safety",
        "Safety",
        (
            ("free_from_abuse", "Free from abuse or neglect"),
            ("free_from_threats", "Free from threats by suspects or others"),
            ("manages_unsafe_situations", "Able to identify and manage unsafe situations"),
        ),
    ),
    (
        "legal_protection",
        "Legal protection",
        (
            ("identity_documents", "Holds her identity and civil documents"),
            ("knows_rights", "Knows her rights and the protection the law offers her"),
            ("legal_services", "Can reach legal aid and the justice system when she needs to"),
            (
                "safe_in_proceedings",
                "Takes part in legal proceedings safely and informed (or has none pending)",
            ),
        ),
    ),
    (
        "mental_wellbeing",
        "Mental wellbeing",
        (
            ("emotional_health", "Free from overwhelming fear, sadness or distressing memories"),
            ("self_worth", "Has a sense of self-worth and hope for the future"),
            ("coping", "Copes with stress and setbacks in healthy ways"),
            ("substance_use", "Free from harmful use of alcohol or drugs"),
        ),
    ),
    (
        "economic_empowerment",
        "Economic empowerment and education",
        (
            ("income", "Earns or receives enough to meet her and her dependants' basic needs"),
            ("financial_access", "Has a bank account or SHG savings she controls"),
            ("livelihood_skills", "Has skills for the work she wants to do"),
            ("education", "Can take up the education or training she wants"),
        ),
    ),
    (
        "social_support",
        "Social support",
        (
            ("trusted_relationships", "Has people she trusts to turn to for help"),
            ("family_acceptance", "Accepted and supported by her family or household"),
            ("community_acceptance", "Lives free from stigma and exclusion in her community"),
            ("group_participation", "Takes part in groups (SHG, survivor collective) she values"),
        ),
    ),
    (
        "physical_wellbeing",
        "Physical wellbeing",
        (
            ("health_status", "Free from untreated illness or injury"),
            ("health_care_access", "Can reach health care when she needs it"),
            ("basic_needs", "Has enough food, safe water and shelter"),
            ("reproductive_health", "Her sexual and reproductive health needs are met"),
        ),
    ),
)


def _reintegration_wellbeing() -> dict[str, Any]:
    return {
        "code": "reintegration_wellbeing",
        "name": "Reintegration wellbeing",
        "description": "Six domains of a survivor's reintegration after IJM's Assessment of "
        "Survivor Outcomes (safety, legal protection, mental wellbeing, economic empowerment "
        "and education, social support, physical wellbeing); each sub-domain scored "
        "1 (most vulnerable) .. 4 (thriving); a domain score is the mean of its sub-domains.",
        "rules": {"scale_labels": SCALE_LABELS},
        "sections": [
            (
                code,
                name,
                [(f"{code}.{item}", prompt, "score", 1) for item, prompt in sub_domains],
            )
            for code, name, sub_domains in WELLBEING_DOMAINS
        ],
    }


# -- Safety and re-trafficking risk: weighted yes/no factors, bands as data ----------------
RISK_SECTIONS: tuple[tuple[str, str, tuple[tuple[str, str, int], ...]], ...] = (
    (
        "perpetrators",
        "Recruiters and perpetrators",
        (
            ("recruiter_contact", "The recruiter or trafficker has been in contact with her", 3),
            ("threats", "She or her family has been threatened", 3),
            ("perpetrator_nearby", "A suspect lives in or visits her community", 2),
        ),
    ),
    (
        "economic",
        "Economic pressure",
        (
            ("debt", "She or her household owes a debt she cannot repay", 2),
            ("no_income", "She has no income of her own", 2),
            ("food_insecurity", "Her household goes without enough food", 1),
        ),
    ),
    (
        "home",
        "Home and family",
        (
            ("unsafe_family_member", "An unsafe family member lives in her home", 3),
            ("family_pressure", "Her family pressures her to migrate for work or to marry", 2),
        ),
    ),
    (
        "history",
        "History",
        (("previous_retrafficking", "She has been re-trafficked before", 3),),
    ),
    (
        "migration",
        "Migration",
        (
            (
                "unsafe_migration_plan",
                "She plans to migrate without knowing how to migrate safely",
                2,
            ),
            ("unverified_job_offer", "She has a job offer from an unknown or unverified agent", 2),
        ),
    ),
    (
        "child",
        "Children",
        (("minor_out_of_school", "She is a minor and out of school", 2),),
    ),
)


def _retrafficking_risk() -> dict[str, Any]:
    return {
        "code": "retrafficking_risk",
        "name": "Safety and re-trafficking risk",
        "description": "Risk factors answered yes or no; the weights of the factors present "
        "add up to points, and the points fall in a band (low, medium, high) that becomes the "
        "case's risk level.",
        "rules": {
            "bands": [
                {"max": 3, "level": "low"},
                {"max": 7, "level": "medium"},
                {"level": "high"},
            ],
            "sets_case_risk": True,
        },
        "sections": [
            (code, name, [(item, prompt, "yes_no", weight) for item, prompt, weight in factors])
            for code, name, factors in RISK_SECTIONS
        ],
    }


INSTRUMENTS = (_cbr_matrix, _reintegration_wellbeing, _retrafficking_risk)

instrument_table = sa.table(
    "assessment_instrument",
    sa.column("id", sa.Uuid),
    sa.column("organization_id", sa.Uuid),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("description", sa.String),
    sa.column("scale_min", sa.Integer),
    sa.column("scale_max", sa.Integer),
    sa.column("rules", postgresql.JSONB),
)
section_table = sa.table(
    "assessment_section",
    sa.column("id", sa.Uuid),
    sa.column("instrument_id", sa.Uuid),
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("position", sa.Integer),
)
item_table = sa.table(
    "assessment_item",
    sa.column("id", sa.Uuid),
    sa.column("section_id", sa.Uuid),
    sa.column("code", sa.String),
    sa.column("prompt", sa.String),
    sa.column("response_type", sa.String),
    sa.column("position", sa.Integer),
    sa.column("weight", sa.Integer),
)


def _rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    instruments, sections, items = [], [], []
    for build in INSTRUMENTS:
        data = build()
        code = data["code"]
        instrument_id = uuid.uuid5(NAMESPACE, f"instrument:{code}")
        instruments.append(
            {
                "id": instrument_id,
                "organization_id": None,
                "code": code,
                "name": data["name"],
                "description": data["description"],
                "scale_min": 1,
                "scale_max": 4,
                "rules": data["rules"],
            }
        )
        for position, (section_code, name, section_items) in enumerate(data["sections"], 1):
            section_id = uuid.uuid5(NAMESPACE, f"section:{code}:{section_code}")
            sections.append(
                {
                    "id": section_id,
                    "instrument_id": instrument_id,
                    "code": section_code,
                    "name": name,
                    "position": position,
                }
            )
            for item_position, (item_code, prompt, response_type, weight) in enumerate(
                section_items, 1
            ):
                items.append(
                    {
                        "id": uuid.uuid5(NAMESPACE, f"item:{code}:{item_code}"),
                        "section_id": section_id,
                        "code": item_code,
                        "prompt": prompt,
                        "response_type": response_type,
                        "position": item_position,
                        "weight": weight,
                    }
                )
    return instruments, sections, items


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    instruments, sections, items = _rows()
    op.bulk_insert(instrument_table, instruments)
    op.bulk_insert(section_table, sections)
    op.bulk_insert(item_table, items)


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    instruments, sections, items = _rows()
    instrument_ids = [row["id"] for row in instruments]
    assessment = sa.table("assessment", sa.column("instrument_id", sa.Uuid))
    used = (
        op.get_bind()
        .execute(
            sa.select(sa.func.count())
            .select_from(assessment)
            .where(assessment.c.instrument_id.in_(instrument_ids))
        )
        .scalar_one()
    )
    if used:
        raise RuntimeError(
            f"{used} assessments use the shared instruments: export and remove them before "
            "downgrading below revision 0005"
        )
    op.execute(item_table.delete().where(item_table.c.id.in_([row["id"] for row in items])))
    op.execute(
        section_table.delete().where(section_table.c.id.in_([row["id"] for row in sections]))
    )
    op.execute(instrument_table.delete().where(instrument_table.c.id.in_(instrument_ids)))
