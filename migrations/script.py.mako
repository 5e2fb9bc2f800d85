"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op

from migrations.helpers import set_lock_timeout
${imports if imports else ""}

revision: str = ${repr(up_revision)}
down_revision: str | Sequence[str] | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    set_lock_timeout()
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    set_lock_timeout()
    ${downgrades if downgrades else "pass"}
