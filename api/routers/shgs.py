"""Self-help groups (SHGs): federations, groups, members, meetings with their collection
sheets, the ledger and balances, loans with their schedules, and Panchasutra grading.

A social worker reaches the groups and federations of her districts only; a group of another
district (and everything under it) answers 404 to her, as if it did not exist."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from api.deps import IdempotencyKey, IfMatch, Paging, UoW, requires
from api.http import paged, tagged
from api.idempotency import REPLAY_HEADER, create_once
from api.openapi import (
    ACTION_ERRORS,
    CREATE_ERRORS,
    LIST_ERRORS,
    READ_ERRORS,
    UPDATE_ERRORS,
    problems,
)
from domain.common.dates import BoundedDate
from domain.common.filters import LedgerFilter, ShgFilter
from domain.common.principal import Principal
from domain.common.vocabulary import FederationTier, LedgerKind, LoanKind, LoanStatus, ShgStatus
from domain.shgs import policies
from domain.shgs.books import LedgerService, LoanService
from domain.shgs.collection import CollectionService
from domain.shgs.grading import GradingRules
from domain.shgs.schemas import (
    BalancesRead,
    CollectionSheet,
    FederationCreate,
    FederationPage,
    FederationRead,
    FederationUpdate,
    GradingRead,
    GradingRulesRead,
    LedgerEntryCreate,
    LedgerEntryRead,
    LedgerPage,
    LoanApproval,
    LoanCreate,
    LoanDetail,
    LoanPage,
    LoanRead,
    LoanTermsUpdate,
    MeetingPage,
    MeetingRead,
    MemberCreate,
    MemberPage,
    MemberRead,
    MemberUpdate,
    ReversalCreate,
    ShgPage,
    ShgRead,
    ShgUpdate,
)
from domain.shgs.schemas import ShgCreate as ShgCreateBody
from domain.shgs.service import ShgService

router = APIRouter(prefix="/shgs", tags=["self-help groups"])
Overseer = Annotated[Principal, requires(policies.OVERVIEW)]
Reader = Annotated[Principal, requires(policies.READ)]
Keeper = Annotated[Principal, requires(policies.MANAGE)]
RuleSetter = Annotated[Principal, requires(policies.SET_GRADING_RULES)]
AsOf = Annotated[
    BoundedDate | None, Query(description="The date the books are read on (default: today, UTC).")
]
BASE = "/api/v1/shgs"
READ_WITH_DATE_ERRORS = problems(401, 403, 404, 422)


# -- federations ----------------------------------------------------------------------------
@router.get(
    "/federations",
    operation_id="shgs:list-federations",
    response_model=FederationPage,
    responses=LIST_ERRORS,
)
async def list_federations(
    request: Request,
    response: Response,
    uow: UoW,
    principal: Overseer,
    page: Paging,
    tier: Annotated[FederationTier | None, Query()] = None,
    district_id: Annotated[UUID | None, Query()] = None,
    parent_id: Annotated[UUID | None, Query()] = None,
) -> FederationPage:
    """Federations of SHGs of the caller's organisation (Upa Sangha, Sangha Samabay,
    Mahasangha; a social worker's: of her districts), oldest first. Filters: tier, district,
    parent federation."""
    result = await ShgService(uow).list_federations(
        principal, page, tier=tier, district_id=district_id, parent_id=parent_id
    )
    return paged(request, response, result)


@router.post(
    "/federations",
    operation_id="shgs:create-federation",
    status_code=201,
    response_model=FederationRead,
    responses=CREATE_ERRORS,
)
async def create_federation(
    request: Request,
    uow: UoW,
    principal: Keeper,
    body: FederationCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a federation. Its parent, if any, is one tier up (an Upa Sangha federates into a
    Sangha Samabay, which federates into a Mahasangha). A social worker records federations
    of her districts only (422 elsewhere or without a district)."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: ShgService(uow).create_federation(principal, body),
        location=lambda federation: f"{BASE}/federations/{federation.id}",
        reread=lambda record_id: ShgService(uow).get_federation(principal, record_id),
    )


@router.get(
    "/federations/{federation_id}",
    operation_id="shgs:read-federation",
    response_model=FederationRead,
    responses=READ_ERRORS,
)
async def read_federation(
    federation_id: UUID, response: Response, uow: UoW, principal: Overseer
) -> FederationRead:
    """One federation of the caller's organisation (404 for any other, and for a social
    worker outside her districts)."""
    return tagged(response, await ShgService(uow).get_federation(principal, federation_id))


@router.patch(
    "/federations/{federation_id}",
    operation_id="shgs:update-federation",
    response_model=FederationRead,
    responses=UPDATE_ERRORS,
)
async def update_federation(
    federation_id: UUID,
    body: FederationUpdate,
    principal: Keeper,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> FederationRead:
    """Rename a federation, or change its parent or place. Needs If-Match."""
    federation = await ShgService(uow).update_federation(principal, federation_id, body, version)
    return tagged(response, federation)


# -- grading rules --------------------------------------------------------------------------
@router.get(
    "/grading-rules",
    operation_id="shgs:read-grading-rules",
    response_model=GradingRulesRead,
    responses=READ_ERRORS,
)
async def read_grading_rules(response: Response, uow: UoW, principal: Overseer) -> GradingRulesRead:
    """The Panchasutra thresholds that grade the organisation's groups: its own, or the shared
    default (`source`). They are data: changing them needs no release."""
    return tagged(response, await ShgService(uow).grading_rules(principal))


@router.put(
    "/grading-rules",
    operation_id="shgs:set-grading-rules",
    response_model=GradingRulesRead,
    responses=UPDATE_ERRORS,
)
async def set_grading_rules(
    body: GradingRules,
    principal: RuleSetter,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> GradingRulesRead:
    """Set the organisation's own grading thresholds (all of them at once). Needs If-Match:
    `"v0"` while the shared default applies, then the ETag of the organisation's rules."""
    return tagged(response, await ShgService(uow).set_grading_rules(principal, body, version))


