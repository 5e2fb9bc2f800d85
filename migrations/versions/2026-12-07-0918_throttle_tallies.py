"""Counted audit events and the audit action ``not_found``.

``audit_tally`` counts audit events that repeat (failed sign-ins, throttled attempts, ids that
were not found): the first of a key in a window is appended to the trail, later ones only add
to its count here. The application may insert and update counts, never delete them.

``not_found``: an authenticated caller asked for a record by id that does not exist or lies
outside her scope (one event per caller and window, counted in ``audit_tally``).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 09:18:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "shakti_app"
AUDIT_ACTIONS_0002 = (
    "create", "update", "delete", "read", "search", "export", "login", "login_failed", "logout",
    "token_refresh", "token_reuse_detected", "permission_denied", "disable", "enable",
    "secret_rotate", "verify", "share", "consent_override",
)  # fmt: skip
AUDIT_ACTIONS = (*AUDIT_ACTIONS_0002, "not_found")


def _audit_actions(actions: tuple[str, ...]) -> None:
    """Audit actions are a CHECK constraint: replace it with the given list."""
    values = ", ".join(f"'{action}'" for action in actions)
    op.execute("ALTER TABLE audit_event DROP CONSTRAINT ck_audit_event_audit_action")
    op.execute(
        "ALTER TABLE audit_event ADD CONSTRAINT ck_audit_event_audit_action "
        f"CHECK (action IN ({values}))"
    )


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "audit_tally",
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("repeat_count", sa.Integer(), nullable=False),
        sa.Column("last_occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("action", "key", "window_started_at", name=op.f("pk_audit_tally")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_tally_event_id")),
    )
    op.execute(f"REVOKE DELETE, TRUNCATE ON audit_tally FROM {APP_ROLE}")
    _audit_actions(AUDIT_ACTIONS)


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    # Refuses (the check fails) while not_found events exist: they are history.
    _audit_actions(AUDIT_ACTIONS_0002)
    op.drop_table("audit_tally")
