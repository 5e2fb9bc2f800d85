"""Evidence: the indicator catalogue (indicators as data, seeded here, versioned like the
scheme catalogue) and the register of requests for figures.

Each indicator names a measure (persistence/evidence/measures: one tested SQL query over one
subject) with filters, or a ratio of two, its unit, breakdowns and suppression rule. A later
change of a definition is a new version (a new row, the old one closed by ``effective_to``),
added by a migration; figures always use the version in effect today. Version 1 holds from
2000-01-01 ("before any record kept here").

Ids are UUIDv5 under uuid5(NAMESPACE_URL, "https://shakti-mis.org/indicators"):
``indicator:<code>:<version>``, the same on every installation.

The app role reads the catalogue and never changes it; it adds requests and never changes or
removes them.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 10:00:00
"""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | Sequence[str] | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://shakti-mis.org/indicators")
SINCE = date(2000, 1, 1)
APP_ROLE = "shakti_app"

PLACES = ["state", "district"]
PERSON = ["sex", "age_band"]
OPEN_STAGES = ["intake", "assessment", "planning", "active", "monitoring", "reopened"]
PROCEEDING_OPEN = ["filed", "investigation", "chargesheet", "trial", "judgment"]


def use(measure: str, aggregate: str = "count", **filters: list[str]) -> dict[str, Any]:
    return {"measure": measure, "filters": filters, "aggregate": aggregate}


def indicator(
    code: str,
    outcome: int,
    name: str,
    definition: str,
    numerator: dict[str, Any],
    unit: str,
    breakdowns: list[str],
    *,
    denominator: dict[str, Any] | None = None,
    factor: int = 1,
    suppression: str = "people",
    headline: int | None = None,
    sentence: str | None = None,
) -> dict[str, Any]:
    kind = "ratio" if denominator is not None else numerator["aggregate"]
    return {
        "code": code,
        "outcome": outcome,
        "name": name,
        "definition": definition,
        "kind": kind,
        "numerator": numerator,
        "denominator": denominator,
        "factor": factor,
        "unit": unit,
        "breakdowns": breakdowns,
        "suppression": suppression,
        "headline_rank": headline,
        "sentence": sentence,
    }


