"""Assessment instruments as data, and a case's assessments over time: her progress.

An assessment is checked against its instrument (see ``domain.assessments.scoring`` for what
must be answered and how it is scored), its scores are cached on the record, and every read
shows the change from the baseline: the first assessment of the same instrument for the case.
The baseline is found when the assessment is read, so an assessment entered later but
conducted earlier becomes the baseline of those after it.

A risk instrument (``rules.sets_case_risk``) sets the case's risk level to its band, unless
the case holds a risk assessment conducted later (an older sitting entered late does not
overrule a newer one). The case's "high risk" flag comes from there.

Notes are sealed in ``notes_enc``; the case's progress map and the audit trail carry codes,
scores and dates only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.assessments import policies
from domain.assessments.schemas import (
    AssessmentChange,
    AssessmentCreate,
    AssessmentPage,
    AssessmentRead,
    AssessmentResponseRead,
    AssessmentScores,
    AssessmentSummary,
    InstrumentCreate,
    InstrumentItemRead,
    InstrumentPage,
    InstrumentRead,
    InstrumentRules,
    InstrumentSectionRead,
    InstrumentSummary,
)
from domain.assessments.scoring import (
    InstrumentSpec,
    ItemSpec,
    Rules,
    SectionSpec,
    change,
    resolve,
    score,
)
from domain.audit.trail import authorize, record
from domain.cases.access import record_case_event, require_case
from domain.cases.policies import CASE_WORKERS
from domain.common.errors import BusinessRuleViolation, Conflict, InvalidState
from domain.common.ids import reject_taken_id
from domain.common.listing import Keyset, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal, PrincipalKind
from domain.common.records import require
from domain.common.staff import StaffNames, staff_names
from persistence.clock import today
from persistence.crypto import Place
from persistence.models.assessment import Assessment
from persistence.models.assessment_instrument import AssessmentInstrument
from persistence.models.assessment_item import AssessmentItem
from persistence.models.assessment_response import AssessmentResponse
from persistence.models.assessment_section import AssessmentSection
from persistence.models.base import touch
from persistence.models.case_vocabulary import CaseEventKind, CaseStatus, ResponseType, RiskLevel
from persistence.models.enums import AuditAction
from persistence.models.survivor_case import SurvivorCase
from persistence.repositories.assessments import (
    AssessmentRepository,
    InstrumentRepository,
    day_number,
)
from persistence.uow import UnitOfWork

ASSESSMENT = policies.ASSESSMENT
INSTRUMENT = policies.INSTRUMENT
CASE = "survivor_case"
_CASE_WORKER_ROLES = tuple(sorted(role.value for role in CASE_WORKERS))

Structure = list[tuple[AssessmentSection, AssessmentItem]]


INSTRUMENTS_BY_CODE: Keyset[AssessmentInstrument] = Keyset(
    "code", 2, lambda instrument: (instrument.code, instrument.id)
)
ASSESSMENTS_CONDUCTED_DESC: Keyset[Assessment] = Keyset(
    "conducted-desc", 3, lambda a: (day_number(a.conducted_on), a.created_at, a.id)
)


def _notes_place(assessment_id: UUID) -> Place:
    return Place("assessment", "notes_enc", assessment_id)


def spec_of(instrument: AssessmentInstrument, structure: Structure) -> InstrumentSpec:
    """The instrument as the scoring functions take it."""
    by_section: dict[UUID, tuple[str, list[ItemSpec]]] = {}
    for section, item in structure:
        _, items = by_section.setdefault(section.id, (section.code, []))
        items.append(
            ItemSpec(
                id=item.id,
                code=item.code,
                section=section.code,
                response_type=ResponseType(item.response_type),
                weight=item.weight,
            )
        )
    sections = tuple(
        SectionSpec(code=code, items=tuple(items)) for code, items in by_section.values()
    )
    return InstrumentSpec(
        code=instrument.code,
        sections=sections,
        rules=Rules.from_data(instrument.rules),
        scale_min=instrument.scale_min,
        scale_max=instrument.scale_max,
    )


class AssessmentService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.instruments = InstrumentRepository(uow)
        self.assessments = AssessmentRepository(uow)

    # -- instruments ----------------------------------------------------------------------
    async def list_instruments(self, principal: Principal, page: PageRequest) -> InstrumentPage:
        """The shared instruments and the caller's organisation's own, by code. Raises
        BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ_INSTRUMENTS, INSTRUMENT)
        organization_id = principal.organization_id
        return await paginate(
            page,
            INSTRUMENTS_BY_CODE,
            fetch=lambda after, limit: self.instruments.page_visible(organization_id, after, limit),
            to_read=lambda rows: [_instrument_summary(i) for i in rows],
            count=lambda: self.instruments.count_visible(organization_id),
            page_type=InstrumentPage,
        )

    async def get_instrument(self, principal: Principal, instrument_id: UUID) -> InstrumentRead:
        """One instrument with its sections and items in order. Raises NotFound (unknown, or
        another organisation's own)."""
        authorize(self.uow, principal, policies.READ_INSTRUMENTS, INSTRUMENT, instrument_id)
        instrument = await require(
            self.instruments.get_visible(instrument_id, principal.organization_id), "Instrument"
        )
        return _instrument_read(instrument, await self.instruments.structure([instrument.id]))

    async def create_instrument(
        self, principal: Principal, data: InstrumentCreate
    ) -> InstrumentRead:
        """Define an instrument of the caller's organisation. Raises Conflict (its code is
        taken by a shared instrument or one of the organisation's), BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE_INSTRUMENTS, INSTRUMENT)
        organization_id = principal.organization_id
        if organization_id is None:
            raise BusinessRuleViolation("Instruments belong to an organisation.", field="code")
        await self.instruments.lock_code(organization_id, data.code)
        if await self.instruments.code_taken(organization_id, data.code):
            raise Conflict("An instrument with this code already exists.")
        instrument = AssessmentInstrument(
            organization_id=organization_id,
            code=data.code,
            name=data.name,
            description=data.description,
            scale_min=data.scale_min,
            scale_max=data.scale_max,
            rules=data.rules.model_dump(exclude_defaults=True),
            created_by=principal.id,
        )
        sections: list[AssessmentSection] = []
        items: list[AssessmentItem] = []
        for position, section_data in enumerate(data.sections, start=1):
            section = AssessmentSection(
                instrument_id=instrument.id,
                code=section_data.code,
                name=section_data.name,
                position=position,
                created_by=principal.id,
            )
            sections.append(section)
            for item_position, item_data in enumerate(section_data.items, start=1):
                items.append(
                    AssessmentItem(
                        section_id=section.id,
                        code=item_data.code,
                        prompt=item_data.prompt,
                        response_type=item_data.response_type,
                        position=item_position,
                        weight=item_data.weight,
                        created_by=principal.id,
                    )
                )
        await self.instruments.add_with_structure(instrument, sections, items)
        record(
            self.uow,
            principal,
            AuditAction.create,
            INSTRUMENT,
            instrument.id,
            organization_id=organization_id,
        )
        by_section = {s.id: s for s in sections}
        return _instrument_read(instrument, [(by_section[i.section_id], i) for i in items])

    # -- assessments ----------------------------------------------------------------------
    async def create(
        self, principal: Principal, case_id: UUID, data: AssessmentCreate
    ) -> AssessmentRead:
        """Record an assessment of the case: checked against its instrument, scored, written to
        the case's progress map; a risk assessment sets the case's risk level. Raises NotFound
        (case out of scope), InvalidState (closed case), BusinessRuleViolation (instrument,
        date, who conducted it, answers), Conflict (id taken)."""
        authorize(self.uow, principal, policies.MANAGE, ASSESSMENT)
        # Locked: the case's risk level follows its latest risk assessment, decided in turn.
        case = await require_case(self.uow, principal, case_id, for_update=True)
        if CaseStatus(case.status) is CaseStatus.closed:
            raise InvalidState("The case is closed: reopen it to assess again.")
        instrument = await self.instruments.get_visible(data.instrument_id, case.organization_id)
        if instrument is None:
            raise BusinessRuleViolation("The instrument does not exist.", field="instrument_id")
        if data.conducted_on > today() or data.conducted_on < case.opened_on:
            raise BusinessRuleViolation(
                "conducted_on may lie neither in the future nor before the case opened.",
                field="conducted_on",
            )
        conducted_by = data.conducted_by
        if conducted_by is None and principal.kind is PrincipalKind.user:
            conducted_by = principal.id
        if conducted_by is not None and not await self.assessments.case_worker(
            case.organization_id, conducted_by, _CASE_WORKER_ROLES
        ):
            raise BusinessRuleViolation(
                "The assessment is conducted by an active program manager or social worker of "
                "the case's organisation.",
                field="conducted_by",
            )
        structure = await self.instruments.structure([instrument.id])
        spec = spec_of(instrument, structure)
        answers = resolve(spec, data.responses)
        await reject_taken_id(self.uow, principal, self.assessments, data.id, "assessment")
        scores = score(spec, answers)
        assessment = Assessment(
            organization_id=case.organization_id,
            district_id=case.district_id,
            case_id=case.id,
            instrument_id=instrument.id,
            conducted_on=data.conducted_on,
            conducted_by=conducted_by,
            scores=scores,
            created_by=principal.id,
        )
        if data.id is not None:
            assessment.id = data.id
        if data.notes is not None:
            assessment.notes_enc = self.uow.cipher.seal_text(
                data.notes, _notes_place(assessment.id)
            )
        await self.assessments.add(assessment)
        await self.assessments.add_responses(
            [
                AssessmentResponse(assessment_id=assessment.id, item_id=item_id, value=value)
                for item_id, value in answers.items()
            ]
        )
        baseline = (await self.assessments.baselines(case, [instrument.id]))[instrument.id]
        moved = change(scores, baseline.scores)
        record(
            self.uow,
            principal,
            AuditAction.create,
            ASSESSMENT,
            assessment.id,
            organization_id=case.organization_id,
        )
        detail: dict[str, Any] = {
            "instrument": instrument.code,
            "conducted_on": assessment.conducted_on.isoformat(),
            "scores": scores,
            "change": moved,
        }
        risk = await self._set_case_risk(principal, case, spec, assessment)
        if risk is not None:
            detail["risk_level"] = risk
        await record_case_event(
            self.uow,
            case,
            CaseEventKind.assessment,
            actor=principal,
            subject_id=assessment.id,
            detail=detail,
        )
        names = await staff_names(self.uow, [assessment.conducted_by])
        return self._read(assessment, instrument, baseline, structure, answers, data.notes, names)

    async def get(self, principal: Principal, case_id: UUID, assessment_id: UUID) -> AssessmentRead:
        """One assessment of a case in the caller's scope, with its answers, notes and change
        from the baseline (audited). Raises NotFound."""
        authorize(self.uow, principal, policies.READ, ASSESSMENT, assessment_id)
        case = await require_case(self.uow, principal, case_id)
        assessment = await require(self.assessments.get_in_case(case, assessment_id), "Assessment")
        instrument = (await self.instruments.by_ids([assessment.instrument_id]))[
            assessment.instrument_id
        ]
        structure = await self.instruments.structure([instrument.id])
        baseline = (await self.assessments.baselines(case, [instrument.id]))[instrument.id]
        answers = await self.assessments.responses(assessment.id)
        notes = self.uow.cipher.open_text(assessment.notes_enc, _notes_place(assessment.id))
        record(
            self.uow,
            principal,
            AuditAction.read,
            ASSESSMENT,
            assessment.id,
            organization_id=case.organization_id,
        )
        names = await staff_names(self.uow, [assessment.conducted_by])
        return self._read(assessment, instrument, baseline, structure, answers, notes, names)

    async def list(
        self,
        principal: Principal,
        case_id: UUID,
        page: PageRequest,
        instrument_id: UUID | None = None,
    ) -> AssessmentPage:
        """The case's assessments, newest first (by the day conducted), each with its scores
        and the change from its instrument's baseline; filter: instrument. The search and each
        assessment shown are audited. Raises NotFound, BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ, ASSESSMENT)
        case = await require_case(self.uow, principal, case_id)
        record(
            self.uow,
            principal,
            AuditAction.search,
            ASSESSMENT,
            organization_id=case.organization_id,
        )

        async def shown(rows: Sequence[Assessment]) -> list[AssessmentSummary]:
            used = {a.instrument_id for a in rows}
            instruments = await self.instruments.by_ids(used)
            baselines = await self.assessments.baselines(case, used)
            names = await staff_names(self.uow, (a.conducted_by for a in rows))
            for assessment in rows:
                record(
                    self.uow,
                    principal,
                    AuditAction.read,
                    ASSESSMENT,
                    assessment.id,
                    organization_id=case.organization_id,
                )
            return [
                AssessmentSummary(
                    **self._summary_fields(
                        a, instruments[a.instrument_id], baselines[a.instrument_id], names
                    )
                )
                for a in rows
            ]

        return await paginate(
            page,
            ASSESSMENTS_CONDUCTED_DESC,
            fetch=lambda after, limit: self.assessments.page_of_case(
                case, instrument_id, after, limit
            ),
            to_read=shown,
            count=lambda: self.assessments.count_of_case(case, instrument_id),
            page_type=AssessmentPage,
        )

    # -- helpers --------------------------------------------------------------------------
    async def _set_case_risk(
        self,
        principal: Principal,
        case: SurvivorCase,
        spec: InstrumentSpec,
        assessment: Assessment,
    ) -> dict[str, str] | None:
        """Give the case the band of a risk assessment as its risk level, unless a risk
        assessment conducted later exists. Answers the change made (None when none)."""
        band = assessment.scores.get("band")
        if not spec.rules.sets_case_risk or band is None:
            return None
        risk_instruments = await self.instruments.risk_instrument_ids(case.organization_id)
        if await self.assessments.later_than(case, assessment, risk_instruments):
            return None
        current = RiskLevel(case.risk_level)
        level = RiskLevel(band)
        if level is current:
            return None
        case.risk_level = level
        touch(case)
        await self.uow.session.flush()
        record(
            self.uow,
            principal,
            AuditAction.update,
            CASE,
            case.id,
            organization_id=case.organization_id,
        )
        return {"from": current.value, "to": level.value}

    @staticmethod
    def _summary_fields(
        assessment: Assessment,
        instrument: AssessmentInstrument,
        baseline: Assessment,
        names: StaffNames,
    ) -> dict[str, Any]:
        moved = change(assessment.scores, baseline.scores)
        return {
            "id": assessment.id,
            "case_id": assessment.case_id,
            "instrument_id": assessment.instrument_id,
            "instrument_code": instrument.code,
            "conducted_on": assessment.conducted_on,
            "conducted_by": assessment.conducted_by,
            "conducted_by_name": names.name(assessment.conducted_by),
            "scores": AssessmentScores.model_validate(assessment.scores),
            "change": AssessmentChange(
                baseline_id=baseline.id,
                baseline_conducted_on=baseline.conducted_on,
                is_baseline=baseline.id == assessment.id,
                **moved,
            ),
            "created_by": assessment.created_by,
            "created_at": assessment.created_at,
            "version": assessment.version,
        }

    def _read(
        self,
        assessment: Assessment,
        instrument: AssessmentInstrument,
        baseline: Assessment,
        structure: Structure,
        answers: dict[UUID, int],
        notes: str | None,
        names: StaffNames,
    ) -> AssessmentRead:
        responses = [
            AssessmentResponseRead(
                item_id=item.id, code=item.code, section=section.code, value=answers[item.id]
            )
            for section, item in structure
            if item.id in answers
        ]
        return AssessmentRead(
            **self._summary_fields(assessment, instrument, baseline, names),
            responses=responses,
            notes=notes,
        )


