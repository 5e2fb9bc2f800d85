"""Survivors' records. Everything that names or locates her is sealed at rest (one JSON
document, ``survivor.personal_enc``); plain columns hold only what age bands, language
matching and document drives need."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.common.pagination import Page
from domain.common.schemas import PatchBody, Personal, ReadModel, RequestBody
from persistence.clock import today
from persistence.models.case_vocabulary import DuplicateAlertStatus, Sex


class IdentityDocumentKind(StrEnum):
    """Documents that unlock schemes (the kind is a plain column; the number is sealed)."""

    aadhaar = "aadhaar"
    voter_id = "voter_id"
    ration_card = "ration_card"
    pan = "pan"
    bank_account = "bank_account"
    mgnrega_job_card = "mgnrega_job_card"
    swasthya_sathi = "swasthya_sathi"
    birth_certificate = "birth_certificate"
    caste_certificate = "caste_certificate"
    disability_certificate = "disability_certificate"
    passport = "passport"
    other = "other"


class FamilyRelationship(StrEnum):
    mother = "mother"
    father = "father"
    husband = "husband"
    partner = "partner"
    son = "son"
    daughter = "daughter"
    brother = "brother"
    sister = "sister"
    grandparent = "grandparent"
    in_law = "in_law"
    uncle = "uncle"
    aunt = "aunt"
    cousin = "cousin"
    guardian = "guardian"
    other = "other"


class ContactChannel(StrEnum):
    """How she prefers to be reached (a notice must never endanger her)."""

    phone_call = "phone_call"
    sms = "sms"
    whatsapp = "whatsapp"
    home_visit = "home_visit"
    office_visit = "office_visit"
    through_survivor_leader = "through_survivor_leader"
    through_family_member = "through_family_member"


Phone = Annotated[
    str,
    Field(
        min_length=6,
        max_length=20,
        pattern=r"^\+?[0-9][0-9 ()-]{4,18}[0-9]$",
        description="Digits, spaces, dashes and brackets; an optional leading +.",
    ),
]
PersonName = Annotated[str, Field(min_length=1, max_length=100)]
LanguageCode = Annotated[
    str,
    Field(
        min_length=2,
        max_length=20,
        pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$",
        description="BCP 47 language tag, e.g. bn, hi, en.",
    ),
]


class Address(RequestBody):
    """A place she lives or lived. Sealed at rest, whole; ``district_id`` of her home address
    is also kept plain (her home district) for district scope and lists."""

    details: str | None = Field(default=None, max_length=300, description="House, para, landmark.")
    village: str | None = Field(default=None, max_length=100)
    gram_panchayat: str | None = Field(default=None, max_length=100)
    block_id: UUID | None = None
    district_id: UUID | None = None
    pin_code: str | None = Field(default=None, pattern=r"^[1-9][0-9]{5}$")


class IdentityDocument(RequestBody):
    kind: IdentityDocumentKind
    number: str | None = Field(default=None, max_length=40, description="Sealed at rest.")


class FamilyMember(RequestBody):
    name: PersonName
    relationship: FamilyRelationship
    phone: Phone | None = None
    safe_contact: bool = Field(
        default=False,
        description="True only when she says this person may be contacted about her. Some "
        "family members are traffickers: unknown means unsafe.",
    )


class SafeContactPreferences(RequestBody):
    channel: ContactChannel | None = None
    times: str | None = Field(
        default=None, max_length=200, description="When it is safe, e.g. weekdays 11-13."
    )
    code_word: str | None = Field(
        default=None,
        max_length=100,
        description="A word that tells her the caller is from the organisation.",
    )
    never_call: bool = Field(default=False, description="Never phone her.")


_PERSONAL_EXAMPLE: dict[str, Any] = {
    "given_name": "Rupa",
    "family_name": "Mondal",
    "aliases": ["Rupu"],
    "sex": "female",
    "estimated_age": 19,
    "languages": ["bn", "hi"],
    "phone": "+91 98300 12345",
    "home_address": {
        "village": "Uttar Durgapur",
        "gram_panchayat": "Durgapur",
        "district_id": "0b8e8f38-5c55-5f6e-8d0e-0c4bb0b1a2f3",
    },
    "identity_documents": [{"kind": "aadhaar", "number": "2345 6789 0123"}],
    "family_members": [
        {"name": "Sabita Mondal", "relationship": "mother", "safe_contact": True},
        {"name": "Haru Sheikh", "relationship": "uncle", "safe_contact": False},
    ],
    "safe_contact": {"channel": "sms", "times": "weekdays 11-13", "never_call": True},
}


class _AgeInput(BaseModel):
    @model_validator(mode="after")
    def _one_age(self) -> Any:
        dob = getattr(self, "date_of_birth", None)
        if dob is not None and getattr(self, "estimated_age", None) is not None:
            raise ValueError("give date_of_birth or estimated_age, not both")
        if dob is not None and dob > today():
            raise ValueError("date_of_birth is in the future")
        return self


class SurvivorCreate(RequestBody, _AgeInput):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_PERSONAL_EXAMPLE, "confirm_not_duplicate": False}]}
    )

    id: UUID | None = None
    given_name: PersonName
    family_name: PersonName | None = None
    aliases: list[PersonName] = Field(default_factory=list, max_length=20)
    sex: Sex
    gender_identity: str | None = Field(default=None, max_length=100, description="Sealed.")
    date_of_birth: date | None = Field(default=None, description="Sealed; the year stays plain.")
    estimated_age: int | None = Field(
        default=None, ge=0, le=120, description="When the date of birth is not known."
    )
    languages: list[LanguageCode] = Field(default_factory=list, max_length=10)
    phone: Phone | None = None
    home_address: Address | None = None
    current_address: Address | None = None
    identity_documents: list[IdentityDocument] = Field(default_factory=list, max_length=20)
    family_members: list[FamilyMember] = Field(default_factory=list, max_length=30)
    safe_contact: SafeContactPreferences | None = None
    confirm_not_duplicate: bool = Field(
        default=False,
        description="Register her even though the duplicate check found possible matches "
        "(after looking at them).",
    )


class SurvivorUpdate(PatchBody, _AgeInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"phone": "+91 98300 54321", "current_address": {"village": "Gosaba"}}]
        }
    )
    nullable_fields = frozenset(
        {
            "family_name",
            "gender_identity",
            "date_of_birth",
            "estimated_age",
            "phone",
            "home_address",
            "current_address",
            "safe_contact",
        }
    )

    given_name: PersonName | None = None
    family_name: PersonName | None = None
    aliases: list[PersonName] | None = Field(default=None, max_length=20)
    sex: Sex | None = None
    gender_identity: str | None = Field(default=None, max_length=100)
    date_of_birth: date | None = None
    estimated_age: int | None = Field(default=None, ge=0, le=120)
    languages: list[LanguageCode] | None = Field(default=None, max_length=10)
    phone: Phone | None = None
    home_address: Address | None = None
    current_address: Address | None = None
    identity_documents: list[IdentityDocument] | None = Field(default=None, max_length=20)
    family_members: list[FamilyMember] | None = Field(default=None, max_length=30)
    safe_contact: SafeContactPreferences | None = None


class SurvivorSearch(RequestBody):
    """Exact-match lookup (phone, or whole name), sent in a body so that personal data never
    travels in a URL."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"phone": "098300 12345"}, {"name": "rupa  MONDAL"}]}
    )

    phone: Phone | None = None
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=201,
        description="Given and family name as registered; case and spacing do not matter.",
    )

    @model_validator(mode="after")
    def _something(self) -> SurvivorSearch:
        if self.phone is None and self.name is None:
            raise ValueError("give a phone or a name")
        return self


