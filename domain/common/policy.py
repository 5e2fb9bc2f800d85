"""Policies: every action the API offers is decided by one named policy.

A policy says which roles may take the action at all (and, for integration clients, which scope
they need). Record-level scope (organisation, district, assignment, consent) is decided by the
area's ``policies.py`` and applied by repositories as one indexed filter. Denied actions raise
:class:`PermissionDenied`; records outside the caller's scope raise ``NotFound`` so that their
existence is not revealed.

Some actions are a person's alone (``people_only``): creating or changing people's accounts,
resetting their passwords, assigning cases, overriding consent, granting integration clients,
safety reports. An integration client never takes them, whatever scopes its row names: a
machine credential that can make or become a person is a way round every other rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.common.errors import PermissionDenied, SecondFactorEnrolmentRequired
from domain.common.principal import Principal, PrincipalKind, Role

_REGISTRY: dict[str, Policy] = {}


@dataclass(frozen=True, slots=True)
class Policy:
    """An action and who may take it. ``name`` doubles as the OAuth2 scope for clients."""

    name: str
    roles: frozenset[Role]
    description: str
    # Any authenticated principal (e.g. reading one's own profile); roles is then ignored.
    any_authenticated: bool = False
    # The kind of record the action is about, as audit events name it (e.g. "user").
    entity: str = ""
    # Open to a person who must first enrol a second factor (enrolling, who she is, log out).
    while_enrolling: bool = False
    # A person's act: refused to integration clients whatever their scopes say, and never
    # granted to one.
    people_only: bool = False

    def __post_init__(self) -> None:
        if self.name in _REGISTRY and _REGISTRY[self.name] != self:
            raise ValueError(f"policy {self.name!r} defined twice")
        _REGISTRY[self.name] = self

    def permits(self, principal: Principal) -> bool:
        if principal.kind is PrincipalKind.system:
            return True
        if principal.must_enrol_second_factor and not self.while_enrolling:
            return False
        if self.people_only and principal.kind is PrincipalKind.client:
            return False
        if not self.any_authenticated and principal.role not in self.roles:
            return False
        if principal.kind is PrincipalKind.client and not self.any_authenticated:
            return self.name in principal.scopes
        return True

    def authorize(self, principal: Principal) -> None:
        """Raise PermissionDenied unless the principal may take this action."""
        if not self.permits(principal):
            raise self.refusal(principal)

    def refusal(self, principal: Principal) -> PermissionDenied:
        """What a principal this policy does not admit is told: a person who must first enrol
        a second factor learns that, everyone else that the role or scopes do not allow it."""
        if principal.must_enrol_second_factor and not self.while_enrolling:
            return SecondFactorEnrolmentRequired(
                "Your role needs a second factor: enrol one (POST /api/v1/me/second-factor), "
                "confirm it with a code, then sign in again with a code."
            )
        return PermissionDenied("Your role or scopes do not allow this action.")


def policy(
    name: str,
    roles: Iterable[Role],
    description: str,
    *,
    entity: str,
    any_authenticated: bool = False,
    while_enrolling: bool = False,
    people_only: bool = False,
) -> Policy:
    return Policy(
        name,
        frozenset(roles),
        description,
        any_authenticated,
        entity,
        while_enrolling=while_enrolling,
        people_only=people_only,
    )


def registered_policies() -> dict[str, Policy]:
    """Every policy defined so far, by name (import ``domain.policies`` to load them all)."""
    return dict(_REGISTRY)
