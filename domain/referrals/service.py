"""Referrals: a survivor referred, for one service need, from the organisation holding her
case to another organisation, carrying only what her consent lets travel.

At the moment of referral her sharing consent with the receiving organisation is checked: a
referral needs one in force, and each field to share must be among those it allows. A program
manager may override (``consents:override``) with a reason: the override is audited and the
reason kept sealed in the case's history. The chosen fields are copied from her record into a
snapshot sealed for the referral (``shared_enc``); the receiver reads the snapshot, never her
record.

The referral's ``reason`` stays with the referring organisation: the receiver never sees it,
whatever her consent. What the receiver is told in words is ``note_to_partner``, written by
the worker for it, knowing that it is shared.

Withdrawal after sending: the receiver sees, at every read, only those snapshot fields her
sharing consent with it allows *now*. Withdrawn or expired consent (or a narrower new version)
hides the rest (listed in ``shared_withheld``); the snapshot itself is kept, unchanged, so
that a renewed consent restores it and the referring side keeps its record of what was sent.
A referral sent under an override shows its snapshot as sent (no consent governed it).

Status: sent -> accepted | declined; accepted -> in_progress | not_delivered (she never came);
in_progress -> completed | not_delivered. The receiving side makes those moves; the referring
side may revoke it until it ends (completed, declined, not delivered, revoked are final).
Every move is kept in ``referral_status_change`` and on the case's progress map.

Integration clients receive no personal field of a referral (domain/common/schemas.py), with
one exception: a client holding ``referrals:inbox`` (granted by a program manager of its
organisation) receives the consented fields (``shared``) of referrals addressed to its own
organisation, released here. Outgoing referrals, reasons, outcomes and notes stay withheld.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, record, record_denied
from domain.cases.access import record_case_event, require_case
from domain.common.errors import (
    BusinessRuleViolation,
    InvalidState,
    PermissionDenied,
)
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED_DESC, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import check_version, require
from domain.common.staff import StaffNames, staff_names
from domain.consents import policies as consent_policies
from domain.consents.checks import active_consent, fields_allowed, fields_allowed_many
from domain.referrals import policies
from domain.referrals.schemas import (
    Direction,
    ReferralCreate,
    ReferralPage,
    ReferralRead,
    ReferralStep,
    ReferralTransition,
)
from domain.survivors.service import age_on, open_personal
from persistence.clock import business_date, day_starts_at, today
from persistence.crypto import Place
from persistence.models.base import touch, utcnow
from persistence.models.case_vocabulary import (
    CaseEventKind,
    CaseStatus,
    ConsentPurpose,
    ReferralStatus,
    ShareableField,
)
from persistence.models.enums import AuditAction
from persistence.models.referral import Referral
from persistence.models.referral_status_change import ReferralStatusChange
from persistence.models.survivor import Survivor
from persistence.models.survivor_case import SurvivorCase
from persistence.repositories.referrals import DirectoryRepository, ReferralRepository, visible
from persistence.uow import UnitOfWork

ENTITY = policies.REFERRAL
S = ReferralStatus

# The receiving side's moves.
RECEIVER_MOVES: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    S.sent: frozenset({S.accepted, S.declined}),
    S.accepted: frozenset({S.in_progress, S.not_delivered}),
    S.in_progress: frozenset({S.completed, S.not_delivered}),
}
FINAL = frozenset({S.declined, S.completed, S.not_delivered, S.revoked})
# Moves that must say why (or, for not_delivered, what happened).
NEEDS_NOTE = frozenset({S.declined, S.not_delivered, S.revoked})


class Side:
    referring = "referring"
    receiving = "receiving"


def move_problem(current: ReferralStatus, to: ReferralStatus, side: str) -> str | None:
    """Why ``side`` cannot move a referral from ``current`` to ``to`` (None when it can)."""
    if current in FINAL:
        return f"The referral is {current.value}: it is kept as it ended."
    if to is S.revoked:
        return None if side == Side.referring else "Only the referring side revokes."
    if side != Side.receiving:
        return "Only the receiving organisation accepts, declines, starts or closes a referral."
    if to not in RECEIVER_MOVES.get(current, frozenset()):
        allowed = ", ".join(sorted(s.value for s in RECEIVER_MOVES[current] | {S.revoked}))
        return f"A referral {current.value} moves on to {allowed} only."
    return None


def _place(referral_id: UUID, column: str) -> Place:
    return Place("referral", column, referral_id)


def _step_place(step_id: UUID) -> Place:
    return Place("referral_status_change", "note_enc", step_id)


def snapshot(
    survivor: Survivor, case: SurvivorCase, personal: Any, fields: Sequence[ShareableField]
) -> dict[str, Any]:
    """The values of ``fields`` from her record and her case, as the receiver will read them."""
    values: dict[str, Any] = {}
    for field in fields:
        if field is ShareableField.name:
            values[field] = {"given_name": personal.given_name, "family_name": personal.family_name}
        elif field is ShareableField.age:
            values[field] = {
                "age": age_on(survivor, personal, today()),
                "is_estimate": survivor.age_is_estimate,
            }
        elif field is ShareableField.sex:
            values[field] = str(survivor.sex)
        elif field is ShareableField.languages:
            values[field] = list(survivor.languages or ())
        elif field is ShareableField.phone:
            values[field] = personal.phone
        elif field in (ShareableField.current_address, ShareableField.home_address):
            address = getattr(personal, field.value)
            values[field] = address.model_dump(mode="json") if address else None
        elif field is ShareableField.identity_documents:
            values[field] = [d.model_dump(mode="json") for d in personal.identity_documents]
        elif field is ShareableField.trafficking_context:
            values[field] = {
                "trafficking_status": str(case.trafficking_status),
                "exploitation_types": list(case.exploitation_types or ()),
                "recruitment_method": _text(case.recruitment_method),
                "destination_state": case.destination_state,
                "destination_country": case.destination_country,
                "recruited_on": _iso(case.recruited_on),
                "identified_on": _iso(case.identified_on),
                "returned_on": _iso(case.returned_on),
            }
        elif field is ShareableField.safe_contact_preferences:
            preferences = personal.safe_contact
            values[field] = preferences.model_dump(mode="json") if preferences else None
    return {str(key): value for key, value in values.items()}


class ReferralService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.referrals = ReferralRepository(uow)
        self.directory = DirectoryRepository(uow)

    # -- create -----------------------------------------------------------------------------
    async def create(
        self, principal: Principal, case_id: UUID, data: ReferralCreate
    ) -> ReferralRead:
        """Refer the survivor of a case in the caller's scope. Raises NotFound (case),
        InvalidState (closed case; no sharing consent in force with the receiver),
        BusinessRuleViolation (receiver, offering, fields beyond her consent, needless
        override), PermissionDenied (override without ``consents:override``), Conflict."""
        authorize(self.uow, principal, policies.CREATE, ENTITY)
        case = await require_case(self.uow, principal, case_id)
        if CaseStatus(case.status) is CaseStatus.closed:
            raise InvalidState("The case is closed: reopen it to refer her.")
        receiver = await self.directory.organization(data.receiving_organization_id)
        if receiver is None or receiver.deleted_at is not None:
            raise BusinessRuleViolation(
                "The receiving organisation does not exist.", field="receiving_organization_id"
            )
        if receiver.id == case.organization_id:
            raise BusinessRuleViolation(
                "Refer her to another organisation.", field="receiving_organization_id"
            )
        if data.service_offering_id is not None:
            offering = await self.directory.offering(receiver.id, data.service_offering_id)
            if offering is None or offering.service_kind != data.service_kind:
                raise BusinessRuleViolation(
                    "The offering is not the receiving organisation's offering of this service.",
                    field="service_offering_id",
                )
        await reject_taken_id(self.uow, principal, self.referrals, data.id, "referral")

        # -- her consent, at this moment ------------------------------------------------------
        consent = await active_consent(
            self.uow, case.survivor_id, ConsentPurpose.sharing, organization_id=receiver.id
        )
        allowed = frozenset(ShareableField(f) for f in (consent.fields if consent else ()))
        beyond = sorted(f.value for f in set(data.shared_fields) - allowed)
        needs_override = consent is None or bool(beyond)
        override = data.consent_override_reason
        if override is not None:
            if not needs_override:
                raise BusinessRuleViolation(
                    "Her consent covers this referral: no override is needed.",
                    field="consent_override_reason",
                )
            if not consent_policies.OVERRIDE.permits(principal):
                record_denied(self.uow, principal, "consent")
                raise PermissionDenied("Overriding her consent needs consents:override.")
        elif consent is None:
            raise InvalidState(
                "She has no consent in force to share with this organisation: record her "
                "consent first."
            )
        elif beyond:
            raise BusinessRuleViolation(
                "Her consent does not allow sharing: " + ", ".join(beyond) + ".",
                field="shared_fields",
            )

        survivor = await require(
            self.referrals.survivor(case.survivor_id, case.organization_id), "Case"
        )
        fields = list(data.shared_fields)
        shared = snapshot(survivor, case, open_personal(self.uow.cipher, survivor), fields)
        now = utcnow()
        referral = Referral(
            organization_id=case.organization_id,
            district_id=case.district_id,
            case_id=case.id,
            survivor_id=case.survivor_id,
            receiving_organization_id=receiver.id,
            service_offering_id=data.service_offering_id,
            service_kind=data.service_kind,
            urgency=data.urgency,
            reason_enc=b"",
            shared_fields=[f.value for f in fields],
            shared_enc=b"",
            consent_id=consent.id if consent else None,
            consent_overridden=override is not None,
            status=S.sent,
            created_by=principal.id,
            created_at=now,
            updated_at=now,
        )
        if data.id is not None:
            referral.id = data.id
        referral.reason_enc = (
            self.uow.cipher.seal_text(data.reason, _place(referral.id, "reason_enc")) or b""
        )
        referral.shared_enc = self.uow.cipher.seal_json(shared, _place(referral.id, "shared_enc"))
        referral.note_to_partner_enc = self.uow.cipher.seal_text(
            data.note_to_partner, _place(referral.id, "note_to_partner_enc")
        )
        await self.referrals.add(referral)
        step = await self._step(principal, referral, None, S.sent, None, now)
        record(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            referral.id,
            organization_id=case.organization_id,
        )
        if override is not None:
            record(
                self.uow,
                principal,
                AuditAction.consent_override,
                ENTITY,
                referral.id,
                organization_id=case.organization_id,
            )
        await record_case_event(
            self.uow,
            case,
            CaseEventKind.referral,
            actor=principal,
            subject_id=referral.id,
            occurred_at=now,
            detail={
                **_event_detail(referral, "sent"),
                "shared_fields": list(referral.shared_fields),
                "consent_overridden": referral.consent_overridden,
            },
            note=override,
        )
        shown_allowed = None if referral.consent_overridden else allowed
        names = await self._names([referral], [step])
        return self._read(
            referral, Side.referring, shared, data.reason, [step], shown_allowed, names
        )

    # -- status -----------------------------------------------------------------------------
    async def transition(
        self,
        principal: Principal,
        referral_id: UUID,
        data: ReferralTransition,
        expected_version: int,
    ) -> ReferralRead:
        """Move the referral on (receiving side: accept, decline, start, complete, not
        delivered; referring side: revoke). Raises NotFound, PreconditionFailed,
        PermissionDenied (the other side's move), InvalidState (a move the status does not
        allow), BusinessRuleViolation (a reason is required)."""
        authorize(self.uow, principal, policies.TRANSITION, ENTITY, referral_id)
        referral, side = await self._require(principal, referral_id, for_update=True)
        check_version(referral, expected_version, "referral")
        current = S(referral.status)
        problem = move_problem(current, data.to, side)
        if problem is not None:
            if current not in FINAL and ((data.to is S.revoked) != (side == Side.referring)):
                record_denied(self.uow, principal, ENTITY, referral.id)
                raise PermissionDenied(problem)
            raise InvalidState(problem)
        if data.to in NEEDS_NOTE and data.note is None:
            raise BusinessRuleViolation(
                f"Say why the referral is {data.to.value.replace('_', ' ')}.", field="note"
            )
        now = self._moment(referral, data.on)
        referral.status = data.to
        if data.to in (S.accepted, S.declined):
            referral.responded_at = now
        if data.to is S.in_progress:
            referral.started_at = now
        if data.to in FINAL:
            referral.closed_at = now
        if data.to in (S.completed, S.not_delivered) and data.note is not None:
            referral.outcome_enc = self.uow.cipher.seal_text(
                data.note, _place(referral.id, "outcome_enc")
            )
        touch(referral)
        await self.referrals.save(referral)
        await self._step(principal, referral, current, data.to, data.note, now)
        record(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            referral.id,
            organization_id=referral.organization_id,
        )
        case = await self.referrals.case_of(referral)
        await record_case_event(
            self.uow,
            case,
            CaseEventKind.referral,
            actor=principal,
            subject_id=referral.id,
            occurred_at=now,
            detail={**_event_detail(referral, data.to.value), "from": current.value},
            note=data.note,
        )
        return await self._full(referral, side, release=_releases(principal, side))

    @staticmethod
    def _moment(referral: Referral, on: date | None) -> datetime:
        """When a step happened: now, or the start of the day given (00:00 in India), which may
        be neither in the future nor before the referral's previous step (business dates both).
        Raises BusinessRuleViolation."""
        now = utcnow()
        this_day = business_date(now)
        if on is None or on == this_day:
            return now
        if on > this_day:
            raise BusinessRuleViolation("The day cannot be in the future.", field="on")
        moment = day_starts_at(on)
        previous = max(
            stamp
            for stamp in (
                referral.created_at,
                referral.responded_at,
                referral.started_at,
                referral.closed_at,
            )
            if stamp is not None
        )
        if on < business_date(previous):
            raise BusinessRuleViolation(
                "The day cannot be before the referral's previous step.", field="on"
            )
        return max(moment, previous)

    # -- reads ------------------------------------------------------------------------------
    async def get(self, principal: Principal, referral_id: UUID) -> ReferralRead:
        """One referral as the caller's side sees it, with its history (audited). Raises
        NotFound."""
        authorize(self.uow, principal, policies.READ, ENTITY, referral_id)
        referral, side = await self._require(principal, referral_id)
        record(
            self.uow,
            principal,
            AuditAction.read,
            ENTITY,
            referral.id,
            organization_id=referral.organization_id,
        )
        return await self._full(referral, side, release=_releases(principal, side))

    async def get_many(
        self, principal: Principal, referral_ids: Sequence[UUID]
    ) -> list[ReferralRead]:
        """Those among ``referral_ids`` the caller may read, each as :meth:`get` answers it
        (with its history) and audited as it audits it; in a few statements whatever their
        number (a device's first pull)."""
        authorize(self.uow, principal, policies.READ, ENTITY)
        where = visible(
            policies.outgoing_scope(principal), policies.receiving_organization(principal)
        )
        referrals = await self.referrals.visible_by_ids(referral_ids, where)
        if not referrals:
            return []
        allowed = await fields_allowed_many(
            self.uow,
            (
                (r.survivor_id, r.receiving_organization_id)
                for r in referrals
                if not r.consent_overridden
            ),
        )
        histories = await self.referrals.histories([r.id for r in referrals])
        names = await self._names(referrals, [s for steps in histories.values() for s in steps])
        reads = []
        for referral in referrals:
            record(
                self.uow,
                principal,
                AuditAction.read,
                ENTITY,
                referral.id,
                organization_id=referral.organization_id,
            )
            side = self._side(principal, referral)
            reads.append(
                await self._full(
                    referral,
                    side,
                    steps=histories.get(referral.id, []),
                    allowed=allowed.get((referral.survivor_id, referral.receiving_organization_id)),
                    release=_releases(principal, side),
                    names=names,
                )
            )
        return reads

    async def list(
        self,
        principal: Principal,
        page: PageRequest,
        direction: Direction | None = None,
        status: ReferralStatus | None = None,
    ) -> ReferralPage:
        """Referrals addressed to the caller's organisation (incoming), made from cases in
        her scope (outgoing), or both; newest first. The search and each referral shown are
        audited. Raises BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ, ENTITY)
        scope = policies.outgoing_scope(principal) if direction is not Direction.incoming else None
        inbox = (
            policies.receiving_organization(principal)
            if direction is not Direction.outgoing
            else None
        )
        return await self._page(principal, page, visible(scope, inbox), status, None)

    async def list_for_case(
        self,
        principal: Principal,
        case_id: UUID,
        page: PageRequest,
        status: ReferralStatus | None = None,
    ) -> ReferralPage:
        """The referrals made from one case in the caller's scope, newest first (audited).
        Raises NotFound, BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ, ENTITY)
        case = await require_case(self.uow, principal, case_id)
        where = visible(policies.outgoing_scope(principal), None)
        return await self._page(principal, page, where, status, case.id)

    # -- helpers ----------------------------------------------------------------------------
    async def _page(
        self,
        principal: Principal,
        page: PageRequest,
        where: Any,
        status: ReferralStatus | None,
        case_id: UUID | None,
    ) -> ReferralPage:
        record(self.uow, principal, AuditAction.search, ENTITY)

        async def shown(referrals: Sequence[Referral]) -> list[ReferralRead]:
            # Her consent as it stands now, for the whole page in one query.
            allowed = await fields_allowed_many(
                self.uow,
                (
                    (r.survivor_id, r.receiving_organization_id)
                    for r in referrals
                    if not r.consent_overridden
                ),
            )
            names = await self._names(referrals, ())
            reads = []
            for referral in referrals:
                record(
                    self.uow,
                    principal,
                    AuditAction.read,
                    ENTITY,
                    referral.id,
                    organization_id=referral.organization_id,
                )
                pair = (referral.survivor_id, referral.receiving_organization_id)
                side = self._side(principal, referral)
                reads.append(
                    await self._full(
                        referral,
                        side,
                        history=False,
                        allowed=allowed.get(pair),
                        release=_releases(principal, side),
                        names=names,
                    )
                )
            return reads

        return await paginate(
            page,
            CREATED_DESC,
            fetch=lambda after, limit: self.referrals.page_where(
                where, status, case_id, after, limit
            ),
            to_read=shown,
            count=lambda: self.referrals.count_where(where, status, case_id),
            page_type=ReferralPage,
        )

    async def _require(
        self, principal: Principal, referral_id: UUID, *, for_update: bool = False
    ) -> tuple[Referral, str]:
        where = visible(
            policies.outgoing_scope(principal), policies.receiving_organization(principal)
        )
        referral = await require(
            self.referrals.get_where(referral_id, where, for_update=for_update), "Referral"
        )
        return referral, self._side(principal, referral)

    async def _names(
        self, referrals: Sequence[Referral], steps: Sequence[ReferralStatusChange]
    ) -> StaffNames:
        """The names of the referrals' organisations and referring workers, and of who took
        each step: one lookup for a page."""
        return await staff_names(
            self.uow,
            [r.created_by for r in referrals] + [s.actor_id for s in steps],
            [o for r in referrals for o in (r.organization_id, r.receiving_organization_id)]
            + [s.actor_organization_id for s in steps],
        )

    @staticmethod
    def _side(principal: Principal, referral: Referral) -> str:
        inbox = policies.receiving_organization(principal)
        if inbox is not None and inbox == referral.receiving_organization_id:
            return Side.receiving
        return Side.referring

    async def _step(
        self,
        principal: Principal,
        referral: Referral,
        current: ReferralStatus | None,
        to: ReferralStatus,
        note: str | None,
        at: datetime,
    ) -> ReferralStatusChange:
        step = ReferralStatusChange(
            referral_id=referral.id,
            organization_id=referral.organization_id,
            from_status=current,
            to_status=to,
            occurred_at=at,
            actor_id=principal.id,
            actor_organization_id=principal.organization_id,
        )
        if note is not None:
            step.note_enc = self.uow.cipher.seal_text(note, _step_place(step.id))
        await self.referrals.add_step(step)
        return step

    async def _full(
        self,
        referral: Referral,
        side: str,
        history: bool = True,
        allowed: frozenset[ShareableField] | None = None,
        release: bool = False,
        names: StaffNames | None = None,
        steps: Sequence[ReferralStatusChange] | None = None,
    ) -> ReferralRead:
        """The referral opened for ``side``: its snapshot filtered by her consent now
        (``allowed``, when the caller has already looked it up); ``release``: its consented
        fields go to the integration client asking (see :func:`_releases`); ``names`` and
        ``steps`` (its history): those of the page, when the caller has already looked them
        up."""
        shared = self.uow.cipher.open_json(referral.shared_enc, _place(referral.id, "shared_enc"))
        reason = self.uow.cipher.open_text(referral.reason_enc, _place(referral.id, "reason_enc"))
        if referral.consent_overridden:
            allowed = None
        elif allowed is None:
            allowed = await fields_allowed(
                self.uow, referral.survivor_id, referral.receiving_organization_id
            )
        if not history:
            steps = None
        elif steps is None:
            steps = await self.referrals.history(referral.id)
        if names is None:
            names = await self._names([referral], steps or ())
        read = self._read(referral, side, shared, reason or "", steps, allowed, names)
        if release:
            read.release()
        return read

    def _read(
        self,
        referral: Referral,
        side: str,
        shared: dict[str, Any],
        reason: str,
        steps: Sequence[ReferralStatusChange] | None,
        allowed: frozenset[ShareableField] | None,
        names: StaffNames,
    ) -> ReferralRead:
        sent = [ShareableField(f) for f in referral.shared_fields or ()]
        still = [f for f in sent if allowed is None or f in allowed]
        withheld = [f for f in sent if f not in still]
        receiving = side == Side.receiving
        if receiving:
            shared = {f.value: shared.get(f.value) for f in still}
        outcome = self.uow.cipher.open_text(
            referral.outcome_enc, _place(referral.id, "outcome_enc")
        )
        note = self.uow.cipher.open_text(
            referral.note_to_partner_enc, _place(referral.id, "note_to_partner_enc")
        )
        return ReferralRead(
            id=referral.id,
            direction=Direction.incoming if receiving else Direction.outgoing,
            organization_id=referral.organization_id,
            organization_name=names.organization(referral.organization_id),
            referred_by_name=names.name(referral.created_by),
            referred_by_contact=names.work_contact(referral.created_by),
            receiving_organization_id=referral.receiving_organization_id,
            receiving_organization_name=names.organization(referral.receiving_organization_id),
            case_id=None if receiving else referral.case_id,
            district_id=referral.district_id,
            service_kind=referral.service_kind,
            service_offering_id=referral.service_offering_id,
            urgency=referral.urgency,
            reason=None if receiving else reason,  # the referring organisation's own record
            note_to_partner=note,
            status=referral.status,
            shared_fields=sent,
            shared=shared,
            shared_withheld=withheld,
            consent_id=None if receiving else referral.consent_id,
            consent_overridden=referral.consent_overridden,
            outcome=outcome,
            sent_at=referral.created_at,
            responded_at=referral.responded_at,
            started_at=referral.started_at,
            closed_at=referral.closed_at,
            history=None if steps is None else [self._step_read(s, names) for s in steps],
            created_by=referral.created_by,
            updated_at=referral.updated_at,
            version=referral.version,
        )

    def _step_read(self, step: ReferralStatusChange, names: StaffNames) -> ReferralStep:
        return ReferralStep(
            from_status=step.from_status,
            to_status=step.to_status,
            occurred_at=step.occurred_at,
            actor_id=step.actor_id,
            actor_name=names.name(step.actor_id),
            actor_organization_id=step.actor_organization_id,
            actor_organization_name=names.organization(step.actor_organization_id),
            note=self.uow.cipher.open_text(step.note_enc, _step_place(step.id)),
        )


def _releases(principal: Principal, side: str) -> bool:
    """Whether the consented fields of a referral go to this caller although it is an
    integration client: only to the receiving side (a referral addressed to its own
    organisation), and only with ``referrals:inbox``. People are never withheld anything."""
    return side == Side.receiving and policies.INBOX.permits(principal)


def _event_detail(referral: Referral, change: str) -> dict[str, Any]:
    """What the case's progress map keeps of a referral: codes and ids, never words."""
    return {
        "change": change,
        "referral_id": str(referral.id),
        "status": S(referral.status).value,
        "service_kind": str(referral.service_kind),
        "urgency": str(referral.urgency),
        "receiving_organization_id": str(referral.receiving_organization_id),
    }


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat()
