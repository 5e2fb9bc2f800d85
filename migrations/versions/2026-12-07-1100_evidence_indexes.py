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
- A partial index of case transitions, holding what the case-stage and closure measures read,
  so that they scan the transitions in case order without the rest of the case events.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op
from sqlalchemy.dialects import postgresql

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


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.drop_index("ix_case_event_transition_case_id_occurred_at_id", table_name="case_event")
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON consent")
    op.execute("DROP FUNCTION reporting_consent_refresh()")
    op.execute("DROP FUNCTION consent_in_force_days(text, uuid[])")
    op.drop_index("ix_reporting_consent_organization_id", table_name="reporting_consent")
    op.drop_table("reporting_consent")
