"""Issue 9, sections 1 and 2: a machine credential never becomes a person, and never receives
a survivor's personal data.

1. People-only policies (``Policy.people_only``): an integration client never takes a person's
   act, whatever scopes its database row names (a grant written straight into the row is still
   refused, on the route and in the service), and the platform admin cannot grant one (422
   naming the scope).
2. Personal fields (``domain.common.schemas.Personal``): every answer to a client carries them
   as null. The one exception, ``referrals:inbox``, granted by a program manager of the client's
   own organisation, releases the consented fields of referrals addressed to it, and nothing
   else.
3. The route walk: a world holding a record of each kind (the demo data, plus a survivor whose
   every personal field holds a sentinel, referred to the lead organisation), a client of every
   grantable role with every scope that role may hold, every route of the app (from its route
   table, so a new route is walked without editing this test). An answer fails when a field the
   spec marks ``x-personal`` holds a value, or when its raw body holds a sentinel or any value
   sealed at rest anywhere in the world.
"""

from __future__ import annotations

import base64
import contextvars
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
import sqlalchemy as sa
from pydantic import SecretStr
from sqlmodel import col

from api.route_table import api_routes
from domain.attachments.service import AttachmentService
from domain.cases.schemas import CaseAssignment, CaseCreate, CaseDetail
from domain.cases.service import CaseService
from domain.common.errors import BusinessRuleViolation, PermissionDenied
from domain.common.policy import Policy
from domain.common.principal import Principal, PrincipalKind, Role
from domain.common.request_context import note_caller
from domain.consents.schemas import ConsentCreate, Guardian
from domain.consents.service import ConsentService
from domain.follow_ups.notes import NoteService
from domain.follow_ups.schemas import NoteCreate
from domain.geography.schemas import BlockCreate
from domain.geography.service import GeographyService
from domain.identity.passwords import Passwords
from domain.integration_clients import policies as client_policies
from domain.integration_clients.schemas import IntegrationClientCreate
from domain.integration_clients.service import IntegrationClientService
from domain.policies import all_policies
from domain.referrals.schemas import ReferralCreate, ReferralTransition
from domain.referrals.service import ReferralService
from domain.research.schemas import ExtractCreate
from domain.research.service import ExtractSettings, ResearchExtractService
from domain.survivors.schemas import (
    Address,
    ContactChannel,
    FamilyMember,
    FamilyRelationship,
    IdentityDocument,
    IdentityDocumentKind,
    SafeContactPreferences,
    SurvivorCreate,
)
from domain.survivors.service import SurvivorService
from domain.users.reset_requests import ResetRequestService
from domain.users.schemas import UserCreate
from domain.users.service import UserService
from persistence.key_rotation import SEALED_COLUMNS
from persistence.models.base import utcnow
from persistence.models.case_vocabulary import (
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    DuplicateAlertStatus,
    NoteConfidentiality,
    ReferralSource,
    ReferralStatus,
    ServiceKind,
    Sex,
    ShareableField,
)
from persistence.models.device import Device
from persistence.models.device_vocabulary import (
    AttachmentCategory,
    AttachmentRecordKind,
    DevicePlatform,
)
from persistence.models.duplicate_alert import DuplicateAlert
from persistence.models.export import Export, ExportFormat, ExportStatus
from persistence.models.integration_client import IntegrationClient
from persistence.models.reset_request import ResetKind, ResetRequest
from persistence.models.study import Study
from persistence.uow import UnitOfWork
from seeds.context import DemoOptions
from seeds.runner import seed_demo
from tests.factories import DEFAULT_PASSWORD, NORTH_24, SOUTH_24, Actor, CaseFactory, Factory

API = "/api/v1"
TOKEN = f"{API}/auth/token"
INBOX = "referrals:inbox"
# Reachable without a token (tests/test_authorization.py keeps the list); not walked.
PUBLIC = frozenset({f"{API}/auth/token", "/health/live", "/health/ready"})
_PARAM = re.compile(r"\{([^}]+)\}")


# -- the sentinel survivor -------------------------------------------------------------------
# Every personal field holds a value that is found nowhere else: "zqx" in every text, and the
# numbers and the date below. None of them may reach an integration client.
SENTINEL_PHONE = "+91 97777 31337"
SENTINEL_FAMILY_PHONE = "+91 97777 42424"
SENTINEL_AADHAAR = "0999 8888 7777"
SENTINEL_BIRTH = date(2011, 3, 17)
CHECKPOINT = "shakti-audit-checkpoint.v1."
SENTINELS = ("zqx", "97777 31337", "97777 42424", "0999 8888 7777", "2011-03-17")


def sentinel_survivor() -> SurvivorCreate:
    return SurvivorCreate(
        given_name="Zqxrupa",
        family_name="Zqxmondal",
        aliases=["Zqx alias Rupu"],
        sex=Sex.female,
        gender_identity="Zqx gender words",
        date_of_birth=SENTINEL_BIRTH,
        languages=["bn"],
        phone=SENTINEL_PHONE,
        home_address=Address(
            details="Zqx house behind the well",
            village="Zqxgram",
            gram_panchayat="Zqx panchayat",
            district_id=NORTH_24,
        ),
        current_address=Address(details="Zqx shelter room 4", village="Zqxpur"),
        identity_documents=[
            IdentityDocument(kind=IdentityDocumentKind.aadhaar, number=SENTINEL_AADHAAR)
        ],
        family_members=[
            FamilyMember(
                name="Zqx Mother Sabita",
                relationship=FamilyRelationship.mother,
                phone=SENTINEL_FAMILY_PHONE,
                safe_contact=True,
            ),
            FamilyMember(name="Zqx Uncle Haru", relationship=FamilyRelationship.uncle),
        ],
        safe_contact=SafeContactPreferences(
            channel=ContactChannel.sms, times="Zqx weekdays at noon", code_word="zqxshapla"
        ),
    )


def user_principal(actor: Actor, districts: tuple[UUID, ...] = ()) -> Principal:
    return Principal(
        kind=PrincipalKind.user,
        id=actor.id,
        organization_id=actor.organization_id,
        role=actor.role,
        district_ids=frozenset(districts),
    )


@dataclass
class SentinelReferral:
    """The sentinel survivor of the referring organisation, her case (details, a restricted
    note), her consent (given by her guardian) to share every field with the receiving
    organisation, and a referral there carrying every field, accepted with a note."""

    survivor_id: UUID
    case_id: UUID
    consent_id: UUID
    referral_id: UUID


