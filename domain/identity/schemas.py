from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.common.principal import PrincipalKind, Role
from domain.common.schemas import RequestBody
from domain.identity.totp import DIGITS, STEP_SECONDS


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
    second_factor_enrolment_required: bool | None = Field(
        default=None,
        description="True when her role needs a second factor and she has none yet: the "
        "access token then reaches only `GET /me`, `POST /auth/revoke` and "
        "`/me/second-factor` (enrol, confirm), and no refresh token comes with it.",
    )


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


OneTimeCode = Annotated[
    str,
    Field(
        min_length=DIGITS,
        max_length=DIGITS,
        pattern=rf"^[0-9]{{{DIGITS}}}$",
        description=f"The {DIGITS}-digit code her authenticator app shows now.",
    ),
]
RecoveryCodeText = Annotated[
    str,
    Field(
        min_length=16,
        max_length=40,
        description="One of the recovery codes given when the second factor was confirmed "
        "(each works once).",
    ),
]


class SecondFactorProof(RequestBody):
    """A current code of her second factor, or one of its recovery codes (not both). Needed
    to replace (enrol again) or remove a second factor she has."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"otp": "492039"}]})

    otp: OneTimeCode | None = None
    recovery_code: RecoveryCodeText | None = None

    @model_validator(mode="after")
    def _one_of_the_two(self) -> SecondFactorProof:
        if self.otp is not None and self.recovery_code is not None:
            raise ValueError("send otp or recovery_code, not both")
        return self

    @property
    def given(self) -> bool:
        return self.otp is not None or self.recovery_code is not None


class SecondFactorConfirm(RequestBody):
    """The first code of the new second factor: proves her app holds the secret."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"otp": "492039"}]})

    otp: OneTimeCode


class SecondFactorEnrolment(BaseModel):
    """A second factor waiting for its first code. The secret is shown this once."""

    secret: str = Field(description="The shared secret (base32), for typing into the app.")
    otpauth_uri: str = Field(
        description="The same as an `otpauth://totp/...` URI (for a QR code).",
    )
    digits: int = DIGITS
    period_seconds: int = STEP_SECONDS


class RecoveryCodes(BaseModel):
    """Recovery codes of the second factor just confirmed, shown this once: each signs her in
    once (as `recovery_code`) when her phone is lost. Keep them offline."""

    recovery_codes: list[str]
