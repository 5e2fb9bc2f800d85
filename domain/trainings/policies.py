"""Who may see and run trainings: livelihood courses for survivors, leadership courses for
survivor leaders, CBR practice for partner organisations.

The organisation running a training (``training.organization_id``) manages it: its program
managers and social workers create it, change it and enrol participants. They see its
participants, except survivors they may not see (a social worker sees the survivors of her
scope only; integration clients never see survivors).

A partner organisation that trains survivors sees only the trainees referred to it: its
partner staff see the trainings it provides (``provider_organization_id``) and, of their
participants, only the survivors referred to that organisation for skills training or
livelihood support (a referral neither declined nor revoked), and of those only what a trainer
needs: the participant's id, completion, certificate and scores. Never the survivor's id,
record or name. The provider organisation's other roles, analysts, survivor leaders, auditors
and platform admins see no training's participants.
"""

from __future__ import annotations

from domain.cases.policies import CASE_WORKERS
from domain.common.policy import policy
from domain.common.principal import Principal, PrincipalKind, Role
from domain.survivors.policies import survivor_scope
from persistence.models.case_vocabulary import ReferralStatus, ServiceKind
from persistence.repositories.trainings import TrainingScope

TRAINING = "training"
PARTICIPANT = "training_participant"

# Referrals that make a survivor a partner trainer's trainee.
TRAINEE_SERVICES = frozenset({ServiceKind.skills_training, ServiceKind.livelihood})
DEAD_REFERRALS = frozenset({ReferralStatus.declined, ReferralStatus.revoked})

READ = policy(
    "trainings:read",
    {*CASE_WORKERS, Role.partner_staff},
    "Read trainings and their participants: the running organisation's program managers and "
    "social workers its trainings (survivors in their scope only); a provider organisation's "
    "partner staff the trainings it gives and only the trainees referred to it (completion, "
    "certificate and scores; no survivor's identity).",
    entity=TRAINING,
)
MANAGE = policy(
    "trainings:manage",
    CASE_WORKERS,
    "Create and change the organisation's trainings, enrol participants and record their "
    "completion, certificates and scores.",
    entity=TRAINING,
)


def training_scope(principal: Principal) -> TrainingScope:
    """The trainings the caller may see, and how much of their participants."""
    if principal.kind is PrincipalKind.system or principal.organization_id is None:
        return TrainingScope()
    if principal.role in CASE_WORKERS:
        return TrainingScope(
            running_organization_id=principal.organization_id,
            survivors=survivor_scope(principal),
        )
    if principal.role is Role.partner_staff:
        return TrainingScope(
            provider_organization_id=principal.organization_id,
            trainee_services=tuple(sorted(TRAINEE_SERVICES)),
            dead_referrals=tuple(sorted(DEAD_REFERRALS)),
        )
    return TrainingScope()
