"""Survivors registered at intake by the social workers of their home district, and their
consents (a guardian's for minors; some expiring, some withdrawn, some sharing with the
partner organisation)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from uuid import UUID

from domain.consents.schemas import (
    ConsentCreate,
    ConsentWithdraw,
    ConsentWithdrawalReason,
    Guardian,
)
from domain.consents.service import ConsentService
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
from persistence.models.case_vocabulary import (
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    Sex,
    ShareableField,
)
from seeds.cases import plan_cases, stages_for
from seeds.context import DemoContext, DemoSurvivor
from seeds.vocabulary import (
    BLOCKS,
    DISTRICTS,
    SOUTH_24_PARGANAS,
    fake_document_number,
    fake_phone,
    guardian_name,
    male_relative_name,
    survivor_name,
    told,
    village,
)

ADULT_AGE = 18
BOY_NUMBER = 5
_LANDMARKS = ("the pond", "the primary school", "the mosque", "the Kali temple", "the ration shop")
_CODE_WORDS = ("shapla", "nodi", "bakul", "tiya", "jonaki")


async def seed_survivors(ctx: DemoContext) -> None:
    """Register every survivor on the day her first case opened (her story's dates are
    planned here, so that she exists before her cases do)."""
    rng = ctx.rng("survivors")
    dates = ctx.rng("case dates")
    service = SurvivorService(ctx.uow)
    taken: set[tuple[str, str]] = set()
    stages = stages_for(ctx.options.survivors, ctx.rng("case stages"))
    for number, stage in zip(range(1, ctx.options.survivors + 1), stages, strict=True):
        plans = plan_cases(dates, stage, ctx.today)
        registered_on = min(plan.opened_on for plan in plans)
        district_id = SOUTH_24_PARGANAS if rng.random() < 0.55 else DISTRICTS[1]
        worker = rng.choice(ctx.workers(district_id))
        block = rng.choice(BLOCKS[district_id])
        # About one in twenty-five is a boy (child labour, mostly); every run of five or more
        # has one, so that the texts about boys are seen.
        boy = rng.random() < 0.04 or number == BOY_NUMBER
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
                details=told("With {her} aunt", Sex.male.value if boy else Sex.female.value),
                village=village(rng),
                district_id=district_id,
            )
        ctx.at(registered_on)
        created = await service.create(
            worker.principal,
            SurvivorCreate(
                given_name=given,
                family_name=family,
                aliases=[f"Demo survivor {number:03d}"],
                sex=Sex.male if boy else Sex.female,
                # ``age`` is hers today: at registration she was younger by the years since.
                estimated_age=age - (ctx.today.year - registered_on.year),
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
                sex=Sex.male.value if boy else Sex.female.value,
                plans=plans,
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
    """Consents taken on the day each case opened (a withdrawal some months later)."""
    rng = ctx.rng("consents")
    service = ConsentService(ctx.uow)
    now = ctx.now
    for case in ctx.cases:
        survivor, worker = case.survivor, case.worker
        if case.working_stage.value == "intake" and rng.random() < 0.3:
            continue  # consent not yet taken: the case shows no_consent
        given_at = ctx.at(case.opened_on)
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
        # Sharing with the partner, at her first case (in force through the later ones: a
        # consent may not be dated before one it would supersede).
        if rng.random() < 0.3 and case.plan is survivor.plans[0]:
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
            ctx.at(min(case.opened_on + timedelta(days=rng.randint(30, 200)), case.until))
            await service.withdraw(
                worker.principal,
                survivor.id,
                created[ConsentPurpose.research],
                ConsentWithdraw(reason=ConsentWithdrawalReason.survivor_request),
            )
            ctx.counts["consents withdrawn"] += 1
