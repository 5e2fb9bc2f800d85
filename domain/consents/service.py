"""Consent records: given (by her, or by a guardian when she is a minor), versioned per
purpose, withdrawn; and the audited override other areas call when they must act without it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, event, record, record_denied
from domain.common.errors import (
    BusinessRuleViolation,
    InvalidState,
    NotFound,
    PermissionDenied,
)
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.staff import StaffNames, staff_names
from domain.consents import policies
from domain.consents.schemas import (
    ConsentCreate,
    ConsentPage,
    ConsentRead,
    ConsentStatus,
    ConsentWithdraw,
    ConsentWithdrawalReason,
    Guardian,
)
from domain.survivors.policies import holds_personal_records, survivor_scope
from domain.survivors.service import SurvivorService, may_be_minor_on, open_personal
from persistence.clock import business_date
from persistence.crypto import Place
from persistence.models.base import touch, utcnow
from persistence.models.case_vocabulary import ConsentGiver, ConsentPurpose, ShareableField
from persistence.models.consent import Consent
from persistence.models.enums import AuditAction, AuditOutcome
from persistence.models.survivor import Survivor
from persistence.repositories.audit_events import AuditEventRepository
from persistence.repositories.consents import ConsentRepository, ConsentStanding, standing
from persistence.repositories.organizations import OrganizationRepository
from persistence.repositories.survivors import SurvivorRepository
from persistence.repositories.users import UserRepository
from persistence.scope import RowScope
from persistence.uow import UnitOfWork

ENTITY = "consent"
GUARDIAN = "guardian_enc"
# Clocks of field devices drift: a consent "given" this far ahead of the server is accepted.
CLOCK_SLACK = timedelta(minutes=5)
MAX_OVERRIDE_REASON = 2000


# A revision's status from where it stands (persistence/repositories/consents.py), once
# withdrawal and supersession are accounted for.
_STATUS = {
    ConsentStanding.withdrawn: ConsentStatus.withdrawn,
    ConsentStanding.not_yet_given: ConsentStatus.not_yet_in_force,
    ConsentStanding.expired: ConsentStatus.expired,
    ConsentStanding.expiring: ConsentStatus.in_force,
    ConsentStanding.in_force: ConsentStatus.in_force,
}


def _status(consent: Consent, superseded: bool, now: datetime) -> ConsentStatus:
    if consent.withdrawn_at is None and superseded:
        return ConsentStatus.superseded
    return _STATUS[standing(consent, now)]


def _people_only(uow: UnitOfWork, principal: Principal) -> None:
    if not holds_personal_records(principal):
        record_denied(uow, principal, ENTITY)
        raise PermissionDenied("Integration clients cannot hold survivors' records.")


class ConsentService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.consents = ConsentRepository(uow)

    async def create(
        self, principal: Principal, survivor_id: UUID, data: ConsentCreate
    ) -> ConsentRead:
        """Record a consent; it supersedes the previous one of the same purpose (and
        organisation). Raises NotFound (survivor out of scope), BusinessRuleViolation (a minor
        without a guardian, an adult with one, an unknown organisation or witness, times),
        Conflict (id taken)."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY)
        _people_only(self.uow, principal)
        # Locked: two consents recorded at once for her cannot both become revision n + 1.
        survivor = await SurvivorService(self.uow).require(principal, survivor_id, for_update=True)
        now = utcnow()
        given_at = data.given_at or now
        if given_at > now + CLOCK_SLACK:
            raise BusinessRuleViolation(
                "A consent cannot be given in the future.", field="given_at"
            )
        if data.expires_at is not None and data.expires_at <= now:
            raise BusinessRuleViolation(
                "The consent would already have expired.", field="expires_at"
            )
        self._check_giver(survivor, data, given_at)
        organization_id = survivor.organization_id
        if data.shared_with_organization_id is not None:
            await self._check_partner(organization_id, data.shared_with_organization_id)
        if data.witness_user_id is not None:
            await self._check_witness(organization_id, data.witness_user_id)
        await reject_taken_id(self.uow, principal, self.consents, data.id, "consent")
        previous = await self.consents.latest(
            survivor.id, data.purpose, data.shared_with_organization_id
        )
        if previous is not None and given_at < previous.given_at:
            raise BusinessRuleViolation(
                "The consent is dated before the one it would supersede.", field="given_at"
            )
        consent = Consent(
            organization_id=organization_id,
            survivor_id=survivor.id,
            purpose=data.purpose,
            shared_with_organization_id=data.shared_with_organization_id,
            fields=[field.value for field in dict.fromkeys(data.fields)],
            given_by=data.given_by,
            method=data.method,
            language=data.language,
            witness_user_id=data.witness_user_id,
            given_at=given_at,
            expires_at=data.expires_at,
            supersedes_id=previous.id if previous else None,
            revision=previous.revision + 1 if previous else 1,
            created_by=principal.id,
        )
        if data.id is not None:
            consent.id = data.id
        if data.guardian is not None:
            consent.guardian_enc = self.uow.cipher.seal_json(
                data.guardian.model_dump(mode="json"), Place(ENTITY, GUARDIAN, consent.id)
            )
        await self.consents.add(consent)
        record(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            consent.id,
            organization_id=organization_id,
        )
        return self._read(consent, superseded=False, now=now, names=await self._names([consent]))

    async def list(
        self,
        principal: Principal,
        survivor_id: UUID,
        page: PageRequest,
        *,
        purpose: ConsentPurpose | None = None,
    ) -> ConsentPage:
        """Her consent history, every revision, oldest first (audited as a search). Raises
        NotFound."""
        authorize(self.uow, principal, policies.READ, ENTITY)
        _people_only(self.uow, principal)
        survivor = await SurvivorService(self.uow).require(principal, survivor_id)
        record(
            self.uow,
            principal,
            AuditAction.search,
            ENTITY,
            organization_id=survivor.organization_id,
        )
        scope = RowScope.organization(survivor.organization_id)
        where: list[Any] = [Consent.survivor_id == survivor.id]
        if purpose is not None:
            where.append(Consent.purpose == purpose)
        now = utcnow()

        async def to_read(rows: Iterable[Consent]) -> list[ConsentRead]:
            consents = list(rows)
            superseded = await self.consents.superseded(c.id for c in consents)
            names = await self._names(consents)
            return [
                self._read(c, superseded=c.id in superseded, now=now, names=names) for c in consents
            ]

        return await paginate(
            page,
            CREATED,
            fetch=lambda after, limit: self.consents.page(
                scope,
                where=where,
                order=[Consent.created_at, Consent.id],
                after=after,
                limit=limit,
            ),
            to_read=to_read,
            count=lambda: self.consents.count(scope, where=where),
            page_type=ConsentPage,
        )

    async def get(self, principal: Principal, survivor_id: UUID, consent_id: UUID) -> ConsentRead:
        """One consent record of hers (audited). Raises NotFound."""
        authorize(self.uow, principal, policies.READ, ENTITY, consent_id)
        _people_only(self.uow, principal)
        consent = await self._require(principal, survivor_id, consent_id)
        record(
            self.uow,
            principal,
            AuditAction.read,
            ENTITY,
            consent.id,
            organization_id=consent.organization_id,
        )
        superseded = consent.id in await self.consents.superseded([consent.id])
        return self._read(
            consent, superseded=superseded, now=utcnow(), names=await self._names([consent])
        )

    async def get_many(
        self, principal: Principal, consent_ids: Sequence[UUID]
    ) -> Sequence[ConsentRead]:
        """Those among ``consent_ids`` of survivors the caller may see, each as :meth:`get`
        answers and audits it; a few statements whatever their number (a device's first
        pull)."""
        authorize(self.uow, principal, policies.READ, ENTITY)
        _people_only(self.uow, principal)
        survivors = SurvivorRepository.keys_visible(survivor_scope(principal))
        consents = await self.consents.of_survivors(consent_ids, survivors)
        for consent in consents:
            record(
                self.uow,
                principal,
                AuditAction.read,
                ENTITY,
                consent.id,
                organization_id=consent.organization_id,
            )
        superseded = await self.consents.superseded(c.id for c in consents)
        names = await self._names(consents)
        now = utcnow()
        return [
            self._read(c, superseded=c.id in superseded, now=now, names=names) for c in consents
        ]

    async def withdraw(
        self, principal: Principal, survivor_id: UUID, consent_id: UUID, data: ConsentWithdraw
    ) -> ConsentRead:
        """Withdraw the consent in force (from now on). Raises NotFound, InvalidState (already
        withdrawn, or superseded by a newer revision)."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY, consent_id)
        _people_only(self.uow, principal)
        consent = await self._require(principal, survivor_id, consent_id, for_update=True)
        if consent.withdrawn_at is not None:
            raise InvalidState("This consent is already withdrawn.")
        if await self.consents.superseded([consent.id]):
            raise InvalidState("A newer consent supersedes this one: withdraw that one.")
        now = utcnow()
        consent.withdrawn_at = now
        consent.withdrawal_reason = data.reason.value
        touch(consent)
        await self.consents.save(consent)
        record(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            consent.id,
            organization_id=consent.organization_id,
        )
        return self._read(consent, superseded=False, now=now, names=await self._names([consent]))

    # -- helpers --------------------------------------------------------------------------
    async def _require(
        self,
        principal: Principal,
        survivor_id: UUID,
        consent_id: UUID,
        *,
        for_update: bool = False,
    ) -> Consent:
        survivor = await SurvivorService(self.uow).require(principal, survivor_id)
        scope = RowScope.organization(survivor.organization_id)
        if for_update:
            consent = await self.consents.get_for_update(consent_id, scope)
        else:
            consent = await self.consents.get(consent_id, scope)
        if consent is None or consent.survivor_id != survivor.id:
            raise NotFound("Consent not found.")
        return consent

    def _check_giver(self, survivor: Survivor, data: ConsentCreate, given_at: datetime) -> None:
        personal = open_personal(self.uow.cipher, survivor)
        minor = may_be_minor_on(survivor, personal, business_date(given_at))
        if minor and data.given_by is not ConsentGiver.guardian:
            raise BusinessRuleViolation(
                "She is (or may be) under 18 on that day: her guardian gives consent, with "
                "her assent.",
                field="given_by",
            )
        if minor is False and data.given_by is ConsentGiver.guardian:
            raise BusinessRuleViolation(
                "She is an adult on that day: she gives her own consent.", field="given_by"
            )

    async def _check_partner(self, own_organization_id: UUID, organization_id: UUID) -> None:
        if organization_id == own_organization_id:
            raise BusinessRuleViolation(
                "Sharing names another organisation than hers.",
                field="shared_with_organization_id",
            )
        found = await OrganizationRepository(self.uow).get(organization_id, RowScope.everything())
        if found is None:
            raise BusinessRuleViolation(
                "The organisation does not exist.", field="shared_with_organization_id"
            )

    async def _check_witness(self, organization_id: UUID, user_id: UUID) -> None:
        witness = await UserRepository(self.uow).get(
            user_id, RowScope.organization(organization_id)
        )
        if witness is None or witness.disabled_at is not None:
            raise BusinessRuleViolation(
                "The witness is not an active member of her organisation.",
                field="witness_user_id",
            )

    async def _names(self, consents: Sequence[Consent]) -> StaffNames:
        """Who recorded and witnessed each consent, and the organisation it shares with, by
        name (one lookup for a page)."""
        return await staff_names(
            self.uow,
            [c.created_by for c in consents] + [c.witness_user_id for c in consents],
            [c.shared_with_organization_id for c in consents],
        )

    def _read(
        self, consent: Consent, *, superseded: bool, now: datetime, names: StaffNames
    ) -> ConsentRead:
        guardian = None
        if consent.guardian_enc is not None:
            guardian = Guardian.model_validate(
                self.uow.cipher.open_json(consent.guardian_enc, Place(ENTITY, GUARDIAN, consent.id))
            )
        reason = consent.withdrawal_reason
        return ConsentRead(
            id=consent.id,
            survivor_id=consent.survivor_id,
            organization_id=consent.organization_id,
            purpose=consent.purpose,
            shared_with_organization_id=consent.shared_with_organization_id,
            shared_with_organization_name=names.organization(consent.shared_with_organization_id),
            fields=[ShareableField(field) for field in consent.fields or ()],
            given_by=consent.given_by,
            guardian=guardian,
            method=consent.method,
            language=consent.language,
            witness_user_id=consent.witness_user_id,
            witness_name=names.name(consent.witness_user_id),
            given_at=consent.given_at,
            expires_at=consent.expires_at,
            withdrawn_at=consent.withdrawn_at,
            withdrawal_reason=ConsentWithdrawalReason(reason) if reason else None,
            revision=consent.revision,
            supersedes_id=consent.supersedes_id,
            status=_status(consent, superseded, now),
            created_by=consent.created_by,
            recorded_by_name=names.name(consent.created_by),
            created_at=consent.created_at,
            version=consent.version,
        )


# -- override ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ConsentOverride:
    """An override just recorded: the caller keeps ``reason`` with its own record (sealed:
    it is words about her), and acts."""

    survivor_id: UUID
    purpose: ConsentPurpose
    organization_id: UUID
    reason: str
    actor_id: UUID
    at: datetime


async def override_consent(
    uow: UnitOfWork,
    principal: Principal,
    survivor_id: UUID,
    purpose: ConsentPurpose,
    reason: str,
) -> ConsentOverride:
    """Let the caller act on a survivor without her consent for ``purpose``.

    Needs the policy ``consents:override`` (program managers), a survivor in the caller's
    scope and a reason in words. Raises PermissionDenied (audited as a denial, durably),
    BusinessRuleViolation (field ``reason``), NotFound.

    Audit: one ``consent_override`` event (entity ``consent``, id = the survivor's, since no
    consent record exists to name). It is written in the caller's transaction with outcome
    ``success`` (the override took effect only if the work it allowed was committed); if the
    transaction rolls back, an event with outcome ``failure`` is written instead, in a
    transaction of its own, so that an attempt to act without consent is never lost. The
    reason is not in the event (events carry no data): keep it, sealed, with the record the
    override allowed (e.g. the referral).
    """
    authorize(uow, principal, policies.OVERRIDE, ENTITY, survivor_id)
    _people_only(uow, principal)
    reason = (reason or "").strip()
    if not reason:
        raise BusinessRuleViolation("An override needs a reason.", field="reason")
    if len(reason) > MAX_OVERRIDE_REASON:
        raise BusinessRuleViolation("The reason is too long.", field="reason")
    survivor = await SurvivorService(uow).require(principal, survivor_id)
    record(
        uow,
        principal,
        AuditAction.consent_override,
        ENTITY,
        survivor.id,
        organization_id=survivor.organization_id,
    )
    attempt = event(
        principal,
        AuditAction.consent_override,
        ENTITY,
        survivor.id,
        organization_id=survivor.organization_id,
        outcome=AuditOutcome.failure,
    )

    async def keep_the_attempt() -> None:
        await AuditEventRepository(uow).append([attempt], uow.audit_chain)

    uow.on_rollback(keep_the_attempt)
    return ConsentOverride(
        survivor_id=survivor.id,
        purpose=purpose,
        organization_id=survivor.organization_id,
        reason=reason,
        actor_id=principal.id,
        at=utcnow(),
    )
