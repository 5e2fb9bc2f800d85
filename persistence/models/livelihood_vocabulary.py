"""Stored vocabularies of livelihoods, self-help groups, financial inclusion and entitlements."""

from __future__ import annotations

from enum import StrEnum


class ShgStatus(StrEnum):
    forming = "forming"
    active = "active"
    dormant = "dormant"
    closed = "closed"


class FederationTier(StrEnum):  # Anandadhara (WBSRLM)
    upa_sangha = "upa_sangha"  # ward / sansad
    sangha_samabay = "sangha_samabay"  # gram panchayat
    mahasangha = "mahasangha"  # block


class MeetingFrequency(StrEnum):
    weekly = "weekly"
    fortnightly = "fortnightly"
    monthly = "monthly"


class Weekday(StrEnum):
    monday = "monday"
    tuesday = "tuesday"
    wednesday = "wednesday"
    thursday = "thursday"
    friday = "friday"
    saturday = "saturday"
    sunday = "sunday"


class ShgRole(StrEnum):
    president = "president"
    secretary = "secretary"
    treasurer = "treasurer"
    member = "member"


class Attendance(StrEnum):  # as in Apache Fineract
    present = "present"
    absent = "absent"
    approved_leave = "approved_leave"
    leave = "leave"
    late = "late"


class LedgerKind(StrEnum):
    savings_deposit = "savings_deposit"
    savings_withdrawal = "savings_withdrawal"
    loan_disbursal = "loan_disbursal"  # internal loan to a member
    principal_repayment = "principal_repayment"
    interest = "interest"
    fine = "fine"
    bank_deposit = "bank_deposit"  # cash in hand -> bank
    bank_withdrawal = "bank_withdrawal"  # bank -> cash in hand
    revolving_fund_receipt = "revolving_fund_receipt"
    community_investment_fund_receipt = "community_investment_fund_receipt"
    bank_loan_receipt = "bank_loan_receipt"
    bank_loan_repayment = "bank_loan_repayment"


class LoanKind(StrEnum):
    internal = "internal"  # from the group's funds to a member
    bank = "bank"  # from a bank to the group


class InterestMethod(StrEnum):
    flat = "flat"
    declining_balance = "declining_balance"


class LoanStatus(StrEnum):
    applied = "applied"
    approved = "approved"
    disbursed = "disbursed"
    closed = "closed"
    written_off = "written_off"


class LivelihoodOption(StrEnum):
    wage_employment = "wage_employment"
    self_employment = "self_employment"
    enterprise = "enterprise"
    skills_training = "skills_training"


class ActivityKind(StrEnum):
    wage_employment = "wage_employment"
    self_employment = "self_employment"
    enterprise = "enterprise"


class FinancialProduct(StrEnum):
    bank_account = "bank_account"
    insurance = "insurance"
    pension = "pension"
    digital_payment = "digital_payment"


class ProductStatus(StrEnum):
    none = "none"
    applied = "applied"
    active = "active"
    closed = "closed"


class ApplicationStatus(StrEnum):  # after OpenG2P / OpenSPP
    documents_gathering = "documents_gathering"
    applied = "applied"
    under_process = "under_process"
    sanctioned = "sanctioned"
    received = "received"
    partly_received = "partly_received"
    rejected = "rejected"
    appealed = "appealed"


class TrainingTopic(StrEnum):
    # livelihood courses
    vocational = "vocational"
    entrepreneurship = "entrepreneurship"
    financial_literacy = "financial_literacy"
    digital_literacy = "digital_literacy"
    # survivor leadership (outcome 4)
    legal_rights = "legal_rights"
    public_speaking = "public_speaking"
    victim_identification = "victim_identification"
    safe_migration = "safe_migration"
    leadership = "leadership"
    # partners (outcome 5)
    cbr_practice = "cbr_practice"
    other = "other"