# -- groups ---------------------------------------------------------------------------------
@router.get("", operation_id="shgs:list", response_model=ShgPage, responses=LIST_ERRORS)
async def list_groups(
    request: Request,
    response: Response,
    uow: UoW,
    principal: Overseer,
    page: Paging,
    district_id: Annotated[UUID | None, Query()] = None,
    status: Annotated[ShgStatus | None, Query()] = None,
    federation_id: Annotated[UUID | None, Query()] = None,
) -> ShgPage:
    """The organisation's self-help groups (a social worker's: those of her districts),
    oldest first. Filters: district, status, federation. The bank account number is shown in
    full only to callers who may read the group's records; others see its last four digits."""
    filters = ShgFilter(
        district_id=district_id,
        status=status.value if status else None,
        federation_id=federation_id,
    )
    return paged(request, response, await ShgService(uow).list_groups(principal, page, filters))


@router.post(
    "",
    operation_id="shgs:create",
    status_code=201,
    response_model=ShgRead,
    responses=CREATE_ERRORS,
)
async def create_group(
    request: Request,
    uow: UoW,
    principal: Keeper,
    body: ShgCreateBody,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Form a self-help group: name, formation date, place, federation, meeting frequency and
    day, fixed saving per meeting (paise), internal interest rate (basis points per annum) and
    bank linkage (the account number is sealed at rest). A social worker forms groups in her
    districts only (422 elsewhere)."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: ShgService(uow).create_group(principal, body),
        location=lambda shg: f"{BASE}/{shg.id}",
        reread=lambda record_id: ShgService(uow).get_group(principal, record_id),
    )


@router.get("/{shg_id}", operation_id="shgs:read", response_model=ShgRead, responses=READ_ERRORS)
async def read_group(shg_id: UUID, response: Response, uow: UoW, principal: Overseer) -> ShgRead:
    """One group (404 outside the caller's organisation, and for a social worker outside her
    districts). Audited."""
    return tagged(response, await ShgService(uow).get_group(principal, shg_id))


