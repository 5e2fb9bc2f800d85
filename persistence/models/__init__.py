"""Every table model, imported in dependency order so that the metadata is complete."""

from persistence.models.base import Entity, OrganizationOwned, PlaceBound  # noqa: I001
from persistence.models.state import State
from persistence.models.district import District
from persistence.models.block import Block
from persistence.models.organization import Organization
from persistence.models.app_user import AppUser
from persistence.models.user_district import UserDistrict
from persistence.models.integration_client import IntegrationClient
from persistence.models.auth_session import AuthSession
from persistence.models.refresh_token import RefreshToken
from persistence.models.login_throttle import LoginThrottle
from persistence.models.audit_event import AuditEvent
from persistence.models.audit_chain_head import AuditChainHead
from persistence.models.idempotency_record import IdempotencyRecord

__all__ = [
    "AppUser",
    "AuditChainHead",
    "AuditEvent",
    "AuthSession",
    "Block",
    "District",
    "Entity",
    "IdempotencyRecord",
    "IntegrationClient",
    "LoginThrottle",
    "Organization",
    "OrganizationOwned",
    "PlaceBound",
    "RefreshToken",
    "State",
    "UserDistrict",
]
