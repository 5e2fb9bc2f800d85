"""Outcome 1, the progress of cases: care plans she agreed, goals achieved, follow-up visits,
assessment scores against her baseline, days in each stage, legal proceedings and victim
compensation."""

from __future__ import annotations

from persistence.clock import business_date_sql as day
from persistence.evidence.measure import (
    Dimension,
    Measure,
    MeasureKind,
    Rollup,
    Source,
    vocabulary,
)
from persistence.evidence.measures.case_management import (
    CASE_FACT,
    CASE_SOURCE,
    STAGE,
    STAGE_SPELLS,
    TRANSITIONS,
)
from persistence.models.case_vocabulary import (
    CbrComponent,
    ProceedingKind,
    ProceedingStatus,
    VisitKind,
)

# A visit done up to this many days after the day it was planned for is on time.
ON_TIME_GRACE_DAYS = 3

GOAL_COMPONENT = Dimension("component", "CBR component of the goal", vocabulary(CbrComponent))
VISIT_KIND = Dimension("visit_kind", "How the visit was made", vocabulary(VisitKind))
VISIT_TIMING = Dimension(
    "timing",
    f"on_time: done at most {ON_TIME_GRACE_DAYS} days after the day planned; late: after",
    ("on_time", "late"),
)
# Instruments are data (an organisation may add its own), so their sections are open codes.
SECTION = Dimension(
    "component",
    "Section of the instrument (the CBR matrix's components, the wellbeing domains ...)",
)
INSTRUMENT = Dimension("instrument", "Assessment instrument (its code)")
DIRECTION = Dimension(
    "direction", "How the section score moved from the baseline", ("improved", "unchanged", "worse")
)
PROCEEDING_STATUS = Dimension(
    "proceeding_status", "Stage of the legal proceeding", vocabulary(ProceedingStatus)
)
PROCEEDING_KIND = Dimension(
    "proceeding_kind", "FIR, complaint or petition", vocabulary(ProceedingKind)
)
# What else marks a case to recompute: its visits, its assessments.
VISITS = Source("case_visit", "case_id")
ASSESSMENTS = Source("assessment", "case_id")

COMPENSATION_STEP = Dimension("step", "Victim compensation awarded or paid", ("awarded", "paid"))

AGREED_PLANS = Measure(
    code="agreed_plans",
    subject="case",
    description="Cases in each stage whose care plan the survivor agreed to: from the day of "
    "her first agreement (agreed_on), or the day the case entered the stage when that came "
    "later, until it left the stage.",
    kind=MeasureKind.stock,
    about_survivors=True,
    dims=(STAGE,),
    sql=f"""
        WITH {STAGE_SPELLS},
        agreed AS (
            SELECT a.case_id, min(a.agreed_on) AS agreed_on
              FROM care_plan_agreement a
             WHERE a.organization_id = ANY({{orgs}}) AND a.deleted_at IS NULL
               AND ({{units}} IS NULL OR a.case_id = ANY({{units}}))
             GROUP BY a.case_id
        )
        SELECT {CASE_FACT}, c.id AS unit_key, c.id AS rollup_key, NULL::numeric AS amount,
               s.stage AS d_stage, GREATEST(s.from_date, a.agreed_on) AS from_date, s.to_date
          FROM stage_spells s
          JOIN agreed a ON a.case_id = s.case_id
          JOIN survivor_case c ON c.id = s.case_id
         WHERE s.to_date IS NULL OR s.to_date > a.agreed_on""",
    rollup=Rollup(sources=(CASE_SOURCE, TRANSITIONS, Source("care_plan_agreement", "case_id"))),
)

GOALS_ACHIEVED = Measure(
    code="goals_achieved",
    subject="care_plan_goal",
    description="Care-plan goals achieved, on the day recorded as achieved (achieved_on), by "
    "the CBR component of the goal. Dropped goals are not counted.",
    kind=MeasureKind.flow,
    about_survivors=True,
    dims=(GOAL_COMPONENT,),
    sql=f"""
        SELECT {CASE_FACT}, g.id AS unit_key, c.id AS rollup_key, NULL::numeric AS amount,
               g.component AS d_component, g.achieved_on AS on_date
          FROM care_plan_goal g JOIN survivor_case c ON c.id = g.case_id
         WHERE g.organization_id = ANY({{orgs}}) AND g.status = 'achieved'
           AND g.achieved_on IS NOT NULL AND g.deleted_at IS NULL AND c.deleted_at IS NULL
           AND ({{units}} IS NULL OR g.case_id = ANY({{units}}))""",
    rollup=Rollup(sources=(CASE_SOURCE, Source("care_plan_goal", "case_id"))),
)

