"""Research and media: studies and media engagements. A survivor's story may be linked to
either only with her media/advocacy consent, checked when saved and again on every read: once
she withdraws it (or it expires) the link is hidden, and the read says so without any personal
data. The story is sealed at rest; only program managers see it, and every time they do the
read is audited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize
from domain.common.errors import BusinessRuleViolation
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED_DESC, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal, PrincipalKind
from domain.common.records import check_version, require
from domain.consents.checks import active_consent, active_consents
from domain.expansion import policies
from domain.expansion.common import audit, own_scope
from domain.expansion.schemas import (
    MediaCreate,
    MediaPage,
    MediaRead,
    MediaUpdate,
    StoryLink,
    StoryState,
    StudyCreate,
    StudyPage,
    StudyRead,
    StudyUpdate,
)
from persistence.clock import today
from persistence.crypto import Place
from persistence.models.base import touch
from persistence.models.case_vocabulary import ConsentPurpose
from persistence.models.consent import Consent
from persistence.models.enums import AuditAction
from persistence.models.leadership_vocabulary import StudyStatus
from persistence.models.media_engagement import MediaEngagement
from persistence.models.study import Study
from persistence.repositories.expansion import ExpansionLookups, MediaRepository, StudyRepository
from persistence.uow import UnitOfWork

STUDY = policies.STUDY
MEDIA = policies.MEDIA
CONSENT_WITHDRAWN = (
    "The survivor's media/advocacy consent is no longer in force: her story is hidden."
)
WITHHELD = "Survivors' stories are shown to program managers only."

StoryHolder = Study | MediaEngagement


class StoryLinks:
    """Linking a survivor's story under her consent, and showing it only while it stands."""

    def __init__(self, uow: UnitOfWork, entity: str) -> None:
        self.uow = uow
        self.entity = entity
        # Consents looked up ahead for a page (prefetch), by survivor: one query, not one per
        # linked story. Lives as long as the service, i.e. one request.
        self._consents: dict[UUID, Consent | None] = {}
        self.lookups = ExpansionLookups(uow)

    async def prefetch(self, principal: Principal, holders: Sequence[StoryHolder]) -> None:
        """Look up, in one query, the consents the stories of ``holders`` will be shown by."""
        if principal.kind is not PrincipalKind.system and (
            principal.role not in policies.STORY_READERS
        ):
            return  # no story is shown to this caller: nothing to look up
        wanted = {h.survivor_id for h in holders if h.survivor_id is not None}
        self._consents.update(
            await active_consents(self.uow, wanted, ConsentPurpose.media_advocacy)
        )

    def _place(self, record_id: UUID) -> Place:
        return Place(self.entity, "story_enc", record_id)

    async def link(
        self,
        principal: Principal,
        holder: StoryHolder,
        survivor_id: UUID | None,
        story: str | None,
    ) -> None:
        """Attach the survivor and her story to ``holder``. Raises BusinessRuleViolation
        (survivor outside the organisation, no consent in force)."""
        if survivor_id is None:
            return
        if not await self.lookups.survivor_in(holder.organization_id, survivor_id):
            raise BusinessRuleViolation(
                "No survivor with this id in your organisation.", field="survivor_id"
            )
        consent = await active_consent(self.uow, survivor_id, ConsentPurpose.media_advocacy)
        if consent is None or consent.organization_id != holder.organization_id:
            raise BusinessRuleViolation(
                "Her story is linked only with her media/advocacy consent in force.",
                field="survivor_id",
            )
        holder.survivor_id = survivor_id
        holder.consent_id = consent.id
        if story is not None:
            holder.story_enc = self.uow.cipher.seal_text(story, self._place(holder.id))

    async def shown(self, principal: Principal, holder: StoryHolder) -> StoryLink:
        """The story link as the caller may see it now (a shown story is audited)."""
        if holder.survivor_id is None:
            return StoryLink(state=StoryState.none, survivor_id=None, story=None, detail=None)
        if principal.kind is not PrincipalKind.system and (
            principal.role not in policies.STORY_READERS
        ):
            return StoryLink(
                state=StoryState.withheld, survivor_id=None, story=None, detail=WITHHELD
            )
        if holder.survivor_id in self._consents:
            consent = self._consents[holder.survivor_id]
        else:
            consent = await active_consent(
                self.uow, holder.survivor_id, ConsentPurpose.media_advocacy
            )
        if consent is None or consent.organization_id != holder.organization_id:
            return StoryLink(
                state=StoryState.hidden_consent_withdrawn,
                survivor_id=None,
                story=None,
                detail=CONSENT_WITHDRAWN,
            )
        story = (
            self.uow.cipher.open_text(holder.story_enc, self._place(holder.id))
            if holder.story_enc is not None
            else None
        )
        audit(self.uow, principal, AuditAction.read, self.entity, holder.id, holder.organization_id)
        return StoryLink(
            state=StoryState.linked, survivor_id=holder.survivor_id, story=story, detail=None
        )


