"""Follow-up visits: planned, then done, missed or cancelled; and each worker's list of visits
due.

A done or missed visit may name ``next_visit_on``: the next visit is then planned at once
(same kind, same visitor) with an id derived from the visit it follows, so that the two stay
linked (``next_visit_id``) without another column, and a retried request cannot plan it twice.
A visit is final once done, missed or cancelled: a correction is written as a case note.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid5

from domain.audit.trail import authorize, record
from domain.cases.access import record_case_event, require_case
from domain.cases.policies import CASE_WORKERS, case_scope
from domain.common.errors import (
    BusinessRuleViolation,
    InvalidState,
)
from domain.common.ids import reject_taken_id
from domain.common.listing import Keyset, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal, PrincipalKind
from domain.common.records import require
from domain.common.staff import StaffNames, staff_names
from domain.follow_ups import policies
from domain.follow_ups.schemas import (
    DueVisit,
    DueVisitPage,
    VisitCreate,
    VisitPage,
    VisitRead,
    VisitUpdate,
)
from persistence.clock import business_date, today
from persistence.crypto import Place
from persistence.models.app_user import AppUser
from persistence.models.base import touch, utcnow
from persistence.models.case_visit import CaseVisit
from persistence.models.case_vocabulary import CaseEventKind, CaseStatus, VisitStatus
from persistence.models.enums import AuditAction
from persistence.models.survivor_case import SurvivorCase
from persistence.repositories.follow_ups import VisitRepository
from persistence.uow import UnitOfWork

ENTITY = "case_visit"
_CASE_WORKER_ROLES = frozenset(role.value for role in CASE_WORKERS)
_RECORDED = (VisitStatus.done, VisitStatus.missed)


VISITS_PLANNED: Keyset[CaseVisit] = Keyset(
    "planned", 2, lambda visit: (visit.planned_on.isoformat(), visit.id)
)
VISITS_DUE: Keyset[tuple[CaseVisit, str]] = Keyset(
    "due", 2, lambda row: (row[0].planned_on.isoformat(), row[0].id)
)


def next_visit_id(visit: CaseVisit) -> UUID | None:
    """The id of the visit planned from this one's ``next_visit_on`` (derived, not stored)."""
    if visit.status in _RECORDED and visit.next_visit_on is not None:
        return uuid5(visit.id, "next-visit")
    return None


def visit_event_detail(visit: CaseVisit) -> dict[str, Any]:
    """What the case's progress map keeps of a done or missed visit: codes and dates only."""
    detail: dict[str, Any] = {
        "kind": str(visit.kind),
        "status": str(visit.status),
        "planned_on": visit.planned_on.isoformat(),
    }
    if visit.done_at is not None:
        detail["done_on"] = business_date(visit.done_at).isoformat()
    if visit.next_visit_on is not None:
        detail["next_visit_on"] = visit.next_visit_on.isoformat()
        detail["next_visit_id"] = str(next_visit_id(visit))
    return detail


