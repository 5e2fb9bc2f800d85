"""Facts about the current request that the domain needs (for audit), without importing HTTP."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RequestContext:
    request_id: str | None = None
    client_address: str | None = None


_current: ContextVar[RequestContext] = ContextVar("shakti_request", default=RequestContext())  # noqa: B039


def current_request() -> RequestContext:
    return _current.get()


def set_current_request(context: RequestContext) -> object:
    """Set the context for this task; returns a token for :func:`reset_current_request`."""
    return _current.set(context)


def reset_current_request(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]
