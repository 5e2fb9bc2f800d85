"""The district a leader's referral or report belongs to (it decides which social workers
see it)."""

from __future__ import annotations

from uuid import UUID

from domain.common.errors import BusinessRuleViolation
from domain.common.principal import Principal
from persistence.repositories.geography import DistrictRepository
from persistence.uow import UnitOfWork


async def submitter_district(
    uow: UnitOfWork, principal: Principal, district_id: UUID | None
) -> UUID:
    """The district sent, or the submitter's only district. One she is assigned to when she
    has any; an existing district in any case. Raises BusinessRuleViolation."""
    mine = principal.district_ids
    if district_id is None:
        if len(mine) != 1:
            raise BusinessRuleViolation("Name the district.", field="district_id")
        (district_id,) = mine
    elif mine and district_id not in mine:
        raise BusinessRuleViolation("Name one of your districts.", field="district_id")
    if district_id not in await DistrictRepository(uow).existing({district_id}):
        raise BusinessRuleViolation("The district does not exist.", field="district_id")
    return district_id