class StudyService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.studies = StudyRepository(uow)
        self.stories = StoryLinks(uow, STUDY)

    async def create(self, principal: Principal, data: StudyCreate) -> StudyRead:
        """Record a study, linking a survivor's story only with her consent. Raises
        BusinessRuleViolation (survivor, consent, dates), Conflict (id taken)."""
        authorize(self.uow, principal, policies.RESEARCH_MEDIA_MANAGE, STUDY)
        organization_id = principal.organization_id
        if organization_id is None:
            raise BusinessRuleViolation("Studies are kept by an organisation.")
        if data.published_on is not None and data.published_on > today():
            raise BusinessRuleViolation(
                "published_on may not lie in the future.", field="published_on"
            )
        await reject_taken_id(self.uow, principal, self.studies, data.id, "study")
        study = Study(
            organization_id=organization_id,
            title=data.title,
            summary=data.summary,
            purpose=data.purpose,
            approving_body=data.approving_body,
            partners=data.partners,
            status=data.status,
            started_on=data.started_on,
            published_on=data.published_on,
            link=data.link,
            created_by=principal.id,
        )
        if data.id is not None:
            study.id = data.id
        await self.stories.link(principal, study, data.survivor_id, data.story)
        await self.studies.add(study)
        audit(self.uow, principal, AuditAction.create, STUDY, study.id, organization_id)
        return await self._read(principal, study)

    async def require(
        self, principal: Principal, study_id: UUID, *, for_update: bool = False
    ) -> Study:
        scope = own_scope(principal)
        return await require(
            self.studies.get(study_id, scope, for_update=for_update),
            "Study",
        )

    async def get(self, principal: Principal, study_id: UUID) -> StudyRead:
        """One study of the caller's organisation. Raises NotFound."""
        authorize(self.uow, principal, policies.RESEARCH_MEDIA_READ, STUDY, study_id)
        return await self._read(principal, await self.require(principal, study_id))

    async def list_studies(self, principal: Principal, page: PageRequest) -> StudyPage:
        """The organisation's studies, newest first. Raises BadRequest (cursor)."""
        authorize(self.uow, principal, policies.RESEARCH_MEDIA_READ, STUDY)
        scope = own_scope(principal)

        async def shown(rows: Sequence[Study]) -> list[StudyRead]:
            await self.stories.prefetch(principal, rows)
            return [await self._read(principal, row) for row in rows]

        return await paginate(
            page,
            CREATED_DESC,
            fetch=lambda after, limit: self.studies.page_in(scope, after, limit),
            to_read=shown,
            count=lambda: self.studies.count(scope),
            page_type=StudyPage,
        )

    async def update(
        self, principal: Principal, study_id: UUID, data: StudyUpdate, version: int
    ) -> StudyRead:
        """Change a study. Raises NotFound, PreconditionFailed, BusinessRuleViolation."""
        authorize(self.uow, principal, policies.RESEARCH_MEDIA_MANAGE, STUDY, study_id)
        study = await self.require(principal, study_id, for_update=True)
        check_version(study, version, "study")
        changes: dict[str, Any] = data.changes()
        status = StudyStatus(changes.get("status", study.status))
        published_on = changes.get("published_on", study.published_on)
        started_on = changes.get("started_on", study.started_on)
        if published_on is not None and status is not StudyStatus.published:
            raise BusinessRuleViolation(
                "published_on goes with status published.", field="published_on"
            )
        if published_on is not None and (
            published_on > today() or (started_on and published_on < started_on)
        ):
            raise BusinessRuleViolation(
                "published_on may lie neither in the future nor before started_on.",
                field="published_on",
            )
        for name, value in changes.items():
            setattr(study, name, value)
        if changes:
            touch(study)
            await self.studies.save(study)
            audit(self.uow, principal, AuditAction.update, STUDY, study.id, study.organization_id)
        return await self._read(principal, study)

    async def _read(self, principal: Principal, study: Study) -> StudyRead:
        return StudyRead(
            id=study.id,
            organization_id=study.organization_id,
            title=study.title,
            summary=study.summary,
            purpose=study.purpose,
            approving_body=study.approving_body,
            partners=study.partners,
            status=study.status,
            started_on=study.started_on,
            published_on=study.published_on,
            link=study.link,
            survivor_story=await self.stories.shown(principal, study),
            created_by=study.created_by,
            created_at=study.created_at,
            updated_at=study.updated_at,
            version=study.version,
        )


