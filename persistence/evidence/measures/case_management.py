"""Outcome 1: survivors, cases and their stages, referrals."""

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
from persistence.models.case_vocabulary import (
    CaseStatus,
    ClosureReason,
    ReferralStatus,
    ServiceKind,
    Urgency,
)

STAGE = Dimension("stage", "Case stage", vocabulary(CaseStatus))
CLOSURE_REASON = Dimension("closure_reason", "Why the case was closed", vocabulary(ClosureReason))
SERVICE_KIND = Dimension("service_kind", "Service referred for", vocabulary(ServiceKind))
URGENCY = Dimension("urgency", "Urgency of the referral", vocabulary(Urgency))
REFERRAL_STATUS = Dimension("status", "Status the referral reached", vocabulary(ReferralStatus))

SURVIVORS = Measure(
    code="survivors",
    subject="survivor",
    description="Survivors registered with the organisation (from the day of registration "
    "until the record is deleted).",
    kind=MeasureKind.stock,
    about_survivors=True,
    sql=f"""
        SELECT s.organization_id, s.district_id, NULL::uuid AS block_id,
               s.id AS survivor_id, s.id AS unit_key, s.id AS rollup_key, s.id AS person_key,
               NULL::numeric AS amount,
               {day("s.created_at")} AS from_date, {day("s.deleted_at")} AS to_date
          FROM survivor s
         WHERE s.organization_id = ANY({{orgs}})
           AND ({{units}} IS NULL OR s.id = ANY({{units}}))""",
    rollup=Rollup(sources=(Source("survivor", "id"),)),
)

REGISTRATIONS = Measure(
    code="registrations",
    subject="survivor",
    description="Survivors registered (intake), on the day of registration.",
    kind=MeasureKind.flow,
    about_survivors=True,
    sql=f"""
        SELECT s.organization_id, s.district_id, NULL::uuid AS block_id,
               s.id AS survivor_id, s.id AS unit_key, s.id AS rollup_key, s.id AS person_key,
               NULL::numeric AS amount, {day("s.created_at")} AS on_date
          FROM survivor s
         WHERE s.organization_id = ANY({{orgs}}) AND s.deleted_at IS NULL
           AND ({{units}} IS NULL OR s.id = ANY({{units}}))""",
    rollup=Rollup(sources=(Source("survivor", "id"),)),
)

# What marks a case to recompute, for the rolled-up measures of cases and their records: the
# case itself (its district, its stage now, deleted), and its transitions.
CASE_SOURCE = Source("survivor_case", "id")
TRANSITIONS = Source("case_event", "case_id", "kind = 'transition'")

# What marks a referral to recompute: the referral itself, and its steps.
REFERRAL_SOURCE = Source("referral", "id")
REFERRAL_STEPS_SOURCE = Source("referral_status_change", "referral_id")

# The columns every fact about a case's record carries (``c``: its case, survivor_case).
CASE_FACT = (
    "c.organization_id, c.district_id, NULL::uuid AS block_id, c.survivor_id, "
    "c.survivor_id AS person_key"
)

# A case's stages as spells (``stage_spells``: case_id, stage, from_date, to_date, ended_by):
# the first from the day it was opened (in the stage its first transition left, or its stage
# now), each later one from the day of the transition into it, each until the next (NULL: it
# stands still). ``ended_by`` is the transition that ended the spell. One pass over the
# transitions in case order (read from their own index) gives each its next day. The WITH list
# of a query over cases of the organisations ``{orgs}`` (and of ``{units}``, the cases a
# rolled-up figure recomputes; NULL: every case); used by every measure of stages.
STAGE_SPELLS = f"""
        moves AS (
            SELECT e.id AS event_id, e.case_id, {day("e.occurred_at")} AS on_date,
                   e.detail ->> 'from' AS left_stage, e.detail ->> 'to' AS stage,
                   lag(e.id) OVER w IS NULL AS first,
                   lead({day("e.occurred_at")}) OVER w AS next_on,
                   lead(e.id) OVER w AS next_event
              FROM case_event e
             WHERE e.organization_id = ANY({{orgs}}) AND e.kind = 'transition'
               AND ({{units}} IS NULL OR e.case_id = ANY({{units}}))
            WINDOW w AS (PARTITION BY e.case_id ORDER BY e.occurred_at, e.id)
        ),
        spells AS (
            SELECT c.id AS case_id, COALESCE(m.left_stage, c.status) AS stage,
                   c.opened_on AS on_date, m.on_date AS next_on, m.event_id AS ended_by
              FROM survivor_case c
              LEFT JOIN moves m ON m.case_id = c.id AND m.first
             WHERE c.organization_id = ANY({{orgs}}) AND c.deleted_at IS NULL
               AND ({{units}} IS NULL OR c.id = ANY({{units}}))
            UNION ALL
            SELECT m.case_id, m.stage, m.on_date, m.next_on, m.next_event FROM moves m
        ),
        stage_spells AS (
            SELECT s.case_id, s.stage, GREATEST(s.on_date, c.opened_on) AS from_date,
                   CASE WHEN s.next_on IS NOT NULL THEN GREATEST(s.next_on, c.opened_on) END
                       AS to_date,
                   s.ended_by
              FROM spells s JOIN survivor_case c ON c.id = s.case_id
             WHERE c.deleted_at IS NULL
        )"""

