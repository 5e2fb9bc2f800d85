"""Evidence: the indicator catalogue and indicators' values, for the callers who may see them.

Every request for figures is kept (an ``evidence_request`` row with its parameters) and audited;
figures are computed live, so they are fresh within the second of the last write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, record
from domain.common.errors import BusinessRuleViolation, NotFound, PermissionDenied
from domain.common.principal import Principal, PrincipalKind, Role
from domain.common.settings import Settings
from domain.evidence import policies
from domain.evidence.catalogue import IndicatorDefinition, MeasureUse, problems
from domain.evidence.evaluator import Evaluation, EvidenceScope, evaluate
from domain.evidence.parameters import measure_parameters
from domain.evidence.periods import MAX_PERIODS, MAX_RANGE_DAYS, Period, PeriodKind, periods
from domain.evidence.schemas import (
    Cell,
    IndicatorPage,
    IndicatorRead,
    IndicatorValues,
    MeasureUseRead,
    PeriodRead,
    Suppressed,
)
from persistence import clock
from persistence.evidence.cube import PLACE_BREAKDOWNS, available_breakdowns
from persistence.models.enums import AuditAction
from persistence.models.evidence_request import EvidenceRequest
from persistence.repositories.evidence import EvidenceRepository
from persistence.uow import UnitOfWork

ENTITY = "evidence_request"
MAX_BREAKDOWNS = 3
MAX_FILTER_VALUES = 50


@dataclass(frozen=True, slots=True)
class ValuesQuery:
    """What a caller asks of an indicator (parsed from the query string by the API)."""

    starts_on: date | None = None
    ends_on: date | None = None
    period: PeriodKind = PeriodKind.whole
    by: tuple[str, ...] = ()
    # Places by id (state, district, block) and measure dimensions by code.
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    organization_id: UUID | None = None
    rollup: bool = False
    internal: bool = False

    def parameters(self) -> dict[str, Any]:
        """The query as kept with the request (for the audit)."""
        return {
            "from": self.starts_on.isoformat() if self.starts_on else None,
            "to": self.ends_on.isoformat() if self.ends_on else None,
            "period": self.period.value,
            "by": list(self.by),
            "filters": {name: list(values) for name, values in sorted(self.filters.items())},
            "organization_id": str(self.organization_id) if self.organization_id else None,
            "rollup": self.rollup,
            "internal": self.internal,
        }


def fy_start(day: date) -> date:
    """The 1 April that began the financial year holding ``day``."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def resolve_range(starts_on: date | None, ends_on: date | None) -> tuple[date, date]:
    """The requested range, by default the financial year to date. Raises
    BusinessRuleViolation."""
    end = ends_on or clock.today()
    start = starts_on or fy_start(end)
    if start > end:
        raise BusinessRuleViolation("`from` must not come after `to`.", field="from")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise BusinessRuleViolation(
            f"A range may span at most {MAX_RANGE_DAYS} days.", field="from"
        )
    return start, end


def _use_read(use: MeasureUse) -> MeasureUseRead:
    return MeasureUseRead(
        measure=use.measure,
        measure_definition=use.definition.description,
        subject=use.definition.subject,
        filters={name: list(values) for name, values in use.filters.items()},
        aggregate=use.aggregate,
    )


def filterable(definition: IndicatorDefinition) -> list[str]:
    """The measure dimensions a caller may filter the indicator by (those of every measure it
    uses), beside the places."""
    names = [d.name for d in definition.numerator.definition.dims if d.name != "leader_group"]
    for use in definition.uses[1:]:
        names = [n for n in names if use.definition.dimension(n) is not None]
    return names


def indicator_read(definition: IndicatorDefinition) -> IndicatorRead:
    return IndicatorRead(
        code=definition.code,
        version=definition.version,
        name=definition.name,
        outcome=definition.outcome,
        definition=definition.definition,
        kind=definition.kind,
        temporal=definition.temporal.value,
        numerator=_use_read(definition.numerator),
        denominator=None if definition.denominator is None else _use_read(definition.denominator),
        factor=definition.factor,
        unit=definition.unit,
        breakdowns=list(definition.breakdowns),
        filters=filterable(definition),
        suppression=definition.suppression,
        leader_groups=definition.leader_groups,
        headline_rank=definition.headline_rank,
        effective_from=definition.effective_from,
        effective_to=definition.effective_to,
    )


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True, slots=True)
class EvidenceSettings:
    """What figures take from the settings: the suppression threshold, and the configured
    rules of other areas that measures evaluate (an entitlement application's stall)."""

    suppression_k: int
    stalled_days: int
    # How many seconds old a kept figure may be (persistence/evidence/answers.py); 0: none.
    max_age_seconds: int = 0

    @classmethod
    def of(cls, settings: Settings) -> EvidenceSettings:
        return cls(
            settings.suppression_k,
            settings.entitlement_stalled_days,
            settings.evidence_max_age_seconds,
        )


