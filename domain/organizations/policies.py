"""Who may see and manage organisations."""

from __future__ import annotations

from domain.common.policy import policy
from domain.common.principal import Principal, Role
from persistence.scope import RowScope

READ = policy(
    "organizations:read",
    Role,
    "Platform admins read every organisation; everyone else reads their own.",
    entity="organization",
)
MANAGE = policy(
    "organizations:manage",
    {Role.platform_admin},
    "Create and update organisations.",
    entity="organization",
    people_only=True,
)


def visible(principal: Principal) -> RowScope:
    if principal.is_platform_admin:
        return RowScope.everything()
    return RowScope.organization(principal.organization_id)
