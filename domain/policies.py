"""Every area's policies, loaded together: the complete list of actions and who may take them.

Integration-client scopes are validated against this list.
"""

from __future__ import annotations

from domain.assessments import policies as assessment_policies
from domain.audit import policies as audit_policies
from domain.care_plans import policies as care_plan_policies
from domain.cases import policies as case_policies
from domain.common.policy import Policy, registered_policies
from domain.consents import policies as consent_policies
from domain.demands import policies as demand_policies
from domain.devices import policies as device_policies
from domain.entitlements import policies as entitlement_policies
from domain.evidence import policies as evidence_policies
from domain.expansion import policies as expansion_policies
from domain.follow_ups import policies as follow_up_policies
from domain.geography import policies as geography_policies
from domain.identification import policies as identification_policies
from domain.identity import policies as identity_policies
from domain.integration_clients import policies as client_policies
from domain.leadership import policies as leadership_policies
from domain.legal import policies as legal_policies
from domain.livelihoods import policies as livelihood_policies
from domain.monitoring import policies as monitoring_policies
from domain.organizations import policies as organization_policies
from domain.referrals import policies as referral_policies
from domain.research import policies as research_policies
from domain.shgs import policies as shg_policies
from domain.survivors import policies as survivor_policies
from domain.sync import policies as sync_policies
from domain.trainings import policies as training_policies
from domain.users import policies as user_policies

AREAS = (
    demand_policies,
    sync_policies,
    evidence_policies,
    expansion_policies,
    research_policies,
    leadership_policies,
    identification_policies,
    training_policies,
    entitlement_policies,
    livelihood_policies,
    shg_policies,
    assessment_policies,
    audit_policies,
    care_plan_policies,
    case_policies,
    consent_policies,
    device_policies,
    follow_up_policies,
    legal_policies,
    referral_policies,
    survivor_policies,
    geography_policies,
    identity_policies,
    client_policies,
    monitoring_policies,
    organization_policies,
    user_policies,
)


def all_policies() -> dict[str, Policy]:
    return registered_policies()
