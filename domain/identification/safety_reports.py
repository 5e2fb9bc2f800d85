"""Community safety reports: red flags, suspected recruitment, missing persons and threats
that survivor leaders (and workers) see in their communities.

A report's content (what was seen, where, when, and any persons it names) is sealed in
``report_enc``. A report naming persons is an allegation: only program managers read it, and
every read that shows content (single or in a list) is audited, one event per report shown.
The reporter sees her reports' status only, from the moment she submits (the answer to her
submission included): content on a leader's phone can put her and others in danger.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, record, record_denied
from domain.common.errors import (
    BusinessRuleViolation,
    InvalidState,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
)
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED_DESC, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal, PrincipalKind
from domain.common.records import require
from domain.identification import policies
from domain.identification.access import reads_content, report_scope
from domain.identification.districts import submitter_district
from domain.identification.schemas import (
    NamedPerson,
    SafetyReportCreate,
    SafetyReportPage,
    SafetyReportRead,
    SafetyReportReceipt,
    SafetyReportReview,
)
from persistence.clock import today
from persistence.crypto import Place
from persistence.models.base import touch, utcnow
from persistence.models.enums import AuditAction
from persistence.models.leadership_vocabulary import SafetyReportKind
from persistence.models.safety_report import SafetyReport, SafetyReportStatus
from persistence.repositories.identification import SafetyReportRepository
from persistence.uow import UnitOfWork

SAFETY_REPORT = policies.SAFETY_REPORT

# A review moves a report forward only; closed is final.
ORDER = (
    SafetyReportStatus.received,
    SafetyReportStatus.under_review,
    SafetyReportStatus.action_taken,
    SafetyReportStatus.closed,
)


def review_problem(current: SafetyReportStatus, to: SafetyReportStatus) -> str | None:
    """Why a report cannot move from ``current`` to ``to`` (None when it can). Staying in
    place is allowed (a further note), except once closed."""
    if current is SafetyReportStatus.closed:
        return "The report is closed."
    if ORDER.index(to) < ORDER.index(current):
        return f"A report {current.value} does not go back to {to.value}."
    return None


def _report_place(report_id: UUID) -> Place:
    return Place("safety_report", "report_enc", report_id)


def _review_place(report_id: UUID) -> Place:
    return Place("safety_report", "review_enc", report_id)


class SafetyReportService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.reports = SafetyReportRepository(uow)

    async def submit(
        self, principal: Principal, data: SafetyReportCreate
    ) -> SafetyReportReceipt | SafetyReportRead:
        """Record a report (sealed, audited); the reporter gets its receipt (a program manager
        the report). Raises PermissionDenied (not a person), BusinessRuleViolation (district,
        date), Conflict (id taken)."""
        authorize(self.uow, principal, policies.SUBMIT_SAFETY_REPORT, SAFETY_REPORT)
        organization_id = self._require_person(principal)
        district_id = await submitter_district(self.uow, principal, data.district_id)
        # The latest date that is today somewhere on Earth (UTC+14).
        if data.observed_on is not None and data.observed_on > (today()):
            raise BusinessRuleViolation(
                "observed_on may not lie in the future.", field="observed_on"
            )
        await reject_taken_id(self.uow, principal, self.reports, data.id, "safety_report")
        report = SafetyReport(
            organization_id=organization_id,
            district_id=district_id,
            reported_by=principal.id,
            kind=data.kind,
            names_persons=data.is_allegation,
            report_enc=b"",
            status=SafetyReportStatus.received,
            created_by=principal.id,
        )
        if data.id is not None:
            report.id = data.id
        content = {
            "observed_on": data.observed_on.isoformat() if data.observed_on else None,
            "place": data.place,
            "description": data.description,
            "named_persons": [person.model_dump() for person in data.named_persons],
        }
        report.report_enc = self.uow.cipher.seal_json(content, _report_place(report.id))
        await self.reports.add(report)
        record(
            self.uow,
            principal,
            AuditAction.create,
            SAFETY_REPORT,
            report.id,
            organization_id=report.organization_id,
        )
        if reads_content(principal, report):
            self._audit_content_reads(principal, [report])
            return self._full(report, content)
        return self._receipt(report)

    async def get(
        self, principal: Principal, report_id: UUID
    ) -> SafetyReportReceipt | SafetyReportRead:
        """One report in the caller's scope: its content where she may read it (audited),
        its receipt otherwise. Raises PermissionDenied (integration client), NotFound."""
        authorize(self.uow, principal, policies.READ_SAFETY_REPORTS, SAFETY_REPORT, report_id)
        self._require_person(principal)
        report = await require(
            self.reports.get_in_scope(report_id, report_scope(principal)), "Safety report"
        )
        return self._shown(principal, [report])[0]

    async def list_reports(
        self,
        principal: Principal,
        page: PageRequest,
        status: SafetyReportStatus | None = None,
        kind: SafetyReportKind | None = None,
    ) -> SafetyReportPage:
        """The reports in the caller's scope, newest first; filters: status, kind. The search
        and every report whose content is shown are audited. Raises PermissionDenied
        (integration client), BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ_SAFETY_REPORTS, SAFETY_REPORT)
        self._require_person(principal)
        scope = report_scope(principal)
        record(self.uow, principal, AuditAction.search, SAFETY_REPORT)
        return await paginate(
            page,
            CREATED_DESC,
            fetch=lambda after, limit: self.reports.page_in_scope(
                scope, status, kind, after, limit
            ),
            to_read=lambda reports: self._shown(principal, reports),
            count=lambda: self.reports.count_in_scope(scope, status, kind),
            page_type=SafetyReportPage,
        )

    async def review(
        self, principal: Principal, report_id: UUID, data: SafetyReportReview, version: int
    ) -> SafetyReportRead:
        """Move a report on and note what was done (sealed; program managers). The answer
        shows the report, so it is audited as a read too. Raises NotFound, PermissionDenied,
        PreconditionFailed (stale version), InvalidState (closed, backwards)."""
        authorize(self.uow, principal, policies.REVIEW_SAFETY_REPORTS, SAFETY_REPORT, report_id)
        self._require_person(principal)
        report = await self.reports.get_in_scope(
            report_id, report_scope(principal), for_update=True
        )
        if report is None or not reads_content(principal, report):
            raise NotFound("Safety report not found.")
        if report.version != version:
            raise PreconditionFailed("The report changed since you read it: reload it.")
        problem = review_problem(SafetyReportStatus(report.status), data.status)
        if problem is not None:
            raise InvalidState(problem)
        report.status = data.status
        if data.note is not None:
            report.review_enc = self.uow.cipher.seal_text(data.note, _review_place(report.id))
        report.reviewed_by = principal.id
        report.reviewed_at = utcnow()
        touch(report)
        await self.reports.save(report)
        record(
            self.uow,
            principal,
            AuditAction.update,
            SAFETY_REPORT,
            report.id,
            organization_id=report.organization_id,
        )
        self._audit_content_reads(principal, [report])
        return self._full(report)

    # -- helpers --------------------------------------------------------------------------
    def _require_person(self, principal: Principal) -> UUID:
        """Safety reports are a person's business: integration clients never reach them."""
        if principal.kind is not PrincipalKind.user or principal.organization_id is None:
            record_denied(self.uow, principal, SAFETY_REPORT)
            raise PermissionDenied("Only a person may take this action.")
        return principal.organization_id

    def _shown(
        self, principal: Principal, reports: Sequence[SafetyReport]
    ) -> list[SafetyReportReceipt | SafetyReportRead]:
        """Each report in the caller's view, its content where she may read it. Every report
        shown is audited, one event each (a receipt too, though it shows no content)."""
        self._audit_content_reads(principal, reports)
        return [
            self._full(report) if reads_content(principal, report) else self._receipt(report)
            for report in reports
        ]

    def _audit_content_reads(self, principal: Principal, reports: Sequence[SafetyReport]) -> None:
        for report in reports:
            record(
                self.uow,
                principal,
                AuditAction.read,
                SAFETY_REPORT,
                report.id,
                organization_id=report.organization_id,
            )

    @staticmethod
    def _receipt(report: SafetyReport) -> SafetyReportReceipt:
        return SafetyReportReceipt(
            id=report.id,
            kind=report.kind,
            names_persons=report.names_persons,
            district_id=report.district_id,
            status=report.status,
            submitted_at=report.created_at,
            version=report.version,
        )

    def _full(
        self, report: SafetyReport, content: dict[str, Any] | None = None
    ) -> SafetyReportRead:
        if content is None:
            content = self.uow.cipher.open_json(report.report_enc, _report_place(report.id))
        return SafetyReportRead(
            id=report.id,
            organization_id=report.organization_id,
            kind=report.kind,
            names_persons=report.names_persons,
            district_id=report.district_id,
            status=report.status,
            reported_by=report.reported_by,
            submitted_at=report.created_at,
            observed_on=content.get("observed_on"),
            place=content.get("place"),
            description=content["description"],
            named_persons=[NamedPerson.model_validate(p) for p in content.get("named_persons", [])],
            reviewed_by=report.reviewed_by,
            reviewed_at=report.reviewed_at,
            review_note=self.uow.cipher.open_text(report.review_enc, _review_place(report.id)),
            updated_at=report.updated_at,
            version=report.version,
        )
