"""Audit events that repeat, counted instead of appended each time.

A failed sign-in, a throttled attempt or an id that was not found can be repeated by anyone as
fast as they like; appending each would let an anonymous loop fill the disk and bury the real
events. So each such event has a key (a keyed digest: of the account, the client, the address or
the caller) and the first occurrence of a key in a window (``audit_repeat_window_seconds``) is
appended to the trail as usual; later ones only add to its count (``audit_tally``), which
``GET /audit-events`` shows as ``repeat_count``.

These events are recorded when the request fails (the unit of work rolls back): in a
transaction of their own after the rollback, like every durable event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.audit.trail import event
from domain.common.principal import Principal
from persistence.models.enums import AuditAction, AuditOutcome
from persistence.repositories.audit_tally import AuditTallyRepository
from persistence.uow import UnitOfWork

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class RepeatedEvents:
    def __init__(self, window_seconds: int, digest: Callable[[str, str], str]) -> None:
        """``digest(kind, value)``: the keyed digest of the sign-in throttle."""
        self.window = timedelta(seconds=window_seconds)
        self._digest = digest

    def window_start(self, moment: datetime) -> datetime:
        """The start of the window ``moment`` falls in (windows are fixed, from an epoch)."""
        return moment - (moment - _EPOCH) % self.window

    def record(
        self,
        uow: UnitOfWork,
        principal: Principal | None,
        action: AuditAction,
        entity_type: str,
        entity_id: UUID | None = None,
        *,
        key: str,
        outcome: AuditOutcome,
        organization_id: UUID | None = None,
    ) -> None:
        """Count one occurrence of an event that repeats, when this unit of work rolls back:
        the first of ``key`` and ``action`` in the window is appended to the trail, later ones
        only add to its count. ``key`` is a keyed digest, never an email or an address."""
        if organization_id is None and principal is not None:
            organization_id = principal.organization_id
        occurred = event(
            principal,
            action,
            entity_type,
            entity_id,
            organization_id=organization_id,
            outcome=outcome,
        )
        window = self.window_start(occurred.occurred_at)

        async def count() -> None:
            first = await AuditTallyRepository(uow).count(
                str(action), key, window, occurred.id, occurred.occurred_at
            )
            if first:
                uow.record_audit(occurred, durable=True)

        uow.on_rollback(count)

    def not_found(self, uow: UnitOfWork, principal: Principal) -> None:
        """An authenticated caller was answered 404: the record she named by id does not
        exist or lies outside her scope (never said which). Counted per caller and window, so
        someone walking ids shows as one event with a large count, and cannot flood the trail."""
        self.record(
            uow,
            principal,
            AuditAction.not_found,
            "record",
            key=self._digest("caller", f"{principal.kind.value}:{principal.id}"),
            outcome=AuditOutcome.denied,
        )