# -- outcome 1: case management ----------------------------------------------------------------
CASE_MANAGEMENT = [
    indicator(
        "survivors_associated",
        1,
        "Survivors associated with the programme",
        "Survivors registered with the organisation and not removed, at the period's end.",
        use("survivors"),
        "survivors",
        [*PLACES, *PERSON],
        headline=1,
        sentence="{value} survivors associated with the programme across {districts} districts",
    ),
    indicator(
        "new_registrations",
        1,
        "New registrations",
        "Survivors registered (intake) during the period.",
        use("registrations"),
        "survivors",
        [*PLACES, *PERSON],
        headline=2,
        sentence="{value} survivors newly registered",
    ),
    indicator(
        "active_cases",
        1,
        "Active cases",
        "Cases open (intake, assessment, planning, active, monitoring or reopened) at the "
        "period's end, by stage.",
        use("case_stages", stage=OPEN_STAGES),
        "cases",
        [*PLACES, *PERSON, "stage"],
        headline=3,
        sentence="{value} cases open",
    ),
    indicator(
        "cases_closed",
        1,
        "Cases closed",
        "Cases closed during the period, by the reason recorded.",
        use("case_closures"),
        "cases",
        [*PLACES, *PERSON, "closure_reason"],
    ),
    indicator(
        "cases_closed_goals_achieved",
        1,
        "Cases closed with goals achieved",
        "Cases closed during the period because the survivor's goals were achieved.",
        use("case_closures", closure_reason=["goals_achieved"]),
        "cases",
        [*PLACES, *PERSON],
        headline=6,
        sentence="{value} cases closed with the survivor's goals achieved",
    ),
    indicator(
        "referrals_made",
        1,
        "Referrals made",
        "Referrals sent to a service during the period, by the service referred for.",
        use("referrals"),
        "referrals",
        [*PLACES, *PERSON, "service_kind", "urgency"],
        headline=4,
        sentence="{value} referrals made to services",
    ),
    indicator(
        "referrals_accepted",
        1,
        "Referrals accepted",
        "Referrals the receiving organisation accepted during the period.",
        use("referral_steps", status=["accepted"]),
        "referrals",
        [*PLACES, *PERSON, "service_kind"],
    ),
    indicator(
        "referrals_completed",
        1,
        "Referrals completed",
        "Referrals completed (the service delivered) during the period.",
        use("referral_steps", status=["completed"]),
        "referrals",
        [*PLACES, *PERSON, "service_kind"],
        headline=5,
        sentence="{value} referrals followed to completion",
    ),
    indicator(
        "referral_acceptance_rate",
        1,
        "Referral acceptance rate",
        "Referrals accepted during the period as a percentage of referrals made during it.",
        use("referral_steps", status=["accepted"]),
        "percent",
        [*PLACES, "service_kind"],
        denominator=use("referrals"),
        factor=100,
    ),
    indicator(
        "referral_days_to_completion",
        1,
        "Median days from referral to completion",
        "For referrals completed during the period, the median number of days from the "
        "referral being made to its completion.",
        use("referral_completion_days", "median"),
        "days",
        [*PLACES, "service_kind"],
    ),
    indicator(
        "cases_with_agreed_plan",
        1,
        "Open cases with a care plan she agreed to",
        "Cases open at the period's end whose care plan the survivor agreed to on or before "
        "that day (her first agreement to the plan), by stage.",
        use("agreed_plans", stage=OPEN_STAGES),
        "cases",
        [*PLACES, *PERSON, "stage"],
    ),
    indicator(
        "cases_with_agreed_plan_share",
        1,
        "Share of open cases with a care plan she agreed to",
        "Cases open at the period's end whose care plan the survivor agreed to on or before "
        "that day, as a percentage of the cases open then.",
        use("agreed_plans", stage=OPEN_STAGES),
        "percent",
        [*PLACES, *PERSON, "stage"],
        denominator=use("case_stages", stage=OPEN_STAGES),
        factor=100,
    ),
    indicator(
        "goals_achieved",
        1,
        "Care-plan goals achieved",
        "Goals of survivors' care plans achieved during the period (on the day recorded as "
        "achieved), by CBR component. Dropped goals are not counted.",
        use("goals_achieved"),
        "goals",
        [*PLACES, *PERSON, "component"],
        headline=7,
        sentence="{value} care-plan goals achieved by survivors",
    ),
    indicator(
        "followups_done",
        1,
        "Follow-up visits done",
        "Follow-up visits (home, phone, office, group) made during the period, on the day "
        "they were made.",
        use("followups_done"),
        "visits",
        [*PLACES, *PERSON, "visit_kind"],
        headline=8,
        sentence="{value} follow-up visits made",
    ),
    indicator(
        "followups_on_time_share",
        1,
        "Follow-up visits done on time",
        "Visits made during the period on or before the day they were planned for plus a "
        "grace of 3 days, as a percentage of the visits made during it. The day planned is "
        "the day the visit was last planned for; a visit recorded as made without a plan "
        "counts as planned for its own day.",
        use("followups_done", timing=["on_time"]),
        "percent",
        [*PLACES, "visit_kind"],
        denominator=use("followups_done"),
        factor=100,
    ),
    indicator(
        "followups_overdue",
        1,
        "Overdue follow-up visits",
        "Planned visits whose day had passed at the period's end and which were not yet "
        "done, missed or cancelled: overdue from the day after the day planned until the day "
        "the visit was made, or the day it was recorded missed or cancelled.",
        use("followups_overdue"),
        "visits",
        [*PLACES, *PERSON, "visit_kind"],
    ),
    indicator(
        "assessment_change_median",
        1,
        "CBR assessment: median change from baseline",
        "For follow-up CBR matrix assessments held during the period, the median change of "
        "each component's score (1 most vulnerable .. 4 thriving) from the survivor's "
        "baseline: her case's first CBR matrix assessment.",
        use("assessment_changes", "median", instrument=["cbr_matrix"]),
        "points",
        [*PLACES, "component"],
    ),
    indicator(
        "assessment_improved_share",
        1,
        "CBR assessment: share of component scores improved",
        "Of the component scores of follow-up CBR matrix assessments held during the period, "
        "the percentage above the survivor's baseline (her case's first CBR matrix "
        "assessment).",
        use("assessment_changes", instrument=["cbr_matrix"], direction=["improved"]),
        "percent",
        [*PLACES, "component"],
        denominator=use("assessment_changes", instrument=["cbr_matrix"]),
        factor=100,
    ),
    indicator(
        "wellbeing_change_median",
        1,
        "Reintegration wellbeing: median change from baseline",
        "For follow-up reintegration wellbeing assessments held during the period, the "
        "median change of each domain's score (safety, legal protection, mental wellbeing, "
        "economic empowerment, social support, physical wellbeing) from the survivor's "
        "baseline: her case's first wellbeing assessment.",
        use("assessment_changes", "median", instrument=["reintegration_wellbeing"]),
        "points",
        [*PLACES, "component"],
    ),
    indicator(
        "wellbeing_improved_share",
        1,
        "Reintegration wellbeing: share of domain scores improved",
        "Of the domain scores of follow-up reintegration wellbeing assessments held during "
        "the period, the percentage above the survivor's baseline.",
        use(
            "assessment_changes",
            instrument=["reintegration_wellbeing"],
            direction=["improved"],
        ),
        "percent",
        [*PLACES, "component"],
        denominator=use("assessment_changes", instrument=["reintegration_wellbeing"]),
        factor=100,
    ),
    indicator(
        "case_stage_days_median",
        1,
        "Median days in a case stage",
        "For stage spells that ended during the period (the case moved on), the median "
        "number of days the case spent in the stage, by stage.",
        use("case_stage_days", "median"),
        "days",
        [*PLACES, "stage"],
    ),
    indicator(
        "case_stage_days_p90",
        1,
        "Days in a case stage, 90th percentile",
        "For stage spells that ended during the period, the number of days in the stage that "
        "nine in ten spells did not exceed (90th percentile, interpolated), by stage.",
        use("case_stage_days", "p90"),
        "days",
        [*PLACES, "stage"],
    ),
    indicator(
        "legal_proceedings_open",
        1,
        "Legal proceedings open",
        "FIRs, complaints and petitions open (filed and not closed) at the period's end, by "
        "stage and kind; open from the day filed, or recorded when no filing day is known.",
        use("legal_proceedings", proceeding_status=PROCEEDING_OPEN),
        "proceedings",
        [*PLACES, *PERSON, "proceeding_status", "proceeding_kind"],
    ),
    indicator(
        "compensation_awarded",
        1,
        "Victim compensation awarded",
        "Victim compensation awarded to survivors during the period (on the day of the "
        "award), in paise, as the record stands.",
        use("compensation", "sum", step=["awarded"]),
        "paise",
        [*PLACES, "proceeding_kind"],
    ),
    indicator(
        "compensation_paid",
        1,
        "Victim compensation paid",
        "Victim compensation paid to survivors during the period (on the day of the "
        "payment), in paise, as the record stands.",
        use("compensation", "sum", step=["paid"]),
        "paise",
        [*PLACES, "proceeding_kind"],
        headline=9,
        sentence="{value} of victim compensation paid to survivors",
    ),
]

