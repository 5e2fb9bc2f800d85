"""Victim identification: a survivor leader refers a person at risk or a possible victim to
her organisation; the referral is an intake lead that case workers accept, decline (with a
reason) or link to the case it became.

What the leader wrote is sealed in ``details_enc``; the reason of a decline in
``decision_enc``. The leader reads the status of her own submissions only: never what she
wrote once it is sent (her phone can fall into the wrong hands), nor anything of what
follows. Every read of a referral is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, record, record_denied
from domain.cases.access import record_case_event, require_case
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
from domain.identification.access import referral_scope, sees_intake
from domain.identification.districts import submitter_district
from domain.identification.schemas import (
    IntakeLead,
    ReferralCreate,
    ReferralDecision,
    ReferralPage,
    ReferralSubmission,
)
from persistence.crypto import Place
from persistence.models.base import touch, utcnow
from persistence.models.case_vocabulary import CaseEventKind
from persistence.models.enums import AuditAction
from persistence.models.identification_referral import IdentificationReferral
from persistence.models.leadership_vocabulary import IdentificationConcern, IdentificationStatus
from persistence.repositories.identification import IdentificationReferralRepository
from persistence.uow import UnitOfWork

REFERRAL = policies.REFERRAL
DETAIL_FIELDS = ("name", "age_estimate", "place", "safe_contact", "observations")

# Where an intake lead may go from where it stands. A lead accepted may still be declined (on
# a closer look) or become a case; a decline and a case are final (a new sighting is a new
# referral).
MOVES: dict[IdentificationStatus, frozenset[IdentificationStatus]] = {
    IdentificationStatus.submitted: frozenset(
        {
            IdentificationStatus.accepted,
            IdentificationStatus.declined,
            IdentificationStatus.became_case,
        }
    ),
    IdentificationStatus.accepted: frozenset(
        {IdentificationStatus.declined, IdentificationStatus.became_case}
    ),
    IdentificationStatus.declined: frozenset(),
    IdentificationStatus.became_case: frozenset(),
}


def _details_place(referral_id: UUID) -> Place:
    return Place("identification_referral", "details_enc", referral_id)


def _decision_place(referral_id: UUID) -> Place:
    return Place("identification_referral", "decision_enc", referral_id)


class IdentificationReferralService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.referrals = IdentificationReferralRepository(uow)

    async def submit(
        self, principal: Principal, data: ReferralCreate
    ) -> ReferralSubmission | IntakeLead:
        """Refer a person to the leader's organisation (sealed, audited). Raises
        PermissionDenied (not a person), BusinessRuleViolation (district), Conflict (id
        taken)."""
        authorize(self.uow, principal, policies.SUBMIT_REFERRAL, REFERRAL)
        organization_id = self._require_person(principal)
        district_id = await submitter_district(self.uow, principal, data.district_id)
        await reject_taken_id(
            self.uow, principal, self.referrals, data.id, "identification_referral"
        )
        referral = IdentificationReferral(
            organization_id=organization_id,
            district_id=district_id,
            submitted_by=principal.id,
            concern=data.concern,
            details_enc=b"",
            status=IdentificationStatus.submitted,
            created_by=principal.id,
        )
        if data.id is not None:
            referral.id = data.id
        details = data.model_dump(include=set(DETAIL_FIELDS))
        referral.details_enc = self.uow.cipher.seal_json(details, _details_place(referral.id))
        await self.referrals.add(referral)
        record(
            self.uow,
            principal,
            AuditAction.create,
            REFERRAL,
            referral.id,
            organization_id=referral.organization_id,
        )
        return self._view(principal, referral, details)

    async def get(self, principal: Principal, referral_id: UUID) -> ReferralSubmission | IntakeLead:
        """One referral in the caller's scope, in her view (audited). Raises NotFound."""
        authorize(self.uow, principal, policies.READ_REFERRALS, REFERRAL, referral_id)
        referral = await require(
            self.referrals.get_in_scope(referral_id, referral_scope(principal)), "Referral"
        )
        self._audit_reads(principal, [referral])
        return self._view(principal, referral)

    async def list_referrals(
        self,
        principal: Principal,
        page: PageRequest,
        status: IdentificationStatus | None = None,
        concern: IdentificationConcern | None = None,
    ) -> ReferralPage:
        """The referrals in the caller's scope, newest first; filters: status, concern. The
        search and each referral shown are audited. Raises BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ_REFERRALS, REFERRAL)
        scope = referral_scope(principal)
        record(self.uow, principal, AuditAction.search, REFERRAL)

        def shown(
            referrals: Sequence[IdentificationReferral],
        ) -> list[ReferralSubmission | IntakeLead]:
            self._audit_reads(principal, referrals)
            return [self._view(principal, referral) for referral in referrals]

        return await paginate(
            page,
            CREATED_DESC,
            fetch=lambda after, limit: self.referrals.page_in_scope(
                scope, status, concern, after, limit
            ),
            to_read=shown,
            count=lambda: self.referrals.count_in_scope(scope, status, concern),
            page_type=ReferralPage,
        )

    async def decide(
        self, principal: Principal, referral_id: UUID, data: ReferralDecision, version: int
    ) -> IntakeLead:
        """Accept, decline (with a sealed reason) or link the case the lead became (a case of
        the same organisation in the caller's case scope). Raises NotFound,
        PermissionDenied (not a person), PreconditionFailed (stale version), InvalidState
        (decided already), BusinessRuleViolation (case). Audited as a change and a read."""
        authorize(self.uow, principal, policies.DECIDE_REFERRALS, REFERRAL, referral_id)
        self._require_person(principal)
        referral = await require(
            self.referrals.get_in_scope(referral_id, referral_scope(principal), for_update=True),
            "Referral",
        )
        if referral.version != version:
            raise PreconditionFailed("The referral changed since you read it: reload it.")
        current = IdentificationStatus(referral.status)
        to = IdentificationStatus(data.decision)
        if to not in MOVES[current]:
            raise InvalidState(f"A referral {current.value} cannot become {to.value}.")
        case = None
        if data.case_id is not None:
            try:
                case = await require_case(self.uow, principal, data.case_id)
            except NotFound:
                case = None
            if case is None or case.organization_id != referral.organization_id:
                raise BusinessRuleViolation(
                    "No such case in your case scope.", field="case_id"
                ) from None
            referral.case_id = case.id
        if data.reason is not None:
            referral.decision_enc = self.uow.cipher.seal_text(
                data.reason, _decision_place(referral.id)
            )
        referral.status = to
        referral.decided_by = principal.id
        referral.decided_at = utcnow()
        touch(referral)
        await self.referrals.save(referral)
        if case is not None:
            # Her progress map starts where a survivor leader found her (the referral's id
            # only: what the leader wrote stays with the referral).
            await record_case_event(
                self.uow,
                case,
                CaseEventKind.identification,
                actor=principal,
                subject_id=referral.id,
                occurred_at=referral.decided_at,
            )
        record(
            self.uow,
            principal,
            AuditAction.update,
            REFERRAL,
            referral.id,
            organization_id=referral.organization_id,
        )
        # the answer shows what the leader wrote: a read, too
        self._audit_reads(principal, [referral])
        return self._intake_lead(referral)

    # -- helpers --------------------------------------------------------------------------
    def _require_person(self, principal: Principal) -> UUID:
        """Submitting and deciding name the person who did it: integration clients cannot."""
        if principal.kind is not PrincipalKind.user or principal.organization_id is None:
            record_denied(self.uow, principal, REFERRAL)
            raise PermissionDenied("Only a person may take this action.")
        return principal.organization_id

    def _audit_reads(
        self, principal: Principal, referrals: Sequence[IdentificationReferral]
    ) -> None:
        for referral in referrals:
            record(
                self.uow,
                principal,
                AuditAction.read,
                REFERRAL,
                referral.id,
                organization_id=referral.organization_id,
            )

    def _details(self, referral: IdentificationReferral) -> dict[str, Any]:
        details: dict[str, Any] = self.uow.cipher.open_json(
            referral.details_enc, _details_place(referral.id)
        )
        return details

    def _view(
        self,
        principal: Principal,
        referral: IdentificationReferral,
        details: dict[str, Any] | None = None,
    ) -> ReferralSubmission | IntakeLead:
        if sees_intake(principal):
            return self._intake_lead(referral, details)
        # Status only: what she wrote is not opened for her.
        return ReferralSubmission(
            id=referral.id,
            concern=referral.concern,
            district_id=referral.district_id,
            status=referral.status,
            submitted_at=referral.created_at,
            version=referral.version,
        )

    def _intake_lead(
        self, referral: IdentificationReferral, details: dict[str, Any] | None = None
    ) -> IntakeLead:
        details = details if details is not None else self._details(referral)
        reason = self.uow.cipher.open_text(referral.decision_enc, _decision_place(referral.id))
        return IntakeLead(
            id=referral.id,
            organization_id=referral.organization_id,
            concern=referral.concern,
            district_id=referral.district_id,
            status=referral.status,
            submitted_by=referral.submitted_by,
            submitted_at=referral.created_at,
            decided_by=referral.decided_by,
            decided_at=referral.decided_at,
            decline_reason=reason,
            case_id=referral.case_id,
            updated_at=referral.updated_at,
            version=referral.version,
            **{name: details.get(name) for name in DETAIL_FIELDS},
        )
