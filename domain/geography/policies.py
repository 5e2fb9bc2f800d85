"""Geography is shared reference data: everyone reads it, platform admins maintain it."""

from __future__ import annotations

from domain.common.policy import policy
from domain.common.principal import Role

READ = policy(
    "geography:read",
    (),
    "Read states, districts and blocks.",
    any_authenticated=True,
    entity="geography",
)
MANAGE = policy(
    "geography:manage",
    {Role.platform_admin},
    "Add and rename states, districts and blocks.",
    entity="geography",
)
