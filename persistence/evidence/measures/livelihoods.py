"""Outcome 2: livelihoods, self-help groups and their money, financial inclusion, entitlements,
trainings.

Self-help group measures place a fact in the group's district and block. Money is in paise and
summed over members (``person_key``: the survivor, when the member is one, else the member), so
a sum over fewer than k women is suppressed. Members' savings and loans are the group's books,
not facts about survivors: they count whoever the members are.

Rules that belong to other areas come in as parameters (see ``Measure.parameters``): the
ledger's sign table (which accounts each kind of entry moves, a reversal moving them back), the
entitlement stall threshold as configured, and which work each training topic belongs to.
"""

from __future__ import annotations

from persistence.clock import business_date_sql as day
from persistence.evidence.measure import (
    Dimension,
    Measure,
    MeasureKind,
    Parameter,
    Rollup,
    Source,
    vocabulary,
    watching,
)
from persistence.evidence.shg_grading import grade_sql, window_start_sql
from persistence.models.livelihood_vocabulary import TrainingTopic
from persistence.repositories.shgs import grading_facts_sql

GRADE = Dimension("grade", "Panchasutra grade of the group", ("A", "B", "C"))
SCHEME = Dimension("scheme", "Scheme code (as in /schemes)")
TOPIC = Dimension("topic", "Topic of the training", vocabulary(TrainingTopic))
TRACK = Dimension("track", "Which work the training serves: livelihood, leadership, partner")
EARNING = Dimension(
    "earning", "Whether her recorded income for the month was above zero", ("yes", "no")
)

LEDGER_SIGNS = Parameter(
    "ledger_signs",
    "text",
    "The SHG ledger's sign table as JSON rows (account, kind, loan_kind, sign), from "
    "domain/shgs/ledger.py.",
)
STALLED_DAYS = Parameter(
    "stalled_days", "int", "Days without a move after which an open application is stalled."
)
STALLABLE = Parameter("stallable", "text[]", "The application statuses that can stall.")
TRAINING_TRACKS = Parameter(
    "training_tracks", "text", "The track of each training topic, as a JSON object."
)

# The sign table as a relation, and an entry's amount with reversals negative (the ledger's
# rule: a reversal moves every account the other way).
SIGNS = (
    "signs AS (SELECT * FROM jsonb_to_recordset(({ledger_signs})::jsonb)"
    " AS s(account text, kind text, loan_kind text, sign int))"
)
# What marks a group to recompute, for the rolled-up measures of its books: the group (its
# place, deleted), its members, its loans and its ledger entries.
SHG_BOOKS = Rollup(
    sources=(
        Source("shg", "id"),
        Source("shg_member", "shg_id"),
        Source("shg_loan", "shg_id"),
        Source("shg_ledger_entry", "shg_id"),
    )
)
SIGNED = "CASE WHEN e.reverses_id IS NULL THEN e.amount_paise ELSE -e.amount_paise END"
# Which line of the sign table an entry ``e`` (on loan ``l``, if any) follows.
SIGN_OF = "s.kind = e.kind AND (s.loan_kind IS NULL OR s.loan_kind = l.kind)"


# -- self-help groups ---------------------------------------------------------------------------

SHGS_FORMED = Measure(
    code="shgs_formed",
    subject="shg",
    description="Self-help groups formed, on the day of formation.",
    kind=MeasureKind.flow,
    about_survivors=False,
    has_block=True,
    sql="""
        SELECT g.organization_id, g.district_id, g.block_id, NULL::uuid AS survivor_id,
               g.id AS unit_key, NULL::uuid AS person_key, NULL::numeric AS amount,
               g.formed_on AS on_date
          FROM shg g
         WHERE g.organization_id = ANY({orgs}) AND g.deleted_at IS NULL""",
    watch=watching("shg"),
)

SHG_MEETINGS = Measure(
    code="shg_meetings",
    subject="shg",
    description="Self-help groups meeting, on the day of each meeting (a group counts once "
    "however often it met).",
    kind=MeasureKind.flow,
    about_survivors=False,
    has_block=True,
    sql="""
        SELECT g.organization_id, g.district_id, g.block_id, NULL::uuid AS survivor_id,
               g.id AS unit_key, NULL::uuid AS person_key, NULL::numeric AS amount,
               mt.held_on AS on_date
          FROM shg_meeting mt JOIN shg g ON g.id = mt.shg_id
         WHERE mt.organization_id = ANY({orgs}) AND mt.deleted_at IS NULL
           AND g.deleted_at IS NULL""",
    watch=watching("shg", "shg_meeting"),
)

# The group's entries dated up to the lateral row's day ``t.d``, signed, with their effect on
# savings and principal: the ``books`` the grading facts read.
_GRADING_BOOKS = f"""
    SELECT e.kind AS entry_kind, l.kind AS loan_kind, {SIGNED} AS amount,
           {SIGNED} * coalesce(max(s.sign) FILTER (WHERE s.account = 'savings'), 0)
             AS savings,
           {SIGNED} * coalesce(max(s.sign) FILTER (WHERE s.account = 'principal'), 0)
             AS principal
      FROM shg_ledger_entry e LEFT JOIN shg_loan l ON l.id = e.loan_id
      LEFT JOIN signs s ON {SIGN_OF}
     WHERE e.shg_id = t.id AND e.entry_date <= t.d
     GROUP BY e.id, e.kind, l.kind, e.reverses_id, e.amount_paise"""

