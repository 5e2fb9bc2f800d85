"""Evidence (outcome 3): the indicator catalogue and indicators' values. Figures only, never
records: survivors count only under their consent to aggregate reporting, and small cells are
suppressed."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import StringConstraints

from api.deps import UoW, get_container, requires
from api.openapi import problems
from domain.common.dates import BoundedDate
from domain.common.errors import BadRequest
from domain.common.principal import Principal
from domain.evidence import policies
from domain.evidence.csv_format import values_csv
from domain.evidence.periods import PeriodKind
from domain.evidence.rendering import HTML, XLSX, ReportFormat, render
from domain.evidence.report import EvidenceReports
from domain.evidence.schemas import (
    CaseProgress,
    IndicatorPage,
    IndicatorRead,
    IndicatorValues,
    OutcomeReport,
    OutcomesDashboard,
)
from domain.evidence.service import EvidenceService, EvidenceSettings, ValuesQuery

router = APIRouter(tags=["evidence"])
Reader = Annotated[Principal, requires(policies.READ)]

VALUES_ERRORS = problems(400, 401, 403, 404, 422)
CSV = "text/csv"
IndicatorCode = Annotated[
    str, Path(min_length=1, max_length=80, description="Its code (see GET /indicators).")
]
FilterItem = Annotated[str, StringConstraints(min_length=3, max_length=120)]


def service(request: Request, uow: UoW) -> EvidenceService:
    return EvidenceService(uow, EvidenceSettings.of(get_container(request).settings))


@router.get(
    "/indicators",
    operation_id="indicators:list",
    response_model=IndicatorPage,
    responses=problems(401, 403, 422),
)
async def list_indicators(
    request: Request,
    uow: UoW,
    principal: Reader,
    outcome: Annotated[int | None, Query(ge=1, le=5, description="One outcome area.")] = None,
) -> IndicatorPage:
    """The indicator catalogue in effect today (the whole of it in one page): for each
    indicator its definition in plain words, what it counts (a measure, with filters; a ratio
    of two), its unit, whether it is a stock read at the period's end or a flow counted over the
    period, the breakdowns and filters it allows, and how small cells are protected."""
    return await service(request, uow).catalogue(principal, outcome)


@router.get(
    "/indicators/{code}",
    operation_id="indicators:read",
    response_model=IndicatorRead,
    responses=problems(401, 403, 404),
)
async def read_indicator(
    code: IndicatorCode, request: Request, uow: UoW, principal: Reader
) -> IndicatorRead:
    """One indicator's definition (the version in effect today)."""
    return await service(request, uow).indicator(principal, code)


def _filters(
    states: list[UUID], districts: list[UUID], blocks: list[UUID], dimensions: list[str]
) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for name, ids in (("state", states), ("district", districts), ("block", blocks)):
        if ids:
            found[name] = [str(i) for i in ids]
    for item in dimensions:
        name, sep, value = item.partition(":")
        if not sep or not name or not value:
            raise BadRequest("A filter is written name:value, e.g. service_kind:legal_aid.")
        found.setdefault(name, []).append(value)
    return {name: tuple(dict.fromkeys(values)) for name, values in found.items()}


@router.get(
    "/indicators/{code}/values",
    operation_id="indicators:values",
    response_model=IndicatorValues,
    responses={
        **VALUES_ERRORS,
        200: {
            "description": "The figures, as JSON, or as CSV with `Accept: text/csv`.",
            "content": {CSV: {"schema": {"type": "string"}}},
        },
    },
)
async def indicator_values(
    code: IndicatorCode,
    request: Request,
    uow: UoW,
    principal: Reader,
    starts_on: Annotated[
        BoundedDate | None,
        Query(alias="from", description="First day (default: 1 April of this financial year)."),
    ] = None,
    ends_on: Annotated[
        BoundedDate | None, Query(alias="to", description="Last day (default: today).")
    ] = None,
    period: Annotated[
        PeriodKind,
        Query(
            description="Periods of the range: calendar `month`, `quarter`, `year`; Indian "
            "financial-year `fy_quarter` (Q1 is April-June) and `fy` (April-March); `whole`: the "
            "range as one period."
        ),
    ] = PeriodKind.whole,
    by: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Breakdowns, comma-separated (at most 3): e.g. `district,sex`. Every "
            "margin is given too (each breakdown's totals and the grand total).",
        ),
    ] = None,
    state: Annotated[list[UUID], Query(max_length=50)] = [],  # noqa: B006
    district: Annotated[list[UUID], Query(max_length=50)] = [],  # noqa: B006
    block: Annotated[list[UUID], Query(max_length=50)] = [],  # noqa: B006
    filter: Annotated[
        list[FilterItem],
        Query(
            max_length=50,
            description="Narrow by one of the indicator's `filters`: `name:value`, repeatable.",
        ),
    ] = [],  # noqa: B006
    organization_id: Annotated[
        UUID | None,
        Query(description="A partner organisation's figures (lead organisations only)."),
    ] = None,
    rollup: Annotated[
        bool,
        Query(description="Your organisation and all its partners together (break down by state)."),
    ] = False,
    internal: Annotated[
        bool,
        Query(
            description="Program managers only, in person: your own organisation's figures "
            "without small-cell suppression. Audited and marked internal: not for publication."
        ),
    ] = False,
) -> Response | IndicatorValues:
    """An indicator's figures over a range of dates, per period, broken down and filtered.

    A flow (new registrations) sums over each period; a stock (active cases) is read on the
    period's last day (today for a period still running), so a quarter's stock is never the sum
    of its months. Survivors count only while their consent to aggregate reporting is in force
    at the period's end; `excluded_for_consent` says how many records were left out for that.
    Cells about 1 to k-1 persons are suppressed (`SHAKTI_SUPPRESSION_K`, default 5), with
    complementary suppression so that no hidden cell can be worked out from the totals or the
    other cells of the same answer. Suppression cannot stop differences between two requests
    (this quarter's total minus last quarter's): every request is kept with its parameters and
    audited. Send `Accept: text/csv` for CSV."""
    query = ValuesQuery(
        starts_on=starts_on,
        ends_on=ends_on,
        period=period,
        by=tuple(name.strip() for name in by.split(",") if name.strip()) if by else (),
        filters=_filters(state, district, block, filter),
        organization_id=organization_id,
        rollup=rollup,
        internal=internal,
    )
    values = await service(request, uow).values(principal, code, query)
    if CSV in request.headers.get("accept", ""):
        return Response(values_csv(values), media_type=f"{CSV}; charset=utf-8")
    return values


