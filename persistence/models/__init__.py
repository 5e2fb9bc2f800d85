"""Every table model, imported in dependency order so that the metadata is complete."""

from persistence.models.base import Entity, OrganizationOwned, PlaceBound  # noqa: I001
from persistence.models.state import State
from persistence.models.district import District
from persistence.models.block import Block
from persistence.models.organization import Organization
from persistence.models.app_user import AppUser
from persistence.models.user_district import UserDistrict
from persistence.models.integration_client import IntegrationClient
from persistence.models.auth_session import AuthSession
from persistence.models.refresh_token import RefreshToken
from persistence.models.login_throttle import LoginThrottle
from persistence.models.audit_event import AuditEvent
from persistence.models.audit_chain_head import AuditChainHead
from persistence.models.idempotency_record import IdempotencyRecord
from persistence.models.survivor import Survivor
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
from persistence.models.case_visit import CaseVisit
from persistence.models.case_note import CaseNote
from persistence.models.legal_proceeding import LegalProceeding
from persistence.models.legal_hearing import LegalHearing

__all__ = [
    "AppUser",
    "Assessment",
    "AssessmentInstrument",
    "AssessmentItem",
    "AssessmentResponse",
    "AssessmentSection",
    "AuditChainHead",
    "AuditEvent",
    "AuthSession",
    "Block",
    "CarePlanAgreement",
    "CarePlanGoal",
    "CaseEvent",
    "CaseNote",
    "CaseNumberCounter",
    "CaseVisit",
    "Consent",
    "District",
    "Entity",
    "IdempotencyRecord",
    "IntegrationClient",
    "LegalHearing",
    "LegalProceeding",
    "LoginThrottle",
    "Organization",
    "OrganizationOwned",
    "PlaceBound",
    "Referral",
    "RefreshToken",
    "ServiceOffering",
    "State",
    "Survivor",
    "SurvivorCase",
    "UserDistrict",
]
