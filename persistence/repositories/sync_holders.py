"""What a meeting synced offline belongs to (its SHG or its leader group), so that its area's
service can read it; whether the caller may see it is that service's to decide."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.leader_group_meeting import LeaderGroupMeeting
from persistence.models.shg_meeting import ShgMeeting
from persistence.repositories.session import Repository


class MeetingHolders(Repository):
    async def shg_of_meeting(self, meeting_id: UUID) -> UUID | None:
        value = await self.session.scalar(
            sa.select(col(ShgMeeting.shg_id)).where(
                col(ShgMeeting.id) == meeting_id, col(ShgMeeting.deleted_at).is_(None)
            )
        )
        return value if isinstance(value, UUID) else None

    async def group_of_meeting(self, meeting_id: UUID) -> UUID | None:
        value = await self.session.scalar(
            sa.select(col(LeaderGroupMeeting.group_id)).where(
                col(LeaderGroupMeeting.id) == meeting_id,
                col(LeaderGroupMeeting.deleted_at).is_(None),
            )
        )
        return value if isinstance(value, UUID) else None
