"""Re-sealing personal data under the active key, and rebuilding blind indexes.

``SEALED_COLUMNS`` names every sealed column of the schema with the place its values are
bound to; a test checks it against the metadata, so a new ``*_enc`` column cannot be
forgotten by a rotation. A rotation walks each column in batches (keyset on the key
columns, one transaction per batch) and re-seals only values under another key: stopped
half-way, it is simply run again.

Order of a rotation: configure the new key next to the old one (``SHAKTI_DATA_KEYS``), make
it active (``SHAKTI_DATA_ACTIVE_KID``) on every server, run ``shakti-mis rotate-keys``, and
only then remove the old key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import SQLModel

import persistence.models  # noqa: F401  (every table on the metadata)
from persistence.crypto import FORMAT_VERSION, FieldCipher, Place
from persistence.database import Database
from persistence.uow import UnitOfWork

DEFAULT_BATCH = 500


@dataclass(frozen=True, slots=True)
class SealedColumn:
    """A sealed column, and how the row part of its Place is formed from the row's keys."""

    table: str
    column: str
    # Primary key columns, in keyset order.
    keys: tuple[str, ...] = ("id",)
    # The row of the Place, from the key values (default: the single id).
    place_row: Callable[[Sequence[Any]], UUID | str] = field(
        default=lambda keys: keys[0], compare=False
    )

    def place(self, keys: Sequence[Any]) -> Place:
        return Place(self.table, self.column, self.place_row(keys))


def _idempotency_row(keys: Sequence[Any]) -> str:
    principal_id, key = keys
    return f"{principal_id}:{key}"


def _two_part_row(keys: Sequence[Any]) -> str:
    first, second = keys
    return f"{first}:{second}"


def _sync_version_row(keys: Sequence[Any]) -> str:
    entity, entity_id, version = keys
    return f"{entity}:{entity_id}:{version}"


SEALED_COLUMNS: tuple[SealedColumn, ...] = (
    SealedColumn("survivor", "personal_enc"),
    SealedColumn("consent", "guardian_enc"),
    SealedColumn("survivor_case", "context_enc"),
    SealedColumn("case_event", "note_enc"),
    SealedColumn("assessment", "notes_enc"),
    SealedColumn("care_plan_goal", "goal_enc"),
    SealedColumn("care_plan_agreement", "notes_enc"),
    SealedColumn("referral", "reason_enc"),
    SealedColumn("referral", "shared_enc"),
    SealedColumn("referral", "outcome_enc"),
    SealedColumn("referral", "note_to_partner_enc"),
    SealedColumn("referral_status_change", "note_enc"),
    SealedColumn("demand", "description_enc"),
    SealedColumn("demand_event", "note_enc"),
    SealedColumn("demand_comment", "body_enc"),
    SealedColumn("case_visit", "findings_enc"),
    SealedColumn("case_note", "body_enc"),
    SealedColumn("legal_proceeding", "details_enc"),
    SealedColumn("legal_hearing", "outcome_enc"),
    SealedColumn("shg", "bank_account_enc"),
    SealedColumn("shg_member", "name_enc"),
    SealedColumn("shg_meeting", "minutes_enc"),
    SealedColumn("livelihood_plan", "aspirations_enc"),
    SealedColumn("livelihood_activity", "description_enc"),
    SealedColumn("financial_inclusion", "details_enc"),
    SealedColumn("entitlement_status_change", "note_enc"),
    SealedColumn("leader_group_meeting", "minutes_enc"),
    SealedColumn("identification_referral", "details_enc"),
    SealedColumn("identification_referral", "decision_enc"),
    # The per-file key of an attachment (persistence/attachment_store.py): re-sealing it is
    # the whole rotation of a file, whose bytes stay as they are.
    SealedColumn("attachment", "file_key_enc"),
    SealedColumn("safety_report", "report_enc"),
    SealedColumn("safety_report", "review_enc"),
    SealedColumn("media_engagement", "story_enc"),
    SealedColumn("research_extract", "records_enc"),
    # Why a program manager asked for personal fields in an export; a queued export's file,
    # in sealed pieces (until it expires).
    SealedColumn("export", "reason_enc"),
    SealedColumn("export_chunk", "data_enc", keys=("export_id", "seq"), place_row=_two_part_row),
    # Offline sync: a mutation's stored answer, a conflict's values, the version a device holds.
    SealedColumn("sync_mutation", "result_enc"),
    SealedColumn("sync_conflict", "values_enc"),
    SealedColumn(
        "sync_record_version",
        "data_enc",
        keys=("entity", "entity_id", "version"),
        place_row=_sync_version_row,
    ),
    SealedColumn("study", "story_enc"),
    # The shared secret of a person's second factor (TOTP).
    SealedColumn("second_factor", "secret_enc"),
    # A stored answer to an idempotent create can hold a survivor's record.
    SealedColumn(
        "idempotency_record",
        "response_body",
        keys=("principal_id", "key"),
        place_row=_idempotency_row,
    ),
)


