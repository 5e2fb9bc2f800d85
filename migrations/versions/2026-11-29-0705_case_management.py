"""Case management: survivors (personal data sealed), consent, cases and their history,
assessment instruments and assessments, care plans, the service directory, referrals,
visits, notes and legal proceedings. Organisations may let social workers see their
districts' cases.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 07:05:22.699781
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    _audit_actions(AUDIT_ACTIONS)
    op.create_table(
        "assessment_instrument",
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("scale_min", sa.Integer(), nullable=False),
        sa.Column("scale_max", sa.Integer(), nullable=False),
        sa.Column(
            "rules", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_assessment_instrument_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_instrument")),
        sa.UniqueConstraint(
            "organization_id", "code", name=op.f("uq_assessment_instrument_organization_id_code")
        ),
    )
    op.create_index(
        op.f("ix_assessment_instrument_organization_id"),
        "assessment_instrument",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "case_number_counter",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("district_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_case_number_counter_district_id_district"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_case_number_counter_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint(
            "organization_id", "district_id", "year", name=op.f("pk_case_number_counter")
        ),
    )
    op.create_table(
        "service_offering",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "service_kind",
            sa.Enum(
                "health",
                "mental_health",
                "legal_aid",
                "shelter",
                "education",
                "skills_training",
                "livelihood",
                "financial_services",
                "documentation",
                "social_protection",
                "counselling",
                "other",
                name="service_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("district_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_service_offering_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_offering")),
    )
    op.create_index(
        op.f("ix_service_offering_organization_id"),
        "service_offering",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "survivor",
        sa.Column("district_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("personal_enc", sa.LargeBinary(), nullable=False),
        sa.Column(
            "sex",
            sa.Enum(
                "female",
                "male",
                "intersex",
                "undisclosed",
                name="sex",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("age_is_estimate", sa.Boolean(), nullable=False),
        sa.Column(
            "languages", postgresql.ARRAY(sa.String(length=20)), server_default="{}", nullable=False
        ),
        sa.Column(
            "identity_document_kinds",
            postgresql.ARRAY(sa.String(length=40)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("phone_bidx", sa.LargeBinary(length=32), nullable=True),
        sa.Column("name_bidx", sa.LargeBinary(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_survivor_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_survivor_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survivor")),
    )
    op.create_index(op.f("ix_survivor_district_id"), "survivor", ["district_id"], unique=False)
    op.create_index(
        op.f("ix_survivor_organization_id"), "survivor", ["organization_id"], unique=False
    )
    op.create_index(
        "ix_survivor_organization_id_created_at_id",
        "survivor",
        ["organization_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        "ix_survivor_organization_id_name_bidx",
        "survivor",
        ["organization_id", "name_bidx"],
        unique=False,
    )
    op.create_index(
        "ix_survivor_organization_id_phone_bidx",
        "survivor",
        ["organization_id", "phone_bidx"],
        unique=False,
    )
    op.create_table(
        "assessment_section",
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("instrument_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["assessment_instrument.id"],
            name=op.f("fk_assessment_section_instrument_id_assessment_instrument"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_section")),
        sa.UniqueConstraint(
            "instrument_id", "code", name=op.f("uq_assessment_section_instrument_id_code")
        ),
    )
    op.create_index(
        op.f("ix_assessment_section_instrument_id"),
        "assessment_section",
        ["instrument_id"],
        unique=False,
    )
    op.create_table(
        "consent",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("survivor_id", sa.Uuid(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "case_management",
                "sharing",
                "aggregate_reporting",
                "research",
                "media_advocacy",
                "contact_by_phone",
                name="consent_purpose",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("shared_with_organization_id", sa.Uuid(), nullable=True),
        sa.Column(
            "fields", postgresql.ARRAY(sa.String(length=40)), server_default="{}", nullable=False
        ),
        sa.Column(
            "given_by",
            sa.Enum(
                "survivor",
                "guardian",
                name="consent_giver",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("guardian_enc", sa.LargeBinary(), nullable=True),
        sa.Column(
            "method",
            sa.Enum(
                "verbal",
                "written",
                "thumbprint",
                name="consent_method",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("language", sa.String(length=20), nullable=False),
        sa.Column("witness_user_id", sa.Uuid(), nullable=True),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawal_reason", sa.String(length=500), nullable=True),
        sa.Column("supersedes_id", sa.Uuid(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_consent_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["shared_with_organization_id"],
            ["organization.id"],
            name=op.f("fk_consent_shared_with_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["consent.id"], name=op.f("fk_consent_supersedes_id_consent")
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["survivor.id"], name=op.f("fk_consent_survivor_id_survivor")
        ),
        sa.ForeignKeyConstraint(
            ["witness_user_id"], ["app_user.id"], name=op.f("fk_consent_witness_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    op.create_index(
        op.f("ix_consent_organization_id"), "consent", ["organization_id"], unique=False
    )
    op.create_index(
        "ix_consent_survivor_id_purpose", "consent", ["survivor_id", "purpose"], unique=False
    )
    op.create_table(
        "survivor_case",
        sa.Column("organization_id", sa.Uuid(), nullable=False),
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("survivor_id", sa.Uuid(), nullable=False),
        sa.Column("district_id", sa.Uuid(), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("assigned_worker_id", sa.Uuid(), nullable=True),
        sa.Column("team", sa.String(length=100), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "intake",
                "assessment",
                "planning",
                "active",
                "monitoring",
                "closed",
                "reopened",
                name="case_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "closure_reason",
            sa.Enum(
                "goals_achieved",
                "relocated",
                "declined_services",
                "lost_contact",
                "deceased",
                "transferred",
                name="closure_reason",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column(
            "risk_level",
            sa.Enum(
                "low",
                "medium",
                "high",
                name="risk_level",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "referral_source",
            sa.Enum(
                "police_ahtu",
                "shelter_home",
                "child_welfare_committee",
                "survivor_leader",
                "family",
                "self",
                "other_ngo",
                "other",
                name="referral_source",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "trafficking_status",
            sa.Enum(
                "possible",
                "actual",
                "not_a_victim",
                name="trafficking_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "exploitation_types",
            postgresql.ARRAY(sa.String(length=40)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "recruitment_method",
            sa.Enum(
                "job_offer",
                "marriage_offer",
                "abduction",
                "family_member",
                "acquaintance",
                "online_contact",
                "debt",
                "other",
                name="recruitment_method",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("destination_state", sa.String(length=100), nullable=True),
        sa.Column("destination_country", sa.String(length=2), nullable=True),
        sa.Column("recruited_on", sa.Date(), nullable=True),
        sa.Column("identified_on", sa.Date(), nullable=True),
        sa.Column("returned_on", sa.Date(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("context_enc", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assigned_worker_id"],
            ["app_user.id"],
            name=op.f("fk_survivor_case_assigned_worker_id_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_survivor_case_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_survivor_case_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["survivor.id"], name=op.f("fk_survivor_case_survivor_id_survivor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survivor_case")),
        sa.UniqueConstraint(
            "organization_id",
            "case_number",
            name=op.f("uq_survivor_case_organization_id_case_number"),
        ),
    )
    op.create_index(
        "ix_survivor_case_assigned_worker_id_created_at_id",
        "survivor_case",
        ["assigned_worker_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_survivor_case_organization_id"), "survivor_case", ["organization_id"], unique=False
    )
    op.create_index(
        "ix_survivor_case_organization_id_district_id_created_at_id",
        "survivor_case",
        ["organization_id", "district_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_survivor_case_survivor_id"), "survivor_case", ["survivor_id"], unique=False
    )
    op.create_table(
        "assessment",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("district_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("instrument_id", sa.Uuid(), nullable=False),
        sa.Column("conducted_on", sa.Date(), nullable=False),
        sa.Column("conducted_by", sa.Uuid(), nullable=True),
        sa.Column(
            "scores", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("notes_enc", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["survivor_case.id"], name=op.f("fk_assessment_case_id_survivor_case")
        ),
        sa.ForeignKeyConstraint(
            ["conducted_by"], ["app_user.id"], name=op.f("fk_assessment_conducted_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_assessment_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["assessment_instrument.id"],
            name=op.f("fk_assessment_instrument_id_assessment_instrument"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_assessment_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
    )
    op.create_index(op.f("ix_assessment_case_id"), "assessment", ["case_id"], unique=False)
    op.create_index(
        "ix_assessment_case_id_instrument_id_conducted_on",
        "assessment",
        ["case_id", "instrument_id", "conducted_on"],
        unique=False,
    )
    op.create_index(op.f("ix_assessment_district_id"), "assessment", ["district_id"], unique=False)
    op.create_index(
        op.f("ix_assessment_organization_id"), "assessment", ["organization_id"], unique=False
    )
    op.create_table(
        "assessment_item",
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("section_id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("prompt", sa.String(length=500), nullable=False),
        sa.Column(
            "response_type",
            sa.Enum(
                "score",
                "yes_no",
                "rank",
                name="response_type",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["assessment_section.id"],
            name=op.f("fk_assessment_item_section_id_assessment_section"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_item")),
        sa.UniqueConstraint("section_id", "code", name=op.f("uq_assessment_item_section_id_code")),
    )
    op.create_index(
        op.f("ix_assessment_item_section_id"), "assessment_item", ["section_id"], unique=False
    )
    op.create_table(
        "care_plan_agreement",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("district_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("agreed_on", sa.Date(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "verbal",
                "written",
                "thumbprint",
                name="agreement_method",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("witnessed_by", sa.Uuid(), nullable=True),
        sa.Column("goal_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("notes_enc", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["survivor_case.id"],
            name=op.f("fk_care_plan_agreement_case_id_survivor_case"),
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_care_plan_agreement_district_id_district"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_care_plan_agreement_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["witnessed_by"],
            ["app_user.id"],
            name=op.f("fk_care_plan_agreement_witnessed_by_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plan_agreement")),
    )
    op.create_index(
        op.f("ix_care_plan_agreement_case_id"), "care_plan_agreement", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_care_plan_agreement_district_id"),
        "care_plan_agreement",
        ["district_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_care_plan_agreement_organization_id"),
        "care_plan_agreement",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "care_plan_goal",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("district_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "component",
            sa.Enum(
                "health",
                "education",
                "livelihood",
                "social",
                "empowerment",
                name="cbr_component",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("goal_enc", sa.LargeBinary(), nullable=False),
        sa.Column(
            "responsible",
            sa.Enum(
                "survivor",
                "social_worker",
                "organization",
                "government_department",
                name="responsible",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("responsible_organization_id", sa.Uuid(), nullable=True),
        sa.Column("target_on", sa.Date(), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "not_started",
                "in_progress",
                "achieved",
                "dropped",
                name="goal_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("achieved_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["survivor_case.id"], name=op.f("fk_care_plan_goal_case_id_survivor_case")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_care_plan_goal_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_care_plan_goal_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["responsible_organization_id"],
            ["organization.id"],
            name=op.f("fk_care_plan_goal_responsible_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_care_plan_goal")),
    )
    op.create_index(op.f("ix_care_plan_goal_case_id"), "care_plan_goal", ["case_id"], unique=False)
    op.create_index(
        op.f("ix_care_plan_goal_district_id"), "care_plan_goal", ["district_id"], unique=False
    )
    op.create_index(
        op.f("ix_care_plan_goal_organization_id"),
        "care_plan_goal",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "case_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "opened",
                "transition",
                "reassignment",
                "assessment",
                "goal",
                "plan_agreement",
                "referral",
                "visit",
                "legal",
                name="case_event_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column(
            "detail", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.Column("note_enc", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["survivor_case.id"], name=op.f("fk_case_event_case_id_survivor_case")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_case_event_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
    )
    op.create_index(
        "ix_case_event_case_id_occurred_at_id",
        "case_event",
        ["case_id", "occurred_at", "id"],
        unique=False,
    )
    op.create_table(
        "case_note",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("district_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column(
            "confidentiality",
            sa.Enum(
                "standard",
                "restricted",
                name="note_confidentiality",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("body_enc", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["app_user.id"], name=op.f("fk_case_note_author_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["survivor_case.id"], name=op.f("fk_case_note_case_id_survivor_case")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_case_note_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_case_note_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_note")),
    )
    op.create_index(op.f("ix_case_note_case_id"), "case_note", ["case_id"], unique=False)
    op.create_index(op.f("ix_case_note_district_id"), "case_note", ["district_id"], unique=False)
    op.create_index(
        op.f("ix_case_note_organization_id"), "case_note", ["organization_id"], unique=False
    )
    op.create_table(
        "case_visit",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("district_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "home",
                "phone",
                "office",
                "group",
                name="visit_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "done",
                "missed",
                "cancelled",
                name="visit_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("visited_by", sa.Uuid(), nullable=True),
        sa.Column("findings_enc", sa.LargeBinary(), nullable=True),
        sa.Column("next_visit_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["survivor_case.id"], name=op.f("fk_case_visit_case_id_survivor_case")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_case_visit_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_case_visit_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["visited_by"], ["app_user.id"], name=op.f("fk_case_visit_visited_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_visit")),
    )
    op.create_index(op.f("ix_case_visit_case_id"), "case_visit", ["case_id"], unique=False)
    op.create_index(op.f("ix_case_visit_district_id"), "case_visit", ["district_id"], unique=False)
    op.create_index(
        op.f("ix_case_visit_organization_id"), "case_visit", ["organization_id"], unique=False
    )
    op.create_index(
        "ix_case_visit_visited_by_status_planned_on",
        "case_visit",
        ["visited_by", "status", "planned_on"],
        unique=False,
    )
    op.create_table(
        "legal_proceeding",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("district_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "fir",
                "complaint",
                "petition",
                name="proceeding_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "filed",
                "investigation",
                "chargesheet",
                "trial",
                "judgment",
                "closed",
                name="proceeding_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("details_enc", sa.LargeBinary(), nullable=False),
        sa.Column("witness_protection_needed", sa.Boolean(), nullable=False),
        sa.Column("compensation_applied_on", sa.Date(), nullable=True),
        sa.Column("compensation_awarded_paise", sa.BigInteger(), nullable=True),
        sa.Column("compensation_awarded_on", sa.Date(), nullable=True),
        sa.Column("compensation_paid_paise", sa.BigInteger(), nullable=True),
        sa.Column("compensation_paid_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["survivor_case.id"],
            name=op.f("fk_legal_proceeding_case_id_survivor_case"),
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_legal_proceeding_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_legal_proceeding_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_proceeding")),
    )
    op.create_index(
        op.f("ix_legal_proceeding_case_id"), "legal_proceeding", ["case_id"], unique=False
    )
    op.create_index(
        op.f("ix_legal_proceeding_district_id"), "legal_proceeding", ["district_id"], unique=False
    )
    op.create_index(
        op.f("ix_legal_proceeding_organization_id"),
        "legal_proceeding",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "referral",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("district_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("survivor_id", sa.Uuid(), nullable=False),
        sa.Column("receiving_organization_id", sa.Uuid(), nullable=False),
        sa.Column("service_offering_id", sa.Uuid(), nullable=True),
        sa.Column(
            "service_kind",
            sa.Enum(
                "health",
                "mental_health",
                "legal_aid",
                "shelter",
                "education",
                "skills_training",
                "livelihood",
                "financial_services",
                "documentation",
                "social_protection",
                "counselling",
                "other",
                name="referral_service_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "urgency",
            sa.Enum(
                "routine",
                "urgent",
                "emergency",
                name="urgency",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("reason_enc", sa.LargeBinary(), nullable=False),
        sa.Column(
            "shared_fields",
            postgresql.ARRAY(sa.String(length=40)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("shared_enc", sa.LargeBinary(), nullable=False),
        sa.Column("consent_id", sa.Uuid(), nullable=True),
        sa.Column("consent_overridden", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "sent",
                "accepted",
                "declined",
                "in_progress",
                "completed",
                "not_delivered",
                "revoked",
                name="referral_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome_enc", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["survivor_case.id"], name=op.f("fk_referral_case_id_survivor_case")
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consent.id"], name=op.f("fk_referral_consent_id_consent")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_referral_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_referral_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["receiving_organization_id"],
            ["organization.id"],
            name=op.f("fk_referral_receiving_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["service_offering_id"],
            ["service_offering.id"],
            name=op.f("fk_referral_service_offering_id_service_offering"),
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["survivor.id"], name=op.f("fk_referral_survivor_id_survivor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    op.create_index(op.f("ix_referral_case_id"), "referral", ["case_id"], unique=False)
    op.create_index(op.f("ix_referral_district_id"), "referral", ["district_id"], unique=False)
    op.create_index(
        op.f("ix_referral_organization_id"), "referral", ["organization_id"], unique=False
    )
    op.create_index(
        "ix_referral_receiving_organization_id_created_at_id",
        "referral",
        ["receiving_organization_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "assessment_response",
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_response_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["assessment_item.id"],
            name=op.f("fk_assessment_response_item_id_assessment_item"),
        ),
        sa.PrimaryKeyConstraint("assessment_id", "item_id", name=op.f("pk_assessment_response")),
    )
    op.create_table(
        "legal_hearing",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("district_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
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
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("proceeding_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("next_hearing_on", sa.Date(), nullable=True),
        sa.Column("outcome_enc", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["survivor_case.id"], name=op.f("fk_legal_hearing_case_id_survivor_case")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_legal_hearing_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_legal_hearing_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["proceeding_id"],
            ["legal_proceeding.id"],
            name=op.f("fk_legal_hearing_proceeding_id_legal_proceeding"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_hearing")),
    )
    op.create_index(op.f("ix_legal_hearing_case_id"), "legal_hearing", ["case_id"], unique=False)
    op.create_index(
        op.f("ix_legal_hearing_district_id"), "legal_hearing", ["district_id"], unique=False
    )
    op.create_index(
        op.f("ix_legal_hearing_organization_id"), "legal_hearing", ["organization_id"], unique=False
    )
    op.create_index(
        op.f("ix_legal_hearing_proceeding_id"), "legal_hearing", ["proceeding_id"], unique=False
    )
    op.add_column(
        "organization",
        sa.Column(
            "district_case_visibility",
            sa.Boolean(),
            server_default=sa.text("false"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    _audit_actions(AUDIT_ACTIONS_0001)
    op.drop_column("organization", "district_case_visibility")
    op.drop_index(op.f("ix_legal_hearing_proceeding_id"), table_name="legal_hearing")
    op.drop_index(op.f("ix_legal_hearing_organization_id"), table_name="legal_hearing")
    op.drop_index(op.f("ix_legal_hearing_district_id"), table_name="legal_hearing")
    op.drop_index(op.f("ix_legal_hearing_case_id"), table_name="legal_hearing")
    op.drop_table("legal_hearing")
    op.drop_table("assessment_response")
    op.drop_index("ix_referral_receiving_organization_id_created_at_id", table_name="referral")
    op.drop_index(op.f("ix_referral_organization_id"), table_name="referral")
    op.drop_index(op.f("ix_referral_district_id"), table_name="referral")
    op.drop_index(op.f("ix_referral_case_id"), table_name="referral")
    op.drop_table("referral")
    op.drop_index(op.f("ix_legal_proceeding_organization_id"), table_name="legal_proceeding")
    op.drop_index(op.f("ix_legal_proceeding_district_id"), table_name="legal_proceeding")
    op.drop_index(op.f("ix_legal_proceeding_case_id"), table_name="legal_proceeding")
    op.drop_table("legal_proceeding")
    op.drop_index("ix_case_visit_visited_by_status_planned_on", table_name="case_visit")
    op.drop_index(op.f("ix_case_visit_organization_id"), table_name="case_visit")
    op.drop_index(op.f("ix_case_visit_district_id"), table_name="case_visit")
    op.drop_index(op.f("ix_case_visit_case_id"), table_name="case_visit")
    op.drop_table("case_visit")
    op.drop_index(op.f("ix_case_note_organization_id"), table_name="case_note")
    op.drop_index(op.f("ix_case_note_district_id"), table_name="case_note")
    op.drop_index(op.f("ix_case_note_case_id"), table_name="case_note")
    op.drop_table("case_note")
    op.drop_index("ix_case_event_case_id_occurred_at_id", table_name="case_event")
    op.drop_table("case_event")
    op.drop_index(op.f("ix_care_plan_goal_organization_id"), table_name="care_plan_goal")
    op.drop_index(op.f("ix_care_plan_goal_district_id"), table_name="care_plan_goal")
    op.drop_index(op.f("ix_care_plan_goal_case_id"), table_name="care_plan_goal")
    op.drop_table("care_plan_goal")
    op.drop_index(op.f("ix_care_plan_agreement_organization_id"), table_name="care_plan_agreement")
    op.drop_index(op.f("ix_care_plan_agreement_district_id"), table_name="care_plan_agreement")
    op.drop_index(op.f("ix_care_plan_agreement_case_id"), table_name="care_plan_agreement")
    op.drop_table("care_plan_agreement")
    op.drop_index(op.f("ix_assessment_item_section_id"), table_name="assessment_item")
    op.drop_table("assessment_item")
    op.drop_index(op.f("ix_assessment_organization_id"), table_name="assessment")
    op.drop_index(op.f("ix_assessment_district_id"), table_name="assessment")
    op.drop_index("ix_assessment_case_id_instrument_id_conducted_on", table_name="assessment")
    op.drop_index(op.f("ix_assessment_case_id"), table_name="assessment")
    op.drop_table("assessment")
    op.drop_index(op.f("ix_survivor_case_survivor_id"), table_name="survivor_case")
    op.drop_index(
        "ix_survivor_case_organization_id_district_id_created_at_id", table_name="survivor_case"
    )
    op.drop_index(op.f("ix_survivor_case_organization_id"), table_name="survivor_case")
    op.drop_index("ix_survivor_case_assigned_worker_id_created_at_id", table_name="survivor_case")
    op.drop_table("survivor_case")
    op.drop_index("ix_consent_survivor_id_purpose", table_name="consent")
    op.drop_index(op.f("ix_consent_organization_id"), table_name="consent")
    op.drop_table("consent")
    op.drop_index(op.f("ix_assessment_section_instrument_id"), table_name="assessment_section")
    op.drop_table("assessment_section")
    op.drop_index("ix_survivor_organization_id_phone_bidx", table_name="survivor")
    op.drop_index("ix_survivor_organization_id_name_bidx", table_name="survivor")
    op.drop_index("ix_survivor_organization_id_created_at_id", table_name="survivor")
    op.drop_index(op.f("ix_survivor_organization_id"), table_name="survivor")
    op.drop_index(op.f("ix_survivor_district_id"), table_name="survivor")
    op.drop_table("survivor")
    op.drop_index(op.f("ix_service_offering_organization_id"), table_name="service_offering")
    op.drop_table("service_offering")
    op.drop_table("case_number_counter")
    op.drop_index(
        op.f("ix_assessment_instrument_organization_id"), table_name="assessment_instrument"
    )
    op.drop_table("assessment_instrument")


AUDIT_ACTIONS_0001 = (
    "create", "update", "delete", "read", "search", "export", "login", "login_failed", "logout",
    "token_refresh", "token_reuse_detected", "permission_denied", "disable", "enable",
    "secret_rotate", "verify",
)  # fmt: skip
AUDIT_ACTIONS = (*AUDIT_ACTIONS_0001, "share", "consent_override")


def _audit_actions(actions: tuple[str, ...]) -> None:
    """Audit actions are a CHECK constraint: replace it with the given list."""
    values = ", ".join(f"'{action}'" for action in actions)
    op.execute("ALTER TABLE audit_event DROP CONSTRAINT ck_audit_event_audit_action")
    op.execute(
        "ALTER TABLE audit_event ADD CONSTRAINT ck_audit_event_audit_action "
        f"CHECK (action IN ({values}))"
    )
