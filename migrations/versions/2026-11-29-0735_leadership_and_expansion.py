"""Survivor leadership (outcome 4) and expansion and policy (outcome 5): leader groups, their
members and meetings, campaigns, duty-bearer engagements and commitments, identification
referrals, community safety reports (sealed), partner onboarding, readiness assessments,
advocacy actions with evidence snapshots, studies and media engagements.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 07:34:52.047004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "advocacy_action",
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
            "level",
            sa.Enum(
                "district",
                "state",
                "national",
                name="advocacy_level",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("body", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "meeting",
                "submission",
                "consultation",
                "campaign",
                "media",
                name="advocacy_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("state_id", sa.Uuid(), nullable=True),
        sa.Column("acted_on", sa.Date(), nullable=False),
        sa.Column("ask", sa.String(length=2000), nullable=False),
        sa.Column("outcome", sa.String(length=2000), nullable=True),
        sa.Column(
            "documents",
            postgresql.ARRAY(sa.String(length=500)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column(
            "evidence", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_advocacy_action_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["state_id"], ["state.id"], name=op.f("fk_advocacy_action_state_id_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advocacy_action")),
    )
    op.create_index(
        op.f("ix_advocacy_action_organization_id"),
        "advocacy_action",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "leader_group",
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
        sa.Column("forum_organization_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_leader_group_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["forum_organization_id"],
            ["organization.id"],
            name=op.f("fk_leader_group_forum_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_leader_group_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leader_group")),
    )
    op.create_index(
        op.f("ix_leader_group_district_id"), "leader_group", ["district_id"], unique=False
    )
    op.create_index(
        op.f("ix_leader_group_organization_id"), "leader_group", ["organization_id"], unique=False
    )
    op.create_table(
        "partner_onboarding",
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
        sa.Column("partner_organization_id", sa.Uuid(), nullable=False),
        sa.Column("state_id", sa.Uuid(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "explored",
                "scoping",
                "agreement_signed",
                "implementing",
                "paused",
                name="onboarding_stage",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("stage_since", sa.Date(), nullable=False),
        sa.Column("agreement_signed_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_partner_onboarding_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_organization_id"],
            ["organization.id"],
            name=op.f("fk_partner_onboarding_partner_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["state_id"], ["state.id"], name=op.f("fk_partner_onboarding_state_id_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_onboarding")),
    )
    op.create_index(
        op.f("ix_partner_onboarding_organization_id"),
        "partner_onboarding",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_partner_onboarding_partner_organization_id"),
        "partner_onboarding",
        ["partner_organization_id"],
        unique=False,
    )
    op.create_table(
        "study",
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
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.String(length=4000), nullable=True),
        sa.Column("partners", sa.String(length=500), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "ongoing",
                "published",
                "abandoned",
                name="study_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_study_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_study")),
    )
    op.create_index(op.f("ix_study_organization_id"), "study", ["organization_id"], unique=False)
    op.create_table(
        "campaign",
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
                "awareness_meeting",
                "rally",
                "street_play",
                "school_session",
                "media_event",
                name="campaign_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("leader_group_id", sa.Uuid(), nullable=True),
        sa.Column("partner_organization_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("reached_women", sa.Integer(), nullable=False),
        sa.Column("reached_men", sa.Integer(), nullable=False),
        sa.Column("reached_youth", sa.Integer(), nullable=False),
        sa.Column("reached_children", sa.Integer(), nullable=False),
        sa.Column("outcomes", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_campaign_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["leader_group_id"],
            ["leader_group.id"],
            name=op.f("fk_campaign_leader_group_id_leader_group"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_campaign_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    op.create_index(op.f("ix_campaign_district_id"), "campaign", ["district_id"], unique=False)
    op.create_index(
        op.f("ix_campaign_organization_id"), "campaign", ["organization_id"], unique=False
    )
    op.create_table(
        "duty_bearer_engagement",
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
            "duty_bearer",
            sa.Enum(
                "police",
                "anti_human_trafficking_unit",
                "gram_panchayat",
                "block_administration",
                "district_administration",
                "health_department",
                "women_child_development",
                "legal_services_authority",
                "labour_department",
                "child_welfare_committee",
                name="duty_bearer",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("office", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("leader_group_id", sa.Uuid(), nullable=True),
        sa.Column("issues_raised", sa.String(length=4000), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_duty_bearer_engagement_district_id_district"),
        ),
        sa.ForeignKeyConstraint(
            ["leader_group_id"],
            ["leader_group.id"],
            name=op.f("fk_duty_bearer_engagement_leader_group_id_leader_group"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_duty_bearer_engagement_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_bearer_engagement")),
    )
    op.create_index(
        op.f("ix_duty_bearer_engagement_district_id"),
        "duty_bearer_engagement",
        ["district_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_duty_bearer_engagement_organization_id"),
        "duty_bearer_engagement",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "leader_group_meeting",
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
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("agenda", sa.String(length=1000), nullable=True),
        sa.Column("attended_member_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("minutes_enc", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["leader_group.id"],
            name=op.f("fk_leader_group_meeting_group_id_leader_group"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_leader_group_meeting_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leader_group_meeting")),
    )
    op.create_index(
        op.f("ix_leader_group_meeting_group_id"), "leader_group_meeting", ["group_id"], unique=False
    )
    op.create_index(
        op.f("ix_leader_group_meeting_organization_id"),
        "leader_group_meeting",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "leader_group_member",
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
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("survivor_id", sa.Uuid(), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "convenor",
                "secretary",
                "treasurer",
                "member",
                name="leader_role",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["leader_group.id"],
            name=op.f("fk_leader_group_member_group_id_leader_group"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_leader_group_member_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"],
            ["survivor.id"],
            name=op.f("fk_leader_group_member_survivor_id_survivor"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_leader_group_member_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leader_group_member")),
    )
    op.create_index(
        op.f("ix_leader_group_member_group_id"), "leader_group_member", ["group_id"], unique=False
    )
    op.create_index(
        op.f("ix_leader_group_member_organization_id"),
        "leader_group_member",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_leader_group_member_user_id"), "leader_group_member", ["user_id"], unique=False
    )
    op.create_table(
        "readiness_assessment",
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
        sa.Column("partner_organization_id", sa.Uuid(), nullable=False),
        sa.Column("instrument_id", sa.Uuid(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("responses", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("scores", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["assessment_instrument.id"],
            name=op.f("fk_readiness_assessment_instrument_id_assessment_instrument"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_readiness_assessment_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["partner_organization_id"],
            ["organization.id"],
            name=op.f("fk_readiness_assessment_partner_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readiness_assessment")),
    )
    op.create_index(
        op.f("ix_readiness_assessment_organization_id"),
        "readiness_assessment",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_readiness_assessment_partner_organization_id"),
        "readiness_assessment",
        ["partner_organization_id"],
        unique=False,
    )
    op.create_table(
        "safety_report",
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
        sa.Column("reported_by", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "red_flag",
                "suspected_recruitment",
                "missing_person",
                "threat",
                "other",
                name="safety_report_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("names_persons", sa.Boolean(), nullable=False),
        sa.Column("report_enc", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_safety_report_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_safety_report_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["reported_by"], ["app_user.id"], name=op.f("fk_safety_report_reported_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_report")),
    )
    op.create_index(
        op.f("ix_safety_report_district_id"), "safety_report", ["district_id"], unique=False
    )
    op.create_index(
        op.f("ix_safety_report_organization_id"), "safety_report", ["organization_id"], unique=False
    )
    op.create_index(
        op.f("ix_safety_report_reported_by"), "safety_report", ["reported_by"], unique=False
    )
    op.create_table(
        "duty_bearer_commitment",
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
        sa.Column("engagement_id", sa.Uuid(), nullable=False),
        sa.Column("commitment", sa.String(length=1000), nullable=False),
        sa.Column("committed_by", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "fulfilled",
                "partly_fulfilled",
                "not_fulfilled",
                name="commitment_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("followed_up_on", sa.Date(), nullable=True),
        sa.Column("escalated_on", sa.Date(), nullable=True),
        sa.Column("escalated_to", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["engagement_id"],
            ["duty_bearer_engagement.id"],
            name=op.f("fk_duty_bearer_commitment_engagement_id_duty_bearer_engagement"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_duty_bearer_commitment_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duty_bearer_commitment")),
    )
    op.create_index(
        op.f("ix_duty_bearer_commitment_engagement_id"),
        "duty_bearer_commitment",
        ["engagement_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_duty_bearer_commitment_organization_id"),
        "duty_bearer_commitment",
        ["organization_id"],
        unique=False,
    )
    op.create_table(
        "identification_referral",
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
        sa.Column("submitted_by", sa.Uuid(), nullable=False),
        sa.Column(
            "concern",
            sa.Enum(
                "at_risk",
                "possible_victim",
                name="identification_concern",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("details_enc", sa.LargeBinary(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "submitted",
                "accepted",
                "declined",
                "became_case",
                name="identification_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["survivor_case.id"],
            name=op.f("fk_identification_referral_case_id_survivor_case"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["app_user.id"],
            name=op.f("fk_identification_referral_decided_by_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["district.id"],
            name=op.f("fk_identification_referral_district_id_district"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_identification_referral_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["app_user.id"],
            name=op.f("fk_identification_referral_submitted_by_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identification_referral")),
    )
    op.create_index(
        op.f("ix_identification_referral_district_id"),
        "identification_referral",
        ["district_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_identification_referral_organization_id"),
        "identification_referral",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_identification_referral_submitted_by"),
        "identification_referral",
        ["submitted_by"],
        unique=False,
    )
    op.create_table(
        "media_engagement",
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
        sa.Column("outlet", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "print",
                "television",
                "radio",
                "online",
                "film",
                name="media_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("engaged_on", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=500), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("survivor_id", sa.Uuid(), nullable=True),
        sa.Column("consent_id", sa.Uuid(), nullable=True),
        sa.Column("story_enc", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consent.id"], name=op.f("fk_media_engagement_consent_id_consent")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_media_engagement_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["survivor.id"], name=op.f("fk_media_engagement_survivor_id_survivor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_engagement")),
    )
    op.create_index(
        op.f("ix_media_engagement_organization_id"),
        "media_engagement",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_media_engagement_survivor_id"), "media_engagement", ["survivor_id"], unique=False
    )


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.drop_index(op.f("ix_media_engagement_survivor_id"), table_name="media_engagement")
    op.drop_index(op.f("ix_media_engagement_organization_id"), table_name="media_engagement")
    op.drop_table("media_engagement")
    op.drop_index(
        op.f("ix_identification_referral_submitted_by"), table_name="identification_referral"
    )
    op.drop_index(
        op.f("ix_identification_referral_organization_id"), table_name="identification_referral"
    )
    op.drop_index(
        op.f("ix_identification_referral_district_id"), table_name="identification_referral"
    )
    op.drop_table("identification_referral")
    op.drop_index(
        op.f("ix_duty_bearer_commitment_organization_id"), table_name="duty_bearer_commitment"
    )
    op.drop_index(
        op.f("ix_duty_bearer_commitment_engagement_id"), table_name="duty_bearer_commitment"
    )
    op.drop_table("duty_bearer_commitment")
    op.drop_index(op.f("ix_safety_report_reported_by"), table_name="safety_report")
    op.drop_index(op.f("ix_safety_report_organization_id"), table_name="safety_report")
    op.drop_index(op.f("ix_safety_report_district_id"), table_name="safety_report")
    op.drop_table("safety_report")
    op.drop_index(
        op.f("ix_readiness_assessment_partner_organization_id"), table_name="readiness_assessment"
    )
    op.drop_index(
        op.f("ix_readiness_assessment_organization_id"), table_name="readiness_assessment"
    )
    op.drop_table("readiness_assessment")
    op.drop_index(op.f("ix_leader_group_member_user_id"), table_name="leader_group_member")
    op.drop_index(op.f("ix_leader_group_member_organization_id"), table_name="leader_group_member")
    op.drop_index(op.f("ix_leader_group_member_group_id"), table_name="leader_group_member")
    op.drop_table("leader_group_member")
    op.drop_index(
        op.f("ix_leader_group_meeting_organization_id"), table_name="leader_group_meeting"
    )
    op.drop_index(op.f("ix_leader_group_meeting_group_id"), table_name="leader_group_meeting")
    op.drop_table("leader_group_meeting")
    op.drop_index(
        op.f("ix_duty_bearer_engagement_organization_id"), table_name="duty_bearer_engagement"
    )
    op.drop_index(
        op.f("ix_duty_bearer_engagement_district_id"), table_name="duty_bearer_engagement"
    )
    op.drop_table("duty_bearer_engagement")
    op.drop_index(op.f("ix_campaign_organization_id"), table_name="campaign")
    op.drop_index(op.f("ix_campaign_district_id"), table_name="campaign")
    op.drop_table("campaign")
    op.drop_index(op.f("ix_study_organization_id"), table_name="study")
    op.drop_table("study")
    op.drop_index(
        op.f("ix_partner_onboarding_partner_organization_id"), table_name="partner_onboarding"
    )
    op.drop_index(op.f("ix_partner_onboarding_organization_id"), table_name="partner_onboarding")
    op.drop_table("partner_onboarding")
    op.drop_index(op.f("ix_leader_group_organization_id"), table_name="leader_group")
    op.drop_index(op.f("ix_leader_group_district_id"), table_name="leader_group")
    op.drop_table("leader_group")
    op.drop_index(op.f("ix_advocacy_action_organization_id"), table_name="advocacy_action")
    op.drop_table("advocacy_action")
