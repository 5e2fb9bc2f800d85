"""Partner onboarding: the lead organisation takes a partner organisation (in a state) through
explored -> scoping -> agreement signed -> implementing, pausing it when needed, and keeps the
history of every move. The lead sees the partner's figures (indicators of the catalogue, by the
evidence engine, small figures suppressed), never its records: a partner is its own
organisation, and its cases stay in its scope."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from domain.audit.trail import authorize
from domain.common.errors import (
    BusinessRuleViolation,
    Conflict,
    InvalidState,
)
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED_DESC, Keyset, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import check_version, require
from domain.common.staff import staff_names
from domain.evidence.citation import chosen, cite
from domain.evidence.service import EvidenceService, EvidenceSettings
from domain.expansion import policies
from domain.expansion.common import audit, own_scope
from domain.expansion.schemas import (
    OnboardingCreate,
    OnboardingPage,
    OnboardingRead,
    OnboardingUpdate,
    PartnerAggregates,
    StageChangePage,
    StageChangeRead,
    StageMove,
)
from persistence.clock import today
from persistence.models.base import touch
from persistence.models.enums import AuditAction
from persistence.models.leadership_vocabulary import OnboardingStage
from persistence.models.partner_onboarding import PartnerOnboarding
from persistence.models.partner_onboarding_stage_change import PartnerOnboardingStageChange
from persistence.repositories.expansion import (
    ExpansionLookups,
    OnboardingRepository,
    StageChangeRepository,
)
from persistence.uow import UnitOfWork

ENTITY = policies.ONBOARDING
S = OnboardingStage

# One step forward at a time; any working stage may pause. A paused onboarding resumes at the
# stage it was paused at (see ``next_stages``): an agreement once signed is not "un-signed".
FORWARD: dict[OnboardingStage, frozenset[OnboardingStage]] = {
    S.explored: frozenset({S.scoping, S.paused}),
    S.scoping: frozenset({S.agreement_signed, S.paused}),
    S.agreement_signed: frozenset({S.implementing, S.paused}),
    S.implementing: frozenset({S.paused}),
    S.paused: frozenset(),
}
_SIGNED = frozenset({S.agreement_signed, S.implementing})


STAGE_CHANGES_AT: Keyset[PartnerOnboardingStageChange] = Keyset(
    "at", 2, lambda change: (change.at, change.id)
)


def next_stages(stage: OnboardingStage, paused_from: OnboardingStage | None) -> list[S]:
    """Where an onboarding at ``stage`` may move (a paused one: back where it was)."""
    if stage is S.paused:
        return [paused_from] if paused_from is not None else [S.explored]
    return sorted(FORWARD[stage], key=list(S).index)


def move_problem(
    stage: OnboardingStage, to: OnboardingStage, paused_from: OnboardingStage | None
) -> str | None:
    """Why an onboarding cannot move from ``stage`` to ``to`` (None when it can)."""
    allowed = next_stages(stage, paused_from)
    if to in allowed:
        return None
    if to is stage:
        return f"The onboarding is already {stage.value}."
    return f"From {stage.value} the onboarding moves on to {', '.join(s.value for s in allowed)}."


class OnboardingService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.onboardings = OnboardingRepository(uow)
        self.changes = StageChangeRepository(uow)
        self.lookups = ExpansionLookups(uow)

    async def require(
        self, principal: Principal, onboarding_id: UUID, *, for_update: bool = False
    ) -> PartnerOnboarding:
        """The onboarding, kept by the caller's organisation. Raises NotFound."""
        scope = own_scope(principal)
        return await require(
            self.onboardings.get(onboarding_id, scope, for_update=for_update),
            "Partner onboarding",
        )

    async def create(self, principal: Principal, data: OnboardingCreate) -> OnboardingRead:
        """Start onboarding a partner organisation. Raises BusinessRuleViolation (partner,
        state, dates), Conflict (already onboarding, id taken)."""
        authorize(self.uow, principal, policies.ONBOARDING_MANAGE, ENTITY)
        lead = principal.organization_id
        if lead is None:
            raise BusinessRuleViolation("Onboarding is kept by an organisation.")
        partner = data.partner_organization_id
        if partner == lead or not await self.lookups.organization_exists(partner):
            raise BusinessRuleViolation(
                "Name another organisation on the platform as the partner.",
                field="partner_organization_id",
            )
        if not await self.lookups.state_exists(data.state_id):
            raise BusinessRuleViolation("The state does not exist.", field="state_id")
        since = data.stage_since or today()
        if since > today():
            raise BusinessRuleViolation(
                "stage_since may not lie in the future.", field="stage_since"
            )
        signed_on = data.agreement_signed_on
        if data.stage in _SIGNED:
            signed_on = signed_on or since
            if signed_on > since:
                raise BusinessRuleViolation(
                    "The agreement is signed on or before stage_since.",
                    field="agreement_signed_on",
                )
        await reject_taken_id(self.uow, principal, self.onboardings, data.id, "partner_onboarding")
        if await self.onboardings.of_partner(own_scope(principal), partner) is not None:
            raise Conflict("This partner is already being onboarded; move its stage instead.")
        onboarding = PartnerOnboarding(
            organization_id=lead,
            partner_organization_id=partner,
            state_id=data.state_id,
            stage=data.stage,
            stage_since=since,
            agreement_signed_on=signed_on,
            notes=data.notes,
            created_by=principal.id,
        )
        if data.id is not None:
            onboarding.id = data.id
        await self.onboardings.add(onboarding)
        await self._log(principal, onboarding, None, data.stage, since, "Onboarding started.")
        audit(self.uow, principal, AuditAction.create, ENTITY, onboarding.id, lead)
        return self._read(onboarding, None)

    async def get(self, principal: Principal, onboarding_id: UUID) -> OnboardingRead:
        """One onboarding of the caller's organisation. Raises NotFound."""
        authorize(self.uow, principal, policies.ONBOARDING_READ, ENTITY, onboarding_id)
        onboarding = await self.require(principal, onboarding_id)
        return self._read(onboarding, await self.changes.paused_from(onboarding))

    async def list_onboardings(
        self,
        principal: Principal,
        page: PageRequest,
        stage: OnboardingStage | None = None,
        state_id: UUID | None = None,
    ) -> OnboardingPage:
        """The organisation's onboardings, newest first; filters: stage, state. Raises
        BadRequest (cursor)."""
        authorize(self.uow, principal, policies.ONBOARDING_READ, ENTITY)
        scope = own_scope(principal)

        async def shown(rows: Sequence[PartnerOnboarding]) -> list[OnboardingRead]:
            return [self._read(row, await self.changes.paused_from(row)) for row in rows]

        return await paginate(
            page,
            CREATED_DESC,
            fetch=lambda after, limit: self.onboardings.page_in(
                scope, stage, state_id, after, limit
            ),
            to_read=shown,
            count=lambda: self.onboardings.count_in(scope, stage, state_id),
            page_type=OnboardingPage,
        )

    async def update(
        self, principal: Principal, onboarding_id: UUID, data: OnboardingUpdate, version: int
    ) -> OnboardingRead:
        """Change notes or the agreement date. Raises NotFound, PreconditionFailed,
        BusinessRuleViolation."""
        authorize(self.uow, principal, policies.ONBOARDING_MANAGE, ENTITY, onboarding_id)
        onboarding = await self.require(principal, onboarding_id, for_update=True)
        check_version(onboarding, version, "onboarding")
        changes = data.changes()
        if "agreement_signed_on" in changes:
            if onboarding.agreement_signed_on is None:
                raise BusinessRuleViolation(
                    "No agreement is signed yet: move the stage to agreement_signed.",
                    field="agreement_signed_on",
                )
            if changes["agreement_signed_on"] > today():
                raise BusinessRuleViolation(
                    "agreement_signed_on may not lie in the future.", field="agreement_signed_on"
                )
        for name, value in changes.items():
            setattr(onboarding, name, value)
        if changes:
            touch(onboarding)
            await self.onboardings.save(onboarding)
            audit(
                self.uow,
                principal,
                AuditAction.update,
                ENTITY,
                onboarding.id,
                onboarding.organization_id,
            )
        return self._read(onboarding, await self.changes.paused_from(onboarding))

    async def move(
        self,
        principal: Principal,
        onboarding_id: UUID,
        data: StageMove,
        expected_version: int | None = None,
    ) -> OnboardingRead:
        """Move the onboarding to its next stage, keeping the history. Raises NotFound,
        PreconditionFailed, InvalidState (not allowed from here), BusinessRuleViolation
        (dates)."""
        authorize(self.uow, principal, policies.ONBOARDING_MANAGE, ENTITY, onboarding_id)
        onboarding = await self.require(principal, onboarding_id, for_update=True)
        check_version(onboarding, expected_version, "onboarding")
        current = S(onboarding.stage)
        paused_from = await self.changes.paused_from(onboarding)
        problem = move_problem(current, data.to_stage, paused_from)
        if problem is not None:
            raise InvalidState(problem)
        changed_on = data.changed_on or today()
        if changed_on > today() or changed_on < onboarding.stage_since:
            raise BusinessRuleViolation(
                "changed_on may lie neither in the future nor before the current stage began.",
                field="changed_on",
            )
        if data.to_stage is S.agreement_signed:
            signed_on = data.agreement_signed_on or changed_on
            if signed_on > changed_on:
                raise BusinessRuleViolation(
                    "The agreement is signed on or before changed_on.",
                    field="agreement_signed_on",
                )
            onboarding.agreement_signed_on = signed_on
        onboarding.stage = data.to_stage
        onboarding.stage_since = changed_on
        touch(onboarding)
        await self.onboardings.save(onboarding)
        await self._log(principal, onboarding, current, data.to_stage, changed_on, data.note)
        audit(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            onboarding.id,
            onboarding.organization_id,
        )
        after_pause = current if data.to_stage is S.paused else paused_from
        return self._read(onboarding, after_pause)

    async def history(
        self, principal: Principal, onboarding_id: UUID, page: PageRequest
    ) -> StageChangePage:
        """Every move of the onboarding, oldest first. Raises NotFound, BadRequest."""
        authorize(self.uow, principal, policies.ONBOARDING_READ, ENTITY, onboarding_id)
        onboarding = await self.require(principal, onboarding_id)
        return await paginate(
            page,
            STAGE_CHANGES_AT,
            fetch=lambda after, limit: self.changes.page_of(onboarding, after, limit),
            to_read=self._change_reads,
            count=lambda: self.changes.count_of(onboarding),
            page_type=StageChangePage,
        )

    async def _change_reads(
        self, changes: Sequence[PartnerOnboardingStageChange]
    ) -> list[StageChangeRead]:
        """The page's moves, each naming who made it (one lookup for the page)."""
        names = await staff_names(self.uow, (change.by for change in changes))
        return [
            StageChangeRead.model_validate(change).model_copy(
                update={
                    "by_name": names.name(change.by),
                    "by_organization_name": names.organization(names.organization_of(change.by)),
                }
            )
            for change in changes
        ]

    async def aggregates(
        self,
        principal: Principal,
        onboarding_id: UUID,
        starts_on: date | None = None,
        ends_on: date | None = None,
        outcome: int | None = None,
        *,
        evidence: EvidenceSettings,
    ) -> PartnerAggregates:
        """The partner's figures over a range (the financial year to date by default): every
        indicator of the catalogue (of ``outcome``), small figures suppressed with
        ``evidence``'s threshold; never a record. Raises NotFound, BusinessRuleViolation (range)."""
        authorize(self.uow, principal, policies.ONBOARDING_READ, ENTITY, onboarding_id)
        onboarding = await self.require(principal, onboarding_id)
        service = EvidenceService(self.uow, evidence)
        citation = await cite(
            service,
            principal,
            await chosen(service, None, field="outcome", outcome=outcome),
            onboarding.partner_organization_id,
            starts_on,
            ends_on,
            kind="partner",
            subject="partner_onboarding",
        )
        return PartnerAggregates(
            onboarding_id=onboarding.id,
            partner_organization_id=onboarding.partner_organization_id,
            starts_on=citation.starts_on,
            ends_on=citation.ends_on,
            as_of=citation.computed_at,
            suppression_threshold=citation.k,
            indicators=citation.figures,
        )

    async def _log(
        self,
        principal: Principal,
        onboarding: PartnerOnboarding,
        from_stage: OnboardingStage | None,
        to_stage: OnboardingStage,
        changed_on: date,
        note: str | None,
    ) -> None:
        await self.changes.add(
            PartnerOnboardingStageChange(
                onboarding_id=onboarding.id,
                organization_id=onboarding.organization_id,
                from_stage=from_stage,
                to_stage=to_stage,
                changed_on=changed_on,
                by=principal.id,
                note=note,
            )
        )

    @staticmethod
    def _read(onboarding: PartnerOnboarding, paused_from: OnboardingStage | None) -> OnboardingRead:
        return OnboardingRead(
            id=onboarding.id,
            organization_id=onboarding.organization_id,
            partner_organization_id=onboarding.partner_organization_id,
            state_id=onboarding.state_id,
            stage=onboarding.stage,
            stage_since=onboarding.stage_since,
            agreement_signed_on=onboarding.agreement_signed_on,
            notes=onboarding.notes,
            next_stages=next_stages(S(onboarding.stage), paused_from),
            created_by=onboarding.created_by,
            created_at=onboarding.created_at,
            updated_at=onboarding.updated_at,
            version=onboarding.version,
        )
