"""Self-help groups (issue 4): about ten groups in South and North 24 Parganas, most of the lead
organisation's in its federations (Upa Sangha -> Sangha Samabay -> Mahasangha), two of them
the partner's; ten to fifteen women each, some of them the organisation's survivors (never
another organisation's) among other women of the village; a year of weekly collection sheets
(attendance varies, savings mostly regular, some missed, fines for the late); internal loans
applied for, approved, handed over and repaid (on time, late, or not: some overdue, one
written off); revolving and community investment funds received, and a bank loan for a mature
group. Groups keep their books well or badly, so their Panchasutra grades differ.

The program manager forms the groups and federations and enrols the members (she may see
every survivor of the organisation); the district's social worker keeps each group's books,
as she would through the API: collection sheets, loans, bank deposits and withdrawals,
funds received. The partner's manager keeps the partner's groups (no survivors there).

Scale: ``--survivors`` / 14 groups (three at least, ten at most): the small runs of the tests
get the first three (a strong, a middling and a struggling group), each with its full year.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import UUID

from domain.common.principal import Principal
from domain.shgs import loans as loan_math
from domain.shgs.books import LedgerService, LoanService
from domain.shgs.collection import CollectionService
from domain.shgs.schemas import (
    AttendanceLine,
    BankLinkage,
    CollectionSheet,
    DisbursalLine,
    FederationCreate,
    FineLine,
    LedgerEntryCreate,
    LoanApproval,
    LoanCreate,
    MemberCreate,
    RepaymentLine,
    SavingsLine,
    ShgCreate,
    ShgUpdate,
)
from domain.shgs.service import ShgService
from persistence.models.livelihood_vocabulary import (
    Attendance,
    FederationTier,
    InterestMethod,
    LedgerKind,
    LoanKind,
    MeetingFrequency,
    ShgRole,
    ShgStatus,
    Weekday,
)
from seeds.context import DemoContext, DemoSurvivor
from seeds.vocabulary import (
    NORTH_24_PARGANAS,
    SOUTH_24_PARGANAS,
    survivor_name,
    village,
)

ADULT = 18
RUPEE = 100
WEEKS = 52  # a year of weekly meetings for a group formed a year ago
FIRST_LOAN_WEEK = 6  # the group lends once its savings have built up
CASH_FLOAT = 1_000 * RUPEE  # what the treasurer keeps in hand; the rest goes to the bank
GROUPS_PER_SURVIVORS = 14
MIN_GROUPS, MAX_GROUPS = 3, 10
WEEKDAYS = list(Weekday)


@dataclass(frozen=True)
class Quality:
    """How well a group keeps its norms: meetings held, attendance, savings, minutes, and how
    its borrowers repay (shares of punctual, late and stopping payers)."""

    held: float
    attend: float
    save: float
    minutes: float
    lend: float  # chance of a new loan application at a meeting
    punctual: float
    late: float  # punctual and late payers together; the rest stop after a few instalments


STRONG = Quality(held=1.0, attend=0.95, save=0.97, minutes=0.98, lend=0.5, punctual=0.95, late=1)
STEADY = Quality(
    held=0.95, attend=0.88, save=0.88, minutes=0.85, lend=0.35, punctual=0.75, late=0.95
)
WEAK = Quality(held=0.78, attend=0.62, save=0.6, minutes=0.5, lend=0.3, punctual=0.35, late=0.7)


@dataclass(frozen=True)
class Plan:
    """One group: where, whose, how old (in weeks of meetings), how big, how well kept, and
    the weeks its funds and bank loan arrive (None: not yet)."""

    name: str
    district: UUID
    gram_panchayat: str
    organization: str  # "lead" or "partner"
    federation: str | None  # key of its Upa Sangha
    weeks: int
    members: int
    survivors: int
    quality: Quality
    saving_rupees: int
    rate_bps: int
    bank: str
    rf_week: int | None = None
    cif_week: int | None = None
    bank_loan_week: int | None = None
    stopped_weeks: int = 0  # dormant: no meeting in the last weeks
    status: ShgStatus = ShgStatus.active
    write_off: bool = False


S24, N24 = SOUTH_24_PARGANAS, NORTH_24_PARGANAS
# The first three make the small runs: a strong, a middling and a struggling group.
PLANS = (
    Plan("Maa Sarada Mahila SHG (demo)", S24, "Matla", "lead", "s24.upa.1", WEEKS, 14, 3,
         STRONG, 50, 2400, "Paschim Banga Gramin Bank", rf_week=14, cif_week=34,
         bank_loan_week=30),
    Plan("Ekata Mahila SHG (demo)", N24, "Dulduli", "lead", "n24.upa.1", WEEKS, 12, 3, STEADY,
         30, 2400, "Bangiya Gramin Vikash Bank", rf_week=16),
    Plan("Nari Shakti SHG (demo)", S24, "Matla", "lead", "s24.upa.2", WEEKS, 11, 2, WEAK, 20,
         2400, "State Bank of India", rf_week=22, write_off=True),
    Plan("Jagori Mahila SHG (demo)", N24, "Dulduli", "lead", "n24.upa.1", WEEKS, 13, 2, STRONG,
         40, 1800, "Bangiya Gramin Vikash Bank", rf_week=14, cif_week=40),
    Plan("Sonar Bangla SHG (demo)", S24, "Matla", "lead", "s24.upa.1", 40, 12, 2, STEADY, 30,
         2400, "Paschim Banga Gramin Bank"),  # eligible for its revolving fund
    Plan("Ichamati Sakhi SHG (demo)", N24, "Sahebkhali", "partner", None, WEEKS, 12, 0, STEADY,
         20, 2400, "Punjab National Bank", rf_week=20),
    Plan("Annapurna Mahila SHG (demo)", S24, "Kultali", "lead", "s24.upa.2", WEEKS, 15, 2,
         STEADY, 25, 2400, "State Bank of India", rf_week=16),
    Plan("Alor Disha SHG (demo)", N24, "Sahebkhali", "lead", "n24.upa.1", 30, 10, 2, WEAK, 20,
         2400, "Bangiya Gramin Vikash Bank", stopped_weeks=8, status=ShgStatus.dormant),
    Plan("Natun Asha SHG (demo)", S24, "Kultali", "lead", None, 10, 10, 1, STEADY, 20, 2400,
         "India Post Payments Bank", status=ShgStatus.forming),
    Plan("Sabuj Sathi SHG (demo)", N24, "Hingalganj", "partner", None, WEEKS, 13, 0, STRONG,
         30, 2400, "Punjab National Bank", rf_week=15),
)  # fmt: skip

# The lead organisation's federations: tier, name, parent key, district.
FEDERATIONS = (
    ("s24.maha", FederationTier.mahasangha, "Canning II Mahasangha (demo)", None, S24),
    ("s24.samabay", FederationTier.sangha_samabay, "Matla Sangha Samabay (demo)", "s24.maha", S24),
    ("s24.upa.1", FederationTier.upa_sangha, "Matla Upa Sangha 1 (demo)", "s24.samabay", S24),
    ("s24.upa.2", FederationTier.upa_sangha, "Matla Upa Sangha 2 (demo)", "s24.samabay", S24),
    ("n24.maha", FederationTier.mahasangha, "Hingalganj Mahasangha (demo)", None, N24),
    ("n24.samabay", FederationTier.sangha_samabay, "Dulduli Sangha Samabay (demo)", "n24.maha",
     N24),
    ("n24.upa.1", FederationTier.upa_sangha, "Dulduli Upa Sangha 1 (demo)", "n24.samabay", N24),
)  # fmt: skip
LOAN_PURPOSES = (
    "Sewing machine (demo)",
    "Goats (demo)",
    "Ducks and hens (demo)",
    "Stock for a grocery corner (demo)",
    "Son's school fees (demo)",
    "Paddy seeds and fertiliser (demo)",
    "Repairing the roof before the monsoon (demo)",
    "Medical treatment (demo)",
    "Fishing net (demo)",
)
LOAN_RUPEES = (2_000, 3_000, 4_000, 5_000, 6_000, 8_000, 10_000)
TENURES = (3, 4, 6, 6, 10, 12, 12)
RF_RUPEES, CIF_RUPEES, BANK_LOAN_RUPEES = 15_000, 60_000, 150_000


def group_count(survivors: int) -> int:
    return max(MIN_GROUPS, min(MAX_GROUPS, round(survivors / GROUPS_PER_SURVIVORS)))


@dataclass
class _Member:
    id: UUID
    joined: int  # the week she joined
    reliability: float  # how much likelier than the group's usual to attend and save
    missed_saving: bool = False


@dataclass
class _Loan:
    id: UUID
    member: _Member
    principal: int
    tenure: int
    method: InterestMethod
    applied: int  # week
    payer: str  # "punctual", "late", "stops"
    lag_weeks: int
    stop_after: int
    approved: bool = False
    disbursed_on: date | None = None
    schedule: list[loan_math.Instalment] = field(default_factory=list)
    paid: int = 0  # instalments paid so far
    written_off: bool = False


@dataclass
class _Books:
    """What the seeder tracks of a group's money, to keep its books above zero."""

    cash: int = 0
    bank: int = 0


