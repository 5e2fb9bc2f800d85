"""What every record that hangs off a survivor needs: the survivor, in the caller's scope."""

from __future__ import annotations

from uuid import UUID

from domain.audit.trail import record_denied
from domain.common.errors import PermissionDenied
from domain.common.principal import Principal
from domain.common.records import require
from domain.survivors.policies import holds_personal_records, survivor_scope
from persistence.models.survivor import Survivor
from persistence.repositories.survivors import SurvivorRepository
from persistence.uow import UnitOfWork


def people_only(uow: UnitOfWork, principal: Principal, entity: str) -> None:
    """Integration clients never hold survivors' records, whatever scope they were granted
    (PermissionDenied, audited)."""
    if not holds_personal_records(principal):
        record_denied(uow, principal, entity)
        raise PermissionDenied("Integration clients cannot hold survivors' records.")


async def require_survivor(
    uow: UnitOfWork, principal: Principal, survivor_id: UUID, *, for_update: bool = False
) -> Survivor:
    """The survivor if the caller may see her; NotFound otherwise (never says which). With
    ``for_update`` her row is locked until the end of the transaction, so that writes about
    her take turns."""
    return await require(
        SurvivorRepository(uow).get_visible(
            survivor_id, survivor_scope(principal), for_update=for_update
        ),
        "Survivor",
    )