def _scope_query(
    starts_on: date | None,
    ends_on: date | None,
    organization_id: UUID | None,
    rollup: bool,
    internal: bool,
) -> ValuesQuery:
    return ValuesQuery(
        starts_on=starts_on,
        ends_on=ends_on,
        organization_id=organization_id,
        rollup=rollup,
        internal=internal,
    )


From = Annotated[
    BoundedDate | None,
    Query(alias="from", description="First day (default: 1 April of this financial year)."),
]
To = Annotated[BoundedDate | None, Query(alias="to", description="Last day (default: today).")]
Organization = Annotated[
    UUID | None, Query(description="A partner organisation's figures (lead organisations only).")
]
Rollup = Annotated[bool, Query(description="Your organisation and all its partners together.")]
Internal = Annotated[
    bool,
    Query(
        description="Program managers only, in person: without small-cell suppression. "
        "Audited and marked internal."
    ),
]
DASHBOARD_ERRORS = problems(401, 403, 404, 422)


@router.get(
    "/dashboards/outcomes",
    operation_id="dashboards:outcomes",
    response_model=OutcomesDashboard,
    responses=DASHBOARD_ERRORS,
)
async def outcomes_dashboard(
    request: Request,
    uow: UoW,
    principal: Reader,
    starts_on: From = None,
    ends_on: To = None,
    organization_id: Organization = None,
    rollup: Rollup = False,
    internal: Internal = False,
) -> OutcomesDashboard:
    """The headline figures of all five outcomes for a range (default: this financial year to
    date), each beside the figure for the range of the same length just before it (Q2 beside
    Q1, a financial year beside the one before), with the change: ready to draw. Survivor
    leaders see their own groups' figures."""
    query = _scope_query(starts_on, ends_on, organization_id, rollup, internal)
    return await EvidenceReports(service(request, uow)).outcomes(principal, query)


@router.get(
    "/dashboards/case-progress",
    operation_id="dashboards:case-progress",
    response_model=CaseProgress,
    responses=DASHBOARD_ERRORS,
)
async def case_progress_dashboard(
    request: Request,
    uow: UoW,
    principal: Reader,
    starts_on: From = None,
    ends_on: To = None,
    organization_id: Organization = None,
    rollup: Rollup = False,
    internal: Internal = False,
) -> CaseProgress:
    """Progress across cases, in aggregate (every case's progress map taken together): change
    in assessment scores from each survivor's baseline by CBR component (median, and the share
    who improved), days spent in each case stage (median and 90th percentile), closures by
    reason, and care-plan goals achieved by component."""
    query = _scope_query(starts_on, ends_on, organization_id, rollup, internal)
    return await EvidenceReports(service(request, uow)).case_progress(principal, query)


@router.get(
    "/reports/outcomes",
    operation_id="reports:outcomes",
    response_model=OutcomeReport,
    responses={
        **DASHBOARD_ERRORS,
        200: {
            "description": "The report as JSON, an Excel workbook or a printable HTML page.",
            "content": {
                XLSX: {"schema": {"type": "string", "format": "binary"}},
                HTML: {"schema": {"type": "string"}},
            },
        },
    },
)
async def outcome_report(
    request: Request,
    uow: UoW,
    principal: Reader,
    starts_on: From = None,
    ends_on: To = None,
    report_format: Annotated[
        ReportFormat, Query(alias="format", description="json, xlsx or html.")
    ] = ReportFormat.json,
    organization_id: Organization = None,
    rollup: Rollup = False,
    internal: Internal = False,
) -> Response | OutcomeReport:
    """The periodic outcome report for a range (a quarter, a financial year): every indicator
    of the catalogue with the previous period of the same length, its trend by month and its
    figures by district, opened by achievement lines written from the numbers ("142 survivors
    associated with the programme across 2 districts"). `format=xlsx`: a workbook with a
    summary sheet, one sheet per outcome with native charts, and a definitions sheet.
    `format=html`: one self-contained printable page (inline SVG charts, nothing fetched).
    The same data gives the same numbers in all three. Every report is kept with its
    parameters and audited; an internal report is marked so in every format."""
    query = _scope_query(starts_on, ends_on, organization_id, rollup, internal)
    report = await EvidenceReports(service(request, uow)).report(
        principal, query, report_format.value
    )
    if report_format is ReportFormat.json:
        return report
    body, media_type, suffix = render(report, report_format)
    name = f"outcome-report-{report.starts_on}-{report.ends_on}{suffix}"
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