_GRADE = grade_sql(
    rules="t.rules",
    formed_on="t.formed_on",
    frequency="t.meeting_frequency",
    as_of="t.d",
    facts_of=lambda start: grading_facts_sql(
        shg="t.id",
        start=start,
        as_of="t.d",
        fixed="GREATEST(1, t.saving_per_meeting_paise)",
        books=_GRADING_BOOKS,
    ),
)

# Every group not deleted, on every day read from the day it was formed, with its rules (its
# organisation's, else the shared default).
_GRADE_TARGETS = """
    SELECT g.id, g.organization_id, g.district_id, g.block_id, g.formed_on,
           g.meeting_frequency, g.saving_per_meeting_paise, d.d,
           COALESCE(own.rules, shared.rules) AS rules
      FROM shg g
      CROSS JOIN (SELECT DISTINCT d FROM unnest({days}) AS d) d
      LEFT JOIN shg_grading_rule own
        ON own.organization_id = g.organization_id AND own.deleted_at IS NULL
      LEFT JOIN LATERAL (
        SELECT r.rules FROM shg_grading_rule r
         WHERE r.organization_id IS NULL AND r.deleted_at IS NULL LIMIT 1
      ) shared ON true
     WHERE g.organization_id = ANY({orgs}) AND g.deleted_at IS NULL
       AND d.d >= g.formed_on"""

_GRADE_ROW = """
        SELECT t.organization_id, t.district_id, t.block_id, NULL::uuid AS survivor_id,
               t.id AS unit_key, NULL::uuid AS person_key, NULL::numeric AS amount,
               gr.grade AS d_grade, t.d AS from_date, t.d + 1 AS to_date"""

# The reference form: the grading endpoint's facts SQL run once per (group, day), its lookups
# by index (nested loops on). 3-12 ms a (group, day): kept to check the set-based form against
# (tests/test_evidence_livelihoods.py), not read by the engine.
SHG_GRADES_PER_ROW_SQL = f"""
        WITH {SIGNS}, targets AS ({_GRADE_TARGETS})
        {_GRADE_ROW}
          FROM targets t CROSS JOIN LATERAL ({_GRADE}) gr
         WHERE gr.grade IS NOT NULL"""

