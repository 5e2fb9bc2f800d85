"""Evidence: the indicator catalogue (indicators as data, seeded here, versioned like the
scheme catalogue) and the register of requests for figures.

Each indicator names a measure (persistence/evidence/measures: one tested SQL query over one
subject) with filters, or a ratio of two, its unit, breakdowns and suppression rule. A later
change of a definition is a new version (a new row, the old one closed by ``effective_to``),
added by a migration; figures always use the version in effect today. Version 1 holds from
2000-01-01 ("before any record kept here").

Ids are UUIDv5 under uuid5(NAMESPACE_URL, "https://shakti-mis.org/indicators"):
``indicator:<code>:<version>``, the same on every installation.

The app role reads the catalogue and never changes it; it adds requests and never changes or
removes them.

Revision ID: 0021
Revises: 0014
Create Date: 2026-12-07 10:00:00
"""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://shakti-mis.org/indicators")
SINCE = date(2000, 1, 1)
APP_ROLE = "shakti_app"

PLACES = ["state", "district"]
PERSON = ["sex", "age_band"]
OPEN_STAGES = ["intake", "assessment", "planning", "active", "monitoring", "reopened"]


def use(measure: str, aggregate: str = "count", **filters: list[str]) -> dict[str, Any]:
    return {"measure": measure, "filters": filters, "aggregate": aggregate}


def indicator(
    code: str,
    outcome: int,
    name: str,
    definition: str,
    numerator: dict[str, Any],
    unit: str,
    breakdowns: list[str],
    *,
    denominator: dict[str, Any] | None = None,
    factor: int = 1,
    suppression: str = "people",
    headline: int | None = None,
    sentence: str | None = None,
) -> dict[str, Any]:
    kind = "ratio" if denominator is not None else numerator["aggregate"]
    return {
        "code": code,
        "outcome": outcome,
        "name": name,
        "definition": definition,
        "kind": kind,
        "numerator": numerator,
        "denominator": denominator,
        "factor": factor,
        "unit": unit,
        "breakdowns": breakdowns,
        "suppression": suppression,
        "headline_rank": headline,
        "sentence": sentence,
    }


# -- outcome 1: case management ----------------------------------------------------------------
CASE_MANAGEMENT = [
    indicator(
        "survivors_associated",
        1,
        "Survivors associated with the programme",
        "Survivors registered with the organisation and not removed, at the period's end.",
        use("survivors"),
        "survivors",
        [*PLACES, *PERSON],
        headline=1,
        sentence="{value} survivors associated with the programme across {districts} districts",
    ),
    indicator(
        "new_registrations",
        1,
        "New registrations",
        "Survivors registered (intake) during the period.",
        use("registrations"),
        "survivors",
        [*PLACES, *PERSON],
        headline=2,
        sentence="{value} survivors newly registered",
    ),
    indicator(
        "active_cases",
        1,
        "Active cases",
        "Cases open (intake, assessment, planning, active, monitoring or reopened) at the "
        "period's end, by stage.",
        use("case_stages", stage=OPEN_STAGES),
        "cases",
        [*PLACES, *PERSON, "stage"],
        headline=3,
        sentence="{value} cases open",
    ),
    indicator(
        "cases_closed",
        1,
        "Cases closed",
        "Cases closed during the period, by the reason recorded.",
        use("case_closures"),
        "cases",
        [*PLACES, *PERSON, "closure_reason"],
    ),
    indicator(
        "cases_closed_goals_achieved",
        1,
        "Cases closed with goals achieved",
        "Cases closed during the period because the survivor's goals were achieved.",
        use("case_closures", closure_reason=["goals_achieved"]),
        "cases",
        [*PLACES, *PERSON],
        headline=6,
        sentence="{value} cases closed with the survivor's goals achieved",
    ),
    indicator(
        "referrals_made",
        1,
        "Referrals made",
        "Referrals sent to a service during the period, by the service referred for.",
        use("referrals"),
        "referrals",
        [*PLACES, *PERSON, "service_kind", "urgency"],
        headline=4,
        sentence="{value} referrals made to services",
    ),
    indicator(
        "referrals_accepted",
        1,
        "Referrals accepted",
        "Referrals the receiving organisation accepted during the period.",
        use("referral_steps", status=["accepted"]),
        "referrals",
        [*PLACES, *PERSON, "service_kind"],
    ),
    indicator(
        "referrals_completed",
        1,
        "Referrals completed",
        "Referrals completed (the service delivered) during the period.",
        use("referral_steps", status=["completed"]),
        "referrals",
        [*PLACES, *PERSON, "service_kind"],
        headline=5,
        sentence="{value} referrals followed to completion",
    ),
    indicator(
        "referral_acceptance_rate",
        1,
        "Referral acceptance rate",
        "Referrals accepted during the period as a percentage of referrals made during it.",
        use("referral_steps", status=["accepted"]),
        "percent",
        [*PLACES, "service_kind"],
        denominator=use("referrals"),
        factor=100,
    ),
    indicator(
        "referral_days_to_completion",
        1,
        "Median days from referral to completion",
        "For referrals completed during the period, the median number of days from the "
        "referral being made to its completion.",
        use("referral_completion_days", "median"),
        "days",
        [*PLACES, "service_kind"],
    ),
]

