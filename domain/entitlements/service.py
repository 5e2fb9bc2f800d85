"""Entitlements: the scheme catalogue (reference data, versioned by effective date) and each
survivor's applications, followed to their outcome.

An application moves documents_gathering -> applied (office, date) -> under_process ->
sanctioned (amount awarded, if any) -> received | partly_received (amount paid, date; more
instalments may follow a partial receipt) and, from applied, under_process or an appeal,
rejected (reason) -> appealed -> under_process | sanctioned | rejected. Every move is kept in
its history with who, when and a note (sealed). An open application that has not moved for
``stalled_days`` is flagged stalled.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from uuid import UUID

from domain.audit.trail import authorize, record
from domain.common.errors import (
    BusinessRuleViolation,
    Conflict,
    InvalidState,
)
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED, Keyset, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import check_version, require
from domain.common.staff import StaffNames, staff_names
from domain.entitlements import policies
from domain.entitlements.schemas import (
    AmountPeriod,
    ApplicationCreate,
    ApplicationPage,
    ApplicationRead,
    ApplicationTransition,
    Coverage,
    CoverageRead,
    RejectionReason,
    SchemeCoverage,
    SchemeCreate,
    SchemePage,
    SchemeRead,
    StatusChangePage,
    StatusChangeRead,
)
from domain.livelihoods.access import people_only, require_survivor
from domain.survivors.policies import survivor_scope
from persistence.clock import business_date, today
from persistence.crypto import Place
from persistence.models.base import touch, utcnow
from persistence.models.entitlement_application import EntitlementApplication
from persistence.models.entitlement_status_change import EntitlementStatusChange
from persistence.models.enums import AuditAction
from persistence.models.livelihood_vocabulary import ApplicationStatus
from persistence.models.scheme import Scheme
from persistence.repositories.entitlements import (
    ApplicationFilter,
    EntitlementApplicationRepository,
    SchemeFilter,
    SchemeRepository,
    StatusChangeRepository,
    day_number,
)
from persistence.repositories.survivors import SurvivorRepository
from persistence.scope import RowScope
from persistence.uow import UnitOfWork

SCHEME = policies.SCHEME
APPLICATION = policies.APPLICATION
DEFAULT_STALLED_DAYS = 45
# The catalogue is reference data: every row is in scope.
_EVERYTHING = RowScope.everything()

S = ApplicationStatus
MOVES: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.documents_gathering: frozenset({S.applied}),
    S.applied: frozenset({S.under_process, S.rejected}),
    S.under_process: frozenset({S.sanctioned, S.rejected}),
    S.sanctioned: frozenset({S.received, S.partly_received}),
    # Another instalment, or the rest.
    S.partly_received: frozenset({S.partly_received, S.received}),
    S.received: frozenset(),
    S.rejected: frozenset({S.appealed}),
    S.appealed: frozenset({S.under_process, S.sanctioned, S.rejected}),
}
# Decided: received in full, or rejected (and not appealed). Everything else can stall.
CLOSED = frozenset({S.received, S.rejected})
STALLABLE = frozenset(ApplicationStatus) - CLOSED


SCHEMES_BY_CODE: Keyset[Scheme] = Keyset(
    "code", 2, lambda scheme: (scheme.code, day_number(scheme.effective_from))
)
STATUS_CHANGES_AT: Keyset[EntitlementStatusChange] = Keyset(
    "at", 2, lambda change: (change.at, change.id)
)


def move_problem(current: ApplicationStatus, to: ApplicationStatus) -> str | None:
    """Why an application cannot move from ``current`` to ``to`` (None when it can)."""
    if to in MOVES[current]:
        return None
    if not MOVES[current]:
        return f"The application is {current.value}: it moves no further."
    allowed = ", ".join(sorted(s.value for s in MOVES[current]))
    return f"An application {current.value} moves on to {allowed} only."


def is_stalled(
    status: ApplicationStatus, last_moved_at: datetime, now: datetime, days: int
) -> bool:
    return status in STALLABLE and last_moved_at < now - timedelta(days=days)


def _note_place(change: EntitlementStatusChange) -> Place:
    return Place("entitlement_status_change", "note_enc", change.id)


def _scheme_read(scheme: Scheme, day: date) -> SchemeRead:
    return SchemeRead(
        id=scheme.id,
        code=scheme.code,
        name=scheme.name,
        state_id=scheme.state_id,
        benefit=scheme.benefit,
        amount_paise=scheme.amount_paise,
        amount_period=AmountPeriod(scheme.amount_period) if scheme.amount_period else None,
        documents_required=list(scheme.documents_required),
        applied_at=scheme.applied_at,
        effective_from=scheme.effective_from,
        effective_to=scheme.effective_to,
        in_effect=scheme.effective_from <= day
        and (scheme.effective_to is None or scheme.effective_to >= day),
        created_at=scheme.created_at,
        updated_at=scheme.updated_at,
        version=scheme.version,
    )


# -- the catalogue --------------------------------------------------------------------------
class SchemeService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.schemes = SchemeRepository(uow)

    async def list(
        self,
        principal: Principal,
        page: PageRequest,
        *,
        code: str | None = None,
        as_of: date | None = None,
        all_versions: bool = False,
    ) -> SchemePage:
        """The catalogue by code: the versions in effect on ``as_of`` (today by default), or
        every version. Raises BadRequest (cursor)."""
        authorize(self.uow, principal, policies.SCHEMES_READ, SCHEME)
        day = today()
        filters = SchemeFilter(code=code, as_of=None if all_versions else (as_of or day))
        return await paginate(
            page,
            SCHEMES_BY_CODE,
            fetch=lambda after, limit: self.schemes.page_of(filters, after, limit),
            to_read=lambda rows: [_scheme_read(s, day) for s in rows],
            count=lambda: self.schemes.count_of(filters),
            page_type=SchemePage,
        )

    async def get(self, principal: Principal, scheme_id: UUID) -> SchemeRead:
        """One version of a scheme. Raises NotFound."""
        authorize(self.uow, principal, policies.SCHEMES_READ, SCHEME, scheme_id)
        scheme = await require(self.schemes.get(scheme_id, _EVERYTHING), "Scheme")
        return _scheme_read(scheme, today())

    async def get_many(
        self, principal: Principal, ids: Sequence[UUID]
    ) -> builtins.list[SchemeRead]:
        """The versions among ``ids``, each as ``get`` answers it (one statement)."""
        authorize(self.uow, principal, policies.SCHEMES_READ, SCHEME)
        day = today()
        return [_scheme_read(s, day) for s in await self.schemes.get_many(ids, _EVERYTHING)]

    async def create(self, principal: Principal, data: SchemeCreate) -> SchemeRead:
        """Add a scheme, or a new version of one: it takes effect after the latest version,
        which ends the day before. Raises PermissionDenied, BusinessRuleViolation (state,
        effective date)."""
        authorize(self.uow, principal, policies.SCHEMES_MANAGE, SCHEME)
        if data.state_id is not None and not await self.schemes.state_exists(data.state_id):
            raise BusinessRuleViolation("The state does not exist.", field="state_id")
        latest = await self.schemes.latest_version(data.code, for_update=True)
        if latest is not None:
            if data.effective_from <= latest.effective_from:
                raise BusinessRuleViolation(
                    "A new version takes effect after the latest one "
                    f"({latest.effective_from.isoformat()}).",
                    field="effective_from",
                )
            ends = data.effective_from - timedelta(days=1)
            if latest.effective_to is None or latest.effective_to > ends:
                latest.effective_to = ends
                touch(latest)
                await self.schemes.save(latest)
                record(self.uow, principal, AuditAction.update, SCHEME, latest.id)
        scheme = Scheme(
            code=data.code,
            name=data.name,
            state_id=data.state_id,
            benefit=data.benefit,
            amount_paise=data.amount_paise,
            amount_period=data.amount_period.value if data.amount_period else None,
            documents_required=list(data.documents_required),
            applied_at=data.applied_at,
            effective_from=data.effective_from,
            effective_to=data.effective_to,
            created_by=principal.id,
        )
        await self.schemes.add(scheme)
        record(self.uow, principal, AuditAction.create, SCHEME, scheme.id)
        return _scheme_read(scheme, today())


# -- applications -----------------------------------------------------------------------------
class EntitlementService:
    def __init__(self, uow: UnitOfWork, stalled_days: int = DEFAULT_STALLED_DAYS) -> None:
        self.uow = uow
        self.stalled_days = stalled_days
        self.applications = EntitlementApplicationRepository(uow)
        self.changes = StatusChangeRepository(uow)
        self.schemes = SchemeRepository(uow)

    async def list(
        self,
        principal: Principal,
        page: PageRequest,
        *,
        survivor_id: UUID | None = None,
        scheme_id: UUID | None = None,
        scheme_code: str | None = None,
        status: ApplicationStatus | None = None,
        stalled: bool | None = None,
    ) -> ApplicationPage:
        """Applications of the survivors in the caller's scope, oldest first (audited
        search). Raises PermissionDenied, BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ, APPLICATION)
        people_only(self.uow, principal, APPLICATION)
        scope = survivor_scope(principal)
        now = utcnow()
        filters = ApplicationFilter(
            survivor_id=survivor_id,
            scheme_id=scheme_id,
            scheme_code=scheme_code,
            status=status.value if status else None,
            stalled=stalled,
            stalled_before=now - timedelta(days=self.stalled_days),
            stallable=tuple(sorted(s.value for s in STALLABLE)),
        )
        record(
            self.uow,
            principal,
            AuditAction.search,
            APPLICATION,
            organization_id=principal.organization_id,
        )

        async def reads(rows: Sequence[EntitlementApplication]) -> list[ApplicationRead]:
            schemes = await self.schemes.by_ids(a.scheme_id for a in rows)
            return [self._read(a, schemes[a.scheme_id], now) for a in rows]

        return await paginate(
            page,
            CREATED,
            fetch=lambda after, limit: self.applications.page_visible(scope, filters, after, limit),
            to_read=reads,
            count=lambda: self.applications.count_visible(scope, filters),
            page_type=ApplicationPage,
        )

    async def create(self, principal: Principal, data: ApplicationCreate) -> ApplicationRead:
        """Start following a survivor's application for a scheme. Raises PermissionDenied,
        BusinessRuleViolation (survivor not in scope, unknown scheme, a scheme not open to her
        state), Conflict (an open application for the scheme already, id taken)."""
        authorize(self.uow, principal, policies.MANAGE, APPLICATION)
        people_only(self.uow, principal, APPLICATION)
        # Locked: her applications are created one at a time (no two open for one scheme).
        survivor = await SurvivorRepository(self.uow).get_visible(
            data.survivor_id, survivor_scope(principal), for_update=True
        )
        if survivor is None:
            raise BusinessRuleViolation(
                "No survivor with this id in your scope.", field="survivor_id"
            )
        scheme = await self.schemes.get(data.scheme_id, _EVERYTHING)
        if scheme is None:
            raise BusinessRuleViolation("The scheme does not exist.", field="scheme_id")
        state_id = await self.schemes.state_of_district(survivor.district_id)
        if scheme.state_id is not None and state_id is not None and scheme.state_id != state_id:
            raise BusinessRuleViolation(
                "The scheme is not open to people of her home state.", field="scheme_id"
            )
        if await self.applications.open_for_code(
            survivor, scheme.code, tuple(sorted(s.value for s in CLOSED))
        ):
            raise Conflict("She has an open application for this scheme already.")
        await reject_taken_id(
            self.uow, principal, self.applications, data.id, "entitlement_application"
        )
        now = utcnow()
        application = EntitlementApplication(
            organization_id=survivor.organization_id,
            district_id=survivor.district_id,
            survivor_id=survivor.id,
            scheme_id=scheme.id,
            status=data.status,
            office=data.office,
            applied_on=data.applied_on,
            last_moved_at=now,
            created_by=principal.id,
        )
        if data.id is not None:
            application.id = data.id
        await self.applications.add(application)
        await self._log(principal, application, None, data.status, data.note, now)
        self._audit(principal, AuditAction.create, application)
        return self._read(application, scheme, now)

    async def get(self, principal: Principal, application_id: UUID) -> ApplicationRead:
        """One application (audited read). Raises NotFound, PermissionDenied."""
        authorize(self.uow, principal, policies.READ, APPLICATION, application_id)
        people_only(self.uow, principal, APPLICATION)
        application = await self._application(principal, application_id)
        self._audit(principal, AuditAction.read, application)
        return await self._read_with_scheme(application)

    async def get_many(
        self, principal: Principal, application_ids: Sequence[UUID]
    ) -> Sequence[ApplicationRead]:
        """Those among ``application_ids`` the caller may read, each as :meth:`get` answers
        and audits it; in two statements whatever their number (a device's first pull).
        Raises PermissionDenied."""
        authorize(self.uow, principal, policies.READ, APPLICATION)
        people_only(self.uow, principal, APPLICATION)
        rows = await self.applications.visible_by_ids(application_ids, survivor_scope(principal))
        for application in rows:
            self._audit(principal, AuditAction.read, application)
        schemes = await self.schemes.by_ids(a.scheme_id for a in rows)
        now = utcnow()
        return [self._read(a, schemes[a.scheme_id], now) for a in rows]

    async def transition(
        self,
        principal: Principal,
        application_id: UUID,
        data: ApplicationTransition,
        expected_version: int | None = None,
    ) -> ApplicationRead:
        """Move an application on, with a note kept in its history. Raises NotFound,
        PermissionDenied, PreconditionFailed, InvalidState (a move the states do not allow),
        BusinessRuleViolation (dates)."""
        authorize(self.uow, principal, policies.MANAGE, APPLICATION, application_id)
        people_only(self.uow, principal, APPLICATION)
        application = await self._application(principal, application_id, for_update=True)
        check_version(application, expected_version, "application")
        current = ApplicationStatus(application.status)
        problem = move_problem(current, data.to)
        if problem is not None:
            raise InvalidState(problem)
        on = data.on or today()
        self._apply(application, data, on)
        now = utcnow()
        application.status = data.to
        application.last_moved_at = now
        touch(application)
        await self.applications.save(application)
        await self._log(principal, application, current, data.to, data.note, now)
        self._audit(principal, AuditAction.update, application)
        return await self._read_with_scheme(application, now)

    async def history(
        self, principal: Principal, application_id: UUID, page: PageRequest
    ) -> StatusChangePage:
        """Every move of the application, oldest first, notes opened (audited as a read of
        the application). Raises NotFound, PermissionDenied, BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ, APPLICATION, application_id)
        people_only(self.uow, principal, APPLICATION)
        application = await self._application(principal, application_id)
        self._audit(principal, AuditAction.read, application)
        return await paginate(
            page,
            STATUS_CHANGES_AT,
            fetch=lambda after, limit: self.changes.page_of(application.id, after, limit),
            to_read=self._change_reads,
            count=lambda: self.changes.count_of(application.id),
            page_type=StatusChangePage,
        )

    async def coverage(self, principal: Principal, survivor_id: UUID) -> CoverageRead:
        """Her coverage across the schemes open to her (national, and her home state's, in
        effect today) and any other she applied for: received, partly received, in progress,
        rejected or not applied (audited search). Raises NotFound, PermissionDenied."""
        authorize(self.uow, principal, policies.READ, APPLICATION)
        people_only(self.uow, principal, APPLICATION)
        survivor = await require_survivor(self.uow, principal, survivor_id)
        record(
            self.uow,
            principal,
            AuditAction.search,
            APPLICATION,
            organization_id=survivor.organization_id,
        )
        now = utcnow()
        state_id = await self.schemes.state_of_district(survivor.district_id)
        offered = {
            s.code: s for s in await self.schemes.in_effect_for(state_id, business_date(now))
        }
        applications = await self.applications.of_survivor(survivor)
        schemes = await self.schemes.by_ids(a.scheme_id for a in applications)
        by_code: dict[str, list[EntitlementApplication]] = {}
        for application in applications:
            by_code.setdefault(schemes[application.scheme_id].code, []).append(application)
        items = []
        for code in sorted(set(offered) | set(by_code)):
            chosen = deciding_application(by_code.get(code, []))
            # A scheme no longer offered (or not her state's) still shows what she applied for.
            scheme = offered.get(code) or schemes[(chosen or by_code[code][0]).scheme_id]
            items.append(self._coverage_item(scheme, chosen, now))
        counts = {kind: sum(1 for i in items if i.coverage is kind) for kind in Coverage}
        return CoverageRead(
            survivor_id=survivor.id,
            received=counts[Coverage.received],
            partly_received=counts[Coverage.partly_received],
            in_progress=counts[Coverage.in_progress],
            rejected=counts[Coverage.rejected],
            not_applied=counts[Coverage.not_applied],
            schemes=items,
        )

    # -- helpers --------------------------------------------------------------------------------
    async def _application(
        self, principal: Principal, application_id: UUID, *, for_update: bool = False
    ) -> EntitlementApplication:
        return await require(
            self.applications.get_visible(
                application_id, survivor_scope(principal), for_update=for_update
            ),
            "Application",
        )

    @staticmethod
    def _apply(application: EntitlementApplication, data: ApplicationTransition, on: date) -> None:
        """Record what the move carries (office, dates, amounts, reason); dates may not lie
        before the application was made."""
        to = data.to
        if to is S.applied:
            application.office, application.applied_on = data.office, on
            return
        if to in (S.sanctioned, S.received, S.partly_received):
            before = [application.applied_on]
            if to is not S.sanctioned:
                before.append(application.sanctioned_on)
            earliest = max((day for day in before if day is not None), default=None)
            if earliest is not None and on < earliest:
                raise BusinessRuleViolation(
                    "on may not lie before the application was made or sanctioned.", field="on"
                )
        if to is S.sanctioned:
            application.sanctioned_on = on
            if data.amount_paise is not None:
                application.sanctioned_paise = data.amount_paise
        elif to in (S.received, S.partly_received):
            if data.amount_paise is not None:
                total = (application.received_paise or 0) + data.amount_paise
                awarded = application.sanctioned_paise
                if awarded is not None and total > awarded:
                    raise BusinessRuleViolation(
                        f"Payments would total {total} paise, more than the {awarded} paise "
                        "sanctioned.",
                        field="amount_paise",
                    )
                application.received_paise = total
            application.received_on = on
        elif to is S.rejected and data.reason is not None:
            application.rejection_reason = data.reason.value

    async def _log(
        self,
        principal: Principal,
        application: EntitlementApplication,
        from_status: ApplicationStatus | None,
        to_status: ApplicationStatus,
        note: str | None,
        at: datetime,
    ) -> None:
        change = EntitlementStatusChange(
            application_id=application.id,
            from_status=from_status,
            to_status=to_status,
            at=at,
            by=principal.id,
        )
        if note is not None:
            change.note_enc = self.uow.cipher.seal_text(note, _note_place(change))
        await self.changes.add(change)

    def _audit(
        self, principal: Principal, action: AuditAction, application: EntitlementApplication
    ) -> None:
        record(
            self.uow,
            principal,
            action,
            APPLICATION,
            application.id,
            organization_id=application.organization_id,
        )

    async def _read_with_scheme(
        self, application: EntitlementApplication, now: datetime | None = None
    ) -> ApplicationRead:
        schemes = await self.schemes.by_ids([application.scheme_id])
        return self._read(application, schemes[application.scheme_id], now or utcnow())

    def _read(
        self, application: EntitlementApplication, scheme: Scheme, now: datetime
    ) -> ApplicationRead:
        status = ApplicationStatus(application.status)
        return ApplicationRead(
            id=application.id,
            survivor_id=application.survivor_id,
            organization_id=application.organization_id,
            scheme_id=scheme.id,
            scheme_code=scheme.code,
            scheme_name=scheme.name,
            status=status,
            office=application.office,
            applied_on=application.applied_on,
            sanctioned_on=application.sanctioned_on,
            sanctioned_paise=application.sanctioned_paise,
            received_paise=application.received_paise,
            received_on=application.received_on,
            rejection_reason=(
                RejectionReason(application.rejection_reason)
                if application.rejection_reason
                else None
            ),
            last_moved_at=application.last_moved_at,
            stalled=is_stalled(status, application.last_moved_at, now, self.stalled_days),
            created_by=application.created_by,
            created_at=application.created_at,
            updated_at=application.updated_at,
            version=application.version,
        )

    async def _change_reads(
        self, changes: Sequence[EntitlementStatusChange]
    ) -> builtins.list[StatusChangeRead]:
        """The page's moves, each naming who made it (one lookup for the page)."""
        names = await staff_names(self.uow, (change.by for change in changes))
        return [self._change_read(change, names) for change in changes]

    def _change_read(self, change: EntitlementStatusChange, names: StaffNames) -> StatusChangeRead:
        note = (
            self.uow.cipher.open_text(change.note_enc, _note_place(change))
            if change.note_enc is not None
            else None
        )
        return StatusChangeRead(
            id=change.id,
            application_id=change.application_id,
            from_status=ApplicationStatus(change.from_status) if change.from_status else None,
            to_status=ApplicationStatus(change.to_status),
            at=change.at,
            by=change.by,
            by_name=names.name(change.by),
            by_organization_name=names.organization(names.organization_of(change.by)),
            note=note,
        )

    def _coverage_item(
        self, scheme: Scheme, application: EntitlementApplication | None, now: datetime
    ) -> SchemeCoverage:
        if application is None:
            return SchemeCoverage(
                scheme_code=scheme.code,
                scheme_name=scheme.name,
                scheme_id=scheme.id,
                coverage=Coverage.not_applied,
                application_id=None,
                status=None,
                stalled=False,
                received_paise=None,
            )
        status = ApplicationStatus(application.status)
        return SchemeCoverage(
            scheme_code=scheme.code,
            scheme_name=scheme.name,
            scheme_id=scheme.id,
            coverage=coverage_of(status),
            application_id=application.id,
            status=status,
            stalled=is_stalled(status, application.last_moved_at, now, self.stalled_days),
            received_paise=application.received_paise,
        )


def coverage_of(status: ApplicationStatus) -> Coverage:
    if status is S.received:
        return Coverage.received
    if status is S.partly_received:
        return Coverage.partly_received
    if status is S.rejected:
        return Coverage.rejected
    return Coverage.in_progress


_RANK = {
    Coverage.received: 0,
    Coverage.partly_received: 1,
    Coverage.in_progress: 1,
    Coverage.rejected: 2,
}


def deciding_application(
    applications: Sequence[EntitlementApplication],
) -> EntitlementApplication | None:
    """The application that says where she stands with one scheme: one received if any, else
    the latest still open, else the latest rejected (``applications`` oldest first)."""
    best: EntitlementApplication | None = None
    for application in applications:
        rank = _RANK[coverage_of(ApplicationStatus(application.status))]
        if best is None or rank <= _RANK[coverage_of(ApplicationStatus(best.status))]:
            best = application
    return best
