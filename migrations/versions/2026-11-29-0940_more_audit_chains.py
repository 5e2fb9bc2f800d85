"""Sixty-four audit chains instead of sixteen.

Every audited request appends to one chain and holds that chain's head row until it commits.
With sixteen chains, 32 concurrent requests often waited for one another's head (and the lock
waits cost PostgreSQL CPU, not only time): measured with bench/read_endpoint.py at 100k cases
and 32 connections, 64 chains raised a single case read from 0.30 to 0.37 of the bare
baseline's throughput and a page of 50 from 0.38 to 0.46. The chains are independent, each
from the genesis hash; the new ones start empty. The table's check constraint has allowed
1-64 since the first revision.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 09:40:00
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.helpers import set_lock_timeout

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE, AFTER = 16, 64  # persistence.audit_chain.AUDIT_CHAINS before and after this revision
GENESIS = hashlib.sha256(b"shakti-mis audit chain genesis").digest()


def upgrade() -> None:
    set_lock_timeout()
    op.execute(
        sa.text(
            "INSERT INTO audit_chain_head (id, last_seq, last_hash)"
            " SELECT g, 0, :genesis FROM generate_series(:first, :last) g"
            " ON CONFLICT (id) DO NOTHING"
        ).bindparams(genesis=GENESIS, first=BEFORE + 1, last=AFTER)
    )


def downgrade() -> None:
    set_lock_timeout()
    # Chains that hold events cannot be dropped: the trail is never shortened by a schema step.
    connection = op.get_bind()
    used = connection.scalar(
        sa.text("SELECT count(*) FROM audit_chain_head WHERE id > :before AND last_seq > 0"),
        {"before": BEFORE},
    )
    if used:
        raise RuntimeError(
            f"{used} of audit chains {BEFORE + 1}-{AFTER} hold events; they cannot be removed"
        )
    op.execute(sa.text("DELETE FROM audit_chain_head WHERE id > :before").bindparams(before=BEFORE))
