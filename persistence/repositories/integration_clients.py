from __future__ import annotations

from uuid import UUID

from persistence.models.integration_client import IntegrationClient
from persistence.repositories.base import EntityRepository

_ACCESS_IS_LIVE = """
SELECT EXISTS (
    SELECT 1 FROM integration_client
     WHERE id = $1 AND access_version = $2 AND disabled_at IS NULL AND deleted_at IS NULL
)
"""


class IntegrationClientRepository(EntityRepository[IntegrationClient]):
    model = IntegrationClient

    async def access_is_live(self, client_id: UUID, access_version: int) -> bool:
        """Whether a token issued at ``access_version`` still stands for a live client."""
        connection = await self.driver()
        return bool(await connection.fetchval(_ACCESS_IS_LIVE, client_id, access_version))
