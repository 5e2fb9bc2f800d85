"""Survivors: intake with a duplicate check, reading, exact-match search and correction.

Everything that names or locates her is sealed in one JSON document
(``Place("survivor", "personal_enc", id)``). The duplicate check and the search compare blind
indexes of her normalised phone and name, keyed per organisation: equal values match inside
one organisation only, and nothing else can be learnt from them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from uuid import UUID

from domain.audit.trail import authorize, record, record_denied
from domain.common.errors import (
    BusinessRuleViolation,
    Conflict,
    PermissionDenied,
)
from domain.common.ids import reject_taken_id
from domain.common.listing import CREATED, paginate
from domain.common.pagination import PageRequest
from domain.common.principal import Principal
from domain.common.records import check_version, require
from domain.survivors import policies
from domain.survivors.duplicates import DuplicateHitLimit, keep_hit, refuse_when_over_limit
from domain.survivors.policies import survivor_scope
from domain.survivors.schemas import (
    Address,
    SurvivorCreate,
    SurvivorPage,
    SurvivorPersonal,
    SurvivorRead,
    SurvivorSearch,
    SurvivorSummary,
    SurvivorUpdate,
)
from persistence.clock import today
from persistence.crypto import FieldCipher, Place
from persistence.models.base import touch, utcnow
from persistence.models.enums import AuditAction
from persistence.models.survivor import Survivor
from persistence.pagination import Key
from persistence.repositories.geography import BlockRepository, DistrictRepository
from persistence.repositories.survivors import SurvivorFilter, SurvivorRepository
from persistence.scope import RowScope
from persistence.uow import UnitOfWork

ENTITY = "survivor"
PERSONAL = "personal_enc"
PHONE_INDEX = "phone"
NAME_INDEX = "name"
ADULT_AGE = 18


class PossibleDuplicate(Conflict):
    """An intake matches survivors already registered (same phone or name) that the caller may
    see. The problem lists them; it says nothing of matches she may not see (those are told to
    the program managers: domain/survivors/duplicates.py)."""

    title = "Possible duplicate"
    code = "possible-duplicate"

    def __init__(self, visible_ids: Sequence[UUID]) -> None:
        super().__init__(
            "Survivors with the same phone or name are already registered. Look at them; "
            "register her anyway with confirm_not_duplicate: true.",
            extensions={"duplicate_ids": [str(survivor_id) for survivor_id in visible_ids]},
        )
        self.visible_ids = list(visible_ids)


# -- normalisation and blind indexes ---------------------------------------------------------
_NOT_DIGIT = re.compile(r"\D")
_SPACES = re.compile(r"\s+")


def normalize_phone(raw: str | None) -> str | None:
    """Digits only; an Indian number without its +91, 0091 or 0 prefix (so ``+91 98300
    12345``, ``098300-12345`` and ``9830012345`` are one number). None when no digits."""
    if raw is None:
        return None
    digits = _NOT_DIGIT.sub("", raw)
    if len(digits) == 14 and digits.startswith("0091"):
        digits = digits[4:]
    elif len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    return digits or None


def normalize_name(*parts: str | None) -> str | None:
    """Unicode NFKC, case-folded, spaces collapsed: ``Rupa  MONDAL`` is ``rupa mondal``."""
    text = " ".join(part for part in parts if part)
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    collapsed = _SPACES.sub(" ", folded).strip()
    return collapsed or None


def blind_indexes(
    cipher: FieldCipher, organization_id: UUID, personal: SurvivorPersonal
) -> tuple[bytes | None, bytes | None]:
    """(phone_bidx, name_bidx) of a survivor's sealed document, in her organisation."""
    phone = normalize_phone(personal.phone)
    name = normalize_name(personal.given_name, personal.family_name)
    return (
        cipher.blind_index(organization_id, PHONE_INDEX, phone) if phone else None,
        cipher.blind_index(organization_id, NAME_INDEX, name) if name else None,
    )


def sealed_blind_indexes(
    cipher: FieldCipher, survivor_id: UUID, personal_enc: bytes, organization_id: UUID
) -> tuple[bytes | None, bytes | None]:
    """(phone_bidx, name_bidx) recomputed from her sealed document (``rotate-keys
    --reindex``: after a change of the blind index key, no old key is needed)."""
    personal = SurvivorPersonal.model_validate(
        cipher.open_json(personal_enc, personal_place(survivor_id))
    )
    return blind_indexes(cipher, organization_id, personal)


