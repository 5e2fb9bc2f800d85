from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import AfterValidator, ConfigDict, Field, SecretStr

from domain.common.pagination import Page
from domain.common.principal import Role
from domain.common.schemas import PatchBody, Personal, ReadModel, RequestBody
from domain.identity.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from persistence.models.reset_request import ResetKind, ResetStatus


def _normal_email(value: str) -> str:
    value = value.strip().lower()
    local, _, domain = value.partition("@")
    if not local or "." not in domain or " " in value or domain.startswith("."):
        raise ValueError("not an email address")
    return value


Email = Annotated[str, Field(min_length=3, max_length=254), AfterValidator(_normal_email)]
Password = Annotated[
    SecretStr,
    Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
    ),
]


WORK_CONTACT = (
    "How other organisations reach her at work (an office phone, a work email): shown with "
    "the referrals she makes, so that a partner can call back. Staff data, never a survivor's."
)


class UserCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "rupa.das@example.org",
                    "full_name": "Rupa Das",
                    "work_contact": "+91 33 2470 1234 (Baruipur office)",
                    "role": "social_worker",
                    "district_ids": ["8d7c0d4e-2b0a-5c43-9a55-9b8a7f1b2c3d"],
                    "password": "a long passphrase of words",
                }
            ]
        }
    )

    id: UUID | None = None
    email: Email
    full_name: str = Field(min_length=1, max_length=200)
    work_contact: str | None = Field(
        default=None, min_length=1, max_length=200, description=WORK_CONTACT
    )
    role: Role
    organization_id: UUID | None = Field(
        default=None, description="Defaults to the caller's organisation."
    )
    district_ids: list[UUID] = Field(default_factory=list, max_length=100)
    password: Password


class UserUpdate(PatchBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"role": "program_manager", "district_ids": []}]}
    )

    nullable_fields: ClassVar[frozenset[str]] = frozenset({"work_contact"})

    email: Email | None = None
    full_name: str | None = Field(default=None, min_length=1, max_length=200)
    work_contact: str | None = Field(
        default=None, min_length=1, max_length=200, description=WORK_CONTACT
    )
    role: Role | None = None
    district_ids: list[UUID] | None = Field(default=None, max_length=100)


class PasswordReset(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"password": "another long passphrase"}]}
    )

    password: Password


class PasswordChange(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "current_password": "a long passphrase of words",
                    "new_password": "another long passphrase",
                }
            ]
        }
    )

    current_password: SecretStr = Field(max_length=MAX_PASSWORD_LENGTH)
    new_password: Password


class UserRead(ReadModel):
    id: UUID
    # A survivor leader's account names a survivor: no account's name or email goes to an
    # integration client.
    email: Annotated[str, Personal()]
    full_name: Annotated[str, Personal()]
    work_contact: Annotated[str | None, Personal()] = Field(description=WORK_CONTACT)
    organization_id: UUID
    role: Role
    district_ids: list[UUID]
    disabled: bool
    disabled_at: datetime | None
    last_login_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int


UserPage = Page[UserRead]


class ResetRequestRead(ReadModel):
    """A reset of someone's password or second factor, waiting for (or decided by) a second
    platform admin. A new password is never shown, nor kept once the request is decided."""

    id: UUID
    kind: ResetKind
    user_id: UUID = Field(description="Whose password or second factor is reset.")
    organization_id: UUID
    requested_by: UUID
    requested_at: datetime
    expires_at: datetime = Field(description="A pending request expires then, unapplied.")
    status: ResetStatus
    decided_by: UUID | None
    decided_at: datetime | None


ResetRequestPage = Page[ResetRequestRead]