# The same facts, set-based: each counted once per meeting, attendance line, ledger entry and
# instalment, then read for every (group, day) at once.
#
# - Counts over the window (start, day] are running totals per group read at the day minus
#   read at the start: ``events`` puts what each date adds on its date, and the days and
#   window starts as probes (adding nothing); one running sum per group ordered by date
#   (RANGE: a date's rows all count) gives every probe what falls on or before it. Balances
#   (savings, internal loans out: each entry signed by the sign table for its kind and its
#   loan's kind) are the running totals at the day.
# - A member's saving at a meeting counts on a day when her deposits at that meeting not
#   reversed by that day (a reversal dated on or before it) reach the fixed amount. Amounts
#   are positive (ck_shg_ledger_entry_positive_amount), so what stays only falls as reversals
#   pass: she saved on every day before ``saved_until`` (the first reversal date at which
#   too little stays; infinity: never; -infinity: she never saved enough). Lines saved for
#   good run in the totals; the few a reversal undoes later than the meeting are counted by
#   a join with the days between the meeting and the reversal.
# - An instalment is on time when what was repaid on its loan by its due date covers what was
#   due so far: independent of the day, computed once (a running sum over the loan's
#   repayments and due dates).
_FACTS_SET = """
    targets AS MATERIALIZED (
        SELECT t.*, {start} AS start, GREATEST(1, t.saving_per_meeting_paise) AS fixed
          FROM ({targets}) t
    ),
    groups AS MATERIALIZED (SELECT DISTINCT id, fixed FROM targets),
    mt AS MATERIALIZED (
        SELECT m.id, m.shg_id, m.held_on, m.minutes_enc IS NOT NULL AS has_minutes, g.fixed
          FROM shg_meeting m JOIN groups g ON g.id = m.shg_id
         WHERE m.deleted_at IS NULL
    ),
    deposit AS (
        SELECT e.meeting_id, e.member_id, sum(e.amount_paise) AS total
          FROM shg_ledger_entry e JOIN mt ON mt.id = e.meeting_id
         WHERE e.kind = 'savings_deposit' AND e.reverses_id IS NULL
         GROUP BY e.meeting_id, e.member_id
    ),
    taken_back AS (
        SELECT e.meeting_id, e.member_id, r.on_date, sum(e.amount_paise) AS amount
          FROM shg_ledger_entry e JOIN mt ON mt.id = e.meeting_id
          JOIN (SELECT reverses_id, min(entry_date) AS on_date FROM shg_ledger_entry
                 WHERE reverses_id IS NOT NULL GROUP BY reverses_id) r
            ON r.reverses_id = e.id
         WHERE e.kind = 'savings_deposit' AND e.reverses_id IS NULL
         GROUP BY e.meeting_id, e.member_id, r.on_date
    ),
    short_from AS (
        SELECT s.meeting_id, s.member_id, min(s.on_date) AS on_date
          FROM (SELECT k.*, d.total - sum(k.amount) OVER (
                         PARTITION BY k.meeting_id, k.member_id ORDER BY k.on_date) AS stays
                  FROM taken_back k
                  JOIN deposit d ON d.meeting_id = k.meeting_id AND d.member_id = k.member_id
               ) s
          JOIN mt ON mt.id = s.meeting_id
         WHERE s.stays < mt.fixed
         GROUP BY s.meeting_id, s.member_id
    ),
    line AS MATERIALIZED (
        SELECT mt.shg_id, mt.held_on, a.status IN ('present', 'late') AS attended,
               CASE WHEN coalesce(d.total, 0) < mt.fixed THEN '-infinity'::date
                    ELSE coalesce(f.on_date, 'infinity'::date) END AS saved_until
          FROM shg_attendance a JOIN mt ON mt.id = a.meeting_id
          LEFT JOIN deposit d ON d.meeting_id = a.meeting_id AND d.member_id = a.member_id
          LEFT JOIN short_from f
            ON f.meeting_id = a.meeting_id AND f.member_id = a.member_id
    ),
    weight AS (
        SELECT k.kind, lk.loan_kind,
               coalesce(max(s.sign) FILTER (WHERE s.account = 'savings'), 0) AS savings,
               CASE WHEN lk.loan_kind = 'internal' THEN coalesce(
                 max(s.sign) FILTER (WHERE s.account = 'principal'), 0) ELSE 0 END AS principal
          FROM (SELECT DISTINCT kind FROM signs) k
          CROSS JOIN (SELECT '' AS loan_kind UNION SELECT kind FROM shg_loan) lk
          LEFT JOIN signs s
            ON s.kind = k.kind AND (s.loan_kind IS NULL OR s.loan_kind = lk.loan_kind)
         GROUP BY k.kind, lk.loan_kind
    ),
    book AS (
        SELECT e.shg_id, e.entry_date, sum({signed} * w.savings) AS savings,
               sum({signed} * w.principal) AS internal_out
          FROM shg_ledger_entry e LEFT JOIN shg_loan l ON l.id = e.loan_id
          JOIN weight w ON w.kind = e.kind AND w.loan_kind = coalesce(l.kind, '')
         WHERE e.shg_id IN (SELECT id FROM groups)
         GROUP BY e.shg_id, e.entry_date
    ),
    sched AS (
        SELECT l.shg_id, i.loan_id, i.due_on,
               sum(i.principal_paise + i.interest_paise)
                 OVER (PARTITION BY i.loan_id ORDER BY i.number) AS due_so_far
          FROM shg_loan_instalment i JOIN shg_loan l ON l.id = i.loan_id
          JOIN groups g ON g.id = l.shg_id
         WHERE l.kind = 'internal' AND l.deleted_at IS NULL
    ),
    instalment AS (
        SELECT shg_id, on_date AS due_on, paid >= due_so_far AS on_time
          FROM (SELECT shg_id, on_date, due_so_far,
                       sum(amount) OVER (PARTITION BY loan_id ORDER BY on_date) AS paid
                  FROM (SELECT shg_id, loan_id, due_on AS on_date, due_so_far, 0 AS amount
                          FROM sched
                        UNION ALL
                        SELECT NULL, e.loan_id, e.entry_date, NULL, sum({signed})
                          FROM shg_ledger_entry e
                         WHERE e.loan_id IN (SELECT loan_id FROM sched)
                           AND e.kind IN ('principal_repayment', 'interest')
                         GROUP BY e.loan_id, e.entry_date) x
               ) y
         WHERE due_so_far IS NOT NULL
    ),
    events AS (
        SELECT shg_id, held_on AS on_date, count(*) AS held,
               count(*) FILTER (WHERE has_minutes) AS minuted, 0 AS lines, 0 AS attended,
               0 AS saved, 0 AS savings, 0 AS internal_out, 0 AS due, 0 AS on_time,
               false AS probe
          FROM mt GROUP BY shg_id, held_on
        UNION ALL
        SELECT shg_id, held_on, 0, 0, count(*), count(*) FILTER (WHERE attended),
               count(*) FILTER (WHERE saved_until = 'infinity'), 0, 0, 0, 0, false
          FROM line GROUP BY shg_id, held_on
        UNION ALL
        SELECT shg_id, entry_date, 0, 0, 0, 0, 0, savings, internal_out, 0, 0, false
          FROM book
        UNION ALL
        SELECT shg_id, due_on, 0, 0, 0, 0, 0, 0, 0, count(*), count(*) FILTER (WHERE on_time),
               false
          FROM instalment GROUP BY shg_id, due_on
        UNION ALL
        SELECT DISTINCT t.id, p.on_date, 0, 0, 0, 0, 0, 0, 0, 0, 0, true
          FROM targets t CROSS JOIN LATERAL (VALUES (t.d), (t.start)) p(on_date)
    ),
    running AS (
        SELECT * FROM (
          SELECT shg_id, on_date, probe,
                 sum(held) OVER w AS held, sum(minuted) OVER w AS minuted,
                 sum(lines) OVER w AS lines, sum(attended) OVER w AS attended,
                 sum(saved) OVER w AS saved, sum(savings) OVER w AS savings,
                 sum(internal_out) OVER w AS internal_out, sum(due) OVER w AS due,
                 sum(on_time) OVER w AS on_time
            FROM events
          WINDOW w AS (PARTITION BY shg_id ORDER BY on_date)
        ) r WHERE probe
    ),
    saved_for_a_while AS (
        SELECT t.id, t.d, count(*) AS saved
          FROM line x JOIN targets t ON t.id = x.shg_id
           AND x.held_on > t.start AND x.held_on <= t.d AND t.d < x.saved_until
         WHERE x.saved_until > x.held_on AND x.saved_until < 'infinity'
         GROUP BY t.id, t.d
    ),
    facts AS (
        SELECT t.*,
               (u.held - b.held)::bigint AS meetings_held,
               (u.minuted - b.minuted)::bigint AS meetings_with_minutes,
               (u.lines - b.lines)::bigint AS attendance_rows,
               (u.attended - b.attended)::bigint AS attended_rows,
               (u.lines - b.lines)::bigint AS saving_pairs,
               (u.saved - b.saved + coalesce(x.saved, 0))::bigint AS saved_pairs,
               u.savings AS savings_paise, u.internal_out AS internal_outstanding_paise,
               (u.due - b.due)::bigint AS instalments_due,
               (u.on_time - b.on_time)::bigint AS instalments_on_time
          FROM targets t
          JOIN running u ON u.shg_id = t.id AND u.on_date = t.d
          JOIN running b ON b.shg_id = t.id AND b.on_date = t.start
          LEFT JOIN saved_for_a_while x ON x.id = t.id AND x.d = t.d
    )"""

