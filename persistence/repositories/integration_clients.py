from __future__ import annotations

from uuid import UUID

from persistence.access import AccessCheck, access_is_live_sql
from persistence.models.integration_client import IntegrationClient
from persistence.repositories.base import EntityRepository


class IntegrationClientRepository(EntityRepository[IntegrationClient]):
    model = IntegrationClient

    async def access_is_live(self, client_id: UUID, access_version: int) -> bool:
        """Whether a token issued at ``access_version`` still stands for a live client."""
        sql, args = access_is_live_sql(AccessCheck("client", client_id, access_version))
        connection = await self.driver()
        return bool(await connection.fetchval(sql, *args))
