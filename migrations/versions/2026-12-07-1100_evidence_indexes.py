"""Evidence at scale: survivors' consent to aggregate reporting kept as days in force, and the
indexes the measures read through (bench/evidence.py, 100,000 survivors and 1M case events).

- ``consent_in_force_days(purpose, survivors)``: the one rule of a consent's history. A
  revision is in force from the business day it was given (Asia/Kolkata) until the day it was
  withdrawn, expired or superseded by the next revision (whichever comes first); a revision
  given on day D counts at the end of D, one withdrawn on day D no longer does. Per survivor:
  the days, as a ``datemultirange`` (D is in force when ``lower <= D < upper``).
- ``reporting_consent``: that rule's answer for aggregate reporting, one row per survivor,
  recomputed by statement triggers on ``consent`` in the same transaction as any change to a
  survivor's aggregate-reporting consents (under a transaction lock per survivor, so that two
  concurrent changes cannot leave it behind). Every figure reads it instead of recomputing the
  rule for every survivor. The app role reads it and cannot write it.
- A partial index of case transitions, holding what the case-stage measure reads, so that it
  scans the transitions in case order without the rest of the case events; and one of
  closures alone, holding what the closure measure reads.
- Rolled-up stock measures (persistence/evidence/rollup.py): ``evidence_piece`` (each fact's
  stretches, cut by her consent), ``evidence_delta`` (per day and cell, the consented pieces
  starting less those ending, kept by a statement trigger on the pieces; and
  ``evidence_month_delta``, the same summed per calendar month), ``evidence_dirty``
  (units whose pieces must be recomputed, marked by statement triggers on the tables each
  measure reads, and on ``reporting_consent``, in the same transaction as the change) and
  ``evidence_rollup`` (which measures were built, from which definition). The app computes
  pieces (it holds the measures' SQL) before it reads a measure's figures.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op
from sqlalchemy.dialects import postgresql

from migrations.helpers import dirty_triggers

revision: str = "0022"
down_revision: str | Sequence[str] | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "shakti_app"
PURPOSE = "aggregate_reporting"

IN_FORCE_DAYS = """
CREATE FUNCTION consent_in_force_days(wanted text, survivors uuid[])
RETURNS TABLE (survivor_id uuid, organization_id uuid, days datemultirange)
LANGUAGE sql STABLE
AS $$
    SELECT k.survivor_id, k.organization_id, range_agg(daterange(k.given, k.ended))
      FROM (SELECT k.survivor_id, k.organization_id,
                   ((k.given_at) AT TIME ZONE INTERVAL '+05:30')::date AS given,
                   ((LEAST(k.withdrawn_at, k.expires_at,
                           lead(k.given_at) OVER (PARTITION BY k.survivor_id
                                                  ORDER BY k.revision, k.given_at)))
                    AT TIME ZONE INTERVAL '+05:30')::date AS ended
              FROM consent k
             WHERE k.purpose = wanted AND k.deleted_at IS NULL
               AND (survivors IS NULL OR k.survivor_id = ANY(survivors))) k
     WHERE k.ended IS NULL OR k.ended > k.given
     GROUP BY k.survivor_id, k.organization_id
$$
"""

# One function for the four triggers: the transition tables a statement has (new_rows for
# INSERT and UPDATE, old_rows for UPDATE and DELETE) name the survivors to recompute.
REFRESH = f"""
CREATE FUNCTION reporting_consent_refresh() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    touched uuid[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM reporting_consent;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n.survivor_id) INTO touched
          FROM new_rows n WHERE n.purpose = '{PURPOSE}';
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT o.survivor_id) INTO touched
          FROM old_rows o WHERE o.purpose = '{PURPOSE}';
    ELSE
        SELECT array_agg(DISTINCT s) INTO touched
          FROM (SELECT n.survivor_id AS s FROM new_rows n WHERE n.purpose = '{PURPOSE}'
                UNION SELECT o.survivor_id FROM old_rows o WHERE o.purpose = '{PURPOSE}') x;
    END IF;
    IF touched IS NULL THEN
        RETURN NULL;
    END IF;
    -- One survivor's changes at a time (in one order, against deadlocks): the recomputation
    -- below then sees every change committed before it.
    PERFORM pg_advisory_xact_lock(hashtext('reporting_consent'), hashtext(s::text))
       FROM unnest(touched) s ORDER BY s;
    DELETE FROM reporting_consent r WHERE r.survivor_id = ANY(touched);
    INSERT INTO reporting_consent (survivor_id, organization_id, days)
    SELECT d.survivor_id, d.organization_id, d.days
      FROM consent_in_force_days('{PURPOSE}', touched) d;
    RETURN NULL;
