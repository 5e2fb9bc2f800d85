"""Who is calling: a person (user), an integration client, or the system itself (CLI, jobs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

from persistence.models.enums import Role

__all__ = ["SYSTEM_PRINCIPAL_ID", "Principal", "PrincipalKind", "Role", "system_principal"]


class PrincipalKind(StrEnum):
    user = "user"
    client = "client"
    system = "system"


@dataclass(frozen=True, slots=True)
class Principal:
    kind: PrincipalKind
    id: UUID
    organization_id: UUID | None
    role: Role
    district_ids: frozenset[UUID] = field(default_factory=frozenset)
    # Integration clients act only within the scopes an admin granted; people have none.
    scopes: frozenset[str] = field(default_factory=frozenset)
    session_id: UUID | None = None
    # Signed in with her password while her role needs a second factor she has not enrolled:
    # she may only enrol one (policies marked ``while_enrolling``).
    must_enrol_second_factor: bool = False
    # People only: the registered device her token is bound to (None: not bound to one).
    device_id: UUID | None = None

    @property
    def is_platform_admin(self) -> bool:
        return self.role is Role.platform_admin

    def in_organization(self, organization_id: UUID | None) -> bool:
        return organization_id is not None and organization_id == self.organization_id


SYSTEM_PRINCIPAL_ID = UUID("00000000-0000-0000-0000-000000000000")


def system_principal() -> Principal:
    """The principal of the command line and background jobs (audited as ``system``)."""
    return Principal(
        kind=PrincipalKind.system,
        id=SYSTEM_PRINCIPAL_ID,
        organization_id=None,
        role=Role.platform_admin,
    )
