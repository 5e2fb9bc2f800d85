from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, Field

from domain.common.pagination import Page
from domain.common.principal import Role
from domain.common.schemas import PatchBody, ReadModel, RequestBody

Scope = Annotated[str, Field(max_length=80)]
Scopes: list[Scope] = Field(
    default_factory=list,
    max_length=100,
    description="Policy names the client may use, e.g. `organizations:read`; each must be one "
    "its role is allowed, and none a person's own act (people-only policies) nor "
    "`referrals:inbox` (granted by a program manager of the client's organisation).",
)


class IntegrationClientCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Partner referral inbox",
                    "organization_id": "5a0e9a7e-3f1b-4c2d-9e8f-7a6b5c4d3e2f",
                    "role": "partner_staff",
                    "scopes": ["organizations:read"],
                }
            ]
        }
    )

    id: UUID | None = None
    name: str = Field(min_length=2, max_length=200)
    organization_id: UUID
    role: Role
    scopes: list[Scope] = Scopes


class IntegrationClientUpdate(PatchBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"scopes": ["organizations:read"]}]})

    name: str | None = Field(default=None, min_length=2, max_length=200)
    role: Role | None = None
    scopes: list[Scope] | None = Field(default=None, max_length=100)


class IntegrationClientRead(ReadModel):
    id: UUID = Field(description="The OAuth2 client_id.")
    name: str
    organization_id: UUID
    role: Role
    scopes: list[str]
    inbox_granted_by: UUID | None = Field(
        description="The program manager of the client's organisation who granted it "
        "`referrals:inbox` (the consented fields of referrals addressed to the organisation); "
        "null when not granted."
    )
    inbox_granted_at: datetime | None
    disabled: bool
    disabled_at: datetime | None
    secret_rotated_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


class IntegrationClientWithSecret(IntegrationClientRead):
    client_secret: str = Field(
        description="Shown only in this answer; store it safely. Only a digest is kept."
    )


IntegrationClientPage = Page[IntegrationClientRead]