@dataclass
class _Group:
    plan: Plan
    id: UUID
    keeper: Principal
    days: list[date]
    members: list[_Member] = field(default_factory=list)
    loans: list[_Loan] = field(default_factory=list)
    books: _Books = field(default_factory=_Books)
    bank_loan_id: UUID | None = None
    bank_schedule: list[loan_math.Instalment] = field(default_factory=list)
    bank_paid: int = 0


HOME_BEFORE_JOINING = timedelta(days=30)
DORMANT_AFTER_WEEKS = 6


async def seed_shgs(ctx: DemoContext) -> None:
    rng = ctx.rng("shgs")
    manager = ctx.manager.principal
    federations = await _federations(ctx, manager)
    taken: set[UUID] = set()
    for index, plan in enumerate(PLANS[: group_count(ctx.options.survivors)]):
        group = await _form(ctx, rng, index, plan, federations, taken)
        await _keep_books(ctx, rng, group)


async def _federations(ctx: DemoContext, manager: Principal) -> dict[str, UUID]:
    service = ShgService(ctx.uow)
    made: dict[str, UUID] = {}
    ctx.at(ctx.began_on)  # the federations were there before the groups
    for key, tier, name, parent, district in FEDERATIONS:
        read = await service.create_federation(
            manager,
            FederationCreate(
                tier=tier,
                name=name,
                parent_id=made[parent] if parent else None,
                district_id=district,
            ),
        )
        made[key] = read.id
        ctx.counts["shg federations"] += 1
    return made


