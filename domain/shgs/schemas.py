"""Self-help groups as the API speaks them: federations, groups, members, meetings and their
collection sheets, the ledger, balances, loans and grading. Money is integer paise
(Rs 1 = 100); rates are basis points per annum (24 % = 2400)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, model_validator

from domain.common.pagination import Page
from domain.common.schemas import PatchBody, Personal, ReadModel, RequestBody
from domain.shgs.grading import Grade, GradingRules, Norm
from domain.shgs.loans import InstalmentStatus
from persistence.models.livelihood_vocabulary import (
    Attendance,
    FederationTier,
    InterestMethod,
    LedgerKind,
    LoanKind,
    LoanStatus,
    MeetingFrequency,
    ShgRole,
    ShgStatus,
    Weekday,
)

# A crore of rupees per entry is far above any SHG's money and well inside BIGINT.
MAX_PAISE = 10**11
Paise = Annotated[int, Field(gt=0, le=MAX_PAISE, description="Integer paise (Rs 1 = 100), > 0.")]
PaiseOrZero = Annotated[int, Field(ge=0, le=MAX_PAISE, description="Integer paise, >= 0.")]
RateBps = Annotated[
    int, Field(ge=0, le=6000, description="Per annum, in basis points (24 % = 2400).")
]
PlaceName = Annotated[str, Field(min_length=1, max_length=120)]
GroupName = Annotated[str, Field(min_length=1, max_length=200)]
PersonName = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1, max_length=20_000)]
Resolution = Annotated[str, Field(min_length=1, max_length=2_000)]
MAX_LINES = 200


# -- federations ----------------------------------------------------------------------------
class FederationCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "tier": "upa_sangha",
                    "name": "Basanti Upa Sangha 4",
                    "parent_id": "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f",
                    "district_id": "8d7c0d4e-2b0a-5c43-9a55-9b8a7f1b2c3d",
                }
            ]
        }
    )

    id: UUID | None = None
    tier: FederationTier
    name: GroupName
    parent_id: UUID | None = Field(
        default=None,
        description="The federation one tier up (Upa Sangha -> Sangha Samabay -> Mahasangha).",
    )
    district_id: UUID | None = None
    block_id: UUID | None = None


class FederationUpdate(PatchBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Basanti Upa Sangha 5"}]})
    nullable_fields = frozenset({"parent_id", "district_id", "block_id"})

    name: GroupName | None = None
    parent_id: UUID | None = None
    district_id: UUID | None = None
    block_id: UUID | None = None


class FederationRead(ReadModel):
    id: UUID
    organization_id: UUID
    tier: FederationTier
    name: str
    parent_id: UUID | None
    district_id: UUID | None
    block_id: UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


FederationPage = Page[FederationRead]


# -- groups ---------------------------------------------------------------------------------
class BankLinkage(RequestBody):
    """The group's savings account. The account number is sealed at rest."""

    bank_name: PlaceName
    bank_branch: PlaceName | None = None
    account_number: str = Field(min_length=4, max_length=34, pattern=r"^[0-9A-Za-z]+$")
    opened_on: date | None = None


class BankLinkageRead(ReadModel):
    bank_name: str | None
    bank_branch: str | None
    account_number: Annotated[str | None, Personal()] = Field(
        description="Only for callers who may read the group's records (shgs:read); null "
        "for others."
    )
    account_last4: str | None
    opened_on: date | None


_SHG_EXAMPLE: dict[str, Any] = {
    "name": "Maa Durga Mahila SHG",
    "formed_on": "2025-06-02",
    "village": "Jharkhali",
    "gram_panchayat": "Jharkhali",
    "district_id": "8d7c0d4e-2b0a-5c43-9a55-9b8a7f1b2c3d",
    "meeting_frequency": "weekly",
    "meeting_day": "monday",
    "saving_per_meeting_paise": 2000,
    "interest_rate_bps": 2400,
    "bank_linkage": {
        "bank_name": "Paschim Banga Gramin Bank",
        "bank_branch": "Basanti",
        "account_number": "50100234567891",
        "opened_on": "2025-07-10",
    },
    "status": "active",
}