def personal_place(survivor_id: UUID) -> Place:
    return Place(ENTITY, PERSONAL, survivor_id)


def open_personal(cipher: FieldCipher, survivor: Survivor) -> SurvivorPersonal:
    """Her sealed document, opened."""
    return SurvivorPersonal.model_validate(
        cipher.open_json(survivor.personal_enc, personal_place(survivor.id))
    )


def seal_personal(cipher: FieldCipher, survivor: Survivor, personal: SurvivorPersonal) -> None:
    """Seal ``personal`` into her record and recompute her blind indexes."""
    survivor.personal_enc = cipher.seal_json(
        personal.model_dump(mode="json", exclude_none=True), personal_place(survivor.id)
    )
    survivor.identity_document_kinds = sorted(
        {document.kind.value for document in personal.identity_documents}
    )
    survivor.phone_bidx, survivor.name_bidx = blind_indexes(
        cipher, survivor.organization_id, personal
    )


# -- age ------------------------------------------------------------------------------------
def age_on(survivor: Survivor, personal: SurvivorPersonal, day: date) -> int | None:
    """Her age in years on ``day``: exact from the date of birth, else from the (estimated)
    birth year; None when unknown."""
    dob = personal.date_of_birth
    if dob is not None:
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
    if survivor.birth_year is not None:
        return day.year - survivor.birth_year
    return None


def may_be_minor_on(survivor: Survivor, personal: SurvivorPersonal, day: date) -> bool | None:
    """Whether she is (or, with only a birth year, may be) under 18 on ``day``; None when her
    age is unknown. With a birth year alone she counts as a minor through the year of her
    18th birthday: a child's protections must not hang on a guess."""
    if personal.date_of_birth is not None:
        age = age_on(survivor, personal, day)
        return age is not None and age < ADULT_AGE
    if survivor.birth_year is not None:
        return day.year - survivor.birth_year <= ADULT_AGE
    return None


def _apply_age(survivor: Survivor, dob: date | None, estimated_age: int | None) -> None:
    if dob is not None:
        survivor.birth_year, survivor.age_is_estimate = dob.year, False
    elif estimated_age is not None:
        survivor.birth_year, survivor.age_is_estimate = utcnow().year - estimated_age, True
    else:
        survivor.birth_year, survivor.age_is_estimate = None, False


# -- reading --------------------------------------------------------------------------------
def _summary(survivor: Survivor, personal: SurvivorPersonal) -> SurvivorSummary:
    return SurvivorSummary(
        id=survivor.id,
        organization_id=survivor.organization_id,
        district_id=survivor.district_id,
        given_name=personal.given_name,
        family_name=personal.family_name,
        sex=survivor.sex,
        birth_year=survivor.birth_year,
        age_is_estimate=survivor.age_is_estimate,
        languages=list(survivor.languages or ()),
        created_at=survivor.created_at,
        updated_at=survivor.updated_at,
        version=survivor.version,
    )


def _read(survivor: Survivor, personal: SurvivorPersonal) -> SurvivorRead:
    return SurvivorRead(
        **_summary(survivor, personal).model_dump(),
        created_by=survivor.created_by,
        age=age_on(survivor, personal, today()),
        identity_document_kinds=list(survivor.identity_document_kinds or ()),
        aliases=personal.aliases,
        gender_identity=personal.gender_identity,
        date_of_birth=personal.date_of_birth,
        phone=personal.phone,
        home_address=personal.home_address,
        current_address=personal.current_address,
        identity_documents=personal.identity_documents,
        family_members=personal.family_members,
        safe_contact=personal.safe_contact,
    )


_PERSONAL_FIELDS = frozenset(SurvivorPersonal.model_fields)


