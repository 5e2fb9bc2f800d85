"""The service directory and referrals as the API speaks them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.common.pagination import Page
from domain.common.schemas import PatchBody, Personal, ReadModel, Releasable, RequestBody
from domain.common.staff import OrganizationName, StaffName
from persistence.models.case_vocabulary import (
    ReferralStatus,
    ServiceKind,
    ShareableField,
    Urgency,
)
from persistence.models.enums import OrganizationKind

MAX_DISTRICTS = 100
# Seeded districts (South and North 24 Parganas, West Bengal): the examples name real ids.
_SOUTH_24 = "f6d82d05-cc82-58d1-a3a8-820198e02bc2"
_NORTH_24 = "58801656-70cf-5632-9825-cd226bef4fcc"

# Organisations the directory lists (and that may keep offerings in it).
DIRECTORY_KINDS = frozenset(
    {
        OrganizationKind.government_department,
        OrganizationKind.service_provider,
        OrganizationKind.partner_ngo,
    }
)


# -- service directory ------------------------------------------------------------------------
def _unique_districts(value: list[UUID] | None) -> list[UUID] | None:
    if value is None:
        return None
    if len(set(value)) != len(value):
        raise ValueError("each district is named once")
    return value


class ServiceOfferingCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "service_kind": "counselling",
                    "name": "Trauma counselling in Bengali and Hindi",
                    "description": "Individual sessions with a trained counsellor, weekday "
                    "mornings; a female counsellor on request.",
                    "district_ids": [_SOUTH_24, _NORTH_24],
                }
            ]
        }
    )

    id: UUID | None = Field(default=None, description="Client-chosen id (offline creation).")
    service_kind: ServiceKind
    name: str = Field(min_length=1, max_length=200, examples=["Legal aid clinic"])
    description: str = Field(default="", max_length=2000)
    district_ids: list[UUID] = Field(
        min_length=1,
        max_length=MAX_DISTRICTS,
        description="The districts where the service is offered.",
    )

    _districts = field_validator("district_ids")(_unique_districts)


class ServiceOfferingUpdate(PatchBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "description": "Individual and group sessions, Monday to Saturday mornings.",
                    "district_ids": [_SOUTH_24],
                }
            ]
        }
    )

    service_kind: ServiceKind | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    district_ids: list[UUID] | None = Field(default=None, min_length=1, max_length=MAX_DISTRICTS)

    _districts = field_validator("district_ids")(_unique_districts)


class ServiceOfferingRead(ReadModel):
    id: UUID
    organization_id: UUID
    service_kind: ServiceKind
    name: str
    description: str
    district_ids: list[UUID]
    created_at: datetime
    updated_at: datetime
    version: int


class ServiceProviderRead(BaseModel):
    """An organisation of the directory with the services it offers."""

    id: UUID
    name: str
    kind: OrganizationKind
    state_id: UUID | None
    services: list[ServiceOfferingRead]


ServiceProviderPage = Page[ServiceProviderRead]


# -- referrals --------------------------------------------------------------------------------
class Direction(StrEnum):
    incoming = "incoming"  # addressed to the caller's organisation
    outgoing = "outgoing"  # made by the caller's organisation, from cases in her scope


class ReferralCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "receiving_organization_id": "7d3e5c1a-2b4f-4e6a-9c8d-1f0e2a3b4c5d",
                    "service_kind": "counselling",
                    "service_offering_id": "2e4f6a8c-1b3d-4f5e-8a7c-9d0e1f2a3b4c",
                    "urgency": "urgent",
                    "reason": "Sleeps badly since the trial began; the trafficker's family "
                    "lives two villages away.",
                    "note_to_partner": "Asks for a female counsellor who speaks Bengali; "
                    "mornings suit her.",
                    "shared_fields": ["name", "age", "languages"],
                }
            ]
        }
    )

    id: UUID | None = Field(default=None, description="Client-chosen id (offline creation).")
    receiving_organization_id: UUID
    service_kind: ServiceKind
    service_offering_id: UUID | None = Field(
        default=None,
        description="The receiving organisation's offering from the directory, when known; "
        "it must be of `service_kind`.",
    )
    urgency: Urgency = Urgency.routine
    reason: str = Field(
        min_length=1,
        max_length=2000,
        description="Why she is referred: the referring organisation's own record, never shown "
        "to the receiving organisation; sealed at rest.",
    )
    note_to_partner: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        description="A note for the receiving organisation, which reads it with the referral: "
        "it is shared with that organisation whatever her consent covers, so write only what "
        "she agreed to share (what the service needs to know). Sealed at rest.",
    )
    shared_fields: list[ShareableField] = Field(
        default_factory=list,
        max_length=len(ShareableField),
        description="Parts of her record to share. Each must be allowed by her sharing consent "
        "with the receiving organisation in force now, unless the consent is overridden.",
    )
    consent_override_reason: str | None = Field(
        default=None,
        min_length=10,
        max_length=1000,
        description="Share without (or beyond) her consent where the law or her safety "
        "requires it: needs `consents:override`; the reason is kept sealed and the override "
        "audited.",
    )

    @field_validator("shared_fields")
    @classmethod
    def _once_each(cls, value: list[ShareableField]) -> list[ShareableField]:
        if len(set(value)) != len(value):
            raise ValueError("each field is named once")
        return value


class ReferralTransition(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"to": "accepted"},
                {
                    "to": "declined",
                    "note": "No Bengali-speaking counsellor is free before January; the "
                    "district clinic has one.",
                },
            ]
        }
    )

    to: ReferralStatus = Field(
        description="accepted | declined (from sent), in_progress (from accepted), completed | "
        "not_delivered (from in_progress): the receiving side; revoked (before it ends): the "
        "referring side."
    )
    on: date | None = Field(
        default=None,
        description="The day it happened, when not today (India's date, Asia/Kolkata); not "
        "in the future, nor before the referral's previous step. Recorded at 00:00 IST of that "
        "day.",
    )
    note: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        description="Why (declined, revoked, not delivered) or what came of it (completed): "
        "required for those; sealed at rest.",
    )


class ReferralStep(BaseModel):
    """One step of the referral's history."""

    from_status: ReferralStatus | None
    to_status: ReferralStatus
    occurred_at: datetime
    actor_id: UUID | None
    actor_name: StaffName
    actor_organization_id: UUID | None
    actor_organization_name: OrganizationName
    note: Annotated[str | None, Personal()]


