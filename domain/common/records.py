"""Loading one record for a request: in the caller's scope or NotFound, at the version she read
or PreconditionFailed.

Every area answers these two rules with the same words, so they are written once here. A
record outside her scope and a record that does not exist get the same NotFound (never say
which); the lookup passed in is what applies her scope.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol, TypeVar, cast, overload

from domain.common.errors import NotFound, PreconditionFailed

RecordT = TypeVar("RecordT")


class Versioned(Protocol):
    """A record with an optimistic-concurrency version (what an ETag names)."""

    @property
    def version(self) -> int: ...


VersionedT = TypeVar("VersionedT", bound=Versioned)


def not_found(what: str) -> NotFound:
    """The NotFound for a record of kind ``what`` ("Legal proceeding" -> "Legal proceeding not
    found.")."""
    return NotFound(f"{what} not found.")


def found(record: RecordT | None, what: str) -> RecordT:
    """``record``, or NotFound naming ``what`` when the lookup found none."""
    if record is None:
        raise not_found(what)
    return record


def check_version(record: VersionedT, expected_version: int | None, what: str) -> VersionedT:
    """``record`` when it is at ``expected_version`` (None: the caller sent no version to
    check), else PreconditionFailed: someone changed ``what`` ("the case") since she read it."""
    if expected_version is not None and record.version != expected_version:
        raise PreconditionFailed(f"The {what} was changed by someone else; reload it.")
    return record


@overload
async def require(lookup: Awaitable[RecordT | None], what: str) -> RecordT: ...


@overload
async def require(
    lookup: Awaitable[VersionedT | None],
    what: str,
    *,
    version: int | None,
    changed: str | None = None,
) -> VersionedT: ...


async def require(
    lookup: Awaitable[object | None],
    what: str,
    *,
    version: int | None = None,
    changed: str | None = None,
) -> object:
    """The record ``lookup`` finds (a scoped repository read), or NotFound naming ``what``
    ("Goal" -> "Goal not found."); with ``version``, also PreconditionFailed when the record is
    no longer at that version. The 412 names it as ``changed`` ("goal" by default: ``what``
    with its first letter in lower case)."""
    record = found(await lookup, what)
    if version is not None:
        noun = changed if changed is not None else what[:1].lower() + what[1:]
        check_version(cast(Versioned, record), version, noun)
    return record