END
$$
"""

# Units a change touches, marked for recomputation: measure, column naming the unit, and an
# optional condition over the row, from the trigger's arguments; the transition tables a
# statement has (new_rows, old_rows) hold the rows.
MARK_DIRTY = """
CREATE FUNCTION evidence_mark_dirty() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    wanted text := COALESCE(TG_ARGV[2], 'true');
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        EXECUTE format(
            'INSERT INTO evidence_dirty (measure, unit_key) SELECT DISTINCT %L, r.%I'
            ' FROM new_rows r WHERE r.%I IS NOT NULL AND (%s)',
            TG_ARGV[0], TG_ARGV[1], TG_ARGV[1], wanted);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        EXECUTE format(
            'INSERT INTO evidence_dirty (measure, unit_key) SELECT DISTINCT %L, r.%I'
            ' FROM old_rows r WHERE r.%I IS NOT NULL AND (%s)',
            TG_ARGV[0], TG_ARGV[1], TG_ARGV[1], wanted);
    END IF;
    RETURN NULL;
END
$$
"""

# A change of her days of consent touches every piece of hers, in every rolled-up measure.
CONSENT_DIRTY = """
CREATE FUNCTION evidence_consent_dirty() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO evidence_dirty (measure, unit_key)
        SELECT DISTINCT p.measure, p.unit_key FROM evidence_piece p
         WHERE p.survivor_id IN (SELECT r.survivor_id FROM new_rows r);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO evidence_dirty (measure, unit_key)
        SELECT DISTINCT p.measure, p.unit_key FROM evidence_piece p
         WHERE p.survivor_id IN (SELECT r.survivor_id FROM old_rows r);
    END IF;
    RETURN NULL;
END
$$
"""

# The deltas of the consented pieces a statement adds (+) or removes (-).
PIECE_DELTAS = """
CREATE FUNCTION evidence_piece_deltas() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    direction int := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
BEGIN
    WITH deltas AS (
        SELECT x.measure, x.organization_id, x.day, x.district_id, x.block_id, x.dims,
               sum(x.n) AS n, sum(x.amount) AS amount
          FROM (SELECT p.measure, p.organization_id, lower(p.stretch) AS day, p.district_id,
                       p.block_id, p.dims, direction AS n, direction * p.amount AS amount
                  FROM changed p WHERE p.consented
                UNION ALL
                SELECT p.measure, p.organization_id, upper(p.stretch), p.district_id,
                       p.block_id, p.dims, -direction, -direction * p.amount
                  FROM changed p WHERE p.consented AND upper(p.stretch) IS NOT NULL) x
         GROUP BY x.measure, x.organization_id, x.day, x.district_id, x.block_id, x.dims
    ), daily AS (
        INSERT INTO evidence_delta AS d
               (measure, organization_id, day, district_id, block_id, dims, n, amount)
        SELECT c.measure, c.organization_id, c.day, c.district_id, c.block_id, c.dims, c.n,
               c.amount
          FROM deltas c
        ON CONFLICT (measure, organization_id, day, district_id, block_id, dims) DO UPDATE
           SET n = d.n + EXCLUDED.n,
               amount = CASE WHEN d.amount IS NULL AND EXCLUDED.amount IS NULL THEN NULL
                             ELSE COALESCE(d.amount, 0) + COALESCE(EXCLUDED.amount, 0) END
    )
    INSERT INTO evidence_month_delta AS d
           (measure, organization_id, month, district_id, block_id, dims, n, amount)
    SELECT c.measure, c.organization_id, date_trunc('month', c.day)::date, c.district_id,
           c.block_id, c.dims, sum(c.n), sum(c.amount)
      FROM deltas c
     GROUP BY c.measure, c.organization_id, date_trunc('month', c.day)::date, c.district_id,
              c.block_id, c.dims
    ON CONFLICT (measure, organization_id, month, district_id, block_id, dims) DO UPDATE
       SET n = d.n + EXCLUDED.n,
           amount = CASE WHEN d.amount IS NULL AND EXCLUDED.amount IS NULL THEN NULL
                         ELSE COALESCE(d.amount, 0) + COALESCE(EXCLUDED.amount, 0) END;
    RETURN NULL;
