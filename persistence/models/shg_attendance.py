from __future__ import annotations

from uuid import UUID

from sqlmodel import Field, SQLModel

from persistence.models.base import enum_column
from persistence.models.livelihood_vocabulary import Attendance


class ShgAttendance(SQLModel, table=True):
    """A member's attendance at one meeting."""

    __tablename__ = "shg_attendance"

    meeting_id: UUID = Field(foreign_key="shg_meeting.id", primary_key=True, ondelete="CASCADE")
    member_id: UUID = Field(foreign_key="shg_member.id", primary_key=True)
    status: Attendance = Field(sa_type=enum_column(Attendance, "attendance"))