class SurvivorService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.survivors = SurvivorRepository(uow)

    # -- intake ---------------------------------------------------------------------------
    async def create(
        self, principal: Principal, data: SurvivorCreate, limit: DuplicateHitLimit | None
    ) -> SurvivorRead:
        """Register a survivor in the caller's organisation, after a duplicate check by phone
        and name (see domain/survivors/duplicates.py; ``limit``: how many hits she may be told
        of, None for no limit). Raises PossibleDuplicate (409) for matches she may see unless
        confirm_not_duplicate, TooManyRequests (past her limit of hits), Conflict (id taken),
        BusinessRuleViolation (a place that does not exist), PermissionDenied."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY)
        self._people_only(principal)
        organization_id = principal.organization_id
        if organization_id is None:  # pragma: no cover - every admitted role has one
            raise PermissionDenied("Your account belongs to no organisation.")
        if limit is not None and not data.confirm_not_duplicate:
            await refuse_when_over_limit(self.uow, principal)
        await self._check_places(data.home_address, data.current_address)
        await reject_taken_id(self.uow, principal, self.survivors, data.id, "survivor")
        personal = SurvivorPersonal.model_validate(
            data.model_dump(include=set(_PERSONAL_FIELDS), exclude_none=True)
        )
        survivor = Survivor(
            organization_id=organization_id,
            district_id=data.home_address.district_id if data.home_address else None,
            personal_enc=b"",
            sex=data.sex,
            languages=list(dict.fromkeys(data.languages)),
            created_by=principal.id,
        )
        if data.id is not None:
            survivor.id = data.id
        _apply_age(survivor, data.date_of_birth, data.estimated_age)
        seal_personal(self.uow.cipher, survivor, personal)
        # Two intakes of the same person at once must not both miss each other.
        await self.survivors.hold_identities(survivor.phone_bidx, survivor.name_bidx)
        # Checked even when she confirms: matches she may not see go to the program managers.
        matches = await self.survivors.possible_duplicates(
            organization_id, survivor.phone_bidx, survivor.name_bidx, survivor_scope(principal)
        )
        visible = [match.survivor_id for match in matches if match.visible]
        hidden = [match.survivor_id for match in matches if not match.visible]
        if visible and not data.confirm_not_duplicate:
            await keep_hit(
                self.uow,
                principal,
                organization_id,
                registered_id=None,
                hidden_ids=hidden,
                told=True,
                limit=limit,
            )
            raise PossibleDuplicate(visible)
        await self.survivors.add(survivor)
        if matches:
            await keep_hit(
                self.uow,
                principal,
                organization_id,
                registered_id=survivor.id,
                hidden_ids=hidden,
                told=False,
                limit=limit,
            )
        record(
            self.uow,
            principal,
            AuditAction.create,
            ENTITY,
            survivor.id,
            organization_id=organization_id,
        )
        return _read(survivor, personal)

    # -- reading --------------------------------------------------------------------------
    async def get(self, principal: Principal, survivor_id: UUID) -> SurvivorRead:
        """Her whole record, sealed fields opened; the read is audited. Raises NotFound."""
        authorize(self.uow, principal, policies.READ, ENTITY, survivor_id)
        self._people_only(principal)
        survivor = await self.require(principal, survivor_id)
        record(
            self.uow,
            principal,
            AuditAction.read,
            ENTITY,
            survivor.id,
            organization_id=survivor.organization_id,
        )
        return _read(survivor, open_personal(self.uow.cipher, survivor))

    async def list(
        self, principal: Principal, page: PageRequest, *, district_id: UUID | None = None
    ) -> SurvivorPage:
        """Survivors in the caller's scope, oldest first, optionally of one home district (the
        search is audited)."""
        authorize(self.uow, principal, policies.READ, ENTITY)
        self._people_only(principal)
        return await self._page(principal, page, SurvivorFilter(district_id=district_id))

    async def search(
        self, principal: Principal, data: SurvivorSearch, page: PageRequest
    ) -> SurvivorPage:
        """Survivors in the caller's scope whose phone or whole name is exactly the one given
        (after normalisation); audited as a search."""
        authorize(self.uow, principal, policies.READ, ENTITY)
        self._people_only(principal)
        organization_id = principal.organization_id
        cipher = self.uow.cipher
        phone = normalize_phone(data.phone)
        name = normalize_name(data.name)
        if organization_id is None or (phone is None and name is None):
            return await self._page(principal, page, None)
        filters = SurvivorFilter(
            phone_bidx=cipher.blind_index(organization_id, PHONE_INDEX, phone) if phone else None,
            name_bidx=cipher.blind_index(organization_id, NAME_INDEX, name) if name else None,
        )
        return await self._page(principal, page, filters)

    # -- correction -----------------------------------------------------------------------
    async def update(
        self, principal: Principal, survivor_id: UUID, data: SurvivorUpdate, expected_version: int
    ) -> SurvivorRead:
        """Correct her record (blind indexes follow the new phone and name). Raises NotFound,
        PreconditionFailed, BusinessRuleViolation."""
        authorize(self.uow, principal, policies.MANAGE, ENTITY, survivor_id)
        self._people_only(principal)
        survivor = await self.require(principal, survivor_id, for_update=True)
        check_version(survivor, expected_version, "survivor's record")
        changes = data.changes()
        await self._check_places(
            data.home_address if "home_address" in changes else None,
            data.current_address if "current_address" in changes else None,
        )
        personal = open_personal(self.uow.cipher, survivor)
        values = personal.model_dump()
        for field in _PERSONAL_FIELDS & changes.keys():
            values[field] = getattr(data, field)
        personal = SurvivorPersonal.model_validate(values)
        if "sex" in changes:
            survivor.sex = changes["sex"]
        if "languages" in changes:
            survivor.languages = list(dict.fromkeys(changes["languages"]))
        if "home_address" in changes:
            home = personal.home_address
            survivor.district_id = home.district_id if home else None
        if "date_of_birth" in changes or "estimated_age" in changes:
            # One replaces the other; clearing the one given clears her age.
            estimated = changes.get("estimated_age")
            if "date_of_birth" in changes and changes["date_of_birth"] is not None:
                estimated = None
            if estimated is not None:
                personal.date_of_birth = None
            _apply_age(survivor, personal.date_of_birth, estimated)
        seal_personal(self.uow.cipher, survivor, personal)
        touch(survivor)
        await self.survivors.save(survivor)
        record(
            self.uow,
            principal,
            AuditAction.update,
            ENTITY,
            survivor.id,
            organization_id=survivor.organization_id,
        )
        return _read(survivor, personal)

    # -- for other areas ------------------------------------------------------------------
    async def require(
        self, principal: Principal, survivor_id: UUID, *, for_update: bool = False
    ) -> Survivor:
        """The survivor if the caller may see her; NotFound otherwise (never says which)."""
        return await require(
            self.survivors.get_visible(
                survivor_id, survivor_scope(principal), for_update=for_update
            ),
            "Survivor",
        )

    # -- helpers --------------------------------------------------------------------------
    def _people_only(self, principal: Principal) -> None:
        if not policies.holds_personal_records(principal):
            record_denied(self.uow, principal, ENTITY)
            raise PermissionDenied("Integration clients cannot hold survivors' records.")

    async def _page(
        self, principal: Principal, page: PageRequest, filters: SurvivorFilter | None
    ) -> SurvivorPage:
        scope = survivor_scope(principal)
        record(
            self.uow,
            principal,
            AuditAction.search,
            ENTITY,
            organization_id=principal.organization_id,
        )
        cipher = self.uow.cipher

        async def fetch(after: Key | None, limit: int) -> list[Survivor]:
            if filters is None:
                return []
            return await self.survivors.page_visible(scope, filters, after, limit)

        async def count() -> int:
            return 0 if filters is None else await self.survivors.count_visible(scope, filters)

        return await paginate(
            page,
            CREATED,
            fetch=fetch,
            to_read=lambda rows: [_summary(s, open_personal(cipher, s)) for s in rows],
            count=count,
            page_type=SurvivorPage,
        )

    async def _check_places(self, *addresses: Address | None) -> None:
        """Each address's district exists and its block lies in that district."""
        for address in addresses:
            if address is None:
                continue
            if address.district_id is not None:
                if not await DistrictRepository(self.uow).existing({address.district_id}):
                    raise BusinessRuleViolation("The district does not exist.", field="address")
            if address.block_id is not None:
                block = await BlockRepository(self.uow).get(address.block_id, RowScope.everything())
                if block is None or (
                    address.district_id is not None and block.district_id != address.district_id
                ):
                    raise BusinessRuleViolation(
                        "The block does not exist in that district.", field="address"
                    )


def survivor_read(cipher: FieldCipher, survivor: Survivor) -> SurvivorRead:
    """Her whole record as :meth:`SurvivorService.get` answers it (sealed fields opened), for
    reads of many at once that checked scope and audit themselves (sync)."""
    return _read(survivor, open_personal(cipher, survivor))
