"""Who may make and read de-identified research extracts.

An extract is record-level data, even when k-anonymous: it leaves the organisation for a study
and can be linked with what else a reader knows. So only a program manager makes one, in
person, and only she downloads it (each download audited). Analysts see aggregates only
(security.md): they read an extract's description (its parameters, what it generalised, how
many it suppressed, its hash), never its records. Integration clients take none of it
(``people_only``): a machine credential that could pull survivors' records, however
de-identified, is exactly what a trafficker with a stolen key would want; a study's team gets
the file from the program manager who answers for it.
"""

from __future__ import annotations

from domain.common.policy import policy
from domain.common.principal import Role

EXTRACT = "research_extract"

MAKE = policy(
    "research_extracts:make",
    {Role.program_manager},
    "Make a de-identified, k-anonymous extract for a study, of the survivors whose research "
    "consent is in force (in person only).",
    entity=EXTRACT,
    people_only=True,
)
READ = policy(
    "research_extracts:read",
    {Role.program_manager, Role.analyst},
    "Read what a study's extracts are: parameters, generalisation, suppression, hash; never "
    "their records (in person only).",
    entity=EXTRACT,
    people_only=True,
)
DOWNLOAD = policy(
    "research_extracts:download",
    {Role.program_manager},
    "Download an extract's records as CSV or JSON, in the research or the HTCDS layout "
    "(in person only; every download audited).",
    entity=EXTRACT,
    people_only=True,
)
