"""The answers kept for retries of creates, one per (principal, Idempotency-Key).

The HTTP side (fingerprinting the request, answering 201 or the replay) is ``api/idempotency.py``;
this is what it keeps and reads. A kept answer can hold personal data (a survivor's name), so it
is sealed at rest, under a place that names its principal and key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from domain.audit.trail import record
from domain.common.principal import Principal
from persistence.crypto import Place
from persistence.models.base import utcnow
from persistence.models.enums import AuditAction, AuditOutcome
from persistence.models.idempotency_record import IdempotencyRecord
from persistence.repositories.idempotency import IdempotencyRepository
from persistence.uow import UnitOfWork

REPLAY_ENTITY = "idempotency_record"


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    """A create's first answer, opened: the request's fingerprint, the status, the body and
    the headers a replay repeats."""

    fingerprint: bytes
    status_code: int
    body: bytes
    headers: dict[str, str]


class KeptAnswers:
    """The kept answers of one principal's key, read and written as of the moment the key was
    locked."""

    def __init__(self, uow: UnitOfWork, principal: Principal, key: str) -> None:
        self.uow = uow
        self.principal = principal
        self.key = key
        self.repo = IdempotencyRepository(uow)
        self.now: datetime = utcnow()

    def _place(self) -> Place:
        return Place("idempotency_record", "response_body", f"{self.principal.id}:{self.key}")

    async def lock(self) -> bool:
        """Lock the key for this transaction; False while another request holds it."""
        locked = await self.repo.try_lock(self.principal.id, self.key)
        self.now = utcnow()
        return locked

    async def find(self) -> KeptAnswer | None:
        """The answer kept under the key and not expired, opened; None when there is none."""
        stored = await self.repo.find(self.principal.id, self.key, self.now)
        if stored is None:
            return None
        return KeptAnswer(
            fingerprint=stored.request_fingerprint,
            status_code=stored.status_code,
            body=self.uow.cipher.open(stored.response_body, self._place()),
            headers=dict(stored.response_headers),
        )

    async def keep(self, answer: KeptAnswer, ttl_seconds: int) -> None:
        """Keep ``answer`` (sealed) for ``ttl_seconds``, replacing an expired one."""
        await self.repo.store(
            IdempotencyRecord(
                principal_id=self.principal.id,
                key=self.key,
                request_fingerprint=answer.fingerprint,
                status_code=answer.status_code,
                response_body=self.uow.cipher.seal(answer.body, self._place()),
                response_headers=answer.headers,
                created_at=self.now,
                expires_at=self.now + timedelta(seconds=ttl_seconds),
            )
        )

    def audit_replay(self, record_id: UUID | None, *, answered: bool) -> None:
        """Keep in the audit trail (durably: a refused replay is kept too) that the answer about
        ``record_id`` was replayed, or refused (``answered`` False)."""
        record(
            self.uow,
            self.principal,
            AuditAction.replay,
            REPLAY_ENTITY,
            record_id,
            outcome=AuditOutcome.success if answered else AuditOutcome.denied,
            durable=True,
        )
