"""A survivor's livelihood records: her plan (one, replaced whole with PUT), her jobs and
enterprises, her monthly income with a three-month average, and where she stands with each
financial product (one record per product, replaced whole with PUT).

Every record is found through the survivor, in the caller's scope (404 outside it), and
carries her organisation and home district. Her aspirations, what and where her work is, and
account numbers are sealed at rest; the audit trail carries ids only.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, record
from domain.common.errors import (
    BusinessRuleViolation,
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
)
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED, paginate
from domain.common.pagination import PageRequest
from domain.common.policy import Policy
from domain.common.principal import Principal
from domain.common.records import check_version, require
from domain.livelihoods import policies
from domain.livelihoods.access import people_only, require_survivor
from domain.livelihoods.schemas import (
    ActivityCreate,
    ActivityPage,
    ActivityRead,
    ActivityUpdate,
    FinancialInclusionOverview,
    FinancialInclusionPut,
    FinancialInclusionRead,
    IncomeAverage,
    IncomeCreate,
    IncomeRead,
    IncomeSeries,
    IncomeSource,
    IncomeUpdate,
    LivelihoodPlanPut,
    LivelihoodPlanRead,
    MonthlyIncome,
    month_start,
)
from persistence.crypto import Place
from persistence.models.base import touch
from persistence.models.enums import AuditAction
from persistence.models.financial_inclusion import FinancialInclusion
from persistence.models.income_record import IncomeRecord
from persistence.models.livelihood_activity import LivelihoodActivity
from persistence.models.livelihood_plan import LivelihoodPlan
from persistence.models.livelihood_vocabulary import (
    ActivityKind,
    FinancialProduct,
    LivelihoodOption,
    ProductStatus,
)
from persistence.models.survivor import Survivor
from persistence.repositories.livelihoods import (
    FinancialInclusionRepository,
    IncomeRecordRepository,
    LivelihoodActivityRepository,
    LivelihoodPlanRepository,
)
from persistence.uow import UnitOfWork

PLAN = policies.PLAN
ACTIVITY = policies.ACTIVITY
INCOME = policies.INCOME
FINANCIAL_INCLUSION = policies.FINANCIAL_INCLUSION
AVERAGE_MONTHS = 3


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after ``month`` (before, when negative)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def monthly_totals(records: Sequence[tuple[date, int]]) -> list[tuple[date, int]]:
    """(month, total) of the months with a record, oldest first."""
    totals: dict[date, int] = {}
    for month, amount in records:
        totals[month] = totals.get(month, 0) + amount
    return sorted(totals.items())


def three_month_average(
    totals: Sequence[tuple[date, int]], to_month: date | None
) -> tuple[date | None, date | None, int, int | None]:
    """(from, to, months recorded, average) over the three calendar months ending with
    ``to_month`` (or the latest month recorded). Months without a record are unknown, not
    zero, and stay out of the average."""
    end = to_month or (totals[-1][0] if totals else None)
    if end is None:
        return None, None, 0, None
    start = add_months(end, 1 - AVERAGE_MONTHS)
    window = [total for month, total in totals if start <= month <= end]
    if not window:
        return start, end, 0, None
    return start, end, len(window), sum(window) // len(window)


def _changed(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    return any(current[name] != value for name, value in wanted.items())


class LivelihoodService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.plans = LivelihoodPlanRepository(uow)
        self.activities = LivelihoodActivityRepository(uow)
        self.income = IncomeRecordRepository(uow)
        self.products = FinancialInclusionRepository(uow)

    async def _survivor(
        self,
        principal: Principal,
        rule: Policy,
        entity: str,
        survivor_id: UUID,
        *,
        for_update: bool = False,
    ) -> Survivor:
        authorize(self.uow, principal, rule, entity)
        people_only(self.uow, principal, entity)
        return await require_survivor(self.uow, principal, survivor_id, for_update=for_update)

    def _audit(
        self,
        principal: Principal,
        action: AuditAction,
        entity: str,
        survivor: Survivor,
        *,
        record_id: UUID | None = None,
    ) -> None:
        record(
            self.uow, principal, action, entity, record_id, organization_id=survivor.organization_id
        )

    # -- the plan ---------------------------------------------------------------------------
    async def get_plan(self, principal: Principal, survivor_id: UUID) -> LivelihoodPlanRead:
        """Her livelihood plan (audited read). Raises NotFound (survivor out of scope, or no
        plan yet), PermissionDenied."""
        survivor = await self._survivor(principal, policies.READ, PLAN, survivor_id)
        plan = await self.plans.of_survivor(survivor)
        if plan is None:
            raise NotFound("No livelihood plan has been recorded for her yet.")
        self._audit(principal, AuditAction.read, PLAN, survivor, record_id=plan.id)
        return self._plan_read(plan, self._aspirations(plan))

    async def put_plan(
        self,
        principal: Principal,
        survivor_id: UUID,
        data: LivelihoodPlanPut,
        expected_version: int | None,
    ) -> tuple[LivelihoodPlanRead, bool]:
        """Record her plan (no If-Match: only when she has none yet) or replace it whole
        (If-Match: the current version). Answers the plan and whether it was created. Raises
        NotFound, PreconditionRequired, PreconditionFailed, PermissionDenied."""
        survivor = await self._survivor(
            principal, policies.MANAGE, PLAN, survivor_id, for_update=True
        )
        plan = await self.plans.of_survivor(survivor, for_update=True)
        wanted = {"skills": list(data.skills), "options": [o.value for o in data.options]}
        if plan is None:
            if expected_version is not None:
                raise PreconditionFailed(
                    "She has no livelihood plan yet: send no If-Match to record one."
                )
            plan = LivelihoodPlan(
                organization_id=survivor.organization_id,
                district_id=survivor.district_id,
                survivor_id=survivor.id,
                created_by=principal.id,
                skills=wanted["skills"],
                options=wanted["options"],
            )
            plan.aspirations_enc = self._seal_aspirations(plan, data.aspirations)
            await self.plans.add(plan)
            self._audit(principal, AuditAction.create, PLAN, survivor, record_id=plan.id)
            return self._plan_read(plan, data.aspirations), True
        if expected_version is None:
            raise PreconditionRequired(
                "She has a livelihood plan: send If-Match with the ETag of the version you are "
                "replacing."
            )
        check_version(plan, expected_version, "plan")
        aspirations = self._aspirations(plan)
        current = {"skills": list(plan.skills), "options": list(plan.options)}
        if not _changed(current, wanted) and aspirations == data.aspirations:
            self._audit(principal, AuditAction.read, PLAN, survivor, record_id=plan.id)
            return self._plan_read(plan, aspirations), False
        plan.skills, plan.options = wanted["skills"], wanted["options"]
        plan.aspirations_enc = self._seal_aspirations(plan, data.aspirations)
        touch(plan)
        await self.plans.save(plan)
        self._audit(principal, AuditAction.update, PLAN, survivor, record_id=plan.id)
        return self._plan_read(plan, data.aspirations), False

    def _seal_aspirations(self, plan: LivelihoodPlan, aspirations: str | None) -> bytes | None:
        if aspirations is None:
            return None
        return self.uow.cipher.seal_text(
            aspirations, Place("livelihood_plan", "aspirations_enc", plan.id)
        )

    def _aspirations(self, plan: LivelihoodPlan) -> str | None:
        if plan.aspirations_enc is None:
            return None
        return self.uow.cipher.open_text(
            plan.aspirations_enc, Place("livelihood_plan", "aspirations_enc", plan.id)
        )

    @staticmethod
    def _plan_read(plan: LivelihoodPlan, aspirations: str | None) -> LivelihoodPlanRead:
        return LivelihoodPlanRead(
            id=plan.id,
            survivor_id=plan.survivor_id,
            organization_id=plan.organization_id,
            aspirations=aspirations,
            skills=list(plan.skills),
            options=[LivelihoodOption(o) for o in plan.options],
            created_by=plan.created_by,
            created_at=plan.created_at,
            updated_at=plan.updated_at,
            version=plan.version,
        )

    # -- jobs and enterprises -----------------------------------------------------------------
    async def list_activities(
        self,
        principal: Principal,
        survivor_id: UUID,
        page: PageRequest,
        *,
        kind: ActivityKind | None = None,
    ) -> ActivityPage:
        """Her jobs and enterprises, oldest record first (audited search). Raises NotFound,
        PermissionDenied, BadRequest (cursor)."""
        survivor = await self._survivor(principal, policies.READ, ACTIVITY, survivor_id)
        self._audit(principal, AuditAction.search, ACTIVITY, survivor)
        return await paginate(
            page,
            CREATED,
            fetch=lambda after, limit: self.activities.page_of_survivor(
                survivor, kind, after, limit
            ),
            to_read=lambda rows: [self._activity_read(a, self._description(a)) for a in rows],
            count=lambda: self.activities.count_of_survivor(survivor, kind),
            page_type=ActivityPage,
        )

    async def create_activity(
        self, principal: Principal, survivor_id: UUID, data: ActivityCreate
    ) -> ActivityRead:
        """Record a job or enterprise of hers. Raises NotFound, Conflict (id taken),
        PermissionDenied."""
        survivor = await self._survivor(principal, policies.MANAGE, ACTIVITY, survivor_id)
        await reject_taken_id(self.uow, principal, self.activities, data.id, "livelihood_activity")
        activity = LivelihoodActivity(
            organization_id=survivor.organization_id,
            district_id=survivor.district_id,
            survivor_id=survivor.id,
            kind=data.kind,
            sector=data.sector,
            started_on=data.started_on,
            ended_on=data.ended_on,
            investment_paise=data.investment_paise,
            created_by=principal.id,
        )
        if data.id is not None:
            activity.id = data.id
        activity.description_enc = self._seal_description(activity, data.description)
        await self.activities.add(activity)
        self._audit(principal, AuditAction.create, ACTIVITY, survivor, record_id=activity.id)
        return self._activity_read(activity, data.description)

    async def get_activity(
        self, principal: Principal, survivor_id: UUID, activity_id: UUID
    ) -> ActivityRead:
        """One job or enterprise of hers (audited read). Raises NotFound, PermissionDenied."""
        survivor = await self._survivor(principal, policies.READ, ACTIVITY, survivor_id)
        activity = await require(
            self.activities.get_of_survivor(survivor, activity_id), "Job or enterprise"
        )
        self._audit(principal, AuditAction.read, ACTIVITY, survivor, record_id=activity.id)
        return self._activity_read(activity, self._description(activity))

    async def update_activity(
        self,
        principal: Principal,
        survivor_id: UUID,
        activity_id: UUID,
        data: ActivityUpdate,
        expected_version: int,
    ) -> ActivityRead:
        """Correct a job or enterprise, or record that it ended. Raises NotFound,
        PreconditionFailed, BusinessRuleViolation (dates), PermissionDenied."""
        survivor = await self._survivor(principal, policies.MANAGE, ACTIVITY, survivor_id)
        activity = await require(
            self.activities.get_of_survivor(survivor, activity_id, for_update=True),
            "Job or enterprise",
            version=expected_version,
            changed="record",
        )
        changes = data.changes()
        started = changes.get("started_on", activity.started_on)
        ended = changes.get("ended_on", activity.ended_on)
        if ended is not None and ended < started:
            field = "ended_on" if "ended_on" in changes else "started_on"
            raise BusinessRuleViolation("ended_on may not lie before started_on.", field=field)
        description = self._description(activity)
        columns: dict[str, Any] = {
            name: changes[name]
            for name in ("kind", "sector", "started_on", "ended_on", "investment_paise")
            if name in changes
        }
        current = {name: getattr(activity, name) for name in columns}
        new_description = changes.get("description", description)
        if not _changed(current, columns) and new_description == description:
            self._audit(principal, AuditAction.read, ACTIVITY, survivor, record_id=activity.id)
            return self._activity_read(activity, description)
        for name, value in columns.items():
            setattr(activity, name, value)
        if new_description != description:
            activity.description_enc = self._seal_description(activity, new_description)
        touch(activity)
        await self.activities.save(activity)
        self._audit(principal, AuditAction.update, ACTIVITY, survivor, record_id=activity.id)
        return self._activity_read(activity, new_description)

    def _seal_description(
        self, activity: LivelihoodActivity, description: str | None
    ) -> bytes | None:
        if description is None:
            return None
        return self.uow.cipher.seal_text(
            description, Place("livelihood_activity", "description_enc", activity.id)
        )

    def _description(self, activity: LivelihoodActivity) -> str | None:
        if activity.description_enc is None:
            return None
        return self.uow.cipher.open_text(
            activity.description_enc, Place("livelihood_activity", "description_enc", activity.id)
        )

    @staticmethod
    def _activity_read(activity: LivelihoodActivity, description: str | None) -> ActivityRead:
        return ActivityRead(
            id=activity.id,
            survivor_id=activity.survivor_id,
            organization_id=activity.organization_id,
            kind=activity.kind,
            sector=activity.sector,
            description=description,
            started_on=activity.started_on,
            ended_on=activity.ended_on,
            investment_paise=activity.investment_paise,
            created_by=activity.created_by,
            created_at=activity.created_at,
            updated_at=activity.updated_at,
            version=activity.version,
        )

    # -- income ---------------------------------------------------------------------------------
    async def income_series(
        self,
        principal: Principal,
        survivor_id: UUID,
        *,
        from_month: date | None = None,
        to_month: date | None = None,
    ) -> IncomeSeries:
        """Her income records over time (optionally between two months, both included), the
        totals by month and her average over the last three months (audited search). Raises
        NotFound, PermissionDenied, BusinessRuleViolation (months the wrong way round)."""
        survivor = await self._survivor(principal, policies.READ, INCOME, survivor_id)
        from_month = month_start(from_month) if from_month else None
        to_month = month_start(to_month) if to_month else None
        if from_month and to_month and from_month > to_month:
            raise BusinessRuleViolation("from_month lies after to_month.", field="from_month")
        self._audit(principal, AuditAction.search, INCOME, survivor)
        records = await self.income.series(survivor, from_month, to_month)
        totals = monthly_totals([(r.month, r.amount_paise) for r in records])
        start, end, recorded, average = three_month_average(totals, to_month)
        return IncomeSeries(
            survivor_id=survivor.id,
            records=[self._income_read(r) for r in records],
            monthly=[MonthlyIncome(month=month, total_paise=total) for month, total in totals],
            average_3_months=IncomeAverage(
                from_month=start, to_month=end, months_recorded=recorded, average_paise=average
            ),
        )

    async def create_income(
        self, principal: Principal, survivor_id: UUID, data: IncomeCreate
    ) -> IncomeRead:
        """Record her income from one source in one month. Raises NotFound, Conflict (that
        month and source are recorded already: correct the record instead; id taken),
        PermissionDenied."""
        survivor = await self._survivor(
            principal, policies.MANAGE, INCOME, survivor_id, for_update=True
        )
        await reject_taken_id(self.uow, principal, self.income, data.id, "income_record")
        if await self.income.month_taken(survivor, data.month, data.source.value):
            raise Conflict(
                "Her income from this source is recorded for that month already; correct that "
                "record instead."
            )
        income = IncomeRecord(
            organization_id=survivor.organization_id,
            district_id=survivor.district_id,
            survivor_id=survivor.id,
            month=data.month,
            source=data.source.value,
            amount_paise=data.amount_paise,
            created_by=principal.id,
        )
        if data.id is not None:
            income.id = data.id
        await self.income.add(income)
        self._audit(principal, AuditAction.create, INCOME, survivor, record_id=income.id)
        return self._income_read(income)

    async def get_income(
        self, principal: Principal, survivor_id: UUID, income_id: UUID
    ) -> IncomeRead:
        """One income record of hers (audited read). Raises NotFound, PermissionDenied."""
        survivor = await self._survivor(principal, policies.READ, INCOME, survivor_id)
        income = await require(self.income.get_of_survivor(survivor, income_id), "Income record")
        self._audit(principal, AuditAction.read, INCOME, survivor, record_id=income.id)
        return self._income_read(income)

    async def update_income(
        self,
        principal: Principal,
        survivor_id: UUID,
        income_id: UUID,
        data: IncomeUpdate,
        expected_version: int,
    ) -> IncomeRead:
        """Correct the amount of a month's income. Raises NotFound, PreconditionFailed,
        PermissionDenied."""
        survivor = await self._survivor(principal, policies.MANAGE, INCOME, survivor_id)
        income = await require(
            self.income.get_of_survivor(survivor, income_id, for_update=True),
            "Income record",
            version=expected_version,
            changed="record",
        )
        if data.amount_paise is None or data.amount_paise == income.amount_paise:
            self._audit(principal, AuditAction.read, INCOME, survivor, record_id=income.id)
            return self._income_read(income)
        income.amount_paise = data.amount_paise
        touch(income)
        await self.income.save(income)
        self._audit(principal, AuditAction.update, INCOME, survivor, record_id=income.id)
        return self._income_read(income)

    @staticmethod
    def _income_read(income: IncomeRecord) -> IncomeRead:
        return IncomeRead(
            id=income.id,
            survivor_id=income.survivor_id,
            month=income.month,
            source=IncomeSource(income.source),
            amount_paise=income.amount_paise,
            created_by=income.created_by,
            created_at=income.created_at,
            updated_at=income.updated_at,
            version=income.version,
        )

    # -- financial inclusion ----------------------------------------------------------------------
    async def financial_inclusion(
        self, principal: Principal, survivor_id: UUID
    ) -> FinancialInclusionOverview:
        """Where she stands with every product, recorded or not (audited search). Raises
        NotFound, PermissionDenied."""
        survivor = await self._survivor(principal, policies.READ, FINANCIAL_INCLUSION, survivor_id)
        self._audit(principal, AuditAction.search, FINANCIAL_INCLUSION, survivor)
        recorded = {
            FinancialProduct(row.product): row for row in await self.products.of_survivor(survivor)
        }
        return FinancialInclusionOverview(
            survivor_id=survivor.id,
            products=[
                self._product_read(recorded[p], self._details(recorded[p]))
                if p in recorded
                else _unrecorded(p)
                for p in FinancialProduct
            ],
        )

    async def get_product(
        self, principal: Principal, survivor_id: UUID, product: FinancialProduct
    ) -> FinancialInclusionRead:
        """Where she stands with one product (audited read). Raises NotFound (out of scope,
        or nothing recorded), PermissionDenied."""
        survivor = await self._survivor(principal, policies.READ, FINANCIAL_INCLUSION, survivor_id)
        row = await self.products.product_of_survivor(survivor, product)
        if row is None:
            raise NotFound("Nothing is recorded of this product for her yet.")
        self._audit(principal, AuditAction.read, FINANCIAL_INCLUSION, survivor, record_id=row.id)
        return self._product_read(row, self._details(row))

    async def put_product(
        self,
        principal: Principal,
        survivor_id: UUID,
        product: FinancialProduct,
        data: FinancialInclusionPut,
        expected_version: int | None,
    ) -> tuple[FinancialInclusionRead, bool]:
        """Record where she stands with one product (no If-Match: only when nothing is
        recorded yet) or replace it whole (If-Match: the current version). Answers the record
        and whether it was created. Raises NotFound, PreconditionRequired, PreconditionFailed,
        PermissionDenied."""
        survivor = await self._survivor(
            principal, policies.MANAGE, FINANCIAL_INCLUSION, survivor_id, for_update=True
        )
        row = await self.products.product_of_survivor(survivor, product, for_update=True)
        wanted: dict[str, Any] = {
            "status": data.status,
            "since": data.since,
            "provider": data.provider,
        }
        if row is None:
            if expected_version is not None:
                raise PreconditionFailed(
                    "Nothing is recorded of this product for her yet: send no If-Match."
                )
            row = FinancialInclusion(
                organization_id=survivor.organization_id,
                district_id=survivor.district_id,
                survivor_id=survivor.id,
                product=product,
                status=data.status,
                since=data.since,
                provider=data.provider,
                created_by=principal.id,
            )
            row.details_enc = self._seal_details(row, data.details)
            await self.products.add(row)
            self._audit(
                principal, AuditAction.create, FINANCIAL_INCLUSION, survivor, record_id=row.id
            )
            return self._product_read(row, data.details), True
        if expected_version is None:
            raise PreconditionRequired(
                "This product is recorded for her: send If-Match with the ETag of the version "
                "you are replacing."
            )
        check_version(row, expected_version, "record")
        details = self._details(row)
        current = {
            "status": ProductStatus(row.status),
            "since": row.since,
            "provider": row.provider,
        }
        if not _changed(current, wanted) and details == data.details:
            self._audit(
                principal, AuditAction.read, FINANCIAL_INCLUSION, survivor, record_id=row.id
            )
            return self._product_read(row, details), False
        row.status, row.since, row.provider = data.status, data.since, data.provider
        row.details_enc = self._seal_details(row, data.details)
        touch(row)
        await self.products.save(row)
        self._audit(principal, AuditAction.update, FINANCIAL_INCLUSION, survivor, record_id=row.id)
        return self._product_read(row, data.details), False

    def _seal_details(self, row: FinancialInclusion, details: str | None) -> bytes | None:
        if details is None:
            return None
        return self.uow.cipher.seal_text(
            details, Place("financial_inclusion", "details_enc", row.id)
        )

    def _details(self, row: FinancialInclusion) -> str | None:
        if row.details_enc is None:
            return None
        return self.uow.cipher.open_text(
            row.details_enc, Place("financial_inclusion", "details_enc", row.id)
        )

    @staticmethod
    def _product_read(row: FinancialInclusion, details: str | None) -> FinancialInclusionRead:
        return FinancialInclusionRead(
            product=FinancialProduct(row.product),
            recorded=True,
            id=row.id,
            status=ProductStatus(row.status),
            since=row.since,
            provider=row.provider,
            details=details,
            updated_at=row.updated_at,
            version=row.version,
        )


def _unrecorded(product: FinancialProduct) -> FinancialInclusionRead:
    return FinancialInclusionRead(
        product=product,
        recorded=False,
        id=None,
        status=ProductStatus.none,
        since=None,
        provider=None,
        details=None,
        updated_at=None,
        version=None,
    )
