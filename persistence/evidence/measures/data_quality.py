"""Outcome 3, data kept well: case records complete in their key fields, and how soon events
are recorded after they happen."""

from __future__ import annotations

from persistence.clock import business_date_sql as day
from persistence.evidence.measure import Dimension, Measure, MeasureKind, Rollup, Source
from persistence.evidence.measures.case_management import (
    CASE_FACT,
    CASE_SOURCE,
    STAGE,
    STAGE_SPELLS,
    TRANSITIONS,
)
from persistence.evidence.measures.case_progress import ASSESSMENTS, VISITS
from persistence.repositories.consents import in_force_days_sql

# The key fields of a case record (survivor_case), each with the condition under which it is
# missing; and her consent to case management, which must be in force.
KEY_FIELDS = (
    ("identified_on", "c.identified_on IS NULL"),
    ("recruitment_method", "c.recruitment_method IS NULL"),
    ("exploitation_types", "cardinality(c.exploitation_types) = 0"),
)
CONSENT_FIELD = "case_management_consent"
FIELD = Dimension(
    "field",
    "Key field missing from the case record",
    (*(name for name, _ in KEY_FIELDS), CONSENT_FIELD),
)
RECORD = Dimension(
    "record",
    "What was recorded: a visit done, an assessment, her agreement to the care plan",
    ("visit", "assessment", "plan_agreement"),
)

_FIELDS_RECORDED = " AND ".join(f"NOT ({missing})" for _, missing in KEY_FIELDS)
# A stage spell as a multirange of the days it stands at the end of.
_SPELL_DAYS = (
    "datemultirange(daterange(s.from_date, CASE WHEN s.to_date < s.from_date "
    "THEN s.from_date ELSE s.to_date END))"
)
# Her consent to case management, for the survivors of the cases recomputed ({units}).
_CASE_MANAGEMENT_CONSENT = in_force_days_sql(
    "'case_management'",
    "{orgs}",
    survivors="CASE WHEN {units} IS NOT NULL THEN ARRAY(SELECT u.survivor_id"
    " FROM survivor_case u WHERE u.id = ANY({units})) END",
)
# What marks a case's record to recompute: the case, its transitions, and a change of her
# consent to case management (which names her, so it touches each of her cases).
_RECORD_SOURCES = (
    CASE_SOURCE,
    TRANSITIONS,
    Source(
        "consent",
        "survivor_cases",
        "purpose = 'case_management'",
        via="SELECT c.id FROM survivor_case c WHERE c.survivor_id = r.survivor_id",
    ),
)

COMPLETE_CASE_RECORDS = Measure(
    code="complete_case_records",
    subject="case",
    description="Cases in each stage whose record is complete: the day she was identified, "
    "how she was recruited and the types of exploitation are recorded (as the record stands "
    "today: earlier values are not kept), and her consent to case management is in force.",
    kind=MeasureKind.stock,
    about_survivors=True,
    dims=(STAGE,),
    sql=f"""
        WITH {STAGE_SPELLS},
        case_consent AS ({_CASE_MANAGEMENT_CONSENT})
        SELECT {CASE_FACT}, c.id AS unit_key, c.id AS rollup_key, NULL::numeric AS amount,
               s.stage AS d_stage, lower(r) AS from_date, upper(r) AS to_date
          FROM stage_spells s
          JOIN survivor_case c ON c.id = s.case_id
          JOIN case_consent k ON k.survivor_id = c.survivor_id,
               unnest({_SPELL_DAYS} * k.days) AS r
         WHERE {_FIELDS_RECORDED}""",
    rollup=Rollup(sources=_RECORD_SOURCES),
)

_FIELD_GAPS = " UNION ALL ".join(
    f"""SELECT {CASE_FACT}, md5(c.id::text || ':{name}')::uuid AS unit_key,
               c.id AS rollup_key, '{name}' AS d_field, s.stage AS d_stage, s.from_date, s.to_date
          FROM stage_spells s JOIN survivor_case c ON c.id = s.case_id
         WHERE {missing}"""
    for name, missing in KEY_FIELDS
)

