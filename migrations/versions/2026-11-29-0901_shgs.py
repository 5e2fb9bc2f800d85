"""Self-help groups: the shared default Panchasutra grading rules, seeded as data.

Grading thresholds are configuration: this row (``organization_id`` NULL) grades the groups of
every organisation that has not set its own (``PUT /api/v1/shgs/grading-rules``). The values
follow DAY-NRLM practice and the example grid of the domain reference (attendance 90-100 % A,
60-89 % B; over 80 % of loans repaid on schedule; RF about 3 months after formation, CIF after
6); they are marked "check" there, so they live here as data and change without a release.
No schema change.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 09:01:00
"""

import json
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.helpers import set_lock_timeout

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The same id on every installation.
DEFAULT_RULE_ID = uuid.uuid5(uuid.NAMESPACE_URL, "https://shakti-mis.org/shg-grading-rule/default")
DEFAULT_RULES = {
    "window_months": 6,
    "regular_meetings": {"a": 90, "b": 60},
    "regular_savings": {"a": 90, "b": 60},
    "internal_lending": {"a": 60, "b": 30},
    "timely_repayment": {"a": 80, "b": 60},
    "books_up_to_date": {"a": 90, "b": 60},
    "grade_a_min_score": 80,
    "grade_b_min_score": 50,
    "revolving_fund": {"min_age_months": 3, "min_grade": "B", "requires_revolving_fund": False},
    "community_investment_fund": {
        "min_age_months": 6,
        "min_grade": "A",
        "requires_revolving_fund": True,
    },
}


def upgrade() -> None:
    set_lock_timeout()
    op.execute(
        sa.text(
            "INSERT INTO shg_grading_rule (id, organization_id, rules) "
            "VALUES (:id, NULL, CAST(:rules AS jsonb)) ON CONFLICT (id) DO NOTHING"
        ).bindparams(id=DEFAULT_RULE_ID, rules=json.dumps(DEFAULT_RULES))
    )


def downgrade() -> None:
    set_lock_timeout()
    op.execute(
        sa.text("DELETE FROM shg_grading_rule WHERE id = :id").bindparams(id=DEFAULT_RULE_ID)
    )
