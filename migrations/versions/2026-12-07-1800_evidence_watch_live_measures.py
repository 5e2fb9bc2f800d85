"""Every measure's answers kept: the measures still computed live are watched.

The nineteen measures that are neither rolled up nor watched (SHGs formed and their meetings,
trainings and their participants and score gains, demands raised and disposed, leader group
meetings, campaigns and their reach, duty-bearer commitments, their follow-ups and those
overdue, identifications and the cases they became, safety reports, partners by onboarding
stage and their states, advocacy actions) were computed on every request: a dashboard paid for
them each time. Now each is *watched* (``Measure.watch``, as SHGs by grade since revision
0031): a change to any row of a table it reads marks it (by the row's id), and the answers kept
for it (revision 0033) are computed again after that, by the worker or the next request.

The triggers are those of revisions 0031 and 0034 (``migrations.helpers``).

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 18:00:00
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

revision: str = "0035"
down_revision: str | Sequence[str] | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As the measures' ``watch`` says (tests/test_evidence_rollup.py checks both agree).
WATCHED: dict[str, tuple[str, ...]] = {
    "shgs_formed": ("shg",),
    "shg_meetings": ("shg", "shg_meeting"),
    "trainings": ("training",),
    "training_participants": ("survivor", "training", "training_participant"),
    "training_score_gains": ("survivor", "training", "training_participant"),
    "demands_raised": ("demand",),
    "demands_disposed": ("demand",),
    "leader_group_meetings": ("leader_group", "leader_group_meeting"),
    "campaigns": ("campaign",),
    "campaign_reach": ("campaign",),
    "commitments": ("duty_bearer_commitment", "duty_bearer_engagement"),
    "commitment_follow_ups": ("duty_bearer_commitment", "duty_bearer_engagement"),
    "overdue_commitments": ("duty_bearer_commitment", "duty_bearer_engagement"),
    "identifications": ("identification_referral", "leader_group_member"),
    "identification_cases": ("identification_referral", "leader_group_member", "survivor_case"),
    "safety_reports": ("leader_group_member", "safety_report"),
    "partner_stages": ("partner_onboarding", "partner_onboarding_stage_change"),
    "partner_states": ("partner_onboarding", "partner_onboarding_stage_change"),
    "advocacy_actions": ("advocacy_action",),
}
SOURCES: tuple[RollupSource, ...] = tuple(
    (measure, table, "id", None, False) for measure, tables in WATCHED.items() for table in tables
)


def upgrade() -> None:
    set_lock_timeout()
    create_dirty_triggers(SOURCES)


def downgrade() -> None:
    set_lock_timeout()
    drop_dirty_triggers(SOURCES)
    measures = ", ".join(f"'{measure}'" for measure in WATCHED)
    op.execute(f"DELETE FROM evidence_dirty WHERE measure IN ({measures})")
    op.execute(f"DELETE FROM evidence_answer WHERE measure IN ({measures})")
    op.execute(f"DELETE FROM evidence_rollup WHERE measure IN ({measures})")
