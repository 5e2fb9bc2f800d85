"""An index of planned visits by case, for the overdue-follow-up flag.

Every case read (one case, or each case of a page) asks whether the case has a planned visit
that is overdue. The probe used the index of all of a case's visits and filtered out the done
ones, which grow with every year of follow-up; this partial index holds only planned, live
visits (a few per case at most), so the probe is one small index lookup whatever the history.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.helpers import set_lock_timeout

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    set_lock_timeout()
    op.create_index(
        "ix_case_visit_planned_case_id_planned_on",
        "case_visit",
        ["case_id", "planned_on"],
        unique=False,
        postgresql_where=sa.text("status = 'planned' AND deleted_at IS NULL"),
    )


def downgrade() -> None:
    set_lock_timeout()
    op.drop_index("ix_case_visit_planned_case_id_planned_on", table_name="case_visit")
