"""Who may export what.

An export is a read of a dataset's rows, in bulk: the export policies admit everyone who may
read some dataset, and each dataset then applies its own area's read policy and scope, exactly
as the area's reads and lists do (an analyst, who reads no individual case, exports no case).
Personal fields leave only with a program manager, in person, who asks for them explicitly and
says why; never with an analyst, never with an integration client. Each export is followed and
downloaded by whoever asked for it, nobody else.
"""

from __future__ import annotations

from domain.common.policy import policy
from domain.common.principal import Principal, PrincipalKind, Role

EXPORT = "export"

EXPORTERS = frozenset(
    {
        Role.program_manager,
        Role.social_worker,
        Role.analyst,
        Role.partner_staff,
        Role.survivor_leader,
    }
)

CREATE = policy(
    "exports:create",
    EXPORTERS,
    "Export a dataset as CSV or XLSX: the rows the caller may read, as the dataset's own read "
    "policy and scope decide (a client needs that policy's scope too). Personal fields only "
    "for program managers in person, asked for explicitly with a reason.",
    entity=EXPORT,
)
READ = policy(
    "exports:read",
    EXPORTERS,
    "Follow one's own exports and download their files while they are kept.",
    entity=EXPORT,
)


def may_export_personal(principal: Principal) -> bool:
    """Personal fields: a program manager in person, never a client or another role."""
    return principal.kind is PrincipalKind.user and principal.role is Role.program_manager
