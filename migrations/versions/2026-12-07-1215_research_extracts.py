"""De-identified research extracts for studies (domain/research).

- ``study.purpose`` and ``study.approving_body``: what a study is for and who approved it
  (an ethics committee); an extract is made only for a study that names both.
- ``research_extract``: one row per extract, kept as made: its parameters (k, the
  suppression limit, the quasi-identifiers, the business day whose research consents it
  holds), what it generalised and how many survivors it suppressed, its row count, the SHA-256
  of its records, and the records themselves sealed by the application (AES-GCM bound to the
  row). Extracts are a record of what left the organisation: the app role may add them and
  read them and re-seal their records under a new key (key rotation), never change anything
  else or remove them.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0025"
down_revision: str | Sequence[str] | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "shakti_app"


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.add_column("study", sa.Column("purpose", sa.String(length=1000), nullable=True))
    op.add_column("study", sa.Column("approving_body", sa.String(length=300), nullable=True))
    op.create_table(
        "research_extract",
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
        sa.Column("study_id", sa.Uuid(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("suppression_limit", sa.Float(), nullable=False),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("generalised", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("suppressed", sa.Integer(), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("records_enc", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_research_extract_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["study_id"], ["study.id"], name=op.f("fk_research_extract_study_id_study")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_research_extract")),
    )
    op.create_index(
        op.f("ix_research_extract_organization_id"),
        "research_extract",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        "ix_research_extract_study_id_created_at_id",
        "research_extract",
        ["study_id", "created_at", "id"],
        unique=False,
    )
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON research_extract FROM {APP_ROLE}")
    # Re-sealing under a new key (shakti-mis rotate-keys) is the one change it may make.
    op.execute(f"GRANT UPDATE (records_enc) ON research_extract TO {APP_ROLE}")


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.drop_index("ix_research_extract_study_id_created_at_id", table_name="research_extract")
    op.drop_index(op.f("ix_research_extract_organization_id"), table_name="research_extract")
    op.drop_table("research_extract")
    op.drop_column("study", "approving_body")
    op.drop_column("study", "purpose")
