"""Kept answers of the evidence engine, shared by every process and kept fresh by the worker.

- ``evidence_answer``: the rows of one cube statement over a kept measure (rolled up or
  watched), by the statement's digest (``statement_hash``), with the generations it read,
  when it was computed and when it was last asked (persistence/evidence/answers.py). Until
  now each API process kept them in its own memory: a new process, or another worker of the
  same server, computed them all again, and a change made the next person to open a
  dashboard wait for every figure it touched. Now the worker computes again, after each
  catch-up, the answers asked in the last day whose generations moved on; a request finds
  them ready. The cells are aggregates before suppression: read only by the evidence
  engine, never given to a caller as they are.
- Answers not asked for a week are deleted by the worker.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.helpers import set_lock_timeout

revision: str = "0033"
down_revision: str | Sequence[str] | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    set_lock_timeout()
    op.create_table(
        "evidence_answer",
        sa.Column("statement_hash", sa.LargeBinary(), nullable=False),
        sa.Column("measure", sa.String(length=60), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("bound", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("read", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("consent_generation", sa.BigInteger(), nullable=False),
        sa.Column("rows", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("statement_hash", name=op.f("pk_evidence_answer")),
    )


def downgrade() -> None:
    set_lock_timeout()
    op.drop_table("evidence_answer")
