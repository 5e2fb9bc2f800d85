"""The datasets one can export, each a few lines (see datasets.py): where its rows come from,
the area's scope condition and read policy (an export is a read), its columns and filters.

A new dataset is one more entry of :data:`DATASETS` (and its name in ``schemas.ExportDataset``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from domain.assessments import policies as assessment_policies
from domain.care_plans import policies as care_plan_policies
from domain.cases import policies as case_policies
from domain.cases.policies import case_scope
from domain.common.principal import Principal
from domain.demands import policies as demand_policies
from domain.demands.policies import demand_scope
from domain.entitlements import policies as entitlement_policies
from domain.exports.datasets import (
    Column,
    Dataset,
    Sealed,
    choice_filter,
    date_filters,
    uuid_filter,
)
from domain.follow_ups import policies as follow_up_policies
from domain.leadership import policies as leadership_policies
from domain.leadership.policies import leadership_scope
from domain.referrals import policies as referral_policies
from domain.shgs import policies as shg_policies
from domain.trainings import policies as training_policies
from domain.trainings.policies import training_scope
from persistence.models.assessment import Assessment
from persistence.models.campaign import Campaign
from persistence.models.care_plan_goal import CarePlanGoal
from persistence.models.case_visit import CaseVisit
from persistence.models.case_vocabulary import (
    CaseStatus,
    CbrComponent,
    GoalStatus,
    ReferralStatus,
    RiskLevel,
    ServiceKind,
    VisitKind,
    VisitStatus,
)
from persistence.models.demand import Demand
from persistence.models.demand_vocabulary import (
    DemandCategory,
    DemandPriority,
    DemandStatus,
)
from persistence.models.duty_bearer_commitment import DutyBearerCommitment
from persistence.models.duty_bearer_engagement import DutyBearerEngagement
from persistence.models.entitlement_application import EntitlementApplication
from persistence.models.leader_group import LeaderGroup
from persistence.models.leader_group_meeting import LeaderGroupMeeting
from persistence.models.leadership_vocabulary import CampaignKind, CommitmentStatus
from persistence.models.livelihood_vocabulary import (
    ApplicationStatus,
    LedgerKind,
    LoanStatus,
    ShgRole,
    ShgStatus,
    TrainingTopic,
)
from persistence.models.referral import Referral
from persistence.models.shg import Shg
from persistence.models.shg_ledger_entry import ShgLedgerEntry
from persistence.models.shg_loan import ShgLoan
from persistence.models.shg_meeting import ShgMeeting
from persistence.models.shg_member import ShgMember
from persistence.models.survivor import Survivor
from persistence.models.survivor_case import SurvivorCase
from persistence.models.training import Training
from persistence.models.training_participant import TrainingParticipant
from persistence.repositories.base import row_scope_conditions
from persistence.repositories.cases import case_visible
from persistence.repositories.demands import demand_visible
from persistence.repositories.entitlements import application_visible
from persistence.repositories.leadership import (
    activity_visible,
    engagement_ids_visible,
    group_visible,
)
from persistence.repositories.referrals import visible as referral_visible
from persistence.repositories.trainings import participants_visible, training_visible

# -- cases ----------------------------------------------------------------------------------
_CASE: Any = SurvivorCase
_SURVIVOR: Any = Survivor
SURVIVOR_PERSONAL = Sealed(
    "survivor", "survivor", "personal_enc", col(Survivor.personal_enc), col(Survivor.id)
)


def _cases_visible(principal: Principal) -> sa.ColumnElement[bool]:
    return case_visible(case_scope(principal))


CASES = Dataset(
    name="cases",
    description="Cases in the caller's case scope, with the survivor's sex and birth year; "
    "personal: her name and phone.",
    policy=case_policies.READ,
    source=sa.join(_CASE, _SURVIVOR, _CASE.survivor_id == _SURVIVOR.id),
    visible=_cases_visible,
    columns=(
        Column("case_id", _CASE.id),
        Column("case_number", _CASE.case_number),
        Column("district_id", _CASE.district_id),
        Column("status", _CASE.status),
        Column("risk_level", _CASE.risk_level),
        Column("referral_source", _CASE.referral_source),
        Column("trafficking_status", _CASE.trafficking_status),
        Column("exploitation_types", _CASE.exploitation_types),
        Column("recruitment_method", _CASE.recruitment_method),
        Column("destination_state", _CASE.destination_state),
        Column("destination_country", _CASE.destination_country),
        Column("assigned_worker_id", _CASE.assigned_worker_id),
        Column("team", _CASE.team),
        Column("opened_on", _CASE.opened_on),
        Column("identified_on", _CASE.identified_on),
        Column("returned_on", _CASE.returned_on),
        Column("closed_on", _CASE.closed_on),
        Column("closure_reason", _CASE.closure_reason),
        Column("survivor_id", _CASE.survivor_id),
        Column("survivor_sex", _SURVIVOR.sex),
        Column("survivor_birth_year", _SURVIVOR.birth_year),
        Column("survivor_given_name", personal=True, sealed=SURVIVOR_PERSONAL, key="given_name"),
        Column("survivor_family_name", personal=True, sealed=SURVIVOR_PERSONAL, key="family_name"),
        Column("survivor_phone", personal=True, sealed=SURVIVOR_PERSONAL, key="phone"),
    ),
    filters=(
        uuid_filter("district_id", _CASE.district_id),
        choice_filter("status", _CASE.status, CaseStatus),
        choice_filter("risk_level", _CASE.risk_level, RiskLevel),
        uuid_filter("assigned_worker_id", _CASE.assigned_worker_id),
        *date_filters("opened", _CASE.opened_on),
    ),
    order_by=(_CASE.created_at, _CASE.id),
)


# -- records of a case (visits, assessments, care-plan goals) --------------------------------
def _of_visible_cases(model: Any) -> Callable[[Principal], Any]:
    """A case's record is seen with its case: the case in the caller's case scope, the record
    of the case's organisation and not deleted (as the case's reads load it)."""

    def visible(principal: Principal) -> sa.ColumnElement[bool]:
        return sa.and_(
            case_visible(case_scope(principal)),
            model.organization_id == _CASE.organization_id,
            model.deleted_at.is_(None),
        )

    return visible


_VISIT: Any = CaseVisit
VISITS = Dataset(
    name="visits",
    description="Planned and done follow-up visits of the cases in the caller's case scope.",
    policy=follow_up_policies.READ_VISITS,
    source=sa.join(_VISIT, _CASE, _VISIT.case_id == _CASE.id),
    visible=_of_visible_cases(_VISIT),
    columns=(
        Column("visit_id", _VISIT.id),
        Column("case_id", _VISIT.case_id),
        Column("case_number", _CASE.case_number),
        Column("district_id", _VISIT.district_id),
        Column("kind", _VISIT.kind),
        Column("status", _VISIT.status),
        Column("planned_on", _VISIT.planned_on),
        Column("done_at", _VISIT.done_at),
        Column("visited_by", _VISIT.visited_by),
        Column("next_visit_on", _VISIT.next_visit_on),
    ),
    filters=(
        uuid_filter("case_id", _VISIT.case_id),
        choice_filter("status", _VISIT.status, VisitStatus),
        choice_filter("kind", _VISIT.kind, VisitKind),
        *date_filters("planned", _VISIT.planned_on),
    ),
    order_by=(_VISIT.planned_on, _VISIT.id),
)

_ASSESSMENT: Any = Assessment
ASSESSMENTS = Dataset(
    name="assessments",
    description="Assessments of the cases in the caller's case scope with their scores.",
    policy=assessment_policies.READ,
    source=sa.join(_ASSESSMENT, _CASE, _ASSESSMENT.case_id == _CASE.id),
    visible=_of_visible_cases(_ASSESSMENT),
    columns=(
        Column("assessment_id", _ASSESSMENT.id),
        Column("case_id", _ASSESSMENT.case_id),
        Column("case_number", _CASE.case_number),
        Column("instrument_id", _ASSESSMENT.instrument_id),
        Column("conducted_on", _ASSESSMENT.conducted_on),
        Column("conducted_by", _ASSESSMENT.conducted_by),
        Column("scores", _ASSESSMENT.scores),
    ),
    filters=(
        uuid_filter("case_id", _ASSESSMENT.case_id),
        uuid_filter("instrument_id", _ASSESSMENT.instrument_id),
        *date_filters("conducted", _ASSESSMENT.conducted_on),
    ),
    order_by=(_ASSESSMENT.conducted_on, _ASSESSMENT.id),
)

_GOAL: Any = CarePlanGoal
CARE_PLAN_GOALS = Dataset(
    name="care_plan_goals",
    description="Care-plan goals of the cases in the caller's case scope (the goal's words "
    "stay sealed: component, status and dates only).",
    policy=care_plan_policies.READ,
    source=sa.join(_GOAL, _CASE, _GOAL.case_id == _CASE.id),
    visible=_of_visible_cases(_GOAL),
    columns=(
        Column("goal_id", _GOAL.id),
        Column("case_id", _GOAL.case_id),
        Column("case_number", _CASE.case_number),
        Column("component", _GOAL.component),
        Column("rank", _GOAL.rank),
        Column("responsible", _GOAL.responsible),
        Column("responsible_organization_id", _GOAL.responsible_organization_id),
        Column("status", _GOAL.status),
        Column("target_on", _GOAL.target_on),
        Column("review_on", _GOAL.review_on),
        Column("achieved_on", _GOAL.achieved_on),
    ),
    filters=(
        uuid_filter("case_id", _GOAL.case_id),
        choice_filter("component", _GOAL.component, CbrComponent),
        choice_filter("status", _GOAL.status, GoalStatus),
    ),
    order_by=(_GOAL.case_id, _GOAL.rank, _GOAL.id),
)


# -- referrals ------------------------------------------------------------------------------
_REFERRAL: Any = Referral


def _referrals_visible(principal: Principal) -> sa.ColumnElement[bool]:
    return sa.and_(
        referral_visible(
            referral_policies.outgoing_scope(principal),
            referral_policies.receiving_organization(principal),
        ),
        _REFERRAL.deleted_at.is_(None),
    )


REFERRALS = Dataset(
    name="referrals",
    description="Referrals the caller follows: those made from the cases of her case scope "
    "and those addressed to her organisation (no reason, note or outcome: they stay sealed).",
    policy=referral_policies.READ,
    source=_REFERRAL,
    visible=_referrals_visible,
    columns=(
        Column("referral_id", _REFERRAL.id),
        Column("case_id", _REFERRAL.case_id),
        Column("organization_id", _REFERRAL.organization_id),
        Column("receiving_organization_id", _REFERRAL.receiving_organization_id),
        Column("district_id", _REFERRAL.district_id),
        Column("service_kind", _REFERRAL.service_kind),
        Column("urgency", _REFERRAL.urgency),
        Column("status", _REFERRAL.status),
        Column("consent_overridden", _REFERRAL.consent_overridden),
        Column("created_at", _REFERRAL.created_at),
        Column("responded_at", _REFERRAL.responded_at),
        Column("started_at", _REFERRAL.started_at),
        Column("closed_at", _REFERRAL.closed_at),
    ),
    filters=(
        choice_filter("status", _REFERRAL.status, ReferralStatus),
        choice_filter("service_kind", _REFERRAL.service_kind, ServiceKind),
        uuid_filter("receiving_organization_id", _REFERRAL.receiving_organization_id),
    ),
    order_by=(_REFERRAL.created_at, _REFERRAL.id),
)


# -- entitlements ---------------------------------------------------------------------------
_APPLICATION: Any = EntitlementApplication
ENTITLEMENT_APPLICATIONS = Dataset(
    name="entitlement_applications",
    description="Applications for schemes of the survivors in the caller's scope.",
    policy=entitlement_policies.READ,
    source=_APPLICATION,
    visible=lambda principal: application_visible(case_scope(principal)),
    columns=(
        Column("application_id", _APPLICATION.id),
        Column("survivor_id", _APPLICATION.survivor_id),
        Column("scheme_id", _APPLICATION.scheme_id),
        Column("status", _APPLICATION.status),
        Column("applied_on", _APPLICATION.applied_on),
        Column("sanctioned_on", _APPLICATION.sanctioned_on),
        Column("sanctioned_paise", _APPLICATION.sanctioned_paise),
        Column("received_on", _APPLICATION.received_on),
        Column("received_paise", _APPLICATION.received_paise),
        Column("last_moved_at", _APPLICATION.last_moved_at),
    ),
    filters=(
        choice_filter("status", _APPLICATION.status, ApplicationStatus),
        uuid_filter("scheme_id", _APPLICATION.scheme_id),
        *date_filters("applied", _APPLICATION.applied_on),
    ),
    order_by=(_APPLICATION.created_at, _APPLICATION.id),
)


# -- self-help groups' registers ------------------------------------------------------------
_SHG: Any = Shg


def _of_visible_groups(model: Any) -> Callable[[Principal], Any]:
    """A group's register is seen with its group (the groups' row scope), of the group's
    organisation."""

    def visible(principal: Principal) -> sa.ColumnElement[bool]:
        conditions = row_scope_conditions(_SHG, shg_policies.group_scope(principal))
        conditions.append(model.organization_id == _SHG.organization_id)
        if hasattr(model, "deleted_at"):
            conditions.append(model.deleted_at.is_(None))
        return sa.and_(*conditions)

    return visible


SHGS = Dataset(
    name="shgs",
    description="The self-help groups in the caller's scope: where, since when, how often "
    "they meet and save (no member's name, savings or loan; analysts and partner staff too).",
    policy=shg_policies.OVERVIEW,
    source=_SHG,
    visible=lambda principal: sa.and_(
        *row_scope_conditions(_SHG, shg_policies.group_scope(principal))
    ),
    columns=(
        Column("shg_id", _SHG.id),
        Column("name", _SHG.name),
        Column("district_id", _SHG.district_id),
        Column("block_id", _SHG.block_id),
        Column("federation_id", _SHG.federation_id),
        Column("formed_on", _SHG.formed_on),
        Column("status", _SHG.status),
        Column("meeting_frequency", _SHG.meeting_frequency),
        Column("saving_per_meeting_paise", _SHG.saving_per_meeting_paise),
        Column("interest_rate_bps", _SHG.interest_rate_bps),
    ),
    filters=(
        uuid_filter("district_id", _SHG.district_id),
        choice_filter("status", _SHG.status, ShgStatus),
        *date_filters("formed", _SHG.formed_on),
    ),
    order_by=(_SHG.formed_on, _SHG.id),
)

_MEMBER: Any = ShgMember
MEMBER_NAME = Sealed(
    "member", "shg_member", "name_enc", col(ShgMember.name_enc), col(ShgMember.id), document=False
)
SHG_MEMBERS = Dataset(
    name="shg_members",
    description="Members of the self-help groups in the caller's scope; personal: the "
    "member's name.",
    policy=shg_policies.READ,
    source=sa.join(_MEMBER, _SHG, _MEMBER.shg_id == _SHG.id),
    visible=_of_visible_groups(_MEMBER),
    columns=(
        Column("member_id", _MEMBER.id),
        Column("shg_id", _MEMBER.shg_id),
        Column("shg_name", _SHG.name),
        Column("district_id", _SHG.district_id),
        Column("survivor_id", _MEMBER.survivor_id),
        Column("role", _MEMBER.role),
        Column("joined_on", _MEMBER.joined_on),
        Column("exited_on", _MEMBER.exited_on),
        Column("member_name", personal=True, sealed=MEMBER_NAME),
    ),
    filters=(uuid_filter("shg_id", _MEMBER.shg_id), choice_filter("role", _MEMBER.role, ShgRole)),
    order_by=(_MEMBER.shg_id, _MEMBER.joined_on, _MEMBER.id),
)

_MEETING: Any = ShgMeeting
SHG_MEETINGS = Dataset(
    name="shg_meetings",
    description="Meetings of the self-help groups in the caller's scope (minutes stay sealed).",
    policy=shg_policies.READ,
    source=sa.join(_MEETING, _SHG, _MEETING.shg_id == _SHG.id),
    visible=_of_visible_groups(_MEETING),
    columns=(
        Column("meeting_id", _MEETING.id),
        Column("shg_id", _MEETING.shg_id),
        Column("shg_name", _SHG.name),
        Column("held_on", _MEETING.held_on),
    ),
    filters=(uuid_filter("shg_id", _MEETING.shg_id), *date_filters("held", _MEETING.held_on)),
    order_by=(_MEETING.shg_id, _MEETING.held_on, _MEETING.id),
)

_ENTRY: Any = ShgLedgerEntry
SHG_LEDGER = Dataset(
    name="shg_ledger",
    description="Ledger entries of the self-help groups in the caller's scope (paise; a "
    "reversal names the entry it undoes).",
    policy=shg_policies.READ,
    source=sa.join(_ENTRY, _SHG, _ENTRY.shg_id == _SHG.id),
    visible=_of_visible_groups(_ENTRY),
    columns=(
        Column("entry_id", _ENTRY.id),
        Column("shg_id", _ENTRY.shg_id),
        Column("meeting_id", _ENTRY.meeting_id),
        Column("kind", _ENTRY.kind),
        Column("member_id", _ENTRY.member_id),
        Column("loan_id", _ENTRY.loan_id),
        Column("amount_paise", _ENTRY.amount_paise),
        Column("entry_date", _ENTRY.entry_date),
        Column("reverses_id", _ENTRY.reverses_id),
    ),
    filters=(
        uuid_filter("shg_id", _ENTRY.shg_id),
        choice_filter("kind", _ENTRY.kind, LedgerKind),
        *date_filters("entry", _ENTRY.entry_date),
    ),
    order_by=(_ENTRY.shg_id, _ENTRY.entry_date, _ENTRY.created_at, _ENTRY.id),
)

_LOAN: Any = ShgLoan
SHG_LOANS = Dataset(
    name="shg_loans",
    description="Loans of the self-help groups in the caller's scope (paise, basis points).",
    policy=shg_policies.READ,
    source=sa.join(_LOAN, _SHG, _LOAN.shg_id == _SHG.id),
    visible=_of_visible_groups(_LOAN),
    columns=(
        Column("loan_id", _LOAN.id),
        Column("shg_id", _LOAN.shg_id),
        Column("member_id", _LOAN.member_id),
        Column("kind", _LOAN.kind),
        Column("principal_paise", _LOAN.principal_paise),
        Column("annual_rate_bps", _LOAN.annual_rate_bps),
        Column("tenure_months", _LOAN.tenure_months),
        Column("interest_method", _LOAN.interest_method),
        Column("status", _LOAN.status),
        Column("applied_on", _LOAN.applied_on),
        Column("approved_on", _LOAN.approved_on),
        Column("disbursed_on", _LOAN.disbursed_on),
        Column("closed_on", _LOAN.closed_on),
    ),
    filters=(
        uuid_filter("shg_id", _LOAN.shg_id),
        choice_filter("status", _LOAN.status, LoanStatus),
        *date_filters("applied", _LOAN.applied_on),
    ),
    order_by=(_LOAN.shg_id, _LOAN.applied_on, _LOAN.id),
)


# -- trainings ------------------------------------------------------------------------------
_TRAINING: Any = Training
TRAININGS = Dataset(
    name="trainings",
    description="Trainings the caller's organisation runs or provides.",
    policy=training_policies.READ,
    source=_TRAINING,
    visible=lambda principal: training_visible(training_scope(principal)),
    columns=(
        Column("training_id", _TRAINING.id),
        Column("organization_id", _TRAINING.organization_id),
        Column("district_id", _TRAINING.district_id),
        Column("topic", _TRAINING.topic),
        Column("course", _TRAINING.course),
        Column("provider_organization_id", _TRAINING.provider_organization_id),
        Column("starts_on", _TRAINING.starts_on),
        Column("ends_on", _TRAINING.ends_on),
        Column("session_count", _TRAINING.session_count),
    ),
    filters=(
        choice_filter("topic", _TRAINING.topic, TrainingTopic),
        *date_filters("starts", _TRAINING.starts_on),
    ),
    order_by=(_TRAINING.starts_on, _TRAINING.id),
)


_PARTICIPANT: Any = TrainingParticipant


def _participants_visible(principal: Principal) -> sa.ColumnElement[bool]:
    scope = training_scope(principal)
    return sa.and_(training_visible(scope), participants_visible(scope))


TRAINING_PARTICIPANTS = Dataset(
    name="training_participants",
    description="Participants of the trainings the caller's organisation runs (survivors as "
    "her case scope admits them) or provides (only survivors referred to it for training).",
    policy=training_policies.READ,
    source=sa.join(_PARTICIPANT, _TRAINING, _PARTICIPANT.training_id == _TRAINING.id),
    visible=_participants_visible,
    columns=(
        Column("participant_id", _PARTICIPANT.id),
        Column("training_id", _PARTICIPANT.training_id),
        Column("topic", _TRAINING.topic),
        Column("course", _TRAINING.course),
        Column("starts_on", _TRAINING.starts_on),
        Column("survivor_id", _PARTICIPANT.survivor_id),
        Column("user_id", _PARTICIPANT.user_id),
        Column("partner_organization_id", _PARTICIPANT.partner_organization_id),
        Column("sessions_attended", _PARTICIPANT.sessions_attended),
        Column("completed_on", _PARTICIPANT.completed_on),
        Column("pre_score", _PARTICIPANT.pre_score),
        Column("post_score", _PARTICIPANT.post_score),
    ),
    filters=(
        uuid_filter("training_id", _PARTICIPANT.training_id),
        choice_filter("topic", _TRAINING.topic, TrainingTopic),
    ),
    order_by=(_TRAINING.starts_on, _PARTICIPANT.training_id, _PARTICIPANT.id),
)


# -- leadership -----------------------------------------------------------------------------
_GROUP: Any = LeaderGroup
LEADER_GROUPS = Dataset(
    name="leader_groups",
    description="Survivor leader groups in the caller's scope.",
    policy=leadership_policies.READ_GROUPS,
    source=_GROUP,
    visible=lambda principal: group_visible(leadership_scope(principal)),
    columns=(
        Column("group_id", _GROUP.id),
        Column("name", _GROUP.name),
        Column("district_id", _GROUP.district_id),
        Column("formed_on", _GROUP.formed_on),
        Column("forum_organization_id", _GROUP.forum_organization_id),
    ),
    filters=(uuid_filter("district_id", _GROUP.district_id),),
    order_by=(_GROUP.formed_on, _GROUP.id),
)

_GROUP_MEETING: Any = LeaderGroupMeeting
LEADER_GROUP_MEETINGS = Dataset(
    name="leader_group_meetings",
    description="Meetings of the leader groups in the caller's scope (the number who "
    "attended; agenda and minutes stay out).",
    policy=leadership_policies.READ_GROUPS,
    source=sa.join(_GROUP_MEETING, _GROUP, _GROUP_MEETING.group_id == _GROUP.id),
    visible=lambda principal: sa.and_(
        group_visible(leadership_scope(principal)), _GROUP_MEETING.deleted_at.is_(None)
    ),
    columns=(
        Column("meeting_id", _GROUP_MEETING.id),
        Column("group_id", _GROUP_MEETING.group_id),
        Column("group_name", _GROUP.name),
        Column("held_on", _GROUP_MEETING.held_on),
        Column("attended", sa.func.cardinality(_GROUP_MEETING.attended_member_ids)),
    ),
    filters=(
        uuid_filter("group_id", _GROUP_MEETING.group_id),
        *date_filters("held", _GROUP_MEETING.held_on),
    ),
    order_by=(_GROUP_MEETING.held_on, _GROUP_MEETING.id),
)

_CAMPAIGN: Any = Campaign
CAMPAIGNS = Dataset(
    name="campaigns",
    description="Campaigns and community events in the caller's scope, with their reach.",
    policy=leadership_policies.READ_CAMPAIGNS,
    source=_CAMPAIGN,
    visible=lambda principal: activity_visible(leadership_scope(principal), _CAMPAIGN),
    columns=(
        Column("campaign_id", _CAMPAIGN.id),
        Column("kind", _CAMPAIGN.kind),
        Column("title", _CAMPAIGN.title),
        Column("district_id", _CAMPAIGN.district_id),
        Column("held_on", _CAMPAIGN.held_on),
        Column("leader_group_id", _CAMPAIGN.leader_group_id),
        Column("reached_women", _CAMPAIGN.reached_women),
        Column("reached_men", _CAMPAIGN.reached_men),
        Column("reached_youth", _CAMPAIGN.reached_youth),
        Column("reached_children", _CAMPAIGN.reached_children),
    ),
    filters=(
        choice_filter("kind", _CAMPAIGN.kind, CampaignKind),
        *date_filters("held", _CAMPAIGN.held_on),
    ),
    order_by=(_CAMPAIGN.held_on, _CAMPAIGN.id),
)

_COMMITMENT: Any = DutyBearerCommitment
_ENGAGEMENT: Any = DutyBearerEngagement
DUTY_BEARER_COMMITMENTS = Dataset(
    name="duty_bearer_commitments",
    description="Commitments duty bearers made in the meetings in the caller's scope.",
    policy=leadership_policies.READ_ENGAGEMENTS,
    source=sa.join(_COMMITMENT, _ENGAGEMENT, _COMMITMENT.engagement_id == _ENGAGEMENT.id),
    visible=lambda principal: sa.and_(
        _COMMITMENT.engagement_id.in_(engagement_ids_visible(leadership_scope(principal))),
        _COMMITMENT.deleted_at.is_(None),
    ),
    columns=(
        Column("commitment_id", _COMMITMENT.id),
        Column("engagement_id", _COMMITMENT.engagement_id),
        Column("duty_bearer", _ENGAGEMENT.duty_bearer),
        Column("office", _ENGAGEMENT.office),
        Column("district_id", _ENGAGEMENT.district_id),
        Column("held_on", _ENGAGEMENT.held_on),
        Column("commitment", _COMMITMENT.commitment),
        Column("committed_by", _COMMITMENT.committed_by),
        Column("due_on", _COMMITMENT.due_on),
        Column("status", _COMMITMENT.status),
        Column("followed_up_on", _COMMITMENT.followed_up_on),
        Column("escalated_on", _COMMITMENT.escalated_on),
        Column("escalated_to", _COMMITMENT.escalated_to),
    ),
    filters=(
        choice_filter("status", _COMMITMENT.status, CommitmentStatus),
        *date_filters("due", _COMMITMENT.due_on),
    ),
    order_by=(_ENGAGEMENT.held_on, _COMMITMENT.id),
)


# -- demands and issues ---------------------------------------------------------------------
_DEMAND: Any = Demand
DEMANDS = Dataset(
    name="demands",
    description="Demands and issues the caller may read (title, category, place, status and "
    "dates; never the sealed description, notes or comments).",
    policy=demand_policies.READ,
    source=_DEMAND,
    visible=lambda principal: demand_visible(demand_scope(principal)),
    columns=(
        Column("demand_id", _DEMAND.id),
        Column("organization_id", _DEMAND.organization_id),
        Column("raised_by_organization_id", _DEMAND.raised_by_organization_id),
        Column("title", _DEMAND.title),
        Column("category", _DEMAND.category),
        Column("priority", _DEMAND.priority),
        Column("status", _DEMAND.status),
        Column("resolution", _DEMAND.resolution),
        Column("escalation_level", _DEMAND.escalation_level),
        Column("district_id", _DEMAND.district_id),
        Column("block_id", _DEMAND.block_id),
        Column("gram_panchayat", _DEMAND.gram_panchayat),
        Column("owner_id", _DEMAND.owner_id),
        Column("raised_on", _DEMAND.raised_on),
        Column("due_on", _DEMAND.due_on),
        Column("escalated_on", _DEMAND.escalated_on),
        Column("disposed_on", _DEMAND.disposed_on),
    ),
    filters=(
        choice_filter("status", _DEMAND.status, DemandStatus),
        choice_filter("category", _DEMAND.category, DemandCategory),
        choice_filter("priority", _DEMAND.priority, DemandPriority),
        uuid_filter("district_id", _DEMAND.district_id),
        *date_filters("raised", _DEMAND.raised_on),
    ),
    order_by=(_DEMAND.raised_on, _DEMAND.id),
)


DATASETS: dict[str, Dataset] = {
    dataset.name: dataset
    for dataset in (
        CASES,
        VISITS,
        ASSESSMENTS,
        CARE_PLAN_GOALS,
        REFERRALS,
        ENTITLEMENT_APPLICATIONS,
        SHGS,
        SHG_MEMBERS,
        SHG_MEETINGS,
        SHG_LEDGER,
        SHG_LOANS,
        TRAININGS,
        TRAINING_PARTICIPANTS,
        LEADER_GROUPS,
        LEADER_GROUP_MEETINGS,
        CAMPAIGNS,
        DUTY_BEARER_COMMITMENTS,
        DEMANDS,
    )
}
