"""Stored vocabularies of the demands and issues register (outcome 3)."""

from __future__ import annotations

from enum import StrEnum


class DemandCategory(StrEnum):
    entitlement = "entitlement"
    health_mental_health = "health_mental_health"
    education = "education"
    legal_police = "legal_police"
    safety = "safety"
    livelihood = "livelihood"
    service_gap = "service_gap"
    partner = "partner"
    other = "other"


class DemandPriority(StrEnum):
    urgent = "urgent"
    high = "high"
    medium = "medium"
    low = "low"


class DemandStatus(StrEnum):
    open = "open"
    acknowledged = "acknowledged"
    in_progress = "in_progress"
    disposed = "disposed"
    withdrawn = "withdrawn"


class DemandResolution(StrEnum):
    resolved = "resolved"
    partly_resolved = "partly_resolved"
    not_resolvable = "not_resolvable"
    referred_elsewhere = "referred_elsewhere"


class EscalationLevel(StrEnum):
    """Where a demand is taken when it is not settled in time, lowest first."""

    block = "block"
    district = "district"
    state = "state"
    national = "national"


class DemandLinkKind(StrEnum):
    """The records a demand may be linked to."""

    case = "case"
    referral = "referral"
    shg = "shg"
    leader_group = "leader_group"
    scheme = "scheme"
    duty_bearer_engagement = "duty_bearer_engagement"
    advocacy_action = "advocacy_action"


class DemandEventKind(StrEnum):
    """What one step of a demand's history records."""

    raised = "raised"
    status = "status"
    reopened = "reopened"
    escalated = "escalated"
    owner = "owner"
    updated = "updated"
    links = "links"
