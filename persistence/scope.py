"""Row scope: which organisations, districts and assignments a query may touch.

Domain policies build a RowScope from the caller; repositories turn it into one indexed WHERE
clause. ``None`` means "not limited on this axis"; an empty set means "nothing".
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class RowScope:
    organization_ids: frozenset[UUID] | None = None
    district_ids: frozenset[UUID] | None = None
    # A record is also in scope when assigned to this user (social worker caseload).
    assigned_user_id: UUID | None = None

    @classmethod
    def everything(cls) -> RowScope:
        return cls()

    @classmethod
    def organization(cls, organization_id: UUID | None) -> RowScope:
        return cls(organization_ids=frozenset({organization_id} if organization_id else ()))

    @classmethod
    def nothing(cls) -> RowScope:
        return cls(organization_ids=frozenset())

    @property
    def is_empty(self) -> bool:
        return self.organization_ids is not None and not self.organization_ids


@dataclass(frozen=True, slots=True)
class CaseScope:
    """Which cases a caller may touch.

    ``organization_id`` None means no case at all. ``assigned_user_id`` limits a social worker
    to the cases assigned to her, plus (``district_ids``) those of her districts when her
    organisation allows it (organization.district_case_visibility). A program manager has
    neither limit within her organisation.
    """

    organization_id: UUID | None
    assigned_user_id: UUID | None = None
    district_ids: frozenset[UUID] = frozenset()

    @classmethod
    def nothing(cls) -> CaseScope:
        return cls(organization_id=None)

    @property
    def is_empty(self) -> bool:
        return self.organization_id is None
