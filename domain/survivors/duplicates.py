"""Duplicate hits at intake: kept, limited, and told to the program managers.

An intake whose phone or name matches survivors already registered in the organisation is a
duplicate hit. Its author is told only of the matches she may see (409 naming them); matches
outside her scope are never told to her, not even that they exist (with none she may see, the
intake goes on as if nothing matched). They are told to the organisation's program managers
instead, as a duplicate alert. Every hit is audited, durably (a 409 rolls the intake back).

Hits a person was told of are counted: past ``hits`` of them within ``window``, her intakes
answer 429 until the window has passed. A burst of hits is someone using intake to find out
who is registered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, record, record_denied
from domain.common.errors import (
    InvalidState,
    PermissionDenied,
    TooManyRequests,
)
from domain.common.listing import CREATED_DESC, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import require
from domain.common.settings import Settings
from domain.survivors import policies
from domain.survivors.schemas import (
    DuplicateAlertPage,
    DuplicateAlertRead,
    DuplicateAlertResolution,
)
from persistence.models.base import touch, utcnow
from persistence.models.case_vocabulary import DuplicateAlertStatus
from persistence.models.duplicate_alert import DuplicateAlert
from persistence.models.enums import AuditAction, AuditOutcome
from persistence.repositories.duplicate_alerts import DuplicateAlertRepository
from persistence.repositories.login_throttle import LoginThrottleRepository, ThrottleRule
from persistence.scope import RowScope
from persistence.uow import UnitOfWork

SURVIVOR = "survivor"
ALERT = "duplicate_alert"


@dataclass(frozen=True, slots=True)
class DuplicateHitLimit:
    """How many duplicate hits a person may be told of within ``window``."""

    hits: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> DuplicateHitLimit:
        return cls(
            hits=settings.intake_duplicate_hits_per_window,
            window=timedelta(seconds=settings.intake_duplicate_window_seconds),
        )


def _counter_key(principal: Principal) -> str:
    # The shared throttle counters (login_throttle), under a key of their own.
    return f"duplicate-hits:{principal.id}"


async def refuse_when_over_limit(uow: UnitOfWork, principal: Principal) -> None:
    """Raise TooManyRequests while the caller is past her limit of duplicate hits."""
    now = utcnow()
    until = await LoginThrottleRepository(uow).waiting_until([_counter_key(principal)], now)
    if until is not None:
        raise TooManyRequests(
            "Too many intakes matched registered survivors in a short time; try again later.",
            retry_after=int((until - now).total_seconds()) + 1,
        )


async def keep_hit(
    uow: UnitOfWork,
    principal: Principal,
    organization_id: UUID,
    *,
    registered_id: UUID | None,
    hidden_ids: Sequence[UUID],
    told: bool,
    limit: DuplicateHitLimit | None,
) -> None:
    """Keep a duplicate hit: an audit event (durable), an alert to the program managers when
    it matched survivors the caller may not see, and, when she was told of matches (``told``:
    the intake is answered 409 and rolled back), one more hit on her counter. What must
    outlive the rollback is written after it."""
    record(
        uow,
        principal,
        AuditAction.duplicate_hit,
        SURVIVOR,
        registered_id,
        organization_id=organization_id,
        outcome=AuditOutcome.denied if told else AuditOutcome.success,
        durable=True,
    )
    alerts = DuplicateAlertRepository(uow)
    matched = list(dict.fromkeys(hidden_ids))

    async def alert() -> None:
        await alerts.add(
            DuplicateAlert(
                organization_id=organization_id,
                raised_by=principal.id,
                survivor_id=registered_id,
                matched_ids=matched,
                status=DuplicateAlertStatus.open,
                created_by=principal.id,
            )
        )

    if not told:
        if matched:
            await alert()
        return
    if matched:
        uow.on_rollback(alert)
    if limit is None:
        return
    # Counted after the intake's rollback (the answer is a 409), in a transaction of its own.
    rule = ThrottleRule(
        _counter_key(principal), limit.window, limit=limit.hits, lockout=limit.window
    )
    counters, now = LoginThrottleRepository(uow), utcnow()

    async def count() -> None:
        await counters.reserve([rule], now)

    uow.on_rollback(count)


def alert_read(alert: DuplicateAlert) -> DuplicateAlertRead:
    return DuplicateAlertRead(
        id=alert.id,
        organization_id=alert.organization_id,
        raised_by=alert.raised_by,
        raised_at=alert.created_at,
        survivor_id=alert.survivor_id,
        matched_survivor_ids=list(alert.matched_ids),
        status=alert.status,
        resolved_by=alert.resolved_by,
        resolved_at=alert.resolved_at,
        updated_at=alert.updated_at,
        version=alert.version,
    )


class DuplicateAlertService:
    """The organisation's duplicate alerts, for its program managers (people only)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.alerts = DuplicateAlertRepository(uow)

    def _scope(self, principal: Principal, entity_id: UUID | None = None) -> RowScope:
        authorize(self.uow, principal, policies.DUPLICATE_ALERTS, ALERT, entity_id)
        if not policies.holds_personal_records(principal):
            record_denied(self.uow, principal, ALERT, entity_id)
            raise PermissionDenied("Integration clients do not reach survivors' records.")
        return RowScope.organization(principal.organization_id)

    async def list(
        self,
        principal: Principal,
        page: PageRequest,
        status: DuplicateAlertStatus | None = None,
    ) -> DuplicateAlertPage:
        """The organisation's alerts, newest first, optionally of one status (audited as a
        search). Raises PermissionDenied, BadRequest (cursor)."""
        scope = self._scope(principal)
        record(self.uow, principal, AuditAction.search, ALERT)
        where: list[Any] = []
        if status is not None:
            where.append(DuplicateAlert.status == status)
        return await paginate(
            page,
            CREATED_DESC,
            fetch=lambda after, limit: self.alerts.page(
                scope, where=where, after=after, limit=limit, descending=True
            ),
            to_read=lambda rows: [alert_read(alert) for alert in rows],
            count=lambda: self.alerts.count(scope, where=where),
            page_type=DuplicateAlertPage,
        )

    async def get(self, principal: Principal, alert_id: UUID) -> DuplicateAlertRead:
        """One alert of the organisation (audited). Raises NotFound, PermissionDenied."""
        alert = await require(
            self.alerts.get(alert_id, self._scope(principal, alert_id)), "Duplicate alert"
        )
        record(self.uow, principal, AuditAction.read, ALERT, alert.id)
        return alert_read(alert)

    async def resolve(
        self,
        principal: Principal,
        alert_id: UUID,
        data: DuplicateAlertResolution,
        expected_version: int,
    ) -> DuplicateAlertRead:
        """Close an open alert as resolved or dismissed (audited). Raises NotFound,
        PreconditionFailed, InvalidState (closed already), PermissionDenied."""
        scope = self._scope(principal, alert_id)
        alert = await require(
            self.alerts.get_for_update(alert_id, scope),
            "Duplicate alert",
            version=expected_version,
            changed="alert",
        )
        if alert.status != DuplicateAlertStatus.open:
            raise InvalidState(f"The alert is {alert.status} already.")
        alert.status = DuplicateAlertStatus(data.status)
        alert.resolved_by = principal.id
        alert.resolved_at = utcnow()
        touch(alert)
        await self.alerts.save(alert)
        record(self.uow, principal, AuditAction.update, ALERT, alert.id)
        return alert_read(alert)
