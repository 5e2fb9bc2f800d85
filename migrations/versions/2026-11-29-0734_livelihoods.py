"""Livelihoods, self-help groups, financial inclusion and entitlements (outcome 2): SHGs and
their federations, members, meetings and attendance, loans and schedules, the typed ledger,
grading rules as data (with the shared default), livelihood plans, trainings, jobs and
enterprises, income, financial inclusion, the scheme catalogue and entitlement applications.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 07:34:25.337816
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "scheme",
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
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("state_id", sa.Uuid(), nullable=True),
        sa.Column("benefit", sa.String(length=1000), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=True),
        sa.Column("amount_period", sa.String(length=20), nullable=True),
        sa.Column(
            "documents_required",
            postgresql.ARRAY(sa.String(length=80)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("applied_at", sa.String(length=200), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["state_id"], ["state.id"], name=op.f("fk_scheme_state_id_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheme")),
        sa.UniqueConstraint("code", "effective_from", name=op.f("uq_scheme_code_effective_from")),
    )
    op.create_table(
        "shg_grading_rule",
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
        sa.Column("rules", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_shg_grading_rule_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shg_grading_rule")),
        sa.UniqueConstraint("organization_id", name=op.f("uq_shg_grading_rule_organization_id")),
    )
    op.create_table(
        "training",
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
            "topic",
            sa.Enum(
                "vocational",
                "entrepreneurship",
                "financial_literacy",
                "digital_literacy",
                "legal_rights",
                "public_speaking",
                "victim_identification",
                "safe_migration",
                "leadership",
                "cbr_practice",
                "other",
                name="training_topic",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("course", sa.String(length=200), nullable=False),
        sa.Column("provider_organization_id", sa.Uuid(), nullable=True),
        sa.Column(
            "facilitators",
            postgresql.ARRAY(sa.String(length=120)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_training_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_training_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["provider_organization_id"],
            ["organization.id"],
            name=op.f("fk_training_provider_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training")),
    )
    op.create_index(op.f("ix_training_district_id"), "training", ["district_id"], unique=False)
    op.create_index(
        op.f("ix_training_organization_id"), "training", ["organization_id"], unique=False
    )
    op.create_table(
        "entitlement_application",
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
        sa.Column("scheme_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "documents_gathering",
                "applied",
                "under_process",
                "sanctioned",
                "received",
                "partly_received",
                "rejected",
                "appealed",
                name="application_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("office", sa.String(length=200), nullable=True),
        sa.Column("applied_on", sa.Date(), nullable=True),
        sa.Column("sanctioned_on", sa.Date(), nullable=True),
        sa.Column("received_paise", sa.BigInteger(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("rejection_reason", sa.String(length=500), nullable=True),
        sa.Column("last_moved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_entitlement_application_district_id_district"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_entitlement_application_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"], ["scheme.id"], name=op.f("fk_entitlement_application_scheme_id_scheme")
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"],
            ["survivor.id"],
            name=op.f("fk_entitlement_application_survivor_id_survivor"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entitlement_application")),
    )
    op.create_index(
        op.f("ix_entitlement_application_district_id"),
        "entitlement_application",
        ["district_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_entitlement_application_organization_id"),
        "entitlement_application",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_entitlement_application_scheme_id"),
        "entitlement_application",
        ["scheme_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_entitlement_application_survivor_id"),
        "entitlement_application",
        ["survivor_id"],
        unique=False,
    )
    op.create_table(
        "financial_inclusion",
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
        sa.Column(
            "product",
            sa.Enum(
                "bank_account",
                "insurance",
                "pension",
                "digital_payment",
                name="financial_product",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "none",
                "applied",
                "active",
                "closed",
                name="product_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("provider", sa.String(length=120), nullable=True),
        sa.Column("details_enc", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_financial_inclusion_district_id_district"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_financial_inclusion_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"],
            ["survivor.id"],
            name=op.f("fk_financial_inclusion_survivor_id_survivor"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_financial_inclusion")),
        sa.UniqueConstraint(
            "survivor_id", "product", name=op.f("uq_financial_inclusion_survivor_id_product")
        ),
    )
    op.create_index(
        op.f("ix_financial_inclusion_district_id"),
        "financial_inclusion",
        ["district_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_financial_inclusion_organization_id"),
        "financial_inclusion",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "income_record",
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
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_income_record_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_income_record_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["survivor.id"], name=op.f("fk_income_record_survivor_id_survivor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_income_record")),
        sa.UniqueConstraint(
            "survivor_id", "month", "source", name=op.f("uq_income_record_survivor_id_month_source")
        ),
    )
    op.create_index(
        op.f("ix_income_record_district_id"), "income_record", ["district_id"], unique=False
    )
    op.create_index(
        op.f("ix_income_record_organization_id"), "income_record", ["organization_id"], unique=False
    )
    op.create_index(
        op.f("ix_income_record_survivor_id"), "income_record", ["survivor_id"], unique=False
    )
    op.create_table(
        "livelihood_activity",
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
        sa.Column(
            "kind",
            sa.Enum(
                "wage_employment",
                "self_employment",
                "enterprise",
                name="activity_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("sector", sa.String(length=80), nullable=True),
        sa.Column("description_enc", sa.LargeBinary(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("investment_paise", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_livelihood_activity_district_id_district"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_livelihood_activity_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"],
            ["survivor.id"],
            name=op.f("fk_livelihood_activity_survivor_id_survivor"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_livelihood_activity")),
    )
    op.create_index(
        op.f("ix_livelihood_activity_district_id"),
        "livelihood_activity",
        ["district_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_livelihood_activity_organization_id"),
        "livelihood_activity",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_livelihood_activity_survivor_id"),
        "livelihood_activity",
        ["survivor_id"],
        unique=False,
    )
    op.create_table(
        "livelihood_plan",
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
        sa.Column("aspirations_enc", sa.LargeBinary(), nullable=True),
        sa.Column(
            "skills", postgresql.ARRAY(sa.String(length=80)), server_default="{}", nullable=False
        ),
        sa.Column(
            "options", postgresql.ARRAY(sa.String(length=40)), server_default="{}", nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_livelihood_plan_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_livelihood_plan_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["survivor.id"], name=op.f("fk_livelihood_plan_survivor_id_survivor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_livelihood_plan")),
        sa.UniqueConstraint("survivor_id", name=op.f("uq_livelihood_plan_survivor_id")),
    )
    op.create_index(
        op.f("ix_livelihood_plan_district_id"), "livelihood_plan", ["district_id"], unique=False
    )
    op.create_index(
        op.f("ix_livelihood_plan_organization_id"),
        "livelihood_plan",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "shg_federation",
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
            "tier",
            sa.Enum(
                "upa_sangha",
                "sangha_samabay",
                "mahasangha",
                name="federation_tier",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("block_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["block_id"], ["block.id"], name=op.f("fk_shg_federation_block_id_block")
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_shg_federation_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_shg_federation_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["shg_federation.id"],
            name=op.f("fk_shg_federation_parent_id_shg_federation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shg_federation")),
    )
    op.create_index(
        op.f("ix_shg_federation_district_id"), "shg_federation", ["district_id"], unique=False
    )
    op.create_index(
        op.f("ix_shg_federation_organization_id"),
        "shg_federation",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "training_participant",
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
        sa.Column("training_id", sa.Uuid(), nullable=False),
        sa.Column("survivor_id", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("partner_organization_id", sa.Uuid(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("certificate", sa.String(length=120), nullable=True),
        sa.Column("pre_score", sa.Integer(), nullable=True),
        sa.Column("post_score", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_training_participant_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_organization_id"],
            ["organization.id"],
            name=op.f("fk_training_participant_partner_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"],
            ["survivor.id"],
            name=op.f("fk_training_participant_survivor_id_survivor"),
        ),
        sa.ForeignKeyConstraint(
            ["training_id"],
            ["training.id"],
            name=op.f("fk_training_participant_training_id_training"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_training_participant_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_participant")),
    )
    op.create_index(
        op.f("ix_training_participant_organization_id"),
        "training_participant",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_training_participant_survivor_id"),
        "training_participant",
        ["survivor_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_training_participant_training_id"),
        "training_participant",
        ["training_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_training_participant_user_id"), "training_participant", ["user_id"], unique=False
    )
    op.create_table(
        "entitlement_status_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "documents_gathering",
                "applied",
                "under_process",
                "sanctioned",
                "received",
                "partly_received",
                "rejected",
                "appealed",
                name="from_application_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "documents_gathering",
                "applied",
                "under_process",
                "sanctioned",
                "received",
                "partly_received",
                "rejected",
                "appealed",
                name="to_application_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Uuid(), nullable=True),
        sa.Column("note_enc", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["entitlement_application.id"],
            name=op.f("fk_entitlement_status_change_application_id_entitlement_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entitlement_status_change")),
    )
    op.create_index(
        "ix_entitlement_status_change_application_id_at",
        "entitlement_status_change",
        ["application_id", "at"],
        unique=False,
    )
    op.create_table(
        "shg",
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
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("formed_on", sa.Date(), nullable=False),
        sa.Column("village", sa.String(length=120), nullable=True),
        sa.Column("gram_panchayat", sa.String(length=120), nullable=True),
        sa.Column("block_id", sa.Uuid(), nullable=True),
        sa.Column("federation_id", sa.Uuid(), nullable=True),
        sa.Column(
            "meeting_frequency",
            sa.Enum(
                "weekly",
                "fortnightly",
                "monthly",
                name="meeting_frequency",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "meeting_day",
            sa.Enum(
                "monday",
                "tuesday",
                "wednesday",
                "thursday",
                "friday",
                "saturday",
                "sunday",
                name="weekday",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column("saving_per_meeting_paise", sa.BigInteger(), nullable=False),
        sa.Column("interest_rate_bps", sa.Integer(), nullable=False),
        sa.Column("bank_name", sa.String(length=120), nullable=True),
        sa.Column("bank_branch", sa.String(length=120), nullable=True),
        sa.Column("bank_account_enc", sa.LargeBinary(), nullable=True),
        sa.Column("bank_account_opened_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "forming",
                "active",
                "dormant",
                "closed",
                name="shg_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["block_id"], ["block.id"], name=op.f("fk_shg_block_id_block")),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_shg_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["federation_id"],
            ["shg_federation.id"],
            name=op.f("fk_shg_federation_id_shg_federation"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_shg_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shg")),
    )
    op.create_index(op.f("ix_shg_district_id"), "shg", ["district_id"], unique=False)
    op.create_index(op.f("ix_shg_organization_id"), "shg", ["organization_id"], unique=False)
    op.create_table(
        "shg_meeting",
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
        sa.Column("shg_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("minutes_enc", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_shg_meeting_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(["shg_id"], ["shg.id"], name=op.f("fk_shg_meeting_shg_id_shg")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shg_meeting")),
        sa.UniqueConstraint("shg_id", "held_on", name=op.f("uq_shg_meeting_shg_id_held_on")),
    )
    op.create_index(
        op.f("ix_shg_meeting_organization_id"), "shg_meeting", ["organization_id"], unique=False
    )
    op.create_index(op.f("ix_shg_meeting_shg_id"), "shg_meeting", ["shg_id"], unique=False)
    op.create_table(
        "shg_member",
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
        sa.Column("shg_id", sa.Uuid(), nullable=False),
        sa.Column("survivor_id", sa.Uuid(), nullable=True),
        sa.Column("name_enc", sa.LargeBinary(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "president",
                "secretary",
                "treasurer",
                "member",
                name="shg_role",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("exited_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_shg_member_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(["shg_id"], ["shg.id"], name=op.f("fk_shg_member_shg_id_shg")),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["survivor.id"], name=op.f("fk_shg_member_survivor_id_survivor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shg_member")),
    )
    op.create_index(
        op.f("ix_shg_member_organization_id"), "shg_member", ["organization_id"], unique=False
    )
    op.create_index(op.f("ix_shg_member_shg_id"), "shg_member", ["shg_id"], unique=False)
    op.create_index(op.f("ix_shg_member_survivor_id"), "shg_member", ["survivor_id"], unique=False)
    op.create_table(
        "shg_attendance",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "present",
                "absent",
                "approved_leave",
                "leave",
                "late",
                name="attendance",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["shg_meeting.id"],
            name=op.f("fk_shg_attendance_meeting_id_shg_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["shg_member.id"], name=op.f("fk_shg_attendance_member_id_shg_member")
        ),
        sa.PrimaryKeyConstraint("meeting_id", "member_id", name=op.f("pk_shg_attendance")),
    )
    op.create_table(
        "shg_loan",
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
        sa.Column("shg_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "internal",
                "bank",
                name="loan_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("lender", sa.String(length=120), nullable=True),
        sa.Column("purpose", sa.String(length=200), nullable=True),
        sa.Column("principal_paise", sa.BigInteger(), nullable=False),
        sa.Column("annual_rate_bps", sa.Integer(), nullable=False),
        sa.Column("tenure_months", sa.Integer(), nullable=False),
        sa.Column(
            "interest_method",
            sa.Enum(
                "flat",
                "declining_balance",
                name="interest_method",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "applied",
                "approved",
                "disbursed",
                "closed",
                "written_off",
                name="loan_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("disbursed_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["shg_member.id"], name=op.f("fk_shg_loan_member_id_shg_member")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_shg_loan_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(["shg_id"], ["shg.id"], name=op.f("fk_shg_loan_shg_id_shg")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shg_loan")),
    )
    op.create_index(op.f("ix_shg_loan_member_id"), "shg_loan", ["member_id"], unique=False)
    op.create_index(
        op.f("ix_shg_loan_organization_id"), "shg_loan", ["organization_id"], unique=False
    )
    op.create_index(op.f("ix_shg_loan_shg_id"), "shg_loan", ["shg_id"], unique=False)
    op.create_table(
        "shg_ledger_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("shg_id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "savings_deposit",
                "savings_withdrawal",
                "loan_disbursal",
                "principal_repayment",
                "interest",
                "fine",
                "bank_deposit",
                "bank_withdrawal",
                "revolving_fund_receipt",
                "community_investment_fund_receipt",
                "bank_loan_receipt",
                "bank_loan_repayment",
                name="ledger_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("member_id", sa.Uuid(), nullable=True),
        sa.Column("loan_id", sa.Uuid(), nullable=True),
        sa.Column("amount_paise", sa.BigInteger(), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("reverses_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint("amount_paise > 0", name=op.f("ck_shg_ledger_entry_positive_amount")),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["shg_loan.id"], name=op.f("fk_shg_ledger_entry_loan_id_shg_loan")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["shg_meeting.id"],
            name=op.f("fk_shg_ledger_entry_meeting_id_shg_meeting"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["shg_member.id"], name=op.f("fk_shg_ledger_entry_member_id_shg_member")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_shg_ledger_entry_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses_id"],
            ["shg_ledger_entry.id"],
            name=op.f("fk_shg_ledger_entry_reverses_id_shg_ledger_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["shg_id"], ["shg.id"], name=op.f("fk_shg_ledger_entry_shg_id_shg")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shg_ledger_entry")),
        sa.UniqueConstraint("reverses_id", name=op.f("uq_shg_ledger_entry_reverses_id")),
    )
    op.create_index(
        op.f("ix_shg_ledger_entry_loan_id"), "shg_ledger_entry", ["loan_id"], unique=False
    )
    op.create_index(
        op.f("ix_shg_ledger_entry_meeting_id"), "shg_ledger_entry", ["meeting_id"], unique=False
    )
    op.create_index(
        op.f("ix_shg_ledger_entry_member_id"), "shg_ledger_entry", ["member_id"], unique=False
    )
    op.create_index(
        op.f("ix_shg_ledger_entry_organization_id"),
        "shg_ledger_entry",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        "ix_shg_ledger_entry_shg_id_entry_date",
        "shg_ledger_entry",
        ["shg_id", "entry_date"],
        unique=False,
    )
    op.create_table(
        "shg_loan_instalment",
        sa.Column("loan_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("principal_paise", sa.BigInteger(), nullable=False),
        sa.Column("interest_paise", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["loan_id"],
            ["shg_loan.id"],
            name=op.f("fk_shg_loan_instalment_loan_id_shg_loan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("loan_id", "number", name=op.f("pk_shg_loan_instalment")),
    )


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.drop_table("shg_loan_instalment")
    op.drop_index("ix_shg_ledger_entry_shg_id_entry_date", table_name="shg_ledger_entry")
    op.drop_index(op.f("ix_shg_ledger_entry_organization_id"), table_name="shg_ledger_entry")
    op.drop_index(op.f("ix_shg_ledger_entry_member_id"), table_name="shg_ledger_entry")
    op.drop_index(op.f("ix_shg_ledger_entry_meeting_id"), table_name="shg_ledger_entry")
    op.drop_index(op.f("ix_shg_ledger_entry_loan_id"), table_name="shg_ledger_entry")
    op.drop_table("shg_ledger_entry")
    op.drop_index(op.f("ix_shg_loan_shg_id"), table_name="shg_loan")
    op.drop_index(op.f("ix_shg_loan_organization_id"), table_name="shg_loan")
    op.drop_index(op.f("ix_shg_loan_member_id"), table_name="shg_loan")
    op.drop_table("shg_loan")
    op.drop_table("shg_attendance")
    op.drop_index(op.f("ix_shg_member_survivor_id"), table_name="shg_member")
    op.drop_index(op.f("ix_shg_member_shg_id"), table_name="shg_member")
    op.drop_index(op.f("ix_shg_member_organization_id"), table_name="shg_member")
    op.drop_table("shg_member")
    op.drop_index(op.f("ix_shg_meeting_shg_id"), table_name="shg_meeting")
    op.drop_index(op.f("ix_shg_meeting_organization_id"), table_name="shg_meeting")
    op.drop_table("shg_meeting")
    op.drop_index(op.f("ix_shg_organization_id"), table_name="shg")
    op.drop_index(op.f("ix_shg_district_id"), table_name="shg")
    op.drop_table("shg")
    op.drop_index(
        "ix_entitlement_status_change_application_id_at", table_name="entitlement_status_change"
    )
    op.drop_table("entitlement_status_change")
    op.drop_index(op.f("ix_training_participant_user_id"), table_name="training_participant")
    op.drop_index(op.f("ix_training_participant_training_id"), table_name="training_participant")
    op.drop_index(op.f("ix_training_participant_survivor_id"), table_name="training_participant")
    op.drop_index(
        op.f("ix_training_participant_organization_id"), table_name="training_participant"
    )
    op.drop_table("training_participant")
    op.drop_index(op.f("ix_shg_federation_organization_id"), table_name="shg_federation")
    op.drop_index(op.f("ix_shg_federation_district_id"), table_name="shg_federation")
    op.drop_table("shg_federation")
    op.drop_index(op.f("ix_livelihood_plan_organization_id"), table_name="livelihood_plan")
    op.drop_index(op.f("ix_livelihood_plan_district_id"), table_name="livelihood_plan")
    op.drop_table("livelihood_plan")
    op.drop_index(op.f("ix_livelihood_activity_survivor_id"), table_name="livelihood_activity")
    op.drop_index(op.f("ix_livelihood_activity_organization_id"), table_name="livelihood_activity")
    op.drop_index(op.f("ix_livelihood_activity_district_id"), table_name="livelihood_activity")
    op.drop_table("livelihood_activity")
    op.drop_index(op.f("ix_income_record_survivor_id"), table_name="income_record")
    op.drop_index(op.f("ix_income_record_organization_id"), table_name="income_record")
    op.drop_index(op.f("ix_income_record_district_id"), table_name="income_record")
    op.drop_table("income_record")
    op.drop_index(op.f("ix_financial_inclusion_organization_id"), table_name="financial_inclusion")
    op.drop_index(op.f("ix_financial_inclusion_district_id"), table_name="financial_inclusion")
    op.drop_table("financial_inclusion")
    op.drop_index(
        op.f("ix_entitlement_application_survivor_id"), table_name="entitlement_application"
    )
    op.drop_index(
        op.f("ix_entitlement_application_scheme_id"), table_name="entitlement_application"
    )
    op.drop_index(
        op.f("ix_entitlement_application_organization_id"), table_name="entitlement_application"
    )
    op.drop_index(
        op.f("ix_entitlement_application_district_id"), table_name="entitlement_application"
    )
    op.drop_table("entitlement_application")
    op.drop_index(op.f("ix_training_organization_id"), table_name="training")
    op.drop_index(op.f("ix_training_district_id"), table_name="training")
    op.drop_table("training")
    op.drop_table("shg_grading_rule")
    op.drop_table("scheme")
