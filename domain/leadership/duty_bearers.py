"""Meetings with duty bearers (police and anti-human-trafficking units, panchayats, block and
district administration, health, women and child development, legal services authorities,
labour departments, child welfare committees), the issues raised, and the commitments made:
what, by whom, by when, followed up (fulfilled, partly, not) and escalated when overdue.

A commitment is overdue when its date has passed and it is not fulfilled (open, partly
fulfilled or found not fulfilled at follow-up): escalating it does not settle it, so an
escalated commitment stays on the overdue list, marked by ``escalated_on``, until it is
fulfilled. Public acts of the group and of officials, not personal records: reads are not
audited, writes are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from domain.audit.trail import authorize, record
from domain.common.errors import (
    BusinessRuleViolation,
    InvalidState,
)
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED_ASC, CREATED_DESC, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import check_version, require
from domain.leadership import policies
from domain.leadership.placement import (
    apply_changes,
    check_not_future,
    place_activity,
    shown_author,
)
from domain.leadership.policies import leadership_scope, summary_scope
from domain.leadership.schemas import (
    CommitmentCounts,
    CommitmentCreate,
    CommitmentRead,
    CommitmentSummary,
    CommitmentUpdate,
    EngagementCreate,
    EngagementPage,
    EngagementRead,
    EngagementUpdate,
    OverdueCommitmentPage,
    OverdueCommitmentRead,
)
from persistence.clock import today
from persistence.models.base import touch
from persistence.models.duty_bearer_commitment import DutyBearerCommitment
from persistence.models.duty_bearer_engagement import DutyBearerEngagement
from persistence.models.enums import AuditAction
from persistence.models.leadership_vocabulary import CommitmentStatus, DutyBearer
from persistence.repositories.leadership import CommitmentRepository, EngagementRepository
from persistence.uow import UnitOfWork

ENGAGEMENT = policies.ENGAGEMENT
COMMITMENT = policies.COMMITMENT


def is_overdue(commitment: DutyBearerCommitment, on: date) -> bool:
    """Past its date and not fulfilled."""
    return (
        commitment.due_on is not None
        and commitment.due_on < on
        and CommitmentStatus(commitment.status) is not CommitmentStatus.fulfilled
    )


class DutyBearerService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.engagements = EngagementRepository(uow)
        self.commitments = CommitmentRepository(uow)

    # -- engagements ----------------------------------------------------------------------
    async def create(self, principal: Principal, data: EngagementCreate) -> EngagementRead:
        """Record a meeting with a duty bearer and the commitments made there. Raises
        BusinessRuleViolation (group, district, dates), Conflict (id taken)."""
        authorize(self.uow, principal, policies.MANAGE_ENGAGEMENTS, ENGAGEMENT)
        scope = leadership_scope(principal)
        if scope.organization_id is None:
            raise BusinessRuleViolation("Engagements belong to an organisation.")
        district_id = await place_activity(
            self.uow,
            principal,
            data.district_id,
            data.leader_group_id,
            district_sent="district_id" in data.model_fields_set,
        )
        check_not_future(data.held_on, "held_on")
        for index, promised in enumerate(data.commitments):
            _check_due(promised.due_on, data.held_on, f"commitments.{index}.due_on")
        ids = [data.id, *(c.id for c in data.commitments)]
        wanted = [i for i in ids if i is not None]
        if len(set(wanted)) != len(wanted):
            raise BusinessRuleViolation("Each id appears once.", field="commitments")
        await reject_taken_id(
            self.uow, principal, self.engagements, data.id, "duty_bearer_engagement"
        )
        for promised in data.commitments:
            await reject_taken_id(
                self.uow, principal, self.commitments, promised.id, "duty_bearer_commitment"
            )
        engagement = DutyBearerEngagement(
            organization_id=scope.organization_id,
            district_id=district_id,
            duty_bearer=data.duty_bearer,
            office=data.office,
            held_on=data.held_on,
            leader_group_id=data.leader_group_id,
            issues_raised=data.issues_raised,
            created_by=principal.id,
        )
        if data.id is not None:
            engagement.id = data.id
        await self.engagements.add(engagement)
        record(self.uow, principal, AuditAction.create, ENGAGEMENT, engagement.id)
        made = [await self._add_commitment(principal, engagement, c) for c in data.commitments]
        return self._read(principal, engagement, made)

    async def get(self, principal: Principal, engagement_id: UUID) -> EngagementRead:
        """One engagement with its commitments. Raises NotFound."""
        authorize(self.uow, principal, policies.READ_ENGAGEMENTS, ENGAGEMENT, engagement_id)
        engagement = await self._require(principal, engagement_id)
        return self._read(
            principal, engagement, await self.commitments.of_engagement(engagement.id)
        )

    async def list_engagements(
        self,
        principal: Principal,
        page: PageRequest,
        *,
        duty_bearer: DutyBearer | None,
        leader_group_id: UUID | None,
    ) -> EngagementPage:
        """Engagements in the caller's scope with their commitments, newest recorded first.
        Raises BadRequest."""
        authorize(self.uow, principal, policies.READ_ENGAGEMENTS, ENGAGEMENT)
        scope = leadership_scope(principal)
        where = self.engagements.narrowed(duty_bearer, leader_group_id)

        async def shown(engagements: Sequence[DutyBearerEngagement]) -> list[EngagementRead]:
            made = await self.commitments.of_engagements([e.id for e in engagements])
            return [self._read(principal, e, made[e.id]) for e in engagements]

        return await paginate(
            page,
            CREATED_DESC,
            fetch=lambda after, limit: self.engagements.page_in_scope(scope, where, after, limit),
            to_read=shown,
            count=lambda: self.engagements.count_in_scope(scope, where),
            page_type=EngagementPage,
        )

    async def update(
        self,
        principal: Principal,
        engagement_id: UUID,
        data: EngagementUpdate,
        expected_version: int,
    ) -> EngagementRead:
        """Correct an engagement's record; it stays within the caller's scope. Raises
        NotFound, PreconditionFailed, BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE_ENGAGEMENTS, ENGAGEMENT, engagement_id)
        engagement = await self._require(principal, engagement_id, for_update=True)
        check_version(engagement, expected_version, "engagement")
        changes = data.changes()
        if "district_id" in changes or "leader_group_id" in changes:
            changes["district_id"] = await place_activity(
                self.uow,
                principal,
                changes.get("district_id", engagement.district_id),
                changes.get("leader_group_id", engagement.leader_group_id),
                district_sent=True,
            )
        made = await self.commitments.of_engagement(engagement.id)
        if "held_on" in changes:
            check_not_future(changes["held_on"], "held_on")
            for promised in made:
                _check_due(promised.due_on, changes["held_on"], "held_on")
        if apply_changes(engagement, changes):
            touch(engagement)
            await self.engagements.save(engagement)
            record(self.uow, principal, AuditAction.update, ENGAGEMENT, engagement.id)
        return self._read(principal, engagement, made)

    # -- commitments ----------------------------------------------------------------------
    async def add_commitment(
        self, principal: Principal, engagement_id: UUID, data: CommitmentCreate
    ) -> CommitmentRead:
        """Add a commitment made at the meeting. Raises NotFound, BusinessRuleViolation
        (due date), Conflict (id taken)."""
        authorize(self.uow, principal, policies.MANAGE_ENGAGEMENTS, COMMITMENT)
        engagement = await self._require(principal, engagement_id, for_update=True)
        _check_due(data.due_on, engagement.held_on, "due_on")
        await reject_taken_id(
            self.uow, principal, self.commitments, data.id, "duty_bearer_commitment"
        )
        return _commitment_read(await self._add_commitment(principal, engagement, data))

    async def update_commitment(
        self,
        principal: Principal,
        engagement_id: UUID,
        commitment_id: UUID,
        data: CommitmentUpdate,
        expected_version: int,
    ) -> CommitmentRead:
        """Follow a commitment up (status, followed_up_on) or escalate it (escalated_to,
        escalated_on), or correct its wording and date. Raises NotFound, PreconditionFailed,
        BusinessRuleViolation (dates), InvalidState (escalating a fulfilled commitment)."""
        authorize(self.uow, principal, policies.MANAGE_ENGAGEMENTS, COMMITMENT, commitment_id)
        engagement = await self._require(principal, engagement_id, for_update=True)
        commitment = await require(
            self.commitments.get_in_engagement(engagement.id, commitment_id, for_update=True),
            "Commitment",
        )
        check_version(commitment, expected_version, "commitment")
        changes = data.changes()
        if "due_on" in changes:
            _check_due(changes["due_on"], engagement.held_on, "due_on")
        status = data.status or CommitmentStatus(commitment.status)
        if data.status is not None:
            if data.status is CommitmentStatus.open:
                changes["followed_up_on"] = None
            elif data.status is not CommitmentStatus(commitment.status) or data.followed_up_on:
                followed_up_on = data.followed_up_on or today()
                _check_after_meeting(followed_up_on, engagement.held_on, "followed_up_on")
                changes["followed_up_on"] = followed_up_on
        if data.escalated_to is not None:
            if status is CommitmentStatus.fulfilled:
                raise InvalidState("The commitment is fulfilled: there is nothing to escalate.")
            escalated_on = data.escalated_on or today()
            _check_after_meeting(escalated_on, engagement.held_on, "escalated_on")
            changes["escalated_on"] = escalated_on
        if apply_changes(commitment, changes):
            touch(commitment)
            await self.commitments.save(commitment)
            record(
                self.uow,
                principal,
                AuditAction.update,
                COMMITMENT,
                commitment.id,
                organization_id=engagement.organization_id,
            )
        return _commitment_read(commitment)

    async def overdue(
        self, principal: Principal, page: PageRequest, *, escalated: bool | None
    ) -> OverdueCommitmentPage:
        """Commitments in the caller's scope past their date and not fulfilled, oldest
        recorded first, each with its meeting. Raises BadRequest."""
        authorize(self.uow, principal, policies.READ_ENGAGEMENTS, COMMITMENT)
        scope = leadership_scope(principal)
        on = today()

        async def shown(made: Sequence[DutyBearerCommitment]) -> list[OverdueCommitmentRead]:
            meetings = await self.engagements.by_ids({c.engagement_id for c in made})
            return [_overdue_read(c, meetings[c.engagement_id], on) for c in made]

        return await paginate(
            page,
            CREATED_ASC,
            fetch=lambda after, limit: self.commitments.page_overdue(
                scope, on, escalated, after, limit
            ),
            to_read=shown,
            count=lambda: self.commitments.count_overdue(scope, on, escalated),
            page_type=OverdueCommitmentPage,
        )

    async def summary(self, principal: Principal) -> CommitmentSummary:
        """Commitments by duty bearer and status, and how many are overdue: counts only."""
        authorize(self.uow, principal, policies.SUMMARY, COMMITMENT)
        scope = summary_scope(principal)
        tally = await self.commitments.tally(scope)
        rows = []
        for bearer in DutyBearer:
            counts = {s: tally.get((bearer.value, s.value), 0) for s in CommitmentStatus}
            if not any(counts.values()):
                continue
            rows.append(
                CommitmentCounts(
                    duty_bearer=bearer,
                    open=counts[CommitmentStatus.open],
                    fulfilled=counts[CommitmentStatus.fulfilled],
                    partly_fulfilled=counts[CommitmentStatus.partly_fulfilled],
                    not_fulfilled=counts[CommitmentStatus.not_fulfilled],
                    total=sum(counts.values()),
                )
            )
        return CommitmentSummary(
            by_duty_bearer=rows,
            total=sum(r.total for r in rows),
            overdue=await self.commitments.count_overdue(scope, today(), None),
        )

    # -- helpers --------------------------------------------------------------------------
    async def _require(
        self, principal: Principal, engagement_id: UUID, *, for_update: bool = False
    ) -> DutyBearerEngagement:
        return await require(
            self.engagements.get_in_scope(
                engagement_id, leadership_scope(principal), for_update=for_update
            ),
            "Engagement",
        )

    async def _add_commitment(
        self, principal: Principal, engagement: DutyBearerEngagement, data: CommitmentCreate
    ) -> DutyBearerCommitment:
        commitment = DutyBearerCommitment(
            organization_id=engagement.organization_id,
            engagement_id=engagement.id,
            commitment=data.commitment,
            committed_by=data.committed_by,
            due_on=data.due_on,
            status=CommitmentStatus.open,
            created_by=principal.id,
        )
        if data.id is not None:
            commitment.id = data.id
        await self.commitments.add(commitment)
        record(
            self.uow,
            principal,
            AuditAction.create,
            COMMITMENT,
            commitment.id,
            organization_id=engagement.organization_id,
        )
        return commitment

    @staticmethod
    def _read(
        principal: Principal, engagement: DutyBearerEngagement, made: Sequence[DutyBearerCommitment]
    ) -> EngagementRead:
        return EngagementRead(
            id=engagement.id,
            organization_id=engagement.organization_id,
            duty_bearer=engagement.duty_bearer,
            office=engagement.office,
            held_on=engagement.held_on,
            district_id=engagement.district_id,
            leader_group_id=engagement.leader_group_id,
            issues_raised=engagement.issues_raised,
            commitments=[_commitment_read(c) for c in made],
            created_by=shown_author(principal, engagement.created_by),
            created_at=engagement.created_at,
            updated_at=engagement.updated_at,
            version=engagement.version,
        )