class MediaService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.engagements = MediaRepository(uow)
        self.stories = StoryLinks(uow, MEDIA)

    async def create(self, principal: Principal, data: MediaCreate) -> MediaRead:
        """Record a media engagement, linking a survivor's story only with her consent.
        Raises BusinessRuleViolation (survivor, consent, date), Conflict (id taken)."""
        authorize(self.uow, principal, policies.RESEARCH_MEDIA_MANAGE, MEDIA)
        organization_id = principal.organization_id
        if organization_id is None:
            raise BusinessRuleViolation("Media engagements are kept by an organisation.")
        if data.engaged_on > today():
            raise BusinessRuleViolation("engaged_on may not lie in the future.", field="engaged_on")
        await reject_taken_id(self.uow, principal, self.engagements, data.id, "media_engagement")
        engagement = MediaEngagement(
            organization_id=organization_id,
            outlet=data.outlet,
            kind=data.kind,
            engaged_on=data.engaged_on,
            topic=data.topic,
            link=data.link,
            created_by=principal.id,
        )
        if data.id is not None:
            engagement.id = data.id
        await self.stories.link(principal, engagement, data.survivor_id, data.story)
        await self.engagements.add(engagement)
        audit(self.uow, principal, AuditAction.create, MEDIA, engagement.id, organization_id)
        return await self._read(principal, engagement)

    async def require(
        self, principal: Principal, engagement_id: UUID, *, for_update: bool = False
    ) -> MediaEngagement:
        scope = own_scope(principal)
        return await require(
            self.engagements.get(engagement_id, scope, for_update=for_update),
            "Media engagement",
        )

    async def get(self, principal: Principal, engagement_id: UUID) -> MediaRead:
        """One media engagement of the caller's organisation. Raises NotFound."""
        authorize(self.uow, principal, policies.RESEARCH_MEDIA_READ, MEDIA, engagement_id)
        return await self._read(principal, await self.require(principal, engagement_id))

    async def list_engagements(self, principal: Principal, page: PageRequest) -> MediaPage:
        """The organisation's media engagements, newest first. Raises BadRequest (cursor)."""
        authorize(self.uow, principal, policies.RESEARCH_MEDIA_READ, MEDIA)
        scope = own_scope(principal)

        async def shown(rows: Sequence[MediaEngagement]) -> list[MediaRead]:
            await self.stories.prefetch(principal, rows)
            return [await self._read(principal, row) for row in rows]

        return await paginate(
            page,
            CREATED_DESC,
            fetch=lambda after, limit: self.engagements.page_in(scope, after, limit),
            to_read=shown,
            count=lambda: self.engagements.count(scope),
            page_type=MediaPage,
        )

    async def update(
        self, principal: Principal, engagement_id: UUID, data: MediaUpdate, version: int
    ) -> MediaRead:
        """Change a media engagement. Raises NotFound, PreconditionFailed,
        BusinessRuleViolation (date)."""
        authorize(self.uow, principal, policies.RESEARCH_MEDIA_MANAGE, MEDIA, engagement_id)
        engagement = await self.require(principal, engagement_id, for_update=True)
        check_version(engagement, version, "media engagement")
        changes: dict[str, Any] = data.changes()
        engaged_on = changes.get("engaged_on")
        if engaged_on is not None and engaged_on > today():
            raise BusinessRuleViolation("engaged_on may not lie in the future.", field="engaged_on")
        for name, value in changes.items():
            setattr(engagement, name, value)
        if changes:
            touch(engagement)
            await self.engagements.save(engagement)
            audit(
                self.uow,
                principal,
                AuditAction.update,
                MEDIA,
                engagement.id,
                engagement.organization_id,
            )
        return await self._read(principal, engagement)

    async def _read(self, principal: Principal, engagement: MediaEngagement) -> MediaRead:
        return MediaRead(
            id=engagement.id,
            organization_id=engagement.organization_id,
            outlet=engagement.outlet,
            kind=engagement.kind,
            engaged_on=engagement.engaged_on,
            topic=engagement.topic,
            link=engagement.link,
            survivor_story=await self.stories.shown(principal, engagement),
            created_by=engagement.created_by,
            created_at=engagement.created_at,
            updated_at=engagement.updated_at,
            version=engagement.version,
        )
