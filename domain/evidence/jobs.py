"""Background work of the evidence engine: the roll-ups kept up to date, and the answers
people ask for computed again as soon as what they read changed.

Every figure brings the rolled-up measures it reads up to date first (persistence/evidence/
rollup.py), so figures are always fresh; this task does the same every few seconds in the
background worker, so that the recomputing is done there, not in a dashboard's request, and
a roll-up built for the first time (after an upgrade, on a new database) is built by the
worker rather than by the first person to open a dashboard. Then it computes again the kept
answers asked in the last day that what they read has moved on from
(persistence/evidence/answers.py): the next request finds them ready.
"""

from __future__ import annotations

from domain.evidence.parameters import measure_parameters
from persistence import clock
from persistence.database import Database
from persistence.evidence.cube import CubeRepository
from persistence.evidence.measures import MEASURES
from persistence.uow import UnitOfWork

ROLLED_UP = tuple(measure for measure in MEASURES.values() if measure.rollup is not None)
WATCHED = tuple(measure for measure in MEASURES.values() if measure.watch is not None)


async def keep_rollups(database: Database, *, stalled_days: int) -> int:
    """Recompute what changed in every rolled-up measure, each in a transaction of its own
    (its lock is held only while it is recomputed), note what changed under the watched
    ones, then compute again the answers asked that moved on. How many it computed."""
    parameters = measure_parameters(stalled_days=stalled_days)
    for measure in ROLLED_UP:
        async with UnitOfWork(database) as uow:
            await CubeRepository(uow).catch_up(measure, parameters)
            await uow.commit()
    for measure in WATCHED:
        async with UnitOfWork(database) as uow:
            await CubeRepository(uow).note_changes(measure)
            await uow.commit()
    async with UnitOfWork(database) as uow:
        return await CubeRepository(uow).refresh_answers(clock.now())
