from __future__ import annotations

from datetime import date
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.livelihood_vocabulary import FinancialProduct, ProductStatus


class FinancialInclusion(Entity, OrganizationOwned, PlaceBound, table=True):
    """Where a survivor stands with one financial product (bank account, insurance, pension,
    digital payments), since when. Account numbers, if any, are sealed in details_enc."""

    __tablename__ = "financial_inclusion"
    __table_args__ = (sa.UniqueConstraint("survivor_id", "product"),)

    survivor_id: UUID = Field(foreign_key="survivor.id", nullable=False)
    product: FinancialProduct = Field(sa_type=enum_column(FinancialProduct, "financial_product"))
    status: ProductStatus = Field(sa_type=enum_column(ProductStatus, "product_status"))
    since: date | None = None
    provider: str | None = Field(default=None, max_length=120)
    details_enc: bytes | None = Field(default=None, sa_type=sa.LargeBinary)
