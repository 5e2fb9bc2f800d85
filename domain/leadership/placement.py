"""Where a leadership record may be put: its district and group within the caller's scope,
the organisations it names, and the dates it may carry."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.common.errors import BusinessRuleViolation
from domain.common.principal import Principal
from domain.common.records import require
from domain.leadership.policies import leadership_scope
from persistence.clock import today
from persistence.models.leader_group import LeaderGroup
from persistence.repositories.leadership import LeaderGroupRepository, LeadershipLookups
from persistence.uow import UnitOfWork


def check_not_future(day: date, field: str) -> None:
    if day > today():
        raise BusinessRuleViolation("The date is in the future.", field=field)


async def require_group(
    uow: UnitOfWork, principal: Principal, group_id: UUID, *, for_update: bool = False
) -> LeaderGroup:
    """The leader group in the caller's scope (locked when ``for_update``). Raises NotFound."""
    return await require(
        LeaderGroupRepository(uow).get_in_scope(
            group_id, leadership_scope(principal), for_update=for_update
        ),
        "Leader group",
    )


async def check_district(uow: UnitOfWork, principal: Principal, district_id: UUID) -> None:
    """The district exists and, for a social worker, is one of hers. Raises
    BusinessRuleViolation."""
    if not await LeadershipLookups(uow).district_exists(district_id):
        raise BusinessRuleViolation("No such district.", field="district_id")
    scope = leadership_scope(principal)
    if scope.district_ids is not None and district_id not in scope.district_ids:
        raise BusinessRuleViolation(
            "The district is not one of your districts.", field="district_id"
        )


async def check_organizations(uow: UnitOfWork, organization_ids: list[UUID], field: str) -> None:
    wanted = set(organization_ids)
    if wanted and await LeadershipLookups(uow).existing_organizations(wanted) != wanted:
        raise BusinessRuleViolation("No such organisation.", field=field)


async def place_activity(
    uow: UnitOfWork,
    principal: Principal,
    district_id: UUID | None,
    leader_group_id: UUID | None,
    *,
    district_sent: bool,
) -> UUID | None:
    """Check where a campaign or engagement goes and answer its district: the one sent, or
    (when none was sent) the group's. The record must land within the caller's own scope: a
    survivor leader's records belong to one of her groups, a social worker's to one of her
    districts. Raises BusinessRuleViolation."""
    scope = leadership_scope(principal)
    group = None
    if leader_group_id is not None:
        group = await LeaderGroupRepository(uow).get_in_scope(leader_group_id, scope)
        if group is None:
            raise BusinessRuleViolation("No such leader group.", field="leader_group_id")
    elif scope.leader_user_id is not None:
        raise BusinessRuleViolation(
            "Name the leader group the record belongs to.", field="leader_group_id"
        )
    if not district_sent and district_id is None and group is not None:
        district_id = group.district_id
    if district_id is not None:
        await check_district(uow, principal, district_id)
    elif scope.district_ids is not None:
        raise BusinessRuleViolation(
            "Name the district (one of yours) the record belongs to.", field="district_id"
        )
    return district_id


def apply_changes(target: Any, changes: dict[str, Any]) -> bool:
    """Set the changed fields on the record; answer whether any value differs."""
    changed = False
    for name, value in changes.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    return changed


def shown_author(principal: Principal, created_by: UUID | None) -> UUID | None:
    """Who recorded a record, for callers who may see people: the account of a survivor
    leader who recorded it would name her to a machine credential."""
    return created_by if leadership_scope(principal).sees_people else None
