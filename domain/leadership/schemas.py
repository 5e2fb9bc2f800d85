"""Survivor leadership as the API speaks it: leader groups, members, meetings, campaigns,
duty-bearer engagements and their commitments, and the counts analysts see."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.common.pagination import Page
from domain.common.schemas import PatchBody, Personal, ReadModel, RequestBody
from persistence.models.leadership_vocabulary import (
    CampaignKind,
    CommitmentStatus,
    DutyBearer,
    LeaderRole,
)

MAX_PARTNERS = 20
MAX_ATTENDEES = 200
MAX_DECISIONS = 50
MAX_COMMITMENTS = 30
MAX_REACH = 1_000_000

Reach = Field(default=0, ge=0, le=MAX_REACH)


def _each_once(ids: list[UUID] | None) -> list[UUID] | None:
    if ids is not None and len(set(ids)) != len(ids):
        raise ValueError("each id appears once")
    return ids


# -- leader groups --------------------------------------------------------------------------
class LeaderGroupCreate(RequestBody):
    """A collective of survivor leaders in a district."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Canning Survivor Leaders' Collective",
                    "district_id": "0b6d3f4e-2b1a-5c6d-8e9f-0a1b2c3d4e5f",
                    "formed_on": "2024-03-08",
                    "forum_organization_id": "5a0e9a7e-3f1b-4c2d-9e8f-7a6b5c4d3e2f",
                }
            ]
        }
    )

    id: UUID | None = None
    name: str = Field(min_length=1, max_length=200)
    district_id: UUID
    formed_on: date = Field(description="Not in the future.")
    forum_organization_id: UUID | None = Field(
        default=None,
        description="The national survivors' forum the group belongs to (an organisation "
        "record, e.g. ILFAT).",
    )


class LeaderGroupUpdate(PatchBody):
    """Rename the group, correct its district or formation date, change its forum."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "Canning Survivor Leaders' Forum", "forum_organization_id": None}]
        }
    )

    nullable_fields = frozenset({"forum_organization_id"})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    district_id: UUID | None = None
    formed_on: date | None = None
    forum_organization_id: UUID | None = None


class LeaderGroupRead(ReadModel):
    id: UUID
    organization_id: UUID
    name: str
    district_id: UUID | None
    formed_on: date
    forum_organization_id: UUID | None
    current_members: int = Field(description="Members whose membership has not ended.")
    created_at: datetime
    updated_at: datetime
    version: int


class MemberCreate(RequestBody):
    """A survivor leader joins the group: her account (role survivor_leader) and, when the
    organisation holds her survivor record and the caller may see it, that link."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "user_id": "8a0f5b2c-1d3e-4f5a-9b8c-7d6e5f4a3b2c",
                    "role": "convenor",
                    "joined_on": "2024-03-08",
                }
            ]
        }
    )

    id: UUID | None = None
    user_id: UUID | None = Field(
        default=None, description="Her account: a survivor leader of the group's organisation."
    )
    survivor_id: UUID | None = Field(
        default=None, description="Her survivor record, when the caller may see it."
    )
    role: LeaderRole = LeaderRole.member
    joined_on: date = Field(description="Not in the future.")

    @model_validator(mode="after")
    def _someone(self) -> MemberCreate:
        if self.user_id is None and self.survivor_id is None:
            raise ValueError("name the member by user_id or survivor_id")
        return self


class MemberUpdate(PatchBody):
    """Change her role, or end her membership (``left_on``; null reopens it)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"role": "secretary"}, {"left_on": "2026-10-31"}]}
    )

    nullable_fields = frozenset({"left_on"})

    role: LeaderRole | None = None
    joined_on: date | None = None
    left_on: date | None = None


class MemberRead(ReadModel):
    id: UUID
    group_id: UUID
    role: LeaderRole
    joined_on: date
    left_on: date | None
    user_id: UUID | None = Field(
        description="Her account; null for callers who may not see the group's people."
    )
    full_name: Annotated[str | None, Personal()] = Field(
        description="Her account's name; null for callers who may not see the group's people."
    )
    survivor_id: UUID | None = Field(
        description="Her survivor record, only for a caller who may see that survivor."
    )
    created_at: datetime
    updated_at: datetime
    version: int


class MeetingCreate(RequestBody):
    """A meeting of the group: when, who came (member ids), the agenda and the decisions."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "held_on": "2026-11-20",
                    "agenda": "Plan the 25 November rally; review the thana commitments",
                    "attended_member_ids": ["6f1e2d3c-4b5a-4968-8776-655443322110"],
                    "decisions": ["Rally at Canning station on 25 November"],
                }
            ]
        }
    )

    id: UUID | None = None
    held_on: date = Field(description="Not before the group was formed, not in the future.")
    agenda: str | None = Field(default=None, min_length=1, max_length=1000)
    attended_member_ids: list[UUID] = Field(default_factory=list, max_length=MAX_ATTENDEES)
    decisions: list[Annotated[str, Field(max_length=1000)]] = Field(
        default_factory=list,
        max_length=MAX_DECISIONS,
        description="Each 1-1000 characters; sealed at rest.",
    )

    @field_validator("attended_member_ids")
    @classmethod
    def _members_once(cls, ids: list[UUID]) -> list[UUID]:
        _each_once(ids)
        return ids

    @field_validator("decisions")
    @classmethod
    def _decisions(cls, decisions: list[str]) -> list[str]:
        cleaned = [d.strip() for d in decisions]
        if any(not d or len(d) > 1000 for d in cleaned):
            raise ValueError("each decision is 1-1000 characters")
        return cleaned


