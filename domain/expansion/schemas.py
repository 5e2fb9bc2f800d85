"""Expansion and policy engagement as the API speaks it: partner onboarding and its stages,
partners' aggregates, CBR readiness assessments, advocacy actions with their evidence, studies
and media engagements with a survivor's story linked under her consent."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.common.pagination import Page
from domain.common.schemas import PatchBody, Personal, ReadModel, RequestBody
from domain.common.staff import OrganizationName, StaffName
from domain.evidence.schemas import CitedFigure
from persistence.models.leadership_vocabulary import (
    AdvocacyKind,
    AdvocacyLevel,
    MediaKind,
    OnboardingStage,
    StudyStatus,
)

MAX_CRITERIA = 50
# How many indicators one advocacy action may cite.
MAX_CITED = 50
MAX_DOCUMENTS = 20
DocumentReference = Annotated[str, Field(max_length=500)]

IndicatorCode = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,79}$")]

Notes = Field(default=None, min_length=1, max_length=2000)
StageNote = Field(
    default=None,
    min_length=1,
    max_length=1000,
    description="Why it moved (organisational, no personal data).",
)
Story = Field(
    default=None,
    min_length=1,
    max_length=8000,
    description="The survivor's story as she agreed to tell it; sealed at rest. Needs "
    "`survivor_id` and her media/advocacy consent in force.",
)
StorySurvivor = Field(
    default=None,
    description="A survivor of the caller's organisation whose story this uses; her "
    "media/advocacy consent must be in force now.",
)


# -- onboarding -----------------------------------------------------------------------------
class OnboardingCreate(RequestBody):
    """Start taking a partner organisation (in a state) through onboarding."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "partner_organization_id": "5a0e9a7e-3f1b-4c2d-9e8f-7a6b5c4d3e2f",
                    "state_id": "397a19ed-63f8-580f-9a98-4b9d7004b2db",
                    "stage": "explored",
                    "stage_since": "2026-11-02",
                    "notes": "Met at the Kolkata consultation; works in three districts.",
                }
            ]
        }
    )

    id: UUID | None = None
    partner_organization_id: UUID = Field(
        description="The partner: its own organisation on the platform, with its own users."
    )
    state_id: UUID
    stage: OnboardingStage = Field(
        default=OnboardingStage.explored, description="Where it starts; not `paused`."
    )
    stage_since: date | None = Field(default=None, description="Defaults to today.")
    agreement_signed_on: date | None = Field(
        default=None, description="Only when starting at agreement_signed or implementing."
    )
    notes: str | None = Notes

    @model_validator(mode="after")
    def _start(self) -> OnboardingCreate:
        if self.stage is OnboardingStage.paused:
            raise ValueError("onboarding cannot start paused")
        signed = self.stage in (OnboardingStage.agreement_signed, OnboardingStage.implementing)
        if self.agreement_signed_on is not None and not signed:
            raise ValueError("agreement_signed_on goes with an agreement signed")
        return self


class OnboardingUpdate(PatchBody):
    """Change the notes or the date the agreement was signed (stages move through
    ``POST .../stage``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"notes": "Board approved a CBR pilot in two blocks; field team hiring in January."}
            ]
        }
    )

    nullable_fields = frozenset({"notes"})

    notes: str | None = Notes
    agreement_signed_on: date | None = None


class StageMove(RequestBody):
    """Move the onboarding on: explored -> scoping -> agreement_signed -> implementing; any
    stage -> paused; paused -> the stage it was paused at."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"to_stage": "agreement_signed", "changed_on": "2026-11-20", "note": "MoU signed"}
            ]
        }
    )

    to_stage: OnboardingStage
    changed_on: date | None = Field(default=None, description="Defaults to today.")
    agreement_signed_on: date | None = Field(
        default=None, description="With agreement_signed; defaults to `changed_on`."
    )
    note: str | None = StageNote

    @model_validator(mode="after")
    def _signed(self) -> StageMove:
        if (
            self.agreement_signed_on is not None
            and self.to_stage is not OnboardingStage.agreement_signed
        ):
            raise ValueError("agreement_signed_on goes with to_stage agreement_signed")
        return self


