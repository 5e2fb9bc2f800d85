"""The outcomes dashboard, the case-progress dashboard and the periodic outcome report: many
indicators at once, each with the period before it for comparison.

The report is built once as data (:class:`OutcomeReport`); its JSON, XLSX and HTML forms are
renderings of that one object, so the same data gives the same numbers in all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from domain.audit.trail import authorize
from domain.common.principal import Principal, Role
from domain.evidence import policies
from domain.evidence.catalogue import IndicatorDefinition
from domain.evidence.evaluator import (
    Evaluation,
    EvaluationRequest,
    EvidenceScope,
    Figure,
    evaluate_many,
)
from domain.evidence.figures import sentence, shown
from domain.evidence.periods import Period, PeriodKind, periods, previous
from domain.evidence.schemas import (
    BreakdownValue,
    CaseProgress,
    Headline,
    OutcomeReport,
    OutcomesDashboard,
    OutcomeSection,
    ProgressPanel,
    Protection,
    ReportFigure,
    ReportOutcome,
    TrendPoint,
)
from domain.evidence.service import EvidenceService, ValuesQuery, resolve_range
from persistence import clock
from persistence.repositories.organizations import OrganizationRepository

OUTCOMES = {
    1: "Case management: restorative, trauma-informed and rights-based",
    2: "Livelihoods, financial inclusion and entitlements",
    3: "Evidence: case progress mapped, demands tracked, data kept well",
    4: "Survivor leadership and campaigning with duty bearers",
    5: "Expansion to new states and policy engagement",
}

# The case-progress dashboard: each panel an indicator broken down one way.
CASE_PROGRESS = (
    ("assessment_change_median", "component"),
    ("assessment_improved_share", "component"),
    ("case_stage_days_median", "stage"),
    ("case_stage_days_p90", "stage"),
    ("cases_closed", "closure_reason"),
    ("goals_achieved", "component"),
)

NOTES = (
    "Survivors are counted only while their consent to aggregate reporting is in force at the "
    "end of each period; records left out for that reason are counted separately.",
    "Figures about fewer than {k} persons are suppressed, and enough other cells with them that "
    "no suppressed figure can be worked out from the totals or the other figures shown.",
    "Suppression cannot stop differences between two reports (this quarter's total minus last "
    "quarter's): publish figures for long, fixed periods.",
    "A stock (survivors associated, active cases) is read on the last day of a period; a flow "
    "(new registrations) is counted over it. Stocks are never added across periods.",
)
INTERNAL_NOTE = "INTERNAL: small figures are not suppressed. Not for publication or sharing."


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _computed_at(evaluations: list[Evaluation]) -> datetime:
    """When the oldest figure shown was computed (kept answers may be a few seconds old)."""
    return min((e.computed_at for e in evaluations), default=clock.now())


def _total(evaluation: Evaluation, period: int) -> Figure | None:
    return next((f for f in evaluation.figures if f.period == period and not f.breakdown), None)


def _value(
    figure: Figure | None, definition: IndicatorDefinition
) -> tuple[int | float | None, bool]:
    """A total's value and whether it is suppressed. No cell at all is zero for a count or a
    sum; a median, percentile or ratio over nothing has no value."""
    if figure is None:
        return (0 if definition.kind in ("count", "sum") else None), False
    return _number(figure.value), figure.suppressed


def _headline(
    definition: IndicatorDefinition, current: Figure | None, before: Figure | None
) -> Headline:
    value, suppressed = _value(current, definition)
    previous_value, previous_suppressed = _value(before, definition)
    change: int | float | None = None
    percent = None
    if value is not None and previous_value is not None:
        change = _number(Decimal(str(value)) - Decimal(str(previous_value)))
        if previous_value:
            percent = round(float(change or 0) * 100 / float(previous_value), 1)
    temporal: Literal["stock", "flow"] = "stock" if definition.temporal.value == "stock" else "flow"
    return Headline(
        code=definition.code,
        name=definition.name,
        unit=definition.unit,
        temporal=temporal,
        value=value,
        suppressed=suppressed,
        previous_value=previous_value,
        previous_suppressed=previous_suppressed,
        change=change,
        change_percent=percent,
    )


@dataclass(frozen=True, slots=True)
class Window:
    """The range asked for and the one of the same length just before it."""

    starts_on: date
    ends_on: date
    previous_starts_on: date
    previous_ends_on: date

    @classmethod
    def of(cls, starts_on: date | None, ends_on: date | None) -> Window:
        start, end = resolve_range(starts_on, ends_on)
        before_start, before_end = previous(start, end)
        return cls(start, end, before_start, before_end)

    def current(self) -> Period:
        return Period("current", self.starts_on, self.ends_on)

    def before(self) -> Period:
        return Period("previous", self.previous_starts_on, self.previous_ends_on)


class EvidenceReports:
    """Dashboards and the report, over the indicators the caller may see."""

    def __init__(self, service: EvidenceService) -> None:
        self.service = service
        self.uow = service.uow
        self.k = service.k

    async def _setup(
        self, principal: Principal, query: ValuesQuery, codes: tuple[str, ...] | None = None
    ) -> tuple[Window, list[IndicatorDefinition], EvidenceScope]:
        authorize(self.uow, principal, policies.READ, "indicator")
        window = Window.of(query.starts_on, query.ends_on)
        definitions = await self.service.definitions()
        if codes is not None:
            by_code = {d.code: d for d in definitions}
            definitions = [by_code[c] for c in codes if c in by_code]
        if principal.role is Role.survivor_leader:
            definitions = [d for d in definitions if d.leader_groups]
        scope = await self.service.scope(principal, query, definitions)
        return window, definitions, scope

    def _protection(self, scope: EvidenceScope) -> Protection:
        return Protection(applied=scope.suppressed, k=self.k)

    async def outcomes(self, principal: Principal, query: ValuesQuery) -> OutcomesDashboard:
        """The headline figures of all five outcomes for a range, each with the range of the
        same length before it. Raises PermissionDenied, NotFound, BusinessRuleViolation."""
        window, definitions, scope = await self._setup(principal, query)
        sections: dict[int, list[Headline]] = {outcome: [] for outcome in OUTCOMES}
        headlines = [d for d in definitions if d.headline_rank is not None]
        evaluations = await evaluate_many(
            self.uow,
            [EvaluationRequest(d, [window.before(), window.current()]) for d in headlines],
            scope,
            k=self.k,
            max_age=self.service.max_age,
        )
        for definition, evaluation in zip(headlines, evaluations, strict=True):
            sections[definition.outcome].append(
                _headline(definition, _total(evaluation, 1), _total(evaluation, 0))
            )
        await self.service.keep_request(
            principal, "dashboard", "outcomes", query.parameters(), scope
        )
        return OutcomesDashboard(
            starts_on=window.starts_on,
            ends_on=window.ends_on,
            previous_starts_on=window.previous_starts_on,
            previous_ends_on=window.previous_ends_on,
            organization_ids=list(scope.organization_ids),
            internal=not scope.suppressed,
            suppression=self._protection(scope),
            computed_at=_computed_at(evaluations),
            outcomes=[
                OutcomeSection(outcome=outcome, title=title, headlines=sections[outcome])
                for outcome, title in OUTCOMES.items()
            ],
        )

    async def case_progress(self, principal: Principal, query: ValuesQuery) -> CaseProgress:
        """Progress across cases: assessment change from baseline by CBR component, time in
        each stage, closures by reason, goals achieved. Raises PermissionDenied, NotFound,
        BusinessRuleViolation."""
        codes = tuple(code for code, _ in CASE_PROGRESS)
        window, definitions, scope = await self._setup(principal, query, codes)
        by_code = {d.code: d for d in definitions}
        wanted = [
            (by_code[code], breakdown)
            for code, breakdown in CASE_PROGRESS
            if code in by_code and breakdown in by_code[code].breakdowns
        ]
        evaluations = await evaluate_many(
            self.uow,
            [
                EvaluationRequest(d, [window.before(), window.current()], (breakdown,))
                for d, breakdown in wanted
            ],
            scope,
            k=self.k,
            max_age=self.service.max_age,
        )
        panels = []
        for (definition, breakdown), evaluation in zip(wanted, evaluations, strict=True):
            code = definition.code
            panels.append(
                ProgressPanel(
                    indicator=code,
                    name=definition.name,
                    unit=definition.unit,
                    breakdown=breakdown,
                    total=_headline(definition, _total(evaluation, 1), _total(evaluation, 0)),
                    values=[
                        BreakdownValue(
                            key=figure.breakdown[breakdown],
                            label=None,
                            value=_number(figure.value),
                            suppressed=figure.suppressed,
                        )
                        for figure in evaluation.figures
                        if figure.period == 1 and breakdown in figure.breakdown
                    ],
                )
            )
        await self.service.keep_request(
            principal, "dashboard", "case-progress", query.parameters(), scope
        )
        return CaseProgress(
            starts_on=window.starts_on,
            ends_on=window.ends_on,
            previous_starts_on=window.previous_starts_on,
            previous_ends_on=window.previous_ends_on,
            organization_ids=list(scope.organization_ids),
            internal=not scope.suppressed,
            suppression=self._protection(scope),
            computed_at=_computed_at(evaluations),
            panels=panels,
        )

    async def report(
        self, principal: Principal, query: ValuesQuery, report_format: str
    ) -> OutcomeReport:
        """Every indicator of the catalogue for a range: its figure and the previous one, its
        trend by month (by quarter over two years), by district, and the achievement lines.
        Raises PermissionDenied, NotFound, BusinessRuleViolation."""
        window, definitions, scope = await self._setup(principal, query)
        trend_kind = (
            PeriodKind.month
            if (window.ends_on - window.starts_on).days <= 731
            else PeriodKind.fy_quarter
        )
        parts = periods(trend_kind, window.starts_on, window.ends_on)
        # Previous, the parts, then the whole: in order of the day each is read (stocks).
        asked = [window.before(), *parts, window.current()]
        whole = len(asked) - 1
        outcomes: dict[int, ReportOutcome] = {
            outcome: ReportOutcome(outcome=outcome, title=title, sentences=[], figures=[])
            for outcome, title in OUTCOMES.items()
        }
        headline_sentences: list[tuple[int, int, str]] = []
        evaluations = await evaluate_many(
            self.uow,
            [
                EvaluationRequest(
                    definition,
                    asked,
                    ("district",) if "district" in definition.breakdowns else (),
                    wholes={whole: list(range(1, whole))},
                )
                for definition in definitions
            ],
            scope,
            k=self.k,
            max_age=self.service.max_age,
        )
        district_names = (await self.service.place_labels(*evaluations)).get("district", {})
        for definition, evaluation in zip(definitions, evaluations, strict=True):
            figure = self._figure(definition, evaluation, whole, district_names)
            outcomes[definition.outcome].figures.append(figure)
            districts = {b.key for b in figure.by_district if b.suppressed or (b.value or 0) > 0}
            text = sentence(
                definition,
                figure.value,
                suppressed=figure.suppressed,
                k=self.k,
                districts=len(districts),
            )
            if text is not None:
                outcomes[definition.outcome].sentences.append(text)
                if definition.headline_rank is not None:
                    headline_sentences.append((definition.outcome, definition.headline_rank, text))
        names = await self._organization_names(scope.organization_ids)
        await self.service.keep_request(
            principal,
            "report",
            "outcomes",
            {**query.parameters(), "format": report_format},
            scope,
        )
        notes = [note.format(k=self.k) for note in NOTES]
        if not scope.suppressed:
            notes.insert(0, INTERNAL_NOTE)
        return OutcomeReport(
            title=f"Outcome report, {window.starts_on:%d %B %Y} to {window.ends_on:%d %B %Y}",
            organizations=names,
            organization_ids=list(scope.organization_ids),
            starts_on=window.starts_on,
            ends_on=window.ends_on,
            previous_starts_on=window.previous_starts_on,
            previous_ends_on=window.previous_ends_on,
            trend_period=trend_kind,
            internal=not scope.suppressed,
            suppression=self._protection(scope),
            computed_at=_computed_at(evaluations),
            summary=[text for _, _, text in sorted(headline_sentences)],
            outcomes=list(outcomes.values()),
            notes=notes,
        )

    def _figure(
        self,
        definition: IndicatorDefinition,
        evaluation: Evaluation,
        whole: int,
        district_names: dict[str, str],
    ) -> ReportFigure:
        headline = _headline(definition, _total(evaluation, whole), _total(evaluation, 0))
        trend = []
        for index, period in enumerate(evaluation.periods[1:whole], start=1):
            value, suppressed = _value(_total(evaluation, index), definition)
            trend.append(
                TrendPoint(
                    period=period.label,
                    starts_on=period.starts_on,
                    ends_on=period.ends_on,
                    value=value,
                    suppressed=suppressed,
                )
            )
        by_district = [
            BreakdownValue(
                key=f.breakdown["district"],
                label=district_names.get(f.breakdown["district"] or ""),
                value=_number(f.value),
                suppressed=f.suppressed,
            )
            for f in evaluation.figures
            if f.period == whole and "district" in f.breakdown
        ]
        by_district.sort(key=lambda b: b.label or "")
        return ReportFigure(
            code=definition.code,
            version=definition.version,
            name=definition.name,
            definition=definition.definition,
            unit=definition.unit,
            factor=definition.factor,
            temporal=headline.temporal,
            value=headline.value,
            text=shown(headline.value, definition.unit, suppressed=headline.suppressed, k=self.k),
            suppressed=headline.suppressed,
            previous_value=headline.previous_value,
            previous_suppressed=headline.previous_suppressed,
            change=headline.change,
            change_percent=headline.change_percent,
            excluded_for_consent=evaluation.excluded,
            trend=trend,
            by_district=by_district,
        )

    async def _organization_names(self, ids: tuple[UUID, ...]) -> list[str]:
        return await OrganizationRepository(self.uow).names(ids)
