"""More measures rolled up: a rolled-up flow keeps its facts, and units are recomputed by key.

- ``evidence_fact``: a rolled-up flow measure's facts, as its SQL gives them, per unit to
  recompute (``rollup_key``: a case, a survivor). The cube counts them as it counts the
  measure's own rows (under her consent at each period's end), without deriving them again
  from every record (a case's stage spells from its transitions, an assessment's change from
  its baseline).
- ``evidence_piece.rollup_key``: the unit a piece is recomputed with, beside the unit it
  counts (``unit_key``): a case counts once per key field it lacks (``case_record_gaps``), and
  is recomputed as one. The consent trigger marks pieces by it. The pieces, deltas and marks
  kept so far are dropped here and built again by the next figures of each measure (every
  measure's definition changed with the new column, so they would be rebuilt anyway).
- ``evidence_mark_dirty_via``: marks the units a changed row touches through a query over the
  row, when no column of it names them (a consent names her; her cases are the units).
- ``evidence_rollup.generation`` and ``evidence_generation``: what a rolled-up measure keeps,
  and her consent to aggregate reporting, each move a generation on when they change (the
  measure's in its catch-up; her consents' by a statement trigger on ``reporting_consent``,
  which only the database writes): answers computed on one generation are given again while
  it stands (persistence/evidence/answers.py).
- The triggers that mark units for the measures rolled up now: cases closed, care plans she
  agreed, goals achieved, follow-ups done and overdue, assessment changes, days in a stage,
  legal proceedings, complete case records and their gaps, recording delays, survivors
  exploring livelihoods, monthly income; SHG savings, internal loans outstanding and principal
  repaid; entitlement applications made, received and stalled; registrations; referrals made,
  their steps and days to completion; victim compensation; survivors in SHGs; bank accounts
  opened; and, watched only (their answers dropped on a change), SHGs by grade.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.helpers import (
    RollupSource,
    create_dirty_triggers,
    create_index_concurrently,
    drop_dirty_triggers,
    set_lock_timeout,
)

APP_ROLE = "shakti_app"

revision: str = "0031"
down_revision: str | Sequence[str] | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A case's own row, its transitions, its visits, its assessments.
_CASE = ("survivor_case", "id", None, False)
_TRANSITIONS = ("case_event", "case_id", "kind = 'transition'", False)
_VISITS = ("case_visit", "case_id", None, False)
_ASSESSMENTS = ("assessment", "case_id", None, False)
_AGREEMENTS = ("care_plan_agreement", "case_id", None, False)
# Her consent to case management touches each of her cases.
_CASE_CONSENT = (
    "consent",
    "SELECT c.id FROM survivor_case c WHERE c.survivor_id = r.survivor_id",
    "purpose = 'case_management'",
    True,
)

# A self-help group's books: the group, its members, its loans, its ledger entries.
_SHG_BOOKS = (
    ("shg", "id", None, False),
    ("shg_member", "shg_id", None, False),
    ("shg_loan", "shg_id", None, False),
    ("shg_ledger_entry", "shg_id", None, False),
)

_SURVIVOR = ("survivor", "id", None, False)
_REFERRAL = ("referral", "id", None, False)
_REFERRAL_STEPS = ("referral_status_change", "referral_id", None, False)
# An application, its moves, and its scheme (a changed code touches its applications).
_APPLICATIONS = (
    ("entitlement_application", "id", None, False),
    ("entitlement_status_change", "application_id", None, False),
    ("scheme", "SELECT a.id FROM entitlement_application a WHERE a.scheme_id = r.id", None, True),
)

# (measure, table, the unit's column or, when ``via``, a query over the changed row ``r``,
# which rows matter, via). As the measures' ``Rollup.sources`` say
# (tests/test_evidence_rollup.py checks both agree).
ROLLUP_SOURCES: tuple[RollupSource, ...] = tuple(
    (measure, *source)
    for measure, sources in (
        ("case_closures", (_CASE, _TRANSITIONS)),
        ("agreed_plans", (_CASE, _TRANSITIONS, _AGREEMENTS)),
        ("goals_achieved", (_CASE, ("care_plan_goal", "case_id", None, False))),
        ("followups_done", (_CASE, _VISITS)),
        ("followups_overdue", (_CASE, _VISITS)),
        (
            "assessment_changes",
            (
                _CASE,
                _ASSESSMENTS,
                (
                    "assessment_instrument",
                    "SELECT a.case_id FROM assessment a WHERE a.instrument_id = r.id",
                    None,
                    True,
                ),
            ),
        ),
        ("case_stage_days", (_CASE, _TRANSITIONS)),
        (
            "legal_proceedings",
            (
                _CASE,
                ("legal_proceeding", "case_id", None, False),
                ("case_event", "case_id", "kind = 'legal'", False),
            ),
        ),
        ("complete_case_records", (_CASE, _TRANSITIONS, _CASE_CONSENT)),
        ("case_record_gaps", (_CASE, _TRANSITIONS, _CASE_CONSENT)),
        ("recording_delays", (_CASE, _VISITS, _ASSESSMENTS, _AGREEMENTS)),
        (
            "livelihood_explorers",
            (
                _SURVIVOR,
                ("livelihood_plan", "survivor_id", None, False),
                ("livelihood_activity", "survivor_id", None, False),
            ),
        ),
        (
            "monthly_income",
            (_SURVIVOR, ("income_record", "survivor_id", None, False)),
        ),
        ("shg_savings", _SHG_BOOKS),
        ("shg_loans_outstanding", _SHG_BOOKS),
        ("shg_principal_repaid", _SHG_BOOKS),
        ("entitlement_stalls", _APPLICATIONS),
        ("entitlement_applications", _APPLICATIONS),
        ("entitlement_receipts", _APPLICATIONS),
        ("registrations", (_SURVIVOR,)),
        ("referrals", (_REFERRAL,)),
        ("referral_steps", (_REFERRAL, _REFERRAL_STEPS)),
        ("referral_completion_days", (_REFERRAL, _REFERRAL_STEPS)),
        ("compensation", (_CASE, ("legal_proceeding", "case_id", None, False))),
        (
            "shg_survivors",
            (
                _SURVIVOR,
                ("shg_member", "survivor_id", None, False),
                ("shg", "SELECT m.survivor_id FROM shg_member m WHERE m.shg_id = r.id", None, True),
            ),
        ),
        ("bank_accounts_opened", (_SURVIVOR, ("financial_inclusion", "survivor_id", None, False))),
        # Watched, not rolled up: a change drops the answers kept.
        (
            "shg_grades",
            (
                *_SHG_BOOKS,
                ("shg_meeting", "shg_id", None, False),
                ("shg_attendance", "meeting_id", None, False),
                ("shg_loan_instalment", "loan_id", None, False),
                ("shg_grading_rule", "id", None, False),
            ),
        ),
    )
    for source in sources
)

MARK_DIRTY_VIA = """
CREATE FUNCTION evidence_mark_dirty_via() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    wanted text := COALESCE(NULLIF(TG_ARGV[2], ''), 'true');
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format(
            'INSERT INTO evidence_dirty (measure, unit_key) SELECT DISTINCT %L, u.unit'
            ' FROM new_rows r CROSS JOIN LATERAL (%s) AS u(unit)'
            ' WHERE u.unit IS NOT NULL AND (%s)',
            TG_ARGV[0], TG_ARGV[1], wanted);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format(
            'INSERT INTO evidence_dirty (measure, unit_key) SELECT DISTINCT %L, u.unit'
            ' FROM old_rows r CROSS JOIN LATERAL (%s) AS u(unit)'
            ' WHERE u.unit IS NOT NULL AND (%s)',
            TG_ARGV[0], TG_ARGV[1], wanted);
    END IF;
    RETURN NULL;
