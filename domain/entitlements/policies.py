"""Who may read the scheme catalogue and follow survivors' applications for entitlements.

The catalogue is reference data: every authenticated caller reads it; platform admins add
versions of a scheme (a later version supersedes the earlier one from its effective date).

An application hangs off the survivor, so it is seen by those who may see her
(``domain.survivors.policies.survivor_scope``): a program manager of her organisation, a social
worker who registered her or may see one of her cases. Nobody else reads an application:
partner staff, analysts, survivor leaders, auditors and platform admins see no individual
record, and integration clients never hold survivors' records (403).
"""

from __future__ import annotations

from domain.cases.policies import CASE_WORKERS
from domain.common.policy import policy
from domain.common.principal import Role

SCHEME = "scheme"
APPLICATION = "entitlement_application"

SCHEMES_READ = policy(
    "schemes:read",
    (),
    "Read the scheme catalogue: documents required, benefit, amounts and their dates.",
    entity=SCHEME,
    any_authenticated=True,
)
SCHEMES_MANAGE = policy(
    "schemes:manage",
    {Role.platform_admin},
    "Add a scheme, or a new version of one (it supersedes the earlier version from its "
    "effective date).",
    entity=SCHEME,
)
READ = policy(
    "entitlements:read",
    CASE_WORKERS,
    "Read survivors' entitlement applications, their history and each survivor's coverage "
    "across schemes (survivors in one's scope).",
    entity=APPLICATION,
)
MANAGE = policy(
    "entitlements:manage",
    CASE_WORKERS,
    "Open entitlement applications for survivors in one's scope and move them through their "
    "states (applied, under process, sanctioned, received, rejected, appealed).",
    entity=APPLICATION,
)
