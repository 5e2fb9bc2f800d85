"""The field's vocabularies the API names in its parameters (a case's status, a referral's
service, an audit action...).

They are defined beside the tables that store them (the persistence layer cannot import the
domain), and named here so that ``api/`` takes them from the domain, never from a model."""

from __future__ import annotations

from persistence.models.case_vocabulary import (
    CaseStatus,
    CbrComponent,
    ConsentPurpose,
    DuplicateAlertStatus,
    GoalStatus,
    NoteConfidentiality,
    ReferralStatus,
    ServiceKind,
    VisitStatus,
)
from persistence.models.demand_vocabulary import DemandCategory, DemandPriority, DemandStatus
from persistence.models.device_vocabulary import (
    AttachmentCategory,
    AttachmentMediaType,
    AttachmentRecordKind,
)
from persistence.models.enums import AuditAction, OrganizationKind
from persistence.models.leadership_vocabulary import (
    AdvocacyKind,
    AdvocacyLevel,
    CampaignKind,
    DutyBearer,
    IdentificationConcern,
    IdentificationStatus,
    OnboardingStage,
    SafetyReportKind,
)
from persistence.models.livelihood_vocabulary import (
    ActivityKind,
    ApplicationStatus,
    FederationTier,
    FinancialProduct,
    LedgerKind,
    LoanKind,
    LoanStatus,
    ShgStatus,
    TrainingTopic,
)
from persistence.models.reset_request import ResetStatus
from persistence.models.safety_report import SafetyReportStatus

__all__ = [
    "ActivityKind",
    "AdvocacyKind",
    "AdvocacyLevel",
    "ApplicationStatus",
    "AttachmentCategory",
    "AttachmentMediaType",
    "AttachmentRecordKind",
    "AuditAction",
    "CampaignKind",
    "CaseStatus",
    "CbrComponent",
    "ConsentPurpose",
    "DemandCategory",
    "DemandPriority",
    "DemandStatus",
    "DuplicateAlertStatus",
    "DutyBearer",
    "FederationTier",
    "FinancialProduct",
    "GoalStatus",
    "IdentificationConcern",
    "IdentificationStatus",
    "LedgerKind",
    "LoanKind",
    "LoanStatus",
    "NoteConfidentiality",
    "OnboardingStage",
    "OrganizationKind",
    "ReferralStatus",
    "ResetStatus",
    "SafetyReportKind",
    "SafetyReportStatus",
    "ServiceKind",
    "ShgStatus",
    "TrainingTopic",
    "VisitStatus",
]