# -- outcome 2: livelihoods, financial inclusion, entitlements, trainings ----------------------
GROUP_PLACES = [*PLACES, "block"]
LIVELIHOOD_TRACK = ["livelihood"]

LIVELIHOODS = [
    indicator(
        "survivors_exploring_livelihoods",
        2,
        "Survivors exploring sustainable livelihoods",
        "Survivors with a livelihood plan, or a job or enterprise under way, at the period's "
        "end (each survivor once).",
        use("livelihood_explorers"),
        "survivors",
        [*PLACES, *PERSON],
        headline=1,
        sentence="{value} survivors exploring sustainable livelihoods",
    ),
    indicator(
        "shgs_formed",
        2,
        "SHGs formed",
        "Self-help groups formed during the period (by their date of formation).",
        use("shgs_formed"),
        "groups",
        GROUP_PLACES,
        suppression="none",
        headline=2,
        sentence="{value} SHGs formed",
    ),
    indicator(
        "survivors_in_shgs",
        2,
        "Survivors in SHGs",
        "Survivors who are members of a self-help group at the period's end (from the day she "
        "joined until the day she left; a survivor in two groups counts once).",
        use("shg_survivors"),
        "survivors",
        [*GROUP_PLACES, *PERSON],
        headline=3,
        sentence="{value} survivors in self-help groups",
    ),
    indicator(
        "savings_mobilised",
        2,
        "Savings mobilised by SHG members",
        "Members' savings deposits less withdrawals during the period, in paise, from the "
        "groups' ledgers (a reversed entry is undone on the date of its reversal). A sum over "
        "fewer than k members is suppressed.",
        use("shg_savings", "sum"),
        "paise",
        GROUP_PLACES,
        headline=4,
        sentence="{value} of savings mobilised by SHG members",
    ),
    indicator(
        "shgs_active",
        2,
        "SHGs active",
        "Self-help groups that met at least once during the period.",
        use("shg_meetings"),
        "groups",
        GROUP_PLACES,
        suppression="none",
    ),
    indicator(
        "shgs_by_grade",
        2,
        "SHGs graded A, B or C",
        "Self-help groups by Panchasutra grade on the period's last day: the grade the grading "
        "endpoint gives the group that day, by its organisation's rules (else the shared "
        "default). Groups too young to grade are not counted.",
        use("shg_grades"),
        "groups",
        [*GROUP_PLACES, "grade"],
        suppression="none",
    ),
    indicator(
        "internal_loans_outstanding",
        2,
        "Internal loans outstanding",
        "Principal of the groups' internal loans outstanding at the period's end (disbursed "
        "less principal repaid, reversals undone), in paise, as the groups' books say. A sum "
        "over fewer than k borrowers is suppressed.",
        use("shg_loans_outstanding", "sum"),
        "paise",
        GROUP_PLACES,
    ),
    indicator(
        "loan_repayment_rate",
        2,
        "Internal loan repayment rate",
        "Principal of internal loans repaid during the period (whatever instalment it pays, "
        "arrears and early repayments included; reversals netted) as a percentage of the "
        "principal falling due during the period by the loans' schedules (up to today; not "
        "after a loan was closed). Above 100 when arrears are collected.",
        use("shg_principal_repaid", "sum"),
        "percent",
        GROUP_PLACES,
        denominator=use("shg_principal_due", "sum"),
        factor=100,
    ),
    indicator(
        "survivors_with_income",
        2,
        "Survivors with an income",
        "Survivors whose recorded income for a month of the period (all sources together) "
        "was above zero.",
        use("monthly_income", earning=["yes"]),
        "survivors",
        [*PLACES, *PERSON],
        headline=5,
    ),
    indicator(
        "median_monthly_income",
        2,
        "Median monthly income",
        "The median, in paise, of each survivor's total recorded income for each month of the "
        "period (months recorded as zero included; months not recorded are unknown and left "
        "out).",
        use("monthly_income", "median"),
        "paise",
        [*PLACES, *PERSON],
    ),
    indicator(
        "bank_accounts_opened",
        2,
        "Bank accounts opened",
        "Survivors whose bank account was opened during the period (recorded active, with the "
        "date since when).",
        use("bank_accounts_opened"),
        "survivors",
        [*PLACES, *PERSON],
        headline=6,
    ),
    indicator(
        "entitlement_applications_made",
        2,
        "Entitlement applications made",
        "Applications for schemes and documents made during the period (by the date she "
        "applied), by scheme.",
        use("entitlement_applications"),
        "applications",
        [*PLACES, *PERSON, "scheme"],
    ),
    indicator(
        "entitlements_received",
        2,
        "Entitlements received",
        "Applications under which a benefit was received (in part or in full) during the "
        "period, by scheme.",
        use("entitlement_receipts"),
        "applications",
        [*PLACES, *PERSON, "scheme"],
        headline=7,
    ),
    indicator(
        "entitlement_applications_stalled",
        2,
        "Entitlement applications stalled",
        "Open applications that had not moved for the configured number of days "
        "(SHAKTI_ENTITLEMENT_STALLED_DAYS) at the period's end, by scheme: the applications "
        "the entitlements list flags stalled.",
        use("entitlement_stalls"),
        "applications",
        [*PLACES, *PERSON, "scheme"],
    ),
    indicator(
        "trainings_held",
        2,
        "Livelihood trainings held",
        "Livelihood trainings (vocational, entrepreneurship, financial and digital literacy) "
        "that began during the period, by topic.",
        use("trainings", track=LIVELIHOOD_TRACK),
        "trainings",
        [*PLACES, "topic"],
        suppression="none",
    ),
    indicator(
        "training_participants",
        2,
        "Survivors in livelihood trainings",
        "Survivors taking part in livelihood trainings that began during the period (each "
        "survivor once).",
        use("training_participants", track=LIVELIHOOD_TRACK),
        "survivors",
        [*PLACES, *PERSON, "topic"],
    ),
    indicator(
        "training_score_gain_median",
        2,
        "Median training score gain",
        "For survivors in livelihood trainings that ended during the period, the median of "
        "their post-training score less their pre-training score (points out of 100; both "
        "scores recorded).",
        use("training_score_gains", "median", track=LIVELIHOOD_TRACK),
        "points",
        [*PLACES, "topic"],
    ),
]


