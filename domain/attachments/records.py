"""The kinds of record that take attachments, each with its own policies and scope rule.

One generic mechanism: an attachment names its record by kind and id; this table says, per
kind, which policies reading and changing it need, which categories of file it takes, and how
to find it in the caller's scope (the area's own ``require`` helper, so the scope rule is the
area's, never restated here). A record outside the scope raises NotFound.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

from domain.cases import policies as case_policies
from domain.cases.access import require_case
from domain.common.errors import NotFound
from domain.common.policy import Policy
from domain.common.principal import Principal
from domain.common.records import require
from domain.consents import policies as consent_policies
from domain.shgs import policies as shg_policies
from domain.shgs.access import require_group
from domain.survivors import policies as survivor_policies
from domain.survivors.service import SurvivorService
from persistence.models.device_vocabulary import AttachmentCategory, AttachmentRecordKind
from persistence.repositories.consents import ConsentRepository
from persistence.repositories.shgs import MeetingRepository
from persistence.scope import RowScope
from persistence.uow import UnitOfWork

C = AttachmentCategory


@dataclass(frozen=True, slots=True)
class Located:
    """A record found in the caller's scope: the organisation its attachments belong to."""

    organization_id: UUID


# (uow, caller, record id, the id of the record it hangs off when the path names one)
Locate = Callable[[UnitOfWork, Principal, UUID, UUID | None], Awaitable[Located]]


async def _survivor(
    uow: UnitOfWork, principal: Principal, survivor_id: UUID, _: UUID | None
) -> Located:
    survivor = await SurvivorService(uow).require(principal, survivor_id)
    return Located(survivor.organization_id)


async def _case(uow: UnitOfWork, principal: Principal, case_id: UUID, _: UUID | None) -> Located:
    case = await require_case(uow, principal, case_id)
    return Located(case.organization_id)


async def _consent(
    uow: UnitOfWork, principal: Principal, consent_id: UUID, survivor_id: UUID | None
) -> Located:
    # A consent is in scope when its survivor is (domain/consents/policies.py): her first, as
    # the consent routes do, so that an outsider meets the same 404 as for a missing one.
    consent = await ConsentRepository(uow).get(consent_id, RowScope.everything())
    if survivor_id is None:
        if consent is None:
            raise NotFound("Consent not found.")
        survivor_id = consent.survivor_id
    survivor = await SurvivorService(uow).require(principal, survivor_id)
    if (
        consent is None
        or consent.survivor_id != survivor.id
        or consent.organization_id != survivor.organization_id
    ):
        raise NotFound("Consent not found.")
    return Located(consent.organization_id)


async def _shg_meeting(
    uow: UnitOfWork, principal: Principal, meeting_id: UUID, shg_id: UUID | None
) -> Located:
    # A meeting is in scope when its group is (domain/shgs/policies.py): the group first, as
    # the meeting routes do.
    meetings = MeetingRepository(uow)
    if shg_id is None:
        found = await require(meetings.get(meeting_id, RowScope.everything()), "Meeting")
        shg_id = found.shg_id
    shg = await require_group(uow, principal, shg_id)
    meeting = await require(meetings.in_group(shg.id, meeting_id), "Meeting")
    return Located(meeting.organization_id)


@dataclass(frozen=True, slots=True)
class RecordKind:
    kind: AttachmentRecordKind
    read: Policy
    manage: Policy
    categories: frozenset[AttachmentCategory]
    default_category: AttachmentCategory
    locate: Locate
    noun: str  # for messages


RECORD_KINDS: dict[AttachmentRecordKind, RecordKind] = {
    kind.kind: kind
    for kind in (
        RecordKind(
            AttachmentRecordKind.survivor,
            survivor_policies.READ,
            survivor_policies.MANAGE,
            frozenset({C.id_document, C.photo, C.consent_form, C.document}),
            C.id_document,
            _survivor,
            "survivor",
        ),
        RecordKind(
            AttachmentRecordKind.case,
            case_policies.READ,
            case_policies.MANAGE,
            frozenset({C.document, C.photo, C.id_document, C.consent_form}),
            C.document,
            _case,
            "case",
        ),
        RecordKind(
            AttachmentRecordKind.consent,
            consent_policies.READ,
            consent_policies.MANAGE,
            frozenset({C.consent_form}),
            C.consent_form,
            _consent,
            "consent",
        ),
        RecordKind(
            AttachmentRecordKind.shg_meeting,
            shg_policies.READ,
            shg_policies.MANAGE,
            frozenset({C.meeting_photo, C.document}),
            C.meeting_photo,
            _shg_meeting,
            "meeting",
        ),
    )
}
