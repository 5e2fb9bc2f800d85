"""Referrals from the demo cases: a service directory (the partner NGO's, the government
department's and a service-provider collective's offerings in the two districts), an account to
work each receiving organisation's inbox, her sharing consent with the receiver recorded before
she is referred, and referrals at every status (sent, accepted, declined, in progress,
completed, not delivered, revoked), one of them an emergency sent under a manager's consent
override.

The referral service dates its steps at the moment they are made (it takes no back-dated
status), so every demo referral reads as made on the day of the run.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from pydantic import SecretStr

from domain.common.principal import Role, system_principal
from domain.consents.checks import active_consent
from domain.consents.schemas import ConsentCreate, Guardian
from domain.consents.service import ConsentService
from domain.organizations.schemas import OrganizationCreate
from domain.organizations.service import OrganizationService
from domain.referrals.directory import DirectoryService
from domain.referrals.schemas import ReferralCreate, ReferralTransition, ServiceOfferingCreate
from domain.referrals.service import ReferralService
from domain.survivors.schemas import FamilyRelationship
from domain.users.schemas import UserCreate
from domain.users.service import UserService
from persistence.models.case_vocabulary import (
    CaseStatus,
    ConsentGiver,
    ConsentMethod,
    ConsentPurpose,
    ReferralStatus,
    ServiceKind,
    ShareableField,
    Urgency,
)
from persistence.models.enums import OrganizationKind
from seeds.context import DemoCase, DemoContext, DemoUser
from seeds.vocabulary import (
    DEMO_NAMESPACE,
    DISTRICTS,
    EMAIL_DOMAIN,
    WEST_BENGAL,
    told,
)

R = ReferralStatus
K = ServiceKind
ADULT_AGE = 18
# About one referral for every two survivors (70 for the default 140).
REFERRALS_PER_SURVIVOR = 0.5
# The share of referrals ending the run at each status (every status gets at least one).
STATUS_SHARES: tuple[tuple[ReferralStatus, float], ...] = (
    (R.sent, 0.12),
    (R.accepted, 0.10),
    (R.declined, 0.08),
    (R.in_progress, 0.22),
    (R.completed, 0.30),
    (R.not_delivered, 0.08),
    (R.revoked, 0.10),
)
# The receiving side's moves that lead to each status (revoked: the referring side's last).
PATHS: dict[ReferralStatus, tuple[ReferralStatus, ...]] = {
    R.sent: (),
    R.accepted: (R.accepted,),
    R.declined: (R.declined,),
    R.in_progress: (R.accepted, R.in_progress),
    R.completed: (R.accepted, R.in_progress, R.completed),
    R.not_delivered: (R.accepted, R.not_delivered),
    R.revoked: (),
}

PROVIDER_NAME = "Sundarban Demo Health and Legal Aid Collective (synthetic demo data)"
# The offerings of the directory: organisation key, service, name, description.
OFFERINGS: tuple[tuple[str, ServiceKind, str, str], ...] = (
    (
        "partner",
        K.counselling,
        "Peer counselling circle (demo)",
        "Fortnightly circles led by trained survivor counsellors.",
    ),
    (
        "partner",
        K.skills_training,
        "Tailoring and embroidery course (demo)",
        "Three-month course with a starter kit.",
    ),
    (
        "partner",
        K.livelihood,
        "Poultry and goat-rearing support (demo)",
        "Training, first birds and veterinary visits.",
    ),
    (
        "wcd",
        K.social_protection,
        "Widow and old-age pension enrolment camp (demo)",
        "Monthly camp at the block office.",
    ),
    (
        "wcd",
        K.documentation,
        "Caste, birth and residence certificates desk (demo)",
        "Applications taken and followed up at the block office.",
    ),
    (
        "wcd",
        K.shelter,
        "Government short-stay home (demo)",
        "Short stay for women who cannot go home safely.",
    ),
    (
        "wcd",
        K.education,
        "Open-school enrolment through the district office (demo)",
        "Class 8 and class 10 through the open school.",
    ),
    (
        "provider",
        K.health,
        "Mobile health clinic (demo)",
        "Weekly clinic boat and van in the island blocks.",
    ),
    (
        "provider",
        K.mental_health,
        "Trauma counselling with a clinical psychologist (demo)",
        "Individual sessions, in Bengali, at the block hospital.",
    ),
    (
        "provider",
        K.legal_aid,
        "Legal aid clinic with panel lawyers (demo)",
        "Help with FIRs, court dates and victim compensation.",
    ),
)
# The accounts that work the inboxes of the organisations without one.
RECEIVERS = (
    # key, role, full name, organisation key
    ("wcd.officer", Role.program_manager, "Bithi Sengupta (demo)", "wcd"),
    ("provider.staff", Role.partner_staff, "Moumita Chatterjee (demo)", "provider"),
)
INBOX_OF = {"partner": "partner.staff", "wcd": "wcd.officer", "provider": "provider.staff"}

REASONS: dict[ServiceKind, tuple[str, ...]] = {
    K.counselling: ("{She} asked to meet other survivors who have been through the same.",),
    K.skills_training: ("{She} wants to learn tailoring to earn from home.",),
    K.livelihood: ("{She} wants to start a small poultry unit with {her} mother.",),
    K.social_protection: ("{Her} mother is a widow and receives no pension.",),
    K.documentation: ("{She} needs a residence certificate for {her} bank account.",),
    K.shelter: ("{She} cannot stay at home while the accused's family threatens {him}.",),
    K.education: ("{She} wants to finish class 10 through the open school.",),
    K.health: ("Pain in {her} stomach since {she} came back; no check-up yet.",),
    K.mental_health: ("Nightmares and panic in crowds; {she} agreed to see a psychologist.",),
    K.legal_aid: ("{Her} compensation application is stuck; {she} needs a lawyer's help.",),
}
NOTES: dict[ReferralStatus, tuple[str, ...]] = {
    R.declined: (
        "The course is full this quarter; please refer {him} again in three months.",
        "{She} lives outside the area we cover.",
    ),
    R.completed: (
        "Course finished; {she} received {her} certificate and starter kit.",
        "Treatment complete; follow-up at the block hospital in six months.",
        "Application filed and the first instalment received.",
    ),
    R.not_delivered: (
        "{She} did not come on the three dates offered.",
        "{Her} family moved {him} to {her} aunt's before the first session.",
    ),
    R.revoked: (
        "{She} changed {her} mind and prefers a service nearer home.",
        "Referred by mistake to the wrong office; a new referral follows.",
    ),
}
OVERRIDE_REASON = (
    "Synthetic demo: threats at home tonight and no time to take her written consent; the "
    "shelter needs her name and age to admit her."
)


@dataclass(frozen=True)
class _Offering:
    id: UUID
    organization: str
    kind: ServiceKind


def _weighted(rng: random.Random) -> ReferralStatus:
    return rng.choices([s for s, _ in STATUS_SHARES], [w for _, w in STATUS_SHARES])[0]


def statuses_for(count: int, rng: random.Random) -> list[ReferralStatus]:
    """``count`` statuses in the shares above, every status present once there are enough."""
    statuses = [status for status, _ in STATUS_SHARES][:count]
    while len(statuses) < count:
        statuses.append(_weighted(rng))
    rng.shuffle(statuses)
    return statuses


async def _directory(ctx: DemoContext) -> list[_Offering]:
    """The service-provider collective, its inbox accounts, and every directory offering
    (there from the story's beginning)."""
    system = system_principal()
    ctx.at(ctx.began_on)
    provider = await OrganizationService(ctx.uow).create(
        system,
        OrganizationCreate(
            id=uuid.uuid5(DEMO_NAMESPACE, "organization:provider"),
            name=PROVIDER_NAME,
            kind=OrganizationKind.service_provider,
            state_id=WEST_BENGAL,
        ),
    )
    ctx.organizations["provider"] = provider.id
    ctx.counts["organizations"] += 1
    users = UserService(ctx.uow, ctx.passwords)
    for key, role, full_name, organization_key in RECEIVERS:
        created = await users.create(
            system,
            UserCreate(
                email=f"{key}@{EMAIL_DOMAIN}",
                full_name=full_name,
                role=role,
                organization_id=ctx.organizations[organization_key],
                district_ids=list(DISTRICTS),
                password=SecretStr(ctx.password),
            ),
        )
        ctx.users[key] = DemoUser(
            key=key,
            id=created.id,
            email=created.email,
            full_name=created.full_name,
            role=created.role,
            organization_id=created.organization_id,
            district_ids=DISTRICTS,
        )
        ctx.counts["users"] += 1
    directory = DirectoryService(ctx.uow)
    offerings = []
    for organization_key, kind, name, description in OFFERINGS:
        # The partner's manager keeps its own offerings; the platform keeps the others'.
        keeper = ctx.users["partner.manager"].principal if organization_key == "partner" else system
        offering = await directory.create_offering(
            keeper,
            ctx.organizations[organization_key],
            ServiceOfferingCreate(
                service_kind=kind,
                name=name,
                description=f"{description} Synthetic demo data.",
                district_ids=list(DISTRICTS),
            ),
        )
        offerings.append(_Offering(offering.id, organization_key, kind))
        ctx.counts["service offerings"] += 1
    return offerings


def _minor_on(ctx: DemoContext, case: DemoCase, day: datetime) -> bool:
    """The consent rule's view (birth year only): a minor through the year she turns 18."""
    birth_year = ctx.today.year - case.survivor.age
    return day.year - birth_year <= ADULT_AGE


def _consented_fields(case: DemoCase, kind: ServiceKind) -> list[ShareableField]:
    fields = [ShareableField.name, ShareableField.age, ShareableField.languages]
    if case.survivor.phone and not case.survivor.never_call:
        fields.append(ShareableField.phone)
    if kind in (K.legal_aid, K.mental_health, K.shelter):
        fields.append(ShareableField.trafficking_context)
    return fields


async def _sharing_consent(
    ctx: DemoContext,
    rng: random.Random,
    case: DemoCase,
    receiver: UUID,
    kind: ServiceKind,
    on: date,
) -> list[ShareableField]:
    """The fields her sharing consent with ``receiver`` allows: the one in force on ``on``,
    or a new one she gives that day (read out to her by her social worker)."""
    given_at = ctx.at(on)
    consent = await active_consent(
        ctx.uow, case.survivor.id, ConsentPurpose.sharing, organization_id=receiver
    )
    if consent is not None:
        return [ShareableField(f) for f in consent.fields]
    now = ctx.now
    minor = _minor_on(ctx, case, given_at)
    fields = _consented_fields(case, kind)
    await ConsentService(ctx.uow).create(
        case.worker.principal,
        case.survivor.id,
        ConsentCreate(
            purpose=ConsentPurpose.sharing,
            shared_with_organization_id=receiver,
            fields=fields,
            given_by=ConsentGiver.guardian if minor else ConsentGiver.survivor,
            guardian=(
                Guardian(name=case.survivor.guardian_name, relationship=FamilyRelationship.mother)
                if minor
                else None
            ),
            method=rng.choice((ConsentMethod.written, ConsentMethod.thumbprint)),
            language="bn",
            witness_user_id=case.worker.id,
            given_at=given_at,
            expires_at=now + timedelta(days=365),
        ),
    )
    ctx.counts["consents"] += 1
    ctx.counts["sharing consents for referrals"] += 1
    return fields


def _shared(rng: random.Random, allowed: list[ShareableField]) -> list[ShareableField]:
    """What travels: her name and age always, the rest of what she allowed now and then."""
    shared: list[ShareableField] = [
        f for f in allowed if f in (ShareableField.name, ShareableField.age)
    ]
    shared += [f for f in allowed if f not in shared and rng.random() < 0.5]
    return shared


async def seed_referrals(ctx: DemoContext) -> None:
    rng = ctx.rng("referrals")
    offerings = await _directory(ctx)
    service = ReferralService(ctx.uow)
    eligible = [case for case in ctx.cases if case.planned]
    if not eligible:
        return
    target = max(round(len(ctx.survivors) * REFERRALS_PER_SURVIVOR), len(STATUS_SHARES))
    # Each eligible case one referral in turn (a shuffled order), then round again.
    order = rng.sample(eligible, k=len(eligible))
    chosen = [order[i % len(order)] for i in range(target)]
    statuses = statuses_for(target, rng)

    # An emergency first: a shelter place tonight, shared under the manager's override.
    emergency = next((c for c in order if c.under_way and c.survivor.age >= ADULT_AGE), None)
    if emergency is not None:
        shelter = next(o for o in offerings if o.kind is K.shelter)
        ctx.at(emergency.until)
        await service.create(
            ctx.manager.principal,
            emergency.id,
            ReferralCreate(
                receiving_organization_id=ctx.organizations[shelter.organization],
                service_kind=shelter.kind,
                service_offering_id=shelter.id,
                urgency=Urgency.emergency,
                reason=f"Synthetic demo referral: {REASONS[K.shelter][0]}",
                shared_fields=[ShareableField.name, ShareableField.age],
                consent_override_reason=OVERRIDE_REASON,
            ),
        )
        ctx.counts["referrals"] += 1
        ctx.counts["referrals sent"] += 1
        ctx.counts["referral consent overrides"] += 1

    # Drawn first, then written in the order they were sent: a sharing consent given for one
    # referral is in force for her later ones to the same organisation.
    referrals = []
    for case, status in zip(chosen, statuses, strict=True):
        offering = rng.choice(offerings)
        referrals.append((_days(rng, case), case, status, offering))
    referrals.sort(key=lambda referral: referral[0][0])
    for days, case, status, offering in referrals:
        receiver = ctx.organizations[offering.organization]
        allowed = await _sharing_consent(ctx, rng, case, receiver, offering.kind, days[0])
        sex = case.survivor.sex
        ctx.at(days[0])
        referral = await service.create(
            case.worker.principal,
            case.id,
            ReferralCreate(
                receiving_organization_id=receiver,
                service_kind=offering.kind,
                service_offering_id=offering.id,
                urgency=Urgency.urgent if rng.random() < 0.2 else Urgency.routine,
                reason=told(f"Synthetic demo referral: {rng.choice(REASONS[offering.kind])}", sex),
                shared_fields=_shared(rng, allowed),
            ),
        )
        ctx.counts["referrals"] += 1
        inbox = ctx.users[INBOX_OF[offering.organization]].principal
        version = referral.version
        for to, day in zip(PATHS[status], days[1:], strict=False):
            ctx.at(day)
            moved = await service.transition(
                inbox,
                referral.id,
                ReferralTransition(to=to, note=_note(rng, to, sex)),
                version,
            )
            version = moved.version
        if status is R.revoked:
            ctx.at(days[-1])
            if rng.random() < 0.5:  # accepted first, then withdrawn by her social worker
                version = (
                    await service.transition(
                        inbox, referral.id, ReferralTransition(to=R.accepted), version
                    )
                ).version
            await service.transition(
                case.worker.principal,
                referral.id,
                ReferralTransition(to=R.revoked, note=_note(rng, R.revoked, sex)),
                version,
            )
        ctx.counts[f"referrals {status.value}"] += 1


def _note(rng: random.Random, to: ReferralStatus, sex: str) -> str | None:
    notes = NOTES.get(to)
    return told(f"Synthetic demo: {rng.choice(notes)}", sex) if notes else None


# Days from one step of a referral to the next: accepted (or declined) within a week, the
# service starting within weeks, done within months.
STEP_GAPS = ((1, 7), (3, 21), (20, 90))


def _days(rng: random.Random, case: DemoCase) -> list[date]:
    """The day it was sent and the days of its steps, in order, within the case's work (from
    planning to the day before it closed), spread over that time."""
    gaps = [timedelta(days=rng.randint(*STEP_GAPS[min(i, 2)])) for i in range(3)]
    first = case.entered(CaseStatus.planning)
    room = max(0, (case.until - first).days - sum(g.days for g in gaps))
    day = first + timedelta(days=rng.randint(0, room))
    days = [day]
    for gap in gaps:
        day = min(day + gap, case.until)
        days.append(day)
    return days