@router.patch(
    "/{shg_id}", operation_id="shgs:update", response_model=ShgRead, responses=UPDATE_ERRORS
)
async def update_group(
    shg_id: UUID,
    body: ShgUpdate,
    principal: Keeper,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> ShgRead:
    """Change a group: name, place, federation, meetings, saving, rate, bank linkage
    (`null` removes it), status (forming, active, dormant, closed; a closed group's books take
    no new records). Needs If-Match."""
    return tagged(response, await ShgService(uow).update_group(principal, shg_id, body, version))


# -- members --------------------------------------------------------------------------------
@router.get(
    "/{shg_id}/members",
    operation_id="shgs:list-members",
    response_model=MemberPage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def list_members(
    shg_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    active_on: Annotated[
        BoundedDate | None, Query(description="Only women who were members on this date.")
    ] = None,
) -> MemberPage:
    """The group's members in the order they were enrolled. `survivor_id` is set only for a
    survivor whom the caller may see (her case workers); it is null for every other woman and
    every other caller. Audited."""
    result = await ShgService(uow).list_members(principal, shg_id, page, active_on=active_on)
    return paged(request, response, result)


@router.post(
    "/{shg_id}/members",
    operation_id="shgs:create-member",
    status_code=201,
    response_model=MemberRead,
    responses={**CREATE_ERRORS, **READ_ERRORS},
)
async def create_member(
    shg_id: UUID,
    request: Request,
    uow: UoW,
    principal: Keeper,
    body: MemberCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Enrol a member: a survivor the caller may see (`survivor_id`), or another woman of the
    community (`name`), with her role (one president, secretary and treasurer at a time) and
    the date she joined. Names are sealed at rest."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: ShgService(uow).add_member(principal, shg_id, body),
        location=lambda member: f"{BASE}/{shg_id}/members/{member.id}",
        reread=lambda record_id: ShgService(uow).get_member(principal, shg_id, record_id),
    )


@router.get(
    "/{shg_id}/members/{member_id}",
    operation_id="shgs:read-member",
    response_model=MemberRead,
    responses=READ_ERRORS,
)
async def read_member(
    shg_id: UUID, member_id: UUID, response: Response, uow: UoW, principal: Reader
) -> MemberRead:
    """One member. Audited."""
    return tagged(response, await ShgService(uow).get_member(principal, shg_id, member_id))


@router.patch(
    "/{shg_id}/members/{member_id}",
    operation_id="shgs:update-member",
    response_model=MemberRead,
    responses=UPDATE_ERRORS,
)
async def update_member(
    shg_id: UUID,
    member_id: UUID,
    body: MemberUpdate,
    principal: Keeper,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> MemberRead:
    """Change a member's name, role, joining date, or record her exit (`exited_on`). Needs
    If-Match."""
    member = await ShgService(uow).update_member(principal, shg_id, member_id, body, version)
    return tagged(response, member)


# -- meetings -------------------------------------------------------------------------------
@router.get(
    "/{shg_id}/meetings",
    operation_id="shgs:list-meetings",
    response_model=MeetingPage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def list_meetings(
    shg_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
) -> MeetingPage:
    """The group's meetings, latest first, each with its attendance counts and money (no
    minutes). Audited."""
    return paged(request, response, await CollectionService(uow).list(principal, shg_id, page))


@router.post(
    "/{shg_id}/meetings",
    operation_id="shgs:record-meeting",
    status_code=201,
    response_model=MeetingRead,
    responses={
        **CREATE_ERRORS,
        **READ_ERRORS,
        200: {
            "model": MeetingRead,
            "description": "The same sheet was already recorded for that date: the first one "
            "is answered again and nothing is written (`Idempotent-Replayed: true`).",
        },
    },
)
async def record_meeting(
    shg_id: UUID,
    request: Request,
    uow: UoW,
    principal: Keeper,
    body: CollectionSheet,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a meeting's collection sheet in one request: attendance of every active member
    (present, absent, approved leave, leave, late), minutes and resolutions (sealed), savings
    deposits, loan repayments (principal and interest), disbursals of approved loans and
    fines. All of it is written or none of it: a line that breaks a rule answers 422 naming
    it, and nothing is recorded. Send an Idempotency-Key: a retry with the same key returns the
    first answer. A second sheet for the same date that records the same meeting answers the
    first (200, `Idempotent-Replayed: true`); a different one is 409."""
    already = False

    async def record() -> MeetingRead:
        nonlocal already
        meeting, already = await CollectionService(uow).record(principal, shg_id, body)
        return meeting

    response = await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        record,
        location=lambda meeting: f"{BASE}/{shg_id}/meetings/{meeting.id}",
        reread=lambda record_id: CollectionService(uow).get(principal, shg_id, record_id),
    )
    if already and REPLAY_HEADER not in response.headers:
        response.status_code = 200
        response.headers[REPLAY_HEADER] = "true"
    return response


@router.get(
    "/{shg_id}/meetings/{meeting_id}",
    operation_id="shgs:read-meeting",
    response_model=MeetingRead,
    responses=READ_ERRORS,
)
async def read_meeting(
    shg_id: UUID, meeting_id: UUID, response: Response, uow: UoW, principal: Reader
) -> MeetingRead:
    """One meeting's collection sheet: attendance, minutes, resolutions, every entry (with
    its reversal, if any) and totals. Audited."""
    return tagged(response, await CollectionService(uow).get(principal, shg_id, meeting_id))


# -- ledger ---------------------------------------------------------------------------------
@router.get(
    "/{shg_id}/ledger",
    operation_id="shgs:list-ledger",
    response_model=LedgerPage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def list_ledger(
    shg_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    kind: Annotated[LedgerKind | None, Query()] = None,
    member_id: Annotated[UUID | None, Query()] = None,
    loan_id: Annotated[UUID | None, Query()] = None,
    meeting_id: Annotated[UUID | None, Query()] = None,
    since: Annotated[BoundedDate | None, Query(description="Entries dated on or after.")] = None,
    until: Annotated[BoundedDate | None, Query(description="Entries dated on or before.")] = None,
) -> LedgerPage:
    """The group's ledger in book order (entry date, then when recorded), each entry with the
    id of its reversal if it was reversed. Filters: kind, member, loan, meeting, dates.
    Audited."""
    filters = LedgerFilter(
        kind=kind.value if kind else None,
        member_id=member_id,
        loan_id=loan_id,
        meeting_id=meeting_id,
        since=since,
        until=until,
    )
    return paged(request, response, await LedgerService(uow).list(principal, shg_id, page, filters))


@router.post(
    "/{shg_id}/ledger",
    operation_id="shgs:post-entry",
    status_code=201,
    response_model=LedgerEntryRead,
    responses={**CREATE_ERRORS, **READ_ERRORS},
)
async def post_entry(
    shg_id: UUID,
    request: Request,
    uow: UoW,
    principal: Keeper,
    body: LedgerEntryCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Post one entry outside a meeting (a bank deposit or withdrawal, an RF or CIF receipt, a
    bank loan received or repaid, a savings withdrawal...). Amounts are positive integer paise;
    the kind says which way the money moves. An entry that would take cash in hand, the bank
    balance, a member's savings or a loan's principal below zero on any day, or that repays a
    closed loan, answers 422 and nothing is written. Entries are never edited: reverse one."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: LedgerService(uow).post_entry(principal, shg_id, body),
        location=lambda entry: f"{BASE}/{shg_id}/ledger/{entry.id}",
        reread=lambda record_id: LedgerService(uow).get_entry(principal, shg_id, record_id),
    )


@router.get(
    "/{shg_id}/ledger/balances",
    operation_id="shgs:read-balances",
    response_model=BalancesRead,
    responses=READ_WITH_DATE_ERRORS,
)
async def read_balances(
    shg_id: UUID, uow: UoW, principal: Overseer, as_of: AsOf = None
) -> BalancesRead:
    """The books on a date, summed from the entries: cash in hand, bank balance, savings, loans
    outstanding (internal and bank), interest, fines, RF and CIF. Each member's savings and
    each loan's outstanding principal, interest paid, interest due and principal overdue are
    listed only for callers who may read the group's records (null for others); that read is
    audited."""
    return await LedgerService(uow).balances(principal, shg_id, as_of)


@router.get(
    "/{shg_id}/ledger/{entry_id}",
    operation_id="shgs:read-entry",
    response_model=LedgerEntryRead,
    responses=READ_ERRORS,
)
async def read_entry(shg_id: UUID, entry_id: UUID, uow: UoW, principal: Reader) -> LedgerEntryRead:
    """One ledger entry, with the id of its reversal if it was reversed. Audited."""
    return await LedgerService(uow).get_entry(principal, shg_id, entry_id)


@router.post(
    "/{shg_id}/ledger/{entry_id}/reversal",
    operation_id="shgs:reverse-entry",
    status_code=201,
    response_model=LedgerEntryRead,
    responses={**CREATE_ERRORS, **READ_ERRORS},
)
async def reverse_entry(
    shg_id: UUID,
    entry_id: UUID,
    request: Request,
    uow: UoW,
    principal: Keeper,
    body: ReversalCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Undo an entry with an equal and opposite one dated `entry_date` (default today, not
    before the entry). An entry is reversed once (409 again); a reversal is not reversed (post
    the entry again instead). A reversal that would take an account below zero answers 422.
    Undoing a disbursal takes its loan back to approved; undoing a repayment may reopen a
    closed loan."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: LedgerService(uow).reverse(principal, shg_id, entry_id, body),
        location=lambda entry: f"{BASE}/{shg_id}/ledger/{entry.id}",
        reread=lambda record_id: LedgerService(uow).get_entry(principal, shg_id, record_id),
    )


# -- loans ----------------------------------------------------------------------------------
@router.get(
    "/{shg_id}/loans",
    operation_id="shgs:list-loans",
    response_model=LoanPage,
    responses={**READ_ERRORS, **LIST_ERRORS},
)
async def list_loans(
    shg_id: UUID,
    request: Request,
    response: Response,
    uow: UoW,
    principal: Reader,
    page: Paging,
    status: Annotated[LoanStatus | None, Query()] = None,
    member_id: Annotated[UUID | None, Query()] = None,
    kind: Annotated[LoanKind | None, Query()] = None,
) -> LoanPage:
    """The group's loans (internal and bank), oldest first. Filters: status, member, kind.
    Audited."""
    result = await LoanService(uow).list(
        principal, shg_id, page, status=status, member_id=member_id, kind=kind
    )
    return paged(request, response, result)


@router.post(
    "/{shg_id}/loans",
    operation_id="shgs:apply-loan",
    status_code=201,
    response_model=LoanRead,
    responses={**CREATE_ERRORS, **READ_ERRORS},
)
async def apply_loan(
    shg_id: UUID,
    request: Request,
    uow: UoW,
    principal: Keeper,
    body: LoanCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Record a loan applied for: internal (the group lends to a member at its rate unless
    another is given) or bank (a bank lends to the group), with principal, rate, tenure in
    months and interest method (flat or declining balance). It then moves applied -> approved
    -> disbursed (by a disbursal entry or a collection sheet, which makes its monthly
    schedule) -> closed (when repaid) or written off."""
    return await create_once(
        request,
        uow,
        principal,
        idempotency_key,
        lambda: LoanService(uow).apply(principal, shg_id, body),
        location=lambda loan: f"{BASE}/{shg_id}/loans/{loan.id}",
        reread=lambda record_id: LoanService(uow).get(principal, shg_id, record_id, None),
    )


@router.get(
    "/{shg_id}/loans/{loan_id}",
    operation_id="shgs:read-loan",
    response_model=LoanDetail,
    responses=READ_WITH_DATE_ERRORS,
)
async def read_loan(
    shg_id: UUID,
    loan_id: UUID,
    response: Response,
    uow: UoW,
    principal: Reader,
    as_of: AsOf = None,
) -> LoanDetail:
    """A loan with its repayment schedule, each instalment's state on `as_of` (paid, paid
    late, overdue, upcoming), outstanding principal, interest paid and what is overdue.
    Audited."""
    return tagged(response, await LoanService(uow).get(principal, shg_id, loan_id, as_of))


@router.patch(
    "/{shg_id}/loans/{loan_id}",
    operation_id="shgs:update-loan",
    response_model=LoanRead,
    responses=UPDATE_ERRORS,
)
async def update_loan(
    shg_id: UUID,
    loan_id: UUID,
    body: LoanTermsUpdate,
    principal: Keeper,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> LoanRead:
    """Change the terms of a loan not yet disbursed (409 after). Needs If-Match."""
    loan = await LoanService(uow).update_terms(principal, shg_id, loan_id, body, version)
    return tagged(response, loan)


@router.post(
    "/{shg_id}/loans/{loan_id}/approval",
    operation_id="shgs:approve-loan",
    response_model=LoanRead,
    responses={**ACTION_ERRORS, **UPDATE_ERRORS},
)
async def approve_loan(
    shg_id: UUID,
    loan_id: UUID,
    body: LoanApproval,
    principal: Keeper,
    version: IfMatch,
    response: Response,
    uow: UoW,
) -> LoanRead:
    """Approve a loan applied for (the group's resolution), on or after its application.
    Needs If-Match (428 without, 412 when stale)."""
    loan = await LoanService(uow).approve(principal, shg_id, loan_id, body, version)
    return tagged(response, loan)


@router.post(
    "/{shg_id}/loans/{loan_id}/write-off",
    operation_id="shgs:write-off-loan",
    response_model=LoanRead,
    responses={**ACTION_ERRORS, **UPDATE_ERRORS},
)
async def write_off_loan(
    shg_id: UUID, loan_id: UUID, principal: Keeper, version: IfMatch, response: Response, uow: UoW
) -> LoanRead:
    """Write off a disbursed loan that will not be repaid: it takes no more repayments.
    Needs If-Match (428 without, 412 when stale)."""
    return tagged(response, await LoanService(uow).write_off(principal, shg_id, loan_id, version))


# -- grading --------------------------------------------------------------------------------
@router.get(
    "/{shg_id}/grading",
    operation_id="shgs:grade",
    response_model=GradingRead,
    responses=READ_WITH_DATE_ERRORS,
)
async def grade_group(
    shg_id: UUID, uow: UoW, principal: Overseer, as_of: AsOf = None
) -> GradingRead:
    """The group's five Panchasutra norms on `as_of` (regular meetings, regular savings,
    internal lending, timely repayment, books up to date), computed from its recorded meetings,
    ledger and loans over the rules' window; its grade; and whether it may receive the
    revolving fund and the community investment fund (with reasons when not). Thresholds come
    from the organisation's grading rules, not from code."""
    return await ShgService(uow).grade(principal, shg_id, as_of)