class ShgCreate(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [_SHG_EXAMPLE]})

    id: UUID | None = None
    name: GroupName
    formed_on: date
    village: PlaceName | None = None
    gram_panchayat: PlaceName | None = None
    block_id: UUID | None = None
    district_id: UUID
    federation_id: UUID | None = None
    meeting_frequency: MeetingFrequency
    meeting_day: Weekday | None = None
    saving_per_meeting_paise: PaiseOrZero
    interest_rate_bps: RateBps
    bank_linkage: BankLinkage | None = None
    status: ShgStatus = ShgStatus.forming


class ShgUpdate(PatchBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "active", "saving_per_meeting_paise": 3000}]}
    )
    nullable_fields = frozenset(
        {"village", "gram_panchayat", "block_id", "federation_id", "meeting_day", "bank_linkage"}
    )

    name: GroupName | None = None
    formed_on: date | None = None
    village: PlaceName | None = None
    gram_panchayat: PlaceName | None = None
    block_id: UUID | None = None
    district_id: UUID | None = None
    federation_id: UUID | None = None
    meeting_frequency: MeetingFrequency | None = None
    meeting_day: Weekday | None = None
    saving_per_meeting_paise: PaiseOrZero | None = None
    interest_rate_bps: RateBps | None = None
    bank_linkage: BankLinkage | None = None
    status: ShgStatus | None = None


class ShgRead(ReadModel):
    id: UUID
    organization_id: UUID
    name: str
    formed_on: date
    village: str | None
    gram_panchayat: str | None
    block_id: UUID | None
    district_id: UUID | None
    federation_id: UUID | None
    meeting_frequency: MeetingFrequency
    meeting_day: Weekday | None
    saving_per_meeting_paise: int
    interest_rate_bps: int
    bank_linkage: BankLinkageRead | None
    status: ShgStatus
    created_at: datetime
    updated_at: datetime
    version: int


class ShgListItem(ShgRead):
    """A group as the list shows it: with where it stands today, so that groups compare in
    one call."""

    as_of: date = Field(description="The day of the figures below (today, Asia/Kolkata).")
    grade: Grade | None = Field(
        description="Its Panchasutra grade today, as `GET /shgs/{id}/grading` gives it (by "
        "the organisation's rules); null while it is too young to grade."
    )
    member_count: int = Field(description="Its members today (joined, not exited).")
    savings_paise: int = Field(
        description="All its members' savings today, as `GET /shgs/{id}/ledger/balances`."
    )


ShgPage = Page[ShgListItem]


# -- members --------------------------------------------------------------------------------
class MemberCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "Mita Sardar", "role": "treasurer", "joined_on": "2025-06-02"},
                {
                    "survivor_id": "2b9f7a1c-0d3e-4f5a-8b6c-7d8e9f0a1b2c",
                    "role": "member",
                    "joined_on": "2025-08-04",
                },
            ]
        }
    )

    id: UUID | None = None
    survivor_id: UUID | None = Field(
        default=None,
        description="A survivor of the organisation whom the caller may see. Shown again only "
        "to callers who may see her.",
    )
    name: PersonName | None = Field(
        default=None,
        description="Sealed at rest. Required for other women; for a survivor it defaults to "
        "the name in her record.",
    )
    role: ShgRole = ShgRole.member
    joined_on: date


class MemberUpdate(PatchBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"role": "president"}, {"exited_on": "2026-10-05"}]}
    )
    nullable_fields = frozenset({"exited_on"})

    name: PersonName | None = None
    role: ShgRole | None = None
    joined_on: date | None = None
    exited_on: date | None = None