async def refer_a_sentinel(
    factory: Factory, referring: Actor, receiving: Actor, district: UUID = NORTH_24
) -> SentinelReferral:
    """``referring`` and ``receiving``: program managers of the two organisations."""
    sender = user_principal(referring, (district,))
    receiver = user_principal(receiving)
    everything = list(ShareableField)
    async with factory.uow() as uow:
        survivor = await SurvivorService(uow).create(sender, sentinel_survivor(), None)
        case = await CaseService(uow).open(
            sender,
            CaseCreate(
                survivor_id=survivor.id,
                district_id=district,
                referral_source=ReferralSource.family,
                details="Zqx details: sold at the station by a neighbour",
            ),
        )
        guardian = Guardian(name="Zqx Guardian Sabita", relationship=FamilyRelationship.mother)
        for purpose in (ConsentPurpose.case_management, ConsentPurpose.sharing):
            sharing = purpose is ConsentPurpose.sharing
            consent = await ConsentService(uow).create(
                sender,
                survivor.id,
                ConsentCreate(
                    purpose=purpose,
                    shared_with_organization_id=receiving.organization_id if sharing else None,
                    fields=everything if sharing else [],
                    given_by=ConsentGiver.guardian,
                    guardian=guardian,
                    method=ConsentMethod.written,
                    language="bn",
                ),
            )
        await NoteService(uow).create(
            sender,
            case.id,
            NoteCreate(body="Zqx counselling note", confidentiality=NoteConfidentiality.restricted),
        )
        referral = await ReferralService(uow).create(
            sender,
            case.id,
            ReferralCreate(
                receiving_organization_id=receiving.organization_id,
                service_kind=ServiceKind.legal_aid,
                reason="Zqx reason: she asks for a woman lawyer",
                note_to_partner="Zqx note: she prefers to meet at the block office",
                shared_fields=everything,
            ),
        )
    async with factory.uow() as uow:
        await ReferralService(uow).transition(
            receiver,
            referral.id,
            ReferralTransition(to=ReferralStatus.accepted, note="Zqx accepted: call her aunt"),
            referral.version,
        )
    return SentinelReferral(survivor.id, case.id, consent.id, referral.id)


# -- integration clients ------------------------------------------------------------------------
def grantable_scopes(role: Role) -> list[str]:
    """Every scope a platform admin may grant a client of ``role``."""
    return sorted(
        name
        for name, rule in all_policies().items()
        if role in rule.roles
        and not rule.any_authenticated
        and not rule.people_only
        and name != INBOX
    )


async def client_token(http: httpx.AsyncClient, actor: Actor) -> dict[str, str]:
    """A fresh access token through client credentials (what the row grants now)."""
    assert actor.secret is not None
    response = await http.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": str(actor.id),
            "client_secret": actor.secret,
        },
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def write_scopes(factory: Factory, client_id: UUID, scopes: list[str]) -> None:
    """Write a grant straight into the client's row, as a tampered database would."""
    async with factory.uow() as uow:
        await uow.session.execute(
            sa.update(IntegrationClient)
            .where(col(IntegrationClient.id) == client_id)
            .values(scopes=scopes)
        )


def people_only() -> dict[str, Policy]:
    return {name: rule for name, rule in all_policies().items() if rule.people_only}


# == 1. a machine credential never becomes a person =============================================
def test_the_people_only_policies_are_the_persons_acts() -> None:
    names = set(people_only())
    assert {
        "users:manage",
        "cases:assign",
        "consents:override",
        "integration-clients:manage",
        "integration-clients:inbox",
        "organizations:manage",
        "notes:manage",
        "identification_referrals:submit",
        "identification_referrals:decide",
        "safety_reports:submit",
        "safety_reports:read",
        "safety_reports:review",
    } <= names
    # Reading (users, referrals, notes without the restricted ones) stays grantable.
    assert not {"users:read", "notes:read", "referrals:read", "cases:read"} & names


@pytest.mark.parametrize("name", sorted(people_only()))
def test_a_people_only_policy_refuses_every_client_whatever_its_scopes(name: str) -> None:
    rule = all_policies()[name]
    for role in Role:
        client = Principal(
            kind=PrincipalKind.client,
            id=uuid.uuid4(),
            organization_id=uuid.uuid4(),
            role=role,
            scopes=frozenset(all_policies()),
        )
        assert not rule.permits(client), (name, role)
        with pytest.raises(PermissionDenied):
            rule.authorize(client)
    # The people of its roles are admitted as before.
    for role in rule.roles:
        person = Principal(PrincipalKind.user, uuid.uuid4(), uuid.uuid4(), role)
        assert rule.permits(person), (name, role)


async def test_the_admin_cannot_grant_a_persons_act_and_the_refusal_says_why(
    factory: Factory,
) -> None:
    organization = await factory.organization()
    refused: list[str] = []
    for name, rule in sorted(people_only().items()):
        for role in sorted(rule.roles - {Role.platform_admin}) or [Role.program_manager]:
            async with factory.uow() as uow:
                with pytest.raises(BusinessRuleViolation) as raised:
                    await IntegrationClientService(uow).create(
                        factory.system,
                        IntegrationClientCreate(
                            name="Takeover", organization_id=organization, role=role, scopes=[name]
                        ),
                    )
            detail = str(raised.value)
            assert f"'{name}'" in detail, (name, detail)
            assert "person's act" in detail, (name, detail)
            refused.append(name)
    assert set(refused) == set(people_only())


