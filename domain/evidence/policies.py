"""Who may see evidence: figures, never records.

Program managers and analysts see their organisation's figures (and a lead organisation its
partners' and the roll-up across states); survivor leaders see the figures of their own leader
groups; a dashboard's integration client holds role ``analyst`` and scope ``indicators:read``.
Small cells are suppressed for everyone; a program manager may ask for an internal,
unsuppressed figure of her own organisation, in person, and it is audited.
"""

from __future__ import annotations

from domain.common.policy import policy
from domain.common.principal import Role

READ = policy(
    "indicators:read",
    {Role.program_manager, Role.analyst, Role.survivor_leader},
    "Read the indicator catalogue and figures (indicator values, dashboards, the outcome "
    "report): small cells suppressed, survivors counted only under consent.",
    entity="indicator",
)
INTERNAL = policy(
    "indicators:internal",
    {Role.program_manager},
    "Ask for an internal figure of one's own organisation without small-cell suppression "
    "(in person only; audited; marked internal).",
    entity="indicator",
    people_only=True,
)
