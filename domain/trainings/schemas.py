"""Trainings as the API speaks them: the course and its participants (survivors, users such as
survivor leaders, partner organisations' staff) with completion, certificate and scores."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, Field, field_validator, model_validator

from domain.common.pagination import Page
from domain.common.schemas import PatchBody, ReadModel, RequestBody
from persistence.clock import today
from persistence.models.livelihood_vocabulary import TrainingTopic

FacilitatorName = Annotated[str, Field(min_length=1, max_length=120)]
Score = Annotated[int, Field(ge=0, le=100, description="0-100.")]
Certificate = Annotated[
    str, Field(min_length=1, max_length=120, description="Certificate number or title.")
]
MAX_FACILITATORS = 20
MAX_SESSIONS = 1000
SessionCount = Annotated[int, Field(ge=1, le=MAX_SESSIONS, description="Sessions it holds.")]
SessionsAttended = Annotated[
    int, Field(ge=0, le=MAX_SESSIONS, description="Sessions she attended.")
]


class TrainingTrack(StrEnum):
    """Which work a topic belongs to."""

    livelihood = "livelihood"  # skills and money for survivors (outcome 2)
    leadership = "leadership"  # survivor leaders (outcome 4)
    partner = "partner"  # CBR practice for partner organisations (outcome 5)
    other = "other"


TRACK_OF_TOPIC: dict[TrainingTopic, TrainingTrack] = {
    TrainingTopic.vocational: TrainingTrack.livelihood,
    TrainingTopic.entrepreneurship: TrainingTrack.livelihood,
    TrainingTopic.financial_literacy: TrainingTrack.livelihood,
    TrainingTopic.digital_literacy: TrainingTrack.livelihood,
    TrainingTopic.legal_rights: TrainingTrack.leadership,
    TrainingTopic.public_speaking: TrainingTrack.leadership,
    TrainingTopic.victim_identification: TrainingTrack.leadership,
    TrainingTopic.safe_migration: TrainingTrack.leadership,
    TrainingTopic.leadership: TrainingTrack.leadership,
    TrainingTopic.cbr_practice: TrainingTrack.partner,
    TrainingTopic.other: TrainingTrack.other,
}


def topics_of(track: TrainingTrack) -> tuple[TrainingTopic, ...]:
    return tuple(topic for topic, of in TRACK_OF_TOPIC.items() if of is track)


class ParticipantKind(StrEnum):
    survivor = "survivor"
    user = "user"  # a user of the running organisation, e.g. a survivor leader
    partner_staff = "partner_staff"  # staff of a partner organisation


class _TrainingDates(RequestBody):
    @model_validator(mode="after")
    def _ends_after_start(self) -> _TrainingDates:
        starts, ends = getattr(self, "starts_on", None), getattr(self, "ends_on", None)
        if starts is not None and ends is not None and ends < starts:
            raise ValueError("ends_on may not lie before starts_on")
        return self


class _Facilitators(RequestBody):
    @field_validator("facilitators", check_fields=False)
    @classmethod
    def _once_each(cls, names: list[str] | None) -> list[str] | None:
        if names is not None and len(set(names)) != len(names):
            raise ValueError("each facilitator at most once")
        return names


class TrainingCreate(_TrainingDates, _Facilitators):
    """A course or workshop the caller's organisation runs (given by itself or a provider)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "topic": "vocational",
                    "course": "Tailoring and garment making (3 months)",
                    "provider_organization_id": "5a0e9a7e-3f1b-4c2d-9e8f-7a6b5c4d3e2f",
                    "facilitators": ["Mitali Das"],
                    "starts_on": "2027-01-10",
                    "ends_on": "2027-04-10",
                    "session_count": 36,
                    "district_id": "0b8e8f38-5c55-5f6e-8d0e-0c4bb0b1a2f3",
                }
            ]
        }
    )

    id: UUID | None = None
    topic: TrainingTopic
    course: str = Field(min_length=1, max_length=200)
    provider_organization_id: UUID | None = Field(
        default=None,
        description="The organisation that gives it; its partner staff then see the training "
        "and the trainees referred to it. Unset: the running organisation gives it.",
    )
    facilitators: list[FacilitatorName] = Field(default_factory=list, max_length=MAX_FACILITATORS)
    starts_on: date
    ends_on: date | None = None
    session_count: SessionCount | None = Field(
        default=None, description="Sessions it holds; attendance is counted against it."
    )
    district_id: UUID | None = Field(default=None, description="Where it takes place.")


