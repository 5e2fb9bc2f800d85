from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from persistence.models.base import Entity, OrganizationOwned, PlaceBound, enum_column
from persistence.models.case_vocabulary import Sex


class Survivor(Entity, OrganizationOwned, PlaceBound, table=True):
    """A survivor of trafficking known to an organisation. ``district_id`` is her home
    district.

    Everything that names or locates her (names, aliases, date of birth, phone, addresses,
    identity numbers, family members and their contacts, safe-contact preferences, code word)
    is sealed in ``personal_enc``. Exact-match lookups for duplicates use blind indexes of the
    normalised phone and name, keyed per organisation.
    """

    __tablename__ = "survivor"
    __table_args__ = (
        sa.Index("ix_survivor_organization_id_phone_bidx", "organization_id", "phone_bidx"),
        sa.Index("ix_survivor_organization_id_name_bidx", "organization_id", "name_bidx"),
        sa.Index(
            "ix_survivor_organization_id_created_at_id", "organization_id", "created_at", "id"
        ),
    )

    personal_enc: bytes = Field(sa_type=sa.LargeBinary)
    sex: Sex = Field(sa_type=enum_column(Sex, "sex"))
    birth_year: int | None = Field(default=None, description="Coarse, for age bands.")
    age_is_estimate: bool = Field(default=False)
    languages: list[str] = Field(
        default_factory=list,
        sa_type=ARRAY(sa.String(20)),
        sa_column_kwargs={"server_default": "{}"},
    )
    identity_document_kinds: list[str] = Field(
        default_factory=list,
        sa_type=ARRAY(sa.String(40)),
        sa_column_kwargs={"server_default": "{}"},
    )
    phone_bidx: bytes | None = Field(default=None, sa_type=sa.LargeBinary(32))
    name_bidx: bytes | None = Field(default=None, sa_type=sa.LargeBinary(32))
