"""What the app builds once per process and every request shares."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from api.settings import HttpSettings
from domain.attachments.storage import storage_from_settings
from domain.audit.repeats import RepeatedEvents
from domain.common.settings import Settings
from domain.identity.keys import (
    audit_keys_from_settings,
    cipher_from_settings,
    keyring_from_settings,
)
from domain.identity.passwords import Passwords
from domain.identity.service import IdentityConfig
from domain.identity.throttle import LoginThrottle
from domain.identity.tokens import TokenService
from persistence.attachment_store import AttachmentStorage
from persistence.database import Database


@dataclass
class Container:
    settings: Settings
    http: HttpSettings
    database: Database
    identity: IdentityConfig
    attachments: AttachmentStorage

    @classmethod
    def build(
        cls, settings: Settings, database: Database, http: HttpSettings | None = None
    ) -> Container:
        """Everything requests share; ``http`` from the environment when not given."""
        keyring = keyring_from_settings(settings)
        signing_pem = settings.jwt_signing_keys[keyring.signing_kid].get_secret_value()
        throttle_key = hashlib.sha256(b"shakti-login-throttle:" + signing_pem.encode()).digest()
        throttle = LoginThrottle(settings, throttle_key)
        identity = IdentityConfig(
            settings=settings,
            tokens=TokenService(
                keyring,
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
                max_lifetime_seconds=max(
                    settings.access_token_ttl_seconds, settings.client_token_ttl_seconds
                ),
            ),
            passwords=Passwords(
                time_cost=settings.password_hash_time_cost,
                memory_kib=settings.password_hash_memory_kib,
                parallelism=settings.password_hash_parallelism,
            ),
            throttle=throttle,
            repeats=RepeatedEvents(settings.audit_repeat_window_seconds, throttle.digest),
        )
        if database.cipher is None:
            database.cipher = cipher_from_settings(settings)
        if database.audit_keys is None:
            database.audit_keys = audit_keys_from_settings(settings)
        return cls(
            settings=settings,
            http=http or HttpSettings(),
            database=database,
            identity=identity,
            attachments=storage_from_settings(settings),
        )