class MeetingRead(ReadModel):
    id: UUID
    group_id: UUID
    held_on: date
    agenda: Annotated[str | None, Personal()]
    attended_member_ids: list[UUID]
    attendance: int = Field(description="How many members attended.")
    decisions: Annotated[list[str], Personal()]
    created_by: UUID | None = Field(
        description="Who recorded it; null for integration clients (it may name a survivor leader)."
    )
    created_at: datetime
    version: int


# -- campaigns ------------------------------------------------------------------------------
class CampaignCreate(RequestBody):
    """A campaign or community event and whom it reached. A survivor leader records those of
    her own groups (``leader_group_id`` required); a social worker those of her districts.
    Without ``district_id`` the group's district is taken."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "street_play",
                    "title": "Naya Savera street play on safe migration",
                    "place": "Canning station market",
                    "held_on": "2026-11-25",
                    "leader_group_id": "3c2b1a0f-9e8d-4c7b-8a69-5f4e3d2c1b0a",
                    "partner_organization_ids": [],
                    "reached_women": 120,
                    "reached_men": 80,
                    "reached_youth": 45,
                    "reached_children": 30,
                    "outcomes": "Two families asked about the helpline.",
                }
            ]
        }
    )

    id: UUID | None = None
    kind: CampaignKind
    title: str = Field(min_length=1, max_length=200)
    place: str | None = Field(default=None, min_length=1, max_length=200)
    district_id: UUID | None = None
    held_on: date = Field(description="Not in the future.")
    leader_group_id: UUID | None = None
    partner_organization_ids: list[UUID] = Field(default_factory=list, max_length=MAX_PARTNERS)
    reached_women: int = Reach
    reached_men: int = Reach
    reached_youth: int = Reach
    reached_children: int = Reach
    outcomes: str | None = Field(default=None, min_length=1, max_length=2000)

    @field_validator("partner_organization_ids")
    @classmethod
    def _partners_once(cls, ids: list[UUID]) -> list[UUID]:
        _each_once(ids)
        return ids


class CampaignUpdate(PatchBody):
    """Correct a campaign: any field; the record must stay within the caller's scope."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"reached_youth": 60, "outcomes": "The school asked for a second session."}
            ]
        }
    )

    nullable_fields = frozenset({"place", "district_id", "leader_group_id", "outcomes"})

    kind: CampaignKind | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    place: str | None = Field(default=None, min_length=1, max_length=200)
    district_id: UUID | None = None
    held_on: date | None = None
    leader_group_id: UUID | None = None
    partner_organization_ids: list[UUID] | None = Field(default=None, max_length=MAX_PARTNERS)
    reached_women: int | None = Field(default=None, ge=0, le=MAX_REACH)
    reached_men: int | None = Field(default=None, ge=0, le=MAX_REACH)
    reached_youth: int | None = Field(default=None, ge=0, le=MAX_REACH)
    reached_children: int | None = Field(default=None, ge=0, le=MAX_REACH)
    outcomes: str | None = Field(default=None, min_length=1, max_length=2000)

    @field_validator("partner_organization_ids")
    @classmethod
    def _partners_once(cls, ids: list[UUID] | None) -> list[UUID] | None:
        return _each_once(ids)


class CampaignRead(ReadModel):
    id: UUID
    organization_id: UUID
    kind: CampaignKind
    title: str
    place: str | None
    district_id: UUID | None
    held_on: date
    leader_group_id: UUID | None
    partner_organization_ids: list[UUID]
    reached_women: int
    reached_men: int
    reached_youth: int
    reached_children: int
    reached_total: int
    outcomes: str | None
    created_by: UUID | None = Field(
        description="Who recorded it; null for integration clients (it may name a survivor leader)."
    )
    created_at: datetime
    updated_at: datetime
    version: int


class CampaignKindCount(BaseModel):
    kind: CampaignKind
    campaigns: int
    reached_women: int
    reached_men: int
    reached_youth: int
    reached_children: int
    reached_total: int


class CampaignSummary(BaseModel):
    """Campaigns and their reach, counted by kind (counts only)."""

    held_from: date | None
    held_to: date | None
    campaigns: int
    reached_total: int
    by_kind: list[CampaignKindCount] = Field(description="Every kind, with zeros.")


