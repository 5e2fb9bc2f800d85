"""Outcome 3: the demands and issues register. Demands raised, and disposed (with how long it
took and whether within the due date their priority's service level gave them).

A demand is an issue of the programme (an office, a service, a place), not a person's record:
no survivor, no person behind a fact, figures not suppressed. Only what stands today is kept
of a disposal: a demand reopened since no longer counts as disposed, until it is disposed
again (on that day, with the days from the day it was raised).
"""

from __future__ import annotations

from persistence.evidence.measure import Dimension, Measure, MeasureKind, vocabulary, watching
from persistence.models.demand_vocabulary import DemandCategory, DemandPriority, DemandResolution

CATEGORY = Dimension("category", "The demand's category", vocabulary(DemandCategory))
PRIORITY = Dimension("priority", "The demand's priority", vocabulary(DemandPriority))
RESOLUTION = Dimension("resolution", "How it was disposed", vocabulary(DemandResolution))
WITHIN_DUE_DATE = Dimension("within_due_date", "Disposed on or before its due date", ("yes", "no"))

_COLUMNS = """
        SELECT d.organization_id, d.district_id, d.block_id,
               NULL::uuid AS survivor_id, d.id AS unit_key, NULL::uuid AS person_key,
               d.category AS d_category, d.priority AS d_priority"""
_DEMANDS = """
          FROM demand d
         WHERE d.organization_id = ANY({orgs}) AND d.deleted_at IS NULL"""

DEMANDS_RAISED = Measure(
    code="demands_raised",
    subject="demand",
    description="Demands and issues raised, on the day they were raised, by category and priority.",
    kind=MeasureKind.flow,
    about_survivors=False,
    has_block=True,
    dims=(CATEGORY, PRIORITY),
    sql=f"""{_COLUMNS}, NULL::numeric AS amount, d.raised_on AS on_date{_DEMANDS}""",
    watch=watching("demand"),
)

# The days counted are from the day raised to the day disposed (a reopened demand's whole
# life); within the due date: disposed on or before it (the due date of its latest opening).
DEMANDS_DISPOSED = Measure(
    code="demands_disposed",
    subject="demand",
    description="Demands and issues disposed, on the day they were disposed, by category, "
    "priority, resolution and whether within their due date; the amount is the days from the "
    "day raised. A demand reopened since no longer counts.",
    kind=MeasureKind.flow,
    about_survivors=False,
    has_block=True,
    amount="days",
    dims=(CATEGORY, PRIORITY, RESOLUTION, WITHIN_DUE_DATE),
    sql=f"""{_COLUMNS}, (d.disposed_on - d.raised_on)::numeric AS amount,
               d.resolution AS d_resolution,
               CASE WHEN d.disposed_on <= d.due_on THEN 'yes' ELSE 'no' END
                 AS d_within_due_date,
               d.disposed_on AS on_date{_DEMANDS}
           AND d.status = 'disposed' AND d.disposed_on IS NOT NULL""",
    watch=watching("demand"),
)

MEASURES = (DEMANDS_RAISED, DEMANDS_DISPOSED)