class OnboardingRead(ReadModel):
    id: UUID
    organization_id: UUID = Field(description="The lead organisation.")
    partner_organization_id: UUID
    state_id: UUID
    stage: OnboardingStage
    stage_since: date
    agreement_signed_on: date | None
    notes: str | None
    next_stages: list[OnboardingStage] = Field(description="Where it may move from here.")
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class StageChangeRead(ReadModel):
    id: UUID
    onboarding_id: UUID
    from_stage: OnboardingStage | None
    to_stage: OnboardingStage
    changed_on: date
    at: datetime
    by: UUID | None
    by_name: StaffName = None
    by_organization_name: OrganizationName = None
    note: str | None


class PartnerAggregates(BaseModel):
    """A partner's figures as the lead organisation may see them: indicators of the catalogue
    totalled over a range, small figures suppressed; no record, no name."""

    onboarding_id: UUID
    partner_organization_id: UUID
    starts_on: date = Field(
        description="The range the figures cover (default: the financial year to date)."
    )
    ends_on: date
    as_of: datetime = Field(description="When the figures were computed (live).")
    suppression_threshold: int = Field(description="Figures about 1 to k-1 persons are hidden.")
    indicators: list[CitedFigure]


# -- readiness ------------------------------------------------------------------------------
class ReadinessCriterion(RequestBody):
    """One criterion of CBR readiness and its score."""

    code: str = Field(
        min_length=1, max_length=60, pattern=r"^[a-z0-9_]+$", description="e.g. `staff_trained`."
    )
    label: str = Field(min_length=1, max_length=300)
    score: int = Field(ge=0, le=100)
    max_score: int = Field(ge=1, le=100)

    @model_validator(mode="after")
    def _within(self) -> ReadinessCriterion:
        if self.score > self.max_score:
            raise ValueError("score may not exceed max_score")
        return self


class ReadinessCreate(RequestBody):
    """A readiness assessment of the partner: each criterion scored; the total and the
    percentage are computed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "assessed_on": "2026-11-24",
                    "criteria": [
                        {
                            "code": "community_presence",
                            "label": "Works in the source villages",
                            "score": 3,
                            "max_score": 4,
                        },
                        {
                            "code": "survivor_collective",
                            "label": "A survivor collective exists or is forming",
                            "score": 2,
                            "max_score": 4,
                        },
                    ],
                    "notes": "Strong field team; no case-management system yet.",
                }
            ]
        }
    )

    id: UUID | None = None
    assessed_on: date | None = Field(default=None, description="Defaults to today.")
    criteria: list[ReadinessCriterion] = Field(min_length=1, max_length=MAX_CRITERIA)
    notes: str | None = Notes

    @field_validator("criteria")
    @classmethod
    def _codes_once(cls, criteria: list[ReadinessCriterion]) -> list[ReadinessCriterion]:
        if len({c.code for c in criteria}) != len(criteria):
            raise ValueError("each criterion code appears once")
        return criteria


class ReadinessCriterionRead(BaseModel):
    code: str
    label: str
    score: int
    max_score: int


class ReadinessRead(BaseModel):
    id: UUID
    onboarding_id: UUID
    organization_id: UUID
    partner_organization_id: UUID
    assessed_on: date
    criteria: list[ReadinessCriterionRead]
    notes: str | None
    total: int
    max_total: int
    percentage: float = Field(description="total / max_total x 100, one decimal.")
    created_by: UUID | None
    created_at: datetime
    version: int


# -- advocacy -------------------------------------------------------------------------------
class AdvocacyCreate(RequestBody):
    """An advocacy action. The evidence snapshot is computed from the organisation's
    aggregates at this moment and frozen."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "level": "state",
                    "body": "Department of Women and Child Development, West Bengal",
                    "kind": "submission",
                    "state_id": "397a19ed-63f8-580f-9a98-4b9d7004b2db",
                    "acted_on": "2026-11-20",
                    "ask": "Notify the state victim compensation scheme's CBR component.",
                    "documents": ["WCD/2026/118 submission letter"],
                    "cite": ["survivors_associated", "active_cases", "new_registrations"],
                    "evidence_from": "2026-04-01",
                }
            ]
        }
    )

    id: UUID | None = None
    level: AdvocacyLevel
    body: str = Field(min_length=1, max_length=200, description="The department or body.")
    kind: AdvocacyKind
    state_id: UUID | None = Field(default=None, description="Required at state level.")
    acted_on: date
    ask: str = Field(min_length=1, max_length=2000)
    outcome: str | None = Field(default=None, min_length=1, max_length=2000)
    documents: list[DocumentReference] = Field(
        default_factory=list,
        max_length=MAX_DOCUMENTS,
        description="References to documents (letter numbers, file names, links).",
    )
    cite: list[IndicatorCode] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_CITED,
        description="The indicators cited, by catalogue code (`GET /api/v1/indicators`); the "
        "headline indicators of every outcome when absent.",
    )
    evidence_from: date | None = Field(
        default=None,
        description="The first day the cited figures cover (default: 1 April of the "
        "financial year of `evidence_to`).",
    )
    evidence_to: date | None = Field(
        default=None, description="The last day the cited figures cover (default: today)."
    )

    @field_validator("documents")
    @classmethod
    def _documents(cls, documents: list[str]) -> list[str]:
        cleaned = [d.strip() for d in documents]
        if any(not d or len(d) > 500 for d in cleaned):
            raise ValueError("each document reference has 1 to 500 characters")
        return cleaned

    @model_validator(mode="after")
    def _state(self) -> AdvocacyCreate:
        if self.level is AdvocacyLevel.state and self.state_id is None:
            raise ValueError("a state-level action names its state_id")
        if (
            self.evidence_from is not None
            and self.evidence_to is not None
            and self.evidence_from > self.evidence_to
        ):
            raise ValueError("evidence_from may not come after evidence_to")
        return self