# -- outcome 3: data kept well -------------------------------------------------------------
DATA_QUALITY = [
    indicator(
        "case_records_complete_share",
        3,
        "Open case records complete",
        "Cases open at the period's end whose key fields are recorded (the day she was "
        "identified, how she was recruited, the types of exploitation; as the record stands "
        "today) and whose survivor's consent to case management is in force, as a percentage "
        "of the cases open then.",
        use("complete_case_records", stage=OPEN_STAGES),
        "percent",
        [*PLACES, "stage"],
        denominator=use("case_stages", stage=OPEN_STAGES),
        factor=100,
        headline=1,
        sentence="{value} of open case records complete in their key fields",
    ),
    indicator(
        "case_record_gaps",
        3,
        "Key fields missing from open case records",
        "For cases open at the period's end, the key fields missing, by field: the day she "
        "was identified, how she was recruited, the types of exploitation, and her consent "
        "to case management in force. A case lacking two fields counts twice.",
        use("case_record_gaps", stage=OPEN_STAGES),
        "fields",
        [*PLACES, "field", "stage"],
    ),
    indicator(
        "recording_delay_median_days",
        3,
        "Median days from an event to its record",
        "For records entered during the period, the median number of days from the event to "
        "its record: a follow-up visit from the day it was made to the day it was recorded "
        "done; an assessment from the day it was conducted to the day it was entered; the "
        "survivor's agreement to her care plan from the day she agreed to the day it was "
        "entered. Counted on the day of the record; by kind of record.",
        use("recording_delays", "median"),
        "days",
        [*PLACES, "record"],
        headline=2,
    ),
]


