"""Survivor leadership: leader groups (members, meetings), campaigns and community events,
meetings with duty bearers and the commitments made there."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, UoW, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS, problems
from domain.common.dates import BoundedDate
from domain.common.principal import Principal
from domain.common.vocabulary import CampaignKind, DutyBearer
from domain.leadership import policies
from domain.leadership.campaigns import CampaignService, campaign_filter
from domain.leadership.duty_bearers import DutyBearerService
from domain.leadership.groups import LeaderGroupService
from domain.leadership.schemas import (
    CampaignCreate,
    CampaignPage,
    CampaignRead,
    CampaignSummary,
    CampaignUpdate,
    CommitmentCreate,
    CommitmentRead,
    CommitmentSummary,
    CommitmentUpdate,
    EngagementCreate,
    EngagementPage,
    EngagementRead,
    EngagementUpdate,
    LeaderGroupCreate,
    LeaderGroupPage,
    LeaderGroupRead,
    LeaderGroupSummary,
    LeaderGroupUpdate,
    MeetingCreate,
    MeetingPage,
    MeetingRead,
    MemberCreate,
    MemberPage,
    MemberRead,
    MemberUpdate,
    OverdueCommitmentPage,
)

router = APIRouter(tags=["leadership"])

GroupReader = Annotated[Principal, requires(policies.READ_GROUPS)]
GroupManager = Annotated[Principal, requires(policies.MANAGE_GROUPS)]
MeetingRecorder = Annotated[Principal, requires(policies.RECORD_MEETINGS)]
CampaignReader = Annotated[Principal, requires(policies.READ_CAMPAIGNS)]
CampaignRecorder = Annotated[Principal, requires(policies.MANAGE_CAMPAIGNS)]
EngagementReader = Annotated[Principal, requires(policies.READ_ENGAGEMENTS)]
EngagementRecorder = Annotated[Principal, requires(policies.MANAGE_ENGAGEMENTS)]
Counter = Annotated[Principal, requires(policies.SUMMARY)]

GROUPS = "/api/v1/leader-groups"
CAMPAIGNS = "/api/v1/campaigns"
ENGAGEMENTS = "/api/v1/duty-bearer-engagements"
SUMMARY_ERRORS = problems(401, 403, 422)


# -- leader groups --------------------------------------------------------------------------
@router.get(
    "/leader-groups",
    operation_id="leader-groups:list",
    response_model=LeaderGroupPage,
    responses=LIST_ERRORS,
)
async def list_leader_groups(
    request: Request,
    response: Response,
    uow: UoW,
    principal: GroupReader,
    page: Paging,
    district_id: Annotated[UUID | None, Query()] = None,
) -> LeaderGroupPage:
    """Leader groups in the caller's scope, newest first: program managers the organisation's,
    social workers their districts', survivor leaders the groups they belong to. Filter:
    district."""
    result = await LeaderGroupService(uow).list_groups(principal, page, district_id=district_id)
    return paged(request, response, result)


@router.post(
    "/leader-groups",
    operation_id="leader-groups:create",
    status_code=201,
    response_model=LeaderGroupRead,
    responses=CREATE_ERRORS,
)
async def create_leader_group(
    request: Request,
    uow: UoW,
    principal: GroupManager,
    body: LeaderGroupCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Form a leader group in a district (a social worker in one of hers), with its formation
    date and, optionally, the national survivors' forum it belongs to (an organisation)."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: LeaderGroupService(uow).create(principal, body),
        location=lambda group: f"{GROUPS}/{group.id}",
        reread=lambda record_id: LeaderGroupService(uow).get(principal, record_id),
    )


@router.get(
    "/leader-groups/summary",
    operation_id="leader-groups:summary",
    response_model=LeaderGroupSummary,
    responses=SUMMARY_ERRORS,
)
async def summarise_leader_groups(uow: UoW, principal: Counter) -> LeaderGroupSummary:
    """How many leader groups and current members there are (counts only; analysts see the
    organisation's)."""
    return await LeaderGroupService(uow).summary(principal)


@router.get(
    "/leader-groups/{group_id}",
    operation_id="leader-groups:read",
    response_model=LeaderGroupRead,
    responses=READ_ERRORS,
)
async def read_leader_group(
    group_id: UUID, response: Response, uow: UoW, principal: GroupReader
) -> LeaderGroupRead:
    """One leader group with its count of current members (404 outside the caller's scope)."""
    return tagged(response, await LeaderGroupService(uow).get(principal, group_id))


@router.patch(
    "/leader-groups/{group_id}",
    operation_id="leader-groups:update",
    response_model=LeaderGroupRead,
    responses=UPDATE_ERRORS,
)
async def update_leader_group(
    group_id: UUID,
    body: LeaderGroupUpdate,
    principal: GroupManager,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> LeaderGroupRead:
    """Rename a group, correct its district or formation date, or change its forum. Needs
    If-Match."""
    group = await LeaderGroupService(uow).update(principal, group_id, body, version)
    return tagged(response, group)


@router.get(
    "/leader-groups/{group_id}/members",
    operation_id="leader-groups:list-members",
    response_model=MemberPage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def list_members(
    group_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: GroupReader,
    page: Paging,
    current: Annotated[
        bool, Query(description="Only members whose membership has not ended.")
    ] = True,
) -> MemberPage:
    """The group's members and their roles, in the order they joined the records. Names and
    accounts are shown to people only (not integration clients); a member's survivor record
    only to a caller who may see that survivor. Audited."""
    result = await LeaderGroupService(uow).list_members(
        principal, group_id, page, current_only=current
    )
    return paged(request, response, result)


@router.post(
    "/leader-groups/{group_id}/members",
    operation_id="leader-groups:add-member",
    status_code=201,
    response_model=MemberRead,
    responses={**CREATE_ERRORS, **READ_ERRORS},
)
async def add_member(
    group_id: UUID,
    request: Request,
    uow: UoW,
    principal: GroupManager,
    body: MemberCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Enrol a survivor leader in the group with a role (convenor, secretary, treasurer,
    member): her account (a survivor leader of the organisation) and/or her survivor record
    (one the caller may see). A current member is not enrolled twice (409)."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: LeaderGroupService(uow).add_member(principal, group_id, body),
        location=lambda member: f"{GROUPS}/{group_id}/members/{member.id}",
        reread=lambda record_id: LeaderGroupService(uow).get_member(principal, group_id, record_id),
    )


@router.get(
    "/leader-groups/{group_id}/members/{member_id}",
    operation_id="leader-groups:read-member",
    response_model=MemberRead,
    responses=READ_ERRORS,
)
async def read_member(
    group_id: UUID, member_id: UUID, response: Response, uow: UoW, principal: GroupReader
) -> MemberRead:
    """One member of the group (as in the list). Audited."""
    member = await LeaderGroupService(uow).get_member(principal, group_id, member_id)
    return tagged(response, member)


@router.patch(
    "/leader-groups/{group_id}/members/{member_id}",
    operation_id="leader-groups:update-member",
    response_model=MemberRead,
    responses=UPDATE_ERRORS,
)
async def update_member(
    group_id: UUID,
    member_id: UUID,
    body: MemberUpdate,
    principal: GroupManager,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> MemberRead:
    """Change a member's role or dates, or end her membership (`left_on`). Needs If-Match."""
    member = await LeaderGroupService(uow).update_member(
        principal, group_id, member_id, body, version
    )
    return tagged(response, member)


@router.get(
    "/leader-groups/{group_id}/meetings",
    operation_id="leader-groups:list-meetings",
    response_model=MeetingPage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def list_meetings(
    group_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: GroupReader,
    page: Paging,
) -> MeetingPage:
    """The group's meetings, newest recorded first: date, attendance, agenda, decisions.
    Audited."""
    result = await LeaderGroupService(uow).list_meetings(principal, group_id, page)
    return paged(request, response, result)


@router.post(
    "/leader-groups/{group_id}/meetings",
    operation_id="leader-groups:record-meeting",
    status_code=201,
    response_model=MeetingRead,
    responses={**CREATE_ERRORS, **READ_ERRORS},
)
async def record_meeting(
    group_id: UUID,
    request: Request,
    uow: UoW,
    principal: MeetingRecorder,
    body: MeetingCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a meeting of the group (a survivor leader for her own groups): the date (not
    before the group was formed), the members who attended, the agenda and the decisions
    (sealed at rest)."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: LeaderGroupService(uow).record_meeting(principal, group_id, body),
        location=lambda meeting: f"{GROUPS}/{group_id}/meetings/{meeting.id}",
        reread=lambda record_id: LeaderGroupService(uow).get_meeting(
            principal, group_id, record_id
        ),
    )


@router.get(
    "/leader-groups/{group_id}/meetings/{meeting_id}",
    operation_id="leader-groups:read-meeting",
    response_model=MeetingRead,
    responses=READ_ERRORS,
)
async def read_meeting(
    group_id: UUID, meeting_id: UUID, response: Response, uow: UoW, principal: GroupReader
) -> MeetingRead:
    """One meeting of the group with its decisions. Audited."""
    meeting = await LeaderGroupService(uow).get_meeting(principal, group_id, meeting_id)
    return tagged(response, meeting)


# -- campaigns ------------------------------------------------------------------------------
@router.get(
    "/campaigns",
    operation_id="campaigns:list",
    response_model=CampaignPage,
    responses=LIST_ERRORS,
)
async def list_campaigns(
    request: Request,
    response: Response,
    uow: UoW,
    principal: CampaignReader,
    page: Paging,
    kind: Annotated[CampaignKind | None, Query()] = None,
    district_id: Annotated[UUID | None, Query()] = None,
    leader_group_id: Annotated[UUID | None, Query()] = None,
    held_from: Annotated[BoundedDate | None, Query()] = None,
    held_to: Annotated[BoundedDate | None, Query()] = None,
) -> CampaignPage:
    """Campaigns and community events in the caller's scope, newest recorded first. Filters:
    kind, district, leader group, period held (inclusive)."""
    filters = campaign_filter(
        kind=kind,
        district_id=district_id,
        leader_group_id=leader_group_id,
        held_from=held_from,
        held_to=held_to,
    )
    result = await CampaignService(uow).list_campaigns(principal, page, filters)
    return paged(request, response, result)


@router.post(
    "/campaigns",
    operation_id="campaigns:create",
    status_code=201,
    response_model=CampaignRead,
    responses=CREATE_ERRORS,
)
async def create_campaign(
    request: Request,
    uow: UoW,
    principal: CampaignRecorder,
    body: CampaignCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a campaign or community event: kind, title, place, date, the leader group that
    ran it, partner organisations, reach by group (women, men, youth, children) and outcomes.
    A survivor leader records those of her own groups, a social worker those of her
    districts."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: CampaignService(uow).create(principal, body),
        location=lambda campaign: f"{CAMPAIGNS}/{campaign.id}",
        reread=lambda record_id: CampaignService(uow).get(principal, record_id),
    )


@router.get(
    "/campaigns/summary",
    operation_id="campaigns:summary",
    response_model=CampaignSummary,
    responses=SUMMARY_ERRORS,
)
async def summarise_campaigns(
    uow: UoW,
    principal: Counter,
    kind: Annotated[CampaignKind | None, Query()] = None,
    district_id: Annotated[UUID | None, Query()] = None,
    held_from: Annotated[BoundedDate | None, Query()] = None,
    held_to: Annotated[BoundedDate | None, Query()] = None,
) -> CampaignSummary:
    """Campaigns and their reach counted by kind (every kind listed, with zeros): counts
    only, for analysts too. Filters: kind, district, period held."""
    filters = campaign_filter(
        kind=kind, district_id=district_id, held_from=held_from, held_to=held_to
    )
    return await CampaignService(uow).summary(principal, filters)


@router.get(
    "/campaigns/{campaign_id}",
    operation_id="campaigns:read",
    response_model=CampaignRead,
    responses=READ_ERRORS,
)
async def read_campaign(
    campaign_id: UUID, response: Response, uow: UoW, principal: CampaignReader
) -> CampaignRead:
    """One campaign (404 outside the caller's scope)."""
    return tagged(response, await CampaignService(uow).get(principal, campaign_id))


@router.patch(
    "/campaigns/{campaign_id}",
    operation_id="campaigns:update",
    response_model=CampaignRead,
    responses=UPDATE_ERRORS,
)
async def update_campaign(
    campaign_id: UUID,
    body: CampaignUpdate,
    principal: CampaignRecorder,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> CampaignRead:
    """Correct a campaign (reach, outcomes, partners...); it must stay within the caller's
    scope. Needs If-Match."""
    campaign = await CampaignService(uow).update(principal, campaign_id, body, version)
    return tagged(response, campaign)


# -- duty bearers ---------------------------------------------------------------------------
@router.get(
    "/duty-bearer-engagements",
    operation_id="duty-bearers:list",
    response_model=EngagementPage,
    responses=LIST_ERRORS,
)
async def list_engagements(
    request: Request,
    response: Response,
    uow: UoW,
    principal: EngagementReader,
    page: Paging,
    duty_bearer: Annotated[DutyBearer | None, Query()] = None,
    leader_group_id: Annotated[UUID | None, Query()] = None,
) -> EngagementPage:
    """Meetings with duty bearers in the caller's scope, newest recorded first, each with its
    commitments. Filters: duty bearer, leader group."""
    result = await DutyBearerService(uow).list_engagements(
        principal, page, duty_bearer=duty_bearer, leader_group_id=leader_group_id
    )
    return paged(request, response, result)


@router.post(
    "/duty-bearer-engagements",
    operation_id="duty-bearers:create",
    status_code=201,
    response_model=EngagementRead,
    responses=CREATE_ERRORS,
)
async def create_engagement(
    request: Request,
    uow: UoW,
    principal: EngagementRecorder,
    body: EngagementCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a meeting with a duty bearer (police, AHTU, panchayat, block or district
    administration, health, WCD, legal services authority, labour department, CWC): the
    office, date, issues raised and the commitments made (what, by whom, by when). A survivor
    leader records those of her own groups."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: DutyBearerService(uow).create(principal, body),
        location=lambda engagement: f"{ENGAGEMENTS}/{engagement.id}",
        reread=lambda record_id: DutyBearerService(uow).get(principal, record_id),
    )


@router.get(
    "/duty-bearer-engagements/overdue-commitments",
    operation_id="duty-bearers:list-overdue",
    response_model=OverdueCommitmentPage,
    responses=LIST_ERRORS,
)
async def list_overdue_commitments(
    request: Request,
    response: Response,
    uow: UoW,
    principal: EngagementReader,
    page: Paging,
    escalated: Annotated[
        bool | None,
        Query(description="true: only escalated ones; false: only those not escalated yet."),
    ] = None,
) -> OverdueCommitmentPage:
    """Commitments past their date and not fulfilled (open, partly fulfilled, or found not
    fulfilled), oldest recorded first, each with its meeting and days overdue. Escalating
    does not settle a commitment: it stays here, with `escalated_on`, until fulfilled."""
    result = await DutyBearerService(uow).overdue(principal, page, escalated=escalated)
    return paged(request, response, result)


@router.get(
    "/duty-bearer-engagements/summary",
    operation_id="duty-bearers:summary",
    response_model=CommitmentSummary,
    responses=SUMMARY_ERRORS,
)
async def summarise_commitments(uow: UoW, principal: Counter) -> CommitmentSummary:
    """Commitments of duty bearers counted by duty bearer and follow-up status, and how many
    are overdue: counts only, for analysts too."""
    return await DutyBearerService(uow).summary(principal)


@router.get(
    "/duty-bearer-engagements/{engagement_id}",
    operation_id="duty-bearers:read",
    response_model=EngagementRead,
    responses=READ_ERRORS,
)
async def read_engagement(
    engagement_id: UUID, response: Response, uow: UoW, principal: EngagementReader
) -> EngagementRead:
    """One meeting with a duty bearer and its commitments (404 outside the caller's scope)."""
    return tagged(response, await DutyBearerService(uow).get(principal, engagement_id))


@router.patch(
    "/duty-bearer-engagements/{engagement_id}",
    operation_id="duty-bearers:update",
    response_model=EngagementRead,
    responses=UPDATE_ERRORS,
)
async def update_engagement(
    engagement_id: UUID,
    body: EngagementUpdate,
    principal: EngagementRecorder,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> EngagementRead:
    """Correct a meeting's record (duty bearer, office, date, group, district, issues); it
    must stay within the caller's scope. Needs If-Match."""
    engagement = await DutyBearerService(uow).update(principal, engagement_id, body, version)
    return tagged(response, engagement)


@router.post(
    "/duty-bearer-engagements/{engagement_id}/commitments",
    operation_id="duty-bearers:add-commitment",
    status_code=201,
    response_model=CommitmentRead,
    responses={**CREATE_ERRORS, **READ_ERRORS},
)
async def add_commitment(
    engagement_id: UUID,
    request: Request,
    uow: UoW,
    principal: EngagementRecorder,
    body: CommitmentCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Add a commitment made at the meeting: what, by whom, by when (not before the
    meeting). It starts open."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: DutyBearerService(uow).add_commitment(principal, engagement_id, body),
        location=lambda made: f"{ENGAGEMENTS}/{engagement_id}/commitments/{made.id}",
        reread=lambda _: DutyBearerService(uow).get(principal, engagement_id),
    )


@router.patch(
    "/duty-bearer-engagements/{engagement_id}/commitments/{commitment_id}",
    operation_id="duty-bearers:update-commitment",
    response_model=CommitmentRead,
    responses=UPDATE_ERRORS,
)
async def update_commitment(
    engagement_id: UUID,
    commitment_id: UUID,
    body: CommitmentUpdate,
    principal: EngagementRecorder,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> CommitmentRead:
    """Follow a commitment up (`status`: fulfilled, partly_fulfilled, not_fulfilled, or open
    again; `followed_up_on` defaults to today) or escalate it (`escalated_to`,
    `escalated_on` defaulting to today; not once fulfilled, 409). Needs If-Match."""
    made = await DutyBearerService(uow).update_commitment(
        principal, engagement_id, commitment_id, body, version
    )
    return tagged(response, made)
