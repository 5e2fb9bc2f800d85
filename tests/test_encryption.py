"""Proof that personal data is encrypted at rest, and that keys rotate.

1. A dump of every table (every column as text, bytea as UTF-8 and as hex) after seeding
   survivors, consents, an idempotent create, and a sealed value in every other sealed column
   shows none of the seeded personal values.
2. A sealed value is bound to its place (moved to another row or column it does not open), to
   a configured key (an unknown kid does not open), and blind indexes differ per organisation.
3. The rotation registry names every sealed column of the schema; a rotation re-seals every
   value under the new key (resumably, in batches) so that the old key can be dropped; the
   blind indexes are rebuilt under a new index key; and ``shakti-mis rotate-keys`` does both.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel

from api import cli
from api.app import create_app
from domain.common.principal import Role
from domain.common.settings import Settings
from domain.survivors.service import sealed_blind_indexes
from persistence import clock
from persistence.crypto import DecryptionError, FieldCipher, Place, decode_key, new_key_text
from persistence.database import Database, create_engine
from persistence.key_rotation import (
    SEALED_COLUMNS,
    SealedColumn,
    reindex_survivors,
    reseal_all,
    reseal_column,
)
from persistence.models.assessment import Assessment
from persistence.models.assessment_instrument import AssessmentInstrument
from persistence.models.care_plan_agreement import CarePlanAgreement
from persistence.models.care_plan_goal import CarePlanGoal
from persistence.models.case_event import CaseEvent
from persistence.models.case_note import CaseNote
from persistence.models.case_visit import CaseVisit
from persistence.models.case_vocabulary import (
    CaseEventKind,
    CaseStatus,
    CbrComponent,
    ConsentMethod,
    GoalStatus,
    NoteConfidentiality,
    ProceedingKind,
    ProceedingStatus,
    ReferralSource,
    ReferralStatus,
    Responsible,
    RiskLevel,
    ServiceKind,
    TraffickingStatus,
    Urgency,
    VisitKind,
    VisitStatus,
)
from persistence.models.legal_hearing import LegalHearing
from persistence.models.legal_proceeding import LegalProceeding
from persistence.models.referral import Referral
from persistence.models.survivor_case import SurvivorCase
from tests.factories import NORTH_24, SOUTH_24, Actor, Factory

API = "/api/v1"
SURVIVORS = f"{API}/survivors"
ACTIVE_A = "test-data-1"  # the key the test settings seal with
KID_B = "kid-b"

# Everything seeded below that names or locates someone. None may appear in a dump.
PERSONAL_VALUES = {
    "given": "Parbatimarker",
    "family": "Haldarinimarker",
    "alias": "Porialiasmarker",
    "phone": "+91 97350 44821",
    "phone_digits": "9735044821",
    "village": "Kultalivillagemarker",
    "gram_panchayat": "Maipithpanchayatmarker",
    "address_details": "Behind the old mosque, house 17",
    "current_village": "Canningtownmarker",
    "aadhaar": "7391 2284 6650",
    "ration_card": "WB/RC/448213",
    "family_name": "Bablu Haldarmarker",
    "family_phone": "9474011223",
    "code_word": "kadamphoolmarker",
    "times": "after four only, never sundays",
    "gender_identity": "trans woman marker",
    "dob": "2003-07-21",
    "minor_given": "Mitalimarker",
    "guardian": "Sabitri Devimarker",
    # written straight to the tables of areas whose services are not part of this proof
    "case_context": "Recruited at Sealdah station by a man called Rafiqmarker",
    "case_event": "Closed because she moved to her aunt in Basirhatmarker",
    "assessment": "Nightmares since the raid, Dr Senmarker",
    "goal": "Tailoring course at Jaynagar with Ratnamarker",
    "agreement": "Agreed in the presence of her sister Mousumimarker",
    "referral_reason": "Needs a lawyer against Shyamal Mandalmarker",
    "referral_shared": "Shared: Parbati, 9735044821, Kultali",
    "referral_outcome": "Lawyer Anjali Boumarker took the case",
    "referral_note": "Prefers a woman lawyer; mornings only",
    "visit": "Her uncle waited outside, visit cut short, Gosabamarker",
    "note": "She named the trafficker: Haru Sheikhmarker of Kultali",
    "legal": "FIR 214/2026 at Kultali PS, accused Haru Sheikhmarker",
    "hearing": "Accused threatened her in the corridor, Judge Roymarker",
}


# The sealed columns ``seed`` fills (the others belong to areas whose records this proof does
# not create; the rotation treats every registered column alike).
SEEDED = frozenset(
    spec
    for spec in SEALED_COLUMNS
    if spec.table
    in {
        "survivor", "consent", "idempotency_record", "survivor_case", "case_event",
        "assessment", "care_plan_goal", "care_plan_agreement", "referral", "case_visit",
        "case_note", "legal_proceeding", "legal_hearing",
    }
)  # fmt: skip


@dataclass
class Seeded:
    organization_id: UUID
    manager: Actor
    survivor_id: str
    minor_id: str
    other_ids: list[str] = field(default_factory=list)


def survivor_payload() -> dict[str, Any]:
    v = PERSONAL_VALUES
    return {
        "given_name": v["given"],
        "family_name": v["family"],
        "aliases": [v["alias"]],
        "sex": "female",
        "gender_identity": v["gender_identity"],
        "date_of_birth": v["dob"],
        "languages": ["bn"],
        "phone": v["phone"],
        "home_address": {
            "details": v["address_details"],
            "village": v["village"],
            "gram_panchayat": v["gram_panchayat"],
            "district_id": str(SOUTH_24),
        },
        "current_address": {"village": v["current_village"], "district_id": str(NORTH_24)},
        "identity_documents": [
            {"kind": "aadhaar", "number": v["aadhaar"]},
            {"kind": "ration_card", "number": v["ration_card"]},
        ],
        "family_members": [
            {"name": v["family_name"], "relationship": "uncle", "phone": v["family_phone"]}
        ],
        "safe_contact": {"channel": "sms", "times": v["times"], "code_word": v["code_word"]},
    }


async def seed(client: httpx.AsyncClient, factory: Factory) -> Seeded:
    """Survivors, consents and an idempotent create through the API; a sealed value in every
    other sealed column straight into its table (sealed as their services seal)."""
    organization = await factory.organization("Encryption Proof NGO")
    partner = await factory.organization("Encryption Proof Partner")
    manager = await factory.user(organization, Role.program_manager)
    created = await client.post(
        SURVIVORS,
        json=survivor_payload(),
        headers={**manager.headers, "Idempotency-Key": "intake-proof-1"},
    )
    assert created.status_code == 201, created.text
    survivor_id = created.json()["id"]
    today = clock.today()
    minor = await client.post(
        SURVIVORS,
        json={
            "given_name": PERSONAL_VALUES["minor_given"],
            "sex": "female",
            "date_of_birth": str(date(today.year - 13, 5, 1)),
        },
        headers=manager.headers,
    )
    assert minor.status_code == 201, minor.text
    minor_id = minor.json()["id"]
    others = []
    for n in range(3):
        other = await client.post(
            SURVIVORS,
            json={"given_name": f"Filler{n}", "sex": "female", "phone": f"900000{n:04d}"},
            headers=manager.headers,
        )
        assert other.status_code == 201, other.text
        others.append(other.json()["id"])
    for body in (
        {"purpose": "case_management", "method": "written", "language": "bn"},
        {
            "purpose": "sharing",
            "shared_with_organization_id": str(partner),
            "fields": ["name", "phone"],
            "method": "verbal",
            "language": "bn",
        },
    ):
        given = await client.post(
            f"{SURVIVORS}/{survivor_id}/consents", json=body, headers=manager.headers
        )
        assert given.status_code == 201, given.text
    guardian = await client.post(
        f"{SURVIVORS}/{minor_id}/consents",
        json={
            "purpose": "case_management",
            "given_by": "guardian",
            "guardian": {"name": PERSONAL_VALUES["guardian"], "relationship": "mother"},
            "method": "thumbprint",
            "language": "bn",
        },
        headers=manager.headers,
    )
    assert guardian.status_code == 201, guardian.text
    await seed_case_records(factory, organization, partner, manager.id, UUID(survivor_id))
    return Seeded(organization, manager, survivor_id, minor_id, others)


async def seed_case_records(
    factory: Factory, organization: UUID, partner: UUID, author: UUID, survivor_id: UUID
) -> None:
    v = PERSONAL_VALUES
    async with factory.uow() as uow:
        cipher = uow.cipher

        def seal(record: Any, column: str, text: str) -> None:
            setattr(
                record,
                column,
                cipher.seal_text(text, Place(record.__tablename__, column, record.id)),
            )

        case = SurvivorCase(
            organization_id=organization,
            survivor_id=survivor_id,
            district_id=SOUTH_24,
            case_number=f"ENC-{uuid.uuid4().hex[:8]}",
            status=CaseStatus.active,
            risk_level=RiskLevel.high,
            referral_source=ReferralSource.police_ahtu,
            trafficking_status=TraffickingStatus.actual,
            opened_on=date(2026, 2, 1),
        )
        seal(case, "context_enc", v["case_context"])
        uow.session.add(case)
        await uow.session.flush()
        bound: dict[str, Any] = {
            "organization_id": organization,
            "district_id": SOUTH_24,
            "case_id": case.id,
        }
        event = CaseEvent(case_id=case.id, organization_id=organization, kind=CaseEventKind.visit)
        seal(event, "note_enc", v["case_event"])
        instrument = AssessmentInstrument(
            organization_id=organization, code=f"enc-{uuid.uuid4().hex[:6]}", name="Proof"
        )
        uow.session.add_all([event, instrument])
        await uow.session.flush()
        assessment = Assessment(**bound, instrument_id=instrument.id, conducted_on=clock.today())
        seal(assessment, "notes_enc", v["assessment"])
        goal = CarePlanGoal(
            **bound,
            component=CbrComponent.livelihood,
            rank=1,
            goal_enc=b"",
            responsible=Responsible.survivor,
            status=GoalStatus.in_progress,
        )
        seal(goal, "goal_enc", v["goal"])
        agreement = CarePlanAgreement(
            **bound, agreed_on=date(2026, 3, 1), method=ConsentMethod.verbal
        )
        seal(agreement, "notes_enc", v["agreement"])
        referral = Referral(
            **bound,
            survivor_id=survivor_id,
            receiving_organization_id=partner,
            service_kind=ServiceKind.legal_aid,
            urgency=Urgency.urgent,
            reason_enc=b"",
            shared_enc=b"",
            status=ReferralStatus.completed,
        )
        seal(referral, "reason_enc", v["referral_reason"])
        seal(referral, "shared_enc", v["referral_shared"])
        seal(referral, "outcome_enc", v["referral_outcome"])
        seal(referral, "note_to_partner_enc", v["referral_note"])
        visit = CaseVisit(
            **bound, kind=VisitKind.home, status=VisitStatus.done, planned_on=date(2026, 3, 2)
        )
        seal(visit, "findings_enc", v["visit"])
        note = CaseNote(
            **bound,
            author_id=author,
            confidentiality=NoteConfidentiality.restricted,
            body_enc=b"",
        )
        seal(note, "body_enc", v["note"])
        proceeding = LegalProceeding(
            **bound, kind=ProceedingKind.fir, status=ProceedingStatus.trial, details_enc=b""
        )
        seal(proceeding, "details_enc", v["legal"])
        uow.session.add_all([assessment, goal, agreement, referral, visit, note, proceeding])
        await uow.session.flush()
        hearing = LegalHearing(**bound, proceeding_id=proceeding.id, held_on=date(2026, 4, 1))
        seal(hearing, "outcome_enc", v["hearing"])
        uow.session.add(hearing)


def data_key(settings: Settings, kid: str = ACTIVE_A) -> bytes:
    return decode_key(settings.data_keys[kid].get_secret_value())


def index_key(settings: Settings) -> bytes:
    assert settings.blind_index_key is not None
    return decode_key(settings.blind_index_key.get_secret_value())


def with_cipher(database: Database, cipher: FieldCipher | None) -> Database:
    """The same database (the same test connection) seen with other keys."""
    return Database(
        engine=database.engine,
        session_factory=database.session_factory,
        connection=database.connection,
        cipher=cipher,
    )


async def sealed_values(connection: AsyncConnection) -> dict[SealedColumn, list[tuple[Any, ...]]]:
    """Every non-null value of every registered column, with its key columns."""
    found: dict[SealedColumn, list[tuple[Any, ...]]] = {}
    for spec in SEALED_COLUMNS:
        table = SQLModel.metadata.tables[spec.table]
        stmt = sa.select(*(table.c[k] for k in spec.keys), table.c[spec.column]).where(
            table.c[spec.column].is_not(None)
        )
        found[spec] = [tuple(row) for row in await connection.execute(stmt)]
    return found


@asynccontextmanager
async def serve(settings: Settings, database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, database=database)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


# -- 1. the dump --------------------------------------------------------------------------
async def dump_everything(url: str) -> tuple[list[str], set[str]]:
    """Every value of every table of the public schema, as the database owner reads it: each
    column cast to text, and bytea also decoded as UTF-8 (errors ignored) and as hex."""
    owner = create_engine(url, pool_size=1)
    texts: list[str] = []
    try:
        async with owner.connect() as connection:
            tables = [
                row[0]
                for row in await connection.execute(
                    sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            ]
            for table in tables:
                quoted = '"' + table.replace('"', '""') + '"'
                columns = [
                    row[0]
                    for row in await connection.execute(
                        sa.text(
                            "SELECT column_name FROM information_schema.columns"
                            " WHERE table_schema = 'public' AND table_name = :t"
                        ),
                        {"t": table},
                    )
                ]
                as_text = ", ".join(f'"{c}"::text' for c in columns)
                for row in await connection.execute(sa.text(f"SELECT {as_text} FROM {quoted}")):
                    texts.extend(str(value) for value in row if value is not None)
                for row in await connection.execute(sa.text(f"SELECT * FROM {quoted}")):
                    for value in row:
                        if isinstance(value, bytes | memoryview):
                            raw = bytes(value)
                            texts.append(raw.decode("utf-8", errors="ignore"))
                            texts.append(raw.hex())
                        elif value is not None:
                            texts.append(json.dumps(value, default=str, ensure_ascii=False))
    finally:
        await owner.dispose()
    return texts, set(tables)


async def test_a_dump_of_every_table_shows_no_personal_data(
    settings: Settings, committed_db: Database
) -> None:
    app = create_app(settings, database=committed_db)
    factory = Factory(app.state.container, committed_db)
    async with serve(settings, committed_db) as client:
        seeded = await seed(client, factory)
        # The record really holds the values (so their absence below means sealed, not lost).
        read = await client.get(f"{SURVIVORS}/{seeded.survivor_id}", headers=seeded.manager.headers)
        assert read.json()["safe_contact"]["code_word"] == PERSONAL_VALUES["code_word"]
        replay = await client.post(
            SURVIVORS,
            json=survivor_payload(),
            headers={**seeded.manager.headers, "Idempotency-Key": "intake-proof-1"},
        )
        assert replay.headers["Idempotent-Replayed"] == "true"
    url = committed_db.engine.url.render_as_string(hide_password=False)
    texts, tables = await dump_everything(url)
    assert {"survivor", "consent", "idempotency_record", "audit_event", "case_note"} <= tables
    everything = "\n".join(texts).casefold()
    # The dump really holds the seeded rows: plain values show, and so do the key ids that
    # sealed values carry (bytea decoded as text) and the sealed bytes themselves (as hex).
    assert "encryption proof ngo" in everything
    assert ACTIVE_A in everything
    async with committed_db.engine.connect() as connection:
        sealed = (
            await connection.execute(
                sa.text("SELECT personal_enc FROM survivor WHERE id = :id"),
                {"id": seeded.survivor_id},
            )
        ).scalar_one()
    assert bytes(sealed).hex() in everything
    leaks = []
    for name, value in PERSONAL_VALUES.items():
        for form in {value, value.replace(" ", ""), value.encode().hex()}:
            if form.casefold() in everything:
                leaks.append(f"{name}: {form!r}")
    assert leaks == [], "plaintext in the dump:\n" + "\n".join(leaks)


# -- 2. places, keys and blind indexes ---------------------------------------------------------
async def test_a_sealed_value_opens_only_in_its_own_place_and_under_a_known_key(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection, settings: Settings
) -> None:
    seeded = await seed(client, factory)
    rows = {
        str(row.id): bytes(row.personal_enc)
        for row in await connection.execute(sa.text("SELECT id, personal_enc FROM survivor"))
    }
    cipher = FieldCipher({ACTIVE_A: data_key(settings)}, ACTIVE_A, index_key(settings))
    mine = rows[seeded.survivor_id]
    own = Place("survivor", "personal_enc", UUID(seeded.survivor_id))
    assert cipher.open_json(mine, own)["given_name"] == PERSONAL_VALUES["given"]
    for elsewhere in (
        Place("survivor", "personal_enc", UUID(seeded.minor_id)),  # another row
        Place("survivor", "gender_enc", UUID(seeded.survivor_id)),  # another column
        Place("consent", "personal_enc", UUID(seeded.survivor_id)),  # another table
    ):
        with pytest.raises(DecryptionError):
            cipher.open(mine, elsewhere)
    # Moved in the database itself: her row holding another survivor's value does not open.
    await connection.execute(
        sa.text("UPDATE survivor SET personal_enc = :v WHERE id = :id"),
        {"v": rows[seeded.minor_id], "id": seeded.survivor_id},
    )
    moved = (
        await connection.execute(
            sa.text("SELECT personal_enc FROM survivor WHERE id = :id"),
            {"id": seeded.survivor_id},
        )
    ).scalar_one()
    with pytest.raises(DecryptionError):
        cipher.open(bytes(moved), own)
    # A key that is not configured: refused, whatever the key id says.
    stranger = FieldCipher({"other": decode_key(new_key_text())}, "other", index_key(settings))
    with pytest.raises(DecryptionError, match="not configured"):
        stranger.open(mine, own)
    same_name = FieldCipher({ACTIVE_A: decode_key(new_key_text())}, ACTIVE_A, index_key(settings))
    with pytest.raises(DecryptionError):
        same_name.open(mine, own)
    renamed = mine.replace(ACTIVE_A.encode(), b"test-data-9", 1)
    with pytest.raises(DecryptionError):
        cipher.open(renamed, own)
    tampered = mine[:-1] + bytes([mine[-1] ^ 1])
    with pytest.raises(DecryptionError):
        cipher.open(tampered, own)


async def test_blind_indexes_match_inside_one_organisation_only(
    client: httpx.AsyncClient, factory: Factory, connection: AsyncConnection
) -> None:
    managers = [
        await factory.user(await factory.organization(f"Index Org {n}"), Role.program_manager)
        for n in range(2)
    ]
    for manager in managers:
        for phone in ("+91 97350 44821", "097350-44821"):
            response = await client.post(
                SURVIVORS,
                json={
                    "given_name": "Same Woman",
                    "sex": "female",
                    "phone": phone,
                    "confirm_not_duplicate": True,
                },
                headers=manager.headers,
            )
            assert response.status_code == 201, response.text
    rows = (
        await connection.execute(
            sa.text("SELECT organization_id, phone_bidx, name_bidx FROM survivor")
        )
    ).all()
    by_org: dict[UUID, set[tuple[bytes, bytes]]] = {}
    for row in rows:
        by_org.setdefault(row.organization_id, set()).add((row.phone_bidx, row.name_bidx))
    assert len(by_org) == 2
    first, second = by_org.values()
    assert len(first) == 1  # one number, two spellings: one index within the organisation
    assert len(second) == 1
    (phone_a, name_a), (phone_b, name_b) = first.pop(), second.pop()
    assert phone_a != phone_b
    assert name_a != name_b


# -- 3. rotation --------------------------------------------------------------------------
def test_the_rotation_registry_covers_every_sealed_column() -> None:
    import persistence.models  # noqa: F401

    sealed = {
        (table.name, column.name)
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
        if column.name.endswith("_enc")
    }
    registered = {(spec.table, spec.column) for spec in SEALED_COLUMNS}
    assert registered - sealed == {("idempotency_record", "response_body")}
    assert sealed <= registered, f"add to persistence/key_rotation.py: {sealed - registered}"
    # Every other binary column is a hash or an index (nothing else may hold data in bytes).
    binary = {
        (table.name, column.name)
        for table in SQLModel.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, sa.LargeBinary)
    }
    others = binary - registered
    assert all(
        name.endswith(("_hash", "_bidx", "fingerprint")) or name == "hash" for _, name in others
    ), others
    for spec in SEALED_COLUMNS:
        table = SQLModel.metadata.tables[spec.table]
        assert [c.name for c in table.primary_key.columns] == list(spec.keys), spec


async def test_rotation_reseals_everything_so_that_the_old_key_can_go(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
    settings: Settings,
) -> None:
    seeded = await seed(client, factory)
    before = await sealed_values(connection)
    assert len(SEEDED) == 16
    assert not [f"{s.table}.{s.column}" for s, rows in before.items() if s in SEEDED and not rows]
    key_b = new_key_text()
    both = FieldCipher(
        {ACTIVE_A: data_key(settings), KID_B: decode_key(key_b)}, KID_B, index_key(settings)
    )
    only_b = FieldCipher({KID_B: decode_key(key_b)}, KID_B, index_key(settings))
    reports = await reseal_all(with_cipher(database, both), batch_size=2)
    expected = {spec: len(rows) for spec, rows in before.items()}
    assert {(r.table, r.column): r.resealed for r in reports} == {
        (s.table, s.column): n for s, n in expected.items()
    }
    after = await sealed_values(connection)
    for spec, rows in after.items():
        assert len(rows) == expected[spec]
        for row in rows:
            keys, sealed = row[: len(spec.keys)], bytes(row[-1])
            assert only_b.key_id(sealed) == KID_B, spec
            only_b.open(sealed, spec.place(keys))
            with pytest.raises(DecryptionError):
                FieldCipher({ACTIVE_A: data_key(settings)}, ACTIVE_A, index_key(settings)).open(
                    sealed, spec.place(keys)
                )
    # Nothing left to do: a second run changes nothing.
    again = await reseal_all(with_cipher(database, both), batch_size=2)
    assert sum(r.resealed for r in again) == 0

    # The API with only key B configured reads her, and replays the stored answer.
    b_only = settings.model_copy(
        update={"data_keys": {KID_B: SecretStr(key_b)}, "data_active_kid": KID_B}
    )
    async with serve(b_only, with_cipher(database, None)) as b_client:
        read = await b_client.get(
            f"{SURVIVORS}/{seeded.survivor_id}", headers=seeded.manager.headers
        )
        assert read.status_code == 200, read.text
        assert read.json()["identity_documents"][0]["number"] == PERSONAL_VALUES["aadhaar"]
        replay = await b_client.post(
            SURVIVORS,
            json=survivor_payload(),
            headers={**seeded.manager.headers, "Idempotency-Key": "intake-proof-1"},
        )
        assert replay.status_code == 201, replay.text
        assert replay.headers["Idempotent-Replayed"] == "true"
        consents = await b_client.get(
            f"{SURVIVORS}/{seeded.minor_id}/consents", headers=seeded.manager.headers
        )
        assert consents.json()["items"][0]["guardian"]["name"] == PERSONAL_VALUES["guardian"]


async def test_an_interrupted_rotation_keeps_its_finished_batches_and_resumes(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
    settings: Settings,
) -> None:
    await seed(client, factory)
    spec = next(s for s in SEALED_COLUMNS if s.table == "survivor")
    ids = [
        row[0] for row in await connection.execute(sa.text("SELECT id FROM survivor ORDER BY id"))
    ]
    assert len(ids) == 5
    # The third survivor's value is under a key this run does not have.
    lost = FieldCipher({"kid-c": decode_key(new_key_text())}, "kid-c", index_key(settings))
    original = (
        await connection.execute(
            sa.text("SELECT personal_enc FROM survivor WHERE id = :id"), {"id": ids[2]}
        )
    ).scalar_one()
    await connection.execute(
        sa.text("UPDATE survivor SET personal_enc = :v WHERE id = :id"),
        {"v": lost.seal_json({"given_name": "x"}, spec.place([ids[2]])), "id": ids[2]},
    )
    key_b = decode_key(new_key_text())
    both = FieldCipher({ACTIVE_A: data_key(settings), KID_B: key_b}, KID_B, index_key(settings))
    with pytest.raises(DecryptionError):
        await reseal_column(with_cipher(database, both), spec, batch_size=2)

    async def kids() -> list[str]:
        rows = await connection.execute(sa.text("SELECT id, personal_enc FROM survivor"))
        by_id = {row[0]: both.key_id(bytes(row[1])) for row in rows}
        return [by_id[i] for i in ids]

    assert await kids() == [KID_B, KID_B, "kid-c", ACTIVE_A, ACTIVE_A]
    # The operator configures the missing key (here: puts the value back) and runs it again.
    await connection.execute(
        sa.text("UPDATE survivor SET personal_enc = :v WHERE id = :id"),
        {"v": original, "id": ids[2]},
    )
    report = await reseal_column(with_cipher(database, both), spec, batch_size=2)
    assert (report.examined, report.resealed) == (3, 3)
    assert await kids() == [KID_B] * 5


async def test_reindex_rebuilds_blind_indexes_under_a_new_index_key(
    client: httpx.AsyncClient,
    factory: Factory,
    database: Database,
    connection: AsyncConnection,
    settings: Settings,
) -> None:
    seeded = await seed(client, factory)
    new_index = new_key_text()
    cipher = FieldCipher({ACTIVE_A: data_key(settings)}, ACTIVE_A, decode_key(new_index))
    moved = settings.model_copy(update={"blind_index_key": SecretStr(new_index)})
    search = {"phone": PERSONAL_VALUES["phone_digits"]}
    async with serve(moved, with_cipher(database, None)) as new_client:
        stale = await new_client.post(
            f"{SURVIVORS}/search", json=search, headers=seeded.manager.headers
        )
        assert stale.json()["items"] == []  # the old indexes do not match under the new key
        report = await reindex_survivors(with_cipher(database, cipher), sealed_blind_indexes)
        assert (report.examined, report.resealed) == (5, 5)
        found = await new_client.post(
            f"{SURVIVORS}/search", json=search, headers=seeded.manager.headers
        )
        assert [item["id"] for item in found.json()["items"]] == [seeded.survivor_id]
    again = await reindex_survivors(with_cipher(database, cipher), sealed_blind_indexes)
    assert again.resealed == 0
    nameless = await connection.execute(
        sa.text("SELECT count(*) FROM survivor WHERE phone_bidx IS NULL")
    )
    assert nameless.scalar_one() == 1  # the minor has no phone: no index is invented


async def test_the_rotate_keys_command(
    settings: Settings,
    committed_db: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Any,
) -> None:
    app = create_app(settings, database=committed_db)
    factory = Factory(app.state.container, committed_db)
    async with serve(settings, committed_db) as client:
        seeded = await seed(client, factory)
    url = committed_db.engine.url.render_as_string(hide_password=False)
    key_a = settings.data_keys[ACTIVE_A].get_secret_value()
    key_b, new_index = new_key_text(), new_key_text()
    for name in ("SHAKTI_DATABASE_URL", "SHAKTI_DATA_KEYS", "SHAKTI_BLIND_INDEX_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHAKTI_DATABASE_URL", url)
    monkeypatch.setenv("SHAKTI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SHAKTI_DATA_KEYS", json.dumps({ACTIVE_A: key_a, KID_B: key_b}))
    monkeypatch.setenv("SHAKTI_DATA_ACTIVE_KID", KID_B)
    monkeypatch.setenv("SHAKTI_BLIND_INDEX_KEY", new_index)

    code = await asyncio.to_thread(cli.main, ["rotate-keys", "--reindex", "--batch-size", "2"])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = dict(line.split("\t", 1) for line in out.strip().splitlines())
    assert lines["survivor.personal_enc"] == "examined 5\tchanged 5"
    assert lines["consent.guardian_enc"] == "examined 1\tchanged 1"
    assert lines["idempotency_record.response_body"] == "examined 1\tchanged 1"
    assert lines["survivor.blind_indexes"] == "examined 5\tchanged 5"
    for name in ("Parbatimarker", key_a, key_b, new_index):
        assert name not in out + err

    # Only key B and the new index key from now on: everything opens and search works.
    b_only = settings.model_copy(
        update={
            "data_keys": {KID_B: SecretStr(key_b)},
            "data_active_kid": KID_B,
            "blind_index_key": SecretStr(new_index),
        }
    )
    database_b = Database(engine=committed_db.engine, session_factory=committed_db.session_factory)
    async with serve(b_only, database_b) as client_b:
        found = await client_b.post(
            f"{SURVIVORS}/search",
            json={"phone": PERSONAL_VALUES["phone"]},
            headers=seeded.manager.headers,
        )
        assert [item["id"] for item in found.json()["items"]] == [seeded.survivor_id]
        read = await client_b.get(
            f"{SURVIVORS}/{seeded.survivor_id}", headers=seeded.manager.headers
        )
        assert read.json()["family_members"][0]["name"] == PERSONAL_VALUES["family_name"]
    async with committed_db.engine.connect() as connection:
        values = await sealed_values(connection)
        events = await connection.execute(
            sa.text(
                "SELECT entity_type FROM audit_event WHERE action = 'secret_rotate'"
                " AND actor_type = 'system' ORDER BY seq"
            )
        )
        assert [row[0] for row in events] == ["data_key", "blind_index_key"]
    only_b = FieldCipher({KID_B: decode_key(key_b)}, KID_B, decode_key(new_index))
    for spec, rows in values.items():
        assert rows or spec not in SEEDED, spec
        for row in rows:
            assert only_b.key_id(bytes(row[-1])) == KID_B
            only_b.open(bytes(row[-1]), spec.place(row[: len(spec.keys)]))

    # Run again: nothing left to change.
    code = await asyncio.to_thread(cli.main, ["rotate-keys"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert all(line.endswith("changed 0") for line in out.strip().splitlines())


async def test_rotate_keys_refuses_a_database_it_cannot_open(
    settings: Settings,
    committed_db: Database,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Any,
) -> None:
    async with serve(settings, committed_db) as client:
        factory = Factory(create_app(settings, database=committed_db).state.container, committed_db)
        manager = await factory.user(await factory.organization(), Role.program_manager)
        created = await client.post(
            SURVIVORS, json={"given_name": "Asha", "sex": "female"}, headers=manager.headers
        )
        assert created.status_code == 201, created.text
    url = committed_db.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("SHAKTI_DATABASE_URL", url)
    monkeypatch.setenv("SHAKTI_DATA_DIR", str(tmp_path))
    # The old key was dropped too early.
    monkeypatch.setenv("SHAKTI_DATA_KEYS", json.dumps({KID_B: new_key_text()}))
    monkeypatch.setenv("SHAKTI_DATA_ACTIVE_KID", KID_B)
    monkeypatch.setenv("SHAKTI_BLIND_INDEX_KEY", new_key_text())
    code = await asyncio.to_thread(cli.main, ["rotate-keys"])
    err = capsys.readouterr().err
    assert code == 1
    assert "could not be opened" in err
    assert "Asha" not in err
