from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.consent import Consent
from persistence.repositories.base import EntityRepository


def reporting_consent_days_sql(organizations: str) -> str:
    """Per survivor of the organisations ``organizations`` (an SQL uuid[] expression), the
    business days at whose end her consent to aggregate reporting was in force
    (``survivor_id``, ``days``: a ``datemultirange``; ``D`` is in force when
    ``lower(range) <= D < upper(range)``).

    The history form of :func:`in_force`: a revision is in force from the day it was given
    until the day it was withdrawn, expired or superseded by the next revision (whichever
    comes first); a revision given on day D counts at the end of D, one withdrawn on day D no
    longer does. The database keeps it (table ``reporting_consent``, recomputed by triggers
    with the rule ``consent_in_force_days`` of migration 0022, in the same transaction as any
    change to the consents)."""
    return (
        "SELECT r.survivor_id, r.days FROM reporting_consent r"
        f" WHERE r.organization_id = ANY({organizations})"
    )


def in_force_days_sql(purpose: str, organizations: str, survivors: str = "NULL") -> str:
    """As :func:`reporting_consent_days_sql`, for any purpose without a named organisation
    (``purpose``: an SQL text expression), computed on the spot by the same rule
    (``consent_in_force_days``) rather than read from a kept table; for the survivors
    ``survivors`` (an SQL uuid[] expression; NULL: every one)."""
    return (
        f"SELECT d.survivor_id, d.days FROM consent_in_force_days({purpose}, {survivors}) d"
        f" WHERE d.organization_id = ANY({organizations})"
    )


# A consent in force that ends this soon is flagged on her case as expiring.
EXPIRING_WITHIN = timedelta(days=30)


class ConsentStanding(StrEnum):
    """Where one revision of a consent stands at an instant (the rule of :func:`standing`)."""

    withdrawn = "withdrawn"
    not_yet_given = "not_yet_given"  # given after the instant (a device's clock ahead)
    expired = "expired"
    expiring = "expiring"  # in force, ending within EXPIRING_WITHIN
    in_force = "in_force"


IN_FORCE = frozenset({ConsentStanding.expiring, ConsentStanding.in_force})

# The rule, in order: the first condition a revision meets names its standing. Each condition
# in Python and in SQL side by side (the hot reads compute it in their statement); the
# property test tests/test_consent_rule.py holds them to the same answers.
_RULE: tuple[tuple[ConsentStanding, Callable[[Consent, datetime], bool], str], ...] = (
    (
        ConsentStanding.withdrawn,
        lambda k, at: k.withdrawn_at is not None,
        "{k}.withdrawn_at IS NOT NULL",
    ),
    (ConsentStanding.not_yet_given, lambda k, at: k.given_at > at, "{k}.given_at > {at}"),
    (
        ConsentStanding.expired,
        lambda k, at: k.expires_at is not None and k.expires_at <= at,
        "{k}.expires_at <= {at}",
    ),
    (
        ConsentStanding.expiring,
        lambda k, at: k.expires_at is not None and k.expires_at <= at + EXPIRING_WITHIN,
        f"{{k}}.expires_at <= {{at}} + interval '{int(EXPIRING_WITHIN.total_seconds())} seconds'",
    ),
)


def standing(consent: Consent, at: datetime) -> ConsentStanding:
    """Where ``consent`` (one revision) stands at ``at``: in force when it was given by
    then, is not withdrawn and has not expired."""
    for name, holds, _ in _RULE:
        if holds(consent, at):
            return name
    return ConsentStanding.in_force


def standing_sql(k: str, at: str) -> str:
    """:func:`standing` as an SQL expression on the consent row ``k`` at ``at`` (an SQL
    timestamptz expression)."""
    cases = " ".join(f"WHEN {sql.format(k=k, at=at)} THEN '{name.value}'" for name, _, sql in _RULE)
    return f"CASE {cases} ELSE '{ConsentStanding.in_force.value}' END"


def in_force(consent: Consent | None, at: datetime) -> Consent | None:
    """``consent`` when it is in force at ``at`` (given by then, neither withdrawn nor
    expired), else None."""
    if consent is None or standing(consent, at) not in IN_FORCE:
        return None
    return consent


