"""An integration client's ``referrals:inbox`` grant: who (a program manager of the client's
organisation) granted it and when. The platform admin's ``scopes`` never hold it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 09:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.helpers import set_lock_timeout

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "integration_client"
CHECK = "ck_integration_client_inbox_grant"


def upgrade() -> None:
    set_lock_timeout()
    op.add_column(TABLE, sa.Column("inbox_granted_by", sa.Uuid(), nullable=True))
    op.add_column(TABLE, sa.Column("inbox_granted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(
        op.f(CHECK), TABLE, "(inbox_granted_at IS NULL) = (inbox_granted_by IS NULL)"
    )


def downgrade() -> None:
    set_lock_timeout()
    op.drop_constraint(op.f(CHECK), TABLE, type_="check")
    op.drop_column(TABLE, "inbox_granted_at")
    op.drop_column(TABLE, "inbox_granted_by")
