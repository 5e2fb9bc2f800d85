"""The one evaluator: an indicator of the catalogue, for some organisations, over some periods,
broken down and filtered, with small cells suppressed.

It asks the cube repository for each measure the indicator uses (one statement each), then
suppresses each period's table (primary and complementary, see suppression.py) and combines
numerator and denominator into the indicator's figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from uuid import UUID

from domain.evidence.catalogue import IndicatorDefinition, MeasureUse, Suppression
from domain.evidence.periods import Period
from domain.evidence.suppression import CellId, TableCell, is_small, suppress
from persistence import clock
from persistence.evidence.cube import Cube, CubeCell, CubeQuery, CubeRepository, PeriodBounds
from persistence.uow import UnitOfWork

ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class EvidenceScope:
    """Whose records the figures count, and how they are protected."""

    organization_ids: tuple[UUID, ...]
    # A survivor leader's own groups: figures narrowed to them.
    leader_group_ids: tuple[UUID, ...] | None = None
    # False only for an internal figure of one's own organisation.
    suppressed: bool = True
    # The rules the measures take from other areas (measure parameters, by name): the
    # entitlement stall threshold as configured, the ledger's sign table, training tracks.
    parameters: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Figure:
    period: int  # index into the evaluation's periods
    # The breakdowns' values of this cell; a breakdown absent is totalled over (a margin).
    breakdown: Mapping[str, str | None]
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    suppressed: bool


@dataclass(frozen=True, slots=True)
class Evaluation:
    definition: IndicatorDefinition
    periods: Sequence[Period]
    breakdowns: tuple[str, ...]
    figures: list[Figure]
    # Records left out because consent to aggregate reporting was not in force (None when
    # that count is itself small and suppressed).
    excluded: int | None
    excluded_suppressed: bool
    computed_at: datetime
    suppressed: bool  # whether small cells were protected (False: an internal figure)
    k: int
    labels: dict[str, dict[str, str]] = field(default_factory=dict)


def merged_filters(
    use: MeasureUse, asked: Mapping[str, Sequence[str]], scope: EvidenceScope
) -> dict[str, list[str]]:
    """The measure's own filters, narrowed by what the caller asked and by her scope."""
    filters = {name: list(values) for name, values in use.filters.items()}
    wanted = dict(asked)
    if scope.leader_group_ids is not None:
        wanted["leader_group"] = [str(group) for group in scope.leader_group_ids]
    for name, values in wanted.items():
        if name in filters:
            filters[name] = [value for value in filters[name] if value in set(values)]
        else:
            filters[name] = list(values)
    return filters


@dataclass(frozen=True, slots=True)
class EvaluationRequest:
    """One indicator to evaluate (a dashboard or a report asks for many at once)."""

    definition: IndicatorDefinition
    periods: Sequence[Period]
    breakdowns: Sequence[str] = ()
    filters: Mapping[str, Sequence[str]] | None = None
    # Periods that are the union of others (a year and its months), by index (see evaluate).
    wholes: Mapping[int, Sequence[int]] | None = None


async def evaluate(
    uow: UnitOfWork,
    definition: IndicatorDefinition,
    scope: EvidenceScope,
    periods: Sequence[Period],
    breakdowns: Sequence[str] = (),
    filters: Mapping[str, Sequence[str]] | None = None,
    *,
    k: int,
    wholes: Mapping[int, Sequence[int]] | None = None,
    max_age: float = 0.0,
) -> Evaluation:
    """The indicator's figures for each period and cell. Raises ValueError for a breakdown or
    filter the indicator does not allow (callers check first).

    ``wholes`` names periods that are the union of others (a year and its months), by index:
    a flow's figure for the whole is the sum of its parts', so they are suppressed as one
    table, the period being one more breakdown whose margin is the whole.

    ``max_age``: how many seconds old a kept answer may be (persistence/evidence/answers.py);
    the evaluation's ``computed_at`` is then when its oldest figure was computed."""
    request = EvaluationRequest(definition, periods, breakdowns, filters, wholes)
    return (await evaluate_many(uow, [request], scope, k=k, max_age=max_age))[0]


async def evaluate_many(
    uow: UnitOfWork,
    requests: Sequence[EvaluationRequest],
    scope: EvidenceScope,
    *,
    k: int,
    max_age: float = 0.0,
) -> list[Evaluation]:
    """Several indicators' figures (as :func:`evaluate` each): their queries run together,
    side by side where the database allows, all on one snapshot."""
    today = clock.today()
    queries: list[CubeQuery] = []
    for request in requests:
        bounds = [
            PeriodBounds(p.starts_on, p.ends_on, p.evaluated_on(today)) for p in request.periods
        ]
        for use in request.definition.uses:
            queries.append(
                CubeQuery(
                    measure=use.definition,
                    organization_ids=scope.organization_ids,
                    periods=bounds,
                    breakdowns=tuple(request.breakdowns),
                    filters=merged_filters(use, request.filters or {}, scope),
                    aggregate=use.aggregate,
                    today=today,
                    parameters=scope.parameters,
                )
            )
    found = iter(await CubeRepository(uow).cubes(queries, max_age=max_age))
    now = clock.now()
    evaluations = []
    for request in requests:
        cubes = [next(found) for _ in request.definition.uses]
        computed_at = min((c.computed_at or now for c in cubes), default=now)
        evaluations.append(_evaluation(request, cubes, scope, k, computed_at))
    return evaluations


