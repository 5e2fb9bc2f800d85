"""The care plan as the API speaks it: the survivor's goals, their order, her agreement."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.common.dates import HorizonDate
from domain.common.pagination import Page
from domain.common.schemas import PatchBody, Personal, ReadModel, RequestBody
from persistence.models.case_vocabulary import (
    CbrComponent,
    ConsentMethod,
    GoalStatus,
    Responsible,
)

# How many goals a plan holds open at once: a survivor's priorities, not a task list.
MAX_OPEN_GOALS = 50
MAX_ACTIONS = 30

GoalWording = Field(
    min_length=1, max_length=1000, description="The goal in her words; sealed at rest."
)
Rank = Field(
    default=None,
    ge=1,
    le=MAX_OPEN_GOALS,
    description="Her priority among the open goals, 1 first. Inserting or moving a goal to a "
    "rank shifts the others down.",
)
ResponsibleOrganization = Field(
    default=None,
    description="The organisation or government department that acts; required when "
    "`responsible` is `organization` or `government_department`, refused otherwise.",
)


class GoalAction(RequestBody):
    """One step towards the goal."""

    action: str = Field(min_length=1, max_length=500, description="Sealed with the goal.")
    done: bool = False


class GoalCreate(RequestBody):
    """A goal she sets for herself. Without ``rank`` it comes after her open goals."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "component": "livelihood",
                    "rank": 1,
                    "goal": "Run my own tailoring unit from home",
                    "actions": [
                        {"action": "Join the SHG tailoring course", "done": False},
                        {"action": "Open a Jan Dhan account", "done": True},
                    ],
                    "responsible": "organization",
                    "responsible_organization_id": "5a0e9a7e-3f1b-4c2d-9e8f-7a6b5c4d3e2f",
                    "target_on": "2027-06-30",
                    "review_on": "2027-01-15",
                }
            ]
        }
    )

    id: UUID | None = None
    component: CbrComponent
    rank: int | None = Rank
    goal: str = GoalWording
    actions: list[GoalAction] = Field(default_factory=list, max_length=MAX_ACTIONS)
    responsible: Responsible
    responsible_organization_id: UUID | None = ResponsibleOrganization
    target_on: HorizonDate | None = Field(
        default=None,
        description="When she hopes to reach it; not before the case opened, at most ten years "
        "ahead.",
    )
    review_on: date | None = Field(
        default=None, description="When to look at it together again; not in the past."
    )


class GoalUpdate(PatchBody):
    """Change a goal, move it in her order, or move it on: not_started -> in_progress ->
    achieved | dropped (a goal not started may be dropped too). Dropping needs
    ``drop_reason``; achieving sets ``achieved_on`` (today unless sent). An achieved or dropped
    goal leaves the ranking and is kept as it was."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"status": "in_progress", "rank": 1},
                {"status": "dropped", "drop_reason": "She chose to study instead."},
                {"actions": [{"action": "Join the SHG tailoring course", "done": True}]},
            ]
        }
    )
    nullable_fields = frozenset({"responsible_organization_id", "target_on", "review_on"})

    component: CbrComponent | None = None
    rank: int | None = Rank
    goal: str | None = Field(default=None, min_length=1, max_length=1000)
    actions: list[GoalAction] | None = Field(default=None, max_length=MAX_ACTIONS)
    responsible: Responsible | None = None
    responsible_organization_id: UUID | None = ResponsibleOrganization
    target_on: HorizonDate | None = None
    review_on: date | None = None
    status: GoalStatus | None = None
    achieved_on: date | None = Field(
        default=None, description="Only with status achieved; defaults to today."
    )
    drop_reason: str | None = Field(
        default=None,
        min_length=3,
        max_length=1000,
        description="Why she let the goal go; required with status dropped, sealed at rest.",
    )

    @model_validator(mode="after")
    def _status_fields(self) -> GoalUpdate:
        if self.achieved_on is not None and self.status is not GoalStatus.achieved:
            raise ValueError("achieved_on goes with status achieved")
        if self.drop_reason is not None and self.status is not GoalStatus.dropped:
            raise ValueError("drop_reason goes with status dropped")
        if self.status is GoalStatus.dropped and self.drop_reason is None:
            raise ValueError("dropping a goal needs drop_reason")
        return self


class GoalOrder(RequestBody):
    """Her open goals, all of them, in her new order of priority."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "goal_ids": [
                        "6f1e2d3c-4b5a-4968-8776-655443322110",
                        "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                    ]
                }
            ]
        }
    )

    goal_ids: list[UUID] = Field(min_length=1, max_length=MAX_OPEN_GOALS)

    @field_validator("goal_ids")
    @classmethod
    def _each_once(cls, goal_ids: list[UUID]) -> list[UUID]:
        if len(set(goal_ids)) != len(goal_ids):
            raise ValueError("each goal appears once")
        return goal_ids


class GoalRead(ReadModel):
    id: UUID
    case_id: UUID
    organization_id: UUID
    component: CbrComponent
    rank: int = Field(
        description="Her priority among the open goals (1 first); an achieved or dropped goal "
        "keeps the rank it last held."
    )
    goal: Annotated[str, Personal()]
    actions: Annotated[list[GoalAction], Personal()]
    responsible: Responsible
    responsible_organization_id: UUID | None
    target_on: date | None
    review_on: date | None
    status: GoalStatus
    achieved_on: date | None
    drop_reason: Annotated[str | None, Personal()]
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class RankedGoals(BaseModel):
    """Her open goals in her order of priority."""

    items: list[GoalRead]


class AgreementCreate(RequestBody):
    """She agrees to the plan as it stands now: its open goals are recorded with the
    agreement."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "method": "thumbprint",
                    "agreed_on": "2026-12-02",
                    "notes": "Read out in Bengali with her sister present.",
                }
            ]
        }
    )

    id: UUID | None = None
    method: ConsentMethod
    witnessed_by: UUID | None = Field(
        default=None,
        description="A user of the case's organisation who witnessed it; defaults to the "
        "caller (an integration client must name one).",
    )
    agreed_on: date | None = Field(
        default=None, description="Defaults to today; not in the future, not before the case."
    )
    notes: str | None = Field(
        default=None, min_length=1, max_length=2000, description="Sealed at rest."
    )


class AgreementRead(ReadModel):
    id: UUID
    case_id: UUID
    organization_id: UUID
    agreed_on: date
    method: ConsentMethod
    witnessed_by: UUID | None
    goal_ids: list[UUID] = Field(description="Her open goals at that moment, by rank.")
    notes: Annotated[str | None, Personal()]
    created_by: UUID | None
    created_at: datetime
    version: int


class AgreementState(BaseModel):
    agreement: AgreementRead | None = Field(
        description="Her latest agreement; null when she has not agreed to a plan yet."
    )
    changed_since_agreement: bool = Field(
        description="Whether a goal was added or changed after it (true when goals exist but "
        "she never agreed)."
    )


class ComponentCounts(BaseModel):
    """How many goals the plan holds under one CBR component, by status."""

    component: CbrComponent
    not_started: int
    in_progress: int
    achieved: int
    dropped: int
    total: int


class CarePlanRead(BaseModel):
    case_id: UUID
    goals: list[GoalRead] = Field(
        description="Open goals by her rank, then achieved and dropped goals."
    )
    components: list[ComponentCounts] = Field(
        description="Every CBR component (health, education, livelihood, social, "
        "empowerment) with its goals counted by status."
    )
    agreement: AgreementRead | None = Field(description="Her latest agreement, if any.")
    changed_since_agreement: bool


GoalPage = Page[GoalRead]
AgreementPage = Page[AgreementRead]
