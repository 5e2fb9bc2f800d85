"""Who may refer a possible victim, decide on an intake lead, report a safety concern and read
what was reported.

**Identification referrals.** A survivor leader refers a person at risk or a possible victim
to her own organisation. She sees the status of her own submissions only: never what she wrote
once it is sent, who decided, why it was declined, or the case that followed. The
organisation's program managers (all of its referrals) and social workers (the referrals of
their districts) read them as intake leads and
decide: accept, decline (with a reason) or mark that the person became a case. An integration
client may read intake leads with a case worker's role and the read scope; submitting and
deciding are a person's acts (the record names her), so clients cannot.

**Safety reports.** Survivor leaders, social workers and program managers report red flags and
suspected recruitment. A report that names persons is an allegation: its content is seen by
the organisation's program managers only, and every read of it is audited. A report that names
nobody is also open to the social workers of its district. Whoever reported sees her own
reports' status, but never their content again once submitted (a leader's phone can fall into
the wrong hands). Only program managers review reports. Integration clients never reach safety
reports.

Nobody else reaches either: partner staff, analysts, auditors and platform admins have no part
in intake leads or allegations.
"""

from __future__ import annotations

from domain.common.policy import policy
from domain.common.principal import Role

REFERRAL = "identification_referral"
SAFETY_REPORT = "safety_report"

REFERRERS = frozenset({Role.survivor_leader})
INTAKE_WORKERS = frozenset({Role.program_manager, Role.social_worker})
REPORTERS = frozenset({Role.survivor_leader, Role.social_worker, Role.program_manager})

SUBMIT_REFERRAL = policy(
    "identification_referrals:submit",
    REFERRERS,
    "Refer a person at risk or a possible victim to one's organisation, with as little "
    "personal data as will do (survivor leaders).",
    entity=REFERRAL,
    people_only=True,
)
READ_REFERRALS = policy(
    "identification_referrals:read",
    REFERRERS | INTAKE_WORKERS,
    "Read identification referrals: a survivor leader the status of her own submissions; "
    "program managers all of the organisation's intake leads, social workers their districts'.",
    entity=REFERRAL,
)
DECIDE_REFERRALS = policy(
    "identification_referrals:decide",
    INTAKE_WORKERS,
    "Accept or decline an intake lead, or link the case it became (program managers; social "
    "workers for their districts).",
    entity=REFERRAL,
    people_only=True,
)
SUBMIT_SAFETY_REPORT = policy(
    "safety_reports:submit",
    REPORTERS,
    "Report a red flag, suspected recruitment, a missing person or a threat in the community.",
    entity=SAFETY_REPORT,
    people_only=True,
)
READ_SAFETY_REPORTS = policy(
    "safety_reports:read",
    REPORTERS,
    "Read safety reports: program managers every report of the organisation (allegations "
    "included, each read audited); social workers reports naming nobody in their districts; "
    "every reporter the status of her own reports, without their content.",
    entity=SAFETY_REPORT,
    people_only=True,
)
REVIEW_SAFETY_REPORTS = policy(
    "safety_reports:review",
    {Role.program_manager},
    "Review a safety report: move it on (under review, action taken, closed) and record what "
    "was done.",
    entity=SAFETY_REPORT,
    people_only=True,
)
