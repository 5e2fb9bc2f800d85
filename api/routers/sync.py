"""Offline sync for the mobile app: pull what changed in her scope, push a day's work, resolve
conflicts. The protocol is described in README ("For app developers")."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError

from api.deps import Paging, UoW, get_container, requires
from api.errors import status_of
from api.http import paged
from api.openapi import ACTION_ERRORS, LIST_ERRORS, problems
from api.problems import problem_body
from domain.common.errors import DomainError
from domain.common.pagination import MAX_LIMIT
from domain.common.principal import Principal
from domain.survivors.duplicates import DuplicateHitLimit
from domain.sync import policies
from domain.sync.conflicts import SyncConflictService
from domain.sync.entities import Context
from domain.sync.pull import SyncPullService
from domain.sync.push import SyncPushService
from domain.sync.schemas import (
    ConflictPage,
    ConflictResolution,
    ConflictResolved,
    PullPage,
    PushBody,
    PushResult,
)

router = APIRouter(tags=["sync"])
Puller = Annotated[Principal, requires(policies.PULL)]
Pusher = Annotated[Principal, requires(policies.PUSH)]
Resolver = Annotated[Principal, requires(policies.CONFLICTS)]


def problem_of(error: DomainError | ValidationError) -> dict[str, Any]:
    """A mutation's refusal as the problem the same request over REST would have answered
    (validation errors name where and what kind, never the value)."""
    if isinstance(error, ValidationError):
        details = [
            {
                "loc": ["changes", *(str(part) for part in item.get("loc", ()))],
                "msg": str(item.get("msg", "")),
                "type": str(item.get("type", "")),
            }
            for item in error.errors()
        ]
        return problem_body(
            422,
            "Validation failed",
            "The mutation's changes are not valid; see errors.",
            code="validation-failed",
            errors=details,
        )
    extra: dict[str, Any] = {}
    if "field" in error.extra:
        extra["errors"] = [
            {"loc": ["changes", error.extra["field"]], "msg": error.detail, "type": "business_rule"}
        ]
    return problem_body(status_of(error), error.title, error.detail, code=error.code, **extra)


@router.get(
    "/sync/pull",
    operation_id="sync:pull",
    response_model=PullPage,
    responses=LIST_ERRORS,
)
async def pull(
    uow: UoW,
    principal: Puller,
    cursor: Annotated[
        str | None,
        Query(max_length=1024, description="The `cursor` of the previous pull; none at first."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="About this many changes.")] = 100,
) -> PullPage:
    """Every change in the caller's scope since `cursor`, in commit order: survivors (the
    fields she may see), cases, consents, case notes she may read, visits, care plan goals,
    assessments and instruments; referrals of her cases, entitlement applications of her
    survivors, SHGs of her districts with their members, meetings and books
    (`shg_balances`), leader groups with their meetings and campaigns, demands she raised or
    owns, and attachments' metadata (the bytes come from the attachment's content endpoint).
    Each kind only to those its area lets read it. `upsert` carries the record as its own
    read endpoint shows it to her; `delete` is a tombstone for a record that left her scope
    or was deleted (a case's tombstone removes its records too, a group's its members,
    meetings and books). Without `cursor`, a first pull: everything she holds now. Keep the
    answer's `cursor` for the next pull; pull again at once while `has_more`. Every record
    sent is a read in the audit trail, as its endpoint audits it. People only (program
    managers and social workers; survivor leaders their own groups); integration clients
    never sync."""
    return await SyncPullService(uow).pull(principal, cursor, limit)


@router.post(
    "/sync/push",
    operation_id="sync:push",
    response_model=PushResult,
    responses=problems(400, 401, 403, 413, 415, 422),
)
async def push(request: Request, uow: UoW, principal: Pusher, body: PushBody) -> PushResult:
    """A batch of offline mutations (creates of survivors, consents, case notes, visits,
    goals and assessments; updates of survivors, cases, visits and goals; referral status
    steps; SHG collection sheets; leader group meetings; campaigns and their reach, created
    and updated; identification referrals), each applied on its own and answered in order:
    `applied` with the record's new version, `conflict` with the fields changed on
    the server since `base_version` (server, base and client values; the other fields were
    applied; the conflict is kept at `/sync/conflicts`), or `rejected` with the problem the
    same request over REST would have answered. A mutation's `id` is made on the device: a
    retried batch is answered again without applying anything twice. `reads` are the records
    she opened offline, written to the audit trail at their `read_at` (400 for one outside the
    last 90 days)."""
    settings = get_container(request).settings
    context = Context(duplicate_limit=DuplicateHitLimit.from_settings(settings))
    return await SyncPushService(uow, problem_of, context).push(principal, body)


@router.get(
    "/sync/conflicts",
    operation_id="sync-conflicts:list",
    response_model=ConflictPage,
    responses=LIST_ERRORS,
)
async def list_conflicts(
    request: Request, response: Response, uow: UoW, principal: Resolver, page: Paging
) -> ConflictPage:
    """Her conflicts not yet resolved, oldest first: for each, the record, the field, and the
    server's, base and her own values."""
    result = await SyncConflictService(uow).list(principal, page)
    return paged(request, response, result)


@router.post(
    "/sync/conflicts/{conflict_id}/resolve",
    operation_id="sync-conflicts:resolve",
    response_model=ConflictResolved,
    responses=ACTION_ERRORS,
)
async def resolve_conflict(
    uow: UoW, principal: Resolver, conflict_id: UUID, body: ConflictResolution
) -> ConflictResolved:
    """Resolve one of her conflicts with the value she chose (the server's, her own or
    another): it is applied to the record as it stands now, through the same rules as any
    update. 404 for a conflict that is not hers; 409 when it was resolved already."""
    return await SyncConflictService(uow).resolve(principal, conflict_id, body.value)
