"""Sync carries the editable reference data: the places and the scheme catalogue.

- ``state``, ``district``, ``block`` and ``scheme`` are logged in ``sync_change`` by a row
  trigger, ``sync_change_log_vocabulary``, under their protocol's names (the table's), with
  no organisation (shared reference data: a pull reads these changes for everyone, as it
  reads the shared assessment instruments'). A deletion, or a soft delete (``deleted_at``
  set or cleared), is marked ``scope_changed``: a pull answers a tombstone when the record
  can no longer be read. Like 0028's, 0029's and 0030's, the rows keep ids only, never
  personal data; only the trigger (SECURITY DEFINER) writes the log.
- The places and scheme versions already there are logged once by this revision, so that
  devices whose first pull ended before it receive them with their next pull (as 0030 did
  for leader group members). A first pull sends them last, after every kind sent before.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence

import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op

from migrations.helpers import set_lock_timeout

revision: str = "0032"
down_revision: str | Sequence[str] | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# In the order a first pull sends them (a district after its state, a block after its
# district); each table's rows are called by the table's name in the protocol.
LOGGED = ("state", "district", "block", "scheme")

CHANGE_LOG = """
CREATE FUNCTION sync_change_log_vocabulary() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO sync_change (entity, entity_id, scope_changed)
        VALUES (TG_TABLE_NAME, OLD.id, true);
    ELSE
        INSERT INTO sync_change (entity, entity_id, scope_changed)
        VALUES (TG_TABLE_NAME, NEW.id,
                TG_OP = 'UPDATE'
                AND (OLD.deleted_at IS NULL) IS DISTINCT FROM (NEW.deleted_at IS NULL));
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    set_lock_timeout()
    op.execute(CHANGE_LOG)
    for table in LOGGED:
        op.execute(
            f"CREATE TRIGGER {table}_sync_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION sync_change_log_vocabulary()"
        )
    for table in LOGGED:
        op.execute(
            f"INSERT INTO sync_change (entity, entity_id) "
            f"SELECT '{table}', t.id FROM {table} t WHERE t.deleted_at IS NULL ORDER BY t.id"
        )


def downgrade() -> None:
    set_lock_timeout()
    for table in reversed(LOGGED):
        op.execute(f"DROP TRIGGER {table}_sync_change ON {table}")
    # (Rows an older pull does not know: it would pass over them, but they are this one's.)
    names = ", ".join(f"'{table}'" for table in LOGGED)
    op.execute(f"DELETE FROM sync_change WHERE entity IN ({names})")
    op.execute("DROP FUNCTION sync_change_log_vocabulary()")