_FACT_NAMES = (
    "meetings_held",
    "meetings_with_minutes",
    "attendance_rows",
    "attended_rows",
    "saving_pairs",
    "saved_pairs",
    "savings_paise",
    "internal_outstanding_paise",
    "instalments_due",
    "instalments_on_time",
)

_FACTS = _FACTS_SET.format(
    start=window_start_sql("t.formed_on", "t.d", "t.rules"),
    targets=_GRADE_TARGETS,
    signed=SIGNED,
    sign_of=SIGN_OF,
)

_GRADE_OF_FACTS = grade_sql(
    rules="t.rules",
    formed_on="t.formed_on",
    frequency="t.meeting_frequency",
    as_of="t.d",
    facts_of=lambda _start: "SELECT " + ", ".join(f"t.{name}" for name in _FACT_NAMES),
)

SHG_GRADES = Measure(
    code="shg_grades",
    subject="shg",
    description="Self-help groups by Panchasutra grade on the day a period is read: the grade "
    "the grading endpoint gives the group that day, by its organisation's rules (else the "
    "shared default). A group too young to grade has no grade.",
    kind=MeasureKind.stock,
    about_survivors=False,
    has_block=True,
    dims=(GRADE,),
    parameters=(LEDGER_SIGNS,),
    sql=f"""
        WITH {SIGNS},
        {_FACTS}
        {_GRADE_ROW}
          FROM facts t CROSS JOIN LATERAL ({_GRADE_OF_FACTS}) gr
         WHERE gr.grade IS NOT NULL""",
    # Graded afresh on every day asked; answers kept until a group's books, meetings, loans
    # or its organisation's grading rules change.
    watch=Rollup(
        sources=(
            *SHG_BOOKS.sources,
            Source("shg_meeting", "shg_id"),
            Source("shg_attendance", "meeting_id"),
            Source("shg_loan_instalment", "loan_id"),
            Source("shg_grading_rule", "id"),
        )
    ),
)

