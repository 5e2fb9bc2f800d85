"""Duplicate alerts: intakes that matched survivors their author may not see."""

from __future__ import annotations

from persistence.models.duplicate_alert import DuplicateAlert
from persistence.repositories.base import EntityRepository


class DuplicateAlertRepository(EntityRepository[DuplicateAlert]):
    model = DuplicateAlert
