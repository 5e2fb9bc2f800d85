"""The survivor's care plan: the goals she sets and ranks herself (CBR: she decides her
priorities), their progress, and her agreement to the plan as it stands.

Ranks: her open goals (not started, in progress) hold the ranks 1..n, each once. Inserting or
moving a goal to a rank shifts the others; an achieved or dropped goal leaves the ranking
(the goals after it move up) and keeps the rank it last held. Every change of ranks happens
under a lock on the case row, so concurrent changes to one plan take turns and the ranks stay
unique without a constraint the database would have to defer.

A goal's wording, its actions and the reason it was dropped are sealed together in
``goal_enc``; the case's progress map and the audit trail carry codes, ranks and dates only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, record
from domain.care_plans import policies
from domain.care_plans.schemas import (
    MAX_OPEN_GOALS,
    AgreementCreate,
    AgreementPage,
    AgreementRead,
    AgreementState,
    CarePlanRead,
    ComponentCounts,
    GoalAction,
    GoalCreate,
    GoalOrder,
    GoalPage,
    GoalRead,
    GoalUpdate,
    RankedGoals,
)
from domain.cases.access import record_case_event, require_case
from domain.common.errors import (
    BusinessRuleViolation,
    Conflict,
    InvalidState,
)
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED_DESC, Keyset, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal, PrincipalKind
from domain.common.records import require
from persistence.clock import today
from persistence.crypto import Place
from persistence.models.base import touch
from persistence.models.care_plan_agreement import CarePlanAgreement
from persistence.models.care_plan_goal import CarePlanGoal
from persistence.models.case_vocabulary import (
    CaseEventKind,
    CaseStatus,
    CbrComponent,
    GoalStatus,
    Responsible,
)
from persistence.models.enums import AuditAction
from persistence.models.survivor_case import SurvivorCase
from persistence.repositories.care_plans import (
    CLOSED_STATUSES,
    AgreementRepository,
    GoalRepository,
    PlanPartiesRepository,
)
from persistence.uow import UnitOfWork

GOAL = policies.GOAL
AGREEMENT = policies.AGREEMENT

# Where a goal may go from where it stands. A goal not yet started may be dropped (she changed
# her mind); only a goal under way can be achieved. Achieved and dropped goals are final: a new
# wish is a new goal.
MOVES: dict[GoalStatus, frozenset[GoalStatus]] = {
    GoalStatus.not_started: frozenset({GoalStatus.in_progress, GoalStatus.dropped}),
    GoalStatus.in_progress: frozenset({GoalStatus.achieved, GoalStatus.dropped}),
    GoalStatus.achieved: frozenset(),
    GoalStatus.dropped: frozenset(),
}
_NEEDS_ORGANIZATION = frozenset({Responsible.organization, Responsible.government_department})


GOALS_BY_RANK: Keyset[CarePlanGoal] = Keyset(
    "rank", 3, lambda goal: (0 if is_open(goal.status) else 1, goal.rank, goal.id)
)


def status_problem(current: GoalStatus, to: GoalStatus) -> str | None:
    """Why a goal cannot move from ``current`` to ``to`` (None when it can)."""
    if to is current or to in MOVES[current]:
        return None
    if not MOVES[current]:
        return f"The goal is {current.value}: it is kept as it was."
    allowed = ", ".join(sorted(s.value for s in MOVES[current]))
    return f"A goal {current.value} moves on to {allowed} only."


def is_open(status: GoalStatus | str) -> bool:
    return GoalStatus(status) not in CLOSED_STATUSES


def rank_in_order(order: Sequence[CarePlanGoal]) -> list[tuple[CarePlanGoal, int]]:
    """Give the goals the ranks 1..n in this order; answer those whose rank changed, each with
    the rank it had."""
    moved = []
    for position, goal in enumerate(order, start=1):
        if goal.rank != position:
            moved.append((goal, goal.rank))
            goal.rank = position
    return moved


def placed(order: Sequence[CarePlanGoal], goal: CarePlanGoal, rank: int) -> list[CarePlanGoal]:
    """``order`` with ``goal`` taken out and put back at ``rank`` (1 first)."""
    others = [g for g in order if g.id != goal.id]
    return [*others[: rank - 1], goal, *others[rank - 1 :]]


def _goal_place(goal_id: UUID) -> Place:
    return Place("care_plan_goal", "goal_enc", goal_id)


def _notes_place(agreement_id: UUID) -> Place:
    return Place("care_plan_agreement", "notes_enc", agreement_id)


def _event_detail(goal: CarePlanGoal, change: str) -> dict[str, Any]:
    """What the case's progress map keeps of a goal: codes, rank and dates, never words."""
    detail: dict[str, Any] = {
        "change": change,
        "goal_id": str(goal.id),
        "component": CbrComponent(goal.component).value,
        "status": GoalStatus(goal.status).value,
        "rank": goal.rank,
    }
    if goal.achieved_on is not None:
        detail["achieved_on"] = goal.achieved_on.isoformat()
    return detail