# A survivor's memberships cut where any of them begins or ends, each piece placed in the
# group she joined first among those she is in then: she stands once at a time.
SHG_SURVIVORS = Measure(
    code="shg_survivors",
    subject="survivor",
    description="Survivors who are members of a self-help group (from the day she joined "
    "until the day she left; several memberships at once count once), in the group's place.",
    kind=MeasureKind.stock,
    about_survivors=True,
    has_block=True,
    sql="""
        WITH spans AS (
            SELECT m.survivor_id, m.id AS member_id, m.joined_on AS from_date,
                   m.exited_on AS to_date, g.organization_id, g.district_id, g.block_id
              FROM shg_member m JOIN shg g ON g.id = m.shg_id
              JOIN survivor sv ON sv.id = m.survivor_id
             WHERE m.organization_id = ANY({orgs}) AND m.deleted_at IS NULL
               AND g.deleted_at IS NULL AND sv.deleted_at IS NULL
               AND (m.exited_on IS NULL OR m.exited_on > m.joined_on)
               AND ({units} IS NULL OR m.survivor_id = ANY({units}))
        ),
        cuts AS (
            SELECT survivor_id, from_date AS on_date FROM spans
            UNION
            SELECT survivor_id, to_date FROM spans WHERE to_date IS NOT NULL
        ),
        pieces AS (
            SELECT survivor_id, on_date AS from_date,
                   lead(on_date) OVER (PARTITION BY survivor_id ORDER BY on_date) AS to_date
              FROM cuts
        )
        SELECT DISTINCT ON (p.survivor_id, p.from_date)
               s.organization_id, s.district_id, s.block_id, p.survivor_id,
               p.survivor_id AS unit_key, p.survivor_id AS rollup_key,
               p.survivor_id AS person_key, NULL::numeric AS amount, p.from_date, p.to_date
          FROM pieces p JOIN spans s ON s.survivor_id = p.survivor_id
           AND s.from_date <= p.from_date AND (s.to_date IS NULL OR s.to_date > p.from_date)
         ORDER BY p.survivor_id, p.from_date, s.from_date, s.member_id""",
    rollup=Rollup(
        sources=(
            Source("survivor", "id"),
            Source("shg_member", "survivor_id"),
            # A group moved or removed touches each of its members who is a survivor.
            Source(
                "shg",
                "member_survivors",
                via="SELECT m.survivor_id FROM shg_member m WHERE m.shg_id = r.id",
            ),
        )
    ),
)

SHG_SAVINGS = Measure(
    code="shg_savings",
    subject="shg_ledger_entry",
    description="Members' savings moved by the ledger (deposits in, withdrawals out, a "
    "reversal undoing its entry on its own date), in paise, on the entry's date.",
    kind=MeasureKind.flow,
    about_survivors=False,
    has_block=True,
    amount="paise",
    parameters=(LEDGER_SIGNS,),
    sql=f"""
        WITH {SIGNS}
        SELECT e.organization_id, g.district_id, g.block_id, NULL::uuid AS survivor_id,
               e.id AS unit_key, g.id AS rollup_key, COALESCE(m.survivor_id, m.id) AS person_key,
               (s.sign * {SIGNED})::numeric AS amount, e.entry_date AS on_date
          FROM shg_ledger_entry e JOIN shg g ON g.id = e.shg_id
          JOIN shg_member m ON m.id = e.member_id
          LEFT JOIN shg_loan l ON l.id = e.loan_id
          JOIN signs s ON s.account = 'savings' AND {SIGN_OF}
         WHERE e.organization_id = ANY({{orgs}}) AND g.deleted_at IS NULL
           AND ({{units}} IS NULL OR e.shg_id = ANY({{units}}))""",
    rollup=SHG_BOOKS,
)

# Each borrower's internal loans' principal outstanding, as stretches between the days it
# changes (disbursals in, principal repayments out, reversals back), zero stretches left out.
SHG_LOANS_OUTSTANDING = Measure(
    code="shg_loans_outstanding",
    subject="shg_member",
    description="Members with internal loan principal outstanding at the end of the day, and "
    "how much (paise): disbursed less principal repaid, as the group's books say.",
    kind=MeasureKind.stock,
    about_survivors=False,
    has_block=True,
    amount="paise",
    parameters=(LEDGER_SIGNS,),
    sql=f"""
        WITH {SIGNS},
        moves AS (
            SELECT l.member_id, e.entry_date, sum(s.sign * {SIGNED}) AS paise
              FROM shg_ledger_entry e JOIN shg_loan l ON l.id = e.loan_id
              JOIN signs s ON s.account = 'principal' AND {SIGN_OF}
             WHERE e.organization_id = ANY({{orgs}}) AND l.kind = 'internal'
               AND ({{units}} IS NULL OR e.shg_id = ANY({{units}}))
             GROUP BY l.member_id, e.entry_date
        ),
        running AS (
            SELECT member_id, entry_date AS from_date,
                   sum(paise) OVER (PARTITION BY member_id ORDER BY entry_date) AS outstanding,
                   lead(entry_date) OVER (PARTITION BY member_id ORDER BY entry_date)
                     AS to_date
              FROM moves
        )
        SELECT g.organization_id, g.district_id, g.block_id, NULL::uuid AS survivor_id,
               m.id AS unit_key, g.id AS rollup_key, COALESCE(m.survivor_id, m.id) AS person_key,
               r.outstanding::numeric AS amount, r.from_date, r.to_date
          FROM running r JOIN shg_member m ON m.id = r.member_id
          JOIN shg g ON g.id = m.shg_id
         WHERE r.outstanding <> 0 AND g.deleted_at IS NULL""",
    rollup=SHG_BOOKS,
)