CASE_RECORD_GAPS = Measure(
    code="case_record_gaps",
    subject="case",
    description="Key fields missing from case records, by field: a case counts once for each "
    "key field it lacks (the day she was identified, how she was recruited, the types of "
    "exploitation; as the record stands today), and for each day her consent to case "
    "management is not in force, while it stands in a stage.",
    kind=MeasureKind.stock,
    about_survivors=True,
    dims=(FIELD, STAGE),
    sql=f"""
        WITH {STAGE_SPELLS},
        case_consent AS ({_CASE_MANAGEMENT_CONSENT})
        SELECT g.*, NULL::numeric AS amount FROM ({_FIELD_GAPS}) g
        UNION ALL
        SELECT {CASE_FACT}, md5(c.id::text || ':{CONSENT_FIELD}')::uuid AS unit_key,
               c.id AS rollup_key, '{CONSENT_FIELD}' AS d_field, s.stage AS d_stage,
               lower(r) AS from_date, upper(r) AS to_date, NULL::numeric AS amount
          FROM stage_spells s
          JOIN survivor_case c ON c.id = s.case_id
          LEFT JOIN case_consent k ON k.survivor_id = c.survivor_id,
               unnest({_SPELL_DAYS} - COALESCE(k.days, '{{{{}}}}'::datemultirange)) AS r""",
    rollup=Rollup(sources=_RECORD_SOURCES),
)

# Visits are final once done (domain/follow_ups/visits.py): a done visit's last change
# (updated_at) is when it was recorded done, whether planned first or recorded at once.
RECORDING_DELAYS = Measure(
    code="recording_delays",
    subject="case",
    description="Days from an event to its record, counted on the day it was recorded: a "
    "visit from the day it was made (done_at) to the day it was recorded done; an "
    "assessment from the day it was conducted to the day it was entered; her agreement to "
    "the care plan from the day she agreed to the day it was entered. Days in India; never "
    "below 0.",
    kind=MeasureKind.flow,
    about_survivors=True,
    dims=(RECORD,),
    amount="days",
    sql=f"""
        SELECT {CASE_FACT}, x.unit_key, c.id AS rollup_key,
               GREATEST(x.recorded_on - x.happened_on, 0)::numeric AS amount,
               x.record AS d_record, x.recorded_on AS on_date
          FROM (
            SELECT v.case_id, v.id AS unit_key, 'visit' AS record,
                   {day("v.done_at")} AS happened_on, {day("v.updated_at")} AS recorded_on
              FROM case_visit v
             WHERE v.organization_id = ANY({{orgs}}) AND v.status = 'done'
               AND v.done_at IS NOT NULL AND v.deleted_at IS NULL
            UNION ALL
            SELECT a.case_id, a.id, 'assessment', a.conducted_on, {day("a.created_at")}
              FROM assessment a
             WHERE a.organization_id = ANY({{orgs}}) AND a.deleted_at IS NULL
            UNION ALL
            SELECT p.case_id, p.id, 'plan_agreement', p.agreed_on, {day("p.created_at")}
              FROM care_plan_agreement p
             WHERE p.organization_id = ANY({{orgs}}) AND p.deleted_at IS NULL
          ) x
          JOIN survivor_case c ON c.id = x.case_id
         WHERE c.deleted_at IS NULL AND ({{units}} IS NULL OR x.case_id = ANY({{units}}))""",
    rollup=Rollup(
        sources=(CASE_SOURCE, VISITS, ASSESSMENTS, Source("care_plan_agreement", "case_id"))
    ),
)

MEASURES = (COMPLETE_CASE_RECORDS, CASE_RECORD_GAPS, RECORDING_DELAYS)