FOLLOWUPS_DONE = Measure(
    code="followups_done",
    subject="case_visit",
    description="Follow-up visits done, on the day they were made (done_at, in India), by how "
    f"they were made and whether they were on time (done at most {ON_TIME_GRACE_DAYS} days "
    "after the day they were last planned for; a visit recorded as done without a plan is "
    "planned for its own day).",
    kind=MeasureKind.flow,
    about_survivors=True,
    dims=(VISIT_KIND, VISIT_TIMING),
    sql=f"""
        SELECT {CASE_FACT}, v.id AS unit_key, c.id AS rollup_key, NULL::numeric AS amount,
               v.kind AS d_visit_kind,
               CASE WHEN {day("v.done_at")} <= v.planned_on + {ON_TIME_GRACE_DAYS}
                    THEN 'on_time' ELSE 'late' END AS d_timing,
               {day("v.done_at")} AS on_date
          FROM case_visit v JOIN survivor_case c ON c.id = v.case_id
         WHERE v.organization_id = ANY({{orgs}}) AND v.status = 'done'
           AND v.done_at IS NOT NULL AND v.deleted_at IS NULL AND c.deleted_at IS NULL
           AND ({{units}} IS NULL OR v.case_id = ANY({{units}}))""",
    rollup=Rollup(sources=(CASE_SOURCE, VISITS)),
)

# A visit is final once done, missed or cancelled (domain/follow_ups/visits.py), so the day
# it was recorded missed or cancelled is the day of its last change (updated_at).
FOLLOWUPS_OVERDUE = Measure(
    code="followups_overdue",
    subject="case_visit",
    description="Planned follow-up visits overdue: from the day after the day planned "
    "(planned_on, as last rescheduled: earlier plans are not kept) until the day the visit was "
    "done (done_at), or, for a visit missed or cancelled, the day that was recorded "
    "(updated_at: a visit is final once missed or cancelled). A visit still planned stays "
    "overdue, on a closed case too (as the case's overdue flag).",
    kind=MeasureKind.stock,
    about_survivors=True,
    dims=(VISIT_KIND,),
    sql=f"""
        SELECT {CASE_FACT}, v.id AS unit_key, c.id AS rollup_key, NULL::numeric AS amount,
               v.kind AS d_visit_kind, v.planned_on + 1 AS from_date,
               CASE v.status WHEN 'planned' THEN NULL
                             WHEN 'done' THEN {day("v.done_at")}
                             ELSE {day("v.updated_at")} END AS to_date
          FROM case_visit v JOIN survivor_case c ON c.id = v.case_id
         WHERE v.organization_id = ANY({{orgs}}) AND v.deleted_at IS NULL
           AND c.deleted_at IS NULL AND ({{units}} IS NULL OR v.case_id = ANY({{units}}))""",
    rollup=Rollup(sources=(CASE_SOURCE, VISITS)),
)

