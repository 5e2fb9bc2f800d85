"""Sync carries the community work too, and the audit trail names the device.

- ``sync_change`` is also written for referrals, entitlement applications, self-help groups
  (the group, its members, its meetings, and its books as ``shg_balances``), leader groups,
  their memberships (``leader_membership``, by the member's user: a survivor leader's scope)
  and meetings, campaigns, demands and attachments (metadata), by a second row trigger,
  ``sync_change_log_more``, generic over these tables: its arguments name the protocol's
  entity, the column that is the record's id, the column of what it hangs off (kept in the
  new column ``holder_id``: a group, an SHG, an attachment's record) and the scope keys whose
  change may take the record out of someone's scope (``scope_changed``; a deletion always
  does). Like 0028's, it keeps ids and keys only, never personal data; only the trigger
  (SECURITY DEFINER) writes the log.
- ``audit_event.device_id``: the registered device an event came from (a read done offline
  and uploaded with a push, or any request made with a device-bound token). ``audit_append``
  takes it as a last argument (default NULL) and digests it into the chain only when it is
  set, so every event written before keeps its hash.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 12:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op

revision: str = "0029"
down_revision: str | Sequence[str] | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "shakti_app"

# table: (entity, id column, holder column, scope keys). Organisation, district and deletion
# are scope keys of every one of them.
LOGGED: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "referral": ("referral", "id", "case_id", ("case_id",)),
    "entitlement_application": ("entitlement_application", "id", "survivor_id", ("survivor_id",)),
    "shg": ("shg", "id", "id", ()),
    "shg_member": ("shg_member", "id", "shg_id", ("shg_id",)),
    "shg_meeting": ("shg_meeting", "id", "shg_id", ("shg_id",)),
    "shg_ledger_entry": ("shg_balances", "shg_id", "shg_id", ()),
    "leader_group": ("leader_group", "id", "id", ()),
    "leader_group_member": ("leader_membership", "user_id", "group_id", ("left_on", "user_id")),
    "leader_group_meeting": ("leader_group_meeting", "id", "group_id", ("group_id",)),
    "campaign": ("campaign", "id", "leader_group_id", ("leader_group_id",)),
    "demand": ("demand", "id", "id", ("owner_id", "created_by")),
    "attachment": ("attachment", "id", "record_id", ("record_id",)),
}

CHANGE_LOG = """
CREATE FUNCTION sync_change_log_more() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    -- TG_ARGV: entity, id column, holder column, then the scope keys.
    v_new jsonb := CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END;
    v_old jsonb := CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END;
    v_row jsonb := COALESCE(v_new, v_old);
    v_before jsonb := COALESCE(v_old, v_new);
    v_changed boolean := TG_OP = 'DELETE';
    v_key text;
    i integer;
BEGIN
    IF v_row ->> TG_ARGV[1] IS NULL THEN
        RETURN NULL;  -- a membership of someone without an account: nobody's scope changes
    END IF;
    IF TG_OP = 'UPDATE' THEN
        v_changed := (v_old ->> 'organization_id', v_old ->> 'district_id',
                      v_old ->> 'deleted_at' IS NULL)
                     IS DISTINCT FROM (v_new ->> 'organization_id', v_new ->> 'district_id',
                                       v_new ->> 'deleted_at' IS NULL);
        FOR i IN 3 .. TG_NARGS - 1 LOOP
            v_key := TG_ARGV[i];
            v_changed := v_changed OR (v_old ->> v_key IS DISTINCT FROM v_new ->> v_key);
        END LOOP;
    ELSIF TG_TABLE_NAME = 'leader_group_member' THEN
        v_changed := true;  -- joining a group (or leaving it) is a change of her scope
    END IF;
    INSERT INTO sync_change (entity, entity_id, organization_id, case_id, survivor_id,
           holder_id, scope_changed, prior_organization_id, prior_district_id)
    VALUES (TG_ARGV[0], (v_row ->> TG_ARGV[1])::uuid, (v_row ->> 'organization_id')::uuid,
            (v_row ->> 'case_id')::uuid, (v_row ->> 'survivor_id')::uuid,
            (v_row ->> TG_ARGV[2])::uuid, v_changed,
            (v_before ->> 'organization_id')::uuid, (v_before ->> 'district_id')::uuid);
    RETURN NULL;
