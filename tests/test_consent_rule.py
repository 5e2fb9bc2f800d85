"""Consent in force has one rule (``standing`` in persistence/repositories/consents.py, with
its SQL form ``standing_sql``). On generated consent histories (hypothesis, real PostgreSQL)
the case flag the hot reads compute in SQL, ``in_force`` and the status a consent is read
with all agree, revision by revision and on the newest one. In particular a consent given
after the instant asked about is not in force at it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import col

from domain.consents.schemas import ConsentStatus
from domain.consents.service import _status
from persistence.database import Database
from persistence.models.case_vocabulary import ConsentGiver, ConsentMethod, ConsentPurpose
from persistence.models.consent import Consent
from persistence.models.survivor import Survivor
from persistence.repositories.cases import CONSENT_FLAG, with_flags
from persistence.repositories.consents import (
    EXPIRING_WITHIN,
    IN_FORCE,
    ConsentRepository,
    ConsentStanding,
    in_force,
    standing,
    standing_sql,
)
from persistence.uow import UnitOfWork
from tests.factories import CaseFactory, Factory

AT = datetime(2026, 6, 1, 6, 30, tzinfo=UTC)  # the instant asked about
TODAY = date(2026, 6, 1)
SECOND = timedelta(seconds=1)
# Instants near every edge of the rule, and some anywhere.
EDGES = [
    AT,
    AT - SECOND,
    AT + SECOND,
    AT + timedelta(minutes=4),  # a device's clock a little ahead
    AT + EXPIRING_WITHIN,
    AT + EXPIRING_WITHIN - SECOND,
    AT + EXPIRING_WITHIN + SECOND,
]
instants = st.one_of(
    st.sampled_from(EDGES),
    st.integers(-3 * 365 * 86400, 3 * 365 * 86400).map(lambda s: AT + timedelta(seconds=s)),
)


@dataclass(frozen=True)
class Revision:
    purpose: ConsentPurpose
    given_at: datetime
    expires_at: datetime | None
    withdrawn: bool
    deleted: bool


revisions = st.builds(
    Revision,
    purpose=st.sampled_from([ConsentPurpose.case_management] * 4 + [ConsentPurpose.research]),
    given_at=instants,
    expires_at=st.none() | instants,
    withdrawn=st.booleans(),
    deleted=st.integers(0, 5).map(lambda n: n == 0),
)


async def _record(database: Database, survivor_id: UUID, history: list[Revision]) -> None:
    async with UnitOfWork(database) as uow:
        organization_id = (await uow.session.get_one(Survivor, survivor_id)).organization_id
        for number, revision in enumerate(history, start=1):
            uow.session.add(
                Consent(
                    organization_id=organization_id,
                    survivor_id=survivor_id,
                    purpose=revision.purpose,
                    given_by=ConsentGiver.survivor,
                    method=ConsentMethod.verbal,
                    language="bn",
                    given_at=revision.given_at,
                    expires_at=revision.expires_at,
                    withdrawn_at=revision.given_at if revision.withdrawn else None,
                    revision=number,
                    deleted_at=AT if revision.deleted else None,
                )
            )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=st.lists(revisions, min_size=0, max_size=4))
async def test_sql_and_python_agree_on_consent_histories(
    database: Database, factory: Factory, history: list[Revision]
) -> None:
    organization = await factory.organization()
    survivor_id = await CaseFactory(factory).survivor(organization)
    await _record(database, survivor_id, history)

    async with UnitOfWork(database) as uow:
        repository = ConsentRepository(uow)
        connection = await repository.driver()
        # Revision by revision: the SQL form of the rule against the Python form.
        rows = await connection.fetch(
            f"SELECT k.id, {standing_sql('k', '$1::timestamptz')} AS standing"
            " FROM consent k WHERE k.survivor_id = $2",
            AT,
            survivor_id,
        )
        stored = {
            consent.id: consent
            for consent in (
                await uow.session.scalars(
                    sa.select(Consent).where(col(Consent.survivor_id) == survivor_id)
                )
            ).all()
        }
        for row in rows:
            assert row["standing"] == standing(stored[row["id"]], AT).value

        # The newest case-management revision: the case flag (SQL), in_force and the status.
        flag_row = await connection.fetchrow(
            with_flags("SELECT $3::uuid AS id, $3::uuid AS survivor_id", now="$1", today="$2"),
            AT,
            TODAY,
            survivor_id,
        )
        latest = await repository.latest(survivor_id, ConsentPurpose.case_management)

    if latest is None:
        assert flag_row["consent_state"] is None
        return
    expected_flag = CONSENT_FLAG.get(standing(latest, AT), "none")
    assert flag_row["consent_state"] == expected_flag
    forced = in_force(latest, AT) is not None
    assert forced == (flag_row["consent_state"] in ("given", "expiring"))
    assert forced == (_status(latest, False, AT) is ConsentStatus.in_force)
    assert forced == (standing(latest, AT) in IN_FORCE)
    if latest.given_at > AT and latest.withdrawn_at is None:
        assert not forced
        assert _status(latest, False, AT) is ConsentStatus.not_yet_in_force


def test_given_after_the_instant_is_not_in_force() -> None:
    consent = Consent(
        organization_id=UUID(int=1),
        survivor_id=UUID(int=2),
        purpose=ConsentPurpose.case_management,
        given_by=ConsentGiver.survivor,
        method=ConsentMethod.verbal,
        language="bn",
        given_at=AT + SECOND,
    )
    assert standing(consent, AT) is ConsentStanding.not_yet_given
    assert in_force(consent, AT) is None
    assert standing(consent, AT + SECOND) is ConsentStanding.in_force
