"""The demands and issues register: what the programme must get done or resolved outside one
case's plan (an entitlement stuck at the block office, no counsellor in a block, a school
refusing readmission, a police station not registering complaints, a leader group's request
to the panchayat, a partner's complaint about referrals).

A demand is raised about a place (district, block, gram panchayat), in a category, with a
priority whose service level (settings) gives its due date; it may be linked to cases,
referrals, SHGs, leader groups, schemes, duty-bearer engagements and advocacy actions. Staff
of its register give it an owner, move it on (open -> acknowledged -> in_progress -> disposed
with a resolution, or withdrawn; a disposed one reopened with a reason, due again one service
period later) and escalate it (block, district, state, national). An overdue demand whose
escalation is due is listed with the next level suggested; escalating it makes the next
escalation due one service period later. Every change is a step of its history
(``demand_event``); the comments are a thread of their own. Free text (description, notes,
comments) is sealed at rest and never sent to integration clients.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, record, record_denied
from domain.cases import policies as case_policies
from domain.common.errors import (
    BusinessRuleViolation,
    InvalidState,
    NotFound,
    PermissionDenied,
)
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED_ASC, CREATED_DESC, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal, Role
from domain.common.records import check_version, require
from domain.demands import policies, rules
from domain.demands.rules import ServiceLevels
from domain.demands.schemas import (
    AgeingReport,
    AgeingRow,
    CommentCreate,
    CommentPage,
    CommentRead,
    DemandCreate,
    DemandEscalation,
    DemandLinkRef,
    DemandPage,
    DemandRead,
    DemandStep,
    DemandTransition,
    DemandUpdate,
    EscalationDue,
    EscalationDuePage,
)
from domain.referrals import policies as referral_policies
from persistence.clock import today
from persistence.crypto import Place
from persistence.models.base import touch, utcnow
from persistence.models.demand import Demand
from persistence.models.demand_comment import DemandComment
from persistence.models.demand_event import DemandEvent
from persistence.models.demand_link import DemandLink
from persistence.models.demand_vocabulary import (
    DemandCategory,
    DemandEventKind,
    DemandLinkKind,
    DemandPriority,
    DemandStatus,
    EscalationLevel,
)
from persistence.models.enums import AuditAction
from persistence.repositories.demands import DemandFilter, DemandRepository
from persistence.repositories.referrals import visible as referral_visible
from persistence.uow import UnitOfWork

ENTITY = policies.DEMAND
S = DemandStatus
K = DemandLinkKind
# What each kind of raiser may link (staff: everything).
LEADER_LINKS = frozenset({K.leader_group, K.scheme, K.duty_bearer_engagement})
PARTNER_LINKS = frozenset({K.referral, K.scheme})
NOT_LINKABLE = "A linked record does not exist or is not one you may link."


def _place(demand_id: UUID) -> Place:
    return Place("demand", "description_enc", demand_id)


def _event_place(event_id: UUID) -> Place:
    return Place("demand_event", "note_enc", event_id)


def _comment_place(comment_id: UUID) -> Place:
    return Place("demand_comment", "body_enc", comment_id)


def _raisers_side(principal: Principal, demand: Demand) -> bool:
    """Whether the caller raised the demand, or her organisation did in another register
    (partner staff and program managers answer for it)."""
    if demand.created_by == principal.id:
        return True
    return (
        principal.role in policies.PARTNER_SIDE
        and demand.raised_by_organization_id == principal.organization_id
        and demand.organization_id != principal.organization_id
    )


class DemandService:
    def __init__(self, uow: UnitOfWork, levels: ServiceLevels | None = None) -> None:
        self.uow = uow
        self.levels = levels or ServiceLevels()
        self.demands = DemandRepository(uow)

    # -- raise --------------------------------------------------------------------------------
    async def create(self, principal: Principal, data: DemandCreate) -> DemandRead:
        """Raise a demand. Raises BusinessRuleViolation (place, owner, links: a survivor
        leader names one of her groups, partner staff the referrals to their organisation),
        Conflict (id taken)."""
        authorize(self.uow, principal, policies.RAISE, ENTITY)
        organization_id = await self._register_of(principal, data.links)
        await self._check_place(data.district_id, data.block_id)
        if data.owner_id is not None:
            if not policies.works_register(principal, organization_id):
                raise BusinessRuleViolation(
                    "The register's staff give a demand its owner.", field="owner_id"
                )
            await self._check_owner(organization_id, data.owner_id)
        links = await self._checked_links(principal, organization_id, data.links)
        if principal.role is Role.survivor_leader and not any(
            link.kind is K.leader_group for link in links
        ):
            raise BusinessRuleViolation(
                "Name the leader group the demand is raised for.", field="links"
            )
        await reject_taken_id(self.uow, principal, self.demands, data.id, ENTITY)
        on = today()
        due = self.levels.due(on, data.priority)
        demand = Demand(
            organization_id=organization_id,
            raised_by_organization_id=principal.organization_id or organization_id,
            title=data.title,
            category=data.category,
            priority=data.priority,
            status=S.open,
            district_id=data.district_id,
            block_id=data.block_id,
            gram_panchayat=data.gram_panchayat,
            owner_id=data.owner_id,
            raised_on=on,
            due_on=due,
            next_escalation_on=due,
            created_by=principal.id,
        )
        if data.id is not None:
            demand.id = data.id
        demand.description_enc = self.uow.cipher.seal_text(data.description, _place(demand.id))
        await self.demands.add(demand)
        rows = [self._link(demand, link) for link in links]
        await self.demands.replace_links(demand, rows)
        await self._step(
            principal,
            demand,
            DemandEventKind.raised,
            to_status=S.open,
            detail={
                "category": str(demand.category),
                "priority": str(demand.priority),
                "due_on": due.isoformat(),
                "links": len(rows),
            },
        )
        record(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            demand.id,
            organization_id=demand.organization_id,
        )
        return await self._full(principal, demand)

    # -- reads --------------------------------------------------------------------------------
    async def get(self, principal: Principal, demand_id: UUID) -> DemandRead:
        """One demand with its history (audited). Raises NotFound."""
        authorize(self.uow, principal, policies.READ, ENTITY, demand_id)
        demand = await self._require(principal, demand_id)
        record(
            self.uow,
            principal,
            AuditAction.read,
            ENTITY,
            demand.id,
            organization_id=demand.organization_id,
        )
        return await self._full(principal, demand)

    async def get_many(self, principal: Principal, demand_ids: Sequence[UUID]) -> list[DemandRead]:
        """Those among ``demand_ids`` in the caller's scope, each as :meth:`get` answers it
        (with its history) and audited as it audits it; in a few statements whatever their
        number (a device's first pull)."""
        authorize(self.uow, principal, policies.READ, ENTITY)
        demands = await self.demands.many_where(demand_ids, policies.demand_scope(principal))
        return await self._reads(principal, demands, history=True)

    async def search(
        self, principal: Principal, page: PageRequest, narrowed: DemandFilter
    ) -> DemandPage:
        """Demands in the caller's scope, newest first, narrowed by status, category,
        priority, place, owner, overdue or a linked case (which she must see). The search and
        each demand shown are audited. Raises NotFound (case), BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ, ENTITY)
        if narrowed.case_id is not None:
            shown = await self._visible_cases(principal, [narrowed.case_id])
            if not shown:
                raise NotFound("Case not found.")
        scope = policies.demand_scope(principal)
        on = today()
        record(self.uow, principal, AuditAction.search, ENTITY)
        return await paginate(
            page,
            CREATED_DESC,
            fetch=lambda after, limit: self.demands.page_where(scope, narrowed, on, after, limit),
            to_read=lambda demands: self._reads(principal, demands),
            count=lambda: self.demands.count_where(scope, narrowed, on),
            page_type=DemandPage,
        )

    async def escalations_due(
        self,
        principal: Principal,
        page: PageRequest,
        district_id: UUID | None = None,
        owner_id: UUID | None = None,
    ) -> EscalationDuePage:
        """The register's overdue demands whose escalation is due (never escalated since
        their due date, or a service period since the last escalation), oldest first, each
        with the next level suggested. Demands at the national level are not listed (nothing
        is above it). Raises BadRequest (cursor)."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY)
        scope = policies.register_scope(principal)
        on = today()
        record(self.uow, principal, AuditAction.search, ENTITY)

        async def shown(demands: Sequence[Demand]) -> list[EscalationDue]:
            reads = await self._reads(principal, demands)
            return [
                EscalationDue(
                    demand=read,
                    days_overdue=max((on - read.due_on).days, 0),
                    suggested_level=rules.next_level(read.escalation_level)
                    or EscalationLevel.national,
                )
                for read in reads
            ]

        return await paginate(
            page,
            CREATED_ASC,
            fetch=lambda after, limit: self.demands.page_escalation_due(
                scope, on, district_id, owner_id, after, limit
            ),
            to_read=shown,
            count=lambda: self.demands.count_escalation_due(scope, on, district_id, owner_id),
            page_type=EscalationDuePage,
        )

    async def ageing(self, principal: Principal, district_id: UUID | None) -> AgeingReport:
        """Open demands (open, acknowledged, in progress) of the caller's register by
        category and age band (days since raised), today: counts only."""
        authorize(self.uow, principal, policies.AGEING, ENTITY)
        on = today()
        rows = await self.demands.open_by_age(policies.ageing_scope(principal), on, district_id)
        labels = [label for label, _, _ in rules.AGE_BANDS]
        by_category: dict[str, dict[str, int]] = {}
        for category, age, count in rows:
            bands = by_category.setdefault(category, dict.fromkeys(labels, 0))
            bands[rules.band_of(age)] += count
        report_rows = [
            AgeingRow(category=DemandCategory(category), bands=bands, total=sum(bands.values()))
            for category, bands in sorted(by_category.items())
        ]
        totals = {label: sum(row.bands[label] for row in report_rows) for label in labels}
        record(self.uow, principal, AuditAction.search, ENTITY)
        return AgeingReport(
            as_of=on,
            bands=labels,
            rows=report_rows,
            totals=totals,
            total=sum(totals.values()),
        )

    # -- work ---------------------------------------------------------------------------------
    async def update(
        self, principal: Principal, demand_id: UUID, data: DemandUpdate, expected_version: int
    ) -> DemandRead:
        """Change a demand's title, description, category, priority (its due date follows),
        place, owner or links. Raises NotFound, PermissionDenied (not of the register's
        staff), PreconditionFailed, InvalidState (a settled demand), BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY, demand_id)
        demand = await self._require_to_work(principal, demand_id, expected_version)
        changes: dict[str, Any] = data.changes()
        if S(demand.status) not in rules.UNSETTLED and changes:
            raise InvalidState("The demand is settled: reopen it to change it.")
        links = changes.pop("links", None)
        district_id = changes.get("district_id", demand.district_id)
        block_id = changes.get("block_id", demand.block_id)
        if "district_id" in changes or "block_id" in changes:
            await self._check_place(district_id, block_id)
        if changes.get("owner_id") is not None:
            await self._check_owner(demand.organization_id, changes["owner_id"])
        detail: dict[str, Any] = {}
        if "description" in changes:
            demand.description_enc = self.uow.cipher.seal_text(
                changes.pop("description"), _place(demand.id)
            )
            detail["fields"] = ["description"]
        owner_before = demand.owner_id
        if "priority" in changes and changes["priority"] != demand.priority:
            before, after = DemandPriority(demand.priority), DemandPriority(changes["priority"])
            shift = self.levels.days(after) - self.levels.days(before)
            demand.due_on += timedelta(days=shift)
            if demand.escalated_on is None:
                demand.next_escalation_on = demand.due_on
            detail["due_on"] = demand.due_on.isoformat()
        changed = [name for name, value in changes.items() if getattr(demand, name) != value]
        for name in changed:
            setattr(demand, name, changes[name])
        detail["fields"] = sorted({*detail.get("fields", []), *changed} - {"owner_id"})
        if not detail["fields"]:
            detail.pop("fields")
        if links is not None:
            await self._relink(principal, demand, [DemandLinkRef(**link) for link in links])
        touch(demand)
        await self.demands.save(demand)
        if detail:
            for name in ("category", "priority"):
                if name in changed:
                    detail[name] = str(getattr(demand, name))
            await self._step(principal, demand, DemandEventKind.updated, detail=detail)
        if demand.owner_id != owner_before:
            await self._step(
                principal,
                demand,
                DemandEventKind.owner,
                detail={"owner_id": None if demand.owner_id is None else str(demand.owner_id)},
            )
        record(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            demand.id,
            organization_id=demand.organization_id,
        )
        return await self._full(principal, demand)

    async def transition(
        self,
        principal: Principal,
        demand_id: UUID,
        data: DemandTransition,
        expected_version: int,
    ) -> DemandRead:
        """Move a demand on (see the module's docstring). Raises NotFound, PreconditionFailed,
        PermissionDenied (anyone but the register's staff, except withdrawing what her side
        raised), InvalidState (a move the status does not allow), BusinessRuleViolation (a
        note is required)."""
        authorize(self.uow, principal, policies.TRANSITION, ENTITY, demand_id)
        demand = await self._require(principal, demand_id, for_update=True)
        check_version(demand, expected_version, "demand")
        if not policies.works_register(principal, demand.organization_id) and not (
            data.to is S.withdrawn and _raisers_side(principal, demand)
        ):
            record_denied(self.uow, principal, ENTITY, demand.id)
            raise PermissionDenied(
                "The register's staff move a demand on; whoever raised it may withdraw it."
            )
        current = S(demand.status)
        problem = rules.move_problem(current, data.to)
        if problem is not None:
            raise InvalidState(problem)
        if data.to in rules.NEEDS_NOTE and data.note is None:
            said = "reopened" if data.to is S.open else data.to.value
            raise BusinessRuleViolation(f"Say why the demand is {said}.", field="note")
        on = today()
        detail: dict[str, Any] = {}
        demand.status = data.to
        if data.to is S.disposed:
            demand.resolution = data.resolution
            demand.disposed_on = on
            detail = {
                "resolution": str(data.resolution),
                "within_due_date": on <= demand.due_on,
            }
        elif data.to is S.open:  # reopened: due again one service period from today
            demand.resolution = None
            demand.disposed_on = None
            demand.due_on = self.levels.due(on, demand.priority)
            demand.next_escalation_on = demand.due_on
            detail = {"due_on": demand.due_on.isoformat()}
        touch(demand)
        await self.demands.save(demand)
        await self._step(
            principal,
            demand,
            DemandEventKind.reopened if data.to is S.open else DemandEventKind.status,
            from_status=current,
            to_status=data.to,
            detail=detail,
            note=data.note,
        )
        record(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            demand.id,
            organization_id=demand.organization_id,
        )
        return await self._full(principal, demand)

    async def escalate(
        self,
        principal: Principal,
        demand_id: UUID,
        data: DemandEscalation,
        expected_version: int,
    ) -> DemandRead:
        """Take a demand to a higher level; escalating it again is due one service period
        later. Raises NotFound, PermissionDenied, PreconditionFailed, InvalidState (settled;
        not a higher level)."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY, demand_id)
        demand = await self._require_to_work(principal, demand_id, expected_version)
        if S(demand.status) not in rules.UNSETTLED:
            raise InvalidState("The demand is settled: there is nothing to escalate.")
        before = (
            None if demand.escalation_level is None else EscalationLevel(demand.escalation_level)
        )
        if not rules.is_higher(data.to, before):
            raise InvalidState("Escalate a demand to a higher level than its present one.")
        on = today()
        demand.escalation_level = data.to
        demand.escalated_on = on
        demand.next_escalation_on = self.levels.due(on, demand.priority)
        touch(demand)
        await self.demands.save(demand)
        await self._step(
            principal,
            demand,
            DemandEventKind.escalated,
            from_level=before,
            to_level=data.to,
            detail={
                "overdue": rules.is_overdue(demand.status, demand.due_on, on),
                "next_escalation_on": demand.next_escalation_on.isoformat(),
            },
            note=data.note,
        )
        record(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            demand.id,
            organization_id=demand.organization_id,
        )
        return await self._full(principal, demand)

    # -- comments -----------------------------------------------------------------------------
    async def comment(
        self, principal: Principal, demand_id: UUID, data: CommentCreate
    ) -> CommentRead:
        """Add a comment to the thread of a demand the caller may read. Raises NotFound."""
        authorize(self.uow, principal, policies.COMMENT_ON, policies.COMMENT)
        demand = await self._require(principal, demand_id)
        comment = DemandComment(
            demand_id=demand.id,
            organization_id=demand.organization_id,
            author_id=principal.id,
            author_organization_id=principal.organization_id,
            body_enc=b"",
        )
        comment.body_enc = self.uow.cipher.seal_text(data.body, _comment_place(comment.id)) or b""
        await self.demands.add_comment(comment)
        record(
            self.uow,
            principal,
            AuditAction.create,
            policies.COMMENT,
            comment.id,
            organization_id=demand.organization_id,
        )
        return self._comment_read(comment)

    async def comments(
        self, principal: Principal, demand_id: UUID, page: PageRequest
    ) -> CommentPage:
        """The thread of a demand the caller may read, oldest first (audited). Raises
        NotFound, BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ, ENTITY, demand_id)
        demand = await self._require(principal, demand_id)
        record(
            self.uow,
            principal,
            AuditAction.read,
            policies.COMMENT,
            demand.id,
            organization_id=demand.organization_id,
        )
        return await paginate(
            page,
            CREATED_ASC,
            fetch=lambda after, limit: self.demands.comments_page(demand.id, after, limit),
            to_read=lambda comments: [self._comment_read(c) for c in comments],
            count=lambda: self.demands.count_comments(demand.id),
            page_type=CommentPage,
        )

    # -- helpers ------------------------------------------------------------------------------
    async def _require(
        self, principal: Principal, demand_id: UUID, *, for_update: bool = False
    ) -> Demand:
        return await require(
            self.demands.get_where(
                demand_id, policies.demand_scope(principal), for_update=for_update
            ),
            "Demand",
        )

    async def _require_to_work(
        self, principal: Principal, demand_id: UUID, expected_version: int
    ) -> Demand:
        demand = await self._require(principal, demand_id, for_update=True)
        check_version(demand, expected_version, "demand")
        if not policies.works_register(principal, demand.organization_id):
            record_denied(self.uow, principal, ENTITY, demand.id)
            raise PermissionDenied("The register's staff work a demand.")
        return demand

    async def _register_of(self, principal: Principal, links: Sequence[DemandLinkRef]) -> UUID:
        """The register a new demand goes to: the caller's organisation's, or for partner
        staff the organisation that made the referrals it is about."""
        if principal.role is not Role.partner_staff:
            if principal.organization_id is None:  # RAISE admits no one without one
                raise PermissionDenied("Only people of an organisation raise demands.")
            return principal.organization_id
        referrals = [link.id for link in links if link.kind is K.referral]
        shown = await self.demands.visible_referrals(
            referrals, referral_visible(None, referral_policies.receiving_organization(principal))
        )
        registers = set((await self.demands.referral_organizations(sorted(shown))).values())
        if not referrals or len(shown) != len(referrals) or len(registers) != 1:
            raise BusinessRuleViolation(
                "Name the referrals made to your organisation, all by one organisation, that "
                "the demand is about.",
                field="links",
            )
        return registers.pop()

    async def _check_place(self, district_id: UUID | None, block_id: UUID | None) -> None:
        if district_id is None or not await self.demands.district_exists(district_id):
            raise BusinessRuleViolation("The district does not exist.", field="district_id")
        if block_id is not None and await self.demands.block_district(block_id) != district_id:
            raise BusinessRuleViolation("The block is not one of the district.", field="block_id")

    async def _check_owner(self, organization_id: UUID, owner_id: UUID) -> None:
        owner = await self.demands.user(owner_id)
        if (
            owner is None
            or owner.organization_id != organization_id
            or owner.deleted_at is not None
            or owner.disabled_at is not None
            or Role(owner.role) not in case_policies.CASE_WORKERS
        ):
            raise BusinessRuleViolation(
                "The owner is a program manager or social worker of the register.",
                field="owner_id",
            )

    async def _checked_links(
        self, principal: Principal, organization_id: UUID, links: Sequence[DemandLinkRef]
    ) -> list[DemandLinkRef]:
        """The links, each a record the caller may link in this register. Raises
        BusinessRuleViolation."""
        allowed = (
            LEADER_LINKS
            if principal.role is Role.survivor_leader
            else PARTNER_LINKS
            if principal.role is Role.partner_staff
            else frozenset(K)
        )
        by_kind: dict[DemandLinkKind, list[UUID]] = {}
        for link in links:
            if link.kind not in allowed:
                raise BusinessRuleViolation(NOT_LINKABLE, field="links")
            by_kind.setdefault(link.kind, []).append(link.id)
        for kind, ids in by_kind.items():
            if kind is K.case:
                found = await self._visible_cases(principal, ids)
            elif kind is K.referral:
                found = await self._linkable_referrals(principal, organization_id, ids)
            elif kind is K.leader_group and principal.role is Role.survivor_leader:
                found = set(ids) & await self.demands.leader_groups_of(principal.id)
            else:
                found = await self.demands.existing(kind, ids, organization_id)
            if found != set(ids):
                raise BusinessRuleViolation(NOT_LINKABLE, field="links")
        return list(links)

    async def _linkable_referrals(
        self, principal: Principal, organization_id: UUID, ids: Sequence[UUID]
    ) -> set[UUID]:
        if principal.role is Role.partner_staff:  # made to her organisation (see _register_of)
            where = referral_visible(None, referral_policies.receiving_organization(principal))
        else:  # made by the register from cases the caller holds
            where = referral_visible(referral_policies.outgoing_scope(principal), None)
        shown = await self.demands.visible_referrals(ids, where)
        registers = await self.demands.referral_organizations(sorted(shown))
        return {r for r in shown if registers.get(r) == organization_id}

    async def _visible_cases(self, principal: Principal, ids: Sequence[UUID]) -> set[UUID]:
        if not case_policies.READ.permits(principal):
            return set()
        return await self.demands.visible_cases(ids, case_policies.case_scope(principal))

    async def _visible_referrals(self, principal: Principal, ids: Sequence[UUID]) -> set[UUID]:
        if not referral_policies.READ.permits(principal):
            return set()
        where = referral_visible(
            referral_policies.outgoing_scope(principal),
            referral_policies.receiving_organization(principal),
        )
        return await self.demands.visible_referrals(ids, where)

    async def _relink(
        self, principal: Principal, demand: Demand, links: Sequence[DemandLinkRef]
    ) -> None:
        """Replace the links the caller sees with ``links``; those she cannot see stay."""
        current = await self.demands.links_of([demand.id])
        shown = await self._shown_links(principal, current)
        hidden = [
            DemandLinkRef(kind=link.kind, id=link.target_id)
            for link in current
            if (link.kind, link.target_id) not in shown
        ]
        wanted = {(link.kind, link.id) for link in links}
        fresh = [link for link in links if (link.kind, link.id) not in shown]
        await self._checked_links(principal, demand.organization_id, fresh)
        kept = [
            DemandLinkRef(kind=K(kind), id=target)
            for kind, target in shown
            if (kind, target) in wanted
        ]
        every = [*hidden, *kept, *fresh]
        if {(link.kind, link.id) for link in every} == {
            (row.kind, row.target_id) for row in current
        }:
            return
        await self.demands.replace_links(demand, [self._link(demand, link) for link in every])
        await self._step(
            principal,
            demand,
            DemandEventKind.links,
            detail={"links": len(every), "added": len(fresh), "removed": len(shown) - len(kept)},
        )

    async def _shown_links(
        self, principal: Principal, links: Sequence[DemandLink]
    ) -> set[tuple[DemandLinkKind, UUID]]:
        """Of ``links``, those the caller may see: a case or referral only if she may."""
        cases = await self._visible_cases(
            principal, [link.target_id for link in links if link.kind == K.case]
        )
        referrals = await self._visible_referrals(
            principal, [link.target_id for link in links if link.kind == K.referral]
        )
        return {
            (K(link.kind), link.target_id)
            for link in links
            if (link.kind != K.case or link.target_id in cases)
            and (link.kind != K.referral or link.target_id in referrals)
        }

    @staticmethod
    def _link(demand: Demand, link: DemandLinkRef) -> DemandLink:
        return DemandLink(
            demand_id=demand.id,
            organization_id=demand.organization_id,
            kind=link.kind,
            target_id=link.id,
        )

    async def _step(
        self,
        principal: Principal,
        demand: Demand,
        kind: DemandEventKind,
        *,
        from_status: DemandStatus | None = None,
        to_status: DemandStatus | None = None,
        from_level: EscalationLevel | None = None,
        to_level: EscalationLevel | None = None,
        detail: dict[str, Any] | None = None,
        note: str | None = None,
    ) -> None:
        event = DemandEvent(
            demand_id=demand.id,
            organization_id=demand.organization_id,
            kind=kind,
            from_status=from_status,
            to_status=to_status,
            from_level=from_level,
            to_level=to_level,
            detail=detail or {},
            actor_id=principal.id,
            actor_organization_id=principal.organization_id,
            occurred_at=utcnow(),
        )
        event.note_enc = self.uow.cipher.seal_text(note, _event_place(event.id))
        await self.demands.add_event(event)

    async def _reads(
        self, principal: Principal, demands: Sequence[Demand], *, history: bool = False
    ) -> list[DemandRead]:
        """The demands as a page shows them (each read audited), with their histories as
        :meth:`get` shows them when ``history``."""
        links = await self.demands.links_of([d.id for d in demands])
        shown = await self._shown_links(principal, links)
        steps = await self.demands.histories([d.id for d in demands]) if history else {}
        on = today()
        reads = []
        for demand in demands:
            record(
                self.uow,
                principal,
                AuditAction.read,
                ENTITY,
                demand.id,
                organization_id=demand.organization_id,
            )
            own = [
                link
                for link in links
                if link.demand_id == demand.id and (K(link.kind), link.target_id) in shown
            ]
            reads.append(self._read(demand, own, steps.get(demand.id, []) if history else None, on))
        return reads

    async def _full(self, principal: Principal, demand: Demand) -> DemandRead:
        links = await self.demands.links_of([demand.id])
        shown = await self._shown_links(principal, links)
        own = [link for link in links if (K(link.kind), link.target_id) in shown]
        steps = await self.demands.history(demand.id)
        return self._read(demand, own, steps, today())

    def _read(
        self,
        demand: Demand,
        links: Sequence[DemandLink],
        steps: Sequence[DemandEvent] | None,
        on: date,
    ) -> DemandRead:
        return DemandRead(
            id=demand.id,
            organization_id=demand.organization_id,
            raised_by_organization_id=demand.raised_by_organization_id,
            title=demand.title,
            description=self.uow.cipher.open_text(demand.description_enc, _place(demand.id)),
            category=demand.category,
            priority=demand.priority,
            status=demand.status,
            resolution=demand.resolution,
            escalation_level=demand.escalation_level,
            district_id=demand.district_id,
            block_id=demand.block_id,
            gram_panchayat=demand.gram_panchayat,
            owner_id=demand.owner_id,
            links=[DemandLinkRef(kind=link.kind, id=link.target_id) for link in links],
            raised_on=demand.raised_on,
            due_on=demand.due_on,
            overdue=rules.is_overdue(demand.status, demand.due_on, on),
            next_escalation_on=demand.next_escalation_on,
            escalated_on=demand.escalated_on,
            disposed_on=demand.disposed_on,
            history=None if steps is None else [self._step_read(step) for step in steps],
            created_by=demand.created_by,
            created_at=demand.created_at,
            updated_at=demand.updated_at,
            version=demand.version,
        )

    def _step_read(self, step: DemandEvent) -> DemandStep:
        return DemandStep(
            kind=step.kind,
            from_status=step.from_status,
            to_status=step.to_status,
            from_level=step.from_level,
            to_level=step.to_level,
            detail=dict(step.detail or {}),
            note=self.uow.cipher.open_text(step.note_enc, _event_place(step.id)),
            actor_id=step.actor_id,
            actor_organization_id=step.actor_organization_id,
            occurred_at=step.occurred_at,
        )

    def _comment_read(self, comment: DemandComment) -> CommentRead:
        return CommentRead(
            id=comment.id,
            demand_id=comment.demand_id,
            author_id=comment.author_id,
            author_organization_id=comment.author_organization_id,
            body=self.uow.cipher.open_text(comment.body_enc, _comment_place(comment.id)),
            created_at=comment.created_at,
        )
