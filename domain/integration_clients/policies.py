"""Who may manage integration clients, and what a client may be granted.

The platform admin registers clients and grants their role and scopes, never a person's act
(people-only policies) and never ``referrals:inbox``: that one, the only scope that brings a
client personal data (the consented fields of referrals addressed to its organisation), is
granted and revoked by a program manager of the client's own organisation.
"""

from __future__ import annotations

from domain.common.policy import policy
from domain.common.principal import Role
from persistence.scope import RowScope

MANAGE = policy(
    "integration-clients:manage",
    {Role.platform_admin},
    "Create, change, disable integration clients and rotate their secrets.",
    entity="integration_client",
    people_only=True,
)

GRANT_INBOX = policy(
    "integration-clients:inbox",
    {Role.program_manager},
    "Grant or revoke `referrals:inbox` on an integration client of one's own organisation, "
    "so that it receives the consented fields of referrals addressed to the organisation.",
    entity="integration_client",
    people_only=True,
)

# A client never administers the platform.
GRANTABLE_ROLES = frozenset(Role) - {Role.platform_admin}

EVERYWHERE = RowScope.everything()