def _check_due(due_on: date | None, held_on: date, field: str) -> None:
    if due_on is not None and due_on < held_on:
        raise BusinessRuleViolation(
            "A commitment is not due before the meeting it was made at.", field=field
        )


def _check_after_meeting(day: date, held_on: date, field: str) -> None:
    check_not_future(day, field)
    if day < held_on:
        raise BusinessRuleViolation("The date lies before the meeting.", field=field)


def _commitment_read(commitment: DutyBearerCommitment) -> CommitmentRead:
    return CommitmentRead(
        id=commitment.id,
        engagement_id=commitment.engagement_id,
        commitment=commitment.commitment,
        committed_by=commitment.committed_by,
        due_on=commitment.due_on,
        status=commitment.status,
        followed_up_on=commitment.followed_up_on,
        escalated_on=commitment.escalated_on,
        escalated_to=commitment.escalated_to,
        overdue=is_overdue(commitment, today()),
        created_at=commitment.created_at,
        updated_at=commitment.updated_at,
        version=commitment.version,
    )


def _overdue_read(
    commitment: DutyBearerCommitment, engagement: DutyBearerEngagement, on: date
) -> OverdueCommitmentRead:
    due_on = commitment.due_on or on  # the overdue list holds dated commitments only
    return OverdueCommitmentRead(
        **_commitment_read(commitment).model_dump(),
        duty_bearer=engagement.duty_bearer,
        office=engagement.office,
        held_on=engagement.held_on,
        district_id=engagement.district_id,
        leader_group_id=engagement.leader_group_id,
        days_overdue=(on - due_on).days,
    )
