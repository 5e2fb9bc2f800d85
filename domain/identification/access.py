"""Record scope of identification referrals and safety reports, from the caller (see
``policies`` for the rules in words)."""

from __future__ import annotations

from domain.common.principal import Principal, PrincipalKind, Role
from persistence.models.safety_report import SafetyReport
from persistence.repositories.identification import ReferralScope, ReportScope


def referral_scope(principal: Principal) -> ReferralScope:
    """A leader her own submissions; a program manager her organisation's; a social worker
    her districts'; nobody else any."""
    if principal.kind is PrincipalKind.system or principal.organization_id is None:
        return ReferralScope.nothing()
    if principal.role is Role.survivor_leader:
        return ReferralScope(organization_id=principal.organization_id, submitted_by=principal.id)
    if principal.role is Role.program_manager:
        return ReferralScope(organization_id=principal.organization_id)
    if principal.role is Role.social_worker:
        return ReferralScope(
            organization_id=principal.organization_id, district_ids=principal.district_ids
        )
    return ReferralScope.nothing()


def sees_intake(principal: Principal) -> bool:
    """Whether the caller reads referrals as intake leads (decision, reason, case) rather
    than as her own submissions."""
    return principal.role in (Role.program_manager, Role.social_worker)


def report_scope(principal: Principal) -> ReportScope:
    """A program manager every report of her organisation; a social worker her own and those
    naming nobody in her districts; a leader her own. Never an integration client."""
    if principal.kind is not PrincipalKind.user or principal.organization_id is None:
        return ReportScope.nothing()
    if principal.role is Role.program_manager:
        return ReportScope(organization_id=principal.organization_id, every_report=True)
    if principal.role is Role.social_worker:
        return ReportScope(
            organization_id=principal.organization_id,
            reporter_id=principal.id,
            unnamed_district_ids=principal.district_ids,
        )
    if principal.role is Role.survivor_leader:
        return ReportScope(organization_id=principal.organization_id, reporter_id=principal.id)
    return ReportScope.nothing()


def reads_content(principal: Principal, report: SafetyReport) -> bool:
    """Whether the caller may read what the report says (else she sees its status only).

    An allegation (a report naming persons) opens to program managers alone; a report naming
    nobody also to the social workers of its district. The reporter is no exception: once
    submitted, her report's content is not shown to her again.
    """
    if principal.kind is not PrincipalKind.user:
        return False
    if principal.organization_id != report.organization_id:
        return False
    if principal.role is Role.program_manager:
        return True
    return (
        principal.role is Role.social_worker
        and not report.names_persons
        and report.district_id is not None
        and report.district_id in principal.district_ids
    )
