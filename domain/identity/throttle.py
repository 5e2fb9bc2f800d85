"""Throttling of sign-in attempts (passwords, client credentials, a password change).

Three counters judge each attempt, keyed by an HMAC so that the table holds no email, client id
or address:

- the account (or client): never locked, only slowed down. After ``login_account_delay_after``
  failures from anywhere, each further failure makes it wait, from
  ``login_account_delay_seconds`` doubling up to ``login_account_max_delay_seconds``. An
  attacker who knows a worker's email can delay her sign-in by at most that much, never lock
  her out;
- the account from one address: locked for ``login_lockout_seconds`` after
  ``login_max_failures_per_account`` failures, so the address that guessed is shut out of that
  account while the owner, elsewhere, is not;
- the address: locked after ``login_max_failures_per_address`` failures on any accounts.

An attempt is counted before the password is checked (a slot is reserved, committed at once),
so a burst of parallel guesses cannot all pass before any of them is counted; a right answer
gives its slot back and clears the account. A key that waits answers 429 with Retry-After,
whether or not the password is right (otherwise the throttle would still confirm a guess).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.common.settings import Settings
from persistence.models.base import utcnow
from persistence.repositories.login_throttle import (
    LoginThrottleRepository,
    Reservation,
    ThrottleRule,
)


@dataclass(frozen=True, slots=True)
class Attempt:
    """One sign-in attempt as the throttle judged it: refused (``retry_after`` seconds, and the
    key that refused), or counted in advance as a failure until :meth:`LoginThrottle.succeeded`
    gives the slot back."""

    subject_key: str
    address_key: str
    pair_key: str
    reservation: Reservation
    retry_after: int | None = None

    @property
    def refused_by(self) -> str | None:
        return self.reservation.refused_by


class LoginThrottle:
    def __init__(
        self, settings: Settings, key: bytes, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self._key = key
        # The time the throttle judges by (tests move it instead of waiting).
        self.clock = clock
        self.window = timedelta(seconds=settings.login_failure_window_seconds)
        self.lockout = timedelta(seconds=settings.login_lockout_seconds)
        self.pair_limit = settings.login_max_failures_per_account
        self.address_limit = settings.login_max_failures_per_address
        self.delay_after = settings.login_account_delay_after
        self.delay = timedelta(seconds=settings.login_account_delay_seconds)
        self.max_delay = timedelta(seconds=settings.login_account_max_delay_seconds)

    def digest(self, kind: str, value: str) -> str:
        """``kind:`` and a keyed digest of ``value`` (never the value itself)."""
        mac = hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:40]
        return f"{kind}:{mac}"

    def account_key(self, email: str) -> str:
        return self.digest("account", email.strip().lower())

    def client_key(self, client_id: str) -> str:
        return self.digest("client", client_id.strip().lower())

    def address_key(self, address: str | None) -> str:
        return self.digest("address", address or "unknown")

    def pair_key(self, subject_key: str, address_key: str) -> str:
        """An account (or client) tried from one address."""
        return self.digest("pair", f"{subject_key}|{address_key}")

    def rules(self, subject_key: str, address_key: str) -> list[ThrottleRule]:
        return [
            ThrottleRule(
                subject_key,
                self.window,
                delay_after=self.delay_after,
                delay=self.delay,
                max_delay=self.max_delay,
            ),
            ThrottleRule(
                self.pair_key(subject_key, address_key),
                self.window,
                limit=self.pair_limit,
                lockout=self.lockout,
            ),
            ThrottleRule(address_key, self.window, limit=self.address_limit, lockout=self.lockout),
        ]

    async def attempt(
        self, repo: LoginThrottleRepository, subject_key: str, address: str | None
    ) -> Attempt:
        """Reserve a slot for one attempt on ``subject_key`` (an account or client key) from
        ``address``, or say how long it must wait. Call before checking the secret."""
        now = self.clock()
        address_key = self.address_key(address)
        reservation = await repo.reserve(self.rules(subject_key, address_key), now)
        retry_after = None
        if reservation.refused_until is not None:
            retry_after = max(1, math.ceil((reservation.refused_until - now).total_seconds()))
        return Attempt(
            subject_key=subject_key,
            address_key=address_key,
            pair_key=self.pair_key(subject_key, address_key),
            reservation=reservation,
            retry_after=retry_after,
        )

    async def succeeded(self, repo: LoginThrottleRepository, attempt: Attempt) -> None:
        """The secret was right: forget the account's failures (and this address's on it) and
        give back the slot the attempt took on the address (committed at once)."""
        await repo.give_back(
            attempt.reservation,
            forget=(attempt.subject_key, attempt.pair_key),
            release=attempt.address_key,
        )