class AdvocacyUpdate(PatchBody):
    """Record the outcome or correct the action; the evidence stays as it was saved."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "outcome": "The department agreed to pilot the CBR component in two "
                    "districts from April.",
                    "documents": [
                        "WCD/2026/118 submission letter",
                        "WCD/2026/131 minutes of the review meeting",
                    ],
                }
            ]
        }
    )

    nullable_fields = frozenset({"outcome"})

    body: str | None = Field(default=None, min_length=1, max_length=200)
    kind: AdvocacyKind | None = None
    acted_on: date | None = None
    ask: str | None = Field(default=None, min_length=1, max_length=2000)
    outcome: str | None = Field(default=None, min_length=1, max_length=2000)
    documents: list[DocumentReference] | None = Field(default=None, max_length=MAX_DOCUMENTS)

    @field_validator("documents")
    @classmethod
    def _documents(cls, documents: list[str] | None) -> list[str] | None:
        if documents is None:
            return None
        return AdvocacyCreate._documents(documents)


class EvidenceSnapshot(BaseModel):
    """The indicator figures cited, as they stood when the action was saved (frozen)."""

    as_of: datetime
    source: Literal["catalogue", "record_counts"] = Field(
        default="record_counts",
        description="`catalogue`: indicators of the catalogue totalled over `starts_on` to "
        "`ends_on` by the evidence engine, small figures suppressed. `record_counts`: "
        "evidence saved before the catalogue existed (counts of live records at `as_of`), "
        "kept as it was.",
    )
    starts_on: date | None = Field(default=None, description="Null before the catalogue.")
    ends_on: date | None = Field(default=None, description="Null before the catalogue.")
    suppression_threshold: int = Field(description="Figures about 1 to k-1 persons are hidden.")
    indicators: list[CitedFigure]


class AdvocacyRead(ReadModel):
    id: UUID
    organization_id: UUID
    level: AdvocacyLevel
    body: str
    kind: AdvocacyKind
    state_id: UUID | None
    acted_on: date
    ask: str
    outcome: str | None
    documents: list[str]
    evidence: EvidenceSnapshot
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


# -- studies and media ----------------------------------------------------------------------
class StoryState(StrEnum):
    none = "none"  # no survivor linked
    linked = "linked"  # shown: her consent stands
    withheld = "withheld"  # the caller's role does not see survivors' stories
    hidden_consent_withdrawn = "hidden_consent_withdrawn"  # her consent no longer stands


class StoryLink(BaseModel):
    state: StoryState
    survivor_id: UUID | None = Field(description="Only when `linked`.")
    story: Annotated[str | None, Personal()] = Field(description="Only when `linked`.")
    detail: str | None = Field(description="Why the story is not shown, without personal data.")


class StudyCreate(RequestBody):
    """A study, e.g. the national documentation of CBR practice."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "title": "Documenting community-based rehabilitation practice",
                    "summary": "How survivor collectives, SHGs and district services work "
                    "together after return; interviews with staff and collective leaders.",
                    "purpose": "Describe what helps survivors stay safe and earn after return.",
                    "approving_body": "University institutional ethics committee",
                    "partners": "Two partner NGOs and a university social work department",
                    "status": "ongoing",
                    "started_on": "2026-09-01",
                }
            ]
        }
    )

    id: UUID | None = None
    title: str = Field(min_length=1, max_length=300)
    summary: str | None = Field(default=None, min_length=1, max_length=4000)
    purpose: str | None = Field(
        default=None,
        min_length=1,
        max_length=1000,
        description="What the study is for (a research extract needs it).",
    )
    approving_body: str | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        description="Who approved it, e.g. an ethics committee (a research extract needs it).",
    )
    partners: str | None = Field(default=None, min_length=1, max_length=500)
    status: StudyStatus = StudyStatus.planned
    started_on: date | None = None
    published_on: date | None = None
    link: str | None = Field(default=None, min_length=1, max_length=500)
    survivor_id: UUID | None = StorySurvivor
    story: str | None = Story

    @model_validator(mode="after")
    def _check(self) -> StudyCreate:
        if self.story is not None and self.survivor_id is None:
            raise ValueError("a story names its survivor_id")
        if self.published_on is not None and self.status is not StudyStatus.published:
            raise ValueError("published_on goes with status published")
        if self.started_on and self.published_on and self.published_on < self.started_on:
            raise ValueError("published_on may not lie before started_on")
        return self


