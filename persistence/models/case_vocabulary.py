"""Stored vocabularies of case management (HTCDS terms where they exist)."""

from __future__ import annotations

from enum import StrEnum


class Sex(StrEnum):
    female = "female"
    male = "male"
    intersex = "intersex"
    undisclosed = "undisclosed"


class CaseStatus(StrEnum):
    intake = "intake"
    assessment = "assessment"
    planning = "planning"
    active = "active"
    monitoring = "monitoring"
    closed = "closed"
    reopened = "reopened"


class ClosureReason(StrEnum):
    goals_achieved = "goals_achieved"
    relocated = "relocated"
    declined_services = "declined_services"
    lost_contact = "lost_contact"
    deceased = "deceased"
    transferred = "transferred"


class TraffickingStatus(StrEnum):  # HTCDS vic_trafficking_status
    possible = "possible"
    actual = "actual"
    not_a_victim = "not_a_victim"


class ExploitationType(StrEnum):  # HTCDS type of exploitation
    forced_labour = "forced_labour"
    sexual_exploitation = "sexual_exploitation"
    child_labour = "child_labour"
    forced_marriage = "forced_marriage"
    servitude = "servitude"
    forced_military = "forced_military"
    organ_removal = "organ_removal"
    forced_begging = "forced_begging"
    forced_adoption = "forced_adoption"
    surrogacy = "surrogacy"
    other = "other"


class RecruitmentMethod(StrEnum):
    job_offer = "job_offer"
    marriage_offer = "marriage_offer"
    abduction = "abduction"
    family_member = "family_member"
    acquaintance = "acquaintance"
    online_contact = "online_contact"
    debt = "debt"
    other = "other"


class ReferralSource(StrEnum):
    police_ahtu = "police_ahtu"  # police or anti-human-trafficking unit
    shelter_home = "shelter_home"
    child_welfare_committee = "child_welfare_committee"
    survivor_leader = "survivor_leader"
    family = "family"
    self_referral = "self"
    other_ngo = "other_ngo"
    other = "other"


class RiskLevel(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class ConsentPurpose(StrEnum):
    case_management = "case_management"
    sharing = "sharing"  # with one named organisation
    aggregate_reporting = "aggregate_reporting"
    research = "research"  # de-identified
    media_advocacy = "media_advocacy"
    contact_by_phone = "contact_by_phone"


class ConsentMethod(StrEnum):
    verbal = "verbal"
    written = "written"
    thumbprint = "thumbprint"


class ConsentGiver(StrEnum):
    survivor = "survivor"
    guardian = "guardian"  # for a minor, with the survivor's own assent


class ShareableField(StrEnum):
    """Parts of a survivor's record a referral may carry, when her consent allows."""

    name = "name"
    age = "age"
    sex = "sex"
    languages = "languages"
    phone = "phone"
    current_address = "current_address"
    home_address = "home_address"
    identity_documents = "identity_documents"
    trafficking_context = "trafficking_context"
    safe_contact_preferences = "safe_contact_preferences"


class CbrComponent(StrEnum):  # WHO CBR matrix
    health = "health"
    education = "education"
    livelihood = "livelihood"
    social = "social"
    empowerment = "empowerment"


class GoalStatus(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    achieved = "achieved"
    dropped = "dropped"


class Responsible(StrEnum):
    survivor = "survivor"
    social_worker = "social_worker"
    organization = "organization"
    government_department = "government_department"


class ServiceKind(StrEnum):
    health = "health"
    mental_health = "mental_health"
    legal_aid = "legal_aid"
    shelter = "shelter"
    education = "education"
    skills_training = "skills_training"
    livelihood = "livelihood"
    financial_services = "financial_services"
    documentation = "documentation"
    social_protection = "social_protection"
    counselling = "counselling"
    other = "other"


class Urgency(StrEnum):
    routine = "routine"
    urgent = "urgent"
    emergency = "emergency"


class ReferralStatus(StrEnum):
    sent = "sent"
    accepted = "accepted"
    declined = "declined"
    in_progress = "in_progress"
    completed = "completed"
    not_delivered = "not_delivered"
    revoked = "revoked"


class VisitKind(StrEnum):
    home = "home"
    phone = "phone"
    office = "office"
    group = "group"


class VisitStatus(StrEnum):
    planned = "planned"
    done = "done"
    missed = "missed"
    cancelled = "cancelled"


class NoteConfidentiality(StrEnum):
    standard = "standard"
    restricted = "restricted"  # counselling: its author and program managers only


class ProceedingKind(StrEnum):
    fir = "fir"
    complaint = "complaint"
    petition = "petition"


class ProceedingStatus(StrEnum):
    filed = "filed"
    investigation = "investigation"
    chargesheet = "chargesheet"
    trial = "trial"
    judgment = "judgment"
    closed = "closed"


class ResponseType(StrEnum):
    """How an assessment item is answered."""

    score = "score"  # an integer on the instrument's scale
    yes_no = "yes_no"  # 0 or 1
    rank = "rank"  # the survivor's own priority, 1 (first) .. 5, 0 = not a priority


class CaseEventKind(StrEnum):
    opened = "opened"
    transition = "transition"
    reassignment = "reassignment"
    assessment = "assessment"
    goal = "goal"
    plan_agreement = "plan_agreement"
    referral = "referral"
    visit = "visit"
    legal = "legal"
    # A survivor leader's identification referral that became this case.
    identification = "identification"


class DuplicateAlertStatus(StrEnum):
    open = "open"
    resolved = "resolved"  # the program manager dealt with it (merged, corrected, followed up)
    dismissed = "dismissed"  # not the same woman
