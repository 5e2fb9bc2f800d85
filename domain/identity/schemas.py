from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.common.principal import PrincipalKind, Role


class TokenResponse(BaseModel):
    """RFC 6749 token answer."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJFUzI1NiIsImtpZCI6Ii4uLiJ9...",
                    "token_type": "Bearer",
                    "expires_in": 600,
                    "refresh_token": "r1_Vh2m8q...",
                }
            ]
        }
    )

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the RFC 6749 token type
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str | None = Field(
        default=None, description="Opaque; for people only. Each use returns a new one."
    )
    scope: str | None = Field(default=None, description="Granted scopes (clients).")


class Me(BaseModel):
    """Who the caller is, as the server sees it now."""

    id: UUID
    kind: PrincipalKind
    organization_id: UUID | None
    role: Role
    district_ids: list[UUID]
    scopes: list[str] = Field(
        description="Actions the caller may take: granted scopes for a client; what the role "
        "allows for a person."
    )
