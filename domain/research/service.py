"""De-identified research extracts for a study.

An extract holds the survivors whose research consent is in force that business day (the one
consent rule, read by persistence/repositories/research.py), each under a pseudonym keyed for
this extract alone: HMAC-SHA256 of her id under a random key that is never stored, so the same
survivor has unrelated pseudonyms in two extracts and nobody, us included, can link them back.
Ages go to 5-year bands, places to district, dates to month; free text, names, phones and
addresses are never read. Then k-anonymity (domain/research/anonymity.py): generalise, then
suppress. What it did, its parameters and the SHA-256 of its records are kept with it; the
records are sealed at rest and downloaded only by a program manager, each download audited.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, record
from domain.common.errors import BusinessRuleViolation
from domain.common.listing import CREATED_DESC, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import require
from domain.common.settings import Settings
from domain.expansion.research_media import StudyService
from domain.research import places, policies
from domain.research.anonymity import (
    LADDERS,
    LEVEL_NAMES,
    QI_COLUMNS,
    SENSITIVE_COLUMNS,
    QuasiIdentifier,
    Subject,
    anonymise,
)
from domain.research.formats import canonical_json, render
from domain.research.schemas import (
    ExtractCreate,
    ExtractFormat,
    ExtractLayout,
    ExtractPage,
    ExtractRead,
    GeneralisationStep,
)
from persistence.clock import today
from persistence.crypto import Place
from persistence.models.enums import AuditAction
from persistence.models.research_extract import ResearchExtract
from persistence.repositories.research import (
    ConsentedSurvivor,
    ResearchExtractRepository,
    ResearchSubjects,
)
from persistence.scope import RowScope
from persistence.uow import UnitOfWork

EXTRACT = policies.EXTRACT
PSEUDONYM_COLUMN = "pseudonymous_id"
COLUMNS = (PSEUDONYM_COLUMN, *QI_COLUMNS, *SENSITIVE_COLUMNS)
PSEUDONYM_LENGTH = 20  # hex digits: 80 bits, no collision in any population we will hold


@dataclass(frozen=True, slots=True)
class ExtractSettings:
    k: int
    suppression_limit: float

    @classmethod
    def of(cls, settings: Settings) -> ExtractSettings:
        return cls(settings.research_extract_k, settings.research_extract_suppression_limit)


@dataclass(frozen=True, slots=True)
class ExtractFile:
    content: bytes
    media_type: str
    filename: str


def pseudonym(key: bytes, survivor_id: UUID) -> str:
    """Her pseudonym under one extract's key."""
    return hmac.new(key, survivor_id.bytes, hashlib.sha256).hexdigest()[:PSEUDONYM_LENGTH]


def subjects_of(survivors: Sequence[ConsentedSurvivor], key: bytes, year: int) -> list[Subject]:
    """The survivors as the anonymiser sees them: pseudonymous, ages from birth years."""
    return [
        Subject(
            key=pseudonym(key, s.survivor_id),
            age=None if s.birth_year is None else max(year - s.birth_year, 0),
            sex=s.sex,
            home_district=s.district,
            home_state=s.state,
            recruitment_method=s.recruitment_method,
            destination_state=places.destination_state(s.destination_state),
            destination_country=places.destination_country(s.destination_country),
            exploitation_types=s.exploitation_types,
            returned_on=s.returned_on,
            trafficking_status=s.trafficking_status,
            case_status=s.case_status,
        )
        for s in survivors
    ]