def _instrument_summary(instrument: AssessmentInstrument) -> InstrumentSummary:
    return InstrumentSummary(**_instrument_fields(instrument))


def _instrument_fields(instrument: AssessmentInstrument) -> dict[str, Any]:
    return {
        "id": instrument.id,
        "code": instrument.code,
        "name": instrument.name,
        "description": instrument.description,
        "organization_id": instrument.organization_id,
        "shared": instrument.organization_id is None,
        "scale_min": instrument.scale_min,
        "scale_max": instrument.scale_max,
        "rules": InstrumentRules.model_validate(instrument.rules),
        "created_at": instrument.created_at,
        "version": instrument.version,
    }


def _instrument_read(instrument: AssessmentInstrument, structure: Structure) -> InstrumentRead:
    spec = spec_of(instrument, structure)
    ranges = {item.id: spec.value_range(item) for item in spec.items()}
    sections: list[InstrumentSectionRead] = []
    for section, item in structure:
        if not sections or sections[-1].id != section.id:
            sections.append(
                InstrumentSectionRead(
                    id=section.id,
                    code=section.code,
                    name=section.name,
                    position=section.position,
                    items=[],
                )
            )
        low, high = ranges[item.id]
        sections[-1].items.append(
            InstrumentItemRead(
                id=item.id,
                code=item.code,
                prompt=item.prompt,
                response_type=ResponseType(item.response_type),
                position=item.position,
                weight=item.weight,
                min_value=low,
                max_value=high,
            )
        )
    return InstrumentRead(**_instrument_fields(instrument), sections=sections)
