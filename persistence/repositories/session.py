"""What every repository holds: the unit of work, whose session opens on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from persistence.uow import UnitOfWork


class Repository:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    @property
    def session(self) -> AsyncSession:
        """The ORM session (opened now if the unit had none)."""
        return self.uow.session

    async def driver(self) -> asyncpg.Connection:
        """The asyncpg connection, for prepared statements on hot paths."""
        return await self.uow.driver()