# -- outcome 4: survivor leadership ------------------------------------------------------------
# Figures about groups, events and duty bearers' promises are shown whatever their size (they
# point at no person); figures about persons (leaders trained, the persons they referred, the
# reports they made) are suppressed when small.
LEADERSHIP_TOPICS = [
    "legal_rights",
    "public_speaking",
    "victim_identification",
    "safe_migration",
    "leadership",
]

LEADERSHIP = [
    indicator(
        "leader_groups_functional",
        4,
        "Survivor leader groups functional",
        "Leader groups that met at least once during the period. A figure about groups, not "
        "persons: not suppressed.",
        use("leader_group_meetings"),
        "groups",
        [*PLACES],
        suppression="none",
        headline=1,
        sentence="{value} survivor leader groups functional",
    ),
    indicator(
        "leaders_trained",
        4,
        "Survivor leaders trained",
        "Survivor leaders (accounts with the role survivor_leader, or members of a leader "
        "group on the day) who completed a leadership training (legal rights, public speaking, "
        "victim identification, safe migration, leadership) during the period, each counted "
        "once. Suppressed when small: it counts persons.",
        use("leader_training_completions", topic=LEADERSHIP_TOPICS),
        "leaders",
        [*PLACES, "topic"],
        headline=2,
        sentence="{value} survivor leaders trained in leadership",
    ),
    indicator(
        "campaigns_held",
        4,
        "Campaigns and community events held",
        "Campaigns and community events (awareness meetings, rallies, street plays, school "
        "sessions, media events) held during the period, by kind. Public events: not "
        "suppressed.",
        use("campaigns"),
        "campaigns",
        [*PLACES, "campaign_kind"],
        suppression="none",
        headline=4,
        sentence="{value} campaigns and community events held",
    ),
    indicator(
        "campaign_reach",
        4,
        "People reached by campaigns",
        "People reached by the campaigns and community events held during the period, as "
        "counted at each (women, men, youth, children). Head counts of public audiences, "
        "with no record of any person behind them: not suppressed.",
        use("campaign_reach", "sum"),
        "people",
        [*PLACES, "audience", "campaign_kind"],
        suppression="none",
        headline=3,
        sentence="{value} people reached by campaigns and community events",
    ),
    indicator(
        "duty_bearer_commitments_made",
        4,
        "Commitments made by duty bearers",
        "Commitments duty bearers (police, panchayats, departments, legal services "
        "authorities...) made at meetings held during the period, by duty bearer. Officials' "
        "public promises: not suppressed.",
        use("commitments"),
        "commitments",
        [*PLACES, "duty_bearer"],
        suppression="none",
        headline=5,
        sentence="{value} commitments obtained from duty bearers",
    ),
    indicator(
        "duty_bearer_commitments_fulfilled",
        4,
        "Commitments fulfilled by duty bearers",
        "Commitments found fulfilled at a follow-up during the period (on the day of the "
        "latest follow-up; a commitment set back to open no longer counts), by duty bearer.",
        use("commitment_follow_ups", status=["fulfilled"]),
        "commitments",
        [*PLACES, "duty_bearer"],
        suppression="none",
        sentence="{value} commitments fulfilled by duty bearers",
    ),
    indicator(
        "duty_bearer_commitments_overdue",
        4,
        "Commitments overdue",
        "Commitments past their date and not fulfilled at the period's end (open, partly "
        "fulfilled or found not fulfilled; escalated ones included), by duty bearer.",
        use("overdue_commitments"),
        "commitments",
        [*PLACES, "duty_bearer"],
        suppression="none",
    ),
    indicator(
        "possible_victims_identified",
        4,
        "Possible victims identified by survivor leaders",
        "Persons at risk and possible victims survivor leaders referred to the organisation "
        "during the period, by concern. Suppressed when the referrals come from fewer than k "
        "leaders: a handful of referrals in a place can point at the leader who made them.",
        use("identifications"),
        "persons",
        [*PLACES, "concern"],
        headline=6,
        sentence="{value} possible victims identified by survivor leaders",
    ),
    indicator(
        "identifications_became_cases",
        4,
        "Identified persons who became cases",
        "Persons survivor leaders referred who became cases during the period (on the day "
        "the case was linked), counted while her consent to aggregate reporting is in force.",
        use("identification_cases"),
        "cases",
        [*PLACES, *PERSON, "concern"],
        sentence="{value} of the persons identified by leaders became cases",
    ),
    indicator(
        "safety_reports",
        4,
        "Safety reports",
        "Red flags, suspected recruitment, missing persons and threats reported by survivor "
        "leaders and staff during the period, by kind. Suppressed when fewer than k persons "
        "reported: a report can point at the one who made it.",
        use("safety_reports"),
        "reports",
        [*PLACES, "report_kind"],
    ),
]

