"""Who may see and manage user accounts, and which roles each may hand out."""

from __future__ import annotations

from domain.common.policy import policy
from domain.common.principal import Principal, Role
from persistence.scope import RowScope

READ = policy(
    "users:read",
    {Role.platform_admin, Role.program_manager},
    "Read user accounts: platform admins all; program managers those of their organisation.",
    entity="user",
)
MANAGE = policy(
    "users:manage",
    {Role.platform_admin, Role.program_manager},
    "Create, change, disable and enable user accounts, and ask for resets of their passwords "
    "and second factors (applied when a second platform admin approves).",
    entity="user",
    people_only=True,
)
# People only: integration clients never see or decide resets (no client holds the role).
READ_RESET_REQUESTS = policy(
    "reset-requests:read",
    {Role.platform_admin},
    "See requests to reset people's passwords and second factors (pending ones first of all).",
    entity="reset_request",
    people_only=True,
)
DECIDE_RESET_REQUESTS = policy(
    "reset-requests:decide",
    {Role.platform_admin},
    "Approve or decline a request to reset someone's password or second factor. Never one's "
    "own request, nor a reset of one's own account; people only.",
    entity="reset_request",
    people_only=True,
)
CHANGE_OWN_PASSWORD = policy(
    "me:password",
    (),
    "Change one's own password.",
    any_authenticated=True,
    entity="user",
)

# A program manager staffs her own organisation; platform-wide and oversight roles are given
# only by platform admins.
_MANAGER_ASSIGNABLE = frozenset(
    {Role.social_worker, Role.survivor_leader, Role.partner_staff, Role.analyst}
)


def visible(principal: Principal) -> RowScope:
    if principal.is_platform_admin:
        return RowScope.everything()
    return RowScope.organization(principal.organization_id)


def may_assign(principal: Principal, role: Role) -> bool:
    return principal.is_platform_admin or role in _MANAGER_ASSIGNABLE
