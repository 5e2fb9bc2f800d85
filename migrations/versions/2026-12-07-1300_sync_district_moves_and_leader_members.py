"""Sync: a district moved by UPDATE is logged from both sides; leader group members are logged.

- ``user_district``: 0028's trigger logs an UPDATE under the new row only, so a district
  changed in place (``UPDATE user_district SET district_id = ...``) never told the worker's
  devices to drop the old district's records. A second row trigger,
  ``user_district_sync_change_old``, logs the old row too (as a DELETE of it is logged)
  when the district or the user changed: a pull then tombstones what the old district gave
  her and sends what the new one gives.
- ``leader_group_member``: 0029 logs a membership by the member's user (``leader_membership``:
  a survivor leader's own scope). Devices now carry a group's members (``leader_group_member``,
  as the group's member endpoint shows them), so each member record is logged as well, by
  0029's generic trigger function under its own id and group. The members already there are
  logged once by this revision, so that devices whose first pull ended before it receive
  them with their next pull.

Like 0028's and 0029's, the rows keep ids and keys only, never personal data; only the
triggers (SECURITY DEFINER) write the log.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op

from migrations.helpers import set_lock_timeout

revision: str = "0030"
down_revision: str | Sequence[str] | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_DISTRICT_LOG = """
CREATE FUNCTION sync_change_log_old_district() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
    -- The row as it was, logged as 0028 logs a deleted one (its district taken from her).
    INSERT INTO sync_change (entity, entity_id, organization_id, scope_changed,
           prior_organization_id, prior_district_id)
    SELECT 'user_district', OLD.user_id, u.organization_id, true, u.organization_id,
           OLD.district_id
      FROM app_user u WHERE u.id = OLD.user_id;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    set_lock_timeout()
    op.execute(OLD_DISTRICT_LOG)
    op.execute(
        "CREATE TRIGGER user_district_sync_change_old AFTER UPDATE ON user_district "
        "FOR EACH ROW WHEN (OLD.district_id IS DISTINCT FROM NEW.district_id "
        "OR OLD.user_id IS DISTINCT FROM NEW.user_id) "
        "EXECUTE FUNCTION sync_change_log_old_district()"
    )
    op.execute(
        "CREATE TRIGGER leader_group_member_sync_record AFTER INSERT OR UPDATE OR DELETE "
        "ON leader_group_member FOR EACH ROW EXECUTE FUNCTION "
        "sync_change_log_more('leader_group_member', 'id', 'group_id', 'group_id')"
    )
    op.execute(
        "INSERT INTO sync_change (entity, entity_id, organization_id, holder_id, "
        "prior_organization_id) "
        "SELECT 'leader_group_member', m.id, m.organization_id, m.group_id, m.organization_id "
        "FROM leader_group_member m WHERE m.deleted_at IS NULL ORDER BY m.id"
    )


def downgrade() -> None:
    set_lock_timeout()
    op.execute("DROP TRIGGER leader_group_member_sync_record ON leader_group_member")
    # (Rows an older pull does not know: it would pass over them, but they are this one's.)
    op.execute("DELETE FROM sync_change WHERE entity = 'leader_group_member'")
    op.execute("DROP TRIGGER user_district_sync_change_old ON user_district")
    op.execute("DROP FUNCTION sync_change_log_old_district()")