CASE_STAGES = Measure(
    code="case_stages",
    subject="case",
    description="Cases in each stage: each case stands in one stage at a time, from the day "
    "it entered the stage until the day it left it. Closed is a stage.",
    kind=MeasureKind.stock,
    about_survivors=True,
    dims=(STAGE,),
    sql=f"""
        WITH {STAGE_SPELLS}
        SELECT {CASE_FACT}, c.id AS unit_key, c.id AS rollup_key, NULL::numeric AS amount,
               s.stage AS d_stage, s.from_date, s.to_date
          FROM stage_spells s JOIN survivor_case c ON c.id = s.case_id""",
    rollup=Rollup(sources=(CASE_SOURCE, TRANSITIONS)),
)

CASE_CLOSURES = Measure(
    code="case_closures",
    subject="case",
    description="Cases closed, on the day of the transition to closed, with the reason given.",
    kind=MeasureKind.flow,
    about_survivors=True,
    dims=(CLOSURE_REASON,),
    sql=f"""
        SELECT c.organization_id, c.district_id, NULL::uuid AS block_id, c.survivor_id,
               e.id AS unit_key, c.id AS rollup_key, c.survivor_id AS person_key,
               NULL::numeric AS amount,
               COALESCE(e.detail ->> 'closure_reason', 'unknown') AS d_closure_reason,
               {day("e.occurred_at")} AS on_date
          FROM case_event e JOIN survivor_case c ON c.id = e.case_id
         WHERE e.organization_id = ANY({{orgs}}) AND e.kind = 'transition'
           AND e.detail ->> 'to' = 'closed' AND c.deleted_at IS NULL
           AND ({{units}} IS NULL OR e.case_id = ANY({{units}}))""",
    rollup=Rollup(sources=(CASE_SOURCE, TRANSITIONS)),
)

REFERRALS = Measure(
    code="referrals",
    subject="referral",
    description="Referrals sent by the organisation, on the day they were made.",
    kind=MeasureKind.flow,
    about_survivors=True,
    dims=(SERVICE_KIND, URGENCY),
    sql=f"""
        SELECT r.organization_id, r.district_id, NULL::uuid AS block_id, r.survivor_id,
               r.id AS unit_key, r.id AS rollup_key, r.survivor_id AS person_key,
               NULL::numeric AS amount, r.service_kind AS d_service_kind,
               r.urgency AS d_urgency, {day("r.created_at")} AS on_date
          FROM referral r
         WHERE r.organization_id = ANY({{orgs}}) AND r.deleted_at IS NULL
           AND ({{units}} IS NULL OR r.id = ANY({{units}}))""",
    rollup=Rollup(sources=(REFERRAL_SOURCE,)),
)

REFERRAL_STEPS = Measure(
    code="referral_steps",
    subject="referral",
    description="Referrals reaching a status (accepted, completed, declined ...), on the day "
    "they reached it.",
    kind=MeasureKind.flow,
    about_survivors=True,
    dims=(REFERRAL_STATUS, SERVICE_KIND),
    sql=f"""
        SELECT r.organization_id, r.district_id, NULL::uuid AS block_id, r.survivor_id,
               r.id AS unit_key, r.id AS rollup_key, r.survivor_id AS person_key,
               NULL::numeric AS amount, x.to_status AS d_status,
               r.service_kind AS d_service_kind, {day("x.occurred_at")} AS on_date
          FROM referral_status_change x JOIN referral r ON r.id = x.referral_id
         WHERE x.organization_id = ANY({{orgs}}) AND r.deleted_at IS NULL
           AND ({{units}} IS NULL OR x.referral_id = ANY({{units}}))""",
    rollup=Rollup(sources=(REFERRAL_SOURCE, REFERRAL_STEPS_SOURCE)),
)

REFERRAL_COMPLETION_DAYS = Measure(
    code="referral_completion_days",
    subject="referral",
    description="Days from a referral being made to its completion, counted on the day it was "
    "completed.",
    kind=MeasureKind.flow,
    about_survivors=True,
    dims=(SERVICE_KIND,),
    amount="days",
    sql=f"""
        SELECT r.organization_id, r.district_id, NULL::uuid AS block_id, r.survivor_id,
               r.id AS unit_key, r.id AS rollup_key, r.survivor_id AS person_key,
               ({day("x.occurred_at")} - {day("r.created_at")})::numeric AS amount,
               r.service_kind AS d_service_kind, {day("x.occurred_at")} AS on_date
          FROM referral_status_change x JOIN referral r ON r.id = x.referral_id
         WHERE x.organization_id = ANY({{orgs}}) AND x.to_status = 'completed'
           AND r.deleted_at IS NULL AND ({{units}} IS NULL OR x.referral_id = ANY({{units}}))""",
    rollup=Rollup(sources=(REFERRAL_SOURCE, REFERRAL_STEPS_SOURCE)),
)

MEASURES = (
    SURVIVORS,
    REGISTRATIONS,
    CASE_STAGES,
    CASE_CLOSURES,
    REFERRALS,
    REFERRAL_STEPS,
    REFERRAL_COMPLETION_DAYS,
)
