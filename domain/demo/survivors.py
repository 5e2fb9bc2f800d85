"""Survivors registered at intake by the social workers of their home district, and their
consents (a guardian's for minors; some expiring, some withdrawn, some sharing with the
partner organisation)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import partial
from uuid import UUID

from domain.consents.schemas import (
    ConsentCreate,
    ConsentWithdraw,
    ConsentWithdrawalReason,
    Guardian,
)
from domain.consents.service import ConsentService
from domain.demo.context import DemoContext, DemoSurvivor
from domain.demo.vocabulary import (
    BLOCKS,
    DISTRICTS,
    SOUTH_24_PARGANAS,
    fake_document_number,
    fake_phone,
    guardian_name,
    male_relative_name,
    survivor_name,
    village,
)
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
from persistence import clock
from persistence.models.case_vocabulary import (
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    Sex,
    ShareableField,
)

ADULT_AGE = 18
_LANDMARKS = ("the pond", "the primary school", "the mosque", "the Kali temple", "the ration shop")
_CODE_WORDS = ("shapla", "nodi", "bakul", "tiya", "jonaki")


async def seed_survivors(ctx: DemoContext) -> None:
    rng = ctx.rng("survivors")
    service = SurvivorService(ctx.uow)
    taken: set[tuple[str, str]] = set()
    for number in range(1, ctx.options.survivors + 1):
        district_id = SOUTH_24_PARGANAS if rng.random() < 0.55 else DISTRICTS[1]
        worker = rng.choice(ctx.workers(district_id))
        block = rng.choice(BLOCKS[district_id])
        boy = rng.random() < 0.04
        age = (
            rng.randint(13, 17)
            if boy
            else (rng.randint(14, 17) if rng.random() < 0.2 else rng.randint(19, 38))
        )
        given, family = survivor_name(rng, boy)
        same_name = (given, family) in taken
        taken.add((given, family))
        has_phone = rng.random() < 0.8
        never_call = has_phone and rng.random() < 0.15
        mother = guardian_name(rng, family)
        family_members = [
            FamilyMember(
                name=mother,
                relationship=FamilyRelationship.mother,
                phone=fake_phone(number, 1) if rng.random() < 0.6 else None,
                safe_contact=True,
            )
        ]
        if rng.random() < 0.4:
            family_members.append(
                FamilyMember(
                    name=male_relative_name(rng, family),
                    relationship=rng.choice(
                        (
                            FamilyRelationship.uncle,
                            FamilyRelationship.husband,
                            FamilyRelationship.in_law,
                        )
                    ),
                    safe_contact=False,  # named by her as the one who sold her, or complicit
                )
            )
        documents = []
        if rng.random() < 0.7:
            documents.append(
                IdentityDocument(
                    kind=IdentityDocumentKind.aadhaar, number=fake_document_number(rng)
                )
            )
        if rng.random() < 0.6:
            documents.append(IdentityDocument(kind=IdentityDocumentKind.ration_card))
        if age > ADULT_AGE and rng.random() < 0.5:
            documents.append(IdentityDocument(kind=IdentityDocumentKind.voter_id))
        home = Address(
            details=f"Near {rng.choice(_LANDMARKS)}",
            village=village(rng),
            gram_panchayat=f"{block} {rng.choice(('I', 'II', 'Uttar', 'Dakshin'))}",
            district_id=district_id,
        )
        current = None
        if rng.random() < 0.1:
            current = Address(
                details="With her aunt", village=village(rng), district_id=district_id
            )
        created = await service.create(
            worker.principal,
            SurvivorCreate(
                given_name=given,
                family_name=family,
                aliases=[f"Demo survivor {number:03d}"],
                sex=Sex.male if boy else Sex.female,
                estimated_age=age,
                languages=["bn", "hi"] if rng.random() < 0.2 else ["bn"],
                phone=fake_phone(number) if has_phone else None,
                home_address=home,
                current_address=current,
                identity_documents=documents,
                family_members=family_members,
                safe_contact=SafeContactPreferences(
                    channel=(
                        rng.choice(
                            (ContactChannel.home_visit, ContactChannel.through_survivor_leader)
                        )
                        if never_call or not has_phone
                        else rng.choice((ContactChannel.phone_call, ContactChannel.sms))
                    ),
                    times=rng.choice(("weekdays 11-13", "mornings before 9", "afternoons 14-16")),
                    code_word=rng.choice(_CODE_WORDS) if rng.random() < 0.3 else None,
                    never_call=never_call,
                ),
                confirm_not_duplicate=same_name,  # two women of one name: both are real
            ),
            None,  # the demo's workers are not throttled
        )
        ctx.survivors.append(
            DemoSurvivor(
                number=number,
                id=created.id,
                district_id=district_id,
                block=block,
                worker=worker,
                given_name=given,
                family_name=family,
                age=age,
                guardian_name=mother,
                phone=created.phone,
                never_call=never_call,
            )
        )
        ctx.counts["survivors"] += 1


def _consent_body(
    purpose: ConsentPurpose,
    expires_at: datetime | None,
    *,
    given_at: datetime,
    method: ConsentMethod,
    guardian: Guardian | None,
    witness_id: UUID,
    partner_id: UUID | None = None,
    fields: list[ShareableField] | None = None,
) -> ConsentCreate:
    return ConsentCreate(
        purpose=purpose,
        shared_with_organization_id=partner_id,
        fields=fields or [],
        given_by=ConsentGiver.survivor if guardian is None else ConsentGiver.guardian,
        guardian=guardian,
        method=method,
        language="bn",
        witness_user_id=witness_id,
        given_at=given_at,
        expires_at=expires_at,
    )


def _minor_on(ctx: DemoContext, survivor: DemoSurvivor, day: datetime) -> bool:
    """The consent rule's view (birth year only): a minor through the year she turns 18."""
    birth_year = ctx.today.year - survivor.age
    return day.year - birth_year <= ADULT_AGE