SHG_PRINCIPAL_REPAID = Measure(
    code="shg_principal_repaid",
    subject="shg_ledger_entry",
    description="Principal of internal loans repaid (a reversal taking it back on its own "
    "date), in paise, on the entry's date.",
    kind=MeasureKind.flow,
    about_survivors=False,
    has_block=True,
    amount="paise",
    sql=f"""
        SELECT g.organization_id, g.district_id, g.block_id, NULL::uuid AS survivor_id,
               e.id AS unit_key, g.id AS rollup_key, COALESCE(m.survivor_id, m.id) AS person_key,
               ({SIGNED})::numeric AS amount, e.entry_date AS on_date
          FROM shg_ledger_entry e JOIN shg_loan l ON l.id = e.loan_id
          JOIN shg g ON g.id = e.shg_id JOIN shg_member m ON m.id = l.member_id
         WHERE e.organization_id = ANY({{orgs}}) AND e.kind = 'principal_repayment'
           AND l.kind = 'internal' AND g.deleted_at IS NULL
           AND ({{units}} IS NULL OR e.shg_id = ANY({{units}}))""",
    rollup=SHG_BOOKS,
)

# Instalments of a loan repaid early (closed before they fell due) are no longer due. The
# schedule is known ahead: instalments falling due after today are not counted yet
# (``not_after_today``), so the facts need no "today" and are kept per group: its loans, their
# members and their schedules (an instalment names its loan, and through it the group).
SHG_PRINCIPAL_DUE = Measure(
    code="shg_principal_due",
    subject="shg_loan_instalment",
    description="Principal of internal loans falling due by their schedules (up to today; "
    "not after the loan was closed), in paise, on the due date.",
    kind=MeasureKind.flow,
    about_survivors=False,
    has_block=True,
    amount="paise",
    not_after_today=True,
    sql="""
        SELECT g.organization_id, g.district_id, g.block_id, NULL::uuid AS survivor_id,
               md5(i.loan_id::text || ':' || i.number)::uuid AS unit_key, g.id AS rollup_key,
               COALESCE(m.survivor_id, m.id) AS person_key,
               i.principal_paise::numeric AS amount, i.due_on AS on_date
          FROM shg_loan_instalment i JOIN shg_loan l ON l.id = i.loan_id
          JOIN shg g ON g.id = l.shg_id JOIN shg_member m ON m.id = l.member_id
         WHERE l.organization_id = ANY({orgs}) AND l.kind = 'internal'
           AND l.deleted_at IS NULL AND g.deleted_at IS NULL
           AND (l.closed_on IS NULL OR i.due_on <= l.closed_on)
           AND ({units} IS NULL OR l.shg_id = ANY({units}))""",
    rollup=Rollup(
        sources=(
            Source("shg", "id"),
            Source("shg_member", "shg_id"),
            Source("shg_loan", "shg_id"),
            Source(
                "shg_loan_instalment",
                "loan_group",
                via="SELECT l.shg_id FROM shg_loan l WHERE l.id = r.loan_id",
            ),
        )
    ),
)


# -- her livelihood -----------------------------------------------------------------------------

LIVELIHOOD_EXPLORERS = Measure(
    code="livelihood_explorers",
    subject="survivor",
    description="Survivors exploring a livelihood: with a livelihood plan (from the day it was "
    "recorded) or a job or enterprise (from the day it started until the day it ended).",
    kind=MeasureKind.stock,
    about_survivors=True,
    sql=f"""
        WITH spans AS (
            SELECT p.survivor_id, daterange({day("p.created_at")}, NULL) AS span
              FROM livelihood_plan p
             WHERE p.organization_id = ANY({{orgs}}) AND p.deleted_at IS NULL
               AND ({{units}} IS NULL OR p.survivor_id = ANY({{units}}))
            UNION ALL
            SELECT a.survivor_id, daterange(a.started_on, a.ended_on) AS span
              FROM livelihood_activity a
             WHERE a.organization_id = ANY({{orgs}}) AND a.deleted_at IS NULL
               AND (a.ended_on IS NULL OR a.ended_on > a.started_on)
               AND ({{units}} IS NULL OR a.survivor_id = ANY({{units}}))
        ),
        merged AS (
            SELECT survivor_id, unnest(range_agg(span)) AS span FROM spans GROUP BY survivor_id
        )
        SELECT sv.organization_id, sv.district_id, NULL::uuid AS block_id, sv.id AS survivor_id,
               sv.id AS unit_key, sv.id AS rollup_key, sv.id AS person_key,
               NULL::numeric AS amount, lower(x.span) AS from_date, upper(x.span) AS to_date
          FROM merged x JOIN survivor sv ON sv.id = x.survivor_id
         WHERE sv.deleted_at IS NULL""",
    rollup=Rollup(
        sources=(
            Source("survivor", "id"),
            Source("livelihood_plan", "survivor_id"),
            Source("livelihood_activity", "survivor_id"),
        )
    ),
)

