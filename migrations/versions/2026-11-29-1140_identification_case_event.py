"""Case events of kind ``identification``: a survivor leader's identification referral that
became the case now starts the case's progress map.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 11:40:00
"""

from collections.abc import Sequence

from alembic import op

from migrations.helpers import set_lock_timeout

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONSTRAINT = "ck_case_event_case_event_kind"
BEFORE = (
    "opened",
    "transition",
    "reassignment",
    "assessment",
    "goal",
    "plan_agreement",
    "referral",
    "visit",
    "legal",
)
AFTER = (*BEFORE, "identification")


def _allow(kinds: Sequence[str]) -> None:
    op.drop_constraint(op.f(CONSTRAINT), "case_event", type_="check")
    listed = ", ".join(f"'{kind}'" for kind in kinds)
    op.create_check_constraint(op.f(CONSTRAINT), "case_event", f"kind IN ({listed})")


def upgrade() -> None:
    set_lock_timeout()
    _allow(AFTER)


def downgrade() -> None:
    set_lock_timeout()
    # Refuses (the check fails) while identification events exist: they are history.
    _allow(BEFORE)
