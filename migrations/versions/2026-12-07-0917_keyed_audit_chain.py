"""A keyed audit chain, appended only through a SECURITY DEFINER function.

- ``audit_event.kid``: the audit key an event was chained under (HMAC-SHA256 with a key held
  outside the database; persistence/audit_chain.py). Events of before this revision keep
  NULL: they were chained with plain SHA-256 and are verified so.
- ``audit_event.caller_request_id``: the caller's own X-Request-ID, kept apart from the
  server's request id (length and charset are limited by the application).
- ``audit_append(...)``: the one way to append an event. It advances the chain's head and
  inserts the event in one statement, computing the HMAC from the padded key the caller sends
  (never stored). It runs as its owner (the role that runs migrations) with a pinned
  search_path; the application's role may execute it, and loses INSERT on ``audit_event`` and
  every write (hence also ``SELECT ... FOR UPDATE``) on ``audit_chain_head``.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-07 09:17:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "shakti_app"
SIGNATURE = (
    "audit_append(smallint, bytea, bytea, text, text, text, text, text, text, text, text, "
    "text, text, text, text)"
)

# The chain step of persistence/audit_chain.py, as SQL: HMAC-SHA256(K, head || SHA-256(doc))
# = SHA-256((K xor opad) || SHA-256((K xor ipad) || head || SHA-256(doc))). The document is
# jsonb_build_object of the fields as text (persistence.audit_chain.canonical).
APPEND_FUNCTION = """
CREATE FUNCTION audit_append(
    p_chain smallint, p_ipad bytea, p_opad bytea, p_kid text,
    p_id text, p_occurred_at text, p_actor_type text, p_actor_id text, p_organization_id text,
    p_action text, p_entity_type text, p_entity_id text, p_request_id text, p_outcome text,
    p_caller_request_id text
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
                   jsonb_build_object(
                       'id', p_id, 'occurred_at', p_occurred_at, 'actor_type', p_actor_type,
                       'actor_id', p_actor_id, 'organization_id', p_organization_id,
                       'action', p_action, 'entity_type', p_entity_type,
                       'entity_id', p_entity_id, 'request_id', p_request_id,
                       'outcome', p_outcome, 'kid', p_kid,
                       'caller_request_id', p_caller_request_id
                   )::text, 'UTF8'))))
         WHERE id = p_chain
     RETURNING id, last_seq, last_hash
    )
    INSERT INTO public.audit_event (
        chain, chain_seq, hash, id, occurred_at, actor_type, actor_id, organization_id,
        action, entity_type, entity_id, request_id, outcome, kid, caller_request_id)
    SELECT head.id, head.last_seq, head.last_hash, p_id::uuid, p_occurred_at::timestamptz,
           p_actor_type, p_actor_id::uuid, p_organization_id::uuid, p_action, p_entity_type,
           p_entity_id::uuid, p_request_id, p_outcome, p_kid, p_caller_request_id
      FROM head
    RETURNING chain_seq INTO v_position;
    IF v_position IS NULL THEN
        RAISE EXCEPTION 'no audit chain %', p_chain USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN v_position;
END
$$
"""


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.add_column("audit_event", sa.Column("kid", sa.String(length=64), nullable=True))
    op.add_column(
        "audit_event", sa.Column("caller_request_id", sa.String(length=64), nullable=True)
    )
    op.execute(APPEND_FUNCTION)
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {APP_ROLE}")
    op.execute(f"REVOKE INSERT ON audit_event FROM {APP_ROLE}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_chain_head FROM {APP_ROLE}")


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    # Keyed events cannot go back to the plain chain (their kid and caller id would be lost,
    # and the old verification would report every one as modified): the trail is never
    # rewritten by a schema step.
    keyed = op.get_bind().scalar(sa.text("SELECT count(*) FROM audit_event WHERE kid IS NOT NULL"))
    if keyed:
        raise RuntimeError(
            f"{keyed} audit events are chained under an audit key; they cannot be downgraded"
        )
    op.execute(f"GRANT INSERT, UPDATE, DELETE ON audit_chain_head TO {APP_ROLE}")
    op.execute(f"GRANT INSERT ON audit_event TO {APP_ROLE}")
    op.execute(f"DROP FUNCTION {SIGNATURE}")
    op.drop_column("audit_event", "caller_request_id")
    op.drop_column("audit_event", "kid")
