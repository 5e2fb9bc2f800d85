"""A survivor's consent, per purpose, versioned: a new consent supersedes the previous one of
the same purpose (and organisation, for sharing); nothing is overwritten."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, Field, model_validator

from domain.common.dates import HorizonDatetime
from domain.common.pagination import Page
from domain.common.schemas import Personal, ReadModel, RequestBody
from domain.common.staff import OrganizationName, StaffName
from domain.survivors.schemas import FamilyRelationship, LanguageCode, PersonName
from persistence.models.case_vocabulary import (
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    ShareableField,
)


class ConsentWithdrawalReason(StrEnum):
    """Why a consent was withdrawn, as a code: the column is not sealed, so no words."""

    survivor_request = "survivor_request"
    guardian_request = "guardian_request"
    safety_concern = "safety_concern"
    recorded_in_error = "recorded_in_error"
    purpose_ended = "purpose_ended"
    other = "other"


class ConsentStatus(StrEnum):
    in_force = "in_force"
    superseded = "superseded"  # a newer revision of the same purpose exists
    withdrawn = "withdrawn"
    expired = "expired"
    # Given later than now: recorded from a device whose clock is ahead of the server's.
    not_yet_in_force = "not_yet_in_force"


class Guardian(RequestBody):
    """Who consented for a minor. Sealed at rest (it names her family)."""

    name: PersonName
    relationship: FamilyRelationship


class ConsentCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "purpose": "sharing",
                    "shared_with_organization_id": "5f0d7b7e-3a51-4c4e-9a7b-2d9c1e0f6a21",
                    "fields": ["name", "age", "phone"],
                    "method": "written",
                    "language": "bn",
                    "witness_user_id": "0c2a9f1e-8b5d-4f3a-9e7c-6d1b2a3c4e5f",
                    "expires_at": "2027-12-31T00:00:00+05:30",
                },
                {
                    "purpose": "case_management",
                    "given_by": "guardian",
                    "guardian": {"name": "Sabita Mondal", "relationship": "mother"},
                    "method": "thumbprint",
                    "language": "bn",
                },
            ]
        }
    )

    id: UUID | None = None
    purpose: ConsentPurpose
    shared_with_organization_id: UUID | None = Field(
        default=None, description="Required for sharing: the one organisation it names."
    )
    fields: list[ShareableField] = Field(
        default_factory=list,
        max_length=len(ShareableField),
        description="Sharing only: the parts of her record that may travel.",
    )
    given_by: ConsentGiver = ConsentGiver.survivor
    guardian: Guardian | None = Field(
        default=None, description="Required when a guardian consents (she is a minor)."
    )
    method: ConsentMethod
    language: LanguageCode = Field(description="The language she was told in, e.g. bn.")
    witness_user_id: UUID | None = Field(
        default=None, description="A staff member of her organisation who witnessed it."
    )
    given_at: datetime | None = Field(default=None, description="Defaults to now.")
    expires_at: HorizonDatetime | None = Field(default=None, description="At most ten years ahead.")

    @model_validator(mode="after")
    def _coherent(self) -> ConsentCreate:
        if self.purpose is ConsentPurpose.sharing:
            if self.shared_with_organization_id is None:
                raise ValueError("a sharing consent names shared_with_organization_id")
            if not self.fields:
                raise ValueError("a sharing consent lists the fields it allows")
        elif self.shared_with_organization_id is not None or self.fields:
            raise ValueError("only a sharing consent names an organisation and fields")
        if (self.given_by is ConsentGiver.guardian) != (self.guardian is not None):
            raise ValueError("guardian is given exactly when given_by is guardian")
        for moment in (self.given_at, self.expires_at):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("times carry a time zone offset")
        if (
            self.expires_at is not None
            and self.given_at is not None
            and self.expires_at <= self.given_at
        ):
            raise ValueError("expires_at is after given_at")
        return self


class ConsentWithdraw(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "survivor_request"}]})

    reason: ConsentWithdrawalReason


class ConsentRead(ReadModel):
    id: UUID
    survivor_id: UUID
    organization_id: UUID
    purpose: ConsentPurpose
    shared_with_organization_id: UUID | None
    shared_with_organization_name: OrganizationName
    fields: list[ShareableField]
    given_by: ConsentGiver
    guardian: Annotated[Guardian | None, Personal()]
    method: ConsentMethod
    language: str
    witness_user_id: UUID | None
    witness_name: StaffName
    given_at: datetime
    expires_at: datetime | None
    withdrawn_at: datetime | None
    withdrawal_reason: ConsentWithdrawalReason | None
    revision: int
    supersedes_id: UUID | None
    status: ConsentStatus
    created_by: UUID | None
    recorded_by_name: StaffName
    created_at: datetime
    version: int


class ConsentPage(Page[ConsentRead]):
    """One page of a survivor's consent history."""
