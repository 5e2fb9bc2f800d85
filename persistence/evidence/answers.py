"""Answers of kept measures: the rows of a cube statement, kept in the database while nothing
they are computed from has changed, shared by every process, computed again by the worker.

A rolled-up measure's figures are read from what the roll-up keeps (a flow's facts, a stock's
pieces and deltas), and those change only when its units are recomputed (``catch_up``, which
then moves the measure's ``generation`` on in ``evidence_rollup``, in the same transaction). A
flow's figures also read her consent to aggregate reporting at each period's end, which moves
its own generation (``evidence_generation``, by a statement trigger on
``reporting_consent``). So a cube statement over a rolled-up measure, with the same values, on
a snapshot with the same generations, gives the same rows: they are kept (``evidence_answer``,
by the statement's digest, with the generations it read) and given again instead of computed.
A watched measure (SHGs by grade, computed live) moves its generation whenever a table it
reads changes, and is kept the same way.

The generations are read on the snapshot the statements run on (the statement that exports
it), after the measures were brought up to date: an answer kept for those generations is
exactly what the statement would give. Statements that read anything else (her sex and year of
birth, a district's state) are never kept.

Two things keep the dashboards fast while records change all day:

- **The worker computes them again** (:func:`refresh`, after each catch-up, every few seconds):
  every answer asked in the last day whose generations moved on, on one snapshot, so that the
  next request finds it ready.
- **A request may take an answer up to ``max_age`` seconds old** (``SHAKTI_EVIDENCE_MAX_AGE_
  SECONDS``, default 30; 0: never) when only the measure's records moved on since: never when
  her consents changed (anyone's), nor when the roll-up was built again (another definition).
  The answer then says when it was computed (``computed_at``): figures are at most that far
  behind the writes, and usually one worker cycle behind.

Answers not asked for a week are deleted by the worker.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

# The worker computes again the answers asked within this, and forgets those not asked
# within the other.
REFRESHED = timedelta(days=1)
FORGOTTEN = timedelta(days=7)
# A request notes that it asked for an answer at most this often (a write per answer).
ASKED_EVERY = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Generations:
    """What the roll-ups stood at on a snapshot: each measure's generation and when it was
    built (a rebuilt roll-up, or another database, starts again), and her consents'."""

    measures: Mapping[str, tuple[int, str]]
    consent: int

    def key(self, code: str, *, consent: bool) -> list[Any] | None:
        """What a statement over ``code`` reads (``consent``: her consents at each period's
        end too); None when the measure has not been built (nothing to keep it by)."""
        found = self.measures.get(code)
        if found is None:
            return None
        return [code, found[0], found[1], self.consent if consent else None]


# One statement: the generations on the statement's own snapshot.
GENERATIONS_SQL = (
    "SELECT (SELECT jsonb_object_agg(r.measure, jsonb_build_array(r.generation,"
    " r.built_at::text)) FROM evidence_rollup r)::text AS measures,"
    " (SELECT g.generation FROM evidence_generation g WHERE g.name = 'reporting_consent')"
    " AS consent"
)


def generations_of(row: Mapping[str, Any]) -> Generations:
    raw = row["measures"]
    measures = json.loads(raw) if isinstance(raw, str) else (raw or {})
    return Generations(
        measures={code: (int(value[0]), str(value[1])) for code, value in measures.items()},
        consent=int(row["consent"] or 0),
    )


# -- values and rows as JSON ---------------------------------------------------------------


def encoded(value: object) -> object:
    """A statement's value as JSON, its type kept (dates, uuids and decimals are tagged)."""
    if isinstance(value, list | tuple):
        return [encoded(item) for item in value]
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, UUID):
        return {"uuid": str(value)}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"a statement value of type {type(value).__name__} cannot be kept")


def decoded(value: object) -> object:
    """The value :func:`encoded` was made from."""
    if isinstance(value, list):
        return [decoded(item) for item in value]
    if isinstance(value, dict):
        ((tag, text),) = value.items()
        if tag == "date":
            return date.fromisoformat(text)
        if tag == "uuid":
            return UUID(text)
        return Decimal(text)
    return value


def statement_key(sql: str, values: Sequence[object]) -> bytes:
    """The digest a statement's answers are kept by (its text and its values)."""
    material = sql + "\x00" + json.dumps(encoded(list(values)), separators=(",", ":"))
    return hashlib.sha256(material.encode()).digest()


def _rows_text(rows: Sequence[Mapping[str, Any]]) -> str:
    """A statement's rows as JSON (amounts as decimal text)."""
    return json.dumps(
        [
            {name: (str(v) if isinstance(v, Decimal) else v) for name, v in dict(row).items()}
            for row in rows
        ],
        separators=(",", ":"),
    )


