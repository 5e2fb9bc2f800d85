"""Background work of the evidence engine: the roll-ups kept up to date.

Every figure brings the rolled-up measures it reads up to date first (persistence/evidence/
rollup.py), so figures are always fresh; this task does the same every few seconds in the
background worker, so that the recomputing is done there, not in a dashboard's request, and
a roll-up built for the first time (after an upgrade, on a new database) is built by the
worker rather than by the first person to open a dashboard.
"""

from __future__ import annotations

from domain.evidence.parameters import measure_parameters
from persistence.database import Database
from persistence.evidence.cube import CubeRepository
from persistence.evidence.measures import MEASURES
from persistence.uow import UnitOfWork

ROLLED_UP = tuple(measure for measure in MEASURES.values() if measure.rollup is not None)


async def keep_rollups(database: Database, *, stalled_days: int) -> None:
    """Recompute what changed in every rolled-up measure, each in a transaction of its own
    (its lock is held only while it is recomputed)."""
    parameters = measure_parameters(stalled_days=stalled_days)
    for measure in ROLLED_UP:
        async with UnitOfWork(database) as uow:
            await CubeRepository(uow).catch_up(measure, parameters)
            await uow.commit()
