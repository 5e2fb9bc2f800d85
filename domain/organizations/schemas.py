from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import ConfigDict, Field

from domain.common.pagination import Page
from domain.common.schemas import PatchBody, ReadModel, RequestBody
from persistence.models.enums import OrganizationKind

Name = Field(min_length=2, max_length=200)


class OrganizationCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Sundarban Mahila Samiti", "kind": "partner_ngo"}]}
    )

    id: UUID | None = Field(default=None, description="Optional client-chosen id (UUID).")
    name: str = Name
    kind: OrganizationKind
    state_id: UUID | None = Field(default=None, description="Home state of the organisation.")


class OrganizationUpdate(PatchBody):
    nullable_fields = frozenset({"state_id"})
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Sundarban Mahila Samity"}]})

    name: str | None = Field(default=None, min_length=2, max_length=200)
    kind: OrganizationKind | None = None
    state_id: UUID | None = None


class OrganizationRead(ReadModel):
    id: UUID
    name: str
    kind: OrganizationKind
    state_id: UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


OrganizationPage = Page[OrganizationRead]
