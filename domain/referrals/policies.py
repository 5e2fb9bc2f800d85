"""Who may keep the service directory, refer a survivor, and work a referral.

The directory (organisations of the government department, service provider and partner NGO
kinds, the services they offer and the districts they cover) is public information: anyone
signed in reads it. A program manager keeps her own organisation's offerings; a platform admin
keeps any directory organisation's (government departments seldom have users of their own).

A referral has two sides. The referring side is the organisation holding the case: its case
workers, within their case scope, refer, follow and revoke. The receiving side is the
organisation it is addressed to: its partner staff (and its program managers, who answer for
the organisation) work the inbox, see only the fields the survivor's consent let travel, and
move the referral on. Nobody else sees a referral: analysts, survivor leaders, auditors and
platform admins read none. Sharing without her consent is a consent override
(``consents:override``, program managers in person, with a reason, always audited).

An integration client of either side reads referrals without any personal field (the
consented fields, the reason, notes and outcome are null to it), except a receiving
organisation's client holding ``referrals:inbox``: granted by a program manager of that
organisation, it receives the consented fields of the referrals addressed there.
"""

from __future__ import annotations

from uuid import UUID

from domain.cases.policies import CASE_WORKERS, case_scope
from domain.common.policy import policy
from domain.common.principal import Principal, PrincipalKind, Role
from persistence.scope import CaseScope

SERVICE_OFFERING = "service_offering"
REFERRAL = "referral"

# The people of a receiving organisation who work its inbox.
RECEIVERS = frozenset({Role.partner_staff, Role.program_manager})

DIRECTORY_READ = policy(
    "service-providers:read",
    (),
    "Read the service directory: organisations, the services they offer and the districts "
    "they cover (no personal data).",
    entity=SERVICE_OFFERING,
    any_authenticated=True,
)
DIRECTORY_MANAGE = policy(
    "service-providers:manage",
    {Role.program_manager, Role.platform_admin},
    "Keep an organisation's service offerings: program managers their own organisation's, "
    "platform admins any directory organisation's.",
    entity=SERVICE_OFFERING,
)
CREATE = policy(
    "referrals:create",
    CASE_WORKERS,
    "Refer a survivor of a case in one's case scope to another organisation for one service, "
    "sharing only the fields her consent allows.",
    entity=REFERRAL,
)
READ = policy(
    "referrals:read",
    CASE_WORKERS | RECEIVERS,
    "Read referrals: the referring side those of cases in its case scope, the receiving side "
    "those addressed to its organisation (consented fields only).",
    entity=REFERRAL,
)
INBOX = policy(
    "referrals:inbox",
    RECEIVERS,
    "Receive the consented fields of referrals addressed to one's own organisation (a "
    "partner's case system working its inbox; with referrals:read). The only personal data an "
    "integration client ever receives; granted only by a program manager of the client's "
    "organisation.",
    entity=REFERRAL,
)
TRANSITION = policy(
    "referrals:transition",
    CASE_WORKERS | RECEIVERS,
    "Move a referral on: the receiving side accepts, declines, starts, completes or reports it "
    "not delivered; the referring side revokes it before it ends.",
    entity=REFERRAL,
)


def outgoing_scope(principal: Principal) -> CaseScope:
    """The cases whose referrals the caller follows as the referring side."""
    return case_scope(principal)


def receiving_organization(principal: Principal) -> UUID | None:
    """The organisation whose inbox the caller works (None: no inbox)."""
    if principal.kind is PrincipalKind.system or principal.role not in RECEIVERS:
        return None
    return principal.organization_id
