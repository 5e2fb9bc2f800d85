"""Expansion and policy engagement: the history of a partner's onboarding stages, readiness
criteria scored without a stored instrument, and a survivor's story linked to a study.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 09:04:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STAGES = ("explored", "scoping", "agreement_signed", "implementing", "paused")


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "partner_onboarding_stage_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("onboarding_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "from_stage",
            sa.Enum(
                *_STAGES,
                name="from_onboarding_stage",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_stage",
            sa.Enum(
                *_STAGES,
                name="to_onboarding_stage",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("by", sa.Uuid(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["onboarding_id"],
            ["partner_onboarding.id"],
            name=op.f("fk_partner_onboarding_stage_change_onboarding_id_partner_onboarding"),
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_partner_onboarding_stage_change_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_onboarding_stage_change")),
    )
    op.create_index(
        "ix_partner_onboarding_stage_change_onboarding_id_at",
        "partner_onboarding_stage_change",
        ["onboarding_id", "at", "id"],
        unique=False,
    )
    op.alter_column("readiness_assessment", "instrument_id", existing_type=sa.Uuid(), nullable=True)
    op.add_column("study", sa.Column("survivor_id", sa.Uuid(), nullable=True))
    op.add_column("study", sa.Column("consent_id", sa.Uuid(), nullable=True))
    op.add_column("study", sa.Column("story_enc", sa.LargeBinary(), nullable=True))
    op.create_index(op.f("ix_study_survivor_id"), "study", ["survivor_id"], unique=False)
    op.create_foreign_key(
        op.f("fk_study_survivor_id_survivor"), "study", "survivor", ["survivor_id"], ["id"]
    )
    op.create_foreign_key(
        op.f("fk_study_consent_id_consent"), "study", "consent", ["consent_id"], ["id"]
    )


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.drop_constraint(op.f("fk_study_consent_id_consent"), "study", type_="foreignkey")
    op.drop_constraint(op.f("fk_study_survivor_id_survivor"), "study", type_="foreignkey")
    op.drop_index(op.f("ix_study_survivor_id"), table_name="study")
    op.drop_column("study", "story_enc")
    op.drop_column("study", "consent_id")
    op.drop_column("study", "survivor_id")
    op.execute("DELETE FROM readiness_assessment WHERE instrument_id IS NULL")
    op.alter_column(
        "readiness_assessment", "instrument_id", existing_type=sa.Uuid(), nullable=False
    )
    op.drop_index(
        "ix_partner_onboarding_stage_change_onboarding_id_at",
        table_name="partner_onboarding_stage_change",
    )
    op.drop_table("partner_onboarding_stage_change")
