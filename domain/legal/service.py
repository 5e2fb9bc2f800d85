"""Legal proceedings of a case: the complaint or FIR, the court case that follows, its
hearings, and victim compensation (applied, awarded, paid).

Awards and payments are often far apart, so a proceeding reads with what is still owed and
for how many days. Every filing, change of stage, hearing, award and payment is a step in the
case's history, with codes, dates and amounts only: numbers, police station, court, lawyer and
what happened at a hearing stay sealed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, record
from domain.cases.access import record_case_event, require_case
from domain.common.errors import BusinessRuleViolation
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED, Keyset, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import require
from domain.legal import policies
from domain.legal.schemas import (
    HearingCreate,
    HearingPage,
    HearingRead,
    LegalDetailsRead,
    LegalProceedingCreate,
    LegalProceedingPage,
    LegalProceedingRead,
    LegalProceedingUpdate,
)
from persistence.clock import today
from persistence.crypto import Place
from persistence.models.base import touch
from persistence.models.case_vocabulary import CaseEventKind
from persistence.models.enums import AuditAction
from persistence.models.legal_hearing import LegalHearing
from persistence.models.legal_proceeding import LegalProceeding
from persistence.models.survivor_case import SurvivorCase
from persistence.repositories.legal import LegalHearingRepository, LegalProceedingRepository
from persistence.uow import UnitOfWork

ENTITY = "legal_proceeding"
HEARING = "legal_hearing"
DETAILS = "details_enc"
OUTCOME = "outcome_enc"


# -- compensation, as pure rules ------------------------------------------------------------
HEARINGS_HELD: Keyset[LegalHearing] = Keyset(
    "held", 2, lambda hearing: (hearing.held_on.isoformat(), hearing.id)
)


@dataclass(frozen=True, slots=True)
class Compensation:
    applied_on: date | None = None
    awarded_paise: int | None = None
    awarded_on: date | None = None
    paid_paise: int | None = None
    paid_on: date | None = None

    @classmethod
    def of(cls, proceeding: LegalProceeding) -> Compensation:
        return cls(
            applied_on=proceeding.compensation_applied_on,
            awarded_paise=proceeding.compensation_awarded_paise,
            awarded_on=proceeding.compensation_awarded_on,
            paid_paise=proceeding.compensation_paid_paise,
            paid_on=proceeding.compensation_paid_on,
        )

    @property
    def outstanding_paise(self) -> int | None:
        """Awarded and not yet paid; None when nothing was awarded."""
        if self.awarded_paise is None:
            return None
        return self.awarded_paise - (self.paid_paise or 0)

    def days_unpaid(self, today: date) -> int | None:
        """Days since the award while any of it is unpaid."""
        outstanding = self.outstanding_paise
        if outstanding is None or outstanding <= 0 or self.awarded_on is None:
            return None
        return max(0, (today - self.awarded_on).days)


def compensation_problem(c: Compensation, today: date) -> tuple[str, str] | None:
    """The first rule ``c`` breaks, as (field, message); None when it keeps them all."""
    for field, amount in (
        ("compensation_awarded_paise", c.awarded_paise),
        ("compensation_paid_paise", c.paid_paise),
    ):
        if amount is not None and amount < 0:
            return field, "Amounts are not negative."
    if (c.awarded_paise is None) != (c.awarded_on is None):
        return "compensation_awarded_on", "An award has both an amount and a date."
    if (c.paid_paise is None) != (c.paid_on is None):
        return "compensation_paid_on", "A payment has both an amount and a date."
    for field, day in (
        ("compensation_applied_on", c.applied_on),
        ("compensation_awarded_on", c.awarded_on),
        ("compensation_paid_on", c.paid_on),
    ):
        if day is not None and day > today:
            return field, "The date may not lie in the future."
    if c.applied_on is not None and c.awarded_on is not None and c.awarded_on < c.applied_on:
        return "compensation_awarded_on", "An award cannot come before the application."
    if c.paid_paise is not None:
        if c.awarded_paise is None or c.awarded_on is None:
            return "compensation_paid_paise", "Nothing is paid before an award."
        if c.paid_paise > c.awarded_paise:
            return "compensation_paid_paise", "More cannot be paid than was awarded."
        if c.paid_on is not None and c.paid_on < c.awarded_on:
            return "compensation_paid_on", "A payment cannot come before the award."
    return None


def compensation_events(before: Compensation, after: Compensation) -> list[dict[str, Any]]:
    """The compensation steps between two states, for the case's history."""
    events: list[dict[str, Any]] = []
    if after.applied_on is not None and after.applied_on != before.applied_on:
        events.append({"event": "compensation_applied", "applied_on": after.applied_on})
    if after.awarded_paise is not None and (
        (after.awarded_paise, after.awarded_on) != (before.awarded_paise, before.awarded_on)
    ):
        events.append(
            {
                "event": "award",
                "awarded_paise": after.awarded_paise,
                "awarded_on": after.awarded_on,
            }
        )
    if after.paid_paise is not None and (
        (after.paid_paise, after.paid_on) != (before.paid_paise, before.paid_on)
    ):
        events.append(
            {
                "event": "payment",
                "paid_paise": after.paid_paise,
                "paid_on": after.paid_on,
                "outstanding_paise": after.outstanding_paise,
            }
        )
    return events


