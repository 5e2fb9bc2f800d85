"""Configuration from the environment (prefix ``SHAKTI_``).

Every layer receives what it needs from here as plain values: persistence never reads the
environment itself. In production the service refuses to start with development keys or other
unsafe defaults, and says why (see :func:`production_problems`).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from persistence.models.enums import Role

DEV_KEY_PREFIX = "dev-"
MAX_ACCESS_TOKEN_TTL = 15 * 60
# The development-only database passwords docker-compose.yml falls back to (the owner's
# POSTGRES_PASSWORD and the API login role's SHAKTI_DATABASE_API_PASSWORD): refused in production.
COMPOSE_DEFAULT_DATABASE_PASSWORDS = frozenset(
    {"shakti-dev-only-not-for-production", "shakti-api-dev-only-not-for-production"}
)
# The roles that may enrol a second factor (TOTP): those who manage accounts and see a whole
# organisation. Production requires it of them unless SHAKTI_SECOND_FACTOR_REQUIRED_ROLES says
# otherwise: one phished password of theirs opens every survivor record they can reach.
SECOND_FACTOR_ROLES = frozenset({Role.platform_admin, Role.program_manager})


class Environment(StrEnum):
    development = "development"
    production = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHAKTI_", extra="ignore", frozen=True)

    env: Environment = Environment.development

    # Database. Unset: the CLI starts an embedded PostgreSQL under data_dir.
    # The API's own login role (NOSUPERUSER, owning nothing, a member of the app role only).
    database_url: SecretStr | None = None
    # The schema owner, for `shakti-mis migrate` only (falls back to database_url). The API
    # never needs it: never give it to the API's process.
    migration_database_url: SecretStr | None = None
    # Role the application switches to on connect: it may not update or delete audit events.
    # Empty string: use the login role as it is (refused in production).
    database_app_role: str = "shakti_app"
    # The API's login role that `shakti-mis migrate` creates or updates after migrating (LOGIN,
    # NOSUPERUSER, NOCREATEDB, NOCREATEROLE, NOBYPASSRLS, a member of the app role), with this
    # password (stored as a SCRAM verifier). Empty: migrate leaves login roles alone.
    database_api_role: str = ""
    database_api_password: SecretStr | None = None
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

    # The audit chain's keys: JSON object {kid: base64 of a 256-bit key}; the active one chains
    # new events and signs checkpoints, all of them verify (rotation: add a key and make it
    # active; keep the old ones, whose kid older events name). Held outside the database.
    audit_keys: dict[str, SecretStr] = Field(default_factory=dict)
    audit_active_kid: str | None = None

    # Passwords (argon2id; RFC 9106 second recommended profile by default).
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_memory_kib: int = Field(default=65536, ge=8)
    password_hash_parallelism: int = Field(default=4, ge=1)

    # Sign-in throttling (passwords and client credentials; see domain/identity/throttle.py).
    # A failure is forgotten after the window. An address is locked out (429) for
    # login_lockout_seconds: of one account (or client) after login_max_failures_per_account
    # failures on it, of every account after login_max_failures_per_address failures. The
    # account itself is never locked: after login_account_delay_after failures (from anywhere)
    # each further one makes it wait, from login_account_delay_seconds doubling up to
    # login_account_max_delay_seconds, so its owner can still sign in from her own device.
    login_failure_window_seconds: int = Field(default=900, ge=1)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=30, ge=1)
    login_lockout_seconds: int = Field(default=900, ge=1)
    login_account_delay_after: int = Field(default=5, ge=1)
    login_account_delay_seconds: int = Field(default=2, ge=1, le=3600)
    login_account_max_delay_seconds: int = Field(default=60, ge=1, le=3600)

    # Audit events that repeat (failed sign-ins, throttled attempts, ids not found): the first
    # of a key in each window is appended to the trail, later ones only add to its count.
    audit_repeat_window_seconds: int = Field(default=900, ge=60, le=24 * 3600)

    # Second factor. Roles that must enrol one before doing anything else (comma-separated;
    # empty for none). Unset: none in development, SECOND_FACTOR_ROLES in production.
    second_factor_required_roles: Annotated[frozenset[Role] | None, NoDecode] = None
    # How long a reset of someone's password or second factor waits for a second platform
    # admin's approval before it expires.
    reset_request_ttl_seconds: int = Field(default=24 * 3600, ge=300, le=7 * 24 * 3600)

    # HTTP settings (origins, body limit, proxies, the fast lane, docs, idempotency) are the
    # API's own: api/settings.py, same SHAKTI_ variables.
    log_level: str = "INFO"

    # Attachments (domain/attachments). A file larger than max_upload_bytes is refused (413),
    # by its Content-Length before any byte is read. The bytes, sealed, go to
    # attachments_s3_bucket when set (S3-compatible: attachments_s3_endpoint for MinIO and
    # others; credentials from the standard AWS_* environment), else to attachments_dir
    # (default: <data_dir>/attachments).
    max_upload_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    attachments_dir: Path | None = None
    attachments_s3_bucket: str = ""
    attachments_s3_prefix: str = ""
    attachments_s3_endpoint: str = ""
    attachments_s3_region: str = ""

    # Intake: duplicate-check hits a person is told of (409 naming survivors) within a window
    # before her intakes answer 429 until the window has passed.
    intake_duplicate_hits_per_window: int = Field(default=10, ge=1)
    intake_duplicate_window_seconds: int = Field(default=3600, ge=1)

    # Entitlements: an application that has not moved for this many days is flagged stalled.
    entitlement_stalled_days: int = Field(default=45, ge=1, le=3650)

    # Demands and issues: the service level of each priority, in days from the day a demand is
    # raised (or reopened) to its due date; escalating an overdue demand gives the next level
    # as long again before escalating it once more is due.
    demand_due_days_urgent: int = Field(default=7, ge=1, le=365)
    demand_due_days_high: int = Field(default=15, ge=1, le=365)
    demand_due_days_medium: int = Field(default=30, ge=1, le=365)
    demand_due_days_low: int = Field(default=60, ge=1, le=365)

    # Evidence: aggregate cells about 1 to k-1 persons are suppressed (never below 3; public
    # trafficking data uses 11).
    suppression_k: int = Field(default=5, ge=3, le=100)
    # Connections per worker on which the figures of a dashboard or a report are computed side
    # by side (besides the pools above); 1: one after the other on the request's connection.
    evidence_connections: int = Field(default=3, ge=1, le=32)
    # A figure may be given from an answer computed up to this many seconds ago when only
    # records (not her consents) changed since; the answer says when (``computed_at``), and
    # the worker computes asked answers again every 15 seconds. 0: always computed afresh.
    evidence_max_age_seconds: int = Field(default=30, ge=0, le=3600)

    # Research extracts (domain/research): every published combination of quasi-identifiers
    # is shared by at least k survivors (11, as the public trafficking data collaborative
    # publishes; a request may raise it, never lower it); up to this share of the survivors
    # may be suppressed before the extract generalises further.
    research_extract_k: int = Field(default=11, ge=5, le=100)
    research_extract_suppression_limit: float = Field(default=0.05, ge=0, le=0.5)
    # Exports: up to this many rows are written at once and streamed in the answer; more are
    # queued for a worker and downloaded when ready, within the TTL (then deleted).
    export_inline_rows: int = Field(default=2000, ge=0, le=100_000)
    export_ttl_seconds: int = Field(default=24 * 3600, ge=60, le=30 * 24 * 3600)
    # Job queue (procrastinate): jobs a worker runs at once; how often it says it is alive,
    # and after how long without a word its running jobs are taken as stalled and retried.
    worker_concurrency: int = Field(default=2, ge=1, le=32)
    worker_heartbeat_seconds: float = Field(default=10.0, gt=0, le=600)
    worker_stalled_seconds: float = Field(default=30.0, gt=0, le=3600)
    # `serve` on the embedded database runs a worker in its own process (development: one
    # command starts everything); set false to run `shakti-mis worker` apart.
    in_process_worker: bool = False

    @field_validator("login_account_max_delay_seconds")
    @classmethod
    def _check_delays(cls, value: int, info: ValidationInfo) -> int:
        base = info.data.get("login_account_delay_seconds")
        if base is not None and value < base:
            raise ValueError("must be at least SHAKTI_LOGIN_ACCOUNT_DELAY_SECONDS")
        return value

    @field_validator("second_factor_required_roles", mode="before")
    @classmethod
    def _split_roles(cls, value: object) -> object:
        if isinstance(value, str):
            value = [role.strip() for role in value.split(",") if role.strip()]
        if isinstance(value, list | tuple | set | frozenset):
            unknown = {str(role) for role in value} - {role.value for role in SECOND_FACTOR_ROLES}
            if unknown:
                raise ValueError(
                    "only platform_admin and program_manager can enrol a second factor"
                )
        return value

    @property
    def second_factor_roles(self) -> frozenset[Role]:
        """The roles that must have a second factor before they may do anything but enrol."""
        if self.second_factor_required_roles is not None:
            return self.second_factor_required_roles
        return SECOND_FACTOR_ROLES if self.env is Environment.production else frozenset()

    # Plain properties, not cached: ``model_copy(update=...)`` copies a cached value along with
    # the fields, so a copy given another URL would keep answering the old one.
    @property
    def database_url_value(self) -> str | None:
        return self.database_url.get_secret_value() if self.database_url else None

    @property
    def migration_database_url_value(self) -> str | None:
        """The owner's URL for migrations: the migration URL, else the API's."""
        if self.migration_database_url:
            return self.migration_database_url.get_secret_value()
        return self.database_url_value

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

    def uses_development_audit_keys(self) -> bool:
        return not self.audit_keys or any(kid.startswith(DEV_KEY_PREFIX) for kid in self.audit_keys)


def audit_key_problems(settings: Settings) -> list[str]:
    """What makes the audit keys unfit for production (empty when fit)."""
    problems: list[str] = []
    if settings.uses_development_audit_keys():
        problems.append(
            "SHAKTI_AUDIT_KEYS must hold the production audit key(s) that key the audit chain; "
            f"development keys (none set, or a kid starting with '{DEV_KEY_PREFIX}') are refused"
        )
    if settings.audit_active_kid and settings.audit_active_kid not in settings.audit_keys:
        problems.append("SHAKTI_AUDIT_ACTIVE_KID names no key in SHAKTI_AUDIT_KEYS")
    return problems


def check_audit_keys(settings: Settings) -> None:
    """Raise :class:`ProductionConfigError` when production runs without real audit keys."""
    if settings.env is Environment.production:
        problems = audit_key_problems(settings)
        if problems:
            raise ProductionConfigError(problems)


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
    development_verification_kids = sorted(
        kid for kid in settings.jwt_verification_keys if kid.startswith(DEV_KEY_PREFIX)
    )
    if development_verification_kids:
        problems.append(
            "SHAKTI_JWT_VERIFICATION_KEYS may not accept development keys (kid starting with "
            f"'{DEV_KEY_PREFIX}'): {', '.join(development_verification_kids)}"
        )
    if settings.data_active_kid and settings.data_active_kid not in settings.data_keys:
        problems.append("SHAKTI_DATA_ACTIVE_KID names no key in SHAKTI_DATA_KEYS")
    if settings.jwt_active_kid and settings.jwt_active_kid not in settings.jwt_signing_keys:
        problems.append("SHAKTI_JWT_ACTIVE_KID names no key in SHAKTI_JWT_SIGNING_KEYS")
    if settings.database_url is None:
        problems.append(
            "SHAKTI_DATABASE_URL must be set: the embedded PostgreSQL is for development only"
        )
    elif uses_compose_default_password(settings.database_url_value or ""):
        problems.append(
            "SHAKTI_DATABASE_URL uses the development-only default password of "
            "docker-compose.yml: set SHAKTI_DATABASE_API_PASSWORD (and POSTGRES_PASSWORD)"
        )
    if settings.migration_database_url is not None:
        problems.append(
            "SHAKTI_MIGRATION_DATABASE_URL is set: the API never needs the schema owner's "
            "credentials (only `shakti-mis migrate` does)"
        )
    if not settings.database_app_role:
        problems.append(
            "SHAKTI_DATABASE_APP_ROLE must name the app role (it may not update or delete audit "
            "events); empty is refused"
        )
    if settings.password_hash_memory_kib < 19456 or settings.password_hash_time_cost < 2:
        problems.append(
            "password hashing below the OWASP minimum (argon2id m>=19456 KiB, t>=2) is refused"
        )
    return problems


def uses_compose_default_password(url: str) -> bool:
    """Whether a database URL carries one of docker-compose.yml's development passwords."""
    try:
        password = urlsplit(url).password
    except ValueError:
        return False
    return password is not None and unquote(password) in COMPOSE_DEFAULT_DATABASE_PASSWORDS


def migration_problems(settings: Settings) -> list[str]:
    """What makes `shakti-mis migrate` unfit for production (empty when fit): the compose
    default passwords, for the owner and for the API login role it provisions."""
    problems: list[str] = []
    if uses_compose_default_password(settings.migration_database_url_value or ""):
        problems.append(
            "the migration URL uses the development-only default password of "
            "docker-compose.yml: set POSTGRES_PASSWORD"
        )
    api_password = settings.database_api_password
    if api_password and api_password.get_secret_value() in COMPOSE_DEFAULT_DATABASE_PASSWORDS:
        problems.append(
            "SHAKTI_DATABASE_API_PASSWORD is the development-only default of docker-compose.yml"
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


def check_migration(settings: Settings) -> None:
    """Raise :class:`ProductionConfigError` when a production migration would use a compose
    default password."""
    if settings.env is Environment.production:
        problems = migration_problems(settings)
        if problems:
            raise ProductionConfigError(problems)
