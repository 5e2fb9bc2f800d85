"""Victim identification referrals (intake leads) and community safety reports."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, UoW, requires
from api.http import paged, tagged
from api.idempotency import create_once
from api.openapi import CREATE_ERRORS, LIST_ERRORS, READ_ERRORS, UPDATE_ERRORS
from domain.common.principal import Principal
from domain.common.vocabulary import (
    IdentificationConcern,
    IdentificationStatus,
    SafetyReportKind,
    SafetyReportStatus,
)
from domain.identification import policies
from domain.identification.referrals import IdentificationReferralService
from domain.identification.safety_reports import SafetyReportService
from domain.identification.schemas import (
    IntakeLead,
    ReferralCreate,
    ReferralDecision,
    ReferralPage,
    ReferralSubmission,
    ReferralView,
    SafetyReportCreate,
    SafetyReportPage,
    SafetyReportRead,
    SafetyReportReceipt,
    SafetyReportReview,
    SafetyReportView,
)

router = APIRouter(tags=["leadership"])
REFERRALS = "/identification-referrals"
REPORTS = "/safety-reports"

Referrer = Annotated[Principal, requires(policies.SUBMIT_REFERRAL)]
ReferralReader = Annotated[Principal, requires(policies.READ_REFERRALS)]
Decider = Annotated[Principal, requires(policies.DECIDE_REFERRALS)]
Reporter = Annotated[Principal, requires(policies.SUBMIT_SAFETY_REPORT)]
ReportReader = Annotated[Principal, requires(policies.READ_SAFETY_REPORTS)]
Reviewer = Annotated[Principal, requires(policies.REVIEW_SAFETY_REPORTS)]


# -- identification referrals ---------------------------------------------------------------
@router.get(
    REFERRALS,
    operation_id="identification-referrals:list",
    response_model=ReferralPage,
    responses=LIST_ERRORS,
)
async def list_referrals(
    request: Request,
    response: Response,
    uow: UoW,
    principal: ReferralReader,
    page: Paging,
    status: Annotated[IdentificationStatus | None, Query()] = None,
    concern: Annotated[IdentificationConcern | None, Query()] = None,
) -> ReferralPage:
    """Identification referrals, newest first. A survivor leader gets her own submissions
    (`view: submission`: their status only, never what she wrote); program managers get the
    organisation's intake leads and social workers their districts' (`view: intake_lead`).
    Filters: status, concern. Audited, one event per referral shown."""
    result = await IdentificationReferralService(uow).list_referrals(
        principal, page, status=status, concern=concern
    )
    return paged(request, response, result)


@router.post(
    REFERRALS,
    operation_id="identification-referrals:submit",
    status_code=201,
    response_model=ReferralSubmission,
    responses=CREATE_ERRORS,
)
async def submit_referral(
    request: Request,
    uow: UoW,
    principal: Referrer,
    body: ReferralCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """A survivor leader refers a person at risk or a possible victim to her organisation,
    with as little data as will do (sealed at rest). It becomes an intake lead for the
    organisation's case workers; she follows its status only (the answer, too, says where it
    stands, not what she wrote). The district defaults to hers when she has one."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: IdentificationReferralService(uow).submit(principal, body),
        location=lambda referral: f"/api/v1{REFERRALS}/{referral.id}",
        reread=lambda record_id: IdentificationReferralService(uow).get(principal, record_id),
    )


@router.get(
    REFERRALS + "/{referral_id}",
    operation_id="identification-referrals:read",
    response_model=ReferralView,
    responses=READ_ERRORS,
)
async def read_referral(
    referral_id: UUID, response: Response, uow: UoW, principal: ReferralReader
) -> ReferralSubmission | IntakeLead:
    """One referral in the caller's view (404 outside her scope: a leader's own submissions,
    a social worker's districts, a program manager's organisation). Audited."""
    return tagged(response, await IdentificationReferralService(uow).get(principal, referral_id))


@router.post(
    REFERRALS + "/{referral_id}/decision",
    operation_id="identification-referrals:decide",
    response_model=IntakeLead,
    responses=UPDATE_ERRORS,
)
async def decide_referral(
    referral_id: UUID,
    body: ReferralDecision,
    principal: Decider,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> IntakeLead:
    """Decide on an intake lead: submitted -> accepted -> declined | became_case (a lead may
    be declined or linked straight away). Declining needs a `reason` (sealed, never shown to
    the leader); `became_case` links a case of the organisation in the caller's case scope by
    `case_id`. Decisions are final. Needs If-Match."""
    lead = await IdentificationReferralService(uow).decide(principal, referral_id, body, version)
    return tagged(response, lead)


# -- safety reports -------------------------------------------------------------------------
@router.get(
    REPORTS,
    operation_id="safety-reports:list",
    response_model=SafetyReportPage,
    responses=LIST_ERRORS,
)
async def list_safety_reports(
    request: Request,
    response: Response,
    uow: UoW,
    principal: ReportReader,
    page: Paging,
    status: Annotated[SafetyReportStatus | None, Query()] = None,
    kind: Annotated[SafetyReportKind | None, Query()] = None,
) -> SafetyReportPage:
    """Safety reports, newest first. Program managers get every report of the organisation
    with its content (`view: report`); social workers those naming nobody in their districts,
    and the receipts of their own; survivor leaders the receipts of their own (`view:
    receipt`: status, no content). Filters: status, kind. Every report shown is audited."""
    result = await SafetyReportService(uow).list_reports(principal, page, status=status, kind=kind)
    return paged(request, response, result)


@router.post(
    REPORTS,
    operation_id="safety-reports:submit",
    status_code=201,
    response_model=SafetyReportView,
    responses=CREATE_ERRORS,
)
async def submit_safety_report(
    request: Request,
    uow: UoW,
    principal: Reporter,
    body: SafetyReportCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Report a red flag, suspected recruitment, a missing person or a threat. The content
    is sealed at rest; a report naming persons (unless `names_persons: false` and nobody
    listed) is an allegation, read by program managers alone. The reporter's answer is the
    report's receipt, without its content."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: SafetyReportService(uow).submit(principal, body),
        location=lambda report: f"/api/v1{REPORTS}/{report.id}",
        reread=lambda record_id: SafetyReportService(uow).get(principal, record_id),
    )


@router.get(
    REPORTS + "/{report_id}",
    operation_id="safety-reports:read",
    response_model=SafetyReportView,
    responses=READ_ERRORS,
)
async def read_safety_report(
    report_id: UUID, response: Response, uow: UoW, principal: ReportReader
) -> SafetyReportReceipt | SafetyReportRead:
    """One report: its content where the caller may read it, its receipt (status only) for
    her own report otherwise; 404 outside her scope. Every read is audited."""
    return tagged(response, await SafetyReportService(uow).get(principal, report_id))


@router.post(
    REPORTS + "/{report_id}/review",
    operation_id="safety-reports:review",
    response_model=SafetyReportRead,
    responses=UPDATE_ERRORS,
)
async def review_safety_report(
    report_id: UUID,
    body: SafetyReportReview,
    principal: Reviewer,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> SafetyReportRead:
    """Move a report on: received -> under_review -> action_taken -> closed (forward only;
    closed is final), with a note of what was done (sealed). Program managers. Needs
    If-Match."""
    report = await SafetyReportService(uow).review(principal, report_id, body, version)
    return tagged(response, report)
