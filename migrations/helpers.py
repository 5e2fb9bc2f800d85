"""What revisions do again and again, done the way that keeps a live database serving.

- ``set_lock_timeout()`` first in every ``upgrade`` and ``downgrade``: a revision that waits
  for a lock behind a long transaction fails after a few seconds instead of queueing every
  request behind itself (tests/test_migration_rules.py checks each revision calls it, or
  sets it as the older revisions do, with ``SET LOCAL lock_timeout``).
- ``replace_vocabulary()``: a CHECK constraint's list of allowed words replaced without
  holding the table's exclusive lock while every row is read: the new constraint is added
  ``NOT VALID`` (a moment's lock), then ``VALIDATE``d (rows read under a lock that lets
  reads and writes go on).
- ``create_index_concurrently()`` / ``drop_index_concurrently()``: an index on a table that
  already holds rows, built without blocking writes (outside the revision's transaction, as
  PostgreSQL requires). A new revision adding an index to a table it did not create uses them.
- ``create_dirty_triggers()`` / ``drop_dirty_triggers()``: the statement triggers that mark
  the units a change touches for a rolled-up (or watched) evidence measure, on each table it
  reads (persistence/evidence/rollup.py), named by ``dirty_triggers()``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from alembic import op

LOCK_TIMEOUT = "5s"


def set_lock_timeout(timeout: str = LOCK_TIMEOUT) -> None:
    """Fail fast instead of queueing behind a long transaction (for this revision's
    transaction only)."""
    op.execute(f"SET LOCAL lock_timeout = '{timeout}'")


def _quoted(words: Iterable[str]) -> str:
    return ", ".join("'" + word.replace("'", "''") + "'" for word in words)


def replace_vocabulary(table: str, constraint: str, column: str, words: Sequence[str]) -> None:
    """CHECK ``column IN (words)`` as ``constraint`` (its full name, e.g. ``op.f(...)``) of
    ``table``, replacing the constraint of that name: added NOT VALID, then validated."""
    op.drop_constraint(constraint, table, type_="check")
    op.execute(
        f'ALTER TABLE "{table}" ADD CONSTRAINT "{constraint}"'
        f' CHECK ("{column}" IN ({_quoted(words)})) NOT VALID'
    )
    op.execute(f'ALTER TABLE "{table}" VALIDATE CONSTRAINT "{constraint}"')


def create_index_concurrently(
    name: str, table: str, columns: Sequence[str], *, unique: bool = False, where: str = ""
) -> None:
    """CREATE INDEX CONCURRENTLY, outside the revision's transaction (it cannot run in one).
    ``IF NOT EXISTS``: a build interrupted half-way leaves an invalid index behind, which the
    operator drops before running the revision again."""
    listed = ", ".join(f'"{column}"' for column in columns)
    predicate = f" WHERE {where}" if where else ""
    kind = "UNIQUE INDEX" if unique else "INDEX"
    with op.get_context().autocommit_block():
        op.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        op.execute(
            f'CREATE {kind} CONCURRENTLY IF NOT EXISTS "{name}" ON "{table}" ({listed}){predicate}'
        )
        op.execute("RESET lock_timeout")


def drop_index_concurrently(name: str) -> None:
    """DROP INDEX CONCURRENTLY, outside the revision's transaction."""
    with op.get_context().autocommit_block():
        op.execute(f"SET lock_timeout = '{LOCK_TIMEOUT}'")
        op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
        op.execute("RESET lock_timeout")


# A table a rolled-up evidence measure reads, as its ``Source`` says (persistence/evidence/
# measure.py): (measure, table, the unit's column or, when ``via``, a query over the changed
# row ``r`` giving the units, which rows matter (an SQL condition over ``r``, or None), via).
RollupSource = tuple[str, str, str, str | None, bool]


def dirty_triggers(measure: str, table: str) -> dict[str, str]:
    """The three triggers that mark ``measure``'s units on ``table``: name -> when."""
    name = f"evidence_dirty_{measure}_{table}"
    if len(name) > 59:  # PostgreSQL cuts names at 63 characters: keep the suffixes apart
        name = "evidence_dirty_" + hashlib.sha256(f"{measure}:{table}".encode()).hexdigest()[:16]
    return {
        f"{name}_ins": f"AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows",
        f"{name}_upd": (
            f"AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        ),
        f"{name}_del": f"AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows",
    }


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_dirty_triggers(sources: Iterable[RollupSource]) -> None:
    """For each source, its statement triggers calling ``evidence_mark_dirty`` (the unit a
    column of the row) or ``evidence_mark_dirty_via`` (a query over the row)."""
    for measure, table, unit, condition, via in sources:
        function = "evidence_mark_dirty_via" if via else "evidence_mark_dirty"
        arguments = f"{_literal(measure)}, {_literal(unit)}" + (
            "" if condition is None else f", {_literal(condition)}"
        )
        for name, when in dirty_triggers(measure, table).items():
            op.execute(
                f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT"
                f" EXECUTE FUNCTION {function}({arguments})"
            )


def drop_dirty_triggers(sources: Iterable[RollupSource]) -> None:
    for measure, table, _unit, _condition, _via in sources:
        for name in dirty_triggers(measure, table):
            op.execute(f"DROP TRIGGER {name} ON {table}")
