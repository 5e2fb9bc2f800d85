"""Who may register devices, see them and revoke them.

A device is a person's: she registers the phones she runs the app on and reports their syncs.
A program manager sees her organisation's devices and revokes a lost one; a platform admin
does so for any organisation (she answers for the platform's accounts). A person may also
revoke her own device (a phone she no longer has). Integration clients never: devices hold
sign-in sessions, and a machine credential that can end or inspect people's sessions is a way
round the rules on accounts.
"""

from __future__ import annotations

from domain.common.policy import policy
from domain.common.principal import Principal, PrincipalKind, Role
from persistence.repositories.devices import DeviceScope

DEVICE = "device"
# Every person may hold devices (field workers, survivor leaders, partner staff...); what she
# sees of others' is the scope's concern (device_scope).
PEOPLE = frozenset(Role)

OWN = policy(
    "devices:own",
    PEOPLE,
    "Register one's own devices (name, platform, app version) and report their syncs.",
    entity=DEVICE,
    people_only=True,
)
READ = policy(
    "devices:read",
    PEOPLE,
    "See devices: one's own; a program manager her organisation's; a platform admin all.",
    entity=DEVICE,
    people_only=True,
)
REVOKE = policy(
    "devices:revoke",
    PEOPLE,
    "Revoke a lost device: its tokens stop at once and it is told to wipe its data. A "
    "program manager her organisation's devices, a platform admin any, a person her own.",
    entity=DEVICE,
    people_only=True,
)


def device_scope(principal: Principal) -> DeviceScope:
    """The devices the caller may see (and revoke)."""
    if principal.kind is not PrincipalKind.user:
        return DeviceScope()
    if principal.role is Role.platform_admin:
        return DeviceScope(everything=True)
    if principal.role is Role.program_manager:
        return DeviceScope(organization_id=principal.organization_id)
    return DeviceScope(user_id=principal.id)
