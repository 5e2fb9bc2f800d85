"""Aggregate indicators of one organisation, and the small-cell suppression applied whenever
they leave it (a partner's counts shown to the lead organisation, evidence cited in advocacy).

A count from 1 to SUPPRESSION_THRESHOLD - 1 is published as null: in a district-sized
programme a handful of survivors can point at a person. Zero stays zero. When exactly one
stage of the open cases is suppressed, the open-cases total is suppressed too, so that the
hidden cell cannot be recovered by subtraction.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from domain.expansion.schemas import SUPPRESSION_THRESHOLD, Indicator, IndicatorValue
from persistence.models.case_vocabulary import CaseStatus, ReferralStatus
from persistence.models.leadership_vocabulary import OnboardingStage
from persistence.models.livelihood_vocabulary import ShgStatus
from persistence.repositories.expansion import AggregateRepository
from persistence.uow import UnitOfWork

_OPEN_CASE_STAGES = (
    Indicator.cases_intake,
    Indicator.cases_assessment,
    Indicator.cases_planning,
    Indicator.cases_active,
    Indicator.cases_monitoring,
    Indicator.cases_reopened,
)


async def indicator_counts(uow: UnitOfWork, organization_id: UUID) -> dict[Indicator, int]:
    """Every indicator of the organisation, counted now."""
    aggregates = AggregateRepository(uow)
    cases = await aggregates.cases_by_status(organization_id)
    referrals = await aggregates.referrals_by_status(organization_id)
    shgs = await aggregates.shgs_by_status(organization_id)
    onboardings = await aggregates.onboardings_by_stage(organization_id)
    counts: dict[Indicator, int] = {
        Indicator.survivors: await aggregates.survivors(organization_id),
        Indicator.referrals_sent: sum(referrals.values()),
        Indicator.shgs: sum(shgs.values()),
        Indicator.shgs_active: shgs.get(ShgStatus.active.value, 0),
        Indicator.leader_groups: await aggregates.leader_groups(organization_id),
        Indicator.partners_onboarding: sum(onboardings.values()),
        Indicator.partners_implementing: onboardings.get(OnboardingStage.implementing.value, 0),
    }
    for status in CaseStatus:
        counts[Indicator(f"cases_{status.value}")] = cases.get(status.value, 0)
    counts[Indicator.cases_open] = sum(counts[stage] for stage in _OPEN_CASE_STAGES)
    for referral_status in (
        ReferralStatus.accepted,
        ReferralStatus.in_progress,
        ReferralStatus.completed,
        ReferralStatus.declined,
    ):
        counts[Indicator(f"referrals_{referral_status.value}")] = referrals.get(
            referral_status.value, 0
        )
    return counts


def is_small(count: int) -> bool:
    return 0 < count < SUPPRESSION_THRESHOLD


def suppressed(
    counts: dict[Indicator, int], cite: Iterable[Indicator] | None = None
) -> list[IndicatorValue]:
    """The cited indicators (all when ``cite`` is None) in their declared order, small counts
    suppressed."""
    hidden = {indicator for indicator, count in counts.items() if is_small(count)}
    if sum(1 for stage in _OPEN_CASE_STAGES if stage in hidden) == 1:
        hidden.add(Indicator.cases_open)
    wanted = set(cite) if cite is not None else set(Indicator)
    return [
        IndicatorValue(
            indicator=indicator,
            value=None if indicator in hidden else counts[indicator],
            suppressed=indicator in hidden,
        )
        for indicator in Indicator
        if indicator in wanted
    ]
