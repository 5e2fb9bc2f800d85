"""Every measure, by code: the small set of tested SQL definitions the indicator catalogue
combines. One module per outcome area."""

from __future__ import annotations

from persistence.evidence.measure import Measure
from persistence.evidence.measures import (
    case_management,
    case_progress,
    data_quality,
    demands,
    expansion,
    leadership,
    livelihoods,
)

MEASURES: dict[str, Measure] = {
    measure.code: measure
    for module in (
        case_management,
        case_progress,
        livelihoods,
        data_quality,
        demands,
        leadership,
        expansion,
    )
    for measure in module.MEASURES
}