# -- duty bearers ---------------------------------------------------------------------------
class CommitmentCreate(RequestBody):
    """What a duty bearer promised, who promised it (an office or post, not a private person's
    details) and by when."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "commitment": "Hold a ration card camp in the gram panchayat",
                    "committed_by": "Block Development Officer",
                    "due_on": "2027-01-15",
                }
            ]
        }
    )

    id: UUID | None = None
    commitment: str = Field(min_length=1, max_length=1000)
    committed_by: str = Field(min_length=1, max_length=200)
    due_on: date | None = Field(
        default=None, description="Not before the meeting; without it it is never overdue."
    )


class CommitmentUpdate(PatchBody):
    """Follow a commitment up (``status``: fulfilled, partly_fulfilled, not_fulfilled, or open
    again; ``followed_up_on`` defaults to today when the status changes) or escalate it
    (``escalated_to``; ``escalated_on`` defaults to today). A fulfilled commitment is not
    escalated."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"status": "partly_fulfilled", "followed_up_on": "2026-11-27"},
                {"escalated_to": "Superintendent of Police, Baruipur"},
            ]
        }
    )
    nullable_fields = frozenset({"due_on"})

    commitment: str | None = Field(default=None, min_length=1, max_length=1000)
    committed_by: str | None = Field(default=None, min_length=1, max_length=200)
    due_on: date | None = None
    status: CommitmentStatus | None = None
    followed_up_on: date | None = None
    escalated_to: str | None = Field(default=None, min_length=1, max_length=200)
    escalated_on: date | None = None

    @model_validator(mode="after")
    def _pairs(self) -> CommitmentUpdate:
        if self.followed_up_on is not None and self.status is None:
            raise ValueError("followed_up_on goes with status")
        if self.escalated_on is not None and self.escalated_to is None:
            raise ValueError("escalated_on goes with escalated_to")
        return self


class CommitmentRead(ReadModel):
    id: UUID
    engagement_id: UUID
    commitment: str
    committed_by: str
    due_on: date | None
    status: CommitmentStatus
    followed_up_on: date | None
    escalated_on: date | None
    escalated_to: str | None
    overdue: bool = Field(description="Past its date and not fulfilled.")
    created_at: datetime
    updated_at: datetime
    version: int


class OverdueCommitmentRead(CommitmentRead):
    duty_bearer: DutyBearer
    office: str
    held_on: date
    district_id: UUID | None
    leader_group_id: UUID | None
    days_overdue: int


class EngagementCreate(RequestBody):
    """A meeting with a duty bearer: which one, which office, when, the issues raised and the
    commitments made. A survivor leader records those of her own groups."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "duty_bearer": "police",
                    "office": "Canning Police Station",
                    "held_on": "2026-11-18",
                    "leader_group_id": "3c2b1a0f-9e8d-4c7b-8a69-5f4e3d2c1b0a",
                    "issues_raised": "Complaints of missing girls not registered as FIRs.",
                    "commitments": [
                        {
                            "commitment": "Register every missing-child complaint as an FIR",
                            "committed_by": "Officer in charge",
                            "due_on": "2026-12-18",
                        }
                    ],
                }
            ]
        }
    )

    id: UUID | None = None
    duty_bearer: DutyBearer
    office: str = Field(min_length=1, max_length=200)
    held_on: date = Field(description="Not in the future.")
    district_id: UUID | None = None
    leader_group_id: UUID | None = None
    issues_raised: str = Field(min_length=1, max_length=4000)
    commitments: list[CommitmentCreate] = Field(default_factory=list, max_length=MAX_COMMITMENTS)


class EngagementUpdate(PatchBody):
    """Correct a meeting's record; the record must stay within the caller's scope."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"office": "Canning Police Station, women's help desk"}]}
    )

    nullable_fields = frozenset({"district_id", "leader_group_id"})

    duty_bearer: DutyBearer | None = None
    office: str | None = Field(default=None, min_length=1, max_length=200)
    held_on: date | None = None
    district_id: UUID | None = None
    leader_group_id: UUID | None = None
    issues_raised: str | None = Field(default=None, min_length=1, max_length=4000)


class EngagementRead(ReadModel):
    id: UUID
    organization_id: UUID
    duty_bearer: DutyBearer
    office: str
    held_on: date
    district_id: UUID | None
    leader_group_id: UUID | None
    issues_raised: str
    commitments: list[CommitmentRead]
    created_by: UUID | None = Field(
        description="Who recorded it; null for integration clients (it may name a survivor leader)."
    )
    created_at: datetime
    updated_at: datetime
    version: int


class CommitmentCounts(BaseModel):
    duty_bearer: DutyBearer
    open: int
    fulfilled: int
    partly_fulfilled: int
    not_fulfilled: int
    total: int


class CommitmentSummary(BaseModel):
    """Commitments of duty bearers counted by duty bearer and status (counts only)."""

    by_duty_bearer: list[CommitmentCounts] = Field(description="Duty bearers with commitments.")
    total: int
    overdue: int


class LeaderGroupSummary(BaseModel):
    """Leader groups and their current members (counts only)."""

    groups: int
    current_members: int


LeaderGroupPage = Page[LeaderGroupRead]
MemberPage = Page[MemberRead]
MeetingPage = Page[MeetingRead]
CampaignPage = Page[CampaignRead]
EngagementPage = Page[EngagementRead]
OverdueCommitmentPage = Page[OverdueCommitmentRead]
