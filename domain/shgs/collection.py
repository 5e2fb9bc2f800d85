"""Meetings and their collection sheets: one request records a meeting's attendance, minutes
and resolutions (sealed in ``Place("shg_meeting", "minutes_enc", id)``) and all its money,
whole or not at all.

Retries: the mobile app resends a sheet it is not sure arrived. With the same
Idempotency-Key the stored answer comes back (api/idempotency.py). Without it, or with a new
key, a second sheet for the same group and date is compared with the first: when it records
the same meeting (same attendance, minutes, resolutions and money lines, in any order) the
first sheet is answered again and nothing is written; otherwise 409, naming the meeting
recorded (correct it by reversing entries, and by posting what was missed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, record
from domain.common.errors import BusinessRuleViolation, Conflict
from domain.common.ids import reject_taken_id
from domain.common.listing import Keyset, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import require
from domain.shgs import policies
from domain.shgs.access import check_day, require_group, require_open
from domain.shgs.posting import Posting, check_posting, new_entry, post
from domain.shgs.schemas import (
    AttendanceRead,
    CollectionSheet,
    LedgerEntryRead,
    MeetingPage,
    MeetingRead,
    MeetingSummary,
    SheetTotals,
)
from persistence.crypto import Place
from persistence.models.enums import AuditAction
from persistence.models.livelihood_vocabulary import Attendance, LedgerKind
from persistence.models.shg import Shg
from persistence.models.shg_loan import ShgLoan
from persistence.models.shg_meeting import ShgMeeting
from persistence.repositories.shgs import (
    LedgerRepository,
    LoanRepository,
    MeetingRepository,
    MemberRepository,
    ShgRepository,
)
from persistence.uow import UnitOfWork

MEETING, LOAN = "shg_meeting", "shg_loan"
# Which way each kind moves cash at a meeting, for the sheet's totals.
_CASH_IN = {LedgerKind.savings_deposit, LedgerKind.principal_repayment, LedgerKind.interest}
_CASH_IN |= {LedgerKind.fine}


MEETINGS_HELD: Keyset[Mapping[str, Any]] = Keyset(
    "held", 2, lambda row: (row["held_on"].toordinal(), row["id"])
)


def minutes_place(meeting_id: UUID) -> Place:
    return Place(MEETING, "minutes_enc", meeting_id)


def _line_key(kind: str, member_id: UUID | None, loan_id: UUID | None, amount: int | None) -> Any:
    # A loan's entries are compared by loan (its member follows from it), a disbursal without
    # its amount (it is always the loan's principal).
    return (
        str(kind),
        None if loan_id is not None else (str(member_id) if member_id else None),
        str(loan_id) if loan_id else None,
        None if kind == LedgerKind.loan_disbursal else amount,
    )


def _sheet_lines(sheet: CollectionSheet) -> Counter[Any]:
    lines: list[Any] = []
    lines += [
        _line_key(LedgerKind.savings_deposit, s.member_id, None, s.amount_paise)
        for s in sheet.savings
    ]
    for r in sheet.repayments:
        if r.principal_paise:
            lines.append(
                _line_key(LedgerKind.principal_repayment, None, r.loan_id, r.principal_paise)
            )
        if r.interest_paise:
            lines.append(_line_key(LedgerKind.interest, None, r.loan_id, r.interest_paise))
    lines += [_line_key(LedgerKind.loan_disbursal, None, d.loan_id, None) for d in sheet.disbursals]
    lines += [_line_key(LedgerKind.fine, f.member_id, None, f.amount_paise) for f in sheet.fines]
    return Counter(lines)


def _entry_read(row: Mapping[str, Any]) -> LedgerEntryRead:
    return LedgerEntryRead.model_validate(row)


def _totals(entries: Sequence[LedgerEntryRead]) -> SheetTotals:
    sums: dict[LedgerKind, int] = {}
    for entry in entries:
        if entry.reverses_id is None:
            sums[entry.kind] = sums.get(entry.kind, 0) + entry.amount_paise
    cash_in = sum(v for k, v in sums.items() if k in _CASH_IN)
    disbursed = sums.get(LedgerKind.loan_disbursal, 0)
    return SheetTotals(
        savings_paise=sums.get(LedgerKind.savings_deposit, 0),
        principal_repaid_paise=sums.get(LedgerKind.principal_repayment, 0),
        interest_paise=sums.get(LedgerKind.interest, 0),
        disbursed_paise=disbursed,
        fines_paise=sums.get(LedgerKind.fine, 0),
        net_cash_paise=cash_in - disbursed,
    )


class CollectionService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.meetings = MeetingRepository(uow)
        self.members = MemberRepository(uow)
        self.loans = LoanRepository(uow)
        self.ledger = LedgerRepository(uow)

    async def record(
        self, principal: Principal, shg_id: UUID, sheet: CollectionSheet
    ) -> tuple[MeetingRead, bool]:
        """Record a meeting's collection sheet; returns it and whether it had already been
        recorded (the same sheet sent again). Raises NotFound, InvalidState (closed group),
        Conflict (another sheet for that date, or the id taken), BusinessRuleViolation
        naming the first invalid line (nothing is written then)."""
        authorize(self.uow, principal, policies.MANAGE, MEETING)
        shg = await require_group(self.uow, principal, shg_id, for_update=True)
        require_open(shg)
        check_day(shg, sheet.held_on, "held_on")
        existing = await self.meetings.on_day(shg.id, sheet.held_on)
        if existing is None:
            await reject_taken_id(self.uow, principal, self.meetings, sheet.id, MEETING)
        if existing is not None:
            first = await self._read(existing)
            if sheet.id not in (None, existing.id) or not self._same(first, sheet):
                raise Conflict(
                    "A collection sheet for this group and date is already recorded; correct "
                    "it with reversals and new entries.",
                    extensions={"meeting_id": str(existing.id)},
                )
            return first, True
        await self._check_attendance(shg, sheet)
        meeting = ShgMeeting(
            organization_id=shg.organization_id,
            shg_id=shg.id,
            held_on=sheet.held_on,
            created_by=principal.id,
        )
        if sheet.id is not None:
            meeting.id = sheet.id
        if sheet.minutes is not None or sheet.resolutions:
            meeting.minutes_enc = self.uow.cipher.seal_json(
                {"minutes": sheet.minutes, "resolutions": sheet.resolutions},
                minutes_place(meeting.id),
            )
        postings, loans_by_id = await self._postings(shg, meeting, sheet, principal)
        await self.meetings.add(meeting)
        await self.meetings.add_attendance(
            meeting.id, [(line.member_id, line.status.value) for line in sheet.attendance]
        )
        changed = await post(self.uow, shg, postings, loans_by_id)
        record(self.uow, principal, AuditAction.create, MEETING, meeting.id)
        for loan in changed:
            record(self.uow, principal, AuditAction.update, LOAN, loan.id)
        return await self._read(meeting), False

    async def _check_attendance(self, shg: Shg, sheet: CollectionSheet) -> None:
        active = await self.members.active_ids(shg.id, sheet.held_on)
        seen: set[UUID] = set()
        for index, line in enumerate(sheet.attendance):
            field = f"attendance[{index}].member_id"
            if line.member_id not in active:
                raise BusinessRuleViolation(
                    "Not an active member of the group on the meeting's date.", field=field
                )
            if line.member_id in seen:
                raise BusinessRuleViolation("The member is listed twice.", field=field)
            seen.add(line.member_id)
        missing = len(active - seen)
        if missing:
            raise BusinessRuleViolation(
                f"The attendance must list every active member ({missing} missing).",
                field="attendance",
            )

    async def _postings(
        self, shg: Shg, meeting: ShgMeeting, sheet: CollectionSheet, principal: Principal
    ) -> tuple[list[Posting], dict[UUID, ShgLoan]]:
        member_ids = {s.member_id for s in sheet.savings} | {f.member_id for f in sheet.fines}
        loan_ids = {r.loan_id for r in sheet.repayments} | {d.loan_id for d in sheet.disbursals}
        members = await self.members.of_group(shg.id, member_ids)
        loans_by_id = await self.loans.of_group(shg.id, loan_ids, for_update=True)

        def entry(kind: LedgerKind, amount: int, **links: UUID | None) -> Any:
            return new_entry(
                shg,
                kind,
                amount,
                sheet.held_on,
                meeting_id=meeting.id,
                created_by=principal.id,
                **links,
            )

        postings: list[Posting] = []
        for i, saving in enumerate(sheet.savings):
            postings.append(
                Posting(
                    entry(
                        LedgerKind.savings_deposit, saving.amount_paise, member_id=saving.member_id
                    ),
                    f"savings[{i}]",
                )
            )
        for i, repayment in enumerate(sheet.repayments):
            line = f"repayments[{i}]"
            if repayment.principal_paise:
                postings.append(
                    Posting(
                        entry(
                            LedgerKind.principal_repayment,
                            repayment.principal_paise,
                            loan_id=repayment.loan_id,
                        ),
                        line,
                    )
                )
            if repayment.interest_paise:
                postings.append(
                    Posting(
                        entry(
                            LedgerKind.interest, repayment.interest_paise, loan_id=repayment.loan_id
                        ),
                        line,
                    )
                )
        disbursing: set[UUID] = set()
        for i, disbursal in enumerate(sheet.disbursals):
            loan = loans_by_id.get(disbursal.loan_id)
            if disbursal.loan_id in disbursing:
                raise BusinessRuleViolation(
                    "The loan is disbursed twice.", field=f"disbursals[{i}].loan_id"
                )
            disbursing.add(disbursal.loan_id)
            amount = loan.principal_paise if loan is not None else 1
            postings.append(
                Posting(
                    entry(LedgerKind.loan_disbursal, amount, loan_id=disbursal.loan_id),
                    f"disbursals[{i}]",
                )
            )
        for i, fine in enumerate(sheet.fines):
            postings.append(
                Posting(
                    entry(LedgerKind.fine, fine.amount_paise, member_id=fine.member_id),
                    f"fines[{i}]",
                )
            )
        for posting in postings:
            check_posting(shg, posting, members, loans_by_id, date_field="held_on")
            loan_id = posting.entry.loan_id
            if (
                loan_id in disbursing
                and posting.entry.kind != LedgerKind.loan_disbursal
                and loan_id is not None
            ):
                raise BusinessRuleViolation(
                    "A loan disbursed at this meeting is not repaid at it.",
                    field=posting.field("loan_id"),
                )
        return postings, loans_by_id

    @staticmethod
    def _same(first: MeetingRead, sheet: CollectionSheet) -> bool:
        stored = Counter(
            _line_key(e.kind, e.member_id, e.loan_id, e.amount_paise)
            for e in first.entries
            if e.reverses_id is None
        )
        return (
            first.held_on == sheet.held_on
            and sorted((str(a.member_id), a.status.value) for a in first.attendance)
            == sorted((str(a.member_id), a.status.value) for a in sheet.attendance)
            and first.minutes == sheet.minutes
            and first.resolutions == list(sheet.resolutions)
            and stored == _sheet_lines(sheet)
        )

    async def _read(self, meeting: ShgMeeting) -> MeetingRead:
        return self._sheet(
            meeting,
            await self.ledger.of_meeting(meeting.id),
            await self.meetings.attendance(meeting.id),
        )

    def _sheet(
        self,
        meeting: ShgMeeting,
        entry_rows: Sequence[Mapping[str, Any]],
        attendance: Sequence[tuple[UUID, str]],
    ) -> MeetingRead:
        notes: dict[str, Any] = {}
        if meeting.minutes_enc is not None:
            notes = self.uow.cipher.open_json(meeting.minutes_enc, minutes_place(meeting.id))
        entries = [_entry_read(row) for row in entry_rows]
        return MeetingRead(
            id=meeting.id,
            shg_id=meeting.shg_id,
            held_on=meeting.held_on,
            attendance=[
                AttendanceRead(member_id=member, status=Attendance(status))
                for member, status in attendance
            ],
            minutes=notes.get("minutes"),
            resolutions=list(notes.get("resolutions") or []),
            entries=entries,
            totals=_totals(entries),
            created_at=meeting.created_at,
            version=meeting.version,
        )

    async def get(self, principal: Principal, shg_id: UUID, meeting_id: UUID) -> MeetingRead:
        """One meeting's collection sheet, minutes opened; audited. Raises NotFound."""
        authorize(self.uow, principal, policies.READ, MEETING, meeting_id)
        shg = await require_group(self.uow, principal, shg_id)
        meeting = await require(self.meetings.in_group(shg.id, meeting_id), "Meeting")
        record(self.uow, principal, AuditAction.read, MEETING, meeting.id)
        return await self._read(meeting)

    async def get_many(
        self, principal: Principal, meeting_ids: Sequence[UUID]
    ) -> list[MeetingRead]:
        """Those among ``meeting_ids`` of the groups in the caller's scope, each as
        :meth:`get` answers and audits it; three statements whatever their number (a device's
        first pull)."""
        authorize(self.uow, principal, policies.READ, MEETING)
        groups = ShgRepository(self.uow).ids_in_scope(policies.group_scope(principal))
        meetings = await self.meetings.in_groups_by_ids(meeting_ids, groups)
        ids = [meeting.id for meeting in meetings]
        entries = await self.ledger.of_meetings(ids)
        attendance = await self.meetings.attendances(ids)
        for meeting in meetings:
            record(self.uow, principal, AuditAction.read, MEETING, meeting.id)
        return [self._sheet(m, entries.get(m.id, []), attendance.get(m.id, [])) for m in meetings]

    async def list(self, principal: Principal, shg_id: UUID, page: PageRequest) -> MeetingPage:
        """The group's meetings, latest first, with their counts and money (no minutes).
        Raises NotFound."""
        authorize(self.uow, principal, policies.READ, MEETING)
        shg = await require_group(self.uow, principal, shg_id)
        record(
            self.uow, principal, AuditAction.search, MEETING, organization_id=shg.organization_id
        )
        return await paginate(
            page,
            MEETINGS_HELD,
            fetch=lambda after, limit: self.meetings.summaries(shg.id, after, limit),
            to_read=lambda rows: [MeetingSummary.model_validate(row) for row in rows],
            count=lambda: self.meetings.count_in_group(shg.id),
            page_type=MeetingPage,
        )
