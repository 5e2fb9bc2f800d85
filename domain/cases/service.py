"""Cases: opening, reading, the stages of a case, reassignment and its progress map."""

from __future__ import annotations

import builtins
import re
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from domain.audit.trail import authorize, event, record, record_denied
from domain.cases import policies
from domain.cases.access import record_case_event, require_case
from domain.cases.lifecycle import closure_problem, stage_problem
from domain.cases.policies import case_scope
from domain.cases.schemas import (
    CaseAssignment,
    CaseCreate,
    CaseDetail,
    CaseRead,
    CaseTransition,
    CaseUpdate,
    TimelineEntry,
    TimelinePage,
)
from domain.common.errors import (
    BusinessRuleViolation,
    InvalidState,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from domain.common.ids import reject_taken_id
from domain.common.listing import Keyset, paginate, paginate_documents
from domain.common.pagination import PageRequest
from domain.common.principal import Principal, PrincipalKind, Role
from domain.common.records import check_version
from domain.common.staff import StaffNames, staff_names
from persistence.access import AccessCheck
from persistence.clock import today
from persistence.crypto import Place
from persistence.models.app_user import AppUser
from persistence.models.base import touch
from persistence.models.case_event import CaseEvent
from persistence.models.case_vocabulary import CaseEventKind, CaseStatus, RiskLevel
from persistence.models.district import District
from persistence.models.enums import AuditAction
from persistence.models.survivor import Survivor
from persistence.models.survivor_case import SurvivorCase
from persistence.pagination import Key
from persistence.repositories.cases import CaseFilter, CaseReads, CaseRepository, survivor_visible
from persistence.uow import UnitOfWork

ENTITY = "survivor_case"
CONTEXT = "context_enc"
_CASE_WORKER_ROLES = (Role.social_worker.value, Role.program_manager.value)


CASES_CREATED: Keyset[Mapping[str, Any]] = Keyset(
    "created", 2, lambda row: (row["created_at"], row["id"])
)
EVENTS_OCCURRED: Keyset[CaseEvent] = Keyset("occurred", 2, lambda e: (e.occurred_at, e.id))


def flags(row: Mapping[str, Any]) -> list[str]:
    """high_risk, overdue_follow_up, consent_expiring, no_consent, from a case row."""
    found = []
    if row["risk_level"] == RiskLevel.high:
        found.append("high_risk")
    if row["overdue_follow_up"]:
        found.append("overdue_follow_up")
    if row["consent_state"] == "expiring":
        found.append("consent_expiring")
    elif row["consent_state"] in (None, "none"):
        found.append("no_consent")
    return found


# CaseRead's fields that a case row carries as they are.
_PLAIN_FIELDS = tuple(
    name for name in CaseRead.model_fields if name not in ("flags", "exploitation_types")
)


def case_document(row: Mapping[str, Any]) -> dict[str, Any]:
    """A case row (CASE_COLUMNS with its flag facts) as CaseRead's JSON document, without
    building a model: the columns already have CaseRead's types (the table's check
    constraints hold the vocabularies). Written with api/hot.py's orjson options it is byte for
    byte what CaseRead(...).model_dump_json() writes (tests/test_cases.py holds them equal).
    Validating and dumping 50 models was half of the app's Python time for a page of cases."""
    document = {name: row[name] for name in _PLAIN_FIELDS}
    document["exploitation_types"] = list(row["exploitation_types"] or ())
    document["flags"] = flags(row)
    return document


def _read(row: Mapping[str, Any]) -> CaseRead:
    return CaseRead.model_validate(case_document(row))


def district_code(name: str) -> str:
    """Short code of a district for case numbers: 'South 24 Parganas' -> 'S24P'."""
    parts = re.findall(r"[A-Za-z]+|\d+", name)
    return "".join(p if p.isdigit() else p[0].upper() for p in parts)[:8] or "D"


class CaseService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.cases = CaseRepository(uow)
        self.reads = CaseReads(uow)

    # -- opening and reading --------------------------------------------------------------
    async def open(self, principal: Principal, data: CaseCreate) -> CaseDetail:
        """Open a case for a survivor in the caller's scope. Raises NotFound (survivor out of
        scope), BusinessRuleViolation (district, worker), Conflict (id taken), PermissionDenied
        (an integration client naming a worker: assigning is a person's act)."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY)
        if data.assigned_worker_id is not None and principal.kind is PrincipalKind.client:
            # Giving a worker a survivor's case is a person's act (cases:assign, people only).
            record_denied(self.uow, principal, ENTITY)
            raise PermissionDenied(
                "Assigning a case is a person's act: an integration client opens it unassigned."
            )
        scope = case_scope(principal)
        session = self.uow.session
        survivor = (
            await session.scalars(
                sa.select(Survivor).where(
                    col(Survivor.id) == data.survivor_id, survivor_visible(scope)
                )
            )
        ).one_or_none()
        if survivor is None:
            raise NotFound("Survivor not found.")
        district = await session.get(District, data.district_id)
        if district is None or district.deleted_at is not None:
            raise BusinessRuleViolation("The district does not exist.", field="district_id")
        worker_id = data.assigned_worker_id
        if worker_id is None and principal.role is Role.social_worker:
            worker_id = principal.id
        if worker_id is not None:
            await self._require_worker(principal.organization_id, worker_id)
        await reject_taken_id(self.uow, principal, self.cases, data.id, "survivor_case")
        opened_on = data.opened_on or today()
        number = await self.cases.next_case_number(
            survivor.organization_id, district.id, opened_on.year
        )
        case = SurvivorCase(
            survivor_id=survivor.id,
            organization_id=survivor.organization_id,
            district_id=district.id,
            case_number=f"{district_code(district.name)}-{opened_on.year}-{number:04d}",
            assigned_worker_id=worker_id,
            team=data.team,
            status=CaseStatus.intake,
            risk_level=data.risk_level,
            referral_source=data.referral_source,
            trafficking_status=data.trafficking_status,
            opened_on=opened_on,
            created_by=principal.id,
        )
        if data.id is not None:
            case.id = data.id
        self._apply_context(
            case,
            data.model_dump(
                exclude={
                    "id",
                    "survivor_id",
                    "district_id",
                    "referral_source",
                    "assigned_worker_id",
                    "team",
                    "risk_level",
                    "opened_on",
                }
            ),
        )
        await self.cases.add(case)
        await record_case_event(
            self.uow,
            case,
            CaseEventKind.opened,
            actor=principal,
            detail={"case_number": case.case_number, "assigned_worker_id": _text(worker_id)},
        )
        record(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            case.id,
            organization_id=case.organization_id,
        )
        return await self._detail(case)

    async def get(
        self, principal: Principal, case_id: UUID, access: AccessCheck | None = None
    ) -> dict[str, Any]:
        """One case in the caller's scope with its flags, as CaseDetail's document
        (:func:`case_document`); the read is audited in the same statement, and with
        ``access`` the caller's token is confirmed there too (the hot path: one round trip).
        Raises NotAuthenticated, NotFound."""
        authorize(self.uow, principal, policies.READ, ENTITY, case_id)
        live, row = await self.reads.get_audited(
            case_id,
            case_scope(principal),
            self.uow.audit_chain,
            event(principal, AuditAction.read, ENTITY, case_id),
            access,
        )
        if not live:
            raise NotAuthenticated("The access token is not valid.")
        if row is None:
            raise NotFound("Case not found.")
        document = case_document(row)
        document["details"] = self._details(case_id, row["context_enc"])
        return document

    async def list(
        self,
        principal: Principal,
        page: PageRequest,
        filters: CaseFilter,
        access: AccessCheck | None = None,
    ) -> dict[str, Any]:
        """Cases in the caller's scope, oldest first, as CasePage's document; the search is
        audited in the same statement, and with ``access`` the caller's token is confirmed
        there too. Raises NotAuthenticated, BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ, ENTITY)
        scope = case_scope(principal)
        search = event(
            principal, AuditAction.search, ENTITY, organization_id=principal.organization_id
        )

        async def fetch(after: Key | None, limit: int) -> list[Any]:
            live, rows = await self.reads.page_audited(
                scope, filters, after, limit, self.uow.audit_chain, search, access
            )
            if not live:
                raise NotAuthenticated("The access token is not valid.")
            return rows

        return await paginate_documents(
            page,
            CASES_CREATED,
            fetch=fetch,
            to_document=case_document,
            count=lambda: self.reads.count(scope, filters),
        )

    # -- changes --------------------------------------------------------------------------
    async def update(
        self, principal: Principal, case_id: UUID, data: CaseUpdate, expected_version: int
    ) -> CaseDetail:
        """Change the trafficking context, referral source, risk level or team. Raises
        NotFound, PreconditionFailed."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY, case_id)
        case = await self._locked(principal, case_id, expected_version)
        changes = data.changes()
        context = {k: changes.pop(k) for k in list(changes) if k in _CONTEXT_FIELDS}
        for field, value in changes.items():
            setattr(case, field, value)
        if context:
            current = self._context_values(case)
            current.update(context)
            self._apply_context(case, current)
        touch(case)
        await self.cases.save(case)
        record(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            case.id,
            organization_id=case.organization_id,
        )
        return await self._detail(case)

    async def transition(
        self,
        principal: Principal,
        case_id: UUID,
        data: CaseTransition,
        expected_version: int | None = None,
    ) -> CaseDetail:
        """Move the case to another stage, with a reason kept in its history. Raises NotFound,
        InvalidState (a move the lifecycle does not allow), PreconditionFailed."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY, case_id)
        case = await require_case(self.uow, principal, case_id, for_update=True)
        check_version(case, expected_version, "case")
        current = CaseStatus(case.status)
        closure = closure_problem(data.to, data.closure_reason)
        if closure is not None:
            raise BusinessRuleViolation(closure, field="closure_reason")
        stage = stage_problem(current, data.to)
        if stage is not None:
            raise InvalidState(stage)
        on_day = today()
        case.status = data.to
        if data.to is CaseStatus.closed:
            case.closure_reason, case.closed_on = data.closure_reason, on_day
        elif data.to is CaseStatus.reopened:
            case.closure_reason, case.closed_on = None, None
        touch(case)
        await self.cases.save(case)
        detail: dict[str, Any] = {"from": current.value, "to": data.to.value}
        if data.closure_reason is not None:
            detail["closure_reason"] = data.closure_reason.value
        await record_case_event(
            self.uow,
            case,
            CaseEventKind.transition,
            actor=principal,
            detail=detail,
            note=data.reason,
        )
        record(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            case.id,
            organization_id=case.organization_id,
        )
        return await self._detail(case)

    async def assign(
        self,
        principal: Principal,
        case_id: UUID,
        data: CaseAssignment,
        expected_version: int | None = None,
    ) -> CaseDetail:
        """Give the case to another social worker (or manager) of the organisation; the
        history keeps who held it. Raises NotFound, BusinessRuleViolation, PreconditionFailed."""
        authorize(self.uow, principal, policies.ASSIGN, ENTITY, case_id)
        case = await require_case(self.uow, principal, case_id, for_update=True)
        check_version(case, expected_version, "case")
        await self._require_worker(case.organization_id, data.assigned_worker_id)
        previous = case.assigned_worker_id
        if previous == data.assigned_worker_id and data.team == case.team:
            raise InvalidState("The case is already assigned so.")
        case.assigned_worker_id = data.assigned_worker_id
        if data.team is not None:
            case.team = data.team
        touch(case)
        await self.cases.save(case)
        await record_case_event(
            self.uow,
            case,
            CaseEventKind.reassignment,
            actor=principal,
            detail={"from": _text(previous), "to": str(data.assigned_worker_id)},
            note=data.reason,
        )
        record(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            case.id,
            organization_id=case.organization_id,
        )
        return await self._detail(case)

    async def timeline(
        self, principal: Principal, case_id: UUID, page: PageRequest
    ) -> TimelinePage:
        """The case's progress map: every stage, reassignment, assessment, goal, referral,
        visit and legal event in order. Raises NotFound."""
        authorize(self.uow, principal, policies.READ, ENTITY, case_id)
        case = await require_case(self.uow, principal, case_id)
        record(
            self.uow,
            principal,
            AuditAction.read,
            "case_timeline",
            case.id,
            organization_id=case.organization_id,
        )
        return await paginate(
            page,
            EVENTS_OCCURRED,
            fetch=lambda after, limit: self.cases.events(case.id, after, limit),
            to_read=self._entries,
            count=lambda: self.cases.count_events(case.id),
            page_type=TimelinePage,
        )

    # -- helpers --------------------------------------------------------------------------
    async def _require_worker(self, organization_id: UUID | None, user_id: UUID) -> None:
        user = await self.uow.session.get(AppUser, user_id)
        if (
            user is None
            or user.organization_id != organization_id
            or user.disabled_at is not None
            or user.deleted_at is not None
            or user.role not in _CASE_WORKER_ROLES
        ):
            raise BusinessRuleViolation(
                "Cases are assigned to an active social worker or program manager of the "
                "organisation.",
                field="assigned_worker_id",
            )

    async def _locked(
        self, principal: Principal, case_id: UUID, expected_version: int
    ) -> SurvivorCase:
        case = await require_case(self.uow, principal, case_id, for_update=True)
        check_version(case, expected_version, "case")
        return case

    async def _detail(self, case: SurvivorCase) -> CaseDetail:
        await self.uow.session.flush()
        facts = await self.reads.flag_facts(case.id)
        return CaseDetail(
            **_read(facts).model_dump(), details=self._details(case.id, case.context_enc)
        )

    def _details(self, case_id: UUID, sealed: bytes | None) -> str | None:
        if sealed is None:
            return None
        opened = self.uow.cipher.open_json(sealed, Place(ENTITY, CONTEXT, case_id))
        return opened.get("details") if isinstance(opened, dict) else None

    def _context_values(self, case: SurvivorCase) -> dict[str, Any]:
        values = {field: getattr(case, field) for field in _CONTEXT_FIELDS if field != "details"}
        values["details"] = self._details(case.id, case.context_enc)
        return values

    def _apply_context(self, case: SurvivorCase, values: Mapping[str, Any]) -> None:
        for field in _CONTEXT_FIELDS:
            if field == "details" or field not in values:
                continue
            value = values[field]
            if field == "exploitation_types":
                value = sorted({str(v) for v in value or ()})
            setattr(case, field, value)
        if "trafficking_status" in values and values["trafficking_status"] is not None:
            case.trafficking_status = values["trafficking_status"]
        details = values.get("details")
        case.context_enc = (
            self.uow.cipher.seal_json({"details": details}, Place(ENTITY, CONTEXT, case.id))
            if details
            else None
        )

    async def _entries(self, case_events: Sequence[CaseEvent]) -> builtins.list[TimelineEntry]:
        names = await staff_names(self.uow, (e.actor_id for e in case_events))
        return [self._entry(e, names) for e in case_events]

    def _entry(self, case_event: CaseEvent, names: StaffNames) -> TimelineEntry:
        note = self.uow.cipher.open_text(
            case_event.note_enc, Place("case_event", "note_enc", case_event.id)
        )
        actor_organization = names.organization_of(case_event.actor_id)
        return TimelineEntry(
            id=case_event.id,
            kind=case_event.kind,
            occurred_at=case_event.occurred_at,
            actor_id=case_event.actor_id,
            actor_name=names.name(case_event.actor_id),
            actor_organization_id=actor_organization,
            actor_organization_name=names.organization(actor_organization),
            subject_id=case_event.subject_id,
            detail=case_event.detail,
            note=note,
        )


_CONTEXT_FIELDS = (
    "trafficking_status",
    "exploitation_types",
    "recruitment_method",
    "destination_state",
    "destination_country",
    "recruited_on",
    "identified_on",
    "returned_on",
    "details",
)


def _text(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def case_detail(uow: UnitOfWork, row: Mapping[str, Any]) -> dict[str, Any]:
    """A case row (CASE_COLUMNS with its flag facts and ``context_enc``) as
    :meth:`CaseService.get`'s document, for reads of many at once that checked scope and audit
    themselves (sync)."""
    document = case_document(row)
    document["details"] = CaseService(uow)._details(row["id"], row["context_enc"])
    return document
