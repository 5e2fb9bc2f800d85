"""Panchasutra grading in SQL, for the evidence engine's "SHGs by grade": the same grade the
grading endpoint gives a group on a day, computed for many groups on many days in one
statement.

It is one definition in two forms, kept equal by tests:

- the **facts** are those of the grading endpoint's own SQL (``grading_facts_sql`` in
  persistence/repositories/shgs.py); the evidence engine counts them set-based, once per
  meeting, line, entry and instalment for every (group, day) at once
  (persistence/evidence/measures/livelihoods.py), and a test keeps that equal to the
  endpoint's SQL run per (group, day);
- the **rules** are the same ``shg_grading_rule`` rows (the organisation's, else the shared
  default), read as JSON;
- the **arithmetic** (window, meetings expected, the five norms, points, score, grade) is
  ``domain.shgs.grading`` written in SQL with the same float operations in the same order;
  ``tests/test_evidence_livelihoods.py`` checks with hypothesis that this SQL and the Python
  ``grade()`` agree on generated groups (facts, rules, formation dates, frequencies, days).
"""

from __future__ import annotations

from collections.abc import Callable

# The norms in the order of domain.shgs.grading.Norm.
NORMS = (
    "regular_meetings",
    "regular_savings",
    "internal_lending",
    "timely_repayment",
    "books_up_to_date",
)


def add_months_sql(day: str, months: str) -> str:
    """``domain.shgs.loans.add_months``: clamped to the last day of a shorter month (as
    PostgreSQL's date + interval is)."""
    return f"(({day}) + make_interval(months => ({months})))::date"


def months_between_sql(start: str, end: str) -> str:
    """``domain.shgs.loans.months_between``: whole months from ``start`` to ``end``."""
    months = (
        f"((extract(year FROM {end}) - extract(year FROM {start})) * 12"
        f" + extract(month FROM {end}) - extract(month FROM {start}))::int"
    )
    return (
        f"GREATEST(0, {months} - CASE WHEN extract(day FROM {end}) < extract(day FROM {start})"
        f" AND {end} <> {add_months_sql(start, months)} THEN 1 ELSE 0 END)"
    )


def window_start_sql(formed_on: str, as_of: str, rules: str) -> str:
    """``domain.shgs.grading.window_start``."""
    months = f"-(({rules}) ->> 'window_months')::int"
    return f"GREATEST({formed_on}, {add_months_sql(as_of, months)})"


def meetings_expected_sql(frequency: str, start: str, end: str) -> str:
    """``domain.shgs.grading.meetings_expected``."""
    days = f"({end} - {start})"
    return (
        f"CASE WHEN {days} <= 0 THEN 0"
        f" WHEN {frequency} = 'weekly' THEN {days} / 7"
        f" WHEN {frequency} = 'fortnightly' THEN {days} / 14"
        f" ELSE {months_between_sql(start, end)} END"
    )


def _percent(part: str, whole: str) -> str:
    """``_percent``: min(100.0, 100.0 * part / whole) if whole > 0 else 0.0, in float8."""
    return (
        f"CASE WHEN {whole} > 0 THEN LEAST(100.0::float8,"
        f" 100.0::float8 * ({part})::float8 / ({whole})::float8) ELSE 0.0::float8 END"
    )


def _norm_values(facts: str, expected: str) -> dict[str, str]:
    """``domain.shgs.grading.norm_values`` (each NULL when not applicable)."""
    f = facts
    meeting_rate = f"LEAST(1.0::float8, {f}.meetings_held::float8 / ({expected})::float8)"
    attendance_rate = (
        f"CASE WHEN {f}.attendance_rows > 0"
        f" THEN {f}.attended_rows::float8 / {f}.attendance_rows::float8 ELSE 0.0::float8 END"
    )
    values = {
        "regular_meetings": f"100.0::float8 * {meeting_rate} * ({attendance_rate})",
        "regular_savings": _percent(f"{f}.saved_pairs", f"{f}.saving_pairs"),
        "internal_lending": _percent(f"{f}.internal_outstanding_paise", f"{f}.savings_paise"),
        "timely_repayment": (
            f"CASE WHEN {f}.instalments_due > 0"
            f" THEN {_percent(f'{f}.instalments_on_time', f'{f}.instalments_due')} END"
        ),
        "books_up_to_date": _percent(f"{f}.meetings_with_minutes", expected),
    }
    return {name: f"CASE WHEN ({expected}) > 0 THEN {sql} END" for name, sql in values.items()}


def grade_sql(
    *,
    rules: str,
    formed_on: str,
    frequency: str,
    as_of: str,
    facts_of: Callable[[str], str],
) -> str:
    """A SELECT of one row with ``grade`` ('A', 'B', 'C', or NULL when the group is too young
    to grade), ``score``, ``window_start`` and ``meetings_expected``: those of
    ``domain.shgs.grading.grade(...)`` for the group on ``as_of``.

    ``rules`` is the rules' JSON, ``formed_on``, ``frequency`` and ``as_of`` SQL expressions,
    and ``facts_of(start)`` the SQL of the grading facts for the window from ``start``."""
    expected = meetings_expected_sql(frequency, "w.start", as_of)
    points = []
    for name, value in _norm_values("f", "x.expected").items():
        a = f"(({rules}) -> '{name}' ->> 'a')::float8"
        b = f"(({rules}) -> '{name}' ->> 'b')::float8"
        points.append(
            f"CASE WHEN ({value}) IS NULL THEN NULL WHEN ({value}) >= {a} THEN 2"
            f" WHEN ({value}) >= {b} THEN 1 ELSE 0 END AS {name}"
        )
    graded = " + ".join(f"(p.{name} IS NOT NULL)::int" for name in NORMS)
    earned = " + ".join(f"coalesce(p.{name}, 0)" for name in NORMS)
    a_min = f"(({rules}) ->> 'grade_a_min_score')::float8"
    b_min = f"(({rules}) ->> 'grade_b_min_score')::float8"
    # OFFSET 0 keeps each step a step: pulled up into one expression, every use of a step
    # would repeat the steps under it (the grade of a row of facts took 2 ms instead of
    # microseconds, seconds for thousands of rows).
    # The score is a multiple of 10 or 12.5 (4 or 5 norms graded): exact in float8, so the
    # Python round(score, 1) changes nothing.
    return f"""
        SELECT CASE WHEN s.score IS NULL THEN NULL WHEN s.score >= {a_min} THEN 'A'
                    WHEN s.score >= {b_min} THEN 'B' ELSE 'C' END AS grade,
               s.score, w.start AS window_start, x.expected AS meetings_expected
          FROM (SELECT {window_start_sql(formed_on, as_of, rules)} AS start OFFSET 0) w
          CROSS JOIN LATERAL ({facts_of("w.start")}) f
          CROSS JOIN LATERAL (SELECT {expected} AS expected OFFSET 0) x
          CROSS JOIN LATERAL (SELECT {", ".join(points)} OFFSET 0) p
          CROSS JOIN LATERAL (
            SELECT CASE WHEN ({graded}) > 0
                        THEN 100.0::float8 * ({earned}) / (2 * ({graded}))::float8 END AS score
             OFFSET 0
          ) s"""