async def test_a_client_whose_row_holds_a_persons_acts_is_still_refused(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """The attack of the issue: a client granted users:manage, password resets, cases:assign,
    consents:override and referrals:create made a worker, gave her a case and signed in as
    her; or reset a real worker's password. The grant is written into the row directly."""
    cases = CaseFactory(factory)
    org = await factory.organization("Org A")
    receiver_org = await factory.organization("Org B")
    manager = await factory.user(org, Role.program_manager)
    worker = await factory.user(org, Role.social_worker, districts=(SOUTH_24,))
    machine = await factory.integration_client(org, Role.program_manager, ["cases:read"])
    every_grant = sorted(
        name for name, rule in all_policies().items() if Role.program_manager in rule.roles
    )
    await write_scopes(factory, machine.id, every_grant)
    headers = await client_token(client, machine)
    survivor = await cases.survivor(org, name="Zqx Takeover")
    case = await cases.case(org, survivor, assigned_worker_id=worker.id)
    before = await client.get(f"{API}/users/{worker.id}", headers=manager.headers)

    attempts = {
        "create a worker": (
            "POST",
            "/users",
            {
                "email": "made.by.machine@example.org",
                "full_name": "Made By Machine",
                "role": "social_worker",
                "district_ids": [str(SOUTH_24)],
                "password": "a long enough passphrase",
            },
        ),
        "rename a worker": ("PATCH", f"/users/{worker.id}", {"full_name": "Taken"}),
        "reset her password": (
            "POST",
            f"/users/{worker.id}/password",
            {"password": "a takeover passphrase"},
        ),
        "disable her": ("POST", f"/users/{worker.id}/disable", None),
        "enable her": ("POST", f"/users/{worker.id}/enable", None),
        "assign a case": (
            "POST",
            f"/cases/{case}/assignment",
            {"assigned_worker_id": str(manager.id), "reason": "machine reassigns"},
        ),
        "open an assigned case": (
            "POST",
            "/cases",
            {
                "survivor_id": str(survivor),
                "district_id": str(SOUTH_24),
                "referral_source": "other",
                "assigned_worker_id": str(worker.id),
            },
        ),
        "override her consent": (
            "POST",
            f"/cases/{case}/referrals",
            {
                "receiving_organization_id": str(receiver_org),
                "service_kind": "legal_aid",
                "reason": "machine shares her record",
                "shared_fields": ["name", "phone", "home_address", "identity_documents"],
                "consent_override_reason": "the machine says it is urgent",
            },
        ),
        "register a client": (
            "POST",
            "/integration-clients",
            {"name": "Another machine", "organization_id": str(org), "role": "program_manager"},
        ),
        "grant itself the inbox": ("POST", f"/integration-clients/{machine.id}/inbox", None),
        "write a note": ("POST", f"/cases/{case}/notes", {"body": "machine note"}),
        "read safety reports": ("GET", "/safety-reports", None),
        "report a safety concern": (
            "POST",
            "/safety-reports",
            {"kind": "red_flag", "description": "machine report"},
        ),
        "create an organisation": (
            "POST",
            "/organizations",
            {"name": "Machine NGO", "kind": "partner_ngo"},
        ),
    }
    wrong = []
    for what, (method, path, body) in attempts.items():
        extra = {"If-Match": before.headers["ETag"]} if method == "PATCH" else {}
        response = await client.request(method, API + path, headers={**headers, **extra}, json=body)
        if response.status_code != 403:
            wrong.append(f"{what}: {response.status_code} {response.text[:200]}")
    assert wrong == [], "\n".join(wrong)

    # Nothing changed: she signs in with her own password, her account and the case are as
    # they were, no account was made.
    after = await client.get(f"{API}/users/{worker.id}", headers=manager.headers)
    assert after.json() == before.json()
    signed_in = await client.post(
        TOKEN,
        data={"grant_type": "password", "username": worker.email, "password": DEFAULT_PASSWORD},
    )
    assert signed_in.status_code == 200, signed_in.text
    users = await client.get(f"{API}/users?limit=200", headers=manager.headers)
    assert "made.by.machine@example.org" not in {u["email"] for u in users.json()["items"]}
    read = await client.get(f"{API}/cases/{case}", headers=manager.headers)
    assert read.json()["assigned_worker_id"] == str(worker.id)
    referrals = await client.get(f"{API}/cases/{case}/referrals", headers=manager.headers)
    assert referrals.json()["items"] == []
    # What it says it may do leaves out every person's act.
    me = await client.get(f"{API}/me", headers=headers)
    assert not set(me.json()["scopes"]) & set(people_only())
    assert "users:read" in me.json()["scopes"]


async def test_the_services_refuse_a_client_principal_holding_a_persons_acts(
    factory: Factory,
) -> None:
    """Services apply the policy again (the command line and jobs call them directly)."""
    cases = CaseFactory(factory)
    org = await factory.organization()
    worker = await factory.user(org, Role.social_worker, districts=(SOUTH_24,))
    case = await cases.case(org, await cases.survivor(org), assigned_worker_id=worker.id)
    machine = Principal(
        kind=PrincipalKind.client,
        id=uuid.uuid4(),
        organization_id=org,
        role=Role.program_manager,
        scopes=frozenset(all_policies()),
    )
    passwords = Passwords(time_cost=1, memory_kib=1024, parallelism=1)
    async with factory.uow() as uow:
        with pytest.raises(PermissionDenied):
            await UserService(uow, passwords).create(
                machine,
                UserCreate(
                    email="machine.made@example.org",
                    full_name="Machine Made",
                    role=Role.social_worker,
                    password=SecretStr("a long enough passphrase"),
                ),
            )
        resets = ResetRequestService(uow, passwords, factory.container.settings)
        with pytest.raises(PermissionDenied):
            await resets.request_password_reset(machine, worker.id, "a takeover passphrase")
        with pytest.raises(PermissionDenied):
            await resets.request_second_factor_reset(machine, worker.id)
        with pytest.raises(PermissionDenied):
            await CaseService(uow).assign(
                machine, case, CaseAssignment(assigned_worker_id=worker.id, reason="machine")
            )
        with pytest.raises(PermissionDenied):
            await IntegrationClientService(uow).set_inbox(machine, uuid.uuid4(), True)


# == 2. the referral inbox: granted by the client's own organisation ============================
async def test_a_program_manager_grants_and_revokes_the_inbox_of_her_organisations_client(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    org = await factory.organization("Receiving NGO")
    other = await factory.organization("Other NGO")
    manager = await factory.user(org, Role.program_manager)
    other_manager = await factory.user(other, Role.program_manager)
    admin = await factory.platform_admin()
    inbox = await factory.integration_client(org, Role.partner_staff, ["referrals:read"])
    analyst = await factory.integration_client(org, Role.analyst, ["organizations:read"])
    no_read = await factory.integration_client(org, Role.partner_staff, ["organizations:read"])
    url = f"{API}/integration-clients/{inbox.id}/inbox"
    old_token = await client_token(client, inbox)
    assert (await client.get(f"{API}/me", headers=old_token)).status_code == 200

    # Another organisation's manager: the client is not there for her (as a missing one).
    foreign = await client.post(url, headers=other_manager.headers)
    missing = await client.post(
        f"{API}/integration-clients/{uuid.uuid4()}/inbox", headers=other_manager.headers
    )
    assert foreign.status_code == missing.status_code == 404
    assert {k: v for k, v in foreign.json().items() if k not in ("instance", "request_id")} == {
        k: v for k, v in missing.json().items() if k not in ("instance", "request_id")
    }
    # The platform admin and the client itself may not.
    assert (await client.post(url, headers=admin.headers)).status_code == 403
    assert (await client.post(url, headers=old_token)).status_code == 403
    # A role that works no inbox, or a client that cannot read referrals: 422.
    for refused in (analyst, no_read):
        answer = await client.post(
            f"{API}/integration-clients/{refused.id}/inbox", headers=manager.headers
        )
        assert answer.status_code == 422, answer.text
    shown = await client.get(f"{API}/integration-clients/{inbox.id}", headers=admin.headers)
    assert shown.json()["inbox_granted_by"] is None

    granted = await client.post(url, headers=manager.headers)
    assert granted.status_code == 200, granted.text
    assert granted.json()["inbox_granted_by"] == str(manager.id)
    assert granted.json()["inbox_granted_at"] is not None
    assert granted.json()["scopes"] == ["referrals:read"]  # the admin's grant, unchanged
    assert granted.headers["ETag"] == f'"v{granted.json()["version"]}"'
    # Its tokens end at once; a new one carries the inbox.
    assert (await client.get(f"{API}/me", headers=old_token)).status_code == 401
    token = await client_token(client, inbox)
    assert INBOX in (await client.get(f"{API}/me", headers=token)).json()["scopes"]
    # Granting again changes nothing (the token stands).
    again = await client.post(url, headers=manager.headers)
    assert {k: v for k, v in again.json().items() if k != "last_used_at"} == {
        k: v for k, v in granted.json().items() if k != "last_used_at"
    }
    assert (await client.get(f"{API}/me", headers=token)).status_code == 200
    # Audited as a change of the client, in her organisation.
    auditor = await factory.user(org, Role.auditor)
    events = await client.get(
        f"{API}/audit-events?entity_type=integration_client&limit=200", headers=auditor.headers
    )
    assert events.status_code == 200, events.text
    assert any(
        e["entity_id"] == str(inbox.id)
        and e["action"] == "update"
        and e["actor_id"] == str(manager.id)
        for e in events.json()["items"]
    ), events.json()

    revoked = await client.delete(url, headers=manager.headers)
    assert revoked.status_code == 200, revoked.text
    assert (revoked.json()["inbox_granted_by"], revoked.json()["inbox_granted_at"]) == (None, None)
    assert (await client.get(f"{API}/me", headers=token)).status_code == 401
    fresh = await client_token(client, inbox)
    assert INBOX not in (await client.get(f"{API}/me", headers=fresh)).json()["scopes"]

    # The admin's change of role to one that works no inbox ends the grant too.
    assert (await client.post(url, headers=manager.headers)).status_code == 200
    current = await client.get(f"{API}/integration-clients/{inbox.id}", headers=admin.headers)
    changed = await client.patch(
        f"{API}/integration-clients/{inbox.id}",
        headers={**admin.headers, "If-Match": current.headers["ETag"]},
        json={"role": "analyst", "scopes": ["organizations:read"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["inbox_granted_by"] is None


async def test_an_inbox_scope_written_into_the_row_is_not_a_grant(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    """Only the program manager's grant (its own columns) brings the inbox: the scopes array,
    written directly, does not."""
    org = await factory.organization()
    machine = await factory.integration_client(org, Role.partner_staff, ["referrals:read"])
    await write_scopes(factory, machine.id, ["referrals:read", INBOX])
    headers = await client_token(client, machine)
    assert INBOX not in (await client.get(f"{API}/me", headers=headers)).json()["scopes"]


@pytest.fixture
async def two_organisations(factory: Factory) -> tuple[Actor, Actor]:
    """Program managers of a referring and a receiving organisation."""
    referring = await factory.organization("Referring NGO")
    receiving = await factory.organization("Receiving NGO")
    return (
        await factory.user(referring, Role.program_manager),
        await factory.user(receiving, Role.program_manager),
    )


async def test_a_client_reading_referrals_without_the_inbox_sees_no_personal_value(
    client: httpx.AsyncClient, factory: Factory, two_organisations: tuple[Actor, Actor]
) -> None:
    referring, receiving = two_organisations
    sentinel = await refer_a_sentinel(factory, referring, receiving)
    reader = await factory.integration_client(
        receiving.organization_id, Role.partner_staff, ["referrals:read"]
    )
    # The people of the receiving side see what her consent lets travel, and the note written
    # for them (never the referring side's reason).
    person = await client.get(f"{API}/referrals/{sentinel.referral_id}", headers=receiving.headers)
    assert person.json()["shared"]["name"]["given_name"] == "Zqxrupa"
    assert person.json()["note_to_partner"].startswith("Zqx")
    assert person.json()["reason"] is None

    for path in (
        f"/referrals/{sentinel.referral_id}",
        "/referrals?direction=incoming",
        "/referrals",
    ):
        answer = await client.get(API + path, headers=reader.headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        items = body["items"] if "items" in body else [body]
        assert [item["id"] for item in items] == [str(sentinel.referral_id)], path
        for item in items:
            assert item["direction"] == "incoming"
            assert item["shared_fields"] == [f.value for f in ShareableField]
            assert (item["shared"], item["reason"], item["outcome"]) == (None, None, None)
            assert item["note_to_partner"] is None
            for step in item["history"] or ():
                assert step["note"] is None
        assert not any(s in answer.text.casefold() for s in SENTINELS), answer.text


async def test_the_inbox_client_receives_the_consented_fields_of_incoming_referrals_only(
    client: httpx.AsyncClient, factory: Factory, two_organisations: tuple[Actor, Actor]
) -> None:
    referring, receiving = two_organisations
    incoming = await refer_a_sentinel(factory, referring, receiving)
    # The receiving organisation refers a survivor of its own the other way.
    outgoing = await refer_a_sentinel(factory, receiving, referring)
    machine = await factory.integration_client(
        receiving.organization_id,
        Role.program_manager,
        ["referrals:read", "referrals:transition", "cases:read", "notes:read"],
    )
    granted = await client.post(
        f"{API}/integration-clients/{machine.id}/inbox", headers=receiving.headers
    )
    assert granted.status_code == 200, granted.text
    headers = await client_token(client, machine)

    one = await client.get(f"{API}/referrals/{incoming.referral_id}", headers=headers)
    assert one.status_code == 200, one.text
    shared = one.json()["shared"]
    assert shared["name"] == {"given_name": "Zqxrupa", "family_name": "Zqxmondal"}
    assert shared["phone"] == SENTINEL_PHONE
    assert shared["identity_documents"] == [{"kind": "aadhaar", "number": SENTINEL_AADHAAR}]
    assert shared["safe_contact_preferences"]["code_word"] == "zqxshapla"
    # The note written for the partner travels with the consented fields; nothing else
    # personal: not the reason, the outcome, nor a note of its history.
    assert one.json()["note_to_partner"].startswith("Zqx note")
    assert one.json()["reason"] is None
    assert one.json()["outcome"] is None
    assert [step["note"] for step in one.json()["history"]] == [None, None]
    rest = {k: v for k, v in one.json().items() if k not in {"shared", "note_to_partner"}}
    assert not any(s in json.dumps(rest).casefold() for s in SENTINELS)

    listed = await client.get(f"{API}/referrals", headers=headers)
    by_id = {item["id"]: item for item in listed.json()["items"]}
    assert by_id[str(incoming.referral_id)]["shared"] == shared
    # Its own organisation's outgoing referral, of a survivor of its own: nothing.
    assert by_id[str(outgoing.referral_id)]["direction"] == "outgoing"
    assert by_id[str(outgoing.referral_id)]["shared"] is None
    for path in (
        f"/referrals/{outgoing.referral_id}",
        "/referrals?direction=outgoing",
        f"/cases/{outgoing.case_id}/referrals",
        f"/cases/{outgoing.case_id}",
        f"/cases/{outgoing.case_id}/timeline",
        f"/cases/{outgoing.case_id}/notes",
    ):
        answer = await client.get(API + path, headers=headers)
        assert answer.status_code == 200, (path, answer.text)
        assert not any(s in answer.text.casefold() for s in SENTINELS), (path, answer.text)
    # Moving an incoming referral on answers with its consented fields, and nothing more.
    moved = await client.post(
        f"{API}/referrals/{incoming.referral_id}/transitions",
        headers={**headers, "If-Match": one.headers["ETag"]},
        json={"to": "in_progress", "note": "Zqx the machine writes words"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["shared"] == shared
    assert [step["note"] for step in moved.json()["history"]] == [None, None, None]

    # Revoked: the consented fields are withheld again.
    revoked = await client.delete(
        f"{API}/integration-clients/{machine.id}/inbox", headers=receiving.headers
    )
    assert revoked.status_code == 200
    after = await client.get(
        f"{API}/referrals/{incoming.referral_id}", headers=await client_token(client, machine)
    )
    assert after.json()["shared"] is None


def test_personal_fields_are_withheld_only_from_clients_in_a_request() -> None:
    detail = CaseDetail.model_validate(
        {
            "id": uuid.uuid4(),
            "case_number": "S24P-2026-0001",
            "survivor_id": uuid.uuid4(),
            "organization_id": uuid.uuid4(),
            "district_id": uuid.uuid4(),
            "assigned_worker_id": None,
            "team": None,
            "status": "active",
            "closure_reason": None,
            "risk_level": "low",
            "referral_source": "family",
            "trafficking_status": "actual",
            "exploitation_types": [],
            "recruitment_method": None,
            "destination_state": None,
            "destination_country": None,
            "recruited_on": None,
            "identified_on": None,
            "returned_on": None,
            "opened_on": "2026-01-01",
            "closed_on": None,
            "flags": [],
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "version": 1,
            "details": "Zqx details",
        }
    )

    def as_caller(kind: str | None) -> dict[str, Any]:
        def dump() -> dict[str, Any]:
            if kind is not None:
                note_caller(kind)
            return detail.model_dump(mode="json")

        return contextvars.copy_context().run(dump)

    assert as_caller(None)["details"] == "Zqx details"  # the command line, jobs
    assert as_caller("user")["details"] == "Zqx details"
    withheld = as_caller("client")
    assert withheld["details"] is None
    assert withheld["case_number"] == "S24P-2026-0001"
    # A model rebuilt from a withheld dump holds (the field is nullable), and stays withheld.
    assert CaseDetail.model_validate(withheld).details is None


# == 3. the route walk ==========================================================================
# Path parameters, filled from the world: for each resource path (a route's template up to its
# last parameter), the rows whose ids fill it. A route under a known resource path is walked
# without more; a new kind of resource needs its line here (the walk says which).
FILLINGS: dict[str, str] = {
    "/indicators/{code}": "SELECT code FROM indicator ORDER BY outcome, code LIMIT 3",
    "/reset-requests/{request_id}": "SELECT id AS request_id FROM reset_request LIMIT 1",
    "/exports/{export_id}": "SELECT id AS export_id FROM export LIMIT 1",
    "/survivors/duplicate-alerts/{alert_id}": "SELECT id AS alert_id FROM duplicate_alert LIMIT 1",
    "/users/{user_id}": "SELECT id AS user_id FROM app_user ORDER BY email LIMIT 2",
    "/integration-clients/{client_id}": "SELECT id AS client_id FROM integration_client"
    " ORDER BY created_at LIMIT 1",
    "/states/{state_id}": "SELECT id AS state_id FROM state ORDER BY code LIMIT 1",
    "/districts/{district_id}": "SELECT id AS district_id FROM district ORDER BY name LIMIT 1",
    "/blocks/{block_id}": "SELECT id AS block_id FROM block ORDER BY name LIMIT 1",
    "/organizations/{organization_id}": "SELECT id AS organization_id FROM organization"
    " WHERE id IN (:lead, :partner)",
    "/survivors/{survivor_id}": "SELECT s.id AS survivor_id FROM survivor s ORDER BY"
    " s.organization_id = :partner DESC, (SELECT count(*) FROM livelihood_activity a"
    " WHERE a.survivor_id = s.id) + (SELECT count(*) FROM entitlement_application e"
    " WHERE e.survivor_id = s.id) + (SELECT count(*) FROM financial_inclusion f"
    " WHERE f.survivor_id = s.id) DESC, s.id LIMIT 2",
    "/survivors/{survivor_id}/consents/{consent_id}": "SELECT id AS consent_id, survivor_id"
    " FROM consent ORDER BY guardian_enc IS NOT NULL DESC, id LIMIT 2",
    "/cases/{case_id}": "SELECT c.id AS case_id FROM survivor_case c ORDER BY"
    " c.organization_id = :partner DESC, c.context_enc IS NOT NULL DESC,"
    " (SELECT count(*) FROM case_event e WHERE e.case_id = c.id AND e.note_enc IS NOT NULL)"
    " DESC, c.id LIMIT 3",
    "/assessment-instruments/{instrument_id}": "SELECT id AS instrument_id"
    " FROM assessment_instrument ORDER BY code LIMIT 1",
    "/cases/{case_id}/assessments/{assessment_id}": "SELECT id AS assessment_id, case_id"
    " FROM assessment ORDER BY notes_enc IS NOT NULL DESC, id LIMIT 2",
    "/cases/{case_id}/care-plan/goals/{goal_id}": "SELECT id AS goal_id, case_id"
    " FROM care_plan_goal ORDER BY id LIMIT 2",
    "/service-providers/{organization_id}": "SELECT DISTINCT organization_id"
    " FROM service_offering ORDER BY organization_id LIMIT 2",
    "/service-providers/{organization_id}/services/{offering_id}": "SELECT id AS offering_id,"
    " organization_id FROM service_offering ORDER BY id LIMIT 1",
    "/referrals/{referral_id}": "SELECT id AS referral_id FROM referral ORDER BY"
    " organization_id = :partner DESC, outcome_enc IS NOT NULL DESC, id LIMIT 3",
    "/cases/{case_id}/visits/{visit_id}": "SELECT id AS visit_id, case_id FROM case_visit"
    " ORDER BY findings_enc IS NOT NULL DESC, id LIMIT 2",
    "/cases/{case_id}/notes/{note_id}": "(SELECT id AS note_id, case_id FROM case_note"
    " WHERE confidentiality = 'restricted' ORDER BY id LIMIT 1) UNION ALL (SELECT id, case_id"
    " FROM case_note WHERE confidentiality <> 'restricted' ORDER BY id LIMIT 1)",
    "/cases/{case_id}/legal-proceedings/{proceeding_id}": "SELECT id AS proceeding_id, case_id"
    " FROM legal_proceeding ORDER BY id LIMIT 2",
    "/cases/{case_id}/legal-proceedings/{proceeding_id}/hearings/{hearing_id}": "SELECT id AS"
    " hearing_id, proceeding_id, case_id FROM legal_hearing ORDER BY outcome_enc IS NOT NULL"
    " DESC, id LIMIT 2",
    "/shgs/federations/{federation_id}": "SELECT id AS federation_id FROM shg_federation"
    " ORDER BY id LIMIT 1",
    "/shgs/{shg_id}": "SELECT id AS shg_id FROM shg ORDER BY bank_account_enc IS NOT NULL DESC,"
    " id LIMIT 2",
    "/shgs/{shg_id}/members/{member_id}": "SELECT id AS member_id, shg_id FROM shg_member"
    " ORDER BY survivor_id IS NOT NULL DESC, id LIMIT 2",
    "/shgs/{shg_id}/meetings/{meeting_id}": "SELECT id AS meeting_id, shg_id FROM shg_meeting"
    " ORDER BY minutes_enc IS NOT NULL DESC, id LIMIT 2",
    "/shgs/{shg_id}/ledger/{entry_id}": "SELECT id AS entry_id, shg_id FROM shg_ledger_entry"
    " ORDER BY member_id IS NOT NULL DESC, id LIMIT 1",
    "/shgs/{shg_id}/loans/{loan_id}": "SELECT id AS loan_id, shg_id FROM shg_loan"
    " ORDER BY member_id IS NOT NULL DESC, id LIMIT 2",
    "/survivors/{survivor_id}/livelihood-activities/{activity_id}": "SELECT id AS activity_id,"
    " survivor_id FROM livelihood_activity ORDER BY description_enc IS NOT NULL DESC, id"
    " LIMIT 2",
    "/survivors/{survivor_id}/income/{income_id}": "SELECT id AS income_id, survivor_id"
    " FROM income_record ORDER BY id LIMIT 1",
    "/survivors/{survivor_id}/financial-inclusion/{product}": "SELECT product, survivor_id"
    " FROM financial_inclusion ORDER BY details_enc IS NOT NULL DESC, id LIMIT 2",
    "/schemes/{scheme_id}": "SELECT id AS scheme_id FROM scheme ORDER BY id LIMIT 1",
    "/entitlement-applications/{application_id}": "SELECT a.id AS application_id"
    " FROM entitlement_application a ORDER BY EXISTS (SELECT 1 FROM entitlement_status_change c"
    " WHERE c.application_id = a.id AND c.note_enc IS NOT NULL) DESC, a.id LIMIT 2",
    "/trainings/{training_id}": "SELECT t.id AS training_id FROM training t ORDER BY"
    " EXISTS (SELECT 1 FROM training_participant p WHERE p.training_id = t.id"
    " AND p.survivor_id IS NOT NULL) DESC, t.id LIMIT 2",
    "/devices/{device_id}": "SELECT id AS device_id FROM device ORDER BY created_at LIMIT 1",
    "/attachments/{attachment_id}": "SELECT id AS attachment_id FROM attachment"
    " ORDER BY created_at LIMIT 1",
    "/trainings/{training_id}/participants/{participant_id}": "SELECT id AS participant_id,"
    " training_id FROM training_participant ORDER BY survivor_id IS NOT NULL DESC, id LIMIT 2",
    "/leader-groups/{group_id}": "SELECT id AS group_id FROM leader_group ORDER BY id LIMIT 1",
    "/leader-groups/{group_id}/members/{member_id}": "SELECT id AS member_id, group_id"
    " FROM leader_group_member ORDER BY survivor_id IS NOT NULL DESC, id LIMIT 2",
    "/leader-groups/{group_id}/meetings/{meeting_id}": "SELECT id AS meeting_id, group_id"
    " FROM leader_group_meeting ORDER BY minutes_enc IS NOT NULL DESC, id LIMIT 1",
    "/campaigns/{campaign_id}": "SELECT id AS campaign_id FROM campaign ORDER BY id LIMIT 1",
    "/duty-bearer-engagements/{engagement_id}": "SELECT id AS engagement_id"
    " FROM duty_bearer_engagement ORDER BY id LIMIT 1",
    "/duty-bearer-engagements/{engagement_id}/commitments/{commitment_id}": "SELECT id AS"
    " commitment_id, engagement_id FROM duty_bearer_commitment ORDER BY id LIMIT 1",
    "/identification-referrals/{referral_id}": "SELECT id AS referral_id"
    " FROM identification_referral ORDER BY decision_enc IS NOT NULL DESC, id LIMIT 2",
    "/safety-reports/{report_id}": "SELECT id AS report_id FROM safety_report"
    " ORDER BY names_persons DESC, id LIMIT 2",
    "/partner-onboarding/{onboarding_id}": "SELECT id AS onboarding_id FROM partner_onboarding"
    " ORDER BY id LIMIT 1",
    "/partner-onboarding/{onboarding_id}/readiness-assessments/{assessment_id}": "SELECT r.id"
    " AS assessment_id, o.id AS onboarding_id FROM readiness_assessment r"
    " JOIN partner_onboarding o ON o.partner_organization_id = r.partner_organization_id"
    " ORDER BY r.id LIMIT 1",
    "/advocacy-actions/{action_id}": "SELECT id AS action_id FROM advocacy_action"
    " ORDER BY id LIMIT 1",
    "/studies/{study_id}": "SELECT id AS study_id FROM study ORDER BY story_enc IS NOT NULL"
    " DESC, id LIMIT 2",
    "/media-engagements/{engagement_id}": "SELECT id AS engagement_id FROM media_engagement"
    " ORDER BY story_enc IS NOT NULL DESC, id LIMIT 2",
    "/studies/{study_id}/extracts/{extract_id}": "SELECT id AS extract_id, study_id"
    " FROM research_extract ORDER BY id LIMIT 1",
    "/demands/{demand_id}": "SELECT d.id AS demand_id FROM demand d ORDER BY"
    " d.raised_by_organization_id <> d.organization_id DESC, EXISTS (SELECT 1 FROM demand_event e"
    " WHERE e.demand_id = d.id AND e.note_enc IS NOT NULL) DESC, d.id LIMIT 3",
    # A client is refused sync whatever the conflict (the world keeps none of its own).
    "/sync/conflicts/{conflict_id}": "SELECT COALESCE((SELECT id FROM sync_conflict LIMIT 1),"
    " gen_random_uuid()) AS conflict_id",
}
# Queries that change what a list holds (each is walked too).
QUERIES = {f"{API}/referrals": ("direction=incoming", "direction=outgoing")}
# The leak paths the issue names, and more: each must be reached by a client (a 2xx answer
# with the field in it, null) and seen with a value by a person, so the walk is not vacuous.
MUST_REACH = {
    ("CaseDetail", "details"),
    ("TimelineEntry", "note"),
    ("NoteRead", "body"),
    ("VisitRead", "findings"),
    ("GoalRead", "goal"),
    ("GoalRead", "actions"),
    ("AssessmentRead", "notes"),
    ("LegalProceedingRead", "details"),
    ("HearingRead", "outcome"),
    ("ReferralRead", "reason"),
    ("ReferralRead", "shared"),
    ("ReferralStep", "note"),
    ("BankLinkageRead", "account_number"),
    ("domain__shgs__schemas__MemberRead", "name"),
    ("domain__shgs__schemas__MeetingRead", "minutes"),
    ("domain__leadership__schemas__MeetingRead", "agenda"),
    ("IntakeLead", "name"),
    ("IntakeLead", "observations"),
    ("StoryLink", "story"),
    ("UserRead", "full_name"),
    ("DemandRead", "description"),
    ("DemandStep", "note"),
    ("CommentRead", "body"),
}


def resource_path(template: str) -> str | None:
    """The template up to its last parameter, without the API prefix (None: no parameter)."""
    last = None
    for match in _PARAM.finditer(template):
        last = match
    if last is None:
        return None
    return template[: last.end()].removeprefix(API)


@dataclass
class Answer:
    method: str
    template: str
    path: str
    response: httpx.Response


@dataclass
class Findings:
    leaks: list[str] = field(default_factory=list)
    # (component, field) of marked fields met in 2xx answers: null, or with a value.
    reached: set[tuple[str, str]] = field(default_factory=set)
    valued: set[tuple[str, str]] = field(default_factory=set)
    released: int = 0


class SpecWalker:
    """Finds the fields an answer's schema marks ``x-personal`` and what they hold."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.components = spec["components"]["schemas"]

    def schema_of(self, template: str, method: str, status: int) -> dict[str, Any] | None:
        operation = self.spec["paths"].get(template, {}).get(method.lower())
        if operation is None:
            return None
        response = operation["responses"].get(str(status))
        if response is None:
            return None
        schema: dict[str, Any] | None = (
            response.get("content", {}).get("application/json", {}).get("schema")
        )
        return schema

    def marked(
        self, value: Any, schema: dict[str, Any], component: str = ""
    ) -> Iterator[tuple[str, str, dict[str, Any], Any, dict[str, Any]]]:
        """(component, field, field schema, value, enclosing object) of each marked field."""
        while "$ref" in schema:
            component = schema["$ref"].rsplit("/", 1)[-1]
            schema = self.components[component]
        for key in ("anyOf", "oneOf", "allOf"):
            for option in schema.get(key, ()):
                yield from self.marked(value, option, component)
        if isinstance(value, dict):
            properties = schema.get("properties", {})
            for name, item in value.items():
                if name in properties:
                    sub = properties[name]
                    if sub.get("x-personal"):
                        yield component, name, sub, item, value
                    yield from self.marked(item, sub, component)
                elif isinstance(schema.get("additionalProperties"), dict):
                    yield from self.marked(item, schema["additionalProperties"], component)
        elif isinstance(value, list) and isinstance(schema.get("items"), dict):
            for item in value:
                yield from self.marked(item, schema["items"], component)


def parameters(walker: SpecWalker, template: str) -> set[str]:
    """The names of the query parameters the spec gives the GET operation of ``template``."""
    operation = walker.spec["paths"].get(template, {}).get("get", {})
    return {p["name"] for p in operation.get("parameters", ()) if p.get("in") == "query"}


def released_to(inbox: bool, sub: dict[str, Any], enclosing: dict[str, Any]) -> bool:
    """The one exception: an inbox client's incoming referral's consented fields."""
    return (
        inbox
        and sub.get("x-personal-released-by") == INBOX
        and enclosing.get("direction") == "incoming"
    )


def check(
    answer: Answer,
    walker: SpecWalker,
    secrets: frozenset[str],
    who: str,
    inbox: bool,
    findings: Findings,
    *,
    as_person: bool = False,
) -> None:
    response = answer.response
    where = f"{who} {answer.method} {answer.path} -> {response.status_code}"
    if response.status_code >= 500:
        findings.leaks.append(f"{where}: server error {response.text[:200]}")
        return
    text = response.text
    body: Any = None
    if response.headers.get("content-type", "").split(";")[0].endswith("json") and text:
        body = response.json()
    schema = walker.schema_of(answer.template, answer.method, response.status_code)
    if body is not None and schema is not None and response.status_code < 300:
        for component, name, sub, value, enclosing in walker.marked(body, schema):
            findings.reached.add((component, name))
            if value is None:
                continue
            findings.valued.add((component, name))
            if as_person:
                continue
            if released_to(inbox, sub, enclosing):
                findings.released += 1
                enclosing[name] = None  # checked for sentinels below without it
                continue
            findings.leaks.append(f"{where}: {component}.{name} = {str(value)[:80]}")
        if isinstance(body, dict) and str(body.get("checkpoint", "")).startswith(CHECKPOINT):
            # A signed audit checkpoint is base64 of chain hashes: random letters, in which the
            # sentinel's three letters turn up by chance. It holds no record's text.
            body = {k: v for k, v in body.items() if k != "checkpoint"}
        if isinstance(body, dict) and isinstance(body.get("next_cursor"), str):
            # A cursor is base64 of its sort keys: checked as what it says (a key that held
            # her name would leak), not as letters that spell the sentinel by chance.
            body = {**body, "next_cursor": cursor_text(body["next_cursor"])}
        text = json.dumps(body, ensure_ascii=False)
    if as_person:
        return
    lowered = text.casefold()
    for secret in secrets:
        if secret in lowered:
            findings.leaks.append(f"{where}: holds the sealed value {secret!r}")


def cursor_text(cursor: str) -> str:
    """What a page's cursor encodes (domain/common/pagination.py: base64 of JSON)."""
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()


def text_leaves(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from text_leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from text_leaves(item)


_NOT_A_MARKER = re.compile(
    r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{4}-\d{2}-\d{2}.*)$"
)


async def sealed_values(uow: UnitOfWork) -> frozenset[str]:
    """Every text sealed at rest in the world (the checklist of persistence/key_rotation.py),
    opened: those of eight characters or more with a space or a digit in them (free text,
    numbers, addresses; a single word could be a staff member's name too), that are not ids or
    dates, and are not also stored in the clear somewhere (a village that names a group's
    place is not a secret). A referral's snapshot copies her record (opened from the survivor)
    and her case's plain columns; stored answers of idempotent creates copy records: both
    left out."""
    found: set[str] = set()
    cipher = uow.cipher
    for column in SEALED_COLUMNS:
        if (column.table, column.column) in {
            ("referral", "shared_enc"),
            ("idempotency_record", "response_body"),
            ("attachment", "file_key_enc"),  # a key (random bytes), not text
        }:
            continue
        keys = ", ".join(column.keys)
        rows = await uow.session.execute(
            sa.text(
                f"SELECT {keys}, {column.column} FROM {column.table}"
                f" WHERE {column.column} IS NOT NULL"
            )
        )
        for row in rows:
            opened = cipher.open(bytes(row[-1]), column.place(tuple(row[:-1]))).decode()
            try:
                value: Any = json.loads(opened)
            except ValueError:
                value = opened
            for leaf in text_leaves(value):
                leaf = leaf.strip().casefold()
                if len(leaf) >= 8 and re.search(r"[\s\d]", leaf) and not _NOT_A_MARKER.match(leaf):
                    found.add(leaf)
    return frozenset(found - await plain_texts(uow))


async def plain_texts(uow: UnitOfWork) -> set[str]:
    """Every text stored in the clear (text and varchar columns, and their arrays)."""
    columns = await uow.session.execute(
        sa.text(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'public' AND (data_type IN ('text', 'character varying')"
            " OR (data_type = 'ARRAY' AND udt_name IN ('_text', '_varchar')))"
        )
    )
    texts: set[str] = set()
    for table, column, kind in list(columns):
        value = f'unnest("{column}")' if kind == "ARRAY" else f'"{column}"'
        rows = await uow.session.execute(
            sa.text(f'SELECT DISTINCT lower({value}::text) FROM "{table}"')
        )
        texts.update(v.strip() for (v,) in rows if v)
    return texts


@dataclass
class World:
    lead: UUID
    partner: UUID
    manager: Actor  # the lead organisation's program manager (a person)
    partner_manager: Actor
    sentinel: SentinelReferral
    secrets: frozenset[str]
    fillings: dict[str, list[dict[str, str]]]
    inbox: Actor  # the lead's inbox client, not yet granted the inbox


async def build_world(factory: Factory) -> World:
    database = factory.database
    passwords = Passwords(time_cost=1, memory_kib=1024, parallelism=1)
    report = await seed_demo(
        database, passwords, "a demo passphrase for tests", DemoOptions(seed=7, survivors=12)
    )
    assert report.created
    users = {user.key: user for user in report.users}
    manager_user, partner_user = users["manager"], users["partner.manager"]

    async def actor(user: Any) -> Actor:
        return Actor(
            id=user.id,
            organization_id=user.organization_id,
            role=user.role,
            headers=await factory.user_headers(user.id),
            email=user.email,
        )

    manager, partner_manager = await actor(manager_user), await actor(partner_user)
    # The demo refers from the lead organisation to the partner; the sentinel survivor of the
    # partner is referred the other way.
    sentinel = await refer_a_sentinel(factory, partner_manager, manager)
    # What the demo does not make: a block, and the lead's inbox client (its program manager
    # grants it the inbox through the API).
    async with factory.uow() as uow:
        await GeographyService(uow).create_block(
            factory.system, BlockCreate(district_id=SOUTH_24, name="Walk Test Block")
        )
    inbox = await factory.integration_client(
        manager.organization_id, Role.program_manager, grantable_scopes(Role.program_manager)
    )
    # Nor a duplicate alert or a pending reset request.
    async with factory.uow() as uow:
        uow.session.add(
            DuplicateAlert(
                organization_id=manager.organization_id,
                raised_by=manager.id,
                survivor_id=None,
                matched_ids=[sentinel.survivor_id],
                status=DuplicateAlertStatus.open,
                created_by=manager.id,
            )
        )
        uow.session.add(
            ResetRequest(
                kind=ResetKind.password,
                user_id=manager.id,
                organization_id=manager.organization_id,
                requested_by=partner_manager.id,
                expires_at=utcnow() + timedelta(days=1),
            )
        )
    # Nor a research extract (of a study that names its purpose and approving body).
    async with factory.uow() as uow:
        study = (
            await uow.session.scalars(
                sa.select(Study).where(col(Study.organization_id) == manager.organization_id)
            )
        ).first()
        assert study is not None
        study.purpose, study.approving_body = "Walk test purpose", "Walk test ethics committee"
        await uow.session.flush()
        await ResearchExtractService(uow, ExtractSettings(k=11, suppression_limit=0.05)).make(
            user_principal(manager), study.id, ExtractCreate()
        )
    # Nor a device or an attachment (a consent form of a survivor of the lead).
    async with factory.uow() as uow:
        uow.session.add(
            Device(
                organization_id=manager.organization_id,
                user_id=manager.id,
                name="Walk test phone",
                platform=DevicePlatform.android,
                app_version="1.0.0",
            )
        )
        survivor_id = await uow.session.scalar(
            sa.text("SELECT id FROM survivor WHERE organization_id = :o ORDER BY id LIMIT 1"),
            {"o": manager.organization_id},
        )
        await AttachmentService(uow, factory.container.attachments, 1 << 20).upload(
            Principal(
                kind=PrincipalKind.user,
                id=manager.id,
                organization_id=manager.organization_id,
                role=Role.program_manager,
            ),
            AttachmentRecordKind.survivor,
            survivor_id,
            b"%PDF-1.4 signed consent form of the walk test",
            category=AttachmentCategory.consent_form,
        )
        # Nor an export (the manager's, ready: its status and file are walked).
        uow.session.add(
            Export(
                organization_id=manager.organization_id,
                actor_type="user",
                actor_id=manager.id,
                actor_role=manager.role.value,
                dataset="cases",
                format=ExportFormat.csv,
                columns=["case_id"],
                status=ExportStatus.ready,
                row_count=0,
                expires_at=utcnow() + timedelta(days=1),
            )
        )
    async with factory.uow() as uow:
        secrets = await sealed_values(uow)
        # A survivor leader's account names a survivor too.
        leaders = await uow.session.execute(
            sa.text("SELECT full_name, email FROM app_user WHERE role = 'survivor_leader'")
        )
        secrets |= {value.casefold() for row in leaders for value in row}
        binds = {"lead": manager.organization_id, "partner": partner_manager.organization_id}
        fillings: dict[str, list[dict[str, str]]] = {}
        for prefix, sql in FILLINGS.items():
            rows = (await uow.session.execute(sa.text(sql), binds)).mappings().all()
            fillings[prefix] = [{k: str(v) for k, v in row.items()} for row in rows]
    return World(
        lead=manager.organization_id,
        partner=partner_manager.organization_id,
        manager=manager,
        partner_manager=partner_manager,
        sentinel=sentinel,
        secrets=secrets | {s.casefold() for s in SENTINELS},
        fillings=fillings,
        inbox=inbox,
    )


def requests_of(app: Any, world: World) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(method, template, path) of every route of the app, its parameters filled; and the
    resource paths the world cannot fill."""
    planned: list[tuple[str, str, str]] = []
    unfilled: list[str] = []
    for entry in api_routes(app.routes):
        if entry.path in PUBLIC:
            continue
        prefix = resource_path(entry.path)
        if prefix is None:
            rows: list[dict[str, str]] = [{}]
        else:
            rows = world.fillings.get(prefix, [])
            if not rows:
                unfilled.append(prefix)
                continue
        for method in sorted(entry.methods):
            for row in rows if method == "GET" else rows[:1]:
                path = _PARAM.sub(lambda m, row=row: row[m.group(1)], entry.path)  # type: ignore[misc]
                planned.append((method, entry.path, path))
                if method == "GET":
                    for query in QUERIES.get(entry.path, ()):
                        planned.append((method, entry.path, f"{path}?{query}"))
    return planned, unfilled


async def send(
    http: httpx.AsyncClient,
    method: str,
    path: str,
    headers: dict[str, str],
    query: str = "limit=200",
) -> httpx.Response:
    if method == "GET":
        joiner = "&" if "?" in path else "?"
        return await http.get(f"{path}{joiner}{query}", headers=headers)
    # Writes with the smallest body: what any answer says back is checked all the same.
    return await http.request(method, path, headers={**headers, "If-Match": '"v1"'}, json={})


async def test_no_route_answers_a_client_with_personal_data(
    app: Any, client: httpx.AsyncClient, factory: Factory
) -> None:
    world = await build_world(factory)
    walker = SpecWalker(app.openapi())
    planned, unfilled = requests_of(app, world)
    assert unfilled == [], f"add the world's rows for these resource paths to FILLINGS: {unfilled}"
    every = {
        (method, entry.path)
        for entry in api_routes(app.routes)
        if entry.path not in PUBLIC
        for method in entry.methods
    }
    assert {(method, template) for method, template, _ in planned} == every
    assert len(every) > 200

    # A client of every grantable role with every scope that role may hold, in the lead
    # organisation (cases, groups, outgoing referrals and the sentinel's incoming one) and in
    # the partner organisation (the sentinel's case, incoming referrals of the demo); and the
    # lead's inbox client, granted by its program manager.
    callers: list[tuple[str, dict[str, str], bool]] = []
    for organization, name in ((world.lead, "lead"), (world.partner, "partner")):
        for role in sorted(client_policies.GRANTABLE_ROLES):
            actor = await factory.integration_client(organization, role, grantable_scopes(role))
            callers.append((f"{name} client:{role.value}", actor.headers, False))
    inbox = world.inbox
    granted = await client.post(
        f"{API}/integration-clients/{inbox.id}/inbox", headers=world.manager.headers
    )
    assert granted.status_code == 200, granted.text
    callers.append(("lead inbox client", await client_token(client, inbox), True))

    findings = Findings()
    reads = [p for p in planned if p[0] == "GET"]
    writes = [p for p in planned if p[0] != "GET"]
    for who, headers, has_inbox in callers:
        for method, template, path in reads:
            response = await send(client, method, path, headers)
            check(
                Answer(method, template, path, response),
                walker,
                world.secrets,
                who,
                has_inbox,
                findings,
            )
    # A person reads the same: the fields the walk looks for are there, with values. She asks
    # every list for its total too: a list that takes include_total counts (never null).
    seen_by_person = Findings()
    uncounted = []
    for method, template, path in reads:
        counts = "include_total" in parameters(walker, template)
        query = "limit=200&include_total=true" if counts else "limit=200"
        response = await send(client, method, path, world.manager.headers, query)
        if counts and response.status_code == 200 and response.json()["total"] is None:
            uncounted.append(path)
        check(
            Answer(method, template, path, response),
            walker,
            world.secrets,
            "manager",
            False,
            seen_by_person,
            as_person=True,
        )
    for who, headers, has_inbox in callers:
        for method, template, path in writes:
            response = await send(client, method, path, headers)
            check(
                Answer(method, template, path, response),
                walker,
                world.secrets,
                who,
                has_inbox,
                findings,
            )

    assert uncounted == [], f"lists answering total: null to include_total=true: {uncounted}"
    assert findings.leaks == [], f"{len(findings.leaks)} leaks:\n" + "\n".join(findings.leaks[:60])
    missing = MUST_REACH - findings.reached
    assert not missing, f"no client answer carried these marked fields: {sorted(missing)}"
    unseen = MUST_REACH - seen_by_person.valued
    assert not unseen, f"the world holds no value for: {sorted(unseen)}"
    # The one exception was met: the inbox client's incoming referral, with its fields.
    assert findings.released > 0
    assert len(world.secrets) > 100