END
$$
"""

# audit_append of 0017 with the device as a last argument; the digested document names the
# device only when there is one (so that every event of before keeps its hash).
APPEND_SIGNATURE_0017 = (
    "audit_append(smallint, bytea, bytea, text, text, text, text, text, text, text, text, "
    "text, text, text, text)"
)
APPEND_SIGNATURE = APPEND_SIGNATURE_0017.replace("text)", "text, text)")
APPEND_BODY = """
CREATE FUNCTION audit_append(
    p_chain smallint, p_ipad bytea, p_opad bytea, p_kid text,
    p_id text, p_occurred_at text, p_actor_type text, p_actor_id text, p_organization_id text,
    p_action text, p_entity_type text, p_entity_id text, p_request_id text, p_outcome text,
    p_caller_request_id text{device_parameter}
) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_position bigint;
BEGIN
    IF octet_length(p_ipad) IS DISTINCT FROM 64 OR octet_length(p_opad) IS DISTINCT FROM 64
       OR p_kid IS NULL THEN
        RAISE EXCEPTION 'audit_append needs the padded audit key and its kid'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    WITH head AS (
        UPDATE public.audit_chain_head
           SET last_seq = last_seq + 1,
               last_hash = sha256(p_opad || sha256(p_ipad || last_hash || sha256(convert_to(
                   (jsonb_build_object(
                       'id', p_id, 'occurred_at', p_occurred_at, 'actor_type', p_actor_type,
                       'actor_id', p_actor_id, 'organization_id', p_organization_id,
                       'action', p_action, 'entity_type', p_entity_type,
                       'entity_id', p_entity_id, 'request_id', p_request_id,
                       'outcome', p_outcome, 'kid', p_kid,
                       'caller_request_id', p_caller_request_id
                   ){device_document})::text, 'UTF8'))))
         WHERE id = p_chain
     RETURNING id, last_seq, last_hash
    )
    INSERT INTO public.audit_event (
        chain, chain_seq, hash, id, occurred_at, actor_type, actor_id, organization_id,
        action, entity_type, entity_id, request_id, outcome, kid, caller_request_id{device_column})
    SELECT head.id, head.last_seq, head.last_hash, p_id::uuid, p_occurred_at::timestamptz,
           p_actor_type, p_actor_id::uuid, p_organization_id::uuid, p_action, p_entity_type,
           p_entity_id::uuid, p_request_id, p_outcome, p_kid, p_caller_request_id{device_value}
      FROM head
    RETURNING chain_seq INTO v_position;
    IF v_position IS NULL THEN
        RAISE EXCEPTION 'no audit chain %', p_chain USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN v_position;
END
$$
"""
APPEND_FUNCTION = APPEND_BODY.format(
    device_parameter=", p_device_id text DEFAULT NULL",
    device_document=(
        " || CASE WHEN p_device_id IS NULL THEN '{}'::jsonb"
        " ELSE jsonb_build_object('device_id', p_device_id) END"
    ),
    device_column=", device_id",
    device_value=", p_device_id::uuid",
)
APPEND_FUNCTION_0017 = APPEND_BODY.format(
    device_parameter="", device_document="", device_column="", device_value=""
)


def _grant_append(signature: str) -> None:
    op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {APP_ROLE}")


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.add_column("sync_change", sa.Column("holder_id", sa.Uuid(), nullable=True))
    op.execute(CHANGE_LOG)
    for table, (entity, id_column, holder, keys) in LOGGED.items():
        arguments = ", ".join(f"'{name}'" for name in (entity, id_column, holder, *keys))
        op.execute(
            f"CREATE TRIGGER {table}_sync_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION sync_change_log_more({arguments})"
        )
    op.add_column("audit_event", sa.Column("device_id", sa.Uuid(), nullable=True))
    op.execute(f"DROP FUNCTION {APPEND_SIGNATURE_0017}")
    op.execute(APPEND_FUNCTION)
    _grant_append(APPEND_SIGNATURE)


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    # An event that names its device cannot lose it (the chain digested it): the trail is
    # never rewritten by a schema step.
    named = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM audit_event WHERE device_id IS NOT NULL")
    )
    if named:
        raise RuntimeError(f"{named} audit events name their device; they cannot be downgraded")
    op.execute(f"DROP FUNCTION {APPEND_SIGNATURE}")
    op.execute(APPEND_FUNCTION_0017)
    _grant_append(APPEND_SIGNATURE_0017)
    op.drop_column("audit_event", "device_id")
    for table in LOGGED:
        op.execute(f"DROP TRIGGER {table}_sync_change ON {table}")
    op.execute("DROP FUNCTION sync_change_log_more()")
    op.drop_column("sync_change", "holder_id")
