"""Every area's policies, loaded together: the complete list of actions and who may take them.

Integration-client scopes are validated against this list.
"""

from __future__ import annotations

from domain.audit import policies as audit_policies
from domain.common.policy import Policy, registered_policies
from domain.geography import policies as geography_policies
from domain.identity import policies as identity_policies
from domain.integration_clients import policies as client_policies
from domain.monitoring import policies as monitoring_policies
from domain.organizations import policies as organization_policies
from domain.users import policies as user_policies

AREAS = (
    audit_policies,
    geography_policies,
    identity_policies,
    client_policies,
    monitoring_policies,
    organization_policies,
    user_policies,
)


def all_policies() -> dict[str, Policy]:
    return registered_policies()
