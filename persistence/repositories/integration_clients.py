from __future__ import annotations

from persistence.models.integration_client import IntegrationClient
from persistence.repositories.base import EntityRepository


class IntegrationClientRepository(EntityRepository[IntegrationClient]):
    model = IntegrationClient