class ResearchExtractService:
    def __init__(self, uow: UnitOfWork, settings: ExtractSettings) -> None:
        self.uow = uow
        self.settings = settings
        self.extracts = ResearchExtractRepository(uow)

    def _scope(self, principal: Principal) -> RowScope:
        return RowScope.organization(principal.organization_id)

    def _place(self, extract_id: UUID) -> Place:
        return Place("research_extract", "records_enc", extract_id)

    async def make(self, principal: Principal, study_id: UUID, data: ExtractCreate) -> ExtractRead:
        """Make a de-identified extract of the study's organisation. Raises NotFound (study),
        BusinessRuleViolation (study without purpose or approving body; k below the
        setting)."""
        authorize(self.uow, principal, policies.MAKE, EXTRACT)
        study = await StudyService(self.uow).require(principal, study_id)
        if not study.purpose or not study.approving_body:
            raise BusinessRuleViolation(
                "A study needs its purpose and the body that approved it (e.g. an ethics "
                "committee) before any extract is made.",
                field="study",
            )
        k = self.settings.k if data.k is None else data.k
        if k < self.settings.k:
            raise BusinessRuleViolation(
                f"k may be raised, never lowered below {self.settings.k}.", field="k"
            )
        day = today()
        survivors = await ResearchSubjects(self.uow).consented(study.organization_id, day)
        # The key lives only in this call: pseudonyms cannot be linked across extracts, nor
        # back to a survivor, by anyone.
        subjects = subjects_of(survivors, secrets.token_bytes(32), day.year)
        outcome = anonymise(subjects, k, self.settings.suppression_limit)
        records = sorted(
            ({PSEUDONYM_COLUMN: key, **columns} for key, columns in outcome.published),
            key=lambda row: row[PSEUDONYM_COLUMN],
        )
        body = canonical_json(records)
        extract = ResearchExtract(
            organization_id=study.organization_id,
            study_id=study.id,
            k=k,
            suppression_limit=self.settings.suppression_limit,
            parameters={
                "made_on": day.isoformat(),
                "consent_purpose": "research",
                "quasi_identifiers": [qi.value for qi in LADDERS],
                "columns": list(COLUMNS),
                "pseudonyms": "HMAC-SHA256 under a random key per extract, not kept",
                "method": "datafly generalisation, then suppression of groups smaller than k; "
                "sensitive columns withheld in groups that all share one value (l = 2)",
            },
            generalised={
                "levels": outcome.generalised(),
                "steps": [qi.value for qi in outcome.steps],
                "sensitive_withheld": outcome.sensitive_withheld,
            },
            population=outcome.population,
            suppressed=outcome.suppressed,
            record_count=len(records),
            sha256=hashlib.sha256(body).hexdigest(),
            records_enc=b"",
            created_by=principal.id,
        )
        extract.records_enc = self.uow.cipher.seal(body, self._place(extract.id))
        await self.extracts.add(extract)
        record(
            self.uow,
            principal,
            AuditAction.create,
            EXTRACT,
            extract.id,
            organization_id=extract.organization_id,
        )
        return self._read(extract)

    async def _require(
        self, principal: Principal, study_id: UUID, extract_id: UUID
    ) -> ResearchExtract:
        await StudyService(self.uow).require(principal, study_id)
        return await require(
            self.extracts.of_study(self._scope(principal), study_id, extract_id), "Extract"
        )

    async def get(self, principal: Principal, study_id: UUID, extract_id: UUID) -> ExtractRead:
        """What one extract of a study is (never its records). Raises NotFound."""
        authorize(self.uow, principal, policies.READ, EXTRACT, extract_id)
        return self._read(await self._require(principal, study_id, extract_id))

    async def list_extracts(
        self, principal: Principal, study_id: UUID, page: PageRequest
    ) -> ExtractPage:
        """A study's extracts, newest first. Raises NotFound (study), BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ, EXTRACT)
        await StudyService(self.uow).require(principal, study_id)
        scope = self._scope(principal)

        async def shown(rows: Sequence[ResearchExtract]) -> list[ExtractRead]:
            return [self._read(row) for row in rows]

        return await paginate(
            page,
            CREATED_DESC,
            fetch=lambda after, limit: self.extracts.page_of_study(scope, study_id, after, limit),
            to_read=shown,
            count=lambda: self.extracts.count_of_study(scope, study_id),
            page_type=ExtractPage,
        )

    async def download(
        self,
        principal: Principal,
        study_id: UUID,
        extract_id: UUID,
        layout: ExtractLayout,
        file_format: ExtractFormat,
    ) -> ExtractFile:
        """An extract's records as a file (audited as an export). Raises NotFound."""
        authorize(self.uow, principal, policies.DOWNLOAD, EXTRACT, extract_id)
        extract = await self._require(principal, study_id, extract_id)
        sealed = await self.extracts.sealed_records(extract.id)
        records: list[dict[str, str]] = json.loads(
            self.uow.cipher.open(sealed, self._place(extract.id))
        )
        content = render(records, COLUMNS, layout, file_format)
        record(
            self.uow,
            principal,
            AuditAction.export,
            EXTRACT,
            extract.id,
            organization_id=extract.organization_id,
        )
        media_type = "text/csv" if file_format is ExtractFormat.csv else "application/json"
        return ExtractFile(
            content=content,
            media_type=media_type,
            filename=f"extract-{extract.id}-{layout.value}.{file_format.value}",
        )

    def _read(self, extract: ResearchExtract) -> ExtractRead:
        levels: dict[str, Any] = extract.generalised.get("levels", {})
        steps: list[str] = extract.generalised.get("steps", [])
        return ExtractRead(
            id=extract.id,
            study_id=extract.study_id,
            organization_id=extract.organization_id,
            made_on=date.fromisoformat(extract.parameters["made_on"]),
            k=extract.k,
            suppression_limit=extract.suppression_limit,
            quasi_identifiers=[
                GeneralisationStep(
                    quasi_identifier=qi.value,
                    published_as=levels.get(qi.value, LEVEL_NAMES[qi][0]),
                )
                for qi in QuasiIdentifier
            ],
            generalised=list(dict.fromkeys(steps)),
            sensitive_withheld=extract.generalised.get("sensitive_withheld", {}),
            population=extract.population,
            suppressed=extract.suppressed,
            record_count=extract.record_count,
            sha256=extract.sha256,
            columns=list(extract.parameters.get("columns", COLUMNS)),
            created_by=extract.created_by,
            created_at=extract.created_at,
        )
