"""Staff names where a person needs to act: a work contact for each account.

A partner working its referral inbox needs someone to call back: the referral now names the
referring worker and her work contact (``app_user.work_contact``, an office phone or a work
address she chooses to give; optional). It is staff data, not a survivor's: shown to the
people who see the referral, withheld from integration clients like every account's name.
The app role's grants on ``app_user`` are table-wide and cover the new column.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op

revision: str = "0023"
down_revision: str | Sequence[str] | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.add_column("app_user", sa.Column("work_contact", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.drop_column("app_user", "work_contact")