class VisitService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.visits = VisitRepository(uow)

    # -- planning and recording -----------------------------------------------------------
    async def create(self, principal: Principal, case_id: UUID, data: VisitCreate) -> VisitRead:
        """Plan a visit, or record one made. Raises NotFound (case out of scope), InvalidState
        (closed case), BusinessRuleViolation (visitor), Conflict (id taken)."""
        authorize(self.uow, principal, policies.MANAGE_VISITS, ENTITY)
        # Locked: a case closed meanwhile must not take the visit.
        case = await require_case(self.uow, principal, case_id, for_update=True)
        self._open(case)
        visited_by = data.visited_by
        if visited_by is None:
            if principal.kind is not PrincipalKind.user:
                raise BusinessRuleViolation("Name who makes the visit.", field="visited_by")
            visited_by = principal.id
        await self._require_visitor(case, visited_by)
        await reject_taken_id(self.uow, principal, self.visits, data.id, "case_visit")
        visit = CaseVisit(
            organization_id=case.organization_id,
            district_id=case.district_id,
            case_id=case.id,
            kind=data.kind,
            status=data.status,
            planned_on=data.planned_on or today(),
            visited_by=visited_by,
            created_by=principal.id,
        )
        if data.id is not None:
            visit.id = data.id
        if data.status is VisitStatus.done:
            visit.done_at = data.done_at or utcnow()
            visit.planned_on = data.planned_on or business_date(visit.done_at)
            visit.findings_enc = self._seal(visit, data.findings)
            visit.next_visit_on = data.next_visit_on
        await self.visits.add(visit)
        record(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            visit.id,
            organization_id=case.organization_id,
        )
        if data.status is VisitStatus.done:
            await self._recorded(principal, case, visit)
        return self._read(visit, await self._names([visit]), data.findings)

    async def update(
        self,
        principal: Principal,
        case_id: UUID,
        visit_id: UUID,
        data: VisitUpdate,
        expected_version: int,
    ) -> VisitRead:
        """Record a planned visit done, missed or cancelled, or move it to another day, kind or
        visitor. Raises NotFound, PreconditionFailed, InvalidState (the visit is no longer
        planned; a new visit on a closed case), BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE_VISITS, ENTITY, visit_id)
        case = await require_case(self.uow, principal, case_id)
        visit = await require(
            self.visits.get_in_case(case, visit_id, for_update=True),
            "Visit",
            version=expected_version,
        )
        if visit.status != VisitStatus.planned:
            raise InvalidState(f"The visit is {visit.status}: only a planned visit changes.")
        changes = data.changes()
        findings: str | None = None
        if data.status is None:
            if "visited_by" in changes:
                await self._require_visitor(case, changes["visited_by"])
            for field in ("planned_on", "kind", "visited_by"):
                if field in changes:
                    setattr(visit, field, changes[field])
        elif data.status is VisitStatus.cancelled:
            visit.status = VisitStatus.cancelled
        else:
            findings = data.findings
            if data.status is VisitStatus.done:
                visit.done_at = data.done_at or utcnow()
                day = business_date(visit.done_at)
            else:
                day = visit.planned_on
            if data.next_visit_on is not None and data.next_visit_on <= day:
                raise BusinessRuleViolation(
                    "next_visit_on must come after the visit.", field="next_visit_on"
                )
            visit.status = data.status
            visit.findings_enc = self._seal(visit, findings)
            visit.next_visit_on = data.next_visit_on
        touch(visit)
        await self.visits.save(visit)
        record(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            visit.id,
            organization_id=case.organization_id,
        )
        if visit.status in _RECORDED:
            await self._recorded(principal, case, visit)
        return self._read(visit, await self._names([visit]), findings)

    # -- reading --------------------------------------------------------------------------
    async def get(self, principal: Principal, case_id: UUID, visit_id: UUID) -> VisitRead:
        """One visit of a case in the caller's scope, with its findings (audited). Raises
        NotFound."""
        authorize(self.uow, principal, policies.READ_VISITS, ENTITY, visit_id)
        case = await require_case(self.uow, principal, case_id)
        visit = await require(self.visits.get_in_case(case, visit_id), "Visit")
        record(
            self.uow,
            principal,
            AuditAction.read,
            ENTITY,
            visit.id,
            organization_id=case.organization_id,
        )
        return self._read(visit, await self._names([visit]))

    async def list(
        self,
        principal: Principal,
        case_id: UUID,
        page: PageRequest,
        status: VisitStatus | None = None,
    ) -> VisitPage:
        """The case's visits by planned day, with their findings: the search and each visit
        shown are audited. Raises NotFound."""
        authorize(self.uow, principal, policies.READ_VISITS, ENTITY)
        case = await require_case(self.uow, principal, case_id)
        record(
            self.uow,
            principal,
            AuditAction.search,
            ENTITY,
            organization_id=case.organization_id,
        )

        async def shown(visits: Sequence[CaseVisit]) -> list[VisitRead]:
            names = await self._names(visits)
            for visit in visits:
                record(
                    self.uow,
                    principal,
                    AuditAction.read,
                    ENTITY,
                    visit.id,
                    organization_id=case.organization_id,
                )
            return [self._read(visit, names) for visit in visits]

        return await paginate(
            page,
            VISITS_PLANNED,
            fetch=lambda after, limit: self.visits.page_of_case(case, status, after, limit),
            to_read=shown,
            count=lambda: self.visits.count_of_case(case, status),
            page_type=VisitPage,
        )

    async def due(
        self,
        principal: Principal,
        page: PageRequest,
        due_before: date | None = None,
        mine: bool | None = None,
    ) -> DueVisitPage:
        """Planned visits before ``due_before`` (default: tomorrow, i.e. due today or
        overdue) of the cases in the caller's scope, oldest first; with ``mine`` only those
        she makes or whose case is assigned to her (when not said: a worker's own, a program
        manager's whole organisation, see ``policies.own_visits_by_default``). The search is
        audited."""
        authorize(self.uow, principal, policies.READ_VISITS, ENTITY)
        scope = case_scope(principal)
        before = due_before or today() + timedelta(days=1)
        if mine is None:
            mine = policies.own_visits_by_default(principal)
        whose = principal.id if mine else None
        record(self.uow, principal, AuditAction.search, ENTITY)
        now = today()

        def item(visit: CaseVisit, case_number: str, names: StaffNames) -> DueVisit:
            return DueVisit(
                id=visit.id,
                case_id=visit.case_id,
                case_number=case_number,
                kind=visit.kind,
                planned_on=visit.planned_on,
                visited_by=visit.visited_by,
                visited_by_name=names.name(visit.visited_by),
                days_overdue=max(0, (now - visit.planned_on).days),
                version=visit.version,
            )

        async def items(rows: Sequence[tuple[CaseVisit, str]]) -> list[DueVisit]:
            names = await self._names([visit for visit, _ in rows])
            return [item(visit, number, names) for visit, number in rows]

        return await paginate(
            page,
            VISITS_DUE,
            fetch=lambda after, limit: self.visits.due(scope, before, whose, after, limit),
            to_read=items,
            count=lambda: self.visits.count_due(scope, before, whose),
            page_type=DueVisitPage,
        )

    # -- helpers --------------------------------------------------------------------------
    @staticmethod
    def _open(case: SurvivorCase) -> None:
        if case.status == CaseStatus.closed:
            raise InvalidState("The case is closed: it takes no new visits.")

    async def _recorded(self, principal: Principal, case: SurvivorCase, visit: CaseVisit) -> None:
        """A done or missed visit: its step in the case's history, and the next visit."""
        await record_case_event(
            self.uow,
            case,
            CaseEventKind.visit,
            actor=principal,
            subject_id=visit.id,
            detail=visit_event_detail(visit),
        )
        following = next_visit_id(visit)
        if following is None or visit.next_visit_on is None:
            return
        self._open(case)
        planned = CaseVisit(
            id=following,
            organization_id=case.organization_id,
            district_id=case.district_id,
            case_id=case.id,
            kind=visit.kind,
            status=VisitStatus.planned,
            planned_on=visit.next_visit_on,
            visited_by=visit.visited_by,
            created_by=principal.id,
        )
        await self.visits.add(planned)
        record(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            planned.id,
            organization_id=case.organization_id,
        )

    async def _require_visitor(self, case: SurvivorCase, user_id: UUID) -> None:
        user = await self.uow.session.get(AppUser, user_id)
        if (
            user is None
            or user.organization_id != case.organization_id
            or user.disabled_at is not None
            or user.deleted_at is not None
            or str(user.role) not in _CASE_WORKER_ROLES
        ):
            raise BusinessRuleViolation(
                "Visits are made by an active social worker or program manager of the "
                "case's organisation.",
                field="visited_by",
            )

    def _seal(self, visit: CaseVisit, findings: str | None) -> bytes | None:
        return self.uow.cipher.seal_text(findings, Place(ENTITY, "findings_enc", visit.id))

    async def _names(self, visits: Sequence[CaseVisit]) -> StaffNames:
        """Who makes each visit, by name (one lookup for a page)."""
        return await staff_names(self.uow, (visit.visited_by for visit in visits))

    def _read(self, visit: CaseVisit, names: StaffNames, findings: str | None = None) -> VisitRead:
        if findings is None and visit.findings_enc is not None:
            findings = self.uow.cipher.open_text(
                visit.findings_enc, Place(ENTITY, "findings_enc", visit.id)
            )
        return VisitRead(
            id=visit.id,
            case_id=visit.case_id,
            organization_id=visit.organization_id,
            kind=visit.kind,
            status=visit.status,
            planned_on=visit.planned_on,
            visited_by=visit.visited_by,
            visited_by_name=names.name(visit.visited_by),
            done_at=visit.done_at,
            findings=findings,
            next_visit_on=visit.next_visit_on,
            next_visit_id=next_visit_id(visit),
            overdue=visit.status == VisitStatus.planned and visit.planned_on < today(),
            created_at=visit.created_at,
            updated_at=visit.updated_at,
            version=visit.version,
        )


async def visits_read(uow: UnitOfWork, visits: Sequence[CaseVisit]) -> list[VisitRead]:
    """Visits as :meth:`VisitService.get` answers them (visitors named in one lookup), for
    reads of many at once that checked scope and audit themselves (sync)."""
    service = VisitService(uow)
    names = await service._names(visits)
    return [service._read(visit, names) for visit in visits]