class MemberRead(ReadModel):
    id: UUID
    shg_id: UUID
    name: Annotated[str, Personal()]
    role: ShgRole
    joined_on: date
    exited_on: date | None
    survivor_id: UUID | None = Field(
        description="Set only when the member is a survivor whom the caller may see "
        "(her case workers); null for every other member and every other caller."
    )
    created_at: datetime
    updated_at: datetime
    version: int


MemberPage = Page[MemberRead]


# -- meetings and the collection sheet ------------------------------------------------------
class AttendanceLine(RequestBody):
    member_id: UUID
    status: Attendance


class SavingsLine(RequestBody):
    member_id: UUID
    amount_paise: Paise


class RepaymentLine(RequestBody):
    """What a member paid on her internal loan: principal and interest, either may be 0."""

    loan_id: UUID
    principal_paise: PaiseOrZero = 0
    interest_paise: PaiseOrZero = 0

    @model_validator(mode="after")
    def _something_paid(self) -> RepaymentLine:
        if self.principal_paise + self.interest_paise <= 0:
            raise ValueError("a repayment pays principal or interest")
        return self


class DisbursalLine(RequestBody):
    """An approved internal loan handed over in the meeting (its whole principal)."""

    loan_id: UUID


class FineLine(RequestBody):
    member_id: UUID
    amount_paise: Paise


_SHEET_EXAMPLE: dict[str, Any] = {
    "held_on": "2026-11-23",
    "attendance": [
        {"member_id": "0b6f1d5e-1c2a-4e3b-9d4c-5e6f7a8b9c01", "status": "present"},
        {"member_id": "1c7a2e6f-2d3b-4f4c-8e5d-6f7a8b9c0d12", "status": "late"},
        {"member_id": "2d8b3f7a-3e4c-4a5d-9f6e-7a8b9c0d1e23", "status": "approved_leave"},
    ],
    "minutes": "Savings collected; Mita's loan for a sewing machine handed over.",
    "resolutions": ["Next meeting on Monday at the anganwadi centre."],
    "savings": [
        {"member_id": "0b6f1d5e-1c2a-4e3b-9d4c-5e6f7a8b9c01", "amount_paise": 2000},
        {"member_id": "1c7a2e6f-2d3b-4f4c-8e5d-6f7a8b9c0d12", "amount_paise": 2000},
    ],
    "repayments": [
        {
            "loan_id": "3e9c4a8b-4f5d-4b6e-8a7f-8b9c0d1e2f34",
            "principal_paise": 50000,
            "interest_paise": 1000,
        }
    ],
    "disbursals": [{"loan_id": "4fad5b9c-5a6e-4c7f-9b8a-9c0d1e2f3a45"}],
    "fines": [{"member_id": "1c7a2e6f-2d3b-4f4c-8e5d-6f7a8b9c0d12", "amount_paise": 500}],
}


class CollectionSheet(RequestBody):
    """One meeting, all at once: attendance of every active member, minutes and resolutions
    (sealed), and its money. Recorded whole or not at all."""

    model_config = ConfigDict(json_schema_extra={"examples": [_SHEET_EXAMPLE]})

    id: UUID | None = None
    held_on: date
    attendance: list[AttendanceLine] = Field(max_length=MAX_LINES)
    minutes: Text | None = None
    resolutions: list[Resolution] = Field(default_factory=list, max_length=50)
    savings: list[SavingsLine] = Field(default_factory=list, max_length=MAX_LINES)
    repayments: list[RepaymentLine] = Field(default_factory=list, max_length=MAX_LINES)
    disbursals: list[DisbursalLine] = Field(default_factory=list, max_length=MAX_LINES)
    fines: list[FineLine] = Field(default_factory=list, max_length=MAX_LINES)


class LedgerEntryRead(ReadModel):
    id: UUID
    kind: LedgerKind
    amount_paise: int
    entry_date: date
    member_id: UUID | None
    loan_id: UUID | None
    meeting_id: UUID | None
    reverses_id: UUID | None
    reversed_by_id: UUID | None = None
    created_at: datetime


