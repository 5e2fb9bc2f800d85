"""Outcome 4: survivor leadership. Leader groups meeting, leaders trained, campaigns and whom
they reached, duty bearers' commitments (made, fulfilled, overdue), possible victims leaders
identified (and those who became cases), safety reports.

Every measure here carries ``d_leader_group`` (the leader group's id as text; NULL for a record
of no group) so that a survivor leader sees her own groups' figures: a campaign or a meeting
with a duty bearer by the group named on it; a person's act (a training completed, a referral
or a report made) by the groups she was a member of on its day (joined on or before it and
not left on or before it). A person in two groups gives one fact row per group; counts are of
distinct units, so she still counts once.
"""

from __future__ import annotations

from persistence.clock import business_date_sql as day
from persistence.evidence.measure import (
    Dimension,
    Measure,
    MeasureKind,
    Rollup,
    Source,
    vocabulary,
    watching,
)
from persistence.models.leadership_vocabulary import (
    CampaignKind,
    CommitmentStatus,
    DutyBearer,
    IdentificationConcern,
    SafetyReportKind,
)
from persistence.models.livelihood_vocabulary import TrainingTopic

LEADER_GROUP = Dimension("leader_group", "The leader group the record belongs to (its id)")
CAMPAIGN_KIND = Dimension("campaign_kind", "Kind of campaign or event", vocabulary(CampaignKind))
AUDIENCE = Dimension("audience", "Who was reached", ("women", "men", "youth", "children"))
DUTY_BEARER = Dimension("duty_bearer", "The duty bearer who promised", vocabulary(DutyBearer))
FOLLOW_UP = Dimension(
    "status",
    "What the latest follow-up found",
    tuple(s.value for s in CommitmentStatus if s is not CommitmentStatus.open),
)
CONCERN = Dimension("concern", "Why the person was referred", vocabulary(IdentificationConcern))
REPORT_KIND = Dimension("report_kind", "What was reported", vocabulary(SafetyReportKind))
TOPIC = Dimension("topic", "The training's topic", vocabulary(TrainingTopic))


def member_on(user_sql: str, day_sql: str, alias: str = "m") -> str:
    """A LEFT JOIN of the leader group memberships of the user ``user_sql`` on the day
    ``day_sql``: joined on or before it, and not left on or before it."""
    return (
        f" LEFT JOIN leader_group_member {alias} ON {alias}.user_id = {user_sql}"
        f" AND {alias}.deleted_at IS NULL AND {alias}.joined_on <= {day_sql}"
        f" AND ({alias}.left_on IS NULL OR {alias}.left_on > {day_sql})"
    )


LEADER_GROUP_MEETINGS = Measure(
    code="leader_group_meetings",
    subject="leader_group",
    description="Leader groups that met: each group counts once in a period in which it held "
    "at least one meeting (on the day of each meeting).",
    kind=MeasureKind.flow,
    about_survivors=False,
    leader_groups=True,
    dims=(LEADER_GROUP,),
    sql="""
        SELECT g.organization_id, g.district_id, NULL::uuid AS block_id,
               NULL::uuid AS survivor_id, g.id AS unit_key, NULL::uuid AS person_key,
               NULL::numeric AS amount, g.id::text AS d_leader_group, m.held_on AS on_date
          FROM leader_group_meeting m JOIN leader_group g ON g.id = m.group_id
         WHERE m.organization_id = ANY({orgs}) AND m.deleted_at IS NULL
           AND g.deleted_at IS NULL""",
    watch=watching("leader_group", "leader_group_meeting"),
)

# A leader is a user whose account has the role survivor_leader, or a member of a leader group
# on the day she completed the training (by her account or her survivor record). She is one
# person whichever way the participation names her: her account when the membership has one.
# Kept per participation: a training, an account (its role) and a membership name theirs
# (a membership by its account or her survivor record, as the join reads it).
LEADER_TRAINING_COMPLETIONS = Measure(
    code="leader_training_completions",
    subject="training_participant",
    description="Survivor leaders (accounts with the role survivor_leader, or members of a "
    "leader group on the day) who completed a training, on the day they completed it, by the "
    "training's topic.",
    kind=MeasureKind.flow,
    about_survivors=False,
    leader_groups=True,
    dims=(TOPIC, LEADER_GROUP),
    sql="""
        SELECT t.organization_id, t.district_id, NULL::uuid AS block_id,
               NULL::uuid AS survivor_id,
               COALESCE(m.user_id, p.user_id, p.survivor_id) AS unit_key, p.id AS rollup_key,
               COALESCE(m.user_id, p.user_id, p.survivor_id) AS person_key,
               NULL::numeric AS amount, t.topic AS d_topic, m.group_id::text AS d_leader_group,
               p.completed_on AS on_date
          FROM training_participant p
          JOIN training t ON t.id = p.training_id
          LEFT JOIN app_user u ON u.id = p.user_id
          LEFT JOIN leader_group_member m
            ON (m.user_id = p.user_id OR m.survivor_id = p.survivor_id)
           AND m.organization_id = t.organization_id AND m.deleted_at IS NULL
           AND m.joined_on <= p.completed_on
           AND (m.left_on IS NULL OR m.left_on > p.completed_on)
         WHERE t.organization_id = ANY({orgs}) AND p.completed_on IS NOT NULL
           AND p.deleted_at IS NULL AND t.deleted_at IS NULL
           AND (u.role = 'survivor_leader' OR m.id IS NOT NULL)
           AND ({units} IS NULL OR p.id = ANY({units}))""",
    rollup=Rollup(
        sources=(
            Source("training_participant", "id"),
            Source(
                "training",
                "training_participations",
                via="SELECT p.id FROM training_participant p WHERE p.training_id = r.id",
            ),
            # Only her role is read, and only whether it is survivor_leader: an account
            # that is (or was, before the change) one. A sign-in of anyone else marks nothing.
            Source(
                "app_user",
                "user_participations",
                condition="role = 'survivor_leader'",
                via="SELECT p.id FROM training_participant p WHERE p.user_id = r.id",
            ),
            Source(
                "leader_group_member",
                "member_participations",
                via=(
                    "SELECT p.id FROM training_participant p WHERE p.user_id = r.user_id"
                    " UNION SELECT p.id FROM training_participant p"
                    " WHERE p.survivor_id = r.survivor_id"
                ),
            ),
        )
    ),
)

