"""Foundation: geography, organisations, users, clients, sessions, audit chain, idempotency.

Also: the application role ``shakti_app`` (it may not update or delete audit events), the
append-only trigger on ``audit_event``, the genesis of the audit chain, and West Bengal with
its 23 districts (ids are UUIDv5 of their names, the same on every installation).

Revision ID: 0001
Revises:
Create Date: 2026-11-29 05:32:53
"""

import hashlib
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.LargeBinary(length=32), nullable=False),
        sa.CheckConstraint("id BETWEEN 1 AND 64", name=op.f("ck_audit_chain_head_chain_number")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    op.create_table(
        "audit_event",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("chain", sa.SmallInteger(), nullable=False),
        sa.Column("chain_seq", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "actor_type",
            sa.Enum(
                "user",
                "client",
                "system",
                "anonymous",
                name="actor_type",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column(
            "action",
            sa.Enum(
                "create",
                "update",
                "delete",
                "read",
                "search",
                "export",
                "login",
                "login_failed",
                "logout",
                "token_refresh",
                "token_reuse_detected",
                "permission_denied",
                "disable",
                "enable",
                "secret_rotate",
                "verify",
                name="audit_action",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("entity_type", sa.String(length=60), nullable=False),
        sa.Column("entity_id", sa.Uuid(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "success",
                "denied",
                "failure",
                name="audit_outcome",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_event")),
        sa.UniqueConstraint("chain", "chain_seq", name=op.f("uq_audit_event_chain_chain_seq")),
        sa.UniqueConstraint("id", name=op.f("uq_audit_event_id")),
    )
    op.create_index("ix_audit_event_actor_id_seq", "audit_event", ["actor_id", "seq"], unique=False)
    op.create_index(
        "ix_audit_event_entity_type_entity_id",
        "audit_event",
        ["entity_type", "entity_id"],
        unique=False,
    )
    op.create_index(
        "ix_audit_event_organization_id_seq",
        "audit_event",
        ["organization_id", "seq"],
        unique=False,
    )
    op.create_table(
        "idempotency_record",
        sa.Column("principal_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_fingerprint", sa.LargeBinary(length=32), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.LargeBinary(), nullable=False),
        sa.Column("response_headers", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("principal_id", "key", name=op.f("pk_idempotency_record")),
    )
    op.create_index(
        op.f("ix_idempotency_record_expires_at"), "idempotency_record", ["expires_at"], unique=False
    )
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "state",
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
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_state")),
        sa.UniqueConstraint("code", name=op.f("uq_state_code")),
        sa.UniqueConstraint("name", name=op.f("uq_state_name")),
    )
    op.create_table(
        "district",
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
        sa.Column("state_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["state_id"], ["state.id"], name=op.f("fk_district_state_id_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district")),
        sa.UniqueConstraint("state_id", "name", name=op.f("uq_district_state_id_name")),
    )
    op.create_index(op.f("ix_district_state_id"), "district", ["state_id"], unique=False)
    op.create_table(
        "organization",
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
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "lead_ngo",
                "partner_ngo",
                "community_based_organization",
                "government_department",
                "service_provider",
                name="organization_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("state_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["state_id"], ["state.id"], name=op.f("fk_organization_state_id_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization")),
    )
    op.create_index(
        "uq_organization_name_lower", "organization", [sa.text("lower(name)")], unique=True
    )
    op.create_index("ix_organization_name_id", "organization", ["name", "id"], unique=False)
    op.create_index(op.f("ix_organization_state_id"), "organization", ["state_id"], unique=False)
    op.create_table(
        "app_user",
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
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "platform_admin",
                "program_manager",
                "social_worker",
                "survivor_leader",
                "partner_staff",
                "analyst",
                "auditor",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=512), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("access_version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_app_user_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("email", name=op.f("uq_app_user_email")),
    )
    op.create_index(
        op.f("ix_app_user_organization_id"), "app_user", ["organization_id"], unique=False
    )
    op.create_index("ix_app_user_created_at_id", "app_user", ["created_at", "id"], unique=False)
    op.create_index(
        "ix_app_user_organization_id_created_at_id",
        "app_user",
        ["organization_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "block",
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
        sa.Column("district_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_block_district_id_district")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_block")),
        sa.UniqueConstraint("district_id", "name", name=op.f("uq_block_district_id_name")),
    )
    op.create_index(op.f("ix_block_district_id"), "block", ["district_id"], unique=False)
    op.create_table(
        "integration_client",
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
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "platform_admin",
                "program_manager",
                "social_worker",
                "survivor_leader",
                "partner_staff",
                "analyst",
                "auditor",
                name="client_role",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "scopes", postgresql.ARRAY(sa.String(length=80)), server_default="{}", nullable=False
        ),
        sa.Column("secret_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("secret_rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("access_version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_integration_client_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_integration_client")),
    )
    op.create_index(
        op.f("ix_integration_client_organization_id"),
        "integration_client",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        "ix_integration_client_created_at_id",
        "integration_client",
        ["created_at", "id"],
        unique=False,
    )
    op.create_table(
        "auth_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_auth_session_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_session")),
    )
    op.create_index(op.f("ix_auth_session_user_id"), "auth_session", ["user_id"], unique=False)
    op.create_table(
        "user_district",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("district_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"], ["district.id"], name=op.f("fk_user_district_district_id_district")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_user_district_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "district_id", name=op.f("pk_user_district")),
    )
    op.create_index(
        op.f("ix_user_district_district_id"), "user_district", ["district_id"], unique=False
    )
    op.create_table(
        "refresh_token",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["auth_session.id"],
            name=op.f("fk_refresh_token_session_id_auth_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_token_token_hash")),
    )
    op.create_index(
        op.f("ix_refresh_token_session_id"), "refresh_token", ["session_id"], unique=False
    )
    _seed_geography()
    _audit_chain()
    _application_role()


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
    op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
    op.execute("DROP FUNCTION IF EXISTS audit_event_is_append_only()")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {APP_ROLE}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"REVOKE USAGE, SELECT ON SEQUENCES FROM {APP_ROLE}"
    )
    op.drop_index(op.f("ix_refresh_token_session_id"), table_name="refresh_token")
    op.drop_table("refresh_token")
    op.drop_index(op.f("ix_user_district_district_id"), table_name="user_district")
    op.drop_table("user_district")
    op.drop_index(op.f("ix_auth_session_user_id"), table_name="auth_session")
    op.drop_table("auth_session")
    op.drop_index("ix_integration_client_created_at_id", table_name="integration_client")
    op.drop_index(op.f("ix_integration_client_organization_id"), table_name="integration_client")
    op.drop_table("integration_client")
    op.drop_index(op.f("ix_block_district_id"), table_name="block")
    op.drop_table("block")
    op.drop_index("ix_app_user_organization_id_created_at_id", table_name="app_user")
    op.drop_index("ix_app_user_created_at_id", table_name="app_user")
    op.drop_index(op.f("ix_app_user_organization_id"), table_name="app_user")
    op.drop_table("app_user")
    op.drop_index("ix_organization_name_id", table_name="organization")
    op.drop_index("uq_organization_name_lower", table_name="organization")
    op.drop_index(op.f("ix_organization_state_id"), table_name="organization")
    op.drop_table("organization")
    op.drop_index(op.f("ix_district_state_id"), table_name="district")
    op.drop_table("district")
    op.drop_table("state")
    op.drop_table("login_throttle")
    op.drop_index(op.f("ix_idempotency_record_expires_at"), table_name="idempotency_record")
    op.drop_table("idempotency_record")
    op.drop_index("ix_audit_event_organization_id_seq", table_name="audit_event")
    op.drop_index("ix_audit_event_entity_type_entity_id", table_name="audit_event")
    op.drop_index("ix_audit_event_actor_id_seq", table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_table("audit_chain_head")


APP_ROLE = "shakti_app"
AUDIT_CHAINS = 16  # persistence.audit_chain.AUDIT_CHAINS at the time of this revision
GEOGRAPHY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://shakti-mis.org/geography")
WEST_BENGAL_DISTRICTS = (
    "Alipurduar",
    "Bankura",
    "Birbhum",
    "Cooch Behar",
    "Dakshin Dinajpur",
    "Darjeeling",
    "Hooghly",
    "Howrah",
    "Jalpaiguri",
    "Jhargram",
    "Kalimpong",
    "Kolkata",
    "Malda",
    "Murshidabad",
    "Nadia",
    "North 24 Parganas",
    "Paschim Bardhaman",
    "Paschim Medinipur",
    "Purba Bardhaman",
    "Purba Medinipur",
    "Purulia",
    "South 24 Parganas",
    "Uttar Dinajpur",
)


def _seed_geography() -> None:
    state_id = uuid.uuid5(GEOGRAPHY_NAMESPACE, "state:WB")
    states = sa.table("state", sa.column("id", sa.Uuid), sa.column("name"), sa.column("code"))
    districts = sa.table(
        "district", sa.column("id", sa.Uuid), sa.column("state_id", sa.Uuid), sa.column("name")
    )
    op.bulk_insert(states, [{"id": state_id, "name": "West Bengal", "code": "WB"}])
    op.bulk_insert(
        districts,
        [
            {
                "id": uuid.uuid5(GEOGRAPHY_NAMESPACE, f"district:WB:{name}"),
                "state_id": state_id,
                "name": name,
            }
            for name in WEST_BENGAL_DISTRICTS
        ],
    )


def _audit_chain() -> None:
    genesis = hashlib.sha256(b"shakti-mis audit chain genesis").digest()
    head = sa.table(
        "audit_chain_head",
        sa.column("id", sa.Integer),
        sa.column("last_seq", sa.BigInteger),
        sa.column("last_hash", sa.LargeBinary),
    )
    op.bulk_insert(
        head,
        [
            {"id": chain, "last_seq": 0, "last_hash": genesis}
            for chain in range(1, AUDIT_CHAINS + 1)
        ],
    )
    # Append-only for everyone but a superuser who disables the trigger on purpose.
    op.execute(
        """
        CREATE FUNCTION audit_event_is_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_event is append-only' USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
        "FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_is_append_only()"
    )


def _application_role() -> None:
    """The role the application runs as: data rights on business tables, insert-only on the
    audit trail, nothing on the migration bookkeeping. Roles are cluster-wide, so it is
    created once and kept on downgrade."""
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN;
            END IF;
        END
        $$
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}"
    )
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM {APP_ROLE}")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {APP_ROLE}")