async def seed_consents(ctx: DemoContext) -> None:
    rng = ctx.rng("consents")
    service = ConsentService(ctx.uow)
    now = clock.now()
    for case in ctx.cases:
        survivor, worker = case.survivor, case.worker
        if case.working_stage.value == "intake" and rng.random() < 0.3:
            continue  # consent not yet taken: the case shows no_consent
        given_at = datetime.combine(case.opened_on, time(6, 0), tzinfo=UTC)
        minor = _minor_on(ctx, survivor, given_at)
        method = rng.choice((ConsentMethod.written, ConsentMethod.thumbprint, ConsentMethod.verbal))
        guardian = (
            Guardian(name=survivor.guardian_name, relationship=FamilyRelationship.mother)
            if minor
            else None
        )

        body = partial(
            _consent_body,
            given_at=given_at,
            method=method,
            guardian=guardian,
            witness_id=worker.id,
        )
        expiring = rng.random() < 0.1
        expires_at = (
            now + timedelta(days=rng.randint(5, 25))
            if expiring
            else max(given_at + timedelta(days=730), now + timedelta(days=60))
        )
        purposes: list[tuple[ConsentPurpose, datetime | None]] = [
            (ConsentPurpose.case_management, expires_at)
        ]
        if rng.random() < 0.85:
            purposes.append((ConsentPurpose.aggregate_reporting, None))
        if survivor.phone and not survivor.never_call:
            purposes.append((ConsentPurpose.contact_by_phone, expires_at))
        if rng.random() < 0.4:
            purposes.append((ConsentPurpose.research, None))
        if not minor and rng.random() < 0.08:
            purposes.append((ConsentPurpose.media_advocacy, given_at + timedelta(days=900)))
        created: dict[ConsentPurpose, UUID] = {}
        for purpose, expiry in purposes:
            if expiry is not None and expiry <= now:
                expiry = None
            consent = await service.create(
                worker.principal,
                survivor.id,
                body(purpose, expiry),
            )
            created[purpose] = consent.id
            ctx.counts["consents"] += 1
        if rng.random() < 0.3:
            fields = [ShareableField.name, ShareableField.age, ShareableField.languages]
            if survivor.phone and not survivor.never_call:
                fields.append(ShareableField.phone)
            await service.create(
                worker.principal,
                survivor.id,
                body(
                    ConsentPurpose.sharing,
                    max(given_at + timedelta(days=365), now + timedelta(days=90)),
                    partner_id=ctx.organizations["partner"],
                    fields=fields,
                ),
            )
            ctx.counts["consents"] += 1
        if ConsentPurpose.research in created and rng.random() < 0.15:
            await service.withdraw(
                worker.principal,
                survivor.id,
                created[ConsentPurpose.research],
                ConsentWithdraw(reason=ConsentWithdrawalReason.survivor_request),
            )
            ctx.counts["consents withdrawn"] += 1
