"""Duplicate alerts for program managers (an intake that matched survivors its author may not
see), a referral's note to the receiving organisation (its ``reason`` stays internal), and the
audit actions ``probe`` (a taken client-chosen id), ``replay`` (an Idempotency-Key answered
again) and ``duplicate_hit`` (an intake that matched registered survivors).

The audit actions are a CHECK constraint listing every allowed value. This revision adds its
own values to whatever the constraint lists when it runs (and takes only those away again),
so that it composes with other revisions that add actions of their own.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 09:20:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | Sequence[str] | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_CONSTRAINT = "ck_audit_event_audit_action"
NEW_ACTIONS = ("probe", "replay", "duplicate_hit")


def _audit_actions() -> list[str]:
    """The actions the audit constraint allows now, in its order."""
    definition = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c"
                " WHERE c.conname = :name AND c.conrelid = 'audit_event'::regclass"
            ),
            {"name": AUDIT_CONSTRAINT},
        )
        .scalar_one()
    )
    return list(dict.fromkeys(re.findall(r"'([a-z_]+)'", definition)))


def _allow_audit_actions(actions: Sequence[str]) -> None:
    values = ", ".join(f"'{action}'" for action in actions)
    op.execute(f"ALTER TABLE audit_event DROP CONSTRAINT {AUDIT_CONSTRAINT}")
    op.execute(
        f"ALTER TABLE audit_event ADD CONSTRAINT {AUDIT_CONSTRAINT} CHECK (action IN ({values}))"
    )


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    current = _audit_actions()
    _allow_audit_actions([*current, *(a for a in NEW_ACTIONS if a not in current)])
    op.create_table(
        "duplicate_alert",
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
        sa.Column("raised_by", sa.Uuid(), nullable=False),
        sa.Column("survivor_id", sa.Uuid(), nullable=True),
        sa.Column("matched_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "resolved",
                "dismissed",
                name="duplicate_alert_status",
                native_enum=False,
                create_constraint=True,
                length=40,
            ),
            nullable=False,
        ),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_duplicate_alert_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["raised_by"], ["app_user.id"], name=op.f("fk_duplicate_alert_raised_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by"],
            ["app_user.id"],
            name=op.f("fk_duplicate_alert_resolved_by_app_user"),
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["survivor.id"], name=op.f("fk_duplicate_alert_survivor_id_survivor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_alert")),
    )
    op.create_index(
        op.f("ix_duplicate_alert_organization_id"),
        "duplicate_alert",
        ["organization_id"],
        unique=False,
    )
    op.create_index(
        "ix_duplicate_alert_organization_id_created_at_id",
        "duplicate_alert",
        ["organization_id", "created_at", "id"],
        unique=False,
    )
    op.add_column("referral", sa.Column("note_to_partner_enc", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.drop_column("referral", "note_to_partner_enc")
    op.drop_index("ix_duplicate_alert_organization_id_created_at_id", table_name="duplicate_alert")
    op.drop_index(op.f("ix_duplicate_alert_organization_id"), table_name="duplicate_alert")
    op.drop_table("duplicate_alert")
    # Refuses (the check fails) while events of these actions exist: they are history.
    _allow_audit_actions([a for a in _audit_actions() if a not in NEW_ACTIONS])
