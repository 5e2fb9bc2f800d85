"""States, districts and blocks: reference data every area points at."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar
from uuid import UUID

import sqlalchemy as sa

from domain.audit.trail import authorize, record
from domain.common.errors import BusinessRuleViolation, Conflict
from domain.common.ids import reject_taken_id
from domain.common.listing import BY_NAME, paginate
from domain.common.pagination import Page, PageRequest
from domain.common.principal import Principal
from domain.common.records import require
from domain.common.schemas import PatchBody, ReadModel
from domain.geography import policies
from domain.geography.schemas import (
    BlockCreate,
    BlockPage,
    BlockRead,
    DistrictCreate,
    DistrictPage,
    DistrictRead,
    StateCreate,
    StatePage,
    StateRead,
)
from persistence.models.base import Entity, touch
from persistence.models.block import Block
from persistence.models.district import District
from persistence.models.enums import AuditAction
from persistence.models.state import State
from persistence.repositories.base import EntityRepository
from persistence.repositories.geography import (
    BlockRepository,
    DistrictRepository,
    StateRepository,
)
from persistence.scope import RowScope
from persistence.uow import UnitOfWork

ReadT = TypeVar("ReadT", bound=ReadModel)
PlaceT = TypeVar("PlaceT", bound=Entity)

EVERYWHERE = RowScope.everything()


class GeographyService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.states = StateRepository(uow)
        self.districts = DistrictRepository(uow)
        self.blocks = BlockRepository(uow)

    # -- states ---------------------------------------------------------------------------
    async def create_state(self, principal: Principal, data: StateCreate) -> StateRead:
        """Add a state. Raises Conflict when the name, code or id is taken."""
        authorize(self.uow, principal, policies.MANAGE, "state")
        await reject_taken_id(self.uow, principal, self.states, data.id, "state")
        await self._unique(self.states, [State.name == data.name], "state name")
        await self._unique(self.states, [State.code == data.code], "state code")
        state = State(name=data.name, code=data.code, created_by=principal.id)
        return StateRead.model_validate(await self._add(principal, self.states, state, data.id))

    async def list_states(self, principal: Principal, page: PageRequest) -> Page[StateRead]:
        """Every state, by name."""
        authorize(self.uow, principal, policies.READ, "state")
        return await self._list(self.states, page, State, [], StateRead, StatePage)

    async def get_state(self, principal: Principal, state_id: UUID) -> StateRead:
        """One state. Raises NotFound."""
        authorize(self.uow, principal, policies.READ, "state", state_id)
        return StateRead.model_validate(
            await require(self.states.get(state_id, EVERYWHERE), "State")
        )

    async def update_state(
        self, principal: Principal, state_id: UUID, data: PatchBody, expected_version: int
    ) -> StateRead:
        """Rename a state or change its code. Raises NotFound, PreconditionFailed, Conflict."""
        authorize(self.uow, principal, policies.MANAGE, "state", state_id)
        changes = data.changes()
        state = await require(
            self.states.get_for_update(state_id, EVERYWHERE), "State", version=expected_version
        )
        if "name" in changes and changes["name"] != state.name:
            await self._unique(self.states, [State.name == changes["name"]], "state name")
        if "code" in changes and changes["code"] != state.code:
            await self._unique(self.states, [State.code == changes["code"]], "state code")
        return StateRead.model_validate(await self._apply(principal, state, changes, "state"))

    # -- districts ------------------------------------------------------------------------
    async def create_district(self, principal: Principal, data: DistrictCreate) -> DistrictRead:
        """Add a district to a state. Raises Conflict on a duplicate name in the state."""
        authorize(self.uow, principal, policies.MANAGE, "district")
        if await self.states.get(data.state_id, EVERYWHERE) is None:
            raise BusinessRuleViolation("The state does not exist.", field="state_id")
        await reject_taken_id(self.uow, principal, self.districts, data.id, "district")
        await self._unique(
            self.districts,
            [District.state_id == data.state_id, District.name == data.name],
            "district name in this state",
        )
        district = District(state_id=data.state_id, name=data.name, created_by=principal.id)
        added = await self._add(principal, self.districts, district, data.id)
        return DistrictRead.model_validate(added)

    async def list_districts(
        self, principal: Principal, page: PageRequest, state_id: UUID | None
    ) -> Page[DistrictRead]:
        """Districts, by name; optionally of one state."""
        authorize(self.uow, principal, policies.READ, "district")
        where = [District.state_id == state_id] if state_id else []
        return await self._list(self.districts, page, District, where, DistrictRead, DistrictPage)

    async def get_district(self, principal: Principal, district_id: UUID) -> DistrictRead:
        """One district. Raises NotFound."""
        authorize(self.uow, principal, policies.READ, "district", district_id)
        return DistrictRead.model_validate(
            await require(self.districts.get(district_id, EVERYWHERE), "District")
        )

    async def rename_district(
        self, principal: Principal, district_id: UUID, data: PatchBody, expected_version: int
    ) -> DistrictRead:
        """Rename a district. Raises NotFound, PreconditionFailed, Conflict."""
        authorize(self.uow, principal, policies.MANAGE, "district", district_id)
        changes = data.changes()
        district = await require(
            self.districts.get_for_update(district_id, EVERYWHERE),
            "District",
            version=expected_version,
        )
        if "name" in changes and changes["name"] != district.name:
            await self._unique(
                self.districts,
                [District.state_id == district.state_id, District.name == changes["name"]],
                "district name in this state",
            )
        updated = await self._apply(principal, district, changes, "district")
        return DistrictRead.model_validate(updated)

    # -- blocks ---------------------------------------------------------------------------
    async def create_block(self, principal: Principal, data: BlockCreate) -> BlockRead:
        """Add a block to a district. Raises Conflict on a duplicate name in the district."""
        authorize(self.uow, principal, policies.MANAGE, "block")
        if await self.districts.get(data.district_id, EVERYWHERE) is None:
            raise BusinessRuleViolation("The district does not exist.", field="district_id")
        await reject_taken_id(self.uow, principal, self.blocks, data.id, "block")
        await self._unique(
            self.blocks,
            [Block.district_id == data.district_id, Block.name == data.name],
            "block name in this district",
        )
        block = Block(district_id=data.district_id, name=data.name, created_by=principal.id)
        return BlockRead.model_validate(await self._add(principal, self.blocks, block, data.id))

    async def list_blocks(
        self, principal: Principal, page: PageRequest, district_id: UUID | None
    ) -> Page[BlockRead]:
        """Blocks, by name; optionally of one district."""
        authorize(self.uow, principal, policies.READ, "block")
        where = [Block.district_id == district_id] if district_id else []
        return await self._list(self.blocks, page, Block, where, BlockRead, BlockPage)

    async def get_block(self, principal: Principal, block_id: UUID) -> BlockRead:
        """One block. Raises NotFound."""
        authorize(self.uow, principal, policies.READ, "block", block_id)
        return BlockRead.model_validate(
            await require(self.blocks.get(block_id, EVERYWHERE), "Block")
        )

    async def rename_block(
        self, principal: Principal, block_id: UUID, data: PatchBody, expected_version: int
    ) -> BlockRead:
        """Rename a block. Raises NotFound, PreconditionFailed, Conflict."""
        authorize(self.uow, principal, policies.MANAGE, "block", block_id)
        changes = data.changes()
        block = await require(
            self.blocks.get_for_update(block_id, EVERYWHERE), "Block", version=expected_version
        )
        if "name" in changes and changes["name"] != block.name:
            await self._unique(
                self.blocks,
                [Block.district_id == block.district_id, Block.name == changes["name"]],
                "block name in this district",
            )
        return BlockRead.model_validate(await self._apply(principal, block, changes, "block"))

    # -- many at once (offline sync: a first pull) -----------------------------------------
    async def get_states(self, principal: Principal, ids: Sequence[UUID]) -> list[StateRead]:
        """The states among ``ids``, each as ``get_state`` answers it (one statement)."""
        authorize(self.uow, principal, policies.READ, "state")
        return [StateRead.model_validate(s) for s in await self.states.get_many(ids, EVERYWHERE)]

    async def get_districts(self, principal: Principal, ids: Sequence[UUID]) -> list[DistrictRead]:
        """The districts among ``ids``, each as ``get_district`` answers it (one statement)."""
        authorize(self.uow, principal, policies.READ, "district")
        rows = await self.districts.get_many(ids, EVERYWHERE)
        return [DistrictRead.model_validate(d) for d in rows]

    async def get_blocks(self, principal: Principal, ids: Sequence[UUID]) -> list[BlockRead]:
        """The blocks among ``ids``, each as ``get_block`` answers it (one statement)."""
        authorize(self.uow, principal, policies.READ, "block")
        return [BlockRead.model_validate(b) for b in await self.blocks.get_many(ids, EVERYWHERE)]

    # -- shared steps ---------------------------------------------------------------------
    async def _unique(
        self,
        repo: EntityRepository[Any],
        same_name: Sequence[Any],
        what: str,
    ) -> None:
        stmt = sa.select(sa.literal(True)).select_from(repo.model).where(*same_name)
        if (await self.uow.session.scalars(stmt)).first():
            raise Conflict(f"The {what} is already taken.")

    async def _add(
        self,
        principal: Principal,
        repo: EntityRepository[PlaceT],
        place: PlaceT,
        record_id: UUID | None,
    ) -> PlaceT:
        if record_id is not None:
            place.id = record_id
        await repo.add(place)
        record(self.uow, principal, AuditAction.create, str(repo.model.__tablename__), place.id)
        return place

    async def _apply(
        self, principal: Principal, place: PlaceT, changes: dict[str, Any], entity: str
    ) -> PlaceT:
        for field, value in changes.items():
            setattr(place, field, value)
        touch(place)
        await self.uow.session.flush()
        record(self.uow, principal, AuditAction.update, entity, place.id)
        return place

    async def _list(
        self,
        repo: EntityRepository[Any],
        page: PageRequest,
        model: Any,
        where: list[Any],
        read: type[ReadT],
        page_type: type[Page[ReadT]],
    ) -> Page[ReadT]:
        return await paginate(
            page,
            BY_NAME,
            fetch=lambda after, limit: repo.page(
                EVERYWHERE, where=where, order=[model.name, model.id], after=after, limit=limit
            ),
            to_read=lambda rows: [read.model_validate(place) for place in rows],
            count=lambda: repo.count(EVERYWHERE, where=where),
            page_type=page_type,
        )
