"""Every table model, imported in dependency order so that the metadata is complete."""

from persistence.models.base import Entity, OrganizationOwned, PlaceBound  # noqa: I001
from persistence.models.state import State
from persistence.models.district import District
from persistence.models.block import Block
from persistence.models.organization import Organization
from persistence.models.app_user import AppUser
from persistence.models.user_district import UserDistrict
from persistence.models.integration_client import IntegrationClient
from persistence.models.device import Device
from persistence.models.auth_session import AuthSession
from persistence.models.refresh_token import RefreshToken
from persistence.models.login_throttle import LoginThrottle
from persistence.models.second_factor import SecondFactor
from persistence.models.recovery_code import RecoveryCode
from persistence.models.reset_request import ResetRequest
from persistence.models.audit_event import AuditEvent
from persistence.models.audit_chain_head import AuditChainHead
from persistence.models.audit_tally import AuditTally
from persistence.models.idempotency_record import IdempotencyRecord
from persistence.models.survivor import Survivor
from persistence.models.duplicate_alert import DuplicateAlert
from persistence.models.consent import Consent
from persistence.models.survivor_case import SurvivorCase
from persistence.models.case_event import CaseEvent
from persistence.models.case_number_counter import CaseNumberCounter
from persistence.models.assessment_instrument import AssessmentInstrument
from persistence.models.assessment_section import AssessmentSection
from persistence.models.assessment_item import AssessmentItem
from persistence.models.assessment import Assessment
from persistence.models.assessment_response import AssessmentResponse
from persistence.models.care_plan_goal import CarePlanGoal
from persistence.models.care_plan_agreement import CarePlanAgreement
from persistence.models.service_offering import ServiceOffering
from persistence.models.referral import Referral
from persistence.models.referral_status_change import ReferralStatusChange
from persistence.models.case_visit import CaseVisit
from persistence.models.case_note import CaseNote
from persistence.models.legal_proceeding import LegalProceeding
from persistence.models.legal_hearing import LegalHearing
from persistence.models.shg_federation import ShgFederation
from persistence.models.shg import Shg
from persistence.models.shg_member import ShgMember
from persistence.models.shg_meeting import ShgMeeting
from persistence.models.shg_attendance import ShgAttendance
from persistence.models.shg_loan import ShgLoan
from persistence.models.shg_loan_instalment import ShgLoanInstalment
from persistence.models.shg_ledger_entry import ShgLedgerEntry
from persistence.models.shg_grading_rule import ShgGradingRule
from persistence.models.livelihood_plan import LivelihoodPlan
from persistence.models.training import Training
from persistence.models.training_participant import TrainingParticipant
from persistence.models.livelihood_activity import LivelihoodActivity
from persistence.models.income_record import IncomeRecord
from persistence.models.financial_inclusion import FinancialInclusion
from persistence.models.scheme import Scheme
from persistence.models.entitlement_application import EntitlementApplication
from persistence.models.entitlement_status_change import EntitlementStatusChange
from persistence.models.leader_group import LeaderGroup
from persistence.models.leader_group_member import LeaderGroupMember
from persistence.models.leader_group_meeting import LeaderGroupMeeting
from persistence.models.campaign import Campaign
from persistence.models.duty_bearer_engagement import DutyBearerEngagement
from persistence.models.duty_bearer_commitment import DutyBearerCommitment
from persistence.models.identification_referral import IdentificationReferral
from persistence.models.safety_report import SafetyReport
from persistence.models.partner_onboarding import PartnerOnboarding
from persistence.models.partner_onboarding_stage_change import PartnerOnboardingStageChange
from persistence.models.readiness_assessment import ReadinessAssessment
from persistence.models.advocacy_action import AdvocacyAction
from persistence.models.study import Study
from persistence.models.media_engagement import MediaEngagement
from persistence.models.research_extract import ResearchExtract
from persistence.models.indicator import Indicator
from persistence.models.evidence_request import EvidenceRequest
from persistence.models.export import Export
from persistence.models.export_chunk import ExportChunk
from persistence.models.reporting_consent import ReportingConsent
from persistence.models.evidence_piece import EvidencePiece
from persistence.models.evidence_fact import EvidenceFact
from persistence.models.evidence_delta import EvidenceDelta
from persistence.models.evidence_month_delta import EvidenceMonthDelta
from persistence.models.evidence_dirty import EvidenceDirty
from persistence.models.evidence_rollup import EvidenceRollup
from persistence.models.evidence_generation import EvidenceGeneration
from persistence.models.evidence_answer import EvidenceAnswer
from persistence.models.demand import Demand
from persistence.models.demand_link import DemandLink
from persistence.models.demand_event import DemandEvent
from persistence.models.demand_comment import DemandComment
from persistence.models.attachment import Attachment
from persistence.models.sync_change import SyncChange
from persistence.models.sync_conflict import SyncConflict
from persistence.models.sync_mutation import SyncMutation
from persistence.models.sync_record_version import SyncRecordVersion

__all__ = [
    "AdvocacyAction",
    "AppUser",
    "Assessment",
    "AssessmentInstrument",
    "AssessmentItem",
    "AssessmentResponse",
    "AssessmentSection",
    "Attachment",
    "AuditChainHead",
    "AuditEvent",
    "AuditTally",
    "AuthSession",
    "Block",
    "Campaign",
    "CarePlanAgreement",
    "CarePlanGoal",
    "CaseEvent",
    "CaseNote",
    "CaseNumberCounter",
    "CaseVisit",
    "Consent",
    "Demand",
    "DemandComment",
    "DemandEvent",
    "DemandLink",
    "Device",
    "District",
    "DuplicateAlert",
    "DutyBearerCommitment",
    "DutyBearerEngagement",
    "EntitlementApplication",
    "EntitlementStatusChange",
    "Entity",
    "EvidenceAnswer",
    "EvidenceDelta",
    "EvidenceDirty",
    "EvidenceFact",
    "EvidenceGeneration",
    "EvidenceMonthDelta",
    "EvidencePiece",
    "EvidenceRequest",
    "EvidenceRollup",
    "Export",
    "ExportChunk",
    "FinancialInclusion",
    "IdempotencyRecord",
    "IdentificationReferral",
    "IncomeRecord",
    "Indicator",
    "IntegrationClient",
    "LeaderGroup",
    "LeaderGroupMeeting",
    "LeaderGroupMember",
    "LegalHearing",
    "LegalProceeding",
    "LivelihoodActivity",
    "LivelihoodPlan",
    "LoginThrottle",
    "MediaEngagement",
    "Organization",
    "OrganizationOwned",
    "PartnerOnboarding",
    "PartnerOnboardingStageChange",
    "PlaceBound",
    "ReadinessAssessment",
    "RecoveryCode",
    "Referral",
    "ReferralStatusChange",
    "RefreshToken",
    "ReportingConsent",
    "ResearchExtract",
    "ResetRequest",
    "SafetyReport",
    "Scheme",
    "SecondFactor",
    "ServiceOffering",
    "Shg",
    "ShgAttendance",
    "ShgFederation",
    "ShgGradingRule",
    "ShgLedgerEntry",
    "ShgLoan",
    "ShgLoanInstalment",
    "ShgMeeting",
    "ShgMember",
    "State",
    "Study",
    "Survivor",
    "SurvivorCase",
    "SyncChange",
    "SyncConflict",
    "SyncMutation",
    "SyncRecordVersion",
    "Training",
    "TrainingParticipant",
    "UserDistrict",
]
