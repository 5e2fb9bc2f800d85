"""Who may take the model to new states and partners, and speak for it in policy.

The lead organisation's program managers run expansion and policy engagement: they take
partner organisations (each its own organisation, with its own users and records) through
onboarding, assess their readiness for CBR, record advocacy actions, studies and media
engagements. Analysts read all of it: it holds aggregates only, and a survivor's story linked
to a study or a media engagement is shown to program managers alone. A partner's own records
stay the partner's: the lead organisation sees counts, never a partner's case (unless a
referral shares it). Social workers, survivor leaders, partner staff, auditors and platform
admins have no part here; an integration client acts with a program manager's or analyst's
role and the scope granted to it.
"""

from __future__ import annotations

from domain.common.policy import policy
from domain.common.principal import Role

ONBOARDING = "partner_onboarding"
READINESS = "readiness_assessment"
ADVOCACY = "advocacy_action"
STUDY = "study"
MEDIA = "media_engagement"

READERS = frozenset({Role.program_manager, Role.analyst})
MANAGERS = frozenset({Role.program_manager})
# Who sees a survivor's story linked to a study or media engagement (with her consent).
STORY_READERS = frozenset({Role.program_manager})

ONBOARDING_READ = policy(
    "partner_onboarding:read",
    READERS,
    "Read the onboarding of partner organisations and states, its stage history, partners' "
    "aggregate counts (small counts suppressed) and their CBR readiness assessments.",
    entity=ONBOARDING,
)
ONBOARDING_MANAGE = policy(
    "partner_onboarding:manage",
    MANAGERS,
    "Take a partner organisation through explored -> scoping -> agreement signed -> "
    "implementing (or paused), and assess its readiness for CBR.",
    entity=ONBOARDING,
)
ADVOCACY_READ = policy(
    "advocacy:read",
    READERS,
    "Read the organisation's advocacy actions with the evidence cited at the time.",
    entity=ADVOCACY,
)
ADVOCACY_MANAGE = policy(
    "advocacy:manage",
    MANAGERS,
    "Record advocacy actions (the ask, the body, the outcome); the evidence snapshot is "
    "frozen from the organisation's aggregates when saved.",
    entity=ADVOCACY,
)
RESEARCH_MEDIA_READ = policy(
    "research_media:read",
    READERS,
    "Read studies and media engagements (a linked survivor's story: program managers only, "
    "and only while her media consent stands).",
    entity=MEDIA,
)
RESEARCH_MEDIA_MANAGE = policy(
    "research_media:manage",
    MANAGERS,
    "Record studies and media engagements; link a survivor's story only with her media consent.",
    entity=MEDIA,
)