# The baseline of an assessment is the case's first assessment with the same instrument (by
# the day conducted, then the time recorded, then id), as AssessmentRepository.baselines
# finds it: one entered late but conducted earlier becomes the baseline of those after it.
ASSESSMENT_CHANGES = Measure(
    code="assessment_changes",
    subject="assessment",
    description="Section scores of follow-up assessments (every assessment but the case's "
    "first with the same instrument, its baseline), on the day conducted, with their change "
    "from the baseline's score of the same section (in points of the instrument's scale; "
    "sections without a score in either are left out).",
    kind=MeasureKind.flow,
    about_survivors=True,
    dims=(SECTION, INSTRUMENT, DIRECTION),
    amount="points",
    sql=f"""
        WITH sittings AS (
            SELECT a.id, a.case_id, a.instrument_id, a.conducted_on, a.scores,
                   first_value(a.id) OVER (
                       PARTITION BY a.case_id, a.instrument_id
                       ORDER BY a.conducted_on, a.created_at, a.id) AS baseline_id
              FROM assessment a
             WHERE a.organization_id = ANY({{orgs}}) AND a.deleted_at IS NULL
               AND ({{units}} IS NULL OR a.case_id = ANY({{units}}))
        ),
        changes AS (
            SELECT f.id, f.case_id, f.instrument_id, f.conducted_on, x.section,
                   x.score::numeric - (b.scores -> 'sections' ->> x.section)::numeric AS change
              FROM sittings f
              JOIN assessment b ON b.id = f.baseline_id
              CROSS JOIN LATERAL jsonb_each_text(f.scores -> 'sections') AS x(section, score)
             WHERE f.id <> f.baseline_id AND x.score IS NOT NULL
               AND b.scores -> 'sections' ->> x.section IS NOT NULL
        )
        SELECT {CASE_FACT}, md5(ch.id::text || ':' || ch.section)::uuid AS unit_key,
               c.id AS rollup_key, ch.change AS amount, ch.section AS d_component,
               i.code AS d_instrument,
               CASE WHEN ch.change > 0 THEN 'improved' WHEN ch.change < 0 THEN 'worse'
                    ELSE 'unchanged' END AS d_direction,
               ch.conducted_on AS on_date
          FROM changes ch
          JOIN survivor_case c ON c.id = ch.case_id
          JOIN assessment_instrument i ON i.id = ch.instrument_id
         WHERE c.deleted_at IS NULL""",
    rollup=Rollup(
        sources=(
            CASE_SOURCE,
            ASSESSMENTS,
            # An instrument's code is its dimension: a changed code touches its cases.
            Source(
                "assessment_instrument",
                "instrument_cases",
                via="SELECT a.case_id FROM assessment a WHERE a.instrument_id = r.id",
            ),
        )
    ),
)

CASE_STAGE_DAYS = Measure(
    code="case_stage_days",
    subject="case",
    description="Days a case spent in a stage (from the day it entered the stage to the day "
    "it left it), counted on the day it left. Closed counts for cases later reopened.",
    kind=MeasureKind.flow,
    about_survivors=True,
    dims=(STAGE,),
    amount="days",
    sql=f"""
        WITH {STAGE_SPELLS}
        SELECT {CASE_FACT}, s.ended_by AS unit_key, c.id AS rollup_key,
               (s.to_date - s.from_date)::numeric AS amount, s.stage AS d_stage,
               s.to_date AS on_date
          FROM stage_spells s JOIN survivor_case c ON c.id = s.case_id
         WHERE s.ended_by IS NOT NULL""",
    rollup=Rollup(sources=(CASE_SOURCE, TRANSITIONS)),
)

