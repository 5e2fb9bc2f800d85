"""Domain errors. The API maps each class to one HTTP status in ``api/errors.py``.

Messages are written for the caller and must never carry personal data: they name the kind of
record and the rule, not the values.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the business layer raises on purpose."""

    title = "Request failed"
    code = "error"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.title
        self.extra = extra
        super().__init__(self.detail)


class NotFound(DomainError):
    """The record does not exist, or lies outside the caller's scope (never say which)."""

    title = "Not found"
    code = "not-found"


class PermissionDenied(DomainError):
    """The caller's role or scopes do not allow this action."""

    title = "Forbidden"
    code = "forbidden"


class NotAuthenticated(DomainError):
    """No valid credentials."""

    title = "Not authenticated"
    code = "not-authenticated"


class Conflict(DomainError):
    """The request conflicts with the current state (duplicate, concurrent duplicate)."""

    title = "Conflict"
    code = "conflict"


class InvalidState(DomainError):
    """A business rule forbids this change now (e.g. a transition not allowed from here)."""

    title = "Invalid state"
    code = "invalid-state"


class BusinessRuleViolation(DomainError):
    """Well-formed input that a business rule rejects; answered like a validation error."""

    title = "Validation failed"
    code = "validation-failed"


class BadRequest(DomainError):
    """A malformed parameter outside the body (cursor, filter)."""

    title = "Bad request"
    code = "bad-request"


class PreconditionRequired(DomainError):
    """An update came without If-Match."""

    title = "Precondition required"
    code = "precondition-required"


class PreconditionFailed(DomainError):
    """If-Match does not name the current version: someone changed the record first."""

    title = "Precondition failed"
    code = "precondition-failed"


class TooManyRequests(DomainError):
    """Throttled; ``retry_after`` seconds until the next attempt may succeed."""

    title = "Too many requests"
    code = "too-many-requests"

    def __init__(self, detail: str | None = None, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, int(retry_after))


class InvalidGrant(DomainError):
    """OAuth2 invalid_grant: wrong credentials, or a dead refresh token (RFC 6749 5.2)."""

    title = "Invalid grant"
    code = "invalid_grant"


class InvalidClient(DomainError):
    """OAuth2 invalid_client: unknown client or wrong secret."""

    title = "Invalid client"
    code = "invalid_client"


class UnsupportedGrantType(DomainError):
    """OAuth2 unsupported_grant_type."""

    title = "Unsupported grant type"
    code = "unsupported_grant_type"


class SecondFactorRequired(InvalidGrant):
    """The password was right and her account has a second factor: send a code with it."""

    title = "Second factor required"
    code = "second-factor-required"


class SecondFactorRejected(InvalidGrant):
    """The one-time code or recovery code is wrong, or was used already."""

    title = "Second factor not accepted"
    code = "second-factor-rejected"


class SecondFactorEnrolmentRequired(PermissionDenied):
    """Her role needs a second factor and she has none yet: she may only enrol one."""

    title = "Second factor enrolment required"
    code = "second-factor-enrolment-required"