class ConsentRepository(EntityRepository[Consent]):
    model = Consent

    async def latest(
        self, survivor_id: UUID, purpose: str, organization_id: UUID | None = None
    ) -> Consent | None:
        """The newest revision for the purpose (and, for sharing, the named organisation)."""
        stmt = sa.select(Consent).where(
            col(Consent.survivor_id) == survivor_id,
            col(Consent.purpose) == purpose,
            col(Consent.deleted_at).is_(None),
        )
        if organization_id is not None:
            stmt = stmt.where(col(Consent.shared_with_organization_id) == organization_id)
        stmt = stmt.order_by(col(Consent.revision).desc(), col(Consent.given_at).desc()).limit(1)
        return (await self.session.scalars(stmt)).first()

    async def latest_for(self, survivor_ids: Iterable[UUID], purpose: str) -> dict[UUID, Consent]:
        """The newest revision for ``purpose`` of each survivor, in one statement."""
        wanted = sorted(set(survivor_ids))
        if not wanted:
            return {}
        stmt = (
            sa.select(Consent)
            .where(
                col(Consent.survivor_id).in_(wanted),
                col(Consent.purpose) == purpose,
                col(Consent.deleted_at).is_(None),
            )
            .order_by(col(Consent.revision).desc(), col(Consent.given_at).desc())
        )
        newest: dict[UUID, Consent] = {}
        for consent in (await self.session.scalars(stmt)).all():  # a few revisions each
            newest.setdefault(consent.survivor_id, consent)
        return newest

    async def latest_sharing(
        self, pairs: Iterable[tuple[UUID, UUID]]
    ) -> dict[tuple[UUID, UUID], Consent]:
        """The newest sharing revision of each (survivor, receiving organisation), in one
        statement (a page of referrals asks for all of its rows at once)."""
        wanted = sorted(set(pairs))
        if not wanted:
            return {}
        survivor, organization = (
            col(Consent.survivor_id),
            col(Consent.shared_with_organization_id),
        )
        stmt = (
            sa.select(Consent)
            .where(
                sa.tuple_(survivor, organization).in_(wanted),
                col(Consent.purpose) == "sharing",
                col(Consent.deleted_at).is_(None),
            )
            .order_by(col(Consent.revision).desc(), col(Consent.given_at).desc())
        )
        newest: dict[tuple[UUID, UUID], Consent] = {}
        for consent in (await self.session.scalars(stmt)).all():  # a few revisions a pair
            if consent.shared_with_organization_id is not None:
                pair = (consent.survivor_id, consent.shared_with_organization_id)
                newest.setdefault(pair, consent)
        return newest

    async def active(
        self,
        survivor_id: UUID,
        purpose: str,
        at: datetime,
        organization_id: UUID | None = None,
    ) -> Consent | None:
        """The consent in force at ``at``: the newest revision, given by then, neither
        withdrawn nor expired."""
        return in_force(await self.latest(survivor_id, purpose, organization_id), at)

    async def of_survivors(
        self, consent_ids: Sequence[UUID], survivors: sa.Select[Any]
    ) -> list[Consent]:
        """The live consents among ``consent_ids`` of the survivors ``survivors`` selects (her
        id and organisation), each of her organisation (as one survivor's consent is read);
        one statement."""
        if not consent_ids:
            return []
        stmt = sa.select(Consent).where(
            col(Consent.id).in_(list(consent_ids)),
            sa.tuple_(col(Consent.survivor_id), col(Consent.organization_id)).in_(survivors),
            col(Consent.deleted_at).is_(None),
        )
        return list((await self.session.scalars(stmt)).all())

    async def superseded(self, consent_ids: Iterable[UUID]) -> set[UUID]:
        """Those of ``consent_ids`` that a newer revision supersedes."""
        wanted = list(consent_ids)
        if not wanted:
            return set()
        stmt = sa.select(col(Consent.supersedes_id)).where(
            col(Consent.supersedes_id).in_(wanted),
            col(Consent.deleted_at).is_(None),
        )
        return {row for row in (await self.session.scalars(stmt)).all() if row is not None}