CAMPAIGNS = Measure(
    code="campaigns",
    subject="campaign",
    description="Campaigns and community events the organisation held (with partners or "
    "not), on the day they were held, by kind.",
    kind=MeasureKind.flow,
    about_survivors=False,
    leader_groups=True,
    dims=(CAMPAIGN_KIND, LEADER_GROUP),
    sql="""
        SELECT c.organization_id, c.district_id, NULL::uuid AS block_id,
               NULL::uuid AS survivor_id, c.id AS unit_key, NULL::uuid AS person_key,
               NULL::numeric AS amount, c.kind AS d_campaign_kind,
               c.leader_group_id::text AS d_leader_group, c.held_on AS on_date
          FROM campaign c
         WHERE c.organization_id = ANY({orgs}) AND c.deleted_at IS NULL""",
    watch=watching("campaign"),
)

# The four reached_* head counts, one fact row each (an audience nobody came from adds none).
CAMPAIGN_REACH = Measure(
    code="campaign_reach",
    subject="campaign",
    description="People a campaign or community event reached, as counted there (women, men, "
    "youth, children), on the day it was held.",
    kind=MeasureKind.flow,
    about_survivors=False,
    leader_groups=True,
    amount="people",
    dims=(AUDIENCE, CAMPAIGN_KIND, LEADER_GROUP),
    sql="""
        SELECT c.organization_id, c.district_id, NULL::uuid AS block_id,
               NULL::uuid AS survivor_id, c.id AS unit_key, NULL::uuid AS person_key,
               r.reached::numeric AS amount, r.audience AS d_audience,
               c.kind AS d_campaign_kind, c.leader_group_id::text AS d_leader_group,
               c.held_on AS on_date
          FROM campaign c
         CROSS JOIN LATERAL (VALUES ('women', c.reached_women), ('men', c.reached_men),
                                    ('youth', c.reached_youth),
                                    ('children', c.reached_children)) AS r(audience, reached)
         WHERE c.organization_id = ANY({orgs}) AND c.deleted_at IS NULL AND r.reached > 0""",
    watch=watching("campaign"),
)

_COMMITMENTS = """
          FROM duty_bearer_commitment c
          JOIN duty_bearer_engagement e ON e.id = c.engagement_id
         WHERE c.organization_id = ANY({orgs}) AND c.deleted_at IS NULL
           AND e.deleted_at IS NULL"""
_COMMITMENT_COLUMNS = """
        SELECT e.organization_id, e.district_id, NULL::uuid AS block_id,
               NULL::uuid AS survivor_id, c.id AS unit_key, NULL::uuid AS person_key,
               NULL::numeric AS amount, e.duty_bearer AS d_duty_bearer,
               e.leader_group_id::text AS d_leader_group"""

COMMITMENTS = Measure(
    code="commitments",
    subject="duty_bearer_commitment",
    description="Commitments duty bearers made, on the day of the meeting where they made "
    "them, by duty bearer.",
    kind=MeasureKind.flow,
    about_survivors=False,
    leader_groups=True,
    dims=(DUTY_BEARER, LEADER_GROUP),
    sql=f"{_COMMITMENT_COLUMNS}, e.held_on AS on_date{_COMMITMENTS}",
    watch=watching("duty_bearer_commitment", "duty_bearer_engagement"),
)

# Only the latest follow-up is kept (its status and day): a commitment set back to open is
# no longer counted as followed up.
COMMITMENT_FOLLOW_UPS = Measure(
    code="commitment_follow_ups",
    subject="duty_bearer_commitment",
    description="Commitments followed up, by what the latest follow-up found (fulfilled, "
    "partly fulfilled, not fulfilled), on the day of that follow-up. A commitment set back "
    "to open no longer counts.",
    kind=MeasureKind.flow,
    about_survivors=False,
    leader_groups=True,
    dims=(FOLLOW_UP, DUTY_BEARER, LEADER_GROUP),
    sql=f"""{_COMMITMENT_COLUMNS}, c.status AS d_status,
               COALESCE(c.followed_up_on, {day("c.updated_at")}) AS on_date{_COMMITMENTS}
           AND c.status <> 'open'""",
    watch=watching("duty_bearer_commitment", "duty_bearer_engagement"),
)

