"""Checks other areas make against geography (a referenced place must exist)."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from domain.common.errors import BusinessRuleViolation
from persistence.repositories.geography import DistrictRepository, StateRepository
from persistence.scope import RowScope
from persistence.uow import UnitOfWork


async def require_state(uow: UnitOfWork, state_id: UUID) -> None:
    if await StateRepository(uow).get(state_id, RowScope.everything()) is None:
        raise BusinessRuleViolation("The state does not exist.", field="state_id")


async def require_districts(uow: UnitOfWork, district_ids: Iterable[UUID]) -> None:
    wanted = set(district_ids)
    found = await DistrictRepository(uow).existing(wanted)
    if found != wanted:
        raise BusinessRuleViolation("A district does not exist.", field="district_ids")
