"""Who may sync: the people who carry a caseload into the field (program managers and social
workers). A device syncs in a person's name; an integration client never syncs, whatever
scopes it holds (a machine credential carrying survivors' records offline is exactly what the
rules forbid)."""

from __future__ import annotations

from domain.common.policy import policy
from domain.common.principal import Role

FIELD_WORKERS = frozenset({Role.program_manager, Role.social_worker})

PULL = policy(
    "sync:pull",
    FIELD_WORKERS,
    "Pull every change in her scope since a cursor (survivors, cases and their records).",
    entity="sync",
    people_only=True,
)
PUSH = policy(
    "sync:push",
    FIELD_WORKERS,
    "Push a batch of offline mutations and offline reads.",
    entity="sync",
    people_only=True,
)
CONFLICTS = policy(
    "sync:conflicts",
    FIELD_WORKERS,
    "See and resolve her own sync conflicts.",
    entity="sync_conflict",
    people_only=True,
)