def _evaluation(
    request: EvaluationRequest,
    cubes: list[Cube],
    scope: EvidenceScope,
    k: int,
    computed_at: datetime,
) -> Evaluation:
    definition = request.definition
    protect = scope.suppressed and definition.suppression is Suppression.people
    families = _families(
        len(request.periods), request.wholes if definition.temporal.value == "flow" else None
    )
    hidden = [
        _hidden(cube, use, k, families) if protect else set()
        for cube, use in zip(cubes, definition.uses, strict=True)
    ]
    excluded = cubes[0].excluded
    excluded_hidden = protect and is_small(excluded, k)
    breakdowns = tuple(request.breakdowns)
    return Evaluation(
        definition=definition,
        periods=list(request.periods),
        breakdowns=breakdowns,
        figures=_figures(definition, breakdowns, cubes, hidden),
        excluded=None if excluded_hidden else excluded,
        excluded_suppressed=excluded_hidden,
        computed_at=computed_at,
        suppressed=scope.suppressed,
        k=k,
    )


def _table_value(cell: CubeCell, use: MeasureUse) -> Fraction:
    if use.aggregate == "count":
        return Fraction(cell.count)
    return Fraction(cell.amount or 0)


def _families(count: int, wholes: Mapping[int, Sequence[int]] | None) -> list[list[int]]:
    """The periods suppressed together: a whole with its parts; every other period alone.
    The whole comes first in its family."""
    families: list[list[int]] = []
    taken: set[int] = set()
    for whole, parts in (wholes or {}).items():
        families.append([whole, *parts])
        taken |= {whole, *parts}
    families += [[period] for period in range(count) if period not in taken]
    return families


def _hidden(
    cube: Cube, use: MeasureUse, k: int, families: list[list[int]]
) -> set[tuple[int, CellId]]:
    """The cells of a cube to hide, table by table: one table per period, or per family of a
    whole and its parts, whose period is one more breakdown (the whole its margin). Medians do
    not add up, so only their small cells are hidden."""
    family_of = {period: family for family in families for period in family}
    tables: dict[int, dict[CellId, TableCell]] = defaultdict(dict)
    origin: dict[tuple[int, CellId], tuple[int, CellId]] = {}
    for cell in cube.cells:
        family = family_of[cell.period]
        cell_id: CellId = (cell.key, cell.margin)
        if len(family) > 1:
            is_whole = cell.period == family[0]
            cell_id = (
                (*cell.key, None if is_whole else str(cell.period)),
                (*cell.margin, is_whole),
            )
        tables[family[0]][cell_id] = TableCell(cell_id, _table_value(cell, use), cell.people)
        origin[(family[0], cell_id)] = (cell.period, (cell.key, cell.margin))
    hidden: set[tuple[int, CellId]] = set()
    for first, table in tables.items():
        if use.aggregate in ("median", "p90"):
            found = {cell_id for cell_id, cell in table.items() if is_small(cell.people, k)}
        else:
            found = suppress(table, k)
        hidden |= {origin[(first, cell_id)] for cell_id in found}
    return hidden


def _number(cell: CubeCell | None, use: MeasureUse) -> Decimal:
    if cell is None:
        return Decimal(0)
    if use.aggregate == "count":
        return Decimal(cell.count)
    if use.aggregate in ("median", "p90"):
        return (cell.amount or Decimal(0)).quantize(ONE_DECIMAL, ROUND_HALF_UP)
    return cell.amount or Decimal(0)


def _figures(
    definition: IndicatorDefinition,
    breakdowns: tuple[str, ...],
    cubes: list[Cube],
    hidden: list[set[tuple[int, CellId]]],
) -> list[Figure]:
    indexed = [{(c.period, (c.key, c.margin)): c for c in cube.cells} for cube in cubes]
    ids = sorted(set().union(*indexed), key=lambda i: (i[0], sum(i[1][1]) * -1, repr(i[1])))
    figures = []
    for cell_id in ids:
        period, (key, margin) = cell_id
        breakdown = {name: key[i] for i, name in enumerate(breakdowns) if not margin[i]}
        numerator = _number(indexed[0].get(cell_id), definition.numerator)
        numerator_hidden = cell_id in hidden[0]
        if definition.denominator is not None:
            denominator = _number(indexed[1].get(cell_id), definition.denominator)
            denominator_hidden = cell_id in hidden[1]
            suppressed = numerator_hidden or denominator_hidden
            value = (
                None
                if suppressed or denominator == 0
                else (numerator * definition.factor / denominator).quantize(
                    ONE_DECIMAL, ROUND_HALF_UP
                )
            )
            figures.append(
                Figure(
                    period=period,
                    breakdown=breakdown,
                    value=value,
                    numerator=None if numerator_hidden else numerator,
                    denominator=None if denominator_hidden else denominator,
                    suppressed=suppressed,
                )
            )
        else:
            figures.append(
                Figure(
                    period=period,
                    breakdown=breakdown,
                    value=None if numerator_hidden else numerator * definition.factor,
                    numerator=None,
                    denominator=None,
                    suppressed=numerator_hidden,
                )
            )
    return figures
