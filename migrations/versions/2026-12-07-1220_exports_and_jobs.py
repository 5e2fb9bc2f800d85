"""Exports and the job queue.

- The job queue's schema: procrastinate's own (``migrations/sql/procrastinate-3.10.0.sql``,
  kept here as the version we pin ships it, so that this revision always makes the same
  schema whatever version is installed later; an upgrade of procrastinate comes with a
  revision applying its migration scripts). Its tables, sequences, functions and types live
  in ``public`` beside ours and are made by the schema owner: the default privileges of the
  first revision give the app role DML on the tables and the sequences (a worker registers
  itself, defers, fetches, finishes and retries jobs: all DML and function calls, which
  PUBLIC may execute), nothing more. Jobs are deferred by the app in the transaction that
  causes them (``procrastinate_defer_jobs_v1`` on the unit of work's own connection).
- ``export``: one row per export (who, as what, dataset, filters, columns, personal or not
  and the sealed reason, the row count, the file's state); the export's audit event names it.
  The app role may not delete an export (it stays as the record of what left the system).
- ``export_chunk``: the file of a queued export, in sealed pieces, deleted when it expires.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 12:20:00
"""

from collections.abc import Iterator, Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0027"
down_revision: str | Sequence[str] | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "shakti_app"
QUEUE_SCHEMA = Path(__file__).resolve().parents[1] / "sql" / "procrastinate-3.10.0.sql"


def statements(script: str) -> Iterator[str]:
    """The statements of a SQL script, one by one: split at semicolons that end a line,
    outside dollar-quoted bodies (each is sent as its own statement)."""
    current: list[str] = []
    quoted = False
    for line in script.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("--")):
            continue
        current.append(line)
        quoted ^= line.count("$$") % 2 == 1
        if not quoted and stripped.endswith(";"):
            yield "\n".join(current)
            current = []
    if "".join(current).strip():
        yield "\n".join(current)


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    for statement in statements(QUEUE_SCHEMA.read_text()):
        op.execute(sa.text(statement))
    op.create_table(
        "export",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("actor_type", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("actor_role", sa.String(length=40), nullable=False),
        sa.Column("actor_district_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("dataset", sa.String(length=60), nullable=False),
        sa.Column(
            "format",
            sa.Enum(
                "csv",
                "xlsx",
                name="export_format",
                native_enum=False,
                length=40,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("filters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("columns", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.Column("reason_enc", sa.LargeBinary(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "ready",
                "failed",
                "expired",
                name="export_status",
                native_enum=False,
                length=40,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("row_count", sa.Integer(), nullable=True),
        sa.Column("byte_count", sa.BigInteger(), nullable=True),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("failure", sa.String(length=60), nullable=True),
        sa.Column("job_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_export_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export")),
    )
    op.create_index(
        "ix_export_actor_id_created_at", "export", ["actor_id", "created_at"], unique=False
    )
    op.create_index("ix_export_status_expires_at", "export", ["status", "expires_at"], unique=False)
    op.create_table(
        "export_chunk",
        sa.Column("export_id", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data_enc", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["export.id"],
            name=op.f("fk_export_chunk_export_id_export"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("export_id", "seq", name=op.f("pk_export_chunk")),
    )
    op.execute(f"REVOKE DELETE, TRUNCATE ON export FROM {APP_ROLE}")


# Every object of the queue's schema, found by its prefix (the script names them all so).
DROP_QUEUE = """
DO $$
DECLARE
    found record;
BEGIN
    FOR found IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE n.nspname = 'public' AND c.relkind = 'r'
                    AND c.relname LIKE 'procrastinate\\_%'
    LOOP
        EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', found.relname);
    END LOOP;
    FOR found IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
                   JOIN pg_namespace n ON n.oid = p.pronamespace
                  WHERE n.nspname = 'public' AND p.proname LIKE 'procrastinate\\_%'
    LOOP
        EXECUTE format('DROP ROUTINE IF EXISTS %s CASCADE', found.signature);
    END LOOP;
    FOR found IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                  WHERE n.nspname = 'public' AND t.typname LIKE 'procrastinate\\_%'
                    AND t.typtype IN ('e', 'c')
    LOOP
        EXECUTE format('DROP TYPE IF EXISTS public.%I CASCADE', found.typname);
    END LOOP;
END;
$$
"""


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.drop_table("export_chunk")
    op.drop_index("ix_export_status_expires_at", table_name="export")
    op.drop_index("ix_export_actor_id_created_at", table_name="export")
    op.drop_table("export")
    op.execute(sa.text(DROP_QUEUE))
