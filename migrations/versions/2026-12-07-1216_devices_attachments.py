"""Devices and attachments (issue 14).

- ``device``: the phones and tablets people run the app on, registered to a person. A sign-in
  session may be bound to one (``auth_session.device_id``); revoking the device revokes its
  sessions in the same transaction, so the token liveness check ends their tokens without a
  rule of its own for devices. Devices are never deleted (their history answers "which phone
  was this?" after a loss): the app role may not delete them.
- ``attachment``: files on records (consent forms, ID scans, photos, meeting photos), keyed by
  the record's kind and id. The bytes live outside the database, encrypted under a key of
  their own, sealed by the data key in ``file_key_enc``. A deleted attachment keeps its row
  (marked deleted, so devices learn of it) while its bytes are removed: the app role may not
  delete rows either.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 12:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op

revision: str = "0026"
down_revision: str | Sequence[str] | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "shakti_app"


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "attachment",
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
        sa.Column(
            "record_kind",
            sa.Enum(
                "survivor",
                "case",
                "consent",
                "shg_meeting",
                name="attachment_record_kind",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "consent_form",
                "id_document",
                "photo",
                "meeting_photo",
                "document",
                name="attachment_category",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column(
            "media_type",
            sa.Enum(
                "image/jpeg",
                "image/png",
                "application/pdf",
                name="attachment_media_type",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("file_key_enc", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_attachment_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_attachment_storage_key")),
    )
    op.create_index(
        op.f("ix_attachment_organization_id"), "attachment", ["organization_id"], unique=False
    )
    op.create_index(
        "ix_attachment_record_kind_record_id_created_at_id",
        "attachment",
        ["record_kind", "record_id", "created_at", "id"],
        unique=False,
    )
    op.create_table(
        "device",
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
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "platform",
            sa.Enum(
                "android",
                "ios",
                "web",
                name="device_platform",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("app_version", sa.String(length=40), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "(revoked_at IS NULL) = (revoked_by IS NULL)", name=op.f("ck_device_revocation")
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_device_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_device_user_id_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device")),
    )
    op.create_index(op.f("ix_device_organization_id"), "device", ["organization_id"], unique=False)
    op.create_index(
        "ix_device_organization_id_created_at_id",
        "device",
        ["organization_id", "created_at", "id"],
        unique=False,
    )
    op.create_index(op.f("ix_device_user_id"), "device", ["user_id"], unique=False)
    op.add_column("auth_session", sa.Column("device_id", sa.Uuid(), nullable=True))
    op.create_index(op.f("ix_auth_session_device_id"), "auth_session", ["device_id"], unique=False)
    op.create_foreign_key(
        op.f("fk_auth_session_device_id_device"),
        "auth_session",
        "device",
        ["device_id"],
        ["id"],
        ondelete="CASCADE",
    )
    for table in ("device", "attachment"):
        op.execute(f"GRANT SELECT, INSERT, UPDATE ON {table} TO {APP_ROLE}")
        op.execute(f"REVOKE DELETE, TRUNCATE ON {table} FROM {APP_ROLE}")


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.drop_constraint(op.f("fk_auth_session_device_id_device"), "auth_session", type_="foreignkey")
    op.drop_index(op.f("ix_auth_session_device_id"), table_name="auth_session")
    op.drop_column("auth_session", "device_id")
    op.drop_index(op.f("ix_device_user_id"), table_name="device")
    op.drop_index("ix_device_organization_id_created_at_id", table_name="device")
    op.drop_index(op.f("ix_device_organization_id"), table_name="device")
    op.drop_table("device")
    op.drop_index("ix_attachment_record_kind_record_id_created_at_id", table_name="attachment")
    op.drop_index(op.f("ix_attachment_organization_id"), table_name="attachment")
    op.drop_table("attachment")
