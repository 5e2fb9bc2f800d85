"""Leader groups: collectives of survivor leaders, their members and roles, their meetings.

Membership says that a woman is a survivor: members' names and accounts are shown only to
people who may see the group's people (not integration clients), and a member's survivor
record only to a caller who may see that survivor. Reads of members and meetings are audited;
the decisions of a meeting are sealed at rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from domain.audit.trail import authorize, record
from domain.common.errors import BusinessRuleViolation, Conflict, NotFound
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED_DESC, Keyset, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import check_version, require
from domain.leadership import policies
from domain.leadership.placement import (
    apply_changes,
    check_district,
    check_not_future,
    check_organizations,
    require_group,
    shown_author,
)
from domain.leadership.policies import leadership_scope, summary_scope
from domain.leadership.schemas import (
    LeaderGroupCreate,
    LeaderGroupPage,
    LeaderGroupRead,
    LeaderGroupSummary,
    LeaderGroupUpdate,
    MeetingCreate,
    MeetingPage,
    MeetingRead,
    MemberCreate,
    MemberPage,
    MemberRead,
    MemberUpdate,
)
from domain.survivors.policies import survivor_scope
from persistence.crypto import Place
from persistence.models.base import touch
from persistence.models.enums import AuditAction
from persistence.models.leader_group import LeaderGroup
from persistence.models.leader_group_meeting import LeaderGroupMeeting
from persistence.models.leader_group_member import LeaderGroupMember
from persistence.repositories.leadership import (
    LeaderGroupRepository,
    LeadershipLookups,
    MeetingRepository,
    MemberRepository,
    MemberRow,
)
from persistence.uow import UnitOfWork

GROUP = policies.GROUP
MEMBER = policies.MEMBER
MEETING = policies.MEETING


MEMBERS_CREATED_ASC: Keyset[MemberRow] = Keyset(
    "created-asc", 2, lambda row: (row.member.created_at, row.member.id)
)


def _minutes_place(meeting_id: UUID) -> Place:
    return Place("leader_group_meeting", "minutes_enc", meeting_id)


class LeaderGroupService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.groups = LeaderGroupRepository(uow)
        self.members = MemberRepository(uow)
        self.meetings = MeetingRepository(uow)
        self.lookups = LeadershipLookups(uow)

    # -- groups ---------------------------------------------------------------------------
    async def create(self, principal: Principal, data: LeaderGroupCreate) -> LeaderGroupRead:
        """Form a leader group of the caller's organisation. Raises BusinessRuleViolation
        (district, forum, date), Conflict (id taken)."""
        authorize(self.uow, principal, policies.MANAGE_GROUPS, GROUP)
        scope = leadership_scope(principal)
        if scope.organization_id is None:
            raise BusinessRuleViolation("Leader groups belong to an organisation.")
        await check_district(self.uow, principal, data.district_id)
        check_not_future(data.formed_on, "formed_on")
        if data.forum_organization_id is not None:
            await check_organizations(
                self.uow, [data.forum_organization_id], "forum_organization_id"
            )
        await reject_taken_id(self.uow, principal, self.groups, data.id, "leader_group")
        group = LeaderGroup(
            organization_id=scope.organization_id,
            district_id=data.district_id,
            name=data.name,
            formed_on=data.formed_on,
            forum_organization_id=data.forum_organization_id,
            created_by=principal.id,
        )
        if data.id is not None:
            group.id = data.id
        await self.groups.add(group)
        record(self.uow, principal, AuditAction.create, GROUP, group.id)
        return _group_read(group, 0)

    async def get(self, principal: Principal, group_id: UUID) -> LeaderGroupRead:
        """One group in the caller's scope. Raises NotFound."""
        authorize(self.uow, principal, policies.READ_GROUPS, GROUP, group_id)
        group = await require_group(self.uow, principal, group_id)
        return _group_read(group, await self.members.count_in_group(group.id, current_only=True))

    async def get_many(
        self, principal: Principal, group_ids: Sequence[UUID]
    ) -> list[LeaderGroupRead]:
        """Those among ``group_ids`` in the caller's scope, each as :meth:`get` answers it;
        two statements whatever their number (a device's first pull)."""
        authorize(self.uow, principal, policies.READ_GROUPS, GROUP)
        groups = await self.groups.many_in_scope(group_ids, leadership_scope(principal))
        counts = await self.members.current_counts([g.id for g in groups])
        return [_group_read(g, counts[g.id]) for g in groups]

    async def list_groups(
        self, principal: Principal, page: PageRequest, *, district_id: UUID | None
    ) -> LeaderGroupPage:
        """The groups in the caller's scope, newest first. Raises BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ_GROUPS, GROUP)
        scope = leadership_scope(principal)
        where = self.groups.in_district(district_id)

        async def shown(groups: Sequence[LeaderGroup]) -> list[LeaderGroupRead]:
            return [
                _group_read(g, await self.members.count_in_group(g.id, current_only=True))
                for g in groups
            ]

        return await paginate(
            page,
            CREATED_DESC,
            fetch=lambda after, limit: self.groups.page_in_scope(scope, where, after, limit),
            to_read=shown,
            count=lambda: self.groups.count_in_scope(scope, where),
            page_type=LeaderGroupPage,
        )

    async def update(
        self,
        principal: Principal,
        group_id: UUID,
        data: LeaderGroupUpdate,
        expected_version: int,
    ) -> LeaderGroupRead:
        """Change a group's name, district, formation date or forum. Raises NotFound,
        PreconditionFailed, BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE_GROUPS, GROUP, group_id)
        group = await require_group(self.uow, principal, group_id, for_update=True)
        check_version(group, expected_version, "group")
        changes = data.changes()
        if "district_id" in changes:
            await check_district(self.uow, principal, changes["district_id"])
        if "formed_on" in changes:
            check_not_future(changes["formed_on"], "formed_on")
        if changes.get("forum_organization_id") is not None:
            await check_organizations(
                self.uow, [changes["forum_organization_id"]], "forum_organization_id"
            )
        if apply_changes(group, changes):
            touch(group)
            await self.groups.save(group)
            record(self.uow, principal, AuditAction.update, GROUP, group.id)
        return _group_read(group, await self.members.count_in_group(group.id, current_only=True))

    async def summary(self, principal: Principal) -> LeaderGroupSummary:
        """Groups and current members in the caller's scope, counted."""
        authorize(self.uow, principal, policies.SUMMARY, GROUP)
        groups, members = await self.groups.counts(summary_scope(principal))
        return LeaderGroupSummary(groups=groups, current_members=members)

    # -- members --------------------------------------------------------------------------
    async def add_member(
        self, principal: Principal, group_id: UUID, data: MemberCreate
    ) -> MemberRead:
        """Enrol a survivor leader in the group. Raises NotFound (group), BusinessRuleViolation
        (account, survivor, date), Conflict (already a member, id taken)."""
        authorize(self.uow, principal, policies.MANAGE_GROUPS, MEMBER)
        group = await require_group(self.uow, principal, group_id, for_update=True)
        if data.user_id is not None and not await self.lookups.leader_account(
            group.organization_id, data.user_id
        ):
            raise BusinessRuleViolation(
                "The account is not a survivor leader of the group's organisation.",
                field="user_id",
            )
        if data.survivor_id is not None and not await self.lookups.survivor_visible(
            data.survivor_id, survivor_scope(principal)
        ):
            raise BusinessRuleViolation("No such survivor.", field="survivor_id")
        check_not_future(data.joined_on, "joined_on")
        if await self.members.current_with(
            group.id, user_id=data.user_id, survivor_id=data.survivor_id
        ):
            raise Conflict("She is already a member of the group.")
        await reject_taken_id(self.uow, principal, self.members, data.id, "leader_group_member")
        member = LeaderGroupMember(
            organization_id=group.organization_id,
            group_id=group.id,
            user_id=data.user_id,
            survivor_id=data.survivor_id,
            role=data.role,
            joined_on=data.joined_on,
            created_by=principal.id,
        )
        if data.id is not None:
            member.id = data.id
        await self.members.add(member)
        record(
            self.uow,
            principal,
            AuditAction.create,
            MEMBER,
            member.id,
            organization_id=group.organization_id,
        )
        row = await self.members.get_in_group(group.id, member.id, survivor_scope(principal))
        if row is None:  # the member was just written in this transaction
            raise NotFound("Member not found.")
        return self._member_read(principal, row)

    async def list_members(
        self, principal: Principal, group_id: UUID, page: PageRequest, *, current_only: bool
    ) -> MemberPage:
        """The group's members, in the order they were enrolled (audited). Raises NotFound,
        BadRequest (cursor)."""
        authorize(self.uow, principal, policies.READ_GROUPS, MEMBER)
        group = await require_group(self.uow, principal, group_id)
        survivors = survivor_scope(principal)
        record(
            self.uow, principal, AuditAction.search, MEMBER, organization_id=group.organization_id
        )

        def shown(rows: Sequence[MemberRow]) -> list[MemberRead]:
            for row in rows:
                self._audit_read(principal, MEMBER, row.member.id, group)
            return [self._member_read(principal, row) for row in rows]

        return await paginate(
            page,
            MEMBERS_CREATED_ASC,
            fetch=lambda after, limit: self.members.page_in_group(
                group.id, survivors, after, limit, current_only=current_only
            ),
            to_read=shown,
            count=lambda: self.members.count_in_group(group.id, current_only=current_only),
            page_type=MemberPage,
        )

    async def get_member(self, principal: Principal, group_id: UUID, member_id: UUID) -> MemberRead:
        """One member (audited). Raises NotFound."""
        authorize(self.uow, principal, policies.READ_GROUPS, MEMBER, member_id)
        group = await require_group(self.uow, principal, group_id)
        row = await require(
            self.members.get_in_group(group.id, member_id, survivor_scope(principal)), "Member"
        )
        self._audit_read(principal, MEMBER, member_id, group)
        return self._member_read(principal, row)

    async def get_members(
        self, principal: Principal, member_ids: Sequence[UUID]
    ) -> list[MemberRead]:
        """Those among ``member_ids`` of the groups in the caller's scope, each as
        :meth:`get_member` answers (her personal fields as it shows them to this caller) and
        audits it; one statement whatever their number (a device's pull)."""
        authorize(self.uow, principal, policies.READ_GROUPS, MEMBER)
        groups = self.groups.ids_in_scope(leadership_scope(principal))
        rows = await self.members.in_groups_by_ids(member_ids, groups, survivor_scope(principal))
        for row in rows:
            self._audit_read(principal, MEMBER, row.member.id, row.member)
        return [self._member_read(principal, row) for row in rows]

    async def update_member(
        self,
        principal: Principal,
        group_id: UUID,
        member_id: UUID,
        data: MemberUpdate,
        expected_version: int,
    ) -> MemberRead:
        """Change a member's role or dates, or end her membership. Raises NotFound,
        PreconditionFailed, BusinessRuleViolation, Conflict (rejoining while a member)."""
        authorize(self.uow, principal, policies.MANAGE_GROUPS, MEMBER, member_id)
        group = await require_group(self.uow, principal, group_id, for_update=True)
        survivors = survivor_scope(principal)
        row = await require(
            self.members.get_in_group(group.id, member_id, survivors, for_update=True), "Member"
        )
        member = row.member
        check_version(member, expected_version, "member")
        changes = data.changes()
        joined_on = changes.get("joined_on", member.joined_on)
        left_on = changes.get("left_on", member.left_on)
        if "joined_on" in changes:
            check_not_future(joined_on, "joined_on")
        if left_on is not None:
            check_not_future(left_on, "left_on")
            if left_on < joined_on:
                raise BusinessRuleViolation(
                    "left_on may not lie before joined_on.", field="left_on"
                )
        elif member.left_on is not None and await self.members.current_with(
            group.id, user_id=member.user_id, survivor_id=member.survivor_id
        ):
            raise Conflict("She is already a current member of the group.")
        if apply_changes(member, changes):
            touch(member)
            await self.members.save(member)
            record(
                self.uow,
                principal,
                AuditAction.update,
                MEMBER,
                member.id,
                organization_id=group.organization_id,
            )
        return self._member_read(principal, row)

    # -- meetings -------------------------------------------------------------------------
    async def record_meeting(
        self, principal: Principal, group_id: UUID, data: MeetingCreate
    ) -> MeetingRead:
        """Record a meeting of the group: date, members who attended, agenda, decisions
        (sealed). Raises NotFound (group), BusinessRuleViolation (date, attendees),
        Conflict (id taken)."""
        authorize(self.uow, principal, policies.RECORD_MEETINGS, MEETING)
        group = await require_group(self.uow, principal, group_id)
        check_not_future(data.held_on, "held_on")
        if data.held_on < group.formed_on:
            raise BusinessRuleViolation(
                "The meeting is dated before the group was formed.", field="held_on"
            )
        attendees = set(data.attended_member_ids)
        if await self.members.ids_in_group(group.id, attendees) != attendees:
            raise BusinessRuleViolation(
                "Every attendee is a member of the group.", field="attended_member_ids"
            )
        await reject_taken_id(self.uow, principal, self.meetings, data.id, "leader_group_meeting")
        meeting = LeaderGroupMeeting(
            organization_id=group.organization_id,
            group_id=group.id,
            held_on=data.held_on,
            agenda=data.agenda,
            attended_member_ids=list(data.attended_member_ids),
            created_by=principal.id,
        )
        if data.id is not None:
            meeting.id = data.id
        if data.decisions:
            meeting.minutes_enc = self.uow.cipher.seal_json(
                {"decisions": data.decisions}, _minutes_place(meeting.id)
            )
        await self.meetings.add(meeting)
        record(
            self.uow,
            principal,
            AuditAction.create,
            MEETING,
            meeting.id,
            organization_id=group.organization_id,
        )
        return self._meeting_read(principal, meeting, data.decisions)

    async def list_meetings(
        self, principal: Principal, group_id: UUID, page: PageRequest
    ) -> MeetingPage:
        """The group's meetings, newest recorded first (audited). Raises NotFound,
        BadRequest."""
        authorize(self.uow, principal, policies.READ_GROUPS, MEETING)
        group = await require_group(self.uow, principal, group_id)
        record(
            self.uow, principal, AuditAction.search, MEETING, organization_id=group.organization_id
        )

        def shown(meetings: Sequence[LeaderGroupMeeting]) -> list[MeetingRead]:
            for meeting in meetings:
                self._audit_read(principal, MEETING, meeting.id, group)
            return [self._meeting_read(principal, m) for m in meetings]

        return await paginate(
            page,
            CREATED_DESC,
            fetch=lambda after, limit: self.meetings.page_in_group(group.id, after, limit),
            to_read=shown,
            count=lambda: self.meetings.count_in_group(group.id),
            page_type=MeetingPage,
        )

    async def get_meeting(
        self, principal: Principal, group_id: UUID, meeting_id: UUID
    ) -> MeetingRead:
        """One meeting with its decisions (audited). Raises NotFound."""
        authorize(self.uow, principal, policies.READ_GROUPS, MEETING, meeting_id)
        group = await require_group(self.uow, principal, group_id)
        meeting = await require(self.meetings.get_in_group(group.id, meeting_id), "Meeting")
        self._audit_read(principal, MEETING, meeting.id, group)
        return self._meeting_read(principal, meeting)

    async def get_meetings(
        self, principal: Principal, meeting_ids: Sequence[UUID]
    ) -> list[MeetingRead]:
        """Those among ``meeting_ids`` of the groups in the caller's scope, each as
        :meth:`get_meeting` answers and audits it; one statement whatever their number (a
        device's first pull)."""
        authorize(self.uow, principal, policies.READ_GROUPS, MEETING)
        groups = self.groups.ids_in_scope(leadership_scope(principal))
        meetings = await self.meetings.in_groups_by_ids(meeting_ids, groups)
        for meeting in meetings:
            self._audit_read(principal, MEETING, meeting.id, meeting)
        return [self._meeting_read(principal, meeting) for meeting in meetings]

    # -- helpers --------------------------------------------------------------------------
    def _audit_read(
        self,
        principal: Principal,
        entity: str,
        record_id: UUID,
        group: LeaderGroup | LeaderGroupMember | LeaderGroupMeeting,
    ) -> None:
        # (A group's records are of its organisation: any of them names it.)
        record(
            self.uow,
            principal,
            AuditAction.read,
            entity,
            record_id,
            organization_id=group.organization_id,
        )

    @staticmethod
    def _member_read(principal: Principal, row: MemberRow) -> MemberRead:
        people = leadership_scope(principal).sees_people
        member = row.member
        return MemberRead(
            id=member.id,
            group_id=member.group_id,
            role=member.role,
            joined_on=member.joined_on,
            left_on=member.left_on,
            user_id=member.user_id if people else None,
            full_name=row.full_name if people else None,
            survivor_id=row.visible_survivor_id if people else None,
            created_at=member.created_at,
            updated_at=member.updated_at,
            version=member.version,
        )

    def _meeting_read(
        self, principal: Principal, meeting: LeaderGroupMeeting, decisions: list[str] | None = None
    ) -> MeetingRead:
        if decisions is None:
            decisions = []
            if meeting.minutes_enc is not None:
                minutes = self.uow.cipher.open_json(meeting.minutes_enc, _minutes_place(meeting.id))
                decisions = list(minutes.get("decisions") or ())
        return MeetingRead(
            id=meeting.id,
            group_id=meeting.group_id,
            held_on=meeting.held_on,
            agenda=meeting.agenda,
            attended_member_ids=list(meeting.attended_member_ids),
            attendance=len(meeting.attended_member_ids),
            decisions=decisions,
            created_by=shown_author(principal, meeting.created_by),
            created_at=meeting.created_at,
            version=meeting.version,
        )


def _group_read(group: LeaderGroup, current_members: int) -> LeaderGroupRead:
    return LeaderGroupRead(
        id=group.id,
        organization_id=group.organization_id,
        name=group.name,
        district_id=group.district_id,
        formed_on=group.formed_on,
        forum_organization_id=group.forum_organization_id,
        current_members=current_members,
        created_at=group.created_at,
        updated_at=group.updated_at,
        version=group.version,
    )