class CarePlanService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.goals = GoalRepository(uow)
        self.agreements = AgreementRepository(uow)
        self.parties = PlanPartiesRepository(uow)

    # -- goals: writes --------------------------------------------------------------------
    async def create_goal(self, principal: Principal, case_id: UUID, data: GoalCreate) -> GoalRead:
        """Add a goal she set, at her rank (the goals from there on move down one) or after her
        open goals. Raises NotFound (case out of scope), InvalidState (closed case, plan full),
        BusinessRuleViolation (rank, responsible organisation, dates), Conflict (id taken)."""
        authorize(self.uow, principal, policies.MANAGE, GOAL)
        case = await self._writable_case(principal, case_id)
        opened = await self.goals.open_goals(case, for_update=True)
        if len(opened) >= MAX_OPEN_GOALS:
            raise InvalidState(f"A plan holds at most {MAX_OPEN_GOALS} open goals.")
        rank = data.rank or len(opened) + 1
        if rank > len(opened) + 1:
            raise BusinessRuleViolation(
                f"rank may be at most {len(opened) + 1}: the plan holds {len(opened)} open goals.",
                field="rank",
            )
        await self._check_responsible(data.responsible, data.responsible_organization_id, True)
        self._check_target(case, data.target_on)
        self._check_review(data.review_on)
        await reject_taken_id(self.uow, principal, self.goals, data.id, "care_plan_goal")
        goal = CarePlanGoal(
            organization_id=case.organization_id,
            district_id=case.district_id,
            case_id=case.id,
            component=data.component,
            rank=rank,
            goal_enc=b"",
            responsible=data.responsible,
            responsible_organization_id=data.responsible_organization_id,
            target_on=data.target_on,
            review_on=data.review_on,
            status=GoalStatus.not_started,
            created_by=principal.id,
        )
        if data.id is not None:
            goal.id = data.id
        document = {
            "goal": data.goal,
            "actions": [action.model_dump() for action in data.actions],
            "drop_reason": None,
        }
        goal.goal_enc = self.uow.cipher.seal_json(document, _goal_place(goal.id))
        shifted = rank_in_order(placed(opened, goal, rank))
        await self.goals.add(goal)
        await self._shifted(principal, case, [g for g, _ in shifted])
        record(
            self.uow,
            principal,
            AuditAction.create,
            GOAL,
            goal.id,
            organization_id=case.organization_id,
        )
        await record_case_event(
            self.uow,
            case,
            CaseEventKind.goal,
            actor=principal,
            subject_id=goal.id,
            detail=_event_detail(goal, "created"),
        )
        return self._read(goal, document)

    async def update_goal(
        self,
        principal: Principal,
        case_id: UUID,
        goal_id: UUID,
        data: GoalUpdate,
        expected_version: int,
    ) -> GoalRead:
        """Change a goal's wording, actions, component, who acts, dates or rank, or move it on
        (not_started -> in_progress -> achieved | dropped). Raises NotFound,
        PreconditionFailed, InvalidState (closed case, achieved or dropped goal, a move the
        goal cannot make), BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE, GOAL, goal_id)
        case = await require_case(self.uow, principal, case_id, for_update=True)
        goal = await require(
            self.goals.get_in_case(case, goal_id, for_update=True), "Goal", version=expected_version
        )
        self._check_open_case(case)
        current = GoalStatus(goal.status)
        if not is_open(current):
            raise InvalidState(f"The goal is {current.value}: it is kept as it was.")
        changes = data.changes()
        to = data.status or current
        problem = status_problem(current, to)
        if problem is not None:
            raise InvalidState(problem)
        closing = not is_open(to)
        opened = await self.goals.open_goals(case, for_update=True)
        if "rank" in changes:
            if closing:
                raise BusinessRuleViolation(
                    "An achieved or dropped goal leaves the ranking: send no rank.", field="rank"
                )
            if changes["rank"] > len(opened):
                raise BusinessRuleViolation(
                    f"rank may be at most {len(opened)}: the plan holds {len(opened)} open goals.",
                    field="rank",
                )
        responsible = data.responsible or Responsible(goal.responsible)
        organization_id = changes.get(
            "responsible_organization_id", goal.responsible_organization_id
        )
        if responsible not in _NEEDS_ORGANIZATION and "responsible_organization_id" not in changes:
            organization_id = None  # who acts changed to her or her worker: no organisation
        await self._check_responsible(
            responsible, organization_id, "responsible_organization_id" in changes
        )
        if "target_on" in changes:
            self._check_target(case, data.target_on)
        if "review_on" in changes:
            self._check_review(data.review_on)
        achieved_on = None
        if to is GoalStatus.achieved and current is not GoalStatus.achieved:
            achieved_on = data.achieved_on or today()
            if achieved_on > today() or achieved_on < case.opened_on:
                raise BusinessRuleViolation(
                    "achieved_on may lie neither in the future nor before the case opened.",
                    field="achieved_on",
                )

        # -- every rule holds: apply --------------------------------------------------------
        document = self._document(goal)
        before = (dict(document), _columns(goal))
        for field in ("goal", "actions", "drop_reason"):
            if field in changes:
                document[field] = changes[field]
        goal.component = data.component or goal.component
        goal.responsible = responsible
        goal.responsible_organization_id = organization_id
        for field in ("target_on", "review_on"):
            if field in changes:
                setattr(goal, field, changes[field])
        goal.status = to
        if achieved_on is not None:
            goal.achieved_on = achieved_on
        previous_rank = goal.rank
        if closing:
            shifted = rank_in_order([g for g in opened if g.id != goal.id])
        elif "rank" in changes:
            shifted = rank_in_order(placed(opened, goal, changes["rank"]))
        else:
            shifted = []
        shifted = [(g, r) for g, r in shifted if g.id != goal.id]
        changed = _changed_fields(before, (document, _columns(goal)))
        if not changed:
            record(
                self.uow,
                principal,
                AuditAction.read,
                GOAL,
                goal.id,
                organization_id=case.organization_id,
            )
            return self._read(goal, document)
        goal.goal_enc = self.uow.cipher.seal_json(document, _goal_place(goal.id))
        touch(goal)
        await self.goals.save(goal)
        await self._shifted(principal, case, [g for g, _ in shifted])
        record(
            self.uow,
            principal,
            AuditAction.update,
            GOAL,
            goal.id,
            organization_id=case.organization_id,
        )
        detail = _event_detail(goal, "updated")
        detail["fields"] = changed
        if current is not to:
            detail["status_from"] = current.value
        if goal.rank != previous_rank:
            detail["rank_from"] = previous_rank
        await record_case_event(
            self.uow,
            case,
            CaseEventKind.goal,
            actor=principal,
            subject_id=goal.id,
            detail=detail,
        )
        return self._read(goal, document)

    async def reorder(self, principal: Principal, case_id: UUID, data: GoalOrder) -> RankedGoals:
        """Rewrite the ranks of her open goals at once, in the order given (every open goal,
        each once). Raises NotFound, InvalidState (closed case), Conflict (the list does not
        name exactly the plan's open goals: it changed meanwhile)."""
        authorize(self.uow, principal, policies.MANAGE, GOAL)
        case = await self._writable_case(principal, case_id)
        opened = {goal.id: goal for goal in await self.goals.open_goals(case, for_update=True)}
        if set(data.goal_ids) != set(opened):
            raise Conflict(
                "The list must name every open goal of the plan exactly once; reload the plan."
            )
        order = [opened[goal_id] for goal_id in data.goal_ids]
        moved = rank_in_order(order)
        moved_ids = {goal.id for goal, _ in moved}
        await self._shifted(principal, case, [goal for goal, _ in moved], audit=False)
        for goal in order:
            action = AuditAction.update if goal.id in moved_ids else AuditAction.read
            record(
                self.uow,
                principal,
                action,
                GOAL,
                goal.id,
                organization_id=case.organization_id,
            )
        for goal, previous in moved:
            detail = _event_detail(goal, "reordered")
            detail["rank_from"] = previous
            await record_case_event(
                self.uow,
                case,
                CaseEventKind.goal,
                actor=principal,
                subject_id=goal.id,
                detail=detail,
            )
        return RankedGoals(items=[self._read(goal) for goal in order])

    # -- goals: reads ---------------------------------------------------------------------
    async def get_goal(self, principal: Principal, case_id: UUID, goal_id: UUID) -> GoalRead:
        """One goal of a case in the caller's scope, opened for her (audited). Raises
        NotFound."""
        authorize(self.uow, principal, policies.READ, GOAL, goal_id)
        case = await require_case(self.uow, principal, case_id)
        goal = await require(self.goals.get_in_case(case, goal_id), "Goal")
        record(
            self.uow,
            principal,
            AuditAction.read,
            GOAL,
            goal.id,
            organization_id=case.organization_id,
        )
        return self._read(goal)

    async def list_goals(
        self,
        principal: Principal,
        case_id: UUID,
        page: PageRequest,
        status: GoalStatus | None = None,
        component: CbrComponent | None = None,
    ) -> GoalPage:
        """The case's goals, open ones by her rank first, then achieved and dropped ones;
        filters: status, component. The search and each goal shown are audited. Raises
        NotFound, BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ, GOAL)
        case = await require_case(self.uow, principal, case_id)
        record(
            self.uow,
            principal,
            AuditAction.search,
            GOAL,
            organization_id=case.organization_id,
        )

        def shown(goals: Sequence[CarePlanGoal]) -> list[GoalRead]:
            self._audit_reads(principal, case, GOAL, [goal.id for goal in goals])
            return [self._read(goal) for goal in goals]

        return await paginate(
            page,
            GOALS_BY_RANK,
            fetch=lambda after, limit: self.goals.page_of_case(
                case, status, component, after, limit
            ),
            to_read=shown,
            count=lambda: self.goals.count_of_case(case, status, component),
            page_type=GoalPage,
        )

    async def plan(self, principal: Principal, case_id: UUID) -> CarePlanRead:
        """The whole plan: every goal (open ones by her rank first), the goals counted by CBR
        component and status, her latest agreement and whether the plan changed since.
        Audited (each goal and the agreement shown). Raises NotFound."""
        authorize(self.uow, principal, policies.READ, GOAL)
        case = await require_case(self.uow, principal, case_id)
        goals = await self.goals.all_of_case(case)
        latest = await self.agreements.latest(case)
        changed = await self.goals.changed_after(case, latest.created_at if latest else None)
        self._audit_reads(principal, case, GOAL, [goal.id for goal in goals])
        if latest is not None:
            self._audit_reads(principal, case, AGREEMENT, [latest.id])
        return CarePlanRead(
            case_id=case.id,
            goals=[self._read(goal) for goal in goals],
            components=_counts(goals),
            agreement=self._agreement_read(latest) if latest else None,
            changed_since_agreement=changed,
        )

    # -- agreement ------------------------------------------------------------------------
    async def agree(
        self, principal: Principal, case_id: UUID, data: AgreementCreate
    ) -> AgreementRead:
        """Record her agreement to the plan as it stands (its open goals), how she gave it,
        who witnessed it and when. Raises NotFound, InvalidState (closed case, no open goals),
        BusinessRuleViolation (witness, date), Conflict (id taken)."""
        authorize(self.uow, principal, policies.MANAGE, AGREEMENT)
        case = await self._writable_case(principal, case_id)
        witness = data.witnessed_by
        if witness is None and principal.kind is PrincipalKind.user:
            witness = principal.id
        if witness is None:
            raise BusinessRuleViolation("Name who witnessed the agreement.", field="witnessed_by")
        if not await self.parties.active_member(case.organization_id, witness):
            raise BusinessRuleViolation(
                "The witness is an active user of the case's organisation.",
                field="witnessed_by",
            )
        agreed_on = data.agreed_on or today()
        if agreed_on > today() or agreed_on < case.opened_on:
            raise BusinessRuleViolation(
                "agreed_on may lie neither in the future nor before the case opened.",
                field="agreed_on",
            )
        opened = await self.goals.open_goals(case, for_update=True)
        if not opened:
            raise InvalidState("The plan has no open goals to agree to.")
        await reject_taken_id(self.uow, principal, self.agreements, data.id, "care_plan_agreement")
        agreement = CarePlanAgreement(
            organization_id=case.organization_id,
            district_id=case.district_id,
            case_id=case.id,
            agreed_on=agreed_on,
            method=data.method,
            witnessed_by=witness,
            goal_ids=[goal.id for goal in opened],
            created_by=principal.id,
        )
        if data.id is not None:
            agreement.id = data.id
        if data.notes is not None:
            agreement.notes_enc = self.uow.cipher.seal_text(data.notes, _notes_place(agreement.id))
        await self.agreements.add(agreement)
        record(
            self.uow,
            principal,
            AuditAction.create,
            AGREEMENT,
            agreement.id,
            organization_id=case.organization_id,
        )
        await record_case_event(
            self.uow,
            case,
            CaseEventKind.plan_agreement,
            actor=principal,
            subject_id=agreement.id,
            detail={
                "agreement_id": str(agreement.id),
                "method": data.method.value,
                "agreed_on": agreed_on.isoformat(),
                "witnessed_by": str(witness),
                "goal_ids": [str(goal_id) for goal_id in agreement.goal_ids],
            },
        )
        return self._agreement_read(agreement, data.notes)

    async def agreement_state(self, principal: Principal, case_id: UUID) -> AgreementState:
        """Her latest agreement and whether the plan changed after it (audited). Raises
        NotFound."""
        authorize(self.uow, principal, policies.READ, AGREEMENT)
        case = await require_case(self.uow, principal, case_id)
        latest = await self.agreements.latest(case)
        changed = await self.goals.changed_after(case, latest.created_at if latest else None)
        if latest is None:
            record(
                self.uow,
                principal,
                AuditAction.search,
                AGREEMENT,
                organization_id=case.organization_id,
            )
            return AgreementState(agreement=None, changed_since_agreement=changed)
        self._audit_reads(principal, case, AGREEMENT, [latest.id])
        return AgreementState(
            agreement=self._agreement_read(latest), changed_since_agreement=changed
        )

    async def agreement_history(
        self, principal: Principal, case_id: UUID, page: PageRequest
    ) -> AgreementPage:
        """Every agreement of the case, newest first (the search and each agreement shown are
        audited). Raises NotFound, BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ, AGREEMENT)
        case = await require_case(self.uow, principal, case_id)
        record(
            self.uow,
            principal,
            AuditAction.search,
            AGREEMENT,
            organization_id=case.organization_id,
        )

        def shown(agreements: Sequence[CarePlanAgreement]) -> list[AgreementRead]:
            self._audit_reads(principal, case, AGREEMENT, [a.id for a in agreements])
            return [self._agreement_read(a) for a in agreements]

        return await paginate(
            page,
            CREATED_DESC,
            fetch=lambda after, limit: self.agreements.page_of_case(case, after, limit),
            to_read=shown,
            count=lambda: self.agreements.count_of_case(case),
            page_type=AgreementPage,
        )

    # -- helpers --------------------------------------------------------------------------
    async def _writable_case(self, principal: Principal, case_id: UUID) -> SurvivorCase:
        """The case, locked (changes to one plan take turns), and open for changes."""
        case = await require_case(self.uow, principal, case_id, for_update=True)
        self._check_open_case(case)
        return case

    @staticmethod
    def _check_open_case(case: SurvivorCase) -> None:
        if CaseStatus(case.status) is CaseStatus.closed:
            raise InvalidState("The case is closed: its plan is read-only until it reopens.")

    async def _check_responsible(
        self, responsible: Responsible, organization_id: UUID | None, sent: bool
    ) -> None:
        field = "responsible_organization_id"
        if responsible in _NEEDS_ORGANIZATION:
            if organization_id is None:
                raise BusinessRuleViolation(
                    f"Name the {responsible.value.replace('_', ' ')} responsible.", field=field
                )
            if sent and not await self.parties.organization_exists(organization_id):
                raise BusinessRuleViolation("The organisation does not exist.", field=field)
        elif organization_id is not None:
            raise BusinessRuleViolation(
                "Only an organisation or a government department is named here.", field=field
            )

    @staticmethod
    def _check_target(case: SurvivorCase, target_on: date | None) -> None:
        if target_on is not None and target_on < case.opened_on:
            raise BusinessRuleViolation(
                "target_on may not lie before the case opened.", field="target_on"
            )

    @staticmethod
    def _check_review(review_on: date | None) -> None:
        if review_on is not None and review_on < today():
            raise BusinessRuleViolation("review_on may not lie in the past.", field="review_on")

    async def _shifted(
        self,
        principal: Principal,
        case: SurvivorCase,
        goals: Sequence[CarePlanGoal],
        *,
        audit: bool = True,
    ) -> None:
        """Save goals whose rank moved because another goal came, went or moved."""
        for goal in goals:
            touch(goal)
            if audit:
                record(
                    self.uow,
                    principal,
                    AuditAction.update,
                    GOAL,
                    goal.id,
                    organization_id=case.organization_id,
                )
        if goals:
            await self.uow.session.flush()

    def _audit_reads(
        self, principal: Principal, case: SurvivorCase, entity: str, record_ids: list[UUID]
    ) -> None:
        for record_id in record_ids:
            record(
                self.uow,
                principal,
                AuditAction.read,
                entity,
                record_id,
                organization_id=case.organization_id,
            )

    def _document(self, goal: CarePlanGoal) -> dict[str, Any]:
        document: dict[str, Any] = self.uow.cipher.open_json(goal.goal_enc, _goal_place(goal.id))
        return document

    def _read(self, goal: CarePlanGoal, document: dict[str, Any] | None = None) -> GoalRead:
        document = document if document is not None else self._document(goal)
        return GoalRead(
            id=goal.id,
            case_id=goal.case_id,
            organization_id=goal.organization_id,
            component=goal.component,
            rank=goal.rank,
            goal=document["goal"],
            actions=[GoalAction.model_validate(a) for a in document.get("actions") or ()],
            responsible=goal.responsible,
            responsible_organization_id=goal.responsible_organization_id,
            target_on=goal.target_on,
            review_on=goal.review_on,
            status=goal.status,
            achieved_on=goal.achieved_on,
            drop_reason=document.get("drop_reason"),
            created_by=goal.created_by,
            created_at=goal.created_at,
            updated_at=goal.updated_at,
            version=goal.version,
        )

    def _agreement_read(
        self, agreement: CarePlanAgreement, notes: str | None = None
    ) -> AgreementRead:
        if notes is None and agreement.notes_enc is not None:
            notes = self.uow.cipher.open_text(agreement.notes_enc, _notes_place(agreement.id))
        return AgreementRead(
            id=agreement.id,
            case_id=agreement.case_id,
            organization_id=agreement.organization_id,
            agreed_on=agreement.agreed_on,
            method=agreement.method,
            witnessed_by=agreement.witnessed_by,
            goal_ids=list(agreement.goal_ids),
            notes=notes,
            created_by=agreement.created_by,
            created_at=agreement.created_at,
            version=agreement.version,
        )


