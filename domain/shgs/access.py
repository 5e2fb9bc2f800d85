"""Finding a group in the caller's scope, and the dates a group's records may carry."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.common.errors import BusinessRuleViolation, InvalidState
from domain.common.principal import Principal
from domain.common.records import require
from domain.shgs.policies import group_scope
from persistence.clock import today
from persistence.models.livelihood_vocabulary import ShgStatus
from persistence.models.shg import Shg
from persistence.repositories.shgs import ShgRepository
from persistence.uow import UnitOfWork


async def require_group(
    uow: UnitOfWork, principal: Principal, shg_id: UUID, *, for_update: bool = False
) -> Shg:
    """The group, in the caller's scope; locked until the end of the transaction when
    ``for_update`` (every write to a group's books takes this lock first, so the checks of
    concurrent writes cannot interleave). Raises NotFound."""
    repo = ShgRepository(uow)
    scope = group_scope(principal)
    return await require(repo.get(shg_id, scope, for_update=for_update), "Self-help group")


def require_open(shg: Shg) -> None:
    """A closed group's books are closed. Raises InvalidState."""
    if shg.status == ShgStatus.closed:
        raise InvalidState("The group is closed; its books take no new records.")


def check_day(shg: Shg, day: date, field: str) -> None:
    """A record of the group is dated between its formation and today. Raises
    BusinessRuleViolation naming ``field``."""
    if day < shg.formed_on:
        raise BusinessRuleViolation("The date is before the group was formed.", field=field)
    if day > today():
        raise BusinessRuleViolation("The date is in the future.", field=field)