MONTHLY_INCOME = Measure(
    code="monthly_income",
    subject="income_record",
    description="Her income for a month, all sources together (paise), on the first day of "
    "the month; a month with no record is unknown, not zero.",
    kind=MeasureKind.flow,
    about_survivors=True,
    dims=(EARNING,),
    amount="paise",
    sql="""
        SELECT sv.organization_id, sv.district_id, NULL::uuid AS block_id,
               sv.id AS survivor_id, sv.id AS unit_key, sv.id AS rollup_key,
               sv.id AS person_key, sum(r.amount_paise)::numeric AS amount,
               CASE WHEN sum(r.amount_paise) > 0 THEN 'yes' ELSE 'no' END AS d_earning,
               r.month AS on_date
          FROM income_record r JOIN survivor sv ON sv.id = r.survivor_id
         WHERE r.organization_id = ANY({orgs}) AND r.deleted_at IS NULL
           AND sv.deleted_at IS NULL AND ({units} IS NULL OR r.survivor_id = ANY({units}))
         GROUP BY sv.organization_id, sv.district_id, sv.id, r.month""",
    rollup=Rollup(sources=(Source("survivor", "id"), Source("income_record", "survivor_id"))),
)

BANK_ACCOUNTS_OPENED = Measure(
    code="bank_accounts_opened",
    subject="financial_inclusion",
    description="Survivors whose bank account is recorded active, on the day it was opened "
    "(the record's 'since').",
    kind=MeasureKind.flow,
    about_survivors=True,
    sql="""
        SELECT sv.organization_id, sv.district_id, NULL::uuid AS block_id,
               sv.id AS survivor_id, sv.id AS unit_key, sv.id AS rollup_key,
               sv.id AS person_key, NULL::numeric AS amount, fi.since AS on_date
          FROM financial_inclusion fi JOIN survivor sv ON sv.id = fi.survivor_id
         WHERE fi.organization_id = ANY({orgs}) AND fi.deleted_at IS NULL
           AND fi.product = 'bank_account' AND fi.status = 'active' AND fi.since IS NOT NULL
           AND sv.deleted_at IS NULL AND ({units} IS NULL OR fi.survivor_id = ANY({units}))""",
    rollup=Rollup(sources=(Source("survivor", "id"), Source("financial_inclusion", "survivor_id"))),
)


# -- entitlements -------------------------------------------------------------------------------

# What marks an application to recompute: the application, its moves, and a change of its
# scheme's code (its dimension), which touches every application under it.
APPLICATIONS = Rollup(
    sources=(
        Source("entitlement_application", "id"),
        Source("entitlement_status_change", "application_id"),
        Source(
            "scheme",
            "scheme_applications",
            via="SELECT a.id FROM entitlement_application a WHERE a.scheme_id = r.id",
        ),
    )
)

ENTITLEMENT_APPLICATIONS = Measure(
    code="entitlement_applications",
    subject="entitlement_application",
    description="Entitlement applications made, on the day she applied.",
    kind=MeasureKind.flow,
    about_survivors=True,
    dims=(SCHEME,),
    sql="""
        SELECT a.organization_id, a.district_id, NULL::uuid AS block_id, a.survivor_id,
               a.id AS unit_key, a.id AS rollup_key, a.survivor_id AS person_key,
               NULL::numeric AS amount, sc.code AS d_scheme, a.applied_on AS on_date
          FROM entitlement_application a JOIN scheme sc ON sc.id = a.scheme_id
         WHERE a.organization_id = ANY({orgs}) AND a.deleted_at IS NULL
           AND a.applied_on IS NOT NULL AND ({units} IS NULL OR a.id = ANY({units}))""",
    rollup=APPLICATIONS,
)

ENTITLEMENT_RECEIPTS = Measure(
    code="entitlement_receipts",
    subject="entitlement_application",
    description="Applications under which a benefit was received (in part or in full), on the "
    "day each receipt was recorded.",
    kind=MeasureKind.flow,
    about_survivors=True,
    dims=(SCHEME,),
    sql=f"""
        SELECT a.organization_id, a.district_id, NULL::uuid AS block_id, a.survivor_id,
               a.id AS unit_key, a.id AS rollup_key, a.survivor_id AS person_key,
               NULL::numeric AS amount, sc.code AS d_scheme, {day("c.at")} AS on_date
          FROM entitlement_status_change c
          JOIN entitlement_application a ON a.id = c.application_id
          JOIN scheme sc ON sc.id = a.scheme_id
         WHERE a.organization_id = ANY({{orgs}}) AND a.deleted_at IS NULL
           AND c.to_status IN ('received', 'partly_received')
           AND ({{units}} IS NULL OR c.application_id = ANY({{units}}))""",
    rollup=APPLICATIONS,
)