def _columns(goal: CarePlanGoal) -> dict[str, Any]:
    return {
        "component": CbrComponent(goal.component),
        "rank": goal.rank,
        "responsible": Responsible(goal.responsible),
        "responsible_organization_id": goal.responsible_organization_id,
        "target_on": goal.target_on,
        "review_on": goal.review_on,
        "status": GoalStatus(goal.status),
        "achieved_on": goal.achieved_on,
    }


def _changed_fields(
    before: tuple[dict[str, Any], dict[str, Any]], after: tuple[dict[str, Any], dict[str, Any]]
) -> list[str]:
    """Names of the fields whose values differ (sealed ones by name only)."""
    names = []
    for old, new in zip(before, after, strict=True):
        names += [name for name in new if old.get(name) != new[name]]
    return sorted(names)


def _counts(goals: Sequence[CarePlanGoal]) -> list[ComponentCounts]:
    tally: dict[CbrComponent, dict[GoalStatus, int]] = {
        component: dict.fromkeys(GoalStatus, 0) for component in CbrComponent
    }
    for goal in goals:
        tally[CbrComponent(goal.component)][GoalStatus(goal.status)] += 1
    return [
        ComponentCounts(
            component=component,
            not_started=by_status[GoalStatus.not_started],
            in_progress=by_status[GoalStatus.in_progress],
            achieved=by_status[GoalStatus.achieved],
            dropped=by_status[GoalStatus.dropped],
            total=sum(by_status.values()),
        )
        for component, by_status in tally.items()
    ]
