from __future__ import annotations

from uuid import UUID

from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.livelihood_vocabulary import FederationTier


class ShgFederation(Entity, OrganizationOwned, PlaceBound, table=True):
    """A federation of SHGs (Anandadhara tiers: Upa Sangha -> Sangha Samabay -> Mahasangha),
    as the organisation records it."""

    __tablename__ = "shg_federation"

    tier: FederationTier = Field(sa_type=enum_column(FederationTier, "federation_tier"))
    name: str = Field(max_length=200)
    parent_id: UUID | None = Field(default=None, foreign_key="shg_federation.id")
    block_id: UUID | None = Field(default=None, foreign_key="block.id")
