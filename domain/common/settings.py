"""Configuration from the environment (prefix ``SHAKTI_``).

Every layer receives what it needs from here as plain values: persistence never reads the
environment itself. In production the service refuses to start with development keys or other
unsafe defaults, and says why (see :func:`production_problems`).
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_KEY_PREFIX = "dev-"
MAX_ACCESS_TOKEN_TTL = 15 * 60


class Environment(StrEnum):
    development = "development"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHAKTI_", extra="ignore", frozen=True)

    env: Environment = Environment.development

    # Database. Unset: the CLI starts an embedded PostgreSQL under data_dir.
    database_url: SecretStr | None = None
    # Role the application switches to on connect: it may not update or delete audit events.
    # Empty string: use the login role as it is (it must then hold only the app grants).
    database_app_role: str = "shakti_app"
    # Connections per worker. Overflow connections are opened and closed under load, and a
    # new connection re-prepares every statement: a pool sized for the load, with no
    # overflow, is several times faster than churn (requests wait for a connection instead).
    database_pool_size: int = Field(default=20, ge=1, le=200)
    database_max_overflow: int = Field(default=0, ge=0, le=200)
    data_dir: Path = Path(".shakti")

    # Tokens. Keys: JSON object {kid: PEM of an EC P-256 private key}; one of them signs.
    jwt_signing_keys: dict[str, SecretStr] = Field(default_factory=dict)
    jwt_active_kid: str | None = None
    # Public keys still accepted during a rotation: JSON object {kid: PEM public key}.
    jwt_verification_keys: dict[str, str] = Field(default_factory=dict)
    jwt_issuer: str = "shakti-mis"
    jwt_audience: str = "shakti-mis-api"
    access_token_ttl_seconds: int = Field(default=600, ge=60, le=MAX_ACCESS_TOKEN_TTL)
    refresh_token_ttl_seconds: int = Field(default=14 * 24 * 3600, ge=300)
    session_max_age_seconds: int = Field(default=30 * 24 * 3600, ge=300)
    client_token_ttl_seconds: int = Field(default=600, ge=60, le=MAX_ACCESS_TOKEN_TTL)

    # Personal data at rest: JSON object {kid: base64 of a 256-bit AES key}; one of them seals,
    # all of them open (rotation: add a key, make it active, run `shakti-mis rotate-keys`).
    data_keys: dict[str, SecretStr] = Field(default_factory=dict)
    data_active_kid: str | None = None
    # HMAC key of the blind indexes (exact-match lookups of encrypted values); base64, 256 bits.
    # Changing it means rebuilding the indexes (`shakti-mis rotate-keys --reindex`).
    blind_index_key: SecretStr | None = None

    # Passwords (argon2id; RFC 9106 second recommended profile by default).
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_memory_kib: int = Field(default=65536, ge=8)
    password_hash_parallelism: int = Field(default=4, ge=1)

    # Login throttling.
    login_failure_window_seconds: int = Field(default=900, ge=1)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=30, ge=1)
    login_lockout_seconds: int = Field(default=900, ge=1)

    # HTTP.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    idempotency_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    forwarded_allow_ips: str = "127.0.0.1"
    # Serve the hottest reads (a case, a page of cases) without FastAPI's routing and
    # dependency injection (api/fast_lane.py); the answers are the same either way.
    fast_lane: bool = True
    # Its own connections per worker (besides database_pool_size + database_max_overflow).
    fast_lane_pool_size: int = Field(default=8, ge=1, le=200)
    log_level: str = "INFO"

    # Entitlements: an application that has not moved for this many days is flagged stalled.
    entitlement_stalled_days: int = Field(default=45, ge=1, le=3650)

    # Evidence: aggregate cells about 1 to k-1 persons are suppressed (never below 3; public
    # trafficking data uses 11).
    suppression_k: int = Field(default=5, ge=3, le=100)
    # Connections per worker on which the figures of a dashboard or a report are computed side
    # by side (besides the pools above); 1: one after the other on the request's connection.
    evidence_connections: int = Field(default=3, ge=1, le=32)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @cached_property
    def database_url_value(self) -> str | None:
        return self.database_url.get_secret_value() if self.database_url else None

    def uses_development_keys(self) -> bool:
        return not self.jwt_signing_keys or any(
            kid.startswith(DEV_KEY_PREFIX) for kid in self.jwt_signing_keys
        )

    def uses_development_data_keys(self) -> bool:
        return (
            not self.data_keys
            or self.blind_index_key is None
            or any(kid.startswith(DEV_KEY_PREFIX) for kid in self.data_keys)
        )


def production_problems(settings: Settings) -> list[str]:
    """What makes these settings unfit for production (empty when fit)."""
    problems: list[str] = []
    if settings.uses_development_keys():
        problems.append(
            "SHAKTI_JWT_SIGNING_KEYS must hold the production signing key(s); development keys "
            f"(none set, or a kid starting with '{DEV_KEY_PREFIX}') are refused"
        )
    if settings.uses_development_data_keys():
        problems.append(
            "SHAKTI_DATA_KEYS and SHAKTI_BLIND_INDEX_KEY must hold the production keys that "
            f"protect personal data; development keys (none set, or a kid starting with "
            f"'{DEV_KEY_PREFIX}') are refused"
        )
    if settings.data_active_kid and settings.data_active_kid not in settings.data_keys:
        problems.append("SHAKTI_DATA_ACTIVE_KID names no key in SHAKTI_DATA_KEYS")
    if settings.jwt_active_kid and settings.jwt_active_kid not in settings.jwt_signing_keys:
        problems.append("SHAKTI_JWT_ACTIVE_KID names no key in SHAKTI_JWT_SIGNING_KEYS")
    if settings.database_url is None:
        problems.append(
            "SHAKTI_DATABASE_URL must be set: the embedded PostgreSQL is for development only"
        )
    if "*" in settings.cors_origins:
        problems.append("SHAKTI_CORS_ORIGINS may not contain '*' in production")
    if settings.password_hash_memory_kib < 19456 or settings.password_hash_time_cost < 2:
        problems.append(
            "password hashing below the OWASP minimum (argon2id m>=19456 KiB, t>=2) is refused"
        )
    return problems


class ProductionConfigError(RuntimeError):
    """Raised when production settings are unsafe; the message lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"refusing to start in production:\n{lines}")


def check_production(settings: Settings) -> None:
    """Raise :class:`ProductionConfigError` when production settings are unsafe."""
    if settings.env is Environment.production:
        problems = production_problems(settings)
        if problems:
            raise ProductionConfigError(problems)
