"""Policy engagement: advocacy actions at district, state and national level. The evidence an
action cites is indicators of the catalogue, totalled for the organisation over a range by the
evidence engine (small figures suppressed: the evidence leaves the organisation) when it is
saved, and frozen there: later changes to the records never rewrite what was put before a
department. Evidence saved before the catalogue existed is kept and read as it was."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize
from domain.common.errors import BusinessRuleViolation
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED_DESC, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import check_version, require
from domain.evidence.citation import chosen, cite
from domain.evidence.service import EvidenceService, EvidenceSettings
from domain.expansion import policies
from domain.expansion.common import audit, own_scope
from domain.expansion.schemas import (
    AdvocacyCreate,
    AdvocacyPage,
    AdvocacyRead,
    AdvocacyUpdate,
    EvidenceSnapshot,
)
from persistence.clock import today
from persistence.models.advocacy_action import AdvocacyAction
from persistence.models.base import touch
from persistence.models.enums import AuditAction
from persistence.models.leadership_vocabulary import AdvocacyKind, AdvocacyLevel
from persistence.repositories.expansion import AdvocacyRepository, ExpansionLookups
from persistence.uow import UnitOfWork

ENTITY = policies.ADVOCACY


class AdvocacyService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.actions = AdvocacyRepository(uow)
        self.lookups = ExpansionLookups(uow)

    async def create(
        self, principal: Principal, data: AdvocacyCreate, *, evidence: EvidenceSettings
    ) -> AdvocacyRead:
        """Record an advocacy action with a frozen evidence snapshot (the cited indicators,
        the headline ones by default, small figures suppressed as ``evidence`` says).
        Raises BusinessRuleViolation (state, dates, an unknown indicator), Conflict (id
        taken)."""
        authorize(self.uow, principal, policies.ADVOCACY_MANAGE, ENTITY)
        organization_id = principal.organization_id
        if organization_id is None:
            raise BusinessRuleViolation("Advocacy actions are kept by an organisation.")
        if data.state_id is not None and not await self.lookups.state_exists(data.state_id):
            raise BusinessRuleViolation("The state does not exist.", field="state_id")
        if data.acted_on > today():
            raise BusinessRuleViolation("acted_on may not lie in the future.", field="acted_on")
        for name in ("evidence_from", "evidence_to"):
            day = getattr(data, name)
            if day is not None and day > today():
                raise BusinessRuleViolation(f"{name} may not lie in the future.", field=name)
        await reject_taken_id(self.uow, principal, self.actions, data.id, "advocacy_action")
        snapshot = await self._evidence(principal, organization_id, data, evidence)
        action = AdvocacyAction(
            organization_id=organization_id,
            level=data.level,
            body=data.body,
            kind=data.kind,
            state_id=data.state_id,
            acted_on=data.acted_on,
            ask=data.ask,
            outcome=data.outcome,
            documents=list(data.documents),
            evidence=snapshot.model_dump(mode="json"),
            created_by=principal.id,
        )
        if data.id is not None:
            action.id = data.id
        await self.actions.add(action)
        audit(self.uow, principal, AuditAction.create, ENTITY, action.id, organization_id)
        return self._read(action)

    async def _evidence(
        self,
        principal: Principal,
        organization_id: UUID,
        data: AdvocacyCreate,
        settings: EvidenceSettings,
    ) -> EvidenceSnapshot:
        evidence = EvidenceService(self.uow, settings)
        if data.cite is None:
            every = await chosen(evidence, None, field="cite")
            definitions = [d for d in every if d.headline_rank is not None]
        else:
            definitions = await chosen(evidence, data.cite, field="cite")
        citation = await cite(
            evidence,
            principal,
            definitions,
            organization_id,
            data.evidence_from,
            data.evidence_to,
            kind="advocacy",
            subject="advocacy_action",
        )
        return EvidenceSnapshot(
            as_of=citation.computed_at,
            source="catalogue",
            starts_on=citation.starts_on,
            ends_on=citation.ends_on,
            suppression_threshold=citation.k,
            indicators=citation.figures,
        )

    async def require(
        self, principal: Principal, action_id: UUID, *, for_update: bool = False
    ) -> AdvocacyAction:
        scope = own_scope(principal)
        return await require(
            self.actions.get(action_id, scope, for_update=for_update),
            "Advocacy action",
        )

    async def get(self, principal: Principal, action_id: UUID) -> AdvocacyRead:
        """One advocacy action of the caller's organisation. Raises NotFound."""
        authorize(self.uow, principal, policies.ADVOCACY_READ, ENTITY, action_id)
        return self._read(await self.require(principal, action_id))

    async def list_actions(
        self,
        principal: Principal,
        page: PageRequest,
        level: AdvocacyLevel | None = None,
        kind: AdvocacyKind | None = None,
    ) -> AdvocacyPage:
        """The organisation's advocacy actions, newest first; filters: level, kind. Raises
        BadRequest (cursor)."""
        authorize(self.uow, principal, policies.ADVOCACY_READ, ENTITY)
        scope = own_scope(principal)

        def shown(rows: Sequence[AdvocacyAction]) -> list[AdvocacyRead]:
            return [self._read(row) for row in rows]

        return await paginate(
            page,
            CREATED_DESC,
            fetch=lambda after, limit: self.actions.page_in(scope, level, kind, after, limit),
            to_read=shown,
            count=lambda: self.actions.count_in(scope, level, kind),
            page_type=AdvocacyPage,
        )

    async def update(
        self, principal: Principal, action_id: UUID, data: AdvocacyUpdate, version: int
    ) -> AdvocacyRead:
        """Record the outcome or correct the action; the evidence stays frozen. Raises
        NotFound, PreconditionFailed, BusinessRuleViolation (date)."""
        authorize(self.uow, principal, policies.ADVOCACY_MANAGE, ENTITY, action_id)
        action = await self.require(principal, action_id, for_update=True)
        check_version(action, version, "advocacy action")
        changes: dict[str, Any] = data.changes()
        acted_on = changes.get("acted_on")
        if acted_on is not None and acted_on > today():
            raise BusinessRuleViolation("acted_on may not lie in the future.", field="acted_on")
        for name, value in changes.items():
            setattr(action, name, value)
        if changes:
            touch(action)
            await self.actions.save(action)
            audit(
                self.uow, principal, AuditAction.update, ENTITY, action.id, action.organization_id
            )
        return self._read(action)

    @staticmethod
    def _read(action: AdvocacyAction) -> AdvocacyRead:
        return AdvocacyRead(
            id=action.id,
            organization_id=action.organization_id,
            level=action.level,
            body=action.body,
            kind=action.kind,
            state_id=action.state_id,
            acted_on=action.acted_on,
            ask=action.ask,
            outcome=action.outcome,
            documents=list(action.documents or ()),
            evidence=EvidenceSnapshot.model_validate(action.evidence),
            created_by=action.created_by,
            created_at=action.created_at,
            updated_at=action.updated_at,
            version=action.version,
        )
