"""Who may read and define assessment instruments, and who may read and record a case's
assessments.

Instruments are tools, not personal data: anyone who works with cases (program managers,
social workers) or reads their aggregates (analysts) may read the shared instruments and those
of her own organisation. A program manager defines her organisation's own instruments; they
stay within her organisation.

Assessments hang off a case: the caller must hold the policy *and* see the case
(``domain.cases.access.require_case``: a program manager her organisation's cases, a social
worker her own and, where her organisation allows it, her districts'). A case outside that
scope has no assessments as far as the caller can tell (404). Partner staff, analysts,
survivor leaders, auditors and platform admins read no individual assessment.
"""

from __future__ import annotations

from domain.cases.policies import CASE_WORKERS
from domain.common.policy import policy
from domain.common.principal import Role

ASSESSMENT = "assessment"
INSTRUMENT = "assessment_instrument"

INSTRUMENT_READERS = CASE_WORKERS | {Role.analyst}

READ_INSTRUMENTS = policy(
    "assessment_instruments:read",
    INSTRUMENT_READERS,
    "Read assessment instruments (sections, items, scales and scoring rules): the shared ones "
    "and those of one's own organisation.",
    entity=INSTRUMENT,
)
MANAGE_INSTRUMENTS = policy(
    "assessment_instruments:manage",
    {Role.program_manager},
    "Define an instrument of one's own organisation (visible to that organisation only).",
    entity=INSTRUMENT,
)
READ = policy(
    "assessments:read",
    CASE_WORKERS,
    "Read the assessments of cases in one's case scope, with their scores and the change "
    "from the first assessment of each instrument.",
    entity=ASSESSMENT,
)
MANAGE = policy(
    "assessments:manage",
    CASE_WORKERS,
    "Record an assessment of a case in one's case scope (a risk assessment sets the case's "
    "risk level).",
    entity=ASSESSMENT,
)
