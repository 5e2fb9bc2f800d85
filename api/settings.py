"""The API's own settings: what only the HTTP side reads (origins, body limit, proxies, the
fast lane, the docs pages, how long an ``Idempotency-Key`` answer is kept).

The same environment variables as ever (prefix ``SHAKTI_``), so deployments do not change;
the domain's settings (``domain/common/settings.py``) hold none of them. The app factory takes
both; in production it refuses to start when these are unsafe, as it does for the domain's.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from domain.common.settings import (
    Environment,
    ProductionConfigError,
    Settings,
    production_problems,
)


class HttpSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHAKTI_", extra="ignore", frozen=True)

    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    idempotency_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    # Peers whose X-Forwarded-For (and X-Forwarded-Proto) is believed: comma-separated
    # addresses or networks (CIDR); '*' trusts every peer (refused in production).
    forwarded_allow_ips: str = "127.0.0.1"
    # Serve the hottest reads (a case, a page of cases) without FastAPI's routing and
    # dependency injection (api/fast_lane.py); the answers are the same either way.
    fast_lane: bool = True
    # Its own connections per worker (besides database_pool_size + database_max_overflow).
    fast_lane_pool_size: int = Field(default=8, ge=1, le=200)
    # Interactive docs (/docs, /redoc). Unset: served in development, not in production
    # (Swagger UI loads its scripts from a CDN); true serves them in production too.
    docs_enabled: bool | None = None

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("forwarded_allow_ips")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        for entry in (part.strip() for part in value.split(",")):
            if entry and entry != "*":
                try:
                    ipaddress.ip_network(entry, strict=False)
                except ValueError as exc:
                    raise ValueError(f"{entry!r} is not an IP address or network (CIDR)") from exc
        return value

    @property
    def trusted_proxies(self) -> frozenset[str]:
        """The entries of ``forwarded_allow_ips``."""
        return frozenset(p.strip() for p in self.forwarded_allow_ips.split(",") if p.strip())

    def serves_docs(self, env: Environment) -> bool:
        """Whether /docs and /redoc are served: as set, else in development only."""
        if self.docs_enabled is None:
            return env is Environment.development
        return self.docs_enabled


def http_problems(http: HttpSettings) -> list[str]:
    """What makes these HTTP settings unfit for production (empty when fit)."""
    problems: list[str] = []
    if "*" in http.cors_origins:
        problems.append("SHAKTI_CORS_ORIGINS may not contain '*' in production")
    if "*" in http.trusted_proxies:
        problems.append(
            "SHAKTI_FORWARDED_ALLOW_IPS may not contain '*' in production: anyone could then "
            "choose the address sign-in throttling counts; list your reverse proxies"
        )
    return problems


def check_serving(settings: Settings, http: HttpSettings) -> None:
    """Raise :class:`ProductionConfigError` when production settings are unsafe: the
    domain's and the API's, every reason in one message."""
    if settings.env is Environment.production:
        problems = production_problems(settings) + http_problems(http)
        if problems:
            raise ProductionConfigError(problems)