class SurvivorPersonal(BaseModel):
    """The sealed document as stored (unknown keys of older documents are ignored)."""

    model_config = ConfigDict(extra="ignore")

    given_name: str = ""
    family_name: str | None = None
    aliases: list[str] = Field(default_factory=list)
    gender_identity: str | None = None
    date_of_birth: date | None = None
    phone: str | None = None
    home_address: Address | None = None
    current_address: Address | None = None
    identity_documents: list[IdentityDocument] = Field(default_factory=list)
    family_members: list[FamilyMember] = Field(default_factory=list)
    safe_contact: SafeContactPreferences | None = None


class SurvivorSummary(ReadModel):
    """A survivor in a list: enough to recognise her, nothing that locates her."""

    id: UUID
    organization_id: UUID
    district_id: UUID | None
    given_name: Annotated[str, Personal()]
    family_name: Annotated[str | None, Personal()]
    sex: Sex
    birth_year: int | None
    age_is_estimate: bool
    languages: list[str]
    created_at: datetime
    updated_at: datetime
    version: int


class SurvivorRead(SurvivorSummary):
    """Her whole record, sealed fields opened."""

    created_by: UUID | None
    age: int | None = Field(description="Years today (an estimate when age_is_estimate).")
    identity_document_kinds: list[str]
    aliases: Annotated[list[str], Personal()]
    gender_identity: Annotated[str | None, Personal()]
    date_of_birth: Annotated[date | None, Personal()]
    phone: Annotated[str | None, Personal()]
    home_address: Annotated[Address | None, Personal()]
    current_address: Annotated[Address | None, Personal()]
    identity_documents: Annotated[list[IdentityDocument], Personal()]
    family_members: Annotated[list[FamilyMember], Personal()]
    safe_contact: Annotated[SafeContactPreferences | None, Personal()]


class SurvivorPage(Page[SurvivorSummary]):
    """One page of survivors."""


# -- duplicate alerts -------------------------------------------------------------------------
class DuplicateAlertResolution(RequestBody):
    """What the program manager made of an alert: ``resolved`` (she dealt with it: merged the
    records, corrected one, followed up with the worker) or ``dismissed`` (not the same
    woman)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "dismissed"}]})

    status: Literal[DuplicateAlertStatus.resolved, DuplicateAlertStatus.dismissed]


class DuplicateAlertRead(ReadModel):
    """An intake whose phone or name matched survivors of the organisation that its author may
    not see. Ids only: open the survivors to compare them."""

    id: UUID
    organization_id: UUID
    raised_by: UUID = Field(description="The person whose intake matched.")
    raised_at: datetime
    survivor_id: UUID | None = Field(
        description="The survivor that intake registered; null when it was not registered "
        "(it also matched survivors its author may see, and she was shown those)."
    )
    matched_survivor_ids: list[UUID] = Field(
        description="The survivors it matched that its author may not see (and was not told of).",
    )
    status: DuplicateAlertStatus
    resolved_by: UUID | None
    resolved_at: datetime | None
    updated_at: datetime
    version: int


DuplicateAlertPage = Page[DuplicateAlertRead]