# A proceeding's stages as spells, as a case's (STAGE_SPELLS): the first from the day it was
# filed (or recorded, when no filing day is known), each later one from the day of the
# change of stage (the case's history keeps each: kind 'legal', event 'status_change').
LEGAL_PROCEEDINGS = Measure(
    code="legal_proceedings",
    subject="legal_proceeding",
    description="Legal proceedings (FIRs, complaints, petitions) in each stage: from the day "
    "filed (or recorded, when no filing day is known) and from each change of stage, until "
    "the next. Closed is a stage; a proceeding taken up again after it opens again.",
    kind=MeasureKind.stock,
    about_survivors=True,
    dims=(PROCEEDING_STATUS, PROCEEDING_KIND),
    sql=f"""
        WITH moves AS (
            SELECT e.subject_id AS proceeding_id, {day("e.occurred_at")} AS on_date,
                   e.detail ->> 'from' AS left_status, e.detail ->> 'to' AS status,
                   row_number() OVER (PARTITION BY e.subject_id
                                      ORDER BY e.occurred_at, e.id) AS seq
              FROM case_event e
             WHERE e.organization_id = ANY({{orgs}}) AND e.kind = 'legal'
               AND e.detail ->> 'event' = 'status_change'
               AND ({{units}} IS NULL OR e.case_id = ANY({{units}}))
        ),
        spells AS (
            SELECT p.id AS proceeding_id, COALESCE(m.left_status, p.status) AS status,
                   NULL::date AS on_date, 0::bigint AS seq
              FROM legal_proceeding p
              LEFT JOIN moves m ON m.proceeding_id = p.id AND m.seq = 1
             WHERE p.organization_id = ANY({{orgs}}) AND p.deleted_at IS NULL
               AND ({{units}} IS NULL OR p.case_id = ANY({{units}}))
            UNION ALL
            SELECT m.proceeding_id, m.status, m.on_date, m.seq FROM moves m
        ),
        dated AS (
            SELECT s.proceeding_id, s.status, s.seq,
                   GREATEST(s.on_date, COALESCE(p.filed_on, {day("p.created_at")}))
                       AS from_date
              FROM spells s JOIN legal_proceeding p ON p.id = s.proceeding_id
             WHERE p.deleted_at IS NULL
        )
        SELECT {CASE_FACT}, p.id AS unit_key, c.id AS rollup_key, NULL::numeric AS amount,
               d.status AS d_proceeding_status, p.kind AS d_proceeding_kind, d.from_date,
               lead(d.from_date) OVER (PARTITION BY d.proceeding_id ORDER BY d.seq) AS to_date
          FROM dated d
          JOIN legal_proceeding p ON p.id = d.proceeding_id
          JOIN survivor_case c ON c.id = p.case_id
         WHERE c.deleted_at IS NULL""",
    rollup=Rollup(
        sources=(
            CASE_SOURCE,
            Source("legal_proceeding", "case_id"),
            Source("case_event", "case_id", "kind = 'legal'"),
        )
    ),
)

# The record keeps one award and one payment per proceeding (amount and day, corrected in
# place): figures follow the record as it stands.
COMPENSATION = Measure(
    code="compensation",
    subject="legal_proceeding",
    description="Victim compensation awarded (on the day of the award) and paid (on the day "
    "of the payment), in paise, as the proceeding's record stands (a corrected amount "
    "replaces the one it corrects).",
    kind=MeasureKind.flow,
    about_survivors=True,
    dims=(COMPENSATION_STEP, PROCEEDING_KIND),
    amount="paise",
    sql=f"""
        SELECT {CASE_FACT}, p.id AS unit_key, c.id AS rollup_key,
               p.compensation_awarded_paise::numeric AS amount, 'awarded' AS d_step,
               p.kind AS d_proceeding_kind, p.compensation_awarded_on AS on_date
          FROM legal_proceeding p JOIN survivor_case c ON c.id = p.case_id
         WHERE p.organization_id = ANY({{orgs}}) AND p.deleted_at IS NULL
           AND c.deleted_at IS NULL AND p.compensation_awarded_paise IS NOT NULL
           AND p.compensation_awarded_on IS NOT NULL
           AND ({{units}} IS NULL OR p.case_id = ANY({{units}}))
        UNION ALL
        SELECT {CASE_FACT}, md5(p.id::text || ':paid')::uuid AS unit_key, c.id AS rollup_key,
               p.compensation_paid_paise::numeric AS amount, 'paid' AS d_step,
               p.kind AS d_proceeding_kind, p.compensation_paid_on AS on_date
          FROM legal_proceeding p JOIN survivor_case c ON c.id = p.case_id
         WHERE p.organization_id = ANY({{orgs}}) AND p.deleted_at IS NULL
           AND c.deleted_at IS NULL AND p.compensation_paid_paise IS NOT NULL
           AND p.compensation_paid_on IS NOT NULL
           AND ({{units}} IS NULL OR p.case_id = ANY({{units}}))""",
    rollup=Rollup(sources=(CASE_SOURCE, Source("legal_proceeding", "case_id"))),
)

MEASURES = (
    AGREED_PLANS,
    GOALS_ACHIEVED,
    FOLLOWUPS_DONE,
    FOLLOWUPS_OVERDUE,
    ASSESSMENT_CHANGES,
    CASE_STAGE_DAYS,
    LEGAL_PROCEEDINGS,
    COMPENSATION,
)