# -- keeping them -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kept:
    read: list[Any]
    consent: int
    rows: list[dict[str, Any]]
    computed_at: datetime

    def answers(self, read: list[Any], consent: int, now: datetime, max_age: float) -> bool:
        """Whether these rows may be given to a statement reading ``read``: computed on the
        same generations, or (``max_age`` > 0) on an earlier generation of the same roll-up
        at most ``max_age`` seconds ago, with her consents unchanged since."""
        return self.read == read or self.young(read, consent, now, max_age)

    def young(self, read: list[Any], consent: int, now: datetime, max_age: float) -> bool:
        """Whether these rows, computed at most ``max_age`` seconds ago on this roll-up (same
        definition, same or an earlier generation), with her consents unchanged since, may
        stand for a statement reading ``read``."""
        return (
            max_age > 0
            and self.consent == consent
            and self.read[0] == read[0]
            and self.read[2] == read[2]
            and self.read[1] <= read[1]
            and self.computed_at >= now - timedelta(seconds=max_age)
        )


@dataclass(frozen=True, slots=True)
class Answer:
    """Rows computed for a statement, to keep."""

    key: bytes
    measure: str
    sql: str
    values: Sequence[object]
    read: list[Any]
    consent: int
    rows: Sequence[Mapping[str, Any]]
    computed_at: datetime


async def find(connection: Any, keys: Sequence[bytes]) -> dict[bytes, Kept]:
    """The answers kept for these statements."""
    if not keys:
        return {}
    found = await connection.fetch(
        "SELECT a.statement_hash, a.read::text AS read, a.consent_generation, a.rows::text AS rows,"
        " a.computed_at FROM evidence_answer a WHERE a.statement_hash = ANY($1::bytea[])",
        list(keys),
    )
    return {
        bytes(row["statement_hash"]): Kept(
            read=json.loads(row["read"]),
            consent=int(row["consent_generation"]),
            rows=json.loads(row["rows"]),
            computed_at=row["computed_at"],
        )
        for row in found
    }


async def keep(connection: Any, computed: Sequence[Answer], asked_at: datetime) -> None:
    """Keep computed rows, unless a later computation of the same statement is kept already
    (each is right for what it read; the later one serves longer)."""
    if not computed:
        return
    await connection.executemany(
        "INSERT INTO evidence_answer (statement_hash, measure, statement, bound, read,"
        " consent_generation, rows, computed_at, asked_at)"
        " VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7::jsonb, $8, $9)"
        " ON CONFLICT (statement_hash) DO UPDATE SET read = EXCLUDED.read,"
        " consent_generation = EXCLUDED.consent_generation, rows = EXCLUDED.rows,"
        " computed_at = EXCLUDED.computed_at,"
        " asked_at = GREATEST(evidence_answer.asked_at, EXCLUDED.asked_at)"
        " WHERE evidence_answer.computed_at <= EXCLUDED.computed_at",
        [
            (
                answer.key,
                answer.measure,
                answer.sql,
                json.dumps(encoded(list(answer.values))),
                json.dumps(answer.read),
                answer.consent,
                _rows_text(answer.rows),
                answer.computed_at,
                asked_at,
            )
            for answer in computed
        ],
    )


async def asked(connection: Any, keys: Sequence[bytes], at: datetime) -> None:
    """Note that these answers were asked for (so the worker keeps them fresh), at most once
    every :data:`ASKED_EVERY` each."""
    if keys:
        await connection.execute(
            "UPDATE evidence_answer SET asked_at = $2 WHERE statement_hash = ANY($1::bytea[])"
            " AND asked_at < $3",
            list(keys),
            at,
            at - ASKED_EVERY,
        )


@dataclass(frozen=True, slots=True)
class Stale:
    """A kept answer whose generations moved on: the statement to run again."""

    key: bytes
    measure: str
    sql: str
    values: list[object]
    read: list[Any]


async def stale(connection: Any, generations: Generations, since: datetime) -> list[Stale]:
    """The answers asked since ``since`` that what they read has moved on from (on the same
    build of the roll-up), the most recently asked first."""
    found = await connection.fetch(
        "SELECT a.statement_hash, a.measure, a.statement, a.bound::text AS bound,"
        " a.read::text AS read FROM evidence_answer a WHERE a.asked_at >= $1"
        " ORDER BY a.asked_at DESC",
        since,
    )
    moved = []
    for row in found:
        read = json.loads(row["read"])
        now = generations.key(row["measure"], consent=read[3] is not None)
        # (One kept from another build of the roll-up, another definition or rule value,
        # is left: no request asks for it any more.)
        if now is not None and now != read and now[2] == read[2]:
            values = [decoded(value) for value in json.loads(row["bound"])]
            key = bytes(row["statement_hash"])
            moved.append(Stale(key, row["measure"], row["statement"], values, now))
    return moved


async def forget(connection: Any, before: datetime, keys: Sequence[bytes] = ()) -> None:
    """Delete the answers not asked since ``before``, and those of ``keys``."""
    await connection.execute(
        "DELETE FROM evidence_answer WHERE asked_at < $1 OR statement_hash = ANY($2::bytea[])",
        before,
        list(keys),
    )