# -- outcome 4: survivor leadership ------------------------------------------------------------
# Figures about groups, events and duty bearers' promises are shown whatever their size (they
# point at no person); figures about persons (leaders trained, the persons they referred, the
# reports they made) are suppressed when small.
LEADERSHIP_TOPICS = [
    "legal_rights",
    "public_speaking",
    "victim_identification",
    "safe_migration",
    "leadership",
]

LEADERSHIP = [
    indicator(
        "leader_groups_functional",
        4,
        "Survivor leader groups functional",
        "Leader groups that met at least once during the period. A figure about groups, not "
        "persons: not suppressed.",
        use("leader_group_meetings"),
        "groups",
        [*PLACES],
        suppression="none",
        headline=1,
        sentence="{value} survivor leader groups functional",
    ),
    indicator(
        "leaders_trained",
        4,
        "Survivor leaders trained",
        "Survivor leaders (accounts with the role survivor_leader, or members of a leader "
        "group on the day) who completed a leadership training (legal rights, public speaking, "
        "victim identification, safe migration, leadership) during the period, each counted "
        "once. Suppressed when small: it counts persons.",
        use("leader_training_completions", topic=LEADERSHIP_TOPICS),
        "leaders",
        [*PLACES, "topic"],
        headline=2,
        sentence="{value} survivor leaders trained in leadership",
    ),
    indicator(
        "campaigns_held",
        4,
        "Campaigns and community events held",
        "Campaigns and community events (awareness meetings, rallies, street plays, school "
        "sessions, media events) held during the period, by kind. Public events: not "
        "suppressed.",
        use("campaigns"),
        "campaigns",
        [*PLACES, "campaign_kind"],
        suppression="none",
        headline=4,
        sentence="{value} campaigns and community events held",
    ),
    indicator(
        "campaign_reach",
        4,
        "People reached by campaigns",
        "People reached by the campaigns and community events held during the period, as "
        "counted at each (women, men, youth, children). Head counts of public audiences, "
        "with no record of any person behind them: not suppressed.",
        use("campaign_reach", "sum"),
        "people",
        [*PLACES, "audience", "campaign_kind"],
        suppression="none",
        headline=3,
        sentence="{value} people reached by campaigns and community events",
    ),
    indicator(
        "duty_bearer_commitments_made",
        4,
        "Commitments made by duty bearers",
        "Commitments duty bearers (police, panchayats, departments, legal services "
        "authorities...) made at meetings held during the period, by duty bearer. Officials' "
        "public promises: not suppressed.",
        use("commitments"),
        "commitments",
        [*PLACES, "duty_bearer"],
        suppression="none",
        headline=5,
        sentence="{value} commitments obtained from duty bearers",
    ),
    indicator(
        "duty_bearer_commitments_fulfilled",
        4,
        "Commitments fulfilled by duty bearers",
        "Commitments found fulfilled at a follow-up during the period (on the day of the "
        "latest follow-up; a commitment set back to open no longer counts), by duty bearer.",
        use("commitment_follow_ups", status=["fulfilled"]),
        "commitments",
        [*PLACES, "duty_bearer"],
        suppression="none",
        sentence="{value} commitments fulfilled by duty bearers",
    ),
    indicator(
        "duty_bearer_commitments_overdue",
        4,
        "Commitments overdue",
        "Commitments past their date and not fulfilled at the period's end (open, partly "
        "fulfilled or found not fulfilled; escalated ones included), by duty bearer.",
        use("overdue_commitments"),
        "commitments",
        [*PLACES, "duty_bearer"],
        suppression="none",
    ),
    indicator(
        "possible_victims_identified",
        4,
        "Possible victims identified by survivor leaders",
        "Persons at risk and possible victims survivor leaders referred to the organisation "
        "during the period, by concern. Suppressed when the referrals come from fewer than k "
        "leaders: a handful of referrals in a place can point at the leader who made them.",
        use("identifications"),
        "persons",
        [*PLACES, "concern"],
        headline=6,
        sentence="{value} possible victims identified by survivor leaders",
    ),
    indicator(
        "identifications_became_cases",
        4,
        "Identified persons who became cases",
        "Persons survivor leaders referred who became cases during the period (on the day "
        "the case was linked), counted while her consent to aggregate reporting is in force.",
        use("identification_cases"),
        "cases",
        [*PLACES, *PERSON, "concern"],
        sentence="{value} of the persons identified by leaders became cases",
    ),
    indicator(
        "safety_reports",
        4,
        "Safety reports",
        "Red flags, suspected recruitment, missing persons and threats reported by survivor "
        "leaders and staff during the period, by kind. Suppressed when fewer than k persons "
        "reported: a report can point at the one who made it.",
        use("safety_reports"),
        "reports",
        [*PLACES, "report_kind"],
    ),
]

