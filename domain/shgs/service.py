"""Self-help groups: federations, groups, members, and Panchasutra grading with its rules.

Meetings and their collection sheets are in ``collection.py``; the ledger, balances and loans
in ``books.py``. Sealed at rest: the group's bank account number
(``Place("shg", "bank_account_enc", id)``) and each member's name
(``Place("shg_member", "name_enc", id)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from domain.audit.trail import authorize, record
from domain.common.errors import (
    BusinessRuleViolation,
    Conflict,
    InvalidState,
    PreconditionFailed,
)
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED, Keyset, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import check_version, require
from domain.geography.lookups import require_districts
from domain.shgs import grading, policies
from domain.shgs.access import check_day, require_group, require_open
from domain.shgs.grading import GradingFacts, GradingRules
from domain.shgs.posting import SIGN_TABLE
from domain.shgs.schemas import (
    BankLinkage,
    BankLinkageRead,
    FederationCreate,
    FederationPage,
    FederationRead,
    FederationUpdate,
    FundEligibilityRead,
    GradingRead,
    GradingRulesRead,
    MemberCreate,
    MemberPage,
    MemberRead,
    MemberUpdate,
    NormRead,
    ShgCreate,
    ShgListItem,
    ShgPage,
    ShgRead,
    ShgUpdate,
)
from domain.survivors.policies import survivor_scope
from domain.survivors.service import open_personal
from persistence.clock import today
from persistence.crypto import FieldCipher, Place
from persistence.models.base import touch
from persistence.models.enums import AuditAction
from persistence.models.livelihood_vocabulary import FederationTier, ShgRole
from persistence.models.shg import Shg
from persistence.models.shg_federation import ShgFederation
from persistence.models.shg_grading_rule import ShgGradingRule
from persistence.models.shg_member import ShgMember
from persistence.repositories.geography import BlockRepository
from persistence.repositories.shgs import (
    FederationRepository,
    GradingRuleRepository,
    LedgerRepository,
    MemberRepository,
    ShgFilter,
    ShgRepository,
)
from persistence.scope import RowScope
from persistence.uow import UnitOfWork

SHG, FEDERATION, MEMBER, RULE = "shg", "shg_federation", "shg_member", "shg_grading_rule"
# Each tier federates into the one above it.
PARENT_TIER = {
    FederationTier.upa_sangha: FederationTier.sangha_samabay,
    FederationTier.sangha_samabay: FederationTier.mahasangha,
}
OFFICE_ROLES = frozenset({ShgRole.president, ShgRole.secretary, ShgRole.treasurer})


# -- sealing and reading --------------------------------------------------------------------
MEMBERS_CREATED: Keyset[tuple[ShgMember, UUID | None]] = Keyset(
    "created", 2, lambda row: (row[0].created_at, row[0].id)
)


def account_place(shg_id: UUID) -> Place:
    return Place(SHG, "bank_account_enc", shg_id)


def name_place(member_id: UUID) -> Place:
    return Place(MEMBER, "name_enc", member_id)


def shg_read(cipher: FieldCipher, shg: Shg, *, full: bool) -> ShgRead:
    """The group as the caller may see it: the account number only with ``full``."""
    linkage = None
    if shg.bank_name or shg.bank_account_enc:
        number = (
            cipher.open_text(shg.bank_account_enc, account_place(shg.id))
            if shg.bank_account_enc
            else None
        )
        linkage = BankLinkageRead(
            bank_name=shg.bank_name,
            bank_branch=shg.bank_branch,
            account_number=number if full else None,
            account_last4=number[-4:] if number else None,
            opened_on=shg.bank_account_opened_on,
        )
    return ShgRead(
        id=shg.id,
        organization_id=shg.organization_id,
        name=shg.name,
        formed_on=shg.formed_on,
        village=shg.village,
        gram_panchayat=shg.gram_panchayat,
        block_id=shg.block_id,
        district_id=shg.district_id,
        federation_id=shg.federation_id,
        meeting_frequency=shg.meeting_frequency,
        meeting_day=shg.meeting_day,
        saving_per_meeting_paise=shg.saving_per_meeting_paise,
        interest_rate_bps=shg.interest_rate_bps,
        bank_linkage=linkage,
        status=shg.status,
        created_at=shg.created_at,
        updated_at=shg.updated_at,
        version=shg.version,
    )


def member_read(
    cipher: FieldCipher, member: ShgMember, visible_survivor_id: UUID | None
) -> MemberRead:
    """A member; ``visible_survivor_id`` is her survivor id only when the caller may see that
    survivor (the repository decides, in SQL), else None like every other woman's."""
    return MemberRead(
        id=member.id,
        shg_id=member.shg_id,
        name=cipher.open_text(member.name_enc, name_place(member.id)) or "",
        role=member.role,
        joined_on=member.joined_on,
        exited_on=member.exited_on,
        survivor_id=visible_survivor_id,
        created_at=member.created_at,
        updated_at=member.updated_at,
        version=member.version,
    )


