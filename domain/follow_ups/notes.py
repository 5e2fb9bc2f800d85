"""Case notes: sealed, append-only, some restricted.

A restricted note (counselling) is read only by its author and the organisation's program
managers; to anyone else who sees the case it does not exist (absent from lists, 404 on read).
Notes are never edited: a correction is a new note naming the one it corrects. The reference
is kept inside the sealed document (``{"body": ..., "corrects_id": ...}``), so the table needs
no column for it and the link between two notes is as private as their text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, record, record_denied
from domain.cases.access import require_case
from domain.common.errors import BusinessRuleViolation, PermissionDenied
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import require
from domain.common.staff import StaffNames, staff_names
from domain.follow_ups import policies
from domain.follow_ups.schemas import NoteCreate, NotePage, NoteRead
from persistence.crypto import Place
from persistence.models.case_note import CaseNote
from persistence.models.case_vocabulary import NoteConfidentiality
from persistence.models.enums import AuditAction
from persistence.models.survivor_case import SurvivorCase
from persistence.repositories.follow_ups import NoteReader, NoteRepository
from persistence.uow import UnitOfWork

ENTITY = "case_note"
BODY = "body_enc"


def note_reader(principal: Principal) -> NoteReader:
    return NoteReader(
        reader_id=principal.id, all_restricted=policies.sees_restricted_notes(principal)
    )


class NoteService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.notes = NoteRepository(uow)

    async def create(self, principal: Principal, case_id: UUID, data: NoteCreate) -> NoteRead:
        """Write a note on a case in the caller's scope (closed cases too). Raises NotFound,
        PermissionDenied (an integration client: notes are signed by a person),
        BusinessRuleViolation (corrects_id), Conflict (id taken)."""
        authorize(self.uow, principal, policies.MANAGE_NOTES, ENTITY)
        if not policies.writes_notes(principal):
            record_denied(self.uow, principal, ENTITY)
            raise PermissionDenied("Case notes are written by people, in their own name.")
        case = await require_case(self.uow, principal, case_id)
        if data.corrects_id is not None:
            corrected = await self.notes.get_in_case(case, data.corrects_id, note_reader(principal))
            if corrected is None:
                raise BusinessRuleViolation(
                    "corrects_id does not name a note of this case.", field="corrects_id"
                )
            if (
                corrected.confidentiality == NoteConfidentiality.restricted
                and data.confidentiality != NoteConfidentiality.restricted
            ):
                raise BusinessRuleViolation(
                    "A correction of a restricted note is restricted too.",
                    field="confidentiality",
                )
        await reject_taken_id(self.uow, principal, self.notes, data.id, "case_note")
        note = CaseNote(
            organization_id=case.organization_id,
            district_id=case.district_id,
            case_id=case.id,
            author_id=principal.id,
            confidentiality=data.confidentiality,
            body_enc=b"",
            created_by=principal.id,
        )
        if data.id is not None:
            note.id = data.id
        document: dict[str, Any] = {"body": data.body}
        if data.corrects_id is not None:
            document["corrects_id"] = str(data.corrects_id)
        note.body_enc = self.uow.cipher.seal_json(document, Place(ENTITY, BODY, note.id))
        await self.notes.add(note)
        record(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            note.id,
            organization_id=case.organization_id,
        )
        return self._read(note, await self._names([note]))

    async def get(self, principal: Principal, case_id: UUID, note_id: UUID) -> NoteRead:
        """One note the caller may read (audited). Raises NotFound, also for a restricted
        note she may not read."""
        authorize(self.uow, principal, policies.READ_NOTES, ENTITY, note_id)
        case = await require_case(self.uow, principal, case_id)
        note = await require(self.notes.get_in_case(case, note_id, note_reader(principal)), "Note")
        self._audit_read(principal, case, note)
        return self._read(note, await self._names([note]))

    async def list(
        self,
        principal: Principal,
        case_id: UUID,
        page: PageRequest,
        confidentiality: NoteConfidentiality | None = None,
    ) -> NotePage:
        """The notes of a case the caller may read, oldest first; the search and each note
        shown are audited. Raises NotFound."""
        authorize(self.uow, principal, policies.READ_NOTES, ENTITY)
        case = await require_case(self.uow, principal, case_id)
        reader = note_reader(principal)
        record(
            self.uow,
            principal,
            AuditAction.search,
            ENTITY,
            organization_id=case.organization_id,
        )

        async def shown(notes: Sequence[CaseNote]) -> list[NoteRead]:
            names = await self._names(notes)
            for note in notes:
                self._audit_read(principal, case, note)
            return [self._read(note, names) for note in notes]

        return await paginate(
            page,
            CREATED,
            fetch=lambda after, limit: self.notes.page_of_case(
                case, reader, confidentiality, after, limit
            ),
            to_read=shown,
            count=lambda: self.notes.count_of_case(case, reader, confidentiality),
            page_type=NotePage,
        )

    # -- helpers --------------------------------------------------------------------------
    def _audit_read(self, principal: Principal, case: SurvivorCase, note: CaseNote) -> None:
        record(
            self.uow,
            principal,
            AuditAction.read,
            ENTITY,
            note.id,
            organization_id=case.organization_id,
        )

    async def _names(self, notes: Sequence[CaseNote]) -> StaffNames:
        """Who wrote each note, by name (one lookup for a page)."""
        return await staff_names(self.uow, (note.author_id for note in notes))

    def _read(self, note: CaseNote, names: StaffNames) -> NoteRead:
        document = self.uow.cipher.open_json(note.body_enc, Place(ENTITY, BODY, note.id))
        corrects = document.get("corrects_id")
        return NoteRead(
            id=note.id,
            case_id=note.case_id,
            organization_id=note.organization_id,
            author_id=note.author_id,
            author_name=names.name(note.author_id),
            confidentiality=note.confidentiality,
            body=document["body"],
            corrects_id=UUID(corrects) if corrects else None,
            created_at=note.created_at,
            version=note.version,
        )


async def notes_read(uow: UnitOfWork, notes: Sequence[CaseNote]) -> list[NoteRead]:
    """Notes as :meth:`NoteService.get` answers them (authors named in one lookup), for reads
    of many at once that checked scope, readability and audit themselves (sync)."""
    service = NoteService(uow)
    names = await service._names(notes)
    return [service._read(note, names) for note in notes]
