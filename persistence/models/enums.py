"""Stored vocabularies: the values a column may hold (each enforced by a CHECK constraint)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """Roles of people and integration clients. Each policy names the roles it admits."""

    platform_admin = "platform_admin"  # runs the platform: organisations, users, clients, geography
    program_manager = "program_manager"  # the whole of her organisation
    social_worker = "social_worker"  # assigned caseload and her districts
    survivor_leader = "survivor_leader"  # her own submissions; no case records
    partner_staff = "partner_staff"  # what is referred to her organisation, consented fields only
    analyst = "analyst"  # aggregates only
    auditor = "auditor"  # the audit trail only


class OrganizationKind(StrEnum):
    lead_ngo = "lead_ngo"
    partner_ngo = "partner_ngo"
    community_based_organization = "community_based_organization"
    government_department = "government_department"
    service_provider = "service_provider"


class ActorType(StrEnum):
    user = "user"
    client = "client"
    system = "system"
    anonymous = "anonymous"


class AuditAction(StrEnum):
    create = "create"
    update = "update"
    delete = "delete"
    read = "read"
    search = "search"
    export = "export"
    login = "login"
    login_failed = "login_failed"
    logout = "logout"
    token_refresh = "token_refresh"
    token_reuse_detected = "token_reuse_detected"
    permission_denied = "permission_denied"
    disable = "disable"
    enable = "enable"
    secret_rotate = "secret_rotate"
    verify = "verify"
    share = "share"  # personal data sent to another organisation (a referral)
    consent_override = "consent_override"  # acting without the survivor's consent, with a reason
    # an authenticated caller asked for a record by id that does not exist or lies outside her
    # scope (one event per caller and window, counted: see audit_tally)
    not_found = "not_found"
    # A reset of someone's password or second factor, decided by a second platform admin.
    approve = "approve"
    decline = "decline"
    expire = "expire"
    probe = "probe"  # a request that touched a record outside the caller's scope (a taken id)
    replay = "replay"  # an answer given again for a repeated Idempotency-Key
    duplicate_hit = "duplicate_hit"  # an intake that matched registered survivors


class AuditOutcome(StrEnum):
    success = "success"
    denied = "denied"
    failure = "failure"
