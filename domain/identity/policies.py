"""Policies of the caller's own identity."""

from __future__ import annotations

from domain.common.policy import policy

READ_ME = policy(
    "me:read",
    (),
    "Read one's own identity, role, districts and scopes.",
    any_authenticated=True,
    entity="user",
)
REVOKE = policy(
    "auth:revoke",
    (),
    "End one's own sign-in session (log out), or revoke one of one's refresh tokens.",
    any_authenticated=True,
    entity="auth_session",
)
