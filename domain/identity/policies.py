"""Policies of the caller's own identity."""

from __future__ import annotations

from domain.common.policy import policy
from domain.common.settings import SECOND_FACTOR_ROLES

READ_ME = policy(
    "me:read",
    (),
    "Read one's own identity, role, districts and scopes.",
    any_authenticated=True,
    entity="user",
    while_enrolling=True,
)
REVOKE = policy(
    "auth:revoke",
    (),
    "End one's own sign-in session (log out), or revoke one of one's refresh tokens.",
    any_authenticated=True,
    entity="auth_session",
    while_enrolling=True,
)
# People only: an integration client never holds a second factor, whatever its grant says.
SECOND_FACTOR = policy(
    "me:second-factor",
    SECOND_FACTOR_ROLES,
    "Enrol, confirm, replace and remove one's own second factor (TOTP). People only; never "
    "an integration client.",
    entity="second_factor",
    while_enrolling=True,
    people_only=True,
)