# -- outcome 5: expansion and policy -----------------------------------------------------------
# Figures about organisations, states and public acts: not suppressed.
EXPANSION = [
    indicator(
        "partners_by_stage",
        5,
        "Partner organisations by onboarding stage",
        "Partner organisations being onboarded at the period's end, by stage (explored, "
        "scoping, agreement signed, implementing, paused).",
        use("partner_stages"),
        "organisations",
        ["stage"],
        suppression="none",
    ),
    indicator(
        "partners_implementing",
        5,
        "Partner organisations implementing the model",
        "Partner organisations at the implementing stage at the period's end.",
        use("partner_stages", stage=["implementing"]),
        "organisations",
        [],
        suppression="none",
        headline=1,
        sentence="{value} partner organisations implementing the model",
    ),
    indicator(
        "states_with_partners",
        5,
        "States with partners implementing",
        "States where at least one partner organisation was implementing the model at the "
        "period's end (a state with several partners counts once).",
        use("partner_states"),
        "states",
        [],
        suppression="none",
        headline=2,
        sentence="{value} states where partners implement the model",
    ),
    indicator(
        "advocacy_actions",
        5,
        "Advocacy actions",
        "Advocacy actions with departments and bodies during the period, by level (district, "
        "state, national) and by whether an outcome has been recorded.",
        use("advocacy_actions"),
        "actions",
        ["level", "outcome_recorded"],
        suppression="none",
        headline=3,
        sentence="{value} advocacy actions at district, state and national level",
    ),
    indicator(
        "advocacy_outcomes",
        5,
        "Advocacy actions with an outcome",
        "Advocacy actions during the period whose outcome has been recorded, by level.",
        use("advocacy_actions", outcome_recorded=["yes"]),
        "actions",
        ["level"],
        suppression="none",
        sentence="{value} advocacy actions with a recorded outcome",
    ),
]

CATALOGUE: list[dict[str, Any]] = [*CASE_MANAGEMENT, *LEADERSHIP, *EXPANSION]


def _rows() -> list[dict[str, Any]]:
    return [
        {
            **row,
            "id": uuid.uuid5(NAMESPACE, f"indicator:{row['code']}:1"),
            "version": 1,
            "effective_from": SINCE,
        }
        for row in CATALOGUE
    ]


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "indicator",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.SmallInteger(), nullable=False),
        sa.Column("definition", sa.String(length=2000), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("numerator", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("denominator", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("factor", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column(
            "breakdowns",
            postgresql.ARRAY(sa.String(length=40)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("suppression", sa.String(length=20), nullable=False),
        sa.Column("headline_rank", sa.Integer(), nullable=True),
        sa.Column("sentence", sa.String(length=300), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('count', 'sum', 'median', 'p90', 'ratio')",
            name=op.f("ck_indicator_indicator_kind"),
        ),
        sa.CheckConstraint(
            "suppression IN ('people', 'none')", name=op.f("ck_indicator_suppression")
        ),
        sa.CheckConstraint("outcome BETWEEN 1 AND 5", name=op.f("ck_indicator_outcome")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_indicator_code_version")),
    )
    op.create_table(
        "evidence_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("actor_type", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_evidence_request_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_request")),
    )
    indicators = sa.table(
        "indicator",
        sa.column("id", sa.Uuid()),
        sa.column("code", sa.String()),
        sa.column("version", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("outcome", sa.SmallInteger()),
        sa.column("definition", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("numerator", postgresql.JSONB()),
        sa.column("denominator", postgresql.JSONB()),
        sa.column("factor", sa.Integer()),
        sa.column("unit", sa.String()),
        sa.column("breakdowns", postgresql.ARRAY(sa.String())),
        sa.column("suppression", sa.String()),
        sa.column("headline_rank", sa.Integer()),
        sa.column("sentence", sa.String()),
        sa.column("effective_from", sa.Date()),
    )
    op.bulk_insert(indicators, _rows())
    op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON indicator FROM {APP_ROLE}")
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON evidence_request FROM {APP_ROLE}")
    op.create_index(
        "ix_evidence_request_organization_id_created_at",
        "evidence_request",
        ["organization_id", "created_at"],
        unique=False,
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_index("ix_evidence_request_organization_id_created_at", table_name="evidence_request")
    op.drop_table("evidence_request")
    op.drop_table("indicator")
    # ### end Alembic commands ###