class StudyUpdate(PatchBody):
    """Change a study (the survivor link stays as saved)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "published",
                    "published_on": "2026-11-25",
                    "link": "https://example.org/studies/cbr-practice-2026",
                }
            ]
        }
    )

    nullable_fields = frozenset(
        {
            "summary",
            "purpose",
            "approving_body",
            "partners",
            "started_on",
            "published_on",
            "link",
        }
    )

    title: str | None = Field(default=None, min_length=1, max_length=300)
    summary: str | None = Field(default=None, min_length=1, max_length=4000)
    purpose: str | None = Field(default=None, min_length=1, max_length=1000)
    approving_body: str | None = Field(default=None, min_length=1, max_length=300)
    partners: str | None = Field(default=None, min_length=1, max_length=500)
    status: StudyStatus | None = None
    started_on: date | None = None
    published_on: date | None = None
    link: str | None = Field(default=None, min_length=1, max_length=500)


class StudyRead(BaseModel):
    id: UUID
    organization_id: UUID
    title: str
    summary: str | None
    purpose: str | None
    approving_body: str | None
    partners: str | None
    status: StudyStatus
    started_on: date | None
    published_on: date | None
    link: str | None
    survivor_story: StoryLink
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class MediaCreate(RequestBody):
    """A media engagement: an interview, a feature, a film."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "outlet": "Anandabazar Patrika",
                    "kind": "print",
                    "engaged_on": "2026-11-18",
                    "topic": "Survivor collectives and the state compensation scheme",
                }
            ]
        }
    )

    id: UUID | None = None
    outlet: str = Field(min_length=1, max_length=200)
    kind: MediaKind
    engaged_on: date
    topic: str = Field(min_length=1, max_length=500)
    link: str | None = Field(default=None, min_length=1, max_length=500)
    survivor_id: UUID | None = StorySurvivor
    story: str | None = Story

    @model_validator(mode="after")
    def _story(self) -> MediaCreate:
        if self.story is not None and self.survivor_id is None:
            raise ValueError("a story names its survivor_id")
        return self


class MediaUpdate(PatchBody):
    """Change a media engagement (the survivor link stays as saved)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "topic": "Survivor collectives and the state victim compensation scheme",
                    "link": "https://example.org/news/survivor-collectives",
                }
            ]
        }
    )

    nullable_fields = frozenset({"link"})

    outlet: str | None = Field(default=None, min_length=1, max_length=200)
    kind: MediaKind | None = None
    engaged_on: date | None = None
    topic: str | None = Field(default=None, min_length=1, max_length=500)
    link: str | None = Field(default=None, min_length=1, max_length=500)


class MediaRead(BaseModel):
    id: UUID
    organization_id: UUID
    outlet: str
    kind: MediaKind
    engaged_on: date
    topic: str
    link: str | None
    survivor_story: StoryLink
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


OnboardingPage = Page[OnboardingRead]
StageChangePage = Page[StageChangeRead]
ReadinessPage = Page[ReadinessRead]
AdvocacyPage = Page[AdvocacyRead]
StudyPage = Page[StudyRead]
MediaPage = Page[MediaRead]
