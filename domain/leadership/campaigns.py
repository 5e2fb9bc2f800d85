"""Campaigns and community events: awareness meetings, rallies, street plays, school sessions,
media events; where and when, with which partners, whom they reached (women, men, youth,
children) and what came of them. Public acts, not personal records: reads are not audited,
writes are."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from domain.audit.trail import authorize, record
from domain.common.errors import BusinessRuleViolation
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED_DESC, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import check_version, require
from domain.leadership import policies
from domain.leadership.placement import (
    apply_changes,
    check_not_future,
    check_organizations,
    place_activity,
    shown_author,
)
from domain.leadership.policies import leadership_scope, summary_scope
from domain.leadership.schemas import (
    CampaignCreate,
    CampaignKindCount,
    CampaignPage,
    CampaignRead,
    CampaignSummary,
    CampaignUpdate,
)
from persistence.models.base import touch
from persistence.models.campaign import Campaign
from persistence.models.enums import AuditAction
from persistence.models.leadership_vocabulary import CampaignKind
from persistence.repositories.leadership import CampaignFilter, CampaignRepository
from persistence.uow import UnitOfWork

CAMPAIGN = policies.CAMPAIGN


def campaign_filter(
    *,
    kind: CampaignKind | None = None,
    district_id: UUID | None = None,
    leader_group_id: UUID | None = None,
    held_from: date | None = None,
    held_to: date | None = None,
) -> CampaignFilter:
    """What a list or summary of campaigns is narrowed to. Raises BusinessRuleViolation
    (an empty period)."""
    if held_from is not None and held_to is not None and held_to < held_from:
        raise BusinessRuleViolation("held_to may not lie before held_from.", field="held_to")
    return CampaignFilter(kind, district_id, leader_group_id, held_from, held_to)


class CampaignService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.campaigns = CampaignRepository(uow)

    async def create(self, principal: Principal, data: CampaignCreate) -> CampaignRead:
        """Record a campaign or community event. Raises BusinessRuleViolation (group,
        district, partners, date), Conflict (id taken)."""
        authorize(self.uow, principal, policies.MANAGE_CAMPAIGNS, CAMPAIGN)
        scope = leadership_scope(principal)
        if scope.organization_id is None:
            raise BusinessRuleViolation("Campaigns belong to an organisation.")
        district_id = await place_activity(
            self.uow,
            principal,
            data.district_id,
            data.leader_group_id,
            district_sent="district_id" in data.model_fields_set,
        )
        check_not_future(data.held_on, "held_on")
        await check_organizations(
            self.uow, data.partner_organization_ids, "partner_organization_ids"
        )
        await reject_taken_id(self.uow, principal, self.campaigns, data.id, "campaign")
        campaign = Campaign(
            organization_id=scope.organization_id,
            district_id=district_id,
            kind=data.kind,
            title=data.title,
            place=data.place,
            held_on=data.held_on,
            leader_group_id=data.leader_group_id,
            partner_organization_ids=list(data.partner_organization_ids),
            reached_women=data.reached_women,
            reached_men=data.reached_men,
            reached_youth=data.reached_youth,
            reached_children=data.reached_children,
            outcomes=data.outcomes,
            created_by=principal.id,
        )
        if data.id is not None:
            campaign.id = data.id
        await self.campaigns.add(campaign)
        record(self.uow, principal, AuditAction.create, CAMPAIGN, campaign.id)
        return campaign_read(campaign, principal)

    async def get(self, principal: Principal, campaign_id: UUID) -> CampaignRead:
        """One campaign in the caller's scope. Raises NotFound."""
        authorize(self.uow, principal, policies.READ_CAMPAIGNS, CAMPAIGN, campaign_id)
        return campaign_read(await self._require(principal, campaign_id), principal)

    async def get_many(
        self, principal: Principal, campaign_ids: Sequence[UUID]
    ) -> list[CampaignRead]:
        """Those among ``campaign_ids`` in the caller's scope, each as :meth:`get` answers
        it; one statement whatever their number (a device's first pull)."""
        authorize(self.uow, principal, policies.READ_CAMPAIGNS, CAMPAIGN)
        campaigns = await self.campaigns.many_in_scope(campaign_ids, leadership_scope(principal))
        return [campaign_read(c, principal) for c in campaigns]

    async def list_campaigns(
        self, principal: Principal, page: PageRequest, filters: CampaignFilter
    ) -> CampaignPage:
        """Campaigns in the caller's scope, newest recorded first. Raises BadRequest."""
        authorize(self.uow, principal, policies.READ_CAMPAIGNS, CAMPAIGN)
        scope = leadership_scope(principal)
        where = filters.where()

        def shown(campaigns: Sequence[Campaign]) -> list[CampaignRead]:
            return [campaign_read(c, principal) for c in campaigns]

        return await paginate(
            page,
            CREATED_DESC,
            fetch=lambda after, limit: self.campaigns.page_in_scope(scope, where, after, limit),
            to_read=shown,
            count=lambda: self.campaigns.count_in_scope(scope, where),
            page_type=CampaignPage,
        )

    async def update(
        self,
        principal: Principal,
        campaign_id: UUID,
        data: CampaignUpdate,
        expected_version: int,
    ) -> CampaignRead:
        """Correct a campaign; it must stay within the caller's scope. Raises NotFound,
        PreconditionFailed, BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE_CAMPAIGNS, CAMPAIGN, campaign_id)
        campaign = await self._require(principal, campaign_id, for_update=True)
        check_version(campaign, expected_version, "campaign")
        changes = data.changes()
        if "district_id" in changes or "leader_group_id" in changes:
            changes["district_id"] = await place_activity(
                self.uow,
                principal,
                changes.get("district_id", campaign.district_id),
                changes.get("leader_group_id", campaign.leader_group_id),
                district_sent=True,
            )
        if "held_on" in changes:
            check_not_future(changes["held_on"], "held_on")
        if "partner_organization_ids" in changes:
            await check_organizations(
                self.uow, changes["partner_organization_ids"], "partner_organization_ids"
            )
        if apply_changes(campaign, changes):
            touch(campaign)
            await self.campaigns.save(campaign)
            record(self.uow, principal, AuditAction.update, CAMPAIGN, campaign.id)
        return campaign_read(campaign, principal)

    async def summary(self, principal: Principal, filters: CampaignFilter) -> CampaignSummary:
        """Campaigns and their reach by kind, counts only (every kind listed)."""
        authorize(self.uow, principal, policies.SUMMARY, CAMPAIGN)
        tallies = {
            t.kind: t for t in await self.campaigns.tally(summary_scope(principal), filters.where())
        }
        by_kind = []
        for kind in CampaignKind:
            tally = tallies.get(kind.value)
            counts = (
                (0, 0, 0, 0, 0)
                if tally is None
                else (tally.campaigns, tally.women, tally.men, tally.youth, tally.children)
            )
            by_kind.append(
                CampaignKindCount(
                    kind=kind,
                    campaigns=counts[0],
                    reached_women=counts[1],
                    reached_men=counts[2],
                    reached_youth=counts[3],
                    reached_children=counts[4],
                    reached_total=sum(counts[1:]),
                )
            )
        return CampaignSummary(
            held_from=filters.held_from,
            held_to=filters.held_to,
            campaigns=sum(k.campaigns for k in by_kind),
            reached_total=sum(k.reached_total for k in by_kind),
            by_kind=by_kind,
        )

    async def _require(
        self, principal: Principal, campaign_id: UUID, *, for_update: bool = False
    ) -> Campaign:
        return await require(
            self.campaigns.get_in_scope(
                campaign_id, leadership_scope(principal), for_update=for_update
            ),
            "Campaign",
        )


def campaign_read(campaign: Campaign, principal: Principal) -> CampaignRead:
    """The campaign; who recorded it only to callers who may see people (a survivor
    leader's account is not shown to a machine)."""
    reached = (
        campaign.reached_women
        + campaign.reached_men
        + campaign.reached_youth
        + campaign.reached_children
    )
    return CampaignRead(
        id=campaign.id,
        organization_id=campaign.organization_id,
        kind=campaign.kind,
        title=campaign.title,
        place=campaign.place,
        district_id=campaign.district_id,
        held_on=campaign.held_on,
        leader_group_id=campaign.leader_group_id,
        partner_organization_ids=list(campaign.partner_organization_ids),
        reached_women=campaign.reached_women,
        reached_men=campaign.reached_men,
        reached_youth=campaign.reached_youth,
        reached_children=campaign.reached_children,
        reached_total=reached,
        outcomes=campaign.outcomes,
        created_by=shown_author(principal, campaign.created_by),
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
        version=campaign.version,
    )
