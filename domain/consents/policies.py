"""Who may record, read, withdraw and override a survivor's consent.

Consent records hang off the survivor: whoever may see her (domain/survivors/policies.py)
may read and record her consent. Acting without it (an override) is a program manager's
decision, with a reason, always audited.
"""

from __future__ import annotations

from domain.cases.policies import CASE_WORKERS
from domain.common.policy import policy
from domain.common.principal import Role

READ = policy(
    "consents:read",
    CASE_WORKERS,
    "Read a survivor's consent records and their history.",
    entity="consent",
)
MANAGE = policy(
    "consents:manage",
    CASE_WORKERS,
    "Record a survivor's consent (or her guardian's, for a minor) and its withdrawal.",
    entity="consent",
)
OVERRIDE = policy(
    "consents:override",
    {Role.program_manager},
    "Act without the survivor's consent where the law or her safety requires it, with a "
    "stated reason; always audited.",
    entity="consent",
    people_only=True,
)
