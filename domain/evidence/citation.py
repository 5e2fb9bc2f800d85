"""Figures cited where the records behind them cannot be read: the evidence an advocacy action
puts before a department, and a lead organisation's view of a partner's figures.

Each figure is an indicator of the catalogue, totalled over one range of dates for one
organisation by the one evaluator, with small figures suppressed (domain/evidence/suppression.py)
whoever asks: a program manager may read her own records, but evidence leaves the organisation,
and a lead organisation may not read its partner's records. Every citation is kept and audited
like any other request for figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from domain.common.errors import BusinessRuleViolation
from domain.common.principal import Principal
from domain.evidence.catalogue import IndicatorDefinition
from domain.evidence.evaluator import EvidenceScope, evaluate
from domain.evidence.periods import Period
from domain.evidence.schemas import CitedFigure
from domain.evidence.service import EvidenceService, resolve_range
from persistence import clock


@dataclass(frozen=True, slots=True)
class Citation:
    starts_on: date
    ends_on: date
    k: int
    computed_at: datetime
    figures: list[CitedFigure]


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


async def chosen(
    service: EvidenceService, codes: Sequence[str] | None, *, field: str, outcome: int | None = None
) -> list[IndicatorDefinition]:
    """The indicators in effect named by ``codes`` (in that order, each once), or every one
    (of ``outcome``) when ``codes`` is None. Raises BusinessRuleViolation (unknown code)."""
    definitions = await service.definitions(outcome)
    if codes is None:
        return definitions
    by_code = {definition.code: definition for definition in definitions}
    unknown = sorted({code for code in codes if code not in by_code})
    if unknown:
        raise BusinessRuleViolation(
            f"Not an indicator of the catalogue: {', '.join(unknown)} (see /api/v1/indicators).",
            field=field,
        )
    return [by_code[code] for code in dict.fromkeys(codes)]


async def cite(
    service: EvidenceService,
    principal: Principal,
    definitions: Sequence[IndicatorDefinition],
    organization_id: UUID,
    starts_on: date | None,
    ends_on: date | None,
    *,
    kind: Literal["advocacy", "partner"],
    subject: str,
) -> Citation:
    """Each indicator's total for the organisation over the range (the financial year to date
    by default), small figures suppressed; the request kept and audited. Raises
    BusinessRuleViolation (range)."""
    start, end = resolve_range(starts_on, ends_on)
    scope = EvidenceScope((organization_id,), parameters=service.parameters)
    period = Period(f"{start.isoformat()}/{end.isoformat()}", start, end)
    figures = []
    for definition in definitions:
        evaluation = await evaluate(service.uow, definition, scope, [period], k=service.k)
        total = next((f for f in evaluation.figures if not f.breakdown), None)
        figures.append(
            CitedFigure(
                indicator=definition.code,
                version=definition.version,
                name=definition.name,
                outcome=definition.outcome,
                unit=definition.unit,
                temporal="stock" if definition.temporal.value == "stock" else "flow",
                # No cell at all: nothing counted, zero.
                value=0 if total is None else _number(total.value),
                suppressed=total is not None and total.suppressed,
            )
        )
    parameters: dict[str, Any] = {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "indicators": [d.code for d in definitions],
    }
    await service.keep_request(principal, kind, subject, parameters, scope)
    return Citation(start, end, service.k, clock.now(), figures)