def _seal_linkage(cipher: FieldCipher, shg: Shg, linkage: BankLinkage | None) -> None:
    if linkage is None:
        shg.bank_name = shg.bank_branch = None
        shg.bank_account_enc, shg.bank_account_opened_on = None, None
        return
    shg.bank_name, shg.bank_branch = linkage.bank_name, linkage.bank_branch
    shg.bank_account_enc = cipher.seal_text(linkage.account_number, account_place(shg.id))
    shg.bank_account_opened_on = linkage.opened_on


class ShgService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.federations = FederationRepository(uow)
        self.groups = ShgRepository(uow)
        self.members = MemberRepository(uow)
        self.rules = GradingRuleRepository(uow)

    # -- federations ------------------------------------------------------------------------
    async def create_federation(
        self, principal: Principal, data: FederationCreate
    ) -> FederationRead:
        """Record a federation of the caller's organisation. Raises Conflict (id taken),
        BusinessRuleViolation (parent of the wrong tier, unknown place)."""
        authorize(self.uow, principal, policies.MANAGE, FEDERATION)
        organization_id = self._organization(principal)
        await reject_taken_id(self.uow, principal, self.federations, data.id, "shg_federation")
        await self._check_federation_links(
            principal, data.tier, data.parent_id, data.district_id, data.block_id
        )
        federation = ShgFederation(
            organization_id=organization_id,
            tier=data.tier,
            name=data.name,
            parent_id=data.parent_id,
            district_id=data.district_id,
            block_id=data.block_id,
            created_by=principal.id,
        )
        if data.id is not None:
            federation.id = data.id
        await self.federations.add(federation)
        record(self.uow, principal, AuditAction.create, FEDERATION, federation.id)
        return FederationRead.model_validate(federation)

    async def list_federations(
        self,
        principal: Principal,
        page: PageRequest,
        *,
        tier: FederationTier | None = None,
        district_id: UUID | None = None,
        parent_id: UUID | None = None,
    ) -> FederationPage:
        """Federations of the caller's organisation, oldest first."""
        authorize(self.uow, principal, policies.OVERVIEW, FEDERATION)
        scope = policies.group_scope(principal)
        where: list[Any] = []
        if tier is not None:
            where.append(ShgFederation.tier == tier)
        if district_id is not None:
            where.append(ShgFederation.district_id == district_id)
        if parent_id is not None:
            where.append(ShgFederation.parent_id == parent_id)
        return await paginate(
            page,
            CREATED,
            fetch=lambda after, limit: self.federations.page(
                scope, where=where, after=after, limit=limit
            ),
            to_read=lambda rows: [FederationRead.model_validate(f) for f in rows],
            count=lambda: self.federations.count(scope, where=where),
            page_type=FederationPage,
        )

    async def get_federation(self, principal: Principal, federation_id: UUID) -> FederationRead:
        """One federation. Raises NotFound."""
        authorize(self.uow, principal, policies.OVERVIEW, FEDERATION, federation_id)
        federation = await require(
            self.federations.get(federation_id, policies.group_scope(principal)), "Federation"
        )
        return FederationRead.model_validate(federation)

    async def update_federation(
        self,
        principal: Principal,
        federation_id: UUID,
        data: FederationUpdate,
        expected_version: int,
    ) -> FederationRead:
        """Rename a federation or change its parent or place. Raises NotFound,
        PreconditionFailed, BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE, FEDERATION, federation_id)
        federation = await require(
            self.federations.get_for_update(federation_id, policies.group_scope(principal)),
            "Federation",
            version=expected_version,
        )
        changes = data.changes()
        merged = {
            name: changes.get(name, getattr(federation, name))
            for name in ("parent_id", "district_id", "block_id")
        }
        await self._check_federation_links(
            principal, FederationTier(federation.tier), **merged, self_id=federation.id
        )
        for name, value in changes.items():
            setattr(federation, name, value)
        touch(federation)
        await self.federations.save(federation)
        record(self.uow, principal, AuditAction.update, FEDERATION, federation.id)
        return FederationRead.model_validate(federation)

    async def _check_federation_links(
        self,
        principal: Principal,
        tier: FederationTier,
        parent_id: UUID | None,
        district_id: UUID | None,
        block_id: UUID | None,
        self_id: UUID | None = None,
    ) -> None:
        if parent_id is not None:
            wanted = PARENT_TIER.get(tier)
            if wanted is None:
                raise BusinessRuleViolation(
                    "A Mahasangha is the top tier and has no parent.", field="parent_id"
                )
            parent = await self.federations.get(parent_id, policies.group_scope(principal))
            if parent is None or parent.id == self_id:
                raise BusinessRuleViolation("No such federation.", field="parent_id")
            if parent.tier != wanted:
                raise BusinessRuleViolation(
                    f"The parent of a {tier.value} must be a {wanted.value}.", field="parent_id"
                )
        await self._check_place(district_id, block_id)
        self._check_own_district(principal, district_id, "federation")

    @staticmethod
    def _check_own_district(principal: Principal, district_id: UUID | None, what: str) -> None:
        """A social worker keeps groups and federations in her districts (she would lose sight
        of them anywhere else). Raises BusinessRuleViolation."""
        if not policies.works_district(principal, district_id):
            raise BusinessRuleViolation(
                f"Place the {what} in one of your districts.", field="district_id"
            )

    async def _check_place(self, district_id: UUID | None, block_id: UUID | None) -> None:
        if district_id is not None:
            try:
                await require_districts(self.uow, [district_id])
            except BusinessRuleViolation as exc:
                raise BusinessRuleViolation(
                    "The district does not exist.", field="district_id"
                ) from exc
        if block_id is not None:
            block = await BlockRepository(self.uow).get(block_id, RowScope.everything())
            if block is None:
                raise BusinessRuleViolation("The block does not exist.", field="block_id")
            if district_id is not None and block.district_id != district_id:
                raise BusinessRuleViolation("The block is not in the district.", field="block_id")

    # -- groups -----------------------------------------------------------------------------
    async def create_group(self, principal: Principal, data: ShgCreate) -> ShgRead:
        """Form a group in the caller's organisation. Raises Conflict (id taken),
        BusinessRuleViolation (unknown place or federation)."""
        authorize(self.uow, principal, policies.MANAGE, SHG)
        organization_id = self._organization(principal)
        await reject_taken_id(self.uow, principal, self.groups, data.id, "shg")
        await self._check_group_links(
            principal, data.district_id, data.block_id, data.federation_id
        )
        shg = Shg(
            organization_id=organization_id,
            district_id=data.district_id,
            name=data.name,
            formed_on=data.formed_on,
            village=data.village,
            gram_panchayat=data.gram_panchayat,
            block_id=data.block_id,
            federation_id=data.federation_id,
            meeting_frequency=data.meeting_frequency,
            meeting_day=data.meeting_day,
            saving_per_meeting_paise=data.saving_per_meeting_paise,
            interest_rate_bps=data.interest_rate_bps,
            status=data.status,
            created_by=principal.id,
        )
        if data.id is not None:
            shg.id = data.id
        _seal_linkage(self.uow.cipher, shg, data.bank_linkage)
        await self.groups.add(shg)
        record(self.uow, principal, AuditAction.create, SHG, shg.id)
        return shg_read(self.uow.cipher, shg, full=True)

    async def list_groups(
        self, principal: Principal, page: PageRequest, filters: ShgFilter
    ) -> ShgPage:
        """Groups of the caller's organisation, oldest first (the search is audited)."""
        authorize(self.uow, principal, policies.OVERVIEW, SHG)
        scope = policies.group_scope(principal)
        full = policies.sees_records(principal)
        record(self.uow, principal, AuditAction.search, SHG)
        where = filters.clauses()
        return await paginate(
            page,
            CREATED,
            fetch=lambda after, limit: self.groups.page(
                scope, where=where, after=after, limit=limit
            ),
            to_read=lambda rows: self._listed(rows, full),
            count=lambda: self.groups.count(scope, where=where),
            page_type=ShgPage,
        )

    async def _listed(self, groups: Sequence[Shg], full: bool) -> list[ShgListItem]:
        """The page's groups with their grade, members and savings today (one statement)."""
        day = today()
        standings = await self.groups.standings([shg.id for shg in groups], day, SIGN_TABLE)
        return [
            ShgListItem(
                **shg_read(self.uow.cipher, shg, full=full).model_dump(),
                as_of=day,
                grade=standings[shg.id]["grade"],
                member_count=int(standings[shg.id]["member_count"]),
                savings_paise=int(standings[shg.id]["savings_paise"]),
            )
            for shg in groups
        ]

    async def get_group(self, principal: Principal, shg_id: UUID) -> ShgRead:
        """One group (the bank account number only for callers with shgs:read); audited.
        Raises NotFound."""
        authorize(self.uow, principal, policies.OVERVIEW, SHG, shg_id)
        shg = await require_group(self.uow, principal, shg_id)
        record(self.uow, principal, AuditAction.read, SHG, shg.id)
        return shg_read(self.uow.cipher, shg, full=policies.sees_records(principal))

    async def get_groups(self, principal: Principal, shg_ids: Sequence[UUID]) -> list[ShgRead]:
        """Those among ``shg_ids`` in the caller's scope, each as :meth:`get_group` answers
        and audits it; one statement whatever their number (a device's first pull)."""
        authorize(self.uow, principal, policies.OVERVIEW, SHG)
        groups = await self.groups.get_many(shg_ids, policies.group_scope(principal))
        full = policies.sees_records(principal)
        for shg in groups:
            record(self.uow, principal, AuditAction.read, SHG, shg.id)
        return [shg_read(self.uow.cipher, shg, full=full) for shg in groups]

    async def update_group(
        self, principal: Principal, shg_id: UUID, data: ShgUpdate, expected_version: int
    ) -> ShgRead:
        """Change a group: name, place, federation, meetings, saving, rate, bank linkage,
        status. A closed group is final. Raises NotFound, PreconditionFailed, InvalidState,
        BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE, SHG, shg_id)
        shg = await require_group(self.uow, principal, shg_id, for_update=True)
        check_version(shg, expected_version, "group")
        require_open(shg)
        changes = data.changes()
        await self._check_group_links(
            principal,
            changes.get("district_id", shg.district_id),
            changes.get("block_id", shg.block_id),
            changes.get("federation_id", shg.federation_id),
        )
        formed_on = changes.get("formed_on")
        if formed_on is not None and formed_on > shg.formed_on:
            earliest = await self.groups.earliest_record(shg.id)
            if earliest is not None and formed_on > earliest:
                raise BusinessRuleViolation(
                    "The group has records dated before this formation date.",
                    field="formed_on",
                )
        if "bank_linkage" in changes:
            _seal_linkage(self.uow.cipher, shg, data.bank_linkage)
            del changes["bank_linkage"]
        for name, value in changes.items():
            setattr(shg, name, value)
        touch(shg)
        await self.groups.save(shg)
        record(self.uow, principal, AuditAction.update, SHG, shg.id)
        return shg_read(self.uow.cipher, shg, full=True)

    async def _check_group_links(
        self,
        principal: Principal,
        district_id: UUID | None,
        block_id: UUID | None,
        federation_id: UUID | None,
    ) -> None:
        await self._check_place(district_id, block_id)
        self._check_own_district(principal, district_id, "group")
        if federation_id is not None:
            federation = await self.federations.get(federation_id, policies.group_scope(principal))
            if federation is None:
                raise BusinessRuleViolation("No such federation.", field="federation_id")

    # -- members ----------------------------------------------------------------------------
    async def add_member(
        self, principal: Principal, shg_id: UUID, data: MemberCreate
    ) -> MemberRead:
        """Enrol a survivor (in the caller's case scope) or another woman. Raises NotFound,
        InvalidState (closed group), Conflict (id taken, office taken, already a member),
        BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE, MEMBER)
        shg = await require_group(self.uow, principal, shg_id, for_update=True)
        require_open(shg)
        check_day(shg, data.joined_on, "joined_on")
        await reject_taken_id(self.uow, principal, self.members, data.id, "shg_member")
        name = data.name
        if data.survivor_id is not None:
            survivor = await self.members.visible_survivor(
                data.survivor_id, survivor_scope(principal)
            )
            if survivor is None:
                raise BusinessRuleViolation("No such survivor.", field="survivor_id")
            if await self.members.survivor_enrolled(shg.id, survivor.id):
                raise Conflict("She is already a member of this group.")
            if name is None:
                personal = open_personal(self.uow.cipher, survivor)
                name = " ".join(p for p in (personal.given_name, personal.family_name) if p)
        if not name:
            raise BusinessRuleViolation("name is required.", field="name")
        await self._check_office(shg.id, data.role, None)
        member = ShgMember(
            organization_id=shg.organization_id,
            shg_id=shg.id,
            survivor_id=data.survivor_id,
            name_enc=b"",
            role=data.role,
            joined_on=data.joined_on,
            created_by=principal.id,
        )
        if data.id is not None:
            member.id = data.id
        member.name_enc = self._seal_name(member.id, name)
        await self.members.add(member)
        record(self.uow, principal, AuditAction.create, MEMBER, member.id)
        return member_read(self.uow.cipher, member, data.survivor_id)

    async def list_members(
        self,
        principal: Principal,
        shg_id: UUID,
        page: PageRequest,
        *,
        active_on: date | None = None,
    ) -> MemberPage:
        """The group's members, in the order they were enrolled; each member shown is audited.
        Raises NotFound."""
        authorize(self.uow, principal, policies.READ, MEMBER)
        shg = await require_group(self.uow, principal, shg_id)
        scope = survivor_scope(principal)
        record(self.uow, principal, AuditAction.search, MEMBER, organization_id=shg.organization_id)

        def to_read(rows: Sequence[tuple[ShgMember, UUID | None]]) -> list[MemberRead]:
            for member, _ in rows:
                record(self.uow, principal, AuditAction.read, MEMBER, member.id)
            return [member_read(self.uow.cipher, m, shown) for m, shown in rows]

        return await paginate(
            page,
            MEMBERS_CREATED,
            fetch=lambda after, limit: self.members.page_in_group(
                shg.id, scope, after, limit, active_on=active_on
            ),
            to_read=to_read,
            count=lambda: self.members.count_in_group(shg.id, active_on),
            page_type=MemberPage,
        )

    async def get_member(self, principal: Principal, shg_id: UUID, member_id: UUID) -> MemberRead:
        """One member; audited. Raises NotFound."""
        authorize(self.uow, principal, policies.READ, MEMBER, member_id)
        shg = await require_group(self.uow, principal, shg_id)
        found = await require(
            self.members.get_in_group(shg.id, member_id, survivor_scope(principal)), "Member"
        )
        record(self.uow, principal, AuditAction.read, MEMBER, member_id)
        return member_read(self.uow.cipher, *found)

    async def get_members(
        self, principal: Principal, member_ids: Sequence[UUID]
    ) -> list[MemberRead]:
        """Those among ``member_ids`` of the groups in the caller's scope, each as
        :meth:`get_member` answers and audits it; one statement whatever their number (a
        device's first pull)."""
        authorize(self.uow, principal, policies.READ, MEMBER)
        groups = self.groups.ids_in_scope(policies.group_scope(principal))
        found = await self.members.in_groups_by_ids(member_ids, groups, survivor_scope(principal))
        for member, _ in found:
            record(self.uow, principal, AuditAction.read, MEMBER, member.id)
        return [member_read(self.uow.cipher, *row) for row in found]

    async def update_member(
        self,
        principal: Principal,
        shg_id: UUID,
        member_id: UUID,
        data: MemberUpdate,
        expected_version: int,
    ) -> MemberRead:
        """Change a member's name, role, joining or exit date. Raises NotFound,
        PreconditionFailed, Conflict (office taken), BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE, MEMBER, member_id)
        shg = await require_group(self.uow, principal, shg_id, for_update=True)
        require_open(shg)
        found = await require(
            self.members.get_in_group(
                shg.id, member_id, survivor_scope(principal), for_update=True
            ),
            "Member",
        )
        member, shown = found
        if member.version != expected_version:
            raise PreconditionFailed("The member was changed by someone else; reload her.")
        changes = data.changes()
        joined_on = changes.get("joined_on", member.joined_on)
        exited_on = changes.get("exited_on", member.exited_on)
        if "joined_on" in changes:
            check_day(shg, joined_on, "joined_on")
        if "exited_on" in changes and exited_on is not None:
            check_day(shg, exited_on, "exited_on")
        if exited_on is not None and exited_on < joined_on:
            raise BusinessRuleViolation(
                "A member exits on or after the day she joined.", field="exited_on"
            )
        if exited_on is None:
            await self._check_office(shg.id, changes.get("role", member.role), member.id)
        if "name" in changes:
            member.name_enc = self._seal_name(member.id, changes.pop("name"))
        for name, value in changes.items():
            setattr(member, name, value)
        touch(member)
        await self.members.save(member)
        record(self.uow, principal, AuditAction.update, MEMBER, member.id)
        return member_read(self.uow.cipher, member, shown)

    async def _check_office(self, shg_id: UUID, role: ShgRole, member_id: UUID | None) -> None:
        if role in OFFICE_ROLES and await self.members.role_taken(shg_id, role, member_id):
            raise Conflict(f"The group already has a {role.value}: change her role first.")

    def _seal_name(self, member_id: UUID, name: str) -> bytes:
        sealed = self.uow.cipher.seal_text(name, name_place(member_id))
        assert sealed is not None  # noqa: S101 - a name is never None here
        return sealed

    # -- grading ----------------------------------------------------------------------------
    async def grading_rules(self, principal: Principal) -> GradingRulesRead:
        """The rules that grade the caller's organisation's groups: its own, else the shared
        default."""
        authorize(self.uow, principal, policies.OVERVIEW, RULE)
        return await self._rules_read(principal.organization_id)

    async def set_grading_rules(
        self, principal: Principal, rules: GradingRules, expected_version: int
    ) -> GradingRulesRead:
        """Set the organisation's own rules (If-Match "v0" the first time). Raises
        PreconditionFailed."""
        authorize(self.uow, principal, policies.SET_GRADING_RULES, RULE)
        organization_id = self._organization(principal)
        row = await self.rules.of_organization(organization_id, for_update=True)
        stored = rules.model_dump(mode="json")
        if row is None:
            if expected_version != 0:
                raise PreconditionFailed(
                    'The organisation has no rules of its own yet: send If-Match: "v0".'
                )
            row = ShgGradingRule(
                organization_id=organization_id, rules=stored, created_by=principal.id
            )
            if not await self.rules.add(row):
                raise PreconditionFailed("The rules were set by someone else; reload them.")
            record(self.uow, principal, AuditAction.create, RULE, row.id)
        else:
            if row.version != expected_version:
                raise PreconditionFailed("The rules were changed by someone else; reload them.")
            row.rules = stored
            touch(row)
            await self.rules.save(row)
            record(self.uow, principal, AuditAction.update, RULE, row.id)
        return GradingRulesRead(
            organization_id=organization_id, source="organization", rules=rules, version=row.version
        )

    async def _rules_read(self, organization_id: UUID | None) -> GradingRulesRead:
        own = await self.rules.of_organization(organization_id) if organization_id else None
        if own is not None:
            return GradingRulesRead(
                organization_id=organization_id,
                source="organization",
                rules=GradingRules.model_validate(own.rules),
                version=own.version,
            )
        shared = await self.rules.of_organization(None)
        if shared is None:
            raise InvalidState("No grading rules are configured (not even the shared default).")
        return GradingRulesRead(
            organization_id=None,
            source="default",
            rules=GradingRules.model_validate(shared.rules),
            version=0,
        )

    async def grade(self, principal: Principal, shg_id: UUID, as_of: date | None) -> GradingRead:
        """The group's Panchasutra norms, grade and RF / CIF eligibility on ``as_of`` (default
        today), by its organisation's rules. Raises NotFound, BusinessRuleViolation."""
        authorize(self.uow, principal, policies.OVERVIEW, SHG, shg_id)
        shg = await require_group(self.uow, principal, shg_id)
        day = as_of or today()
        if day < shg.formed_on:
            raise BusinessRuleViolation("as_of is before the group was formed.", field="as_of")
        rules = await self._rules_read(shg.organization_id)
        start = grading.window_start(shg.formed_on, day, rules.rules)
        facts = await LedgerRepository(self.uow).grading_facts(
            shg.id, start, day, max(1, shg.saving_per_meeting_paise), SIGN_TABLE
        )
        result = grading.grade(
            GradingFacts(
                **{k: v if isinstance(v, bool) else int(v) for k, v in facts.items()}  # type: ignore[arg-type]
            ),
            rules.rules,
            formed_on=shg.formed_on,
            frequency=shg.meeting_frequency,
            as_of=day,
        )
        return GradingRead(
            shg_id=shg.id,
            as_of=day,
            window_start=result.window_start,
            age_months=result.age_months,
            meetings_expected=result.meetings_expected,
            rules_source=rules.source,
            norms=[
                NormRead(
                    norm=n.norm,
                    value_percent=n.value,
                    grade=n.grade,
                    a_threshold=n.thresholds.a,
                    b_threshold=n.thresholds.b,
                )
                for n in result.norms
            ],
            score=result.score,
            grade=result.grade,
            revolving_fund=FundEligibilityRead(
                eligible=result.revolving_fund.eligible,
                received=result.revolving_fund.received,
                reasons=list(result.revolving_fund.reasons),
            ),
            community_investment_fund=FundEligibilityRead(
                eligible=result.community_investment_fund.eligible,
                received=result.community_investment_fund.received,
                reasons=list(result.community_investment_fund.reasons),
            ),
        )

    # -- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _organization(principal: Principal) -> UUID:
        if principal.organization_id is None:
            raise BusinessRuleViolation("The caller belongs to no organisation.")
        return principal.organization_id
