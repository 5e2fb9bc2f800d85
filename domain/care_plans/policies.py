"""Who may read and shape a survivor's care plan.

A care plan hangs off a case: the caller must hold the policy *and* see the case
(``domain.cases.access.require_case``: a program manager her organisation's cases, a social
worker her own and, where her organisation allows it, her districts'). A case outside that
scope has no plan as far as the caller can tell (404). Nobody else reads a plan: partner staff
see referrals, analysts aggregates, survivor leaders and auditors no case records, platform
admins run the platform without reading survivors' records. An integration client acts only
with a case worker's role and the scope granted to it, within that role's case scope.
"""

from __future__ import annotations

from domain.cases.policies import CASE_WORKERS
from domain.common.policy import policy

GOAL = "care_plan_goal"
AGREEMENT = "care_plan_agreement"

READ = policy(
    "care_plans:read",
    CASE_WORKERS,
    "Read the care plans of cases in one's case scope: the survivor's goals in her order of "
    "priority and her agreements to the plan.",
    entity=GOAL,
)
MANAGE = policy(
    "care_plans:manage",
    CASE_WORKERS,
    "Record the goals a survivor sets and ranks, their progress, and her agreement to the "
    "plan (cases in one's case scope; a closed case's plan is read-only).",
    entity=GOAL,
)