LedgerPage = Page[LedgerEntryRead]


class SheetTotals(ReadModel):
    savings_paise: int
    principal_repaid_paise: int
    interest_paise: int
    disbursed_paise: int
    fines_paise: int
    net_cash_paise: int = Field(description="Cash in less cash out at this meeting.")


class AttendanceRead(ReadModel):
    member_id: UUID
    status: Attendance


class MeetingRead(ReadModel):
    id: UUID
    shg_id: UUID
    held_on: date
    attendance: list[AttendanceRead]
    minutes: Annotated[str | None, Personal()]
    resolutions: Annotated[list[str], Personal()]
    entries: list[LedgerEntryRead]
    totals: SheetTotals
    created_at: datetime
    version: int


class MeetingSummary(ReadModel):
    id: UUID
    held_on: date
    members_recorded: int
    attended: int = Field(description="Present or late.")
    savings_paise: int
    repaid_paise: int = Field(description="Principal and interest repaid.")
    disbursed_paise: int
    has_minutes: bool
    created_at: datetime


MeetingPage = Page[MeetingSummary]


# -- the ledger -----------------------------------------------------------------------------
class LedgerEntryCreate(RequestBody):
    """An entry outside a meeting: a bank deposit or withdrawal, an RF or CIF receipt, a bank
    loan received or repaid, a savings withdrawal... ``member_id`` for savings (and optionally
    fines); ``loan_id`` for disbursals, repayments, interest and bank loans."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"kind": "bank_deposit", "amount_paise": 500000, "entry_date": "2026-11-24"},
                {
                    "kind": "revolving_fund_receipt",
                    "amount_paise": 1500000,
                    "entry_date": "2026-09-15",
                },
            ]
        }
    )

    id: UUID | None = None
    kind: LedgerKind
    amount_paise: Paise
    entry_date: date
    member_id: UUID | None = None
    loan_id: UUID | None = None


class ReversalCreate(RequestBody):
    """Undo an entry with an equal and opposite one, dated ``entry_date`` (default today)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"entry_date": "2026-11-25"}]})

    entry_date: date | None = None


# -- balances -------------------------------------------------------------------------------
class MemberBalance(ReadModel):
    member_id: UUID
    savings_paise: int
    joined_on: date
    exited_on: date | None


class LoanBalance(ReadModel):
    loan_id: UUID
    kind: LoanKind
    member_id: UUID | None
    status: LoanStatus
    principal_paise: int
    outstanding_principal_paise: int
    interest_paid_paise: int
    interest_due_paise: int = Field(
        description="Interest of instalments due by the date, not yet paid."
    )
    principal_overdue_paise: int = Field(
        description="Principal of instalments due by the date, not yet repaid."
    )


class BalancesRead(ReadModel):
    shg_id: UUID
    as_of: date
    cash_in_hand_paise: int
    bank_balance_paise: int
    savings_paise: int = Field(description="All members' savings.")
    internal_loans_outstanding_paise: int
    bank_loans_outstanding_paise: int
    interest_received_paise: int = Field(description="Interest members paid on internal loans.")
    interest_paid_to_bank_paise: int
    fines_paise: int
    revolving_fund_paise: int
    community_investment_fund_paise: int
    members: list[MemberBalance] | None = Field(
        description="Each member's savings; only for callers with shgs:read, null for others."
    )
    loans: list[LoanBalance] | None = Field(
        description="Each disbursed loan; only for callers with shgs:read, null for others."
    )


