"""An UPDATE marks each unit it touches once.

The statement triggers that mark units for the roll-ups (``evidence_mark_dirty`` of revision
0022, ``evidence_mark_dirty_via`` and ``evidence_consent_dirty`` of revision 0031) read an
UPDATE's new rows and then its old rows in two inserts, so a unit whose row kept its unit was
marked twice: no figure was wrong (catch-ups take distinct units), but every UPDATE of a rolled
table wrote twice the marks it needed. Now an UPDATE reads its old and new rows together and
marks each unit once; an INSERT (new rows) and a DELETE (old rows) are as before.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from migrations.helpers import set_lock_timeout

revision: str = "0036"
down_revision: str | Sequence[str] | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The rows a statement touched, by its kind: an UPDATE's old and new rows together.
TOUCHED_ROWS = """
    touched text := CASE TG_OP
        WHEN 'INSERT' THEN 'new_rows'
        WHEN 'DELETE' THEN 'old_rows'
        ELSE '(SELECT * FROM new_rows UNION ALL SELECT * FROM old_rows)'
    END;"""

MARK_DIRTY = f"""
CREATE OR REPLACE FUNCTION evidence_mark_dirty() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    wanted text := COALESCE(TG_ARGV[2], 'true');{TOUCHED_ROWS}
BEGIN
    EXECUTE format(
        'INSERT INTO evidence_dirty (measure, unit_key) SELECT DISTINCT %L, r.%I'
        ' FROM %s r WHERE r.%I IS NOT NULL AND (%s)',
        TG_ARGV[0], TG_ARGV[1], touched, TG_ARGV[1], wanted);
    RETURN NULL;
END
$$
"""

MARK_DIRTY_VIA = f"""
CREATE OR REPLACE FUNCTION evidence_mark_dirty_via() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    wanted text := COALESCE(NULLIF(TG_ARGV[2], ''), 'true');{TOUCHED_ROWS}
BEGIN
    EXECUTE format(
        'INSERT INTO evidence_dirty (measure, unit_key) SELECT DISTINCT %L, u.unit'
        ' FROM %s r CROSS JOIN LATERAL (%s) AS u(unit)'
        ' WHERE u.unit IS NOT NULL AND (%s)',
        TG_ARGV[0], touched, TG_ARGV[1], wanted);
    RETURN NULL;
END
$$
"""

CONSENT_DIRTY = """
CREATE OR REPLACE FUNCTION evidence_consent_dirty() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO evidence_dirty (measure, unit_key)
        SELECT DISTINCT p.measure, p.rollup_key FROM evidence_piece p
         WHERE p.survivor_id IN (SELECT r.survivor_id FROM new_rows r);
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO evidence_dirty (measure, unit_key)
        SELECT DISTINCT p.measure, p.rollup_key FROM evidence_piece p
         WHERE p.survivor_id IN (SELECT r.survivor_id FROM old_rows r);
    ELSE
        INSERT INTO evidence_dirty (measure, unit_key)
        SELECT DISTINCT p.measure, p.rollup_key FROM evidence_piece p
         WHERE p.survivor_id IN (SELECT r.survivor_id FROM new_rows r
                                 UNION ALL SELECT r.survivor_id FROM old_rows r);
    END IF;
    RETURN NULL;
END
$$
"""

# As revisions 0022 and 0031 left them (for the downgrade).
PREVIOUS_MARK_DIRTY = """
CREATE OR REPLACE FUNCTION evidence_mark_dirty() RETURNS trigger
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

PREVIOUS_MARK_DIRTY_VIA = """
CREATE OR REPLACE FUNCTION evidence_mark_dirty_via() RETURNS trigger
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

PREVIOUS_CONSENT_DIRTY = """
CREATE OR REPLACE FUNCTION evidence_consent_dirty() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO evidence_dirty (measure, unit_key)
        SELECT DISTINCT p.measure, p.rollup_key FROM evidence_piece p
         WHERE p.survivor_id IN (SELECT r.survivor_id FROM new_rows r);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO evidence_dirty (measure, unit_key)
        SELECT DISTINCT p.measure, p.rollup_key FROM evidence_piece p
         WHERE p.survivor_id IN (SELECT r.survivor_id FROM old_rows r);
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    set_lock_timeout()
    for definition in (MARK_DIRTY, MARK_DIRTY_VIA, CONSENT_DIRTY):
        op.execute(definition)


def downgrade() -> None:
    set_lock_timeout()
    for definition in (PREVIOUS_MARK_DIRTY, PREVIOUS_MARK_DIRTY_VIA, PREVIOUS_CONSENT_DIRTY):
        op.execute(definition)
