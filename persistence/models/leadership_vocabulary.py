"""Stored vocabularies of survivor leadership (outcome 4) and expansion and policy (outcome 5)."""

from __future__ import annotations

from enum import StrEnum


class LeaderRole(StrEnum):
    convenor = "convenor"
    secretary = "secretary"
    treasurer = "treasurer"
    member = "member"


class CampaignKind(StrEnum):
    awareness_meeting = "awareness_meeting"
    rally = "rally"
    street_play = "street_play"
    school_session = "school_session"
    media_event = "media_event"


class DutyBearer(StrEnum):
    police = "police"
    anti_human_trafficking_unit = "anti_human_trafficking_unit"
    gram_panchayat = "gram_panchayat"
    block_administration = "block_administration"
    district_administration = "district_administration"
    health_department = "health_department"
    women_child_development = "women_child_development"
    legal_services_authority = "legal_services_authority"
    labour_department = "labour_department"
    child_welfare_committee = "child_welfare_committee"


class CommitmentStatus(StrEnum):
    open = "open"
    fulfilled = "fulfilled"
    partly_fulfilled = "partly_fulfilled"
    not_fulfilled = "not_fulfilled"


class IdentificationConcern(StrEnum):
    at_risk = "at_risk"
    possible_victim = "possible_victim"


class IdentificationStatus(StrEnum):
    submitted = "submitted"
    accepted = "accepted"
    declined = "declined"
    became_case = "became_case"


class SafetyReportKind(StrEnum):
    red_flag = "red_flag"
    suspected_recruitment = "suspected_recruitment"
    missing_person = "missing_person"
    threat = "threat"
    other = "other"


class OnboardingStage(StrEnum):
    explored = "explored"
    scoping = "scoping"
    agreement_signed = "agreement_signed"
    implementing = "implementing"
    paused = "paused"


class AdvocacyLevel(StrEnum):
    district = "district"
    state = "state"
    national = "national"


class AdvocacyKind(StrEnum):
    meeting = "meeting"
    submission = "submission"
    consultation = "consultation"
    campaign = "campaign"
    media = "media"


class StudyStatus(StrEnum):
    planned = "planned"
    ongoing = "ongoing"
    published = "published"
    abandoned = "abandoned"


class MediaKind(StrEnum):
    print = "print"
    television = "television"
    radio = "radio"
    online = "online"
    film = "film"
