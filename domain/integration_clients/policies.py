"""Who may manage integration clients, and what a client may be granted."""

from __future__ import annotations

from domain.common.policy import policy
from domain.common.principal import Role
from persistence.scope import RowScope

MANAGE = policy(
    "integration-clients:manage",
    {Role.platform_admin},
    "Create, change, disable integration clients and rotate their secrets.",
    entity="integration_client",
)

# A client never administers the platform.
GRANTABLE_ROLES = frozenset(Role) - {Role.platform_admin}

EVERYWHERE = RowScope.everything()