def _json_dates(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in detail.items()}


class LegalService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.proceedings = LegalProceedingRepository(uow)
        self.hearings = LegalHearingRepository(uow)

    # -- proceedings ----------------------------------------------------------------------
    async def create(
        self, principal: Principal, case_id: UUID, data: LegalProceedingCreate
    ) -> LegalProceedingRead:
        """Record a complaint or FIR of a case in the caller's scope (closed cases too).
        Raises NotFound, BusinessRuleViolation (dates, compensation), Conflict (id taken)."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY)
        case = await require_case(self.uow, principal, case_id)
        on_day = today()
        if data.filed_on is not None and data.filed_on > on_day:
            raise BusinessRuleViolation("filed_on may not lie in the future.", field="filed_on")
        compensation = Compensation(
            applied_on=data.compensation_applied_on,
            awarded_paise=data.compensation_awarded_paise,
            awarded_on=data.compensation_awarded_on,
            paid_paise=data.compensation_paid_paise,
            paid_on=data.compensation_paid_on,
        )
        self._check(compensation, on_day)
        await reject_taken_id(self.uow, principal, self.proceedings, data.id, "legal_proceeding")
        proceeding = LegalProceeding(
            organization_id=case.organization_id,
            district_id=case.district_id,
            case_id=case.id,
            kind=data.kind,
            status=data.status,
            filed_on=data.filed_on,
            details_enc=b"",
            witness_protection_needed=data.witness_protection_needed,
            compensation_applied_on=compensation.applied_on,
            compensation_awarded_paise=compensation.awarded_paise,
            compensation_awarded_on=compensation.awarded_on,
            compensation_paid_paise=compensation.paid_paise,
            compensation_paid_on=compensation.paid_on,
            created_by=principal.id,
        )
        if data.id is not None:
            proceeding.id = data.id
        details = data.details.model_dump()
        self._seal_details(proceeding, details)
        await self.proceedings.add(proceeding)
        steps: list[dict[str, Any]] = [
            {
                "event": "filed",
                "status": str(proceeding.status),
                "filed_on": proceeding.filed_on,
                "witness_protection_needed": proceeding.witness_protection_needed,
            }
        ]
        steps += compensation_events(Compensation(), compensation)
        await self._history(principal, case, proceeding, steps)
        record(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            proceeding.id,
            organization_id=case.organization_id,
        )
        return self._read(proceeding, details)

    async def update(
        self,
        principal: Principal,
        case_id: UUID,
        proceeding_id: UUID,
        data: LegalProceedingUpdate,
        expected_version: int,
    ) -> LegalProceedingRead:
        """Change the stage, details, witness protection or compensation. Raises NotFound,
        PreconditionFailed, BusinessRuleViolation (dates, compensation)."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY, proceeding_id)
        case = await require_case(self.uow, principal, case_id)
        proceeding = await require(
            self.proceedings.get_in_case(case, proceeding_id, for_update=True),
            "Legal proceeding",
            version=expected_version,
        )
        changes = data.changes()
        on_day = today()
        filed_on = changes.get("filed_on", proceeding.filed_on)
        if filed_on is not None and filed_on > on_day:
            raise BusinessRuleViolation("filed_on may not lie in the future.", field="filed_on")
        before = Compensation.of(proceeding)
        after = Compensation(
            **{
                name: changes.get(f"compensation_{name}", getattr(before, name))
                for name in ("applied_on", "awarded_paise", "awarded_on", "paid_paise", "paid_on")
            }
        )
        self._check(after, on_day)

        steps: list[dict[str, Any]] = []
        if "status" in changes and changes["status"] != proceeding.status:
            steps.append(
                {
                    "event": "status_change",
                    "from": str(proceeding.status),
                    "to": str(changes["status"]),
                }
            )
        if filed_on is not None and filed_on != proceeding.filed_on:
            status = changes.get("status", proceeding.status)
            steps.append({"event": "filed", "status": str(status), "filed_on": filed_on})
        steps += compensation_events(before, after)

        details = self._details(proceeding)
        if data.details is not None:
            details.update(data.details.changes())
            self._seal_details(proceeding, details)
        for field in ("status", "filed_on", "witness_protection_needed"):
            if field in changes:
                setattr(proceeding, field, changes[field])
        proceeding.compensation_applied_on = after.applied_on
        proceeding.compensation_awarded_paise = after.awarded_paise
        proceeding.compensation_awarded_on = after.awarded_on
        proceeding.compensation_paid_paise = after.paid_paise
        proceeding.compensation_paid_on = after.paid_on
        touch(proceeding)
        await self.proceedings.save(proceeding)
        await self._history(principal, case, proceeding, steps)
        record(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            proceeding.id,
            organization_id=case.organization_id,
        )
        return self._read(proceeding, details)

    async def get(
        self, principal: Principal, case_id: UUID, proceeding_id: UUID
    ) -> LegalProceedingRead:
        """One proceeding with its sealed details (audited). Raises NotFound."""
        authorize(self.uow, principal, policies.READ, ENTITY, proceeding_id)
        case = await require_case(self.uow, principal, case_id)
        proceeding = await require(
            self.proceedings.get_in_case(case, proceeding_id), "Legal proceeding"
        )
        self._audit_read(principal, case, ENTITY, proceeding.id)
        return self._read(proceeding)

    async def list(
        self, principal: Principal, case_id: UUID, page: PageRequest
    ) -> LegalProceedingPage:
        """The case's proceedings, oldest first; the search and each proceeding shown are
        audited. Raises NotFound."""
        authorize(self.uow, principal, policies.READ, ENTITY)
        case = await require_case(self.uow, principal, case_id)
        record(
            self.uow, principal, AuditAction.search, ENTITY, organization_id=case.organization_id
        )

        def shown(rows: Sequence[LegalProceeding]) -> Sequence[LegalProceedingRead]:
            for proceeding in rows:
                self._audit_read(principal, case, ENTITY, proceeding.id)
            return [self._read(proceeding) for proceeding in rows]

        return await paginate(
            page,
            CREATED,
            fetch=lambda after, limit: self.proceedings.page_of_case(case, after, limit),
            to_read=shown,
            count=lambda: self.proceedings.count_of_case(case),
            page_type=LegalProceedingPage,
        )

    # -- hearings -------------------------------------------------------------------------
    async def add_hearing(
        self, principal: Principal, case_id: UUID, proceeding_id: UUID, data: HearingCreate
    ) -> HearingRead:
        """Record a hearing of a proceeding (its outcome sealed). Raises NotFound, Conflict."""
        authorize(self.uow, principal, policies.MANAGE, HEARING)
        case = await require_case(self.uow, principal, case_id)
        proceeding = await self._proceeding(case, proceeding_id)
        await reject_taken_id(self.uow, principal, self.hearings, data.id, "legal_hearing")
        hearing = LegalHearing(
            organization_id=case.organization_id,
            district_id=case.district_id,
            case_id=case.id,
            proceeding_id=proceeding.id,
            held_on=data.held_on,
            next_hearing_on=data.next_hearing_on,
            created_by=principal.id,
        )
        if data.id is not None:
            hearing.id = data.id
        hearing.outcome_enc = self.uow.cipher.seal_text(
            data.outcome, Place(HEARING, OUTCOME, hearing.id)
        )
        await self.hearings.add(hearing)
        await self._history(
            principal,
            case,
            proceeding,
            [
                {
                    "event": "hearing",
                    "hearing_id": str(hearing.id),
                    "held_on": hearing.held_on,
                    "next_hearing_on": hearing.next_hearing_on,
                }
            ],
        )
        record(
            self.uow,
            principal,
            AuditAction.create,
            HEARING,
            hearing.id,
            organization_id=case.organization_id,
        )
        return self._hearing(hearing, data.outcome)

    async def get_hearing(
        self, principal: Principal, case_id: UUID, proceeding_id: UUID, hearing_id: UUID
    ) -> HearingRead:
        """One hearing with its outcome (audited). Raises NotFound."""
        authorize(self.uow, principal, policies.READ, HEARING, hearing_id)
        case = await require_case(self.uow, principal, case_id)
        proceeding = await self._proceeding(case, proceeding_id)
        hearing = await require(self.hearings.get_of(proceeding, hearing_id), "Hearing")
        self._audit_read(principal, case, HEARING, hearing.id)
        return self._hearing(hearing)

    async def list_hearings(
        self, principal: Principal, case_id: UUID, proceeding_id: UUID, page: PageRequest
    ) -> HearingPage:
        """A proceeding's hearings by the day held; the search and each hearing shown are
        audited. Raises NotFound."""
        authorize(self.uow, principal, policies.READ, HEARING)
        case = await require_case(self.uow, principal, case_id)
        proceeding = await self._proceeding(case, proceeding_id)
        record(
            self.uow, principal, AuditAction.search, HEARING, organization_id=case.organization_id
        )

        def shown(rows: Sequence[LegalHearing]) -> Sequence[HearingRead]:
            for hearing in rows:
                self._audit_read(principal, case, HEARING, hearing.id)
            return [self._hearing(hearing) for hearing in rows]

        return await paginate(
            page,
            HEARINGS_HELD,
            fetch=lambda after, limit: self.hearings.page_of(proceeding, after, limit),
            to_read=shown,
            count=lambda: self.hearings.count_of(proceeding),
            page_type=HearingPage,
        )

    # -- helpers --------------------------------------------------------------------------
    @staticmethod
    def _check(compensation: Compensation, today: date) -> None:
        problem = compensation_problem(compensation, today)
        if problem is not None:
            field, message = problem
            raise BusinessRuleViolation(message, field=field)

    async def _proceeding(self, case: SurvivorCase, proceeding_id: UUID) -> LegalProceeding:
        return await require(self.proceedings.get_in_case(case, proceeding_id), "Legal proceeding")

    async def _history(
        self,
        principal: Principal,
        case: SurvivorCase,
        proceeding: LegalProceeding,
        steps: Sequence[dict[str, Any]],
    ) -> None:
        for step in steps:
            await record_case_event(
                self.uow,
                case,
                CaseEventKind.legal,
                actor=principal,
                subject_id=proceeding.id,
                detail=_json_dates({**step, "proceeding_kind": str(proceeding.kind)}),
            )

    def _audit_read(
        self, principal: Principal, case: SurvivorCase, entity: str, record_id: UUID
    ) -> None:
        record(
            self.uow,
            principal,
            AuditAction.read,
            entity,
            record_id,
            organization_id=case.organization_id,
        )

    def _seal_details(self, proceeding: LegalProceeding, details: dict[str, Any]) -> None:
        proceeding.details_enc = self.uow.cipher.seal_json(
            details, Place(ENTITY, DETAILS, proceeding.id)
        )

    def _details(self, proceeding: LegalProceeding) -> dict[str, Any]:
        opened = self.uow.cipher.open_json(
            proceeding.details_enc, Place(ENTITY, DETAILS, proceeding.id)
        )
        return dict(opened) if isinstance(opened, dict) else {}

    def _read(
        self, proceeding: LegalProceeding, details: dict[str, Any] | None = None
    ) -> LegalProceedingRead:
        compensation = Compensation.of(proceeding)
        return LegalProceedingRead(
            id=proceeding.id,
            case_id=proceeding.case_id,
            organization_id=proceeding.organization_id,
            kind=proceeding.kind,
            status=proceeding.status,
            filed_on=proceeding.filed_on,
            details=LegalDetailsRead.model_validate(
                details if details is not None else self._details(proceeding)
            ),
            witness_protection_needed=proceeding.witness_protection_needed,
            compensation_applied_on=compensation.applied_on,
            compensation_awarded_paise=compensation.awarded_paise,
            compensation_awarded_on=compensation.awarded_on,
            compensation_paid_paise=compensation.paid_paise,
            compensation_paid_on=compensation.paid_on,
            compensation_outstanding_paise=compensation.outstanding_paise,
            days_since_award_unpaid=compensation.days_unpaid(today()),
            created_at=proceeding.created_at,
            updated_at=proceeding.updated_at,
            version=proceeding.version,
        )

    def _hearing(self, hearing: LegalHearing, outcome: str | None = None) -> HearingRead:
        if outcome is None:
            outcome = self.uow.cipher.open_text(
                hearing.outcome_enc, Place(HEARING, OUTCOME, hearing.id)
            )
        return HearingRead(
            id=hearing.id,
            proceeding_id=hearing.proceeding_id,
            case_id=hearing.case_id,
            held_on=hearing.held_on,
            next_hearing_on=hearing.next_hearing_on,
            outcome=outcome,
            created_at=hearing.created_at,
            version=hearing.version,
        )
