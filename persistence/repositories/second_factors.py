"""People's second factors (TOTP) and their recovery codes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.recovery_code import RecoveryCode
from persistence.models.second_factor import SecondFactor
from persistence.repositories.session import Repository


class SecondFactorRepository(Repository):
    async def confirmed(self, user_id: UUID) -> SecondFactor | None:
        """Her second factor in force, if she has one."""
        stmt = sa.select(SecondFactor).where(
            col(SecondFactor.user_id) == user_id, col(SecondFactor.confirmed_at).is_not(None)
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def pending(self, user_id: UUID) -> SecondFactor | None:
        """Her enrolment waiting for its first code, if any."""
        stmt = sa.select(SecondFactor).where(
            col(SecondFactor.user_id) == user_id, col(SecondFactor.confirmed_at).is_(None)
        )
        return (await self.session.scalars(stmt)).one_or_none()

    async def has_any(self, user_id: UUID) -> bool:
        """Whether she has a second factor, confirmed or waiting for its first code."""
        stmt = sa.select(sa.literal(True)).where(col(SecondFactor.user_id) == user_id)
        return bool((await self.session.scalars(stmt.limit(1))).first())

    async def add(self, factor: SecondFactor) -> None:
        self.session.add(factor)
        await self.session.flush()

    async def save(self, factor: SecondFactor) -> None:
        await self.session.flush()

    async def delete(self, factor_id: UUID) -> None:
        """Remove one second factor (its recovery codes go with it)."""
        await self.session.execute(sa.delete(SecondFactor).where(col(SecondFactor.id) == factor_id))

    async def delete_of_user(self, user_id: UUID, *, pending_only: bool = False) -> list[UUID]:
        """Remove her second factors (only the unconfirmed one with ``pending_only``), with
        their recovery codes; the ids of those removed."""
        stmt = sa.delete(SecondFactor).where(col(SecondFactor.user_id) == user_id)
        if pending_only:
            stmt = stmt.where(col(SecondFactor.confirmed_at).is_(None))
        result = await self.session.execute(stmt.returning(col(SecondFactor.id)))
        return [row[0] for row in result.all()]

    async def claim_step(self, factor_id: UUID, step: int) -> bool:
        """Record ``step`` as the last one used, unless it (or a later one) already was: a
        code works once, even when two requests race with it."""
        stmt = (
            sa.update(SecondFactor)
            .where(
                col(SecondFactor.id) == factor_id,
                sa.or_(col(SecondFactor.last_step).is_(None), col(SecondFactor.last_step) < step),
            )
            .values(last_step=step)
            .returning(col(SecondFactor.id))
        )
        return (await self.session.execute(stmt)).first() is not None

    async def add_recovery_codes(self, factor_id: UUID, digests: Iterable[bytes]) -> None:
        rows = [{"second_factor_id": factor_id, "code_hash": digest} for digest in digests]
        await self.session.execute(sa.insert(RecoveryCode), rows)

    async def use_recovery_code(self, factor_id: UUID, digest: bytes, now: datetime) -> UUID | None:
        """Spend one unused recovery code of the factor: its id, or None when there is no
        such unused code."""
        stmt = (
            sa.update(RecoveryCode)
            .where(
                col(RecoveryCode.second_factor_id) == factor_id,
                col(RecoveryCode.code_hash) == digest,
                col(RecoveryCode.used_at).is_(None),
            )
            .values(used_at=now)
            .returning(col(RecoveryCode.id))
        )
        row = (await self.session.execute(stmt)).first()
        return None if row is None else row[0]
