"""Two more measures rolled up: SHG principal falling due, and leaders trained.

- ``shg_principal_due`` (the denominator of the loan repayment rate): its facts are kept per
  group (its loans, their members, their schedules); an instalment names its loan, and
  through it the group. Its facts after today are no longer cut by the measure's SQL but by
  the cube (``Measure.not_after_today``), so they can be kept.
- ``leader_training_completions`` (leaders trained): kept per participation; a training, an
  account whose role is (or was) survivor_leader, and a leader group membership (by its
  account or her survivor record) name the participations they touch.

The triggers that mark their units, as for the measures of revision 0031
(``migrations.helpers.create_dirty_triggers``). Any roll-up kept of the two is dropped, so
their next figures build it afresh.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from migrations.helpers import (
    RollupSource,
    create_dirty_triggers,
    drop_dirty_triggers,
    set_lock_timeout,
)

revision: str = "0034"
down_revision: str | Sequence[str] | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MEASURES = ("shg_principal_due", "leader_training_completions")

# As the measures' ``Rollup.sources`` say (tests/test_evidence_rollup.py checks both agree).
ROLLUP_SOURCES: tuple[RollupSource, ...] = (
    ("shg_principal_due", "shg", "id", None, False),
    ("shg_principal_due", "shg_member", "shg_id", None, False),
    ("shg_principal_due", "shg_loan", "shg_id", None, False),
    (
        "shg_principal_due",
        "shg_loan_instalment",
        "SELECT l.shg_id FROM shg_loan l WHERE l.id = r.loan_id",
        None,
        True,
    ),
    ("leader_training_completions", "training_participant", "id", None, False),
    (
        "leader_training_completions",
        "training",
        "SELECT p.id FROM training_participant p WHERE p.training_id = r.id",
        None,
        True,
    ),
    (
        "leader_training_completions",
        "app_user",
        "SELECT p.id FROM training_participant p WHERE p.user_id = r.id",
        "role = 'survivor_leader'",
        True,
    ),
    (
        "leader_training_completions",
        "leader_group_member",
        "SELECT p.id FROM training_participant p WHERE p.user_id = r.user_id"
        " UNION SELECT p.id FROM training_participant p WHERE p.survivor_id = r.survivor_id",
        None,
        True,
    ),
)


def _forget_rollups() -> None:
    """What is kept of the two measures: built afresh by their next figures (upgrade), or
    no longer read (downgrade)."""
    for table in ("evidence_dirty", "evidence_fact", "evidence_answer", "evidence_rollup"):
        op.execute(
            f"DELETE FROM {table} WHERE measure IN ({', '.join(repr(code) for code in MEASURES)})"
        )


def upgrade() -> None:
    set_lock_timeout()
    create_dirty_triggers(ROLLUP_SOURCES)
    _forget_rollups()


def downgrade() -> None:
    set_lock_timeout()
    drop_dirty_triggers(ROLLUP_SOURCES)
    _forget_rollups()
