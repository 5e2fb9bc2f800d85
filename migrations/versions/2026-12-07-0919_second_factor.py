"""Second factor and approved resets: people's TOTP authenticators (secret sealed) with their
one-time recovery codes (digests only), requests to reset another person's password or second
factor that a second platform admin approves, and the audit actions approve, decline, expire.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 09:19:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_ACTIONS_BEFORE = (
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
    "share",
    "consent_override",
    "not_found",  # 0018
)
AUDIT_ACTIONS = (*AUDIT_ACTIONS_BEFORE, "approve", "decline", "expire")


def _audit_actions(actions: tuple[str, ...]) -> None:
    """Audit actions are a CHECK constraint: replace it with the given list."""
    values = ", ".join(f"'{action}'" for action in actions)
    op.execute("ALTER TABLE audit_event DROP CONSTRAINT ck_audit_event_audit_action")
    op.execute(
        "ALTER TABLE audit_event ADD CONSTRAINT ck_audit_event_audit_action "
        f"CHECK (action IN ({values}))"
    )


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=40)


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    _audit_actions(AUDIT_ACTIONS)
    op.create_table(
        "second_factor",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("secret_enc", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_second_factor_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_second_factor")),
    )
    op.create_index(
        "uq_second_factor_user_id_confirmed",
        "second_factor",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("confirmed_at IS NOT NULL"),
    )
    op.create_index(
        "uq_second_factor_user_id_pending",
        "second_factor",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("confirmed_at IS NULL"),
    )
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("second_factor_id", sa.Uuid(), nullable=False),
        sa.Column("code_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["second_factor_id"],
            ["second_factor.id"],
            name=op.f("fk_recovery_code_second_factor_id_second_factor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
        sa.UniqueConstraint(
            "second_factor_id",
            "code_hash",
            name=op.f("uq_recovery_code_second_factor_id_code_hash"),
        ),
    )
    op.create_table(
        "reset_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", _enum("reset_kind", "password", "second_factor"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_hash", sa.String(length=512), nullable=True),
        sa.Column(
            "status",
            _enum("reset_status", "pending", "approved", "declined", "expired"),
            nullable=False,
        ),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_reset_request_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_reset_request_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["app_user.id"],
            name=op.f("fk_reset_request_requested_by_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["app_user.id"],
            name=op.f("fk_reset_request_decided_by_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reset_request")),
    )
    op.create_index(
        "ix_reset_request_status_requested_at_id",
        "reset_request",
        ["status", "requested_at", "id"],
    )
    op.create_index(
        "uq_reset_request_user_id_kind_pending",
        "reset_request",
        ["user_id", "kind"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.drop_index("uq_reset_request_user_id_kind_pending", table_name="reset_request")
    op.drop_index("ix_reset_request_status_requested_at_id", table_name="reset_request")
    op.drop_table("reset_request")
    op.drop_table("recovery_code")
    op.drop_index("uq_second_factor_user_id_pending", table_name="second_factor")
    op.drop_index("uq_second_factor_user_id_confirmed", table_name="second_factor")
    op.drop_table("second_factor")
    # Refuses (the check fails) while approve, decline or expire events exist: they are history.
    _audit_actions(AUDIT_ACTIONS_BEFORE)