# -- loans ----------------------------------------------------------------------------------
class LoanCreate(RequestBody):
    """A loan applied for: internal (from the group to a member: ``member_id``) or bank (from
    a bank to the group: ``lender``)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "internal",
                    "member_id": "0b6f1d5e-1c2a-4e3b-9d4c-5e6f7a8b9c01",
                    "purpose": "Sewing machine",
                    "principal_paise": 600000,
                    "tenure_months": 12,
                    "interest_method": "declining_balance",
                    "applied_on": "2026-11-09",
                },
                {
                    "kind": "bank",
                    "lender": "Paschim Banga Gramin Bank",
                    "principal_paise": 15000000,
                    "annual_rate_bps": 700,
                    "tenure_months": 36,
                    "interest_method": "declining_balance",
                    "applied_on": "2026-10-01",
                },
            ]
        }
    )

    id: UUID | None = None
    kind: LoanKind
    member_id: UUID | None = None
    lender: PlaceName | None = None
    purpose: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    principal_paise: Paise
    annual_rate_bps: RateBps | None = Field(
        default=None, description="Defaults to the group's internal rate for internal loans."
    )
    tenure_months: int = Field(ge=1, le=120)
    interest_method: InterestMethod
    applied_on: date


class LoanTermsUpdate(PatchBody):
    """Terms of a loan not yet disbursed."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"principal_paise": 500000, "tenure_months": 10}]}
    )
    nullable_fields = frozenset({"purpose", "lender"})

    lender: PlaceName | None = None
    purpose: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    principal_paise: Paise | None = None
    annual_rate_bps: RateBps | None = None
    tenure_months: int | None = Field(default=None, ge=1, le=120)
    interest_method: InterestMethod | None = None
    applied_on: date | None = None


class LoanApproval(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"approved_on": "2026-11-16"}]})

    approved_on: date


class InstalmentRead(ReadModel):
    number: int
    due_on: date
    principal_paise: int
    interest_paise: int
    status: InstalmentStatus = Field(
        description="paid (covered by its due date), paid_late, overdue (due, not covered), "
        "partly_paid (not yet due, part of it paid), upcoming (not yet due, nothing paid)."
    )
    paid_on: date | None = Field(description="The day the payments came to cover it whole.")
    paid_paise: int = Field(
        description="What was paid against it by `as_of`: repayments and interest are "
        "allocated to instalments oldest first."
    )
    outstanding_paise: int = Field(description="What remains of it: its total less paid.")


class LoanRead(ReadModel):
    id: UUID
    shg_id: UUID
    kind: LoanKind
    member_id: UUID | None
    lender: str | None
    purpose: str | None
    principal_paise: int
    annual_rate_bps: int
    tenure_months: int
    interest_method: InterestMethod
    status: LoanStatus
    applied_on: date
    approved_on: date | None
    disbursed_on: date | None
    closed_on: date | None
    created_at: datetime
    updated_at: datetime
    version: int


LoanPage = Page[LoanRead]


class LoanDetail(LoanRead):
    """A loan with its schedule and the state of each instalment on ``as_of``."""

    as_of: date
    outstanding_principal_paise: int
    interest_paid_paise: int
    instalments: list[InstalmentRead]
    overdue_instalments: int
    overdue_paise: int = Field(description="Principal and interest due by the date, unpaid.")


# -- grading --------------------------------------------------------------------------------
class GradingRulesRead(ReadModel):
    organization_id: UUID | None
    source: Literal["organization", "default"]
    rules: GradingRules
    version: int = Field(
        description='0 while the shared default applies: send If-Match: "v0" to set the '
        "organisation's own."
    )


class NormRead(ReadModel):
    norm: Norm
    value_percent: float | None
    grade: Grade | None
    a_threshold: float
    b_threshold: float


class FundEligibilityRead(ReadModel):
    eligible: bool
    received: bool
    reasons: list[str] = Field(
        description="Why not: already_received, too_young, not_graded, grade_below_minimum, "
        "revolving_fund_not_received."
    )


class GradingRead(ReadModel):
    shg_id: UUID
    as_of: date
    window_start: date
    age_months: int
    meetings_expected: int
    rules_source: Literal["organization", "default"]
    norms: list[NormRead]
    score: float | None
    grade: Grade | None
    revolving_fund: FundEligibilityRead
    community_investment_fund: FundEligibilityRead
