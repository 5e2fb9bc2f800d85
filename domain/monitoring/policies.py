"""Who may read operational metrics (aggregate counters, never personal data)."""

from __future__ import annotations

from domain.common.policy import policy
from domain.common.principal import Role

READ_METRICS = policy(
    "metrics:read",
    {Role.platform_admin, Role.analyst},
    "Read operational metrics (no personal data): platform admins, or a monitoring client.",
    entity="metrics",
)
