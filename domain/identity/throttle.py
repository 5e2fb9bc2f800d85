"""Throttling of failed sign-ins per account and per address.

Counters are keyed by an HMAC of the normalised email or the client address, so the table
holds neither. A locked key answers 429 with Retry-After until the lock expires, whether or not
the password is right: otherwise the throttle would still confirm a guessed password.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from domain.common.settings import Settings
from persistence.repositories.login_throttle import LoginThrottleRepository


class LoginThrottle:
    def __init__(self, settings: Settings, key: bytes) -> None:
        self._key = key
        self.window = timedelta(seconds=settings.login_failure_window_seconds)
        self.lockout = timedelta(seconds=settings.login_lockout_seconds)
        self.account_limit = settings.login_max_failures_per_account
        self.address_limit = settings.login_max_failures_per_address

    def _digest(self, kind: str, value: str) -> str:
        mac = hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:40]
        return f"{kind}:{mac}"

    def account_key(self, email: str) -> str:
        return self._digest("account", email.strip().lower())

    def address_key(self, address: str | None) -> str:
        return self._digest("address", address or "unknown")

    async def retry_after(
        self, repo: LoginThrottleRepository, keys: list[str], now: datetime
    ) -> int | None:
        """Seconds until the keys may try again, or None when none is locked."""
        until = await repo.locked_until(keys, now)
        if until is None:
            return None
        return max(1, int((until - now).total_seconds()) + 1)

    async def record_failure(
        self, repo: LoginThrottleRepository, account: str, address: str, now: datetime
    ) -> None:
        await repo.record_failure(
            account, now, window=self.window, limit=self.account_limit, lockout=self.lockout
        )
        await repo.record_failure(
            address, now, window=self.window, limit=self.address_limit, lockout=self.lockout
        )
