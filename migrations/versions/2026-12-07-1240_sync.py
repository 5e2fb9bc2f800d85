"""Offline sync for field workers: a change log in commit order, pushed mutations, conflicts.

- ``sync_change``: one row per change to a record devices carry (survivor, case, consent, case
  note, visit, care plan goal, assessment, assessment instrument) and per change to a user's
  districts, written by the row trigger ``sync_change_log`` in the writing transaction, with
  that transaction's id (``xid8`` as a bigint: epoch-extended, it never wraps). A pull
  returns only changes of transactions older than the oldest one still running
  (``pg_snapshot_xmin(pg_current_snapshot())``), ordered by (txid, seq): a transaction that
  began before a pull and commits after it is never passed over, whatever its insert order
  or timestamps (domain/sync/pull.py). Each row keeps the ids and scope keys the record had
  before the change (no personal data), so that a pull can answer tombstones to whoever saw
  the record before it moved. Append-only for the app role: only the trigger (SECURITY
  DEFINER) writes it.
- ``sync_mutation``: each pushed mutation by its own id with the answer given (sealed), so a
  retried batch applies nothing twice.
- ``sync_conflict``: a field changed both offline and on the server since the device's base,
  kept (values sealed) until the worker resolves it.
- ``sync_record_version``: what a device was given of a record at one version (sealed), the
  base an offline update is compared against field by field.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op

revision: str = "0028"
down_revision: str | Sequence[str] | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "shakti_app"

# The tables devices carry, and what a change to each is called in the protocol.
CASE_CHILDREN = {
    "case_note": "case_note",
    "case_visit": "case_visit",
    "care_plan_goal": "care_plan_goal",
    "assessment": "assessment",
}
LOGGED = (
    "survivor",
    "survivor_case",
    "consent",
    *CASE_CHILDREN,
    "user_district",
    "assessment_instrument",
)

CHANGE_LOG = """
CREATE FUNCTION sync_change_log() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_TABLE_NAME = 'survivor_case' THEN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO sync_change (entity, entity_id, organization_id, case_id, survivor_id,
                   scope_changed, prior_organization_id, prior_district_id,
                   prior_assigned_worker_id)
            VALUES ('case', NEW.id, NEW.organization_id, NEW.id, NEW.survivor_id, true,
                    NEW.organization_id, NEW.district_id, NEW.assigned_worker_id);
        ELSIF TG_OP = 'UPDATE' THEN
            INSERT INTO sync_change (entity, entity_id, organization_id, case_id, survivor_id,
                   scope_changed, prior_organization_id, prior_district_id,
                   prior_assigned_worker_id)
            VALUES ('case', NEW.id, NEW.organization_id, NEW.id, NEW.survivor_id,
                    (OLD.organization_id, OLD.district_id, OLD.assigned_worker_id,
                     OLD.deleted_at IS NULL)
                    IS DISTINCT FROM (NEW.organization_id, NEW.district_id,
                                      NEW.assigned_worker_id, NEW.deleted_at IS NULL),
                    OLD.organization_id, OLD.district_id, OLD.assigned_worker_id);
        ELSE
            INSERT INTO sync_change (entity, entity_id, organization_id, case_id, survivor_id,
                   scope_changed, prior_organization_id, prior_district_id,
                   prior_assigned_worker_id)
            VALUES ('case', OLD.id, OLD.organization_id, OLD.id, OLD.survivor_id, true,
                    OLD.organization_id, OLD.district_id, OLD.assigned_worker_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'survivor' THEN
        IF TG_OP = 'DELETE' THEN
            INSERT INTO sync_change (entity, entity_id, organization_id, survivor_id,
                   prior_organization_id, prior_created_by)
            VALUES ('survivor', OLD.id, OLD.organization_id, OLD.id, OLD.organization_id,
                    OLD.created_by);
        ELSE
            INSERT INTO sync_change (entity, entity_id, organization_id, survivor_id,
                   prior_organization_id, prior_created_by)
            VALUES ('survivor', NEW.id, NEW.organization_id, NEW.id,
                    CASE TG_OP WHEN 'UPDATE' THEN OLD.organization_id
                               ELSE NEW.organization_id END,
                    CASE TG_OP WHEN 'UPDATE' THEN OLD.created_by ELSE NEW.created_by END);
        END IF;
    ELSIF TG_TABLE_NAME = 'consent' THEN
        IF TG_OP = 'DELETE' THEN
            INSERT INTO sync_change (entity, entity_id, organization_id, survivor_id,
                   prior_organization_id)
            VALUES ('consent', OLD.id, OLD.organization_id, OLD.survivor_id,
                    OLD.organization_id);
        ELSE
            INSERT INTO sync_change (entity, entity_id, organization_id, survivor_id,
                   prior_organization_id)
            VALUES ('consent', NEW.id, NEW.organization_id, NEW.survivor_id,
                    NEW.organization_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'assessment_instrument' THEN
        -- Reference data: an organisation's own instrument, or a shared one (no organisation).
        IF TG_OP = 'DELETE' THEN
            INSERT INTO sync_change (entity, entity_id, organization_id, prior_organization_id)
            VALUES ('assessment_instrument', OLD.id, OLD.organization_id, OLD.organization_id);
        ELSE
            INSERT INTO sync_change (entity, entity_id, organization_id, prior_organization_id)
            VALUES ('assessment_instrument', NEW.id, NEW.organization_id, NEW.organization_id);
        END IF;
    ELSIF TG_TABLE_NAME = 'user_district' THEN
        IF TG_OP = 'DELETE' THEN
            INSERT INTO sync_change (entity, entity_id, organization_id, scope_changed,
                   prior_organization_id, prior_district_id)
            SELECT 'user_district', OLD.user_id, u.organization_id, true, u.organization_id,
                   OLD.district_id
              FROM app_user u WHERE u.id = OLD.user_id;
        ELSE
            INSERT INTO sync_change (entity, entity_id, organization_id, scope_changed,
                   prior_organization_id, prior_district_id)
            SELECT 'user_district', NEW.user_id, u.organization_id, true, u.organization_id,
                   NEW.district_id
              FROM app_user u WHERE u.id = NEW.user_id;
        END IF;
    ELSE
        -- A record of a case (note, visit, goal, assessment): scoped through its case.
        IF TG_OP = 'DELETE' THEN
            INSERT INTO sync_change (entity, entity_id, organization_id, case_id,
                   prior_organization_id)
            VALUES (TG_TABLE_NAME, OLD.id, OLD.organization_id, OLD.case_id,
                    OLD.organization_id);
        ELSE
            INSERT INTO sync_change (entity, entity_id, organization_id, case_id,
                   prior_organization_id)
            VALUES (TG_TABLE_NAME, NEW.id, NEW.organization_id, NEW.case_id,
                    NEW.organization_id);
        END IF;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "sync_change",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column(
            "txid",
            sa.BigInteger(),
            server_default=sa.text("(pg_current_xact_id()::text)::bigint"),
            nullable=False,
        ),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("survivor_id", sa.Uuid(), nullable=True),
        sa.Column("scope_changed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("prior_organization_id", sa.Uuid(), nullable=True),
        sa.Column("prior_district_id", sa.Uuid(), nullable=True),
        sa.Column("prior_assigned_worker_id", sa.Uuid(), nullable=True),
        sa.Column("prior_created_by", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_sync_change")),
    )
    op.create_index("ix_sync_change_txid_seq", "sync_change", ["txid", "seq"])
    op.create_table(
        "sync_mutation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("result_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_mutation")),
    )
    op.create_index(op.f("ix_sync_mutation_user_id"), "sync_mutation", ["user_id"])
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("mutation_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("server_version", sa.Integer(), nullable=False),
        sa.Column("values_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_conflict")),
    )
    op.create_index(
        "ix_sync_conflict_user_id_created_at_id",
        "sync_conflict",
        ["user_id", "created_at", "id"],
    )
    op.create_table(
        "sync_record_version",
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("data_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "entity", "entity_id", "version", name=op.f("pk_sync_record_version")
        ),
    )
    # The log is the trigger's alone: the app reads it and cannot write, change or empty it.
    op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON sync_change FROM {APP_ROLE}")
    op.execute(f"GRANT SELECT ON sync_change TO {APP_ROLE}")
    op.execute(CHANGE_LOG)
    for table in LOGGED:
        op.execute(
            f"CREATE TRIGGER {table}_sync_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION sync_change_log()"
        )


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    for table in LOGGED:
        op.execute(f"DROP TRIGGER {table}_sync_change ON {table}")
    op.execute("DROP FUNCTION sync_change_log()")
    op.drop_table("sync_record_version")
    op.drop_index("ix_sync_conflict_user_id_created_at_id", table_name="sync_conflict")
    op.drop_table("sync_conflict")
    op.drop_index(op.f("ix_sync_mutation_user_id"), table_name="sync_mutation")
    op.drop_table("sync_mutation")
    op.drop_index("ix_sync_change_txid_seq", table_name="sync_change")
    op.drop_table("sync_change")