class ReferralRead(Releasable):
    """A referral as one side sees it. The receiving side sees no case or survivor ids: only
    the fields the survivor's consent lets it see, in ``shared``, and who to call back: the
    referring organisation's name and the referring worker's name and work contact. To an
    integration client every personal field is null, but ``shared``, ``note_to_partner`` and
    the referring worker's name and contact of a referral addressed to its own organisation
    when it holds ``referrals:inbox`` (the service releases it)."""

    id: UUID
    direction: Direction
    organization_id: UUID = Field(description="The referring organisation.")
    organization_name: str | None = Field(description="The referring organisation's name.")
    referred_by_name: Annotated[str | None, Personal(released_by="referrals:inbox")] = Field(
        description="The referring worker's name, to call back (staff, not the survivor)."
    )
    referred_by_contact: Annotated[str | None, Personal(released_by="referrals:inbox")] = Field(
        description="The referring worker's work contact (an office phone, a work email), as "
        "she gave it; null when she gave none."
    )
    receiving_organization_id: UUID
    receiving_organization_name: str | None
    case_id: UUID | None = Field(description="The case (referring side only).")
    district_id: UUID | None
    service_kind: ServiceKind
    service_offering_id: UUID | None
    urgency: Urgency
    reason: Annotated[str | None, Personal()] = Field(
        description="Why she is referred (referring side only; null for the receiving side)."
    )
    note_to_partner: Annotated[str | None, Personal(released_by="referrals:inbox")] = Field(
        description="The note written for the receiving organisation (both sides see it)."
    )
    status: ReferralStatus
    shared_fields: list[ShareableField] = Field(
        description="The fields sealed for the receiver when the referral was sent."
    )
    shared: Annotated[dict[str, Any], Personal(released_by="referrals:inbox")] = Field(
        description="The shared fields' values as sent. The receiving side sees only those her "
        "sharing consent with it allows now (empty after she withdraws it or it expires); a "
        "referral sent under a consent override shows what was sent."
    )
    shared_withheld: list[ShareableField] = Field(
        description="Fields sent but withheld now because her consent no longer covers them."
    )
    consent_id: UUID | None
    consent_overridden: bool
    outcome: Annotated[str | None, Personal()]
    sent_at: datetime
    responded_at: datetime | None
    started_at: datetime | None
    closed_at: datetime | None
    history: list[ReferralStep] | None = Field(
        default=None, description="Every status change, oldest first (single reads only)."
    )
    created_by: UUID | None
    updated_at: datetime
    version: int


ReferralPage = Page[ReferralRead]