class TrainingUpdate(PatchBody, _TrainingDates, _Facilitators):
    """Change a training's details."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"ends_on": "2027-04-24", "facilitators": ["Rina Sen"]}]}
    )
    nullable_fields = frozenset(
        {"provider_organization_id", "ends_on", "session_count", "district_id"}
    )

    topic: TrainingTopic | None = None
    course: str | None = Field(default=None, min_length=1, max_length=200)
    provider_organization_id: UUID | None = None
    facilitators: list[FacilitatorName] | None = Field(default=None, max_length=MAX_FACILITATORS)
    starts_on: date | None = None
    ends_on: date | None = None
    session_count: SessionCount | None = None
    district_id: UUID | None = None


class TrainingRead(ReadModel):
    id: UUID
    organization_id: UUID = Field(description="The organisation running it.")
    topic: TrainingTopic
    track: TrainingTrack
    course: str
    provider_organization_id: UUID | None
    facilitators: list[str]
    starts_on: date
    ends_on: date | None
    session_count: int | None
    district_id: UUID | None
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class TrainingPage(Page[TrainingRead]):
    """One page of trainings."""


# -- participants -----------------------------------------------------------------------------
class _Results(RequestBody):
    @field_validator("completed_on", check_fields=False)
    @classmethod
    def _not_future(cls, completed_on: date | None) -> date | None:
        if completed_on is not None and completed_on > today():
            raise ValueError("completed_on may not lie in the future")
        return completed_on


class ParticipantCreate(_Results):
    """Enrol one participant: a survivor (``survivor_id``), a user of the running organisation
    such as a survivor leader (``user_id``), or a partner organisation's staff
    (``partner_organization_id``, with ``user_id`` when she has an account there)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"survivor_id": "3c2b1a09-8f7e-4d6c-9b5a-0e1f2d3c4b5a", "pre_score": 35},
                {"user_id": "7d6c5b4a-3e2f-4a1b-8c9d-0e1f2a3b4c5d"},
                {"partner_organization_id": "5a0e9a7e-3f1b-4c2d-9e8f-7a6b5c4d3e2f"},
            ]
        }
    )

    id: UUID | None = None
    survivor_id: UUID | None = None
    user_id: UUID | None = None
    partner_organization_id: UUID | None = None
    sessions_attended: SessionsAttended | None = None
    completed_on: date | None = None
    certificate: Certificate | None = None
    pre_score: Score | None = None
    post_score: Score | None = None

    @model_validator(mode="after")
    def _one_person(self) -> ParticipantCreate:
        if self.survivor_id is not None:
            if self.user_id is not None or self.partner_organization_id is not None:
                raise ValueError("a survivor participant names no user or partner organisation")
        elif self.user_id is None and self.partner_organization_id is None:
            raise ValueError("name a survivor_id, a user_id or a partner_organization_id")
        return self

    @property
    def kind(self) -> ParticipantKind:
        if self.survivor_id is not None:
            return ParticipantKind.survivor
        if self.partner_organization_id is not None:
            return ParticipantKind.partner_staff
        return ParticipantKind.user


class ParticipantUpdate(PatchBody, _Results):
    """Record her attendance, completion, certificate and scores."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sessions_attended": 33,
                    "completed_on": "2027-04-10",
                    "certificate": "NSDC-TL-2027-0413",
                    "post_score": 78,
                }
            ]
        }
    )
    nullable_fields = frozenset(
        {"sessions_attended", "completed_on", "certificate", "pre_score", "post_score"}
    )

    sessions_attended: SessionsAttended | None = None
    completed_on: date | None = None
    certificate: Certificate | None = None
    pre_score: Score | None = None
    post_score: Score | None = None


class ParticipantRead(ReadModel):
    """A participant. ``identity_withheld``: the caller is a provider's trainer and sees only
    what a trainer needs (the person's ids are null)."""

    id: UUID
    training_id: UUID
    kind: ParticipantKind
    identity_withheld: bool
    survivor_id: UUID | None
    user_id: UUID | None
    partner_organization_id: UUID | None
    sessions_attended: int | None
    attendance_percent: int | None = Field(
        description="Sessions attended out of the training's sessions, rounded down; null "
        "when either is not recorded."
    )
    completed: bool
    completed_on: date | None
    certificate: str | None
    pre_score: int | None
    post_score: int | None
    created_at: datetime
    updated_at: datetime
    version: int


class ParticipantPage(Page[ParticipantRead]):
    """One page of a training's participants."""


class SurvivorTrainingRead(ReadModel):
    """One training she takes part in: the course and how she is doing in it."""

    training: TrainingRead
    participation: ParticipantRead


class SurvivorTrainingPage(Page[SurvivorTrainingRead]):
    """One page of a survivor's trainings, in order of enrolment."""
