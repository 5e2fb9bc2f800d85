"""Counts of audit events that repeat (see persistence/models/audit_tally.py)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from persistence.models.audit_tally import AuditTally
from persistence.repositories.session import Repository


class AuditTallyRepository(Repository):
    async def count(
        self, action: str, key: str, window_started_at: datetime, event_id: UUID, now: datetime
    ) -> bool:
        """Count one occurrence of ``action`` for ``key`` in the window; True when it is the
        first (its event, ``event_id``, is then to be appended in this transaction). One
        statement: concurrent occurrences count correctly and only one of them is first."""
        # SQLModel's stubs do not declare __table__.
        table = AuditTally.__table__  # type: ignore[attr-defined]
        values = insert(AuditTally).values(
            action=action,
            key=key,
            window_started_at=window_started_at,
            event_id=event_id,
            repeat_count=1,
            last_occurred_at=now,
        )
        stmt = values.on_conflict_do_update(
            index_elements=[table.c.action, table.c.key, table.c.window_started_at],
            set_={
                "repeat_count": table.c.repeat_count + 1,
                "last_occurred_at": sa.func.greatest(
                    table.c.last_occurred_at, values.excluded.last_occurred_at
                ),
            },
        ).returning(table.c.event_id)
        counted: UUID = (await self.session.execute(stmt)).scalar_one()
        return counted == event_id
