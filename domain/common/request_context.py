"""Facts about the current request that the domain needs (for audit), without importing HTTP."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str | None = None
    client_address: str | None = None
    # Who is calling ("user", "client"), set once the caller is authenticated: an answer to
    # an integration client carries no personal field (domain/common/schemas.py). None outside
    # a request (the command line, jobs) and before authentication.
    principal_kind: str | None = None


_current: ContextVar[RequestContext] = ContextVar("shakti_request", default=RequestContext())  # noqa: B039


def current_request() -> RequestContext:
    return _current.get()


def set_current_request(context: RequestContext) -> object:
    """Set the context for this task; returns a token for :func:`reset_current_request`."""
    return _current.set(context)


def reset_current_request(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def note_caller(principal_kind: str) -> None:
    """Record the authenticated caller's kind for the rest of this request (the request
    context middleware restores the context when the request ends)."""
    _current.set(replace(_current.get(), principal_kind=principal_kind))


def answering_a_client() -> bool:
    """Whether the current answer goes to an integration client."""
    return _current.get().principal_kind == "client"