END
$$
"""

# Rolled-up measures and the tables they read (persistence/evidence/measures: each measure's
# ``rollup``; a test checks the two agree): measure, table, unit column, condition.
ROLLUP_SOURCES = (
    ("survivors", "survivor", "id", None),
    ("case_stages", "survivor_case", "id", None),
    ("case_stages", "case_event", "case_id", "kind = 'transition'"),
)


TRIGGERS = {
    "consent_reporting_insert": "AFTER INSERT ON consent REFERENCING NEW TABLE AS new_rows",
    "consent_reporting_update": (
        "AFTER UPDATE ON consent REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    ),
    "consent_reporting_delete": "AFTER DELETE ON consent REFERENCING OLD TABLE AS old_rows",
    "consent_reporting_truncate": "AFTER TRUNCATE ON consent",
}


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.create_table(
        "reporting_consent",
        sa.Column("survivor_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("days", postgresql.DATEMULTIRANGE(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_reporting_consent_organization_id_organization"),
        ),
        sa.ForeignKeyConstraint(
            ["survivor_id"],
            ["survivor.id"],
            name=op.f("fk_reporting_consent_survivor_id_survivor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("survivor_id", name=op.f("pk_reporting_consent")),
    )
    op.create_index(
        "ix_reporting_consent_organization_id",
        "reporting_consent",
        ["organization_id"],
        unique=False,
    )
    op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON reporting_consent FROM {APP_ROLE}")
    op.execute(IN_FORCE_DAYS)
    op.execute(REFRESH)
    for name, when in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT "
            "EXECUTE FUNCTION reporting_consent_refresh()"
        )
    op.execute(
        "INSERT INTO reporting_consent (survivor_id, organization_id, days) "
        f"SELECT survivor_id, organization_id, days FROM consent_in_force_days('{PURPOSE}', NULL)"
    )
    op.create_index(
        "ix_case_event_transition_case_id_occurred_at_id",
        "case_event",
        ["case_id", "occurred_at", "id"],
        unique=False,
        postgresql_include=["organization_id", "detail"],
        postgresql_where=sa.text("kind = 'transition'"),
    )
    op.create_index(
        "ix_case_event_closure_organization_id_occurred_at",
        "case_event",
        ["organization_id", "occurred_at"],
        unique=False,
        postgresql_include=["id", "case_id", "detail"],
        postgresql_where=sa.text("kind = 'transition' AND (detail ->> 'to') = 'closed'"),
    )
    _create_rollups()


def _create_rollups() -> None:
    op.create_table(
        "evidence_piece",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("measure", sa.String(length=60), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("unit_key", sa.Uuid(), nullable=False),
        sa.Column("survivor_id", sa.Uuid(), nullable=True),
        sa.Column("district_id", sa.Uuid(), nullable=True),
        sa.Column("block_id", sa.Uuid(), nullable=True),
        sa.Column("dims", postgresql.ARRAY(sa.String(length=80)), nullable=False),
        sa.Column("amount", sa.Numeric(), nullable=True),
        sa.Column("stretch", postgresql.DATERANGE(), nullable=False),
        sa.Column("consented", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_piece")),
    )
    op.create_index("ix_evidence_piece_measure_unit_key", "evidence_piece", ["measure", "unit_key"])
    op.create_index("ix_evidence_piece_survivor_id", "evidence_piece", ["survivor_id"])
    op.create_index(
        "ix_evidence_piece_measure_organization_id_unconsented",
        "evidence_piece",
        ["measure", "organization_id"],
        postgresql_where=sa.text("NOT consented"),
    )
    op.create_table(
        "evidence_delta",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("measure", sa.String(length=60), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("district_id", sa.Uuid(), nullable=True),
        sa.Column("block_id", sa.Uuid(), nullable=True),
        sa.Column("dims", postgresql.ARRAY(sa.String(length=80)), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_delta")),
    )
    op.create_index(
        "uq_evidence_delta_cell",
        "evidence_delta",
        ["measure", "organization_id", "day", "district_id", "block_id", "dims"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.create_table(
        "evidence_month_delta",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("measure", sa.String(length=60), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("district_id", sa.Uuid(), nullable=True),
        sa.Column("block_id", sa.Uuid(), nullable=True),
        sa.Column("dims", postgresql.ARRAY(sa.String(length=80)), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_month_delta")),
    )
    op.create_index(
        "uq_evidence_month_delta_cell",
        "evidence_month_delta",
        ["measure", "organization_id", "month", "district_id", "block_id", "dims"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    op.create_table(
        "evidence_dirty",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("measure", sa.String(length=60), nullable=False),
        sa.Column("unit_key", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_dirty")),
    )
    op.create_index("ix_evidence_dirty_measure", "evidence_dirty", ["measure"])
    op.create_table(
        "evidence_rollup",
        sa.Column("measure", sa.String(length=60), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("measure", name=op.f("pk_evidence_rollup")),
    )
    op.execute(MARK_DIRTY)
    op.execute(CONSENT_DIRTY)
    op.execute(PIECE_DELTAS)
    for measure, table, unit, condition in ROLLUP_SOURCES:
        arguments = f"'{measure}', '{unit}'" + (
            "" if condition is None else ", '" + condition.replace("'", "''") + "'"
        )
        for name, when in dirty_triggers(measure, table).items():
            op.execute(
                f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION evidence_mark_dirty({arguments})"
            )
    for name, when in dirty_triggers("consent", "reporting_consent").items():
        op.execute(
            f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT "
            "EXECUTE FUNCTION evidence_consent_dirty()"
        )
    op.execute(
        "CREATE TRIGGER evidence_piece_added AFTER INSERT ON evidence_piece "
        "REFERENCING NEW TABLE AS changed FOR EACH STATEMENT "
        "EXECUTE FUNCTION evidence_piece_deltas()"
    )
    op.execute(
        "CREATE TRIGGER evidence_piece_removed AFTER DELETE ON evidence_piece "
        "REFERENCING OLD TABLE AS changed FOR EACH STATEMENT "
        "EXECUTE FUNCTION evidence_piece_deltas()"
    )


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    for measure, table, _unit, _condition in ROLLUP_SOURCES:
        for name in dirty_triggers(measure, table):
            op.execute(f"DROP TRIGGER {name} ON {table}")
    for name in dirty_triggers("consent", "reporting_consent"):
        op.execute(f"DROP TRIGGER {name} ON reporting_consent")
    op.drop_table("evidence_rollup")
    op.drop_index("ix_evidence_dirty_measure", table_name="evidence_dirty")
    op.drop_table("evidence_dirty")
    op.drop_index("uq_evidence_month_delta_cell", table_name="evidence_month_delta")
    op.drop_table("evidence_month_delta")
    op.drop_index("uq_evidence_delta_cell", table_name="evidence_delta")
    op.drop_table("evidence_delta")
    op.drop_index(
        "ix_evidence_piece_measure_organization_id_unconsented", table_name="evidence_piece"
    )
    op.drop_index("ix_evidence_piece_survivor_id", table_name="evidence_piece")
    op.drop_index("ix_evidence_piece_measure_unit_key", table_name="evidence_piece")
    op.drop_table("evidence_piece")
    op.execute("DROP FUNCTION evidence_piece_deltas()")
    op.execute("DROP FUNCTION evidence_consent_dirty()")
    op.execute("DROP FUNCTION evidence_mark_dirty()")
    op.drop_index("ix_case_event_closure_organization_id_occurred_at", table_name="case_event")
    op.drop_index("ix_case_event_transition_case_id_occurred_at_id", table_name="case_event")
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON consent")
    op.execute("DROP FUNCTION reporting_consent_refresh()")
    op.execute("DROP FUNCTION consent_in_force_days(text, uuid[])")
    op.drop_index("ix_reporting_consent_organization_id", table_name="reporting_consent")
    op.drop_table("reporting_consent")