# After each move into a status that can stall, the application is stalled from the day the
# threshold is reached (a move on day D: stalled at the end of D + days, as
# domain.entitlements.service.is_stalled says at that instant) until its next move.
ENTITLEMENT_STALLS = Measure(
    code="entitlement_stalls",
    subject="entitlement_application",
    description="Open applications that have not moved for the configured number of days "
    "(SHAKTI_ENTITLEMENT_STALLED_DAYS), as the entitlements list flags them.",
    kind=MeasureKind.stock,
    about_survivors=True,
    dims=(SCHEME,),
    parameters=(STALLED_DAYS, STALLABLE),
    sql=f"""
        WITH moves AS (
            SELECT c.application_id, c.to_status, c.at,
                   lead(c.at) OVER (PARTITION BY c.application_id ORDER BY c.at, c.id)
                     AS next_at
              FROM entitlement_status_change c
              JOIN entitlement_application a ON a.id = c.application_id
             WHERE a.organization_id = ANY({{orgs}}) AND a.deleted_at IS NULL
               AND ({{units}} IS NULL OR c.application_id = ANY({{units}}))
        )
        SELECT a.organization_id, a.district_id, NULL::uuid AS block_id, a.survivor_id,
               a.id AS unit_key, a.id AS rollup_key, a.survivor_id AS person_key,
               NULL::numeric AS amount, sc.code AS d_scheme,
               {day("m.at")} + {{stalled_days}} AS from_date, {day("m.next_at")} AS to_date
          FROM moves m JOIN entitlement_application a ON a.id = m.application_id
          JOIN scheme sc ON sc.id = a.scheme_id
         WHERE m.to_status = ANY({{stallable}})""",
    rollup=APPLICATIONS,
)


# -- trainings ----------------------------------------------------------------------------------

TRAININGS = Measure(
    code="trainings",
    subject="training",
    description="Trainings held, on the day they began (once begun).",
    kind=MeasureKind.flow,
    about_survivors=False,
    dims=(TOPIC, TRACK),
    parameters=(TRAINING_TRACKS,),
    sql="""
        SELECT t.organization_id, t.district_id, NULL::uuid AS block_id,
               NULL::uuid AS survivor_id, t.id AS unit_key, NULL::uuid AS person_key,
               NULL::numeric AS amount, t.topic AS d_topic,
               ({training_tracks})::jsonb ->> t.topic AS d_track, t.starts_on AS on_date
          FROM training t
         WHERE t.organization_id = ANY({orgs}) AND t.deleted_at IS NULL
           AND t.starts_on <= {today}""",
    watch=watching("training"),
)

TRAINING_PARTICIPANTS = Measure(
    code="training_participants",
    subject="survivor",
    description="Survivors taking part in trainings, on the day the training began (each "
    "survivor once however many trainings), in the training's district (else hers).",
    kind=MeasureKind.flow,
    about_survivors=True,
    dims=(TOPIC, TRACK),
    parameters=(TRAINING_TRACKS,),
    sql="""
        SELECT p.organization_id, COALESCE(t.district_id, sv.district_id) AS district_id,
               NULL::uuid AS block_id, sv.id AS survivor_id, sv.id AS unit_key,
               sv.id AS person_key, NULL::numeric AS amount, t.topic AS d_topic,
               ({training_tracks})::jsonb ->> t.topic AS d_track, t.starts_on AS on_date
          FROM training_participant p JOIN training t ON t.id = p.training_id
          JOIN survivor sv ON sv.id = p.survivor_id
         WHERE p.organization_id = ANY({orgs}) AND p.deleted_at IS NULL
           AND t.deleted_at IS NULL AND sv.deleted_at IS NULL AND t.starts_on <= {today}""",
    watch=watching("survivor", "training", "training_participant"),
)

TRAINING_SCORE_GAINS = Measure(
    code="training_score_gains",
    subject="training_participant",
    description="A survivor's post-training score less her pre-training score (points, 0-100 "
    "scale), on the day the training ended; participants with both scores only.",
    kind=MeasureKind.flow,
    about_survivors=True,
    dims=(TOPIC, TRACK),
    amount="points",
    parameters=(TRAINING_TRACKS,),
    sql="""
        SELECT p.organization_id, COALESCE(t.district_id, sv.district_id) AS district_id,
               NULL::uuid AS block_id, sv.id AS survivor_id, p.id AS unit_key,
               sv.id AS person_key, (p.post_score - p.pre_score)::numeric AS amount,
               t.topic AS d_topic, ({training_tracks})::jsonb ->> t.topic AS d_track,
               t.ends_on AS on_date
          FROM training_participant p JOIN training t ON t.id = p.training_id
          JOIN survivor sv ON sv.id = p.survivor_id
         WHERE p.organization_id = ANY({orgs}) AND p.deleted_at IS NULL
           AND t.deleted_at IS NULL AND sv.deleted_at IS NULL
           AND p.pre_score IS NOT NULL AND p.post_score IS NOT NULL
           AND t.ends_on IS NOT NULL AND t.ends_on <= {today}""",
    watch=watching("survivor", "training", "training_participant"),
)

MEASURES = (
    SHGS_FORMED,
    SHG_MEETINGS,
    SHG_GRADES,
    SHG_SURVIVORS,
    SHG_SAVINGS,
    SHG_LOANS_OUTSTANDING,
    SHG_PRINCIPAL_REPAID,
    SHG_PRINCIPAL_DUE,
    LIVELIHOOD_EXPLORERS,
    MONTHLY_INCOME,
    BANK_ACCOUNTS_OPENED,
    ENTITLEMENT_APPLICATIONS,
    ENTITLEMENT_RECEIPTS,
    ENTITLEMENT_STALLS,
    TRAININGS,
    TRAINING_PARTICIPANTS,
    TRAINING_SCORE_GAINS,
)
