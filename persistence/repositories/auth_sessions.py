"""Sign-in sessions and their refresh tokens."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col

from persistence.models.auth_session import AuthSession
from persistence.models.refresh_token import RefreshToken
from persistence.repositories.session import Repository


class AuthSessionRepository(Repository):
    async def add(self, auth_session: AuthSession, token: RefreshToken | None) -> None:
        """A new session, with its first refresh token (none for a session that may only
        enrol a second factor)."""
        self.session.add(auth_session)
        await self.session.flush()
        if token is not None:
            self.session.add(token)
            await self.session.flush()

    async def add_token(self, token: RefreshToken) -> None:
        self.session.add(token)
        await self.session.flush()

    async def token_for_update(self, token_hash: bytes) -> tuple[RefreshToken, AuthSession] | None:
        """The refresh token with its session, both locked (rotation must not race)."""
        stmt = (
            sa.select(RefreshToken, AuthSession)
            .join(AuthSession, col(AuthSession.id) == col(RefreshToken.session_id))
            .where(col(RefreshToken.token_hash) == token_hash)
            .with_for_update()
        )
        row = (await self.session.execute(stmt)).one_or_none()
        return None if row is None else (row[0], row[1])

    async def get(self, session_id: UUID) -> AuthSession | None:
        return await self.session.get(AuthSession, session_id)

    async def revoke(self, session_id: UUID, now: datetime, reason: str) -> None:
        await self.session.execute(
            sa.update(AuthSession)
            .where(col(AuthSession.id) == session_id, col(AuthSession.revoked_at).is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )

    async def revoke_all_of_user(
        self, user_id: UUID, now: datetime, reason: str, keep: UUID | None = None
    ) -> None:
        """Revoke every live session of the user, except ``keep`` when given."""
        stmt = sa.update(AuthSession).where(
            col(AuthSession.user_id) == user_id,
            col(AuthSession.revoked_at).is_(None),
        )
        if keep is not None:
            stmt = stmt.where(col(AuthSession.id) != keep)
        await self.session.execute(stmt.values(revoked_at=now, revoked_reason=reason))
