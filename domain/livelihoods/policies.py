"""Who may see and shape a survivor's livelihood records: her livelihood plan, her jobs and
enterprises, her monthly income and where she stands with bank accounts, insurance, pensions
and digital payments.

These records hang off the survivor, so they are seen by those who may see her
(``domain.survivors.policies.survivor_scope``): a program manager of her organisation, a social
worker who registered her or may see one of her cases. A survivor outside that scope has no
livelihood records as far as the caller can tell (404). Nobody else reads them: partner staff
see referrals, analysts aggregates, survivor leaders and auditors no individual records,
platform admins run the platform without reading survivors' records, and integration clients
never hold survivors' records (403), whatever scope they were granted.
"""

from __future__ import annotations

from domain.cases.policies import CASE_WORKERS
from domain.common.policy import policy

PLAN = "livelihood_plan"
ACTIVITY = "livelihood_activity"
INCOME = "income_record"
FINANCIAL_INCLUSION = "financial_inclusion"

READ = policy(
    "livelihoods:read",
    CASE_WORKERS,
    "Read the livelihood plans, jobs and enterprises, income and financial inclusion of "
    "survivors in one's scope.",
    entity=PLAN,
)
MANAGE = policy(
    "livelihoods:manage",
    CASE_WORKERS,
    "Record and correct the livelihood plans, jobs and enterprises, monthly income and "
    "financial inclusion of survivors in one's scope.",
    entity=PLAN,
)
