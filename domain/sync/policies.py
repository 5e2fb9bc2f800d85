"""Who may sync: the people who carry a caseload into the field (program managers and social
workers); survivor leaders pull their own groups (what each kind's area lets them read, never
a caseload), push their community work and resolve their own conflicts. A device syncs in a
person's name; an integration client never syncs, whatever
scopes it holds (a machine credential carrying survivors' records offline is exactly what the
rules forbid)."""

from __future__ import annotations

from domain.common.policy import policy
from domain.common.principal import Role

FIELD_WORKERS = frozenset({Role.program_manager, Role.social_worker})
# Survivor leaders push the community work they do offline (their groups' meetings, campaign
# reach, identification referrals) and resolve their own conflicts; what each mutation may
# touch is its area's service's to decide (a leader's intake or case note is refused there).
PUSHERS = frozenset({*FIELD_WORKERS, Role.survivor_leader})

PULL = policy(
    "sync:pull",
    PUSHERS,
    "Pull every change in her scope since a cursor (survivors, cases and their records, "
    "referrals, entitlement applications, SHGs, leader groups, demands, attachments' metadata; "
    "survivor leaders: their own groups, their meetings and campaigns; everyone: the places "
    "and the scheme catalogue).",
    entity="sync",
    people_only=True,
)
PUSH = policy(
    "sync:push",
    PUSHERS,
    "Push a batch of offline mutations and offline reads (survivor leaders: their groups' "
    "meetings, campaigns and identification referrals, as their areas allow).",
    entity="sync",
    people_only=True,
)
CONFLICTS = policy(
    "sync:conflicts",
    PUSHERS,
    "See and resolve her own sync conflicts.",
    entity="sync_conflict",
    people_only=True,
)