def _meeting_days(ctx: DemoContext, rng: random.Random, plan: Plan) -> tuple[Weekday, list[date]]:
    """The group's weekday and its weekly meeting days, the latest on or before today (or
    ``stopped_weeks`` before it)."""
    weekday = rng.choice(WEEKDAYS[:6])
    last = ctx.today - timedelta(days=(ctx.today.weekday() - WEEKDAYS.index(weekday)) % 7)
    last -= timedelta(weeks=plan.stopped_weeks)
    first = last - timedelta(weeks=plan.weeks - 1 - plan.stopped_weeks)
    days = [first + timedelta(weeks=k) for k in range(plan.weeks - plan.stopped_weeks)]
    return weekday, days


async def _form(
    ctx: DemoContext,
    rng: random.Random,
    index: int,
    plan: Plan,
    federations: dict[str, UUID],
    taken: set[UUID],
) -> _Group:
    """The group, its bank account and its members: women of the village, and some of the
    district's adult survivors who are in no group yet (a survivor is in one group at most)."""
    if plan.organization == "lead":
        former = ctx.manager.principal
        workers = ctx.workers(plan.district)
        keeper_principal = workers[index % len(workers)].principal
    else:
        former = keeper_principal = ctx.users["partner.manager"].principal
    weekday, days = _meeting_days(ctx, rng, plan)
    formed = days[0]
    service = ShgService(ctx.uow)
    account = f"00{rng.randrange(10**12):012d}"
    ctx.at(formed)
    shg = await service.create_group(
        former,
        ShgCreate(
            name=plan.name,
            formed_on=formed,
            village=village(rng),
            gram_panchayat=plan.gram_panchayat,
            district_id=plan.district,
            federation_id=federations[plan.federation] if plan.federation else None,
            meeting_frequency=MeetingFrequency.weekly,
            meeting_day=weekday,
            saving_per_meeting_paise=plan.saving_rupees * RUPEE,
            interest_rate_bps=plan.rate_bps,
            bank_linkage=BankLinkage(
                bank_name=plan.bank,
                bank_branch=plan.gram_panchayat,
                account_number=account,
                opened_on=min(formed + timedelta(days=rng.randint(10, 40)), ctx.today),
            ),
            # A dormant group was active until it stopped meeting (it is marked so last).
            status=ShgStatus.active if plan.status is ShgStatus.dormant else plan.status,
        ),
    )
    ctx.counts["self-help groups"] += 1
    group = _Group(plan=plan, id=shg.id, keeper=keeper_principal, days=days)

    survivors: list[DemoSurvivor] = []
    if plan.organization == "lead":
        # Only a survivor who is home joins: a month after she came back at the earliest
        # (from her latest trafficking), while the group still meets.
        eligible = [
            s
            for s in ctx.survivors
            if s.district_id == plan.district
            and s.age >= ADULT
            and s.id not in taken
            and _home_week(s, days) is not None
        ]
        # Those home before the group formed are its founding members; others join later.
        founders = [s for s in eligible if _home_week(s, days) == 0]
        joiners = [s for s in eligible if _home_week(s, days) != 0]
        survivors = rng.sample(founders, min(plan.survivors, len(founders)))
        survivors += rng.sample(joiners, min(plan.survivors - len(survivors), len(joiners)))
        taken.update(s.id for s in survivors)
    # Offices go to other women of the village, but now and then a survivor is the secretary.
    others = plan.members - len(survivors)
    seats: list[DemoSurvivor | None] = [None] * others + list(survivors)
    if survivors and rng.random() < 0.5:
        seats[1], seats[-1] = seats[-1], seats[1]
    roles = [ShgRole.president, ShgRole.secretary, ShgRole.treasurer]
    late_joiner = plan.members - 2 if plan.weeks >= 30 and rng.random() < 0.6 else None
    names: set[tuple[str, str]] = set()
    for number, seat in enumerate(seats):
        joined = rng.randint(plan.weeks // 3, plan.weeks // 2) if number == late_joiner else 0
        if seat is not None:
            joined = max(joined, _home_week(seat, days) or 0)
        role = roles[number] if number < len(roles) else ShgRole.member
        if seat is None:
            given, family = survivor_name(rng, boy=False)
            while (given, family) in names:
                given, family = survivor_name(rng, boy=False)
            names.add((given, family))
            body = MemberCreate(name=f"{given} {family}", role=role, joined_on=days[joined])
        else:
            body = MemberCreate(survivor_id=seat.id, role=role, joined_on=days[joined])
            ctx.counts["shg members (survivors)"] += 1
        ctx.at(days[joined])
        read = await service.add_member(former, shg.id, body)
        group.members.append(_Member(read.id, joined, rng.uniform(0.9, 1.08)))
        ctx.counts["shg members"] += 1
    return group


def _home_week(survivor: DemoSurvivor, days: list[date]) -> int | None:
    """The first of the group's meetings she can join: a month after she came home from her
    latest trafficking; None when that is after its last meeting."""
    home_on = survivor.plans[-1].returned_on + HOME_BEFORE_JOINING
    return next((week for week, day in enumerate(days) if day >= home_on), None)


async def _keep_books(ctx: DemoContext, rng: random.Random, group: _Group) -> None:
    """Week by week: the funds that arrive, the loans approved, the collection sheet, the
    loans applied for, and the cash banked."""
    plan, quality = group.plan, group.plan.quality
    ledger = LedgerService(ctx.uow)
    lending = LoanService(ctx.uow)
    collection = CollectionService(ctx.uow)
    last = len(group.days) - 1
    written_off = False
    for week, day in enumerate(group.days):
        ctx.at(day)  # the week's books are written up at its meeting
        previous = group.days[week - 1] if week else day - timedelta(days=1)
        await _repay_bank(ctx, ledger, group, previous, day)
        await _funds(ctx, lending, ledger, group, week, day)
        for loan in group.loans:
            if not loan.approved and loan.applied == week - 1:
                await lending.approve(
                    group.keeper, group.id, loan.id, LoanApproval(approved_on=day)
                )
                loan.approved = True
        held = week in (0, last) or rng.random() < quality.held
        if not held:
            continue
        sheet, cash_in = _sheet(rng, group, week, day)
        # Loans approved are handed over at the meeting (not the last one: those approved then
        # wait for the next), drawing from the bank when the cash in hand is short.
        waiting = [
            loan
            for loan in group.loans
            if loan.approved and loan.disbursed_on is None and week < last
        ]
        disbursing: list[_Loan] = []
        for loan in waiting:
            short = loan.principal - (group.books.cash + cash_in - _sum(disbursing))
            if short > 0:
                draw = -(-short // (100 * RUPEE)) * 100 * RUPEE
                if group.books.bank - _bank_reserve(group) < draw:
                    continue
                await ledger.post_entry(
                    group.keeper,
                    group.id,
                    LedgerEntryCreate(
                        kind=LedgerKind.bank_withdrawal, amount_paise=draw, entry_date=day
                    ),
                )
                ctx.counts["shg bank deposits and withdrawals"] += 1
                group.books.bank -= draw
                group.books.cash += draw
            disbursing.append(loan)
        sheet.disbursals = [DisbursalLine(loan_id=loan.id) for loan in disbursing]
        if disbursing and sheet.minutes is not None:
            sheet.minutes += f"; {len(disbursing)} loan(s) handed over"
        await collection.record(group.keeper, group.id, sheet)
        ctx.counts["shg meetings"] += 1
        group.books.cash += cash_in - _sum(disbursing)
        for loan in disbursing:
            loan.disbursed_on = day
            loan.schedule = loan_math.schedule(
                loan.principal, plan.rate_bps, loan.tenure, loan.method, day
            )
        if plan.write_off and not written_off:
            written_off = await _write_off(lending, group, week)
        await _applications(ctx, rng, lending, group, week, day, force=week >= last - 1)
        if week % 4 == 3 and group.books.cash > 2 * CASH_FLOAT:
            deposit = (group.books.cash - CASH_FLOAT) // (100 * RUPEE) * 100 * RUPEE
            await ledger.post_entry(
                group.keeper,
                group.id,
                LedgerEntryCreate(
                    kind=LedgerKind.bank_deposit, amount_paise=deposit, entry_date=day
                ),
            )
            ctx.counts["shg bank deposits and withdrawals"] += 1
            group.books.cash -= deposit
            group.books.bank += deposit
    ctx.at(ctx.today)
    await _repay_bank(ctx, ledger, group, group.days[-1], ctx.today)
    if plan.status is ShgStatus.dormant:
        # Marked dormant some weeks after its last meeting.
        ctx.at(min(group.days[-1] + timedelta(weeks=DORMANT_AFTER_WEEKS), ctx.today))
        service = ShgService(ctx.uow)
        shg = await service.get_group(group.keeper, group.id)
        await service.update_group(
            group.keeper, group.id, ShgUpdate(status=ShgStatus.dormant), shg.version
        )
    for loan in group.loans:
        status = (
            "written_off"
            if loan.written_off
            else "closed"
            if loan.schedule and loan.paid == len(loan.schedule)
            else "disbursed"
            if loan.disbursed_on
            else "approved"
            if loan.approved
            else "applied"
        )
        ctx.counts[f"shg loans ({status})"] += 1
        if status == "disbursed" and any(
            i.number > loan.paid and i.due_on <= ctx.today for i in loan.schedule
        ):
            ctx.counts["shg loans overdue"] += 1


def _sum(loans: list[_Loan]) -> int:
    return sum(loan.principal for loan in loans)


def _bank_reserve(group: _Group) -> int:
    """What stays in the bank for the next two instalments of the bank loan."""
    coming = group.bank_schedule[group.bank_paid : group.bank_paid + 2]
    return sum(i.total_paise for i in coming)


def _sheet(rng: random.Random, group: _Group, week: int, day: date) -> tuple[CollectionSheet, int]:
    """The meeting's attendance, savings, fines and repayments (no disbursal yet), and the
    cash they bring in."""
    plan, quality = group.plan, group.plan.quality
    saving = plan.saving_rupees * RUPEE
    attendance, savings, fines = [], [], []
    present = 0
    for member in group.members:
        if member.joined > week:
            continue
        attends = rng.random() < min(0.99, quality.attend * member.reliability)
        if attends:
            status = Attendance.late if rng.random() < 0.08 else Attendance.present
            present += 1
        else:
            status = rng.choice(
                (Attendance.absent, Attendance.absent, Attendance.approved_leave, Attendance.leave)
            )
        attendance.append(AttendanceLine(member_id=member.id, status=status))
        chance = quality.save * member.reliability * (1 if attends else 0.4)
        if rng.random() < min(0.995, chance):
            double = member.missed_saving and rng.random() < 0.5
            savings.append(
                SavingsLine(member_id=member.id, amount_paise=saving * (2 if double else 1))
            )
            member.missed_saving = False
        else:
            member.missed_saving = True
        if status is Attendance.late and rng.random() < 0.5:
            fines.append(FineLine(member_id=member.id, amount_paise=5 * RUPEE))
        elif status is Attendance.absent and rng.random() < 0.4:
            fines.append(FineLine(member_id=member.id, amount_paise=10 * RUPEE))
    repayments = _repayments(group, week, day)
    minutes = None
    if week == 0 or rng.random() < quality.minutes:
        collected = sum(s.amount_paise for s in savings) // RUPEE
        minutes = (
            f"(demo minutes) {present} of {len(attendance)} members present; savings of "
            f"Rs {collected} collected"
        )
        if repayments:
            minutes += f"; {len(repayments)} loan repayment(s) received"
    cash_in = (
        sum(s.amount_paise for s in savings)
        + sum(f.amount_paise for f in fines)
        + sum(r.principal_paise + r.interest_paise for r in repayments)
    )
    sheet = CollectionSheet(
        held_on=day,
        attendance=attendance,
        minutes=minutes,
        resolutions=(
            ["(demo resolution) Next meeting at the anganwadi centre."] if week == 0 else []
        ),
        savings=savings,
        repayments=repayments,
        fines=fines,
    )
    return sheet, cash_in


def _repayments(group: _Group, week: int, day: date) -> list[RepaymentLine]:
    """What each borrower pays today: a punctual one every instalment due before the next
    meeting, a late one those due some weeks ago, one who stopped nothing more."""
    lines = []
    for loan in group.loans:
        if loan.disbursed_on is None or loan.disbursed_on >= day or loan.written_off:
            continue
        if loan.payer == "punctual":
            horizon = day + timedelta(days=6)
        else:
            horizon = day - timedelta(weeks=loan.lag_weeks)
        due = [i for i in loan.schedule[loan.paid :] if i.due_on <= horizon]
        if loan.payer == "stops":
            due = [i for i in due if i.number <= loan.stop_after]
        if not due:
            continue
        lines.append(
            RepaymentLine(
                loan_id=loan.id,
                principal_paise=sum(i.principal_paise for i in due),
                interest_paise=sum(i.interest_paise for i in due),
            )
        )
        loan.paid += len(due)
    return lines


async def _write_off(lending: LoanService, group: _Group, week: int) -> bool:
    """The group writes off a loan whose borrower stopped paying and left for work outside
    the state: once four instalments past her last one have fallen due."""
    for loan in group.loans:
        if loan.payer != "stops" or loan.disbursed_on is None or loan.written_off:
            continue
        overdue = [i for i in loan.schedule[loan.paid :] if i.due_on <= group.days[week]]
        if len(overdue) >= 4:
            await lending.write_off(group.keeper, group.id, loan.id)
            loan.written_off = True
            return True
    return False


async def _applications(
    ctx: DemoContext,
    rng: random.Random,
    lending: LoanService,
    group: _Group,
    week: int,
    day: date,
    *,
    force: bool,
) -> None:
    """At most one application a meeting, from a member with no loan open, for what the
    group can lend. The strong groups' last two meetings always take one (so that loans stand
    approved and applied for at the end)."""
    plan, quality = group.plan, group.plan.quality
    if week < FIRST_LOAN_WEEK:
        return
    first_of_weak = plan.write_off and not group.loans  # the loan to be written off
    if not (rng.random() < quality.lend or (force and quality is STRONG) or first_of_weak):
        return
    busy = {loan.member.id for loan in group.loans if not _finished(loan)}
    # A strong group's last two members borrow only at its last two meetings, so that
    # someone is free to apply then whatever the others have borrowed.
    reserved = {m.id for m in group.members[-2:]} if quality is STRONG else set()
    free = [
        m
        for m in group.members
        if m.joined <= week and m.id not in busy and (force or m.id not in reserved)
    ]
    if force:
        free = [m for m in free if m.id in reserved] or free
    if not free:
        return
    pending = sum(loan.principal for loan in group.loans if loan.disbursed_on is None)
    funds = group.books.cash + group.books.bank - _bank_reserve(group) - pending
    wanted = rng.choice(LOAN_RUPEES) * RUPEE
    if group.bank_loan_id is not None or (plan.cif_week is not None and week > plan.cif_week):
        wanted *= 2
    principal = min(wanted, int(funds * 0.8)) // (500 * RUPEE) * 500 * RUPEE
    if principal < 500 * RUPEE:
        return
    member = rng.choice(free)
    roll = rng.random()
    payer = (
        "stops"
        if first_of_weak
        else "punctual"
        if roll < quality.punctual
        else "late"
        if roll < quality.late
        else "stops"
    )
    tenure = 6 if first_of_weak else rng.choice(TENURES)
    method = InterestMethod.flat if rng.random() < 0.3 else InterestMethod.declining_balance
    read = await lending.apply(
        group.keeper,
        group.id,
        LoanCreate(
            kind=LoanKind.internal,
            member_id=member.id,
            purpose=rng.choice(LOAN_PURPOSES),
            principal_paise=principal,
            tenure_months=tenure,
            interest_method=method,
            applied_on=day,
        ),
    )
    ctx.counts["shg internal loans"] += 1
    group.loans.append(
        _Loan(
            id=read.id,
            member=member,
            principal=principal,
            tenure=tenure,
            method=method,
            applied=week,
            payer=payer,
            lag_weeks=rng.randint(1, 3),
            stop_after=1 if first_of_weak else rng.randint(1, max(1, tenure // 2)),
        )
    )


def _finished(loan: _Loan) -> bool:
    return loan.written_off or (bool(loan.schedule) and loan.paid == len(loan.schedule))


async def _funds(
    ctx: DemoContext,
    lending: LoanService,
    ledger: LedgerService,
    group: _Group,
    week: int,
    day: date,
) -> None:
    """The revolving fund and the community investment fund received in the bank, and the
    bank loan (applied for three weeks before it arrives, approved one week before)."""
    plan = group.plan

    async def receive(kind: LedgerKind, rupees: int, loan_id: UUID | None = None) -> None:
        await ledger.post_entry(
            group.keeper,
            group.id,
            LedgerEntryCreate(
                kind=kind, amount_paise=rupees * RUPEE, entry_date=day, loan_id=loan_id
            ),
        )
        group.books.bank += rupees * RUPEE

    if week == plan.rf_week:
        await receive(LedgerKind.revolving_fund_receipt, RF_RUPEES)
        ctx.counts["shg revolving funds"] += 1
    if week == plan.cif_week:
        await receive(LedgerKind.community_investment_fund_receipt, CIF_RUPEES)
        ctx.counts["shg community investment funds"] += 1
    if plan.bank_loan_week is None:
        return
    if week == plan.bank_loan_week - 3:
        read = await lending.apply(
            group.keeper,
            group.id,
            LoanCreate(
                kind=LoanKind.bank,
                lender=plan.bank,
                purpose="First linkage: members' enterprises (demo)",
                principal_paise=BANK_LOAN_RUPEES * RUPEE,
                annual_rate_bps=700,
                tenure_months=36,
                interest_method=InterestMethod.declining_balance,
                applied_on=day,
            ),
        )
        group.bank_loan_id = read.id
        ctx.counts["shg bank loans"] += 1
    elif week == plan.bank_loan_week - 1 and group.bank_loan_id is not None:
        await lending.approve(
            group.keeper, group.id, group.bank_loan_id, LoanApproval(approved_on=day)
        )
    elif week == plan.bank_loan_week and group.bank_loan_id is not None:
        await receive(LedgerKind.bank_loan_receipt, BANK_LOAN_RUPEES, group.bank_loan_id)
        group.bank_schedule = loan_math.schedule(
            BANK_LOAN_RUPEES * RUPEE, 700, 36, InterestMethod.declining_balance, day
        )


async def _repay_bank(
    ctx: DemoContext, ledger: LedgerService, group: _Group, after: date, day: date
) -> None:
    """The bank takes each instalment of its loan from the group's account when it falls
    due."""
    if group.bank_loan_id is None:
        return
    for instalment in group.bank_schedule[group.bank_paid :]:
        if not after < instalment.due_on <= day:
            break
        for kind, amount in (
            (LedgerKind.bank_loan_repayment, instalment.principal_paise),
            (LedgerKind.interest, instalment.interest_paise),
        ):
            await ledger.post_entry(
                group.keeper,
                group.id,
                LedgerEntryCreate(
                    kind=kind,
                    amount_paise=amount,
                    entry_date=instalment.due_on,
                    loan_id=group.bank_loan_id,
                ),
            )
        group.books.bank -= instalment.total_paise
        group.bank_paid += 1
        ctx.counts["shg bank loan instalments paid"] += 1
