from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import ConfigDict, Field

from domain.common.pagination import Page
from domain.common.schemas import PatchBody, ReadModel, RequestBody

PlaceName = Field(min_length=2, max_length=100)


class StateCreate(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Odisha", "code": "OD"}]})

    id: UUID | None = None
    name: str = PlaceName
    code: str = Field(min_length=2, max_length=8, pattern=r"^[A-Z0-9]+$")


class StateUpdate(PatchBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Odisha"}]})

    name: str | None = Field(default=None, min_length=2, max_length=100)
    code: str | None = Field(default=None, min_length=2, max_length=8, pattern=r"^[A-Z0-9]+$")


class StateRead(ReadModel):
    id: UUID
    name: str
    code: str
    created_at: datetime
    updated_at: datetime
    version: int


class DistrictCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"state_id": "6f1c1f54-3d6b-5a0f-9b1e-2f6f2a1c0d11", "name": "Khordha"}]
        }
    )

    id: UUID | None = None
    state_id: UUID
    name: str = PlaceName


class PlaceRename(PatchBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Khurda"}]})

    name: str | None = Field(default=None, min_length=2, max_length=100)


class DistrictRead(ReadModel):
    id: UUID
    state_id: UUID
    name: str
    created_at: datetime
    updated_at: datetime
    version: int


class BlockCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"district_id": "0b8e8f38-5c55-5f6e-8d0e-0c4bb0b1a2f3", "name": "Canning I"}
            ]
        }
    )

    id: UUID | None = None
    district_id: UUID
    name: str = PlaceName


class BlockRead(ReadModel):
    id: UUID
    district_id: UUID
    name: str
    created_at: datetime
    updated_at: datetime
    version: int


StatePage = Page[StateRead]
DistrictPage = Page[DistrictRead]
BlockPage = Page[BlockRead]
