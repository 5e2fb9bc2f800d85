"""Trainings: attendance. A training records how many sessions it holds (``session_count``)
and each participant how many she attended (``sessions_attended``), so that attendance is
counted as the field counts it (sessions present out of sessions held).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 09:02:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.add_column("training", sa.Column("session_count", sa.Integer(), nullable=True))
    op.add_column(
        "training_participant", sa.Column("sessions_attended", sa.Integer(), nullable=True)
    )


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.drop_column("training_participant", "sessions_attended")
    op.drop_column("training", "session_count")