END
$$
"""


def _consent_dirty(key: str) -> str:
    """A change of her days of consent touches every piece of hers, in every rolled-up
    stock, by the key pieces are recomputed with."""
    return f"""
CREATE OR REPLACE FUNCTION evidence_consent_dirty() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO evidence_dirty (measure, unit_key)
        SELECT DISTINCT p.measure, p.{key} FROM evidence_piece p
         WHERE p.survivor_id IN (SELECT r.survivor_id FROM new_rows r);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO evidence_dirty (measure, unit_key)
        SELECT DISTINCT p.measure, p.{key} FROM evidence_piece p
         WHERE p.survivor_id IN (SELECT r.survivor_id FROM old_rows r);
    END IF;
    RETURN NULL;
END
$$
"""


CONSENT_GENERATION = """
CREATE FUNCTION evidence_consent_generation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
    UPDATE evidence_generation SET generation = generation + 1
     WHERE name = 'reporting_consent';
    RETURN NULL;
END
$$
"""
GENERATION_TRIGGERS = {
    "evidence_consent_generation_write": (
        "AFTER INSERT OR UPDATE OR DELETE ON reporting_consent FOR EACH STATEMENT"
    ),
    "evidence_consent_generation_truncate": (
        "AFTER TRUNCATE ON reporting_consent FOR EACH STATEMENT"
    ),
}


def _clear_rollups() -> None:
    op.execute(
        "TRUNCATE evidence_piece, evidence_delta, evidence_month_delta, evidence_dirty,"
        " evidence_rollup"
    )


def upgrade() -> None:
    set_lock_timeout()
    _clear_rollups()
    op.add_column("evidence_piece", sa.Column("rollup_key", sa.Uuid(), nullable=False))
    op.execute(_consent_dirty("rollup_key"))
    op.create_table(
        "evidence_fact",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("measure", sa.String(length=60), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("rollup_key", sa.Uuid(), nullable=False),
        sa.Column("unit_key", sa.Uuid(), nullable=False),
        sa.Column("survivor_id", sa.Uuid(), nullable=True),
        sa.Column("person_key", sa.Uuid(), nullable=True),
        sa.Column("district_id", sa.Uuid(), nullable=True),
        sa.Column("block_id", sa.Uuid(), nullable=True),
        sa.Column("dims", postgresql.ARRAY(sa.String(length=80)), nullable=False),
        sa.Column("amount", sa.Numeric(), nullable=True),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_fact")),
    )
    op.create_index(
        "ix_evidence_fact_measure_organization_id_on_date",
        "evidence_fact",
        ["measure", "organization_id", "on_date"],
    )
    op.create_index(
        "ix_evidence_fact_measure_rollup_key", "evidence_fact", ["measure", "rollup_key"]
    )
    op.add_column(
        "evidence_rollup",
        sa.Column("generation", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.create_table(
        "evidence_generation",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("generation", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_evidence_generation")),
    )
    op.execute("INSERT INTO evidence_generation (name) VALUES ('reporting_consent')")
    op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON evidence_generation FROM {APP_ROLE}")
    op.execute(CONSENT_GENERATION)
    for name, when in GENERATION_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION evidence_consent_generation()")
    op.execute(MARK_DIRTY_VIA)
    create_dirty_triggers(ROLLUP_SOURCES)
    # Pieces are recomputed by this key now; the index by the unit counted is not needed.
    op.drop_index("ix_evidence_piece_measure_unit_key", table_name="evidence_piece")
    create_index_concurrently(
        "ix_evidence_piece_measure_rollup_key", "evidence_piece", ["measure", "rollup_key"]
    )


def downgrade() -> None:
    set_lock_timeout()
    drop_dirty_triggers(ROLLUP_SOURCES)
    op.execute("DROP FUNCTION evidence_mark_dirty_via()")
    for name in GENERATION_TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON reporting_consent")
    op.execute("DROP FUNCTION evidence_consent_generation()")
    op.drop_table("evidence_generation")
    op.drop_column("evidence_rollup", "generation")
    op.drop_index("ix_evidence_fact_measure_rollup_key", table_name="evidence_fact")
    op.drop_index("ix_evidence_fact_measure_organization_id_on_date", table_name="evidence_fact")
    op.drop_table("evidence_fact")
    _clear_rollups()
    op.execute(_consent_dirty("unit_key"))
    op.drop_index("ix_evidence_piece_measure_rollup_key", table_name="evidence_piece")
    op.drop_column("evidence_piece", "rollup_key")
    create_index_concurrently(
        "ix_evidence_piece_measure_unit_key", "evidence_piece", ["measure", "unit_key"]
    )
