"""Client-chosen ids.

The mobile app creates records offline under ids of its own (``id`` in a create body). An id
that some record already holds is refused with one answer, whoever holds it: the caller's own
record, a record of her organisation she may not see, or another organisation's. Answering
"already exists" would confirm that a survivor, a case or a group with that id exists
somewhere. The attempt is kept in the audit trail as a probe (durably: the request fails), so
that an auditor can see someone trying ids.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from domain.audit.trail import record
from domain.common.errors import Conflict
from domain.common.principal import Principal
from persistence.models.enums import AuditAction, AuditOutcome
from persistence.uow import UnitOfWork

ID_UNAVAILABLE = "This id cannot be used; send another or leave it out."


class IdUnavailable(Conflict):
    """A client-chosen id that cannot be used (409), whatever holds it."""

    title = "Id unavailable"
    code = "id-unavailable"

    def __init__(self) -> None:
        super().__init__(ID_UNAVAILABLE)


class IdLookup(Protocol):
    """A repository that can tell whether any record of its table holds an id."""

    async def exists(self, record_id: UUID, /) -> bool: ...


async def reject_taken_id(
    uow: UnitOfWork,
    principal: Principal,
    ids: IdLookup,
    record_id: UUID | None,
    entity_type: str,
) -> None:
    """Refuse ``record_id`` when any record of ``ids``' table holds it (None: the server picks
    the id, nothing to check), with the same answer whoever holds it, and audit the attempt as
    a probe of ``entity_type``. Raises IdUnavailable (409)."""
    if record_id is None or not await ids.exists(record_id):
        return
    record(
        uow,
        principal,
        AuditAction.probe,
        entity_type,
        record_id,
        outcome=AuditOutcome.denied,
        durable=True,
    )
    raise IdUnavailable()