# The rule of domain/leadership/duty_bearers.py is_overdue, over time: overdue at the end of
# day D when its date is before D and it is not fulfilled at D. Fulfilled on the day of its
# latest follow-up, it stops being overdue that day; unfulfilled, it stays overdue.
OVERDUE_COMMITMENTS = Measure(
    code="overdue_commitments",
    subject="duty_bearer_commitment",
    description="Commitments overdue: past their date and not fulfilled (open, partly "
    "fulfilled or found not fulfilled; escalating one does not settle it), from the day "
    "after their date until the day they were found fulfilled.",
    kind=MeasureKind.stock,
    about_survivors=False,
    leader_groups=True,
    dims=(DUTY_BEARER, LEADER_GROUP),
    sql=f"""{_COMMITMENT_COLUMNS}, c.due_on + 1 AS from_date,
               CASE WHEN c.status = 'fulfilled'
                    THEN COALESCE(c.followed_up_on, {day("c.updated_at")}) END AS to_date
               {_COMMITMENTS} AND c.due_on IS NOT NULL""",
    watch=watching("duty_bearer_commitment", "duty_bearer_engagement"),
)

IDENTIFICATIONS = Measure(
    code="identifications",
    subject="identification_referral",
    description="Persons at risk and possible victims survivor leaders referred to the "
    "organisation, on the day they were referred, by concern.",
    kind=MeasureKind.flow,
    about_survivors=False,
    leader_groups=True,
    dims=(CONCERN, LEADER_GROUP),
    sql=f"""
        SELECT r.organization_id, r.district_id, NULL::uuid AS block_id,
               NULL::uuid AS survivor_id, r.id AS unit_key, r.submitted_by AS person_key,
               NULL::numeric AS amount, r.concern AS d_concern,
               m.group_id::text AS d_leader_group, {day("r.created_at")} AS on_date
          FROM identification_referral r
          {member_on("r.submitted_by", day("r.created_at"))}
         WHERE r.organization_id = ANY({{orgs}}) AND r.deleted_at IS NULL""",
    watch=watching("identification_referral", "leader_group_member"),
)

# She became a case: a survivor with a record, so her consent to aggregate reporting decides
# whether she counts. The group is the referring leader's on the day she was referred.
IDENTIFICATION_CASES = Measure(
    code="identification_cases",
    subject="identification_referral",
    description="Persons survivor leaders referred who became cases, on the day the "
    "organisation linked the case, by concern.",
    kind=MeasureKind.flow,
    about_survivors=True,
    leader_groups=True,
    dims=(CONCERN, LEADER_GROUP),
    sql=f"""
        SELECT r.organization_id, r.district_id, NULL::uuid AS block_id,
               sc.survivor_id, r.id AS unit_key, sc.survivor_id AS person_key,
               NULL::numeric AS amount, r.concern AS d_concern,
               m.group_id::text AS d_leader_group, {day("r.decided_at")} AS on_date
          FROM identification_referral r
          JOIN survivor_case sc ON sc.id = r.case_id AND sc.deleted_at IS NULL
          {member_on("r.submitted_by", day("r.created_at"))}
         WHERE r.organization_id = ANY({{orgs}}) AND r.deleted_at IS NULL
           AND r.status = 'became_case'""",
    watch=watching("identification_referral", "leader_group_member", "survivor_case"),
)

SAFETY_REPORTS = Measure(
    code="safety_reports",
    subject="safety_report",
    description="Safety reports (red flags, suspected recruitment, missing persons, threats) "
    "made by survivor leaders and staff, on the day they were made, by kind.",
    kind=MeasureKind.flow,
    about_survivors=False,
    leader_groups=True,
    dims=(REPORT_KIND, LEADER_GROUP),
    sql=f"""
        SELECT s.organization_id, s.district_id, NULL::uuid AS block_id,
               NULL::uuid AS survivor_id, s.id AS unit_key, s.reported_by AS person_key,
               NULL::numeric AS amount, s.kind AS d_report_kind,
               m.group_id::text AS d_leader_group, {day("s.created_at")} AS on_date
          FROM safety_report s
          {member_on("s.reported_by", day("s.created_at"))}
         WHERE s.organization_id = ANY({{orgs}}) AND s.deleted_at IS NULL""",
    watch=watching("leader_group_member", "safety_report"),
)

MEASURES = (
    LEADER_GROUP_MEETINGS,
    LEADER_TRAINING_COMPLETIONS,
    CAMPAIGNS,
    CAMPAIGN_REACH,
    COMMITMENTS,
    COMMITMENT_FOLLOW_UPS,
    OVERDUE_COMMITMENTS,
    IDENTIFICATIONS,
    IDENTIFICATION_CASES,
    SAFETY_REPORTS,
)