@dataclass
class ColumnReport:
    table: str
    column: str
    examined: int = 0
    resealed: int = 0


def _table(name: str) -> sa.Table:
    return SQLModel.metadata.tables[name]


def _batch_statement(
    spec: SealedColumn, active_prefix: bytes, after: tuple[Any, ...] | None, limit: int
) -> sa.Select[Any]:
    table = _table(spec.table)
    keys = [table.c[name] for name in spec.keys]
    value = table.c[spec.column]
    # Only values not already under the active key (their first bytes say which key).
    stmt = sa.select(*keys, value).where(
        value.is_not(None),
        sa.func.substring(value, 1, len(active_prefix)) != active_prefix,
    )
    if after is not None:
        stmt = stmt.where(sa.tuple_(*keys) > sa.tuple_(*after))
    return stmt.order_by(*keys).limit(limit).with_for_update()


def active_prefix(cipher: FieldCipher) -> bytes:
    """The leading bytes of every value sealed under the active key (format, kid)."""
    kid = cipher.active_kid.encode()
    return bytes([FORMAT_VERSION, len(kid)]) + kid


async def reseal_column(
    database: Database,
    spec: SealedColumn,
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[ColumnReport], None] | None = None,
) -> ColumnReport:
    """Re-seal every value of one column that another key sealed, a batch per transaction.
    Raises DecryptionError on a value no configured key opens (nothing of that batch is
    written)."""
    cipher = _cipher(database)
    prefix = active_prefix(cipher)
    report = ColumnReport(spec.table, spec.column)
    table = _table(spec.table)
    after: tuple[Any, ...] | None = None
    while True:
        async with UnitOfWork(database) as uow:
            rows = (
                await uow.session.execute(_batch_statement(spec, prefix, after, batch_size))
            ).all()
            for row in rows:
                keys = tuple(row[: len(spec.keys)])
                sealed = bytes(row[len(spec.keys)])
                report.examined += 1
                if not cipher.needs_rotation(sealed):
                    continue
                resealed = cipher.reseal(sealed, spec.place(keys))
                match = [
                    table.c[name] == value for name, value in zip(spec.keys, keys, strict=True)
                ]
                await uow.session.execute(
                    sa.update(table).where(*match).values({spec.column: resealed})
                )
                report.resealed += 1
        if progress is not None:
            progress(report)
        if len(rows) < batch_size:
            return report
        after = tuple(rows[-1][: len(spec.keys)])


async def reseal_all(
    database: Database,
    *,
    batch_size: int = DEFAULT_BATCH,
    columns: Sequence[SealedColumn] = SEALED_COLUMNS,
    progress: Callable[[ColumnReport], None] | None = None,
) -> list[ColumnReport]:
    """Re-seal every sealed column under the active key."""
    return [
        await reseal_column(database, spec, batch_size=batch_size, progress=progress)
        for spec in columns
    ]


IndexFunction = Callable[[FieldCipher, UUID, bytes, UUID], tuple[bytes | None, bytes | None]]


async def reindex_survivors(
    database: Database,
    indexes_of: IndexFunction,
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[ColumnReport], None] | None = None,
) -> ColumnReport:
    """Recompute every survivor's blind indexes from her opened record under the configured
    index key. ``indexes_of(cipher, survivor_id, personal_enc, organization_id)`` returns
    (phone_bidx, name_bidx); the rules of normalisation are the domain's. Rows whose indexes
    are already right are left alone."""
    cipher = _cipher(database)
    table = _table("survivor")
    report = ColumnReport("survivor", "phone_bidx,name_bidx")
    after: UUID | None = None
    while True:
        async with UnitOfWork(database) as uow:
            stmt = sa.select(
                table.c.id,
                table.c.organization_id,
                table.c.personal_enc,
                table.c.phone_bidx,
                table.c.name_bidx,
            )
            if after is not None:
                stmt = stmt.where(table.c.id > after)
            stmt = stmt.order_by(table.c.id).limit(batch_size).with_for_update()
            rows = (await uow.session.execute(stmt)).all()
            for row in rows:
                report.examined += 1
                sealed = bytes(row.personal_enc)
                phone, name = indexes_of(cipher, row.id, sealed, row.organization_id)
                if (phone, name) == (_bytes(row.phone_bidx), _bytes(row.name_bidx)):
                    continue
                await uow.session.execute(
                    sa.update(table)
                    .where(table.c.id == row.id)
                    .values(phone_bidx=phone, name_bidx=name)
                )
                report.resealed += 1
        if progress is not None:
            progress(report)
        if len(rows) < batch_size:
            return report
        after = rows[-1].id


def _bytes(value: Any) -> bytes | None:
    return None if value is None else bytes(value)


def _cipher(database: Database) -> FieldCipher:
    if database.cipher is None:
        raise RuntimeError("no field cipher configured")
    return database.cipher
