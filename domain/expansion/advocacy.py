"""Policy engagement: advocacy actions at district, state and national level. The evidence a
action cites is computed from the organisation's aggregates when it is saved and frozen there:
later changes to the counts never rewrite what was put before a department."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize
from domain.common.errors import BusinessRuleViolation, Conflict, NotFound, PreconditionFailed
from domain.common.listing import paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.expansion import policies
from domain.expansion.common import audit, own_scope
from domain.expansion.indicators import indicator_counts, suppressed
from domain.expansion.schemas import (
    SUPPRESSION_THRESHOLD,
    AdvocacyCreate,
    AdvocacyPage,
    AdvocacyRead,
    AdvocacyUpdate,
    EvidenceSnapshot,
)
from persistence.clock import today
from persistence.models.advocacy_action import AdvocacyAction
from persistence.models.base import touch, utcnow
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

    async def create(self, principal: Principal, data: AdvocacyCreate) -> AdvocacyRead:
        """Record an advocacy action with a frozen evidence snapshot. Raises
        BusinessRuleViolation (state, date), Conflict (id taken)."""
        authorize(self.uow, principal, policies.ADVOCACY_MANAGE, ENTITY)
        organization_id = principal.organization_id
        if organization_id is None:
            raise BusinessRuleViolation("Advocacy actions are kept by an organisation.")
        if data.state_id is not None and not await self.lookups.state_exists(data.state_id):
            raise BusinessRuleViolation("The state does not exist.", field="state_id")
        if data.acted_on > today():
            raise BusinessRuleViolation("acted_on may not lie in the future.", field="acted_on")
        if data.id is not None and await self.actions.exists(data.id):
            raise Conflict("An advocacy action with this id already exists.")
        counts = await indicator_counts(self.uow, organization_id)
        evidence = EvidenceSnapshot(
            as_of=utcnow(),
            suppression_threshold=SUPPRESSION_THRESHOLD,
            indicators=suppressed(counts, data.cite),
        )
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
            evidence=evidence.model_dump(mode="json"),
            created_by=principal.id,
        )
        if data.id is not None:
            action.id = data.id
        await self.actions.add(action)
        audit(self.uow, principal, AuditAction.create, ENTITY, action.id, organization_id)
        return self._read(action)

    async def require(
        self, principal: Principal, action_id: UUID, *, for_update: bool = False
    ) -> AdvocacyAction:
        scope = own_scope(principal)
        if for_update:
            action = await self.actions.get_for_update(action_id, scope)
        else:
            action = await self.actions.get(action_id, scope)
        if action is None:
            raise NotFound("Advocacy action not found.")
        return action

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

        result: AdvocacyPage = await paginate(
            page,
            sort="created-desc",
            key_arity=2,
            fetch=lambda after, limit: self.actions.page_in(scope, level, kind, after, limit),
            key_of=lambda row: (row.created_at, row.id),
            to_read=shown,
            count=lambda: self.actions.count_in(scope, level, kind),
            page_type=AdvocacyPage,
        )
        return result

    async def update(
        self, principal: Principal, action_id: UUID, data: AdvocacyUpdate, version: int
    ) -> AdvocacyRead:
        """Record the outcome or correct the action; the evidence stays frozen. Raises
        NotFound, PreconditionFailed, BusinessRuleViolation (date)."""
        authorize(self.uow, principal, policies.ADVOCACY_MANAGE, ENTITY, action_id)
        action = await self.require(principal, action_id, for_update=True)
        if action.version != version:
            raise PreconditionFailed("The advocacy action was changed by someone else; reload it.")
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
