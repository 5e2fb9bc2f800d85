"""Victim identification and community safety reports: the reason an intake lead was declined
(sealed), and the review of a safety report (status, who reviewed it and when, what was done,
sealed).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 09:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REPORT_STATUSES = ("received", "under_review", "action_taken", "closed")


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.add_column(
        "identification_referral", sa.Column("decision_enc", sa.LargeBinary(), nullable=True)
    )
    op.add_column(
        "safety_report",
        sa.Column(
            "status",
            sa.Enum(
                *_REPORT_STATUSES,
                name="safety_report_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            server_default="received",
            nullable=False,
        ),
    )
    op.add_column(
        "safety_report", sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("safety_report", sa.Column("reviewed_by", sa.Uuid(), nullable=True))
    op.add_column("safety_report", sa.Column("review_enc", sa.LargeBinary(), nullable=True))
    op.create_foreign_key(
        op.f("fk_safety_report_reviewed_by_app_user"),
        "safety_report",
        "app_user",
        ["reviewed_by"],
        ["id"],
    )


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.drop_constraint(
        op.f("fk_safety_report_reviewed_by_app_user"), "safety_report", type_="foreignkey"
    )
    op.drop_column("safety_report", "review_enc")
    op.drop_column("safety_report", "reviewed_by")
    op.drop_column("safety_report", "reviewed_at")
    op.drop_column("safety_report", "status")
    op.drop_column("identification_referral", "decision_enc")