# -- outcome 5: expansion and policy -----------------------------------------------------------
# Figures about organisations, states and public acts: not suppressed.
EXPANSION = [
    indicator(
        "partners_by_stage",
        5,
        "Partner organisations by onboarding stage",
        "Partner organisations being onboarded at the period's end, by stage (explored, "
        "scoping, agreement signed, implementing, paused).",
        use("partner_stages"),
        "organisations",
        ["stage"],
        suppression="none",
    ),
    indicator(
        "partners_implementing",
        5,
        "Partner organisations implementing the model",
        "Partner organisations at the implementing stage at the period's end.",
        use("partner_stages", stage=["implementing"]),
        "organisations",
        [],
        suppression="none",
        headline=1,
        sentence="{value} partner organisations implementing the model",
    ),
    indicator(
        "states_with_partners",
        5,
        "States with partners implementing",
        "States where at least one partner organisation was implementing the model at the "
        "period's end (a state with several partners counts once).",
        use("partner_states"),
        "states",
        [],
        suppression="none",
        headline=2,
        sentence="{value} states where partners implement the model",
    ),
    indicator(
        "advocacy_actions",
        5,
        "Advocacy actions",
        "Advocacy actions with departments and bodies during the period, by level (district, "
        "state, national) and by whether an outcome has been recorded.",
        use("advocacy_actions"),
        "actions",
        ["level", "outcome_recorded"],
        suppression="none",
        headline=3,
        sentence="{value} advocacy actions at district, state and national level",
    ),
    indicator(
        "advocacy_outcomes",
        5,
        "Advocacy actions with an outcome",
        "Advocacy actions during the period whose outcome has been recorded, by level.",
        use("advocacy_actions", outcome_recorded=["yes"]),
        "actions",
        ["level"],
        suppression="none",
        sentence="{value} advocacy actions with a recorded outcome",
    ),
]