class EvidenceService:
    def __init__(self, uow: UnitOfWork, settings: EvidenceSettings) -> None:
        self.uow = uow
        self.k = settings.suppression_k
        self.max_age = settings.max_age_seconds
        # The rules measures take from other areas (the stall threshold as configured).
        self.parameters = measure_parameters(stalled_days=settings.stalled_days)
        self.repository = EvidenceRepository(uow)

    # -- the catalogue ----------------------------------------------------------------------

    async def catalogue(self, principal: Principal, outcome: int | None = None) -> IndicatorPage:
        """The indicators in effect today, by outcome (headline figures first)."""
        authorize(self.uow, principal, policies.READ, "indicator")
        rows = await self.repository.indicators(clock.today(), outcome)
        return IndicatorPage(items=[indicator_read(IndicatorDefinition.of(r)) for r in rows])

    async def definition(self, code: str) -> IndicatorDefinition:
        """The version of an indicator in effect today. Raises NotFound."""
        row = await self.repository.indicator(code, clock.today())
        if row is None:
            raise NotFound("No indicator with this code.")
        definition = IndicatorDefinition.of(row)
        trouble = problems(definition)
        if trouble:  # pragma: no cover - the catalogue test keeps every row valid
            raise BusinessRuleViolation("The indicator's definition is not valid: " + trouble[0])
        return definition

    async def indicator(self, principal: Principal, code: str) -> IndicatorRead:
        """One indicator's definition. Raises NotFound."""
        authorize(self.uow, principal, policies.READ, "indicator")
        return indicator_read(await self.definition(code))

    async def definitions(self, outcome: int | None = None) -> list[IndicatorDefinition]:
        return [
            IndicatorDefinition.of(row)
            for row in await self.repository.indicators(clock.today(), outcome)
        ]

    # -- values -----------------------------------------------------------------------------

    async def values(self, principal: Principal, code: str, query: ValuesQuery) -> IndicatorValues:
        """An indicator's figures for the periods of a range, broken down and filtered.
        Raises NotFound (indicator, or an organisation out of reach), PermissionDenied
        (internal figures, survivor leaders' indicators), BusinessRuleViolation (range,
        breakdowns, filters)."""
        authorize(self.uow, principal, policies.READ, "indicator")
        definition = await self.definition(code)
        start, end = resolve_range(query.starts_on, query.ends_on)
        found = periods(query.period, start, end)
        if len(found) > MAX_PERIODS:
            raise BusinessRuleViolation(
                f"At most {MAX_PERIODS} periods per request: choose a longer period.",
                field="period",
            )
        self._check_breakdowns(definition, query)
        scope = await self.scope(principal, query, (definition,))
        evaluation = await evaluate(
            self.uow,
            definition,
            scope,
            found,
            query.by,
            query.filters,
            k=self.k,
            max_age=self.max_age,
        )
        await self.keep_request(principal, "values", code, query.parameters(), scope)
        return await self.answer(evaluation, query.period, scope)

    def _check_breakdowns(self, definition: IndicatorDefinition, query: ValuesQuery) -> None:
        if len(query.by) > MAX_BREAKDOWNS:
            raise BusinessRuleViolation(f"At most {MAX_BREAKDOWNS} breakdowns at once.", field="by")
        if len(set(query.by)) != len(query.by):
            raise BusinessRuleViolation("A breakdown is named twice.", field="by")
        for name in query.by:
            if name not in definition.breakdowns:
                raise BusinessRuleViolation(
                    f"'{name}' is not a breakdown of {definition.code}; it allows "
                    f"{', '.join(definition.breakdowns) or 'none'}.",
                    field="by",
                )
        dims = set(filterable(definition))
        places = set(PLACE_BREAKDOWNS) & set(available_breakdowns(definition.numerator.definition))
        for name, values in query.filters.items():
            if name not in dims | places:
                raise BusinessRuleViolation(
                    f"{definition.code} cannot be filtered by '{name}'.", field="filter"
                )
            if not values or len(values) > MAX_FILTER_VALUES:
                raise BusinessRuleViolation(
                    f"Give 1 to {MAX_FILTER_VALUES} values for '{name}'.", field="filter"
                )
            if name in places:
                for value in values:
                    try:
                        UUID(value)
                    except ValueError:
                        raise BusinessRuleViolation(
                            f"'{name}' is filtered by ids.", field="filter"
                        ) from None
            else:
                dimension = definition.numerator.definition.dimension(name)
                allowed = dimension.values if dimension is not None else None
                if allowed is not None and not set(values) <= set(allowed):
                    raise BusinessRuleViolation(
                        f"'{name}' takes {', '.join(allowed)}.", field="filter"
                    )

    async def scope(
        self,
        principal: Principal,
        query: ValuesQuery,
        definitions: Sequence[IndicatorDefinition],
    ) -> EvidenceScope:
        """Whose records the figures count, and whether they are protected. Raises NotFound,
        PermissionDenied."""
        own = principal.organization_id
        if own is None:  # pragma: no cover - every admitted role belongs to an organisation
            raise PermissionDenied("Figures belong to an organisation.")
        if principal.role is Role.survivor_leader:
            if not all(d.leader_groups for d in definitions):
                raise PermissionDenied(
                    "Survivor leaders see the indicators of their own leader groups only."
                )
            if query.organization_id not in (None, own) or query.rollup or query.internal:
                raise PermissionDenied("Survivor leaders see their own groups' figures.")
            groups = tuple(await self.repository.leader_groups_of(principal.id))
            return EvidenceScope((own,), leader_group_ids=groups, parameters=self.parameters)
        organizations: tuple[UUID, ...] = (own,)
        if query.rollup or (query.organization_id not in (None, own)):
            partners = await self.repository.partners_of(own)
            if query.rollup:
                organizations = (own, *sorted(partners, key=str))
            elif query.organization_id in partners:
                organizations = (query.organization_id,)
            else:
                raise NotFound("No such organisation among your partners.")
        if not query.internal:
            return EvidenceScope(organizations, parameters=self.parameters)
        if (
            principal.kind is not PrincipalKind.user
            or not policies.INTERNAL.permits(principal)
            or organizations != (own,)
        ):
            raise PermissionDenied(
                "Only a program manager, in person, may ask for an internal figure, and only "
                "of her own organisation."
            )
        return EvidenceScope(organizations, suppressed=False, parameters=self.parameters)

    async def keep_request(
        self,
        principal: Principal,
        kind: str,
        subject: str,
        parameters: dict[str, Any],
        scope: EvidenceScope,
    ) -> None:
        """Keep the request with its parameters, and audit it."""
        request = EvidenceRequest(
            organization_id=principal.organization_id,
            actor_type=principal.kind.value,
            actor_id=principal.id,
            kind=kind,
            subject=subject,
            parameters={
                **parameters,
                "organizations": [str(o) for o in scope.organization_ids],
            },
            internal=not scope.suppressed,
        )
        await self.repository.add_request(request)
        record(self.uow, principal, AuditAction.read, ENTITY, request.id)

    async def answer(
        self, evaluation: Evaluation, kind: PeriodKind, scope: EvidenceScope
    ) -> IndicatorValues:
        definition = evaluation.definition
        labels = await self.place_labels(evaluation)
        today = clock.today()
        return IndicatorValues(
            indicator=definition.code,
            version=definition.version,
            name=definition.name,
            unit=definition.unit,
            factor=definition.factor,
            temporal=definition.temporal.value,
            period=kind,
            periods=[_period_read(p, today) for p in evaluation.periods],
            breakdowns=list(evaluation.breakdowns),
            cells=[
                Cell(
                    period=evaluation.periods[figure.period].label,
                    breakdown=dict(figure.breakdown),
                    value=_number(figure.value),
                    numerator=_number(figure.numerator),
                    denominator=_number(figure.denominator),
                    suppressed=figure.suppressed,
                )
                for figure in evaluation.figures
            ],
            labels=labels,
            excluded_for_consent=evaluation.excluded,
            excluded_suppressed=evaluation.excluded_suppressed,
            suppression=Suppressed(
                applied=evaluation.suppressed, k=evaluation.k, rule=definition.suppression
            ),
            internal=not evaluation.suppressed,
            organization_ids=list(scope.organization_ids),
            computed_at=evaluation.computed_at,
        )

    async def place_labels(self, *evaluations: Evaluation) -> dict[str, dict[str, str]]:
        """The names of the places the evaluations' figures are broken down by, by kind."""
        wanted: dict[str, set[UUID]] = {name: set() for name in PLACE_BREAKDOWNS}
        for evaluation in evaluations:
            for figure in evaluation.figures:
                for name in PLACE_BREAKDOWNS:
                    value = figure.breakdown.get(name)
                    if value is not None:
                        wanted[name].add(UUID(value))
        if not any(wanted.values()):
            return {}
        names = await self.repository.place_names(
            wanted["state"], wanted["district"], wanted["block"]
        )
        return {kind: found for kind, found in names.items() if found}


def _period_read(period: Period, today: date) -> PeriodRead:
    return PeriodRead(
        label=period.label,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        evaluated_on=period.evaluated_on(today),
    )
