"""Who may record and read complaints, FIRs, court cases, hearings and victim compensation.

Legal records hang off a case: the caller must hold the policy and see the case
(``domain.cases.access.require_case``).
"""

from __future__ import annotations

from domain.cases.policies import CASE_WORKERS
from domain.common.policy import policy

READ = policy(
    "legal:read",
    CASE_WORKERS,
    "Read the legal proceedings, hearings and victim compensation of cases in one's case scope.",
    entity="legal_proceeding",
)
MANAGE = policy(
    "legal:manage",
    CASE_WORKERS,
    "Record complaints and FIRs, their progress, hearings and victim compensation.",
    entity="legal_proceeding",
)