CATALOGUE: list[dict[str, Any]] = [
    *CASE_MANAGEMENT,
    *LIVELIHOODS,
    *DATA_QUALITY,
    *LEADERSHIP,
    *EXPANSION,
]


def _rows() -> list[dict[str, Any]]:
    return [
        {
            **row,
            "id": uuid.uuid5(NAMESPACE, f"indicator:{row['code']}:1"),
            "version": 1,
            "effective_from": SINCE,
        }
        for row in CATALOGUE
    ]


def upgrade() -> None:
    # Fail fast instead of queueing behind a long transaction (and blocking everyone after).
    op.execute("SET LOCAL lock_timeout = '5s'")
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table(
        "indicator",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.SmallInteger(), nullable=False),
        sa.Column("definition", sa.String(length=2000), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("numerator", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("denominator", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("factor", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column(
            "breakdowns",
            postgresql.ARRAY(sa.String(length=40)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("suppression", sa.String(length=20), nullable=False),
        sa.Column("headline_rank", sa.Integer(), nullable=True),
        sa.Column("sentence", sa.String(length=300), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('count', 'sum', 'median', 'p90', 'ratio')",
            name=op.f("ck_indicator_indicator_kind"),
        ),
        sa.CheckConstraint(
            "suppression IN ('people', 'none')", name=op.f("ck_indicator_suppression")
        ),
        sa.CheckConstraint("outcome BETWEEN 1 AND 5", name=op.f("ck_indicator_outcome")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_indicator_code_version")),
    )
    op.create_table(
        "evidence_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=True),
        sa.Column("actor_type", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=80), nullable=False),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_evidence_request_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_request")),
    )
    indicators = sa.table(
        "indicator",
        sa.column("id", sa.Uuid()),
        sa.column("code", sa.String()),
        sa.column("version", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("outcome", sa.SmallInteger()),
        sa.column("definition", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("numerator", postgresql.JSONB()),
        sa.column("denominator", postgresql.JSONB()),
        sa.column("factor", sa.Integer()),
        sa.column("unit", sa.String()),
        sa.column("breakdowns", postgresql.ARRAY(sa.String())),
        sa.column("suppression", sa.String()),
        sa.column("headline_rank", sa.Integer()),
        sa.column("sentence", sa.String()),
        sa.column("effective_from", sa.Date()),
    )
    op.bulk_insert(indicators, _rows())
    op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON indicator FROM {APP_ROLE}")
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON evidence_request FROM {APP_ROLE}")
    op.create_index(
        "ix_evidence_request_organization_id_created_at",
        "evidence_request",
        ["organization_id", "created_at"],
        unique=False,
    )
    # ### end Alembic commands ###


def downgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_index("ix_evidence_request_organization_id_created_at", table_name="evidence_request")
    op.drop_table("evidence_request")
    op.drop_table("indicator")
    # ### end Alembic commands ###
