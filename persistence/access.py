"""The check that an access token still stands for a live account, as SQL that hot reads fold
into their own statement (one round trip for the check, the read and its audit event)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class AccessCheck:
    """What a token says that the database must confirm: the account is live and unchanged
    (``access_version``), and for a person the sign-in session is live."""

    kind: str  # "user" or "client"
    subject_id: UUID
    access_version: int
    session_id: UUID | None = None


def access_cte(check: AccessCheck, arg: Callable[[object], str]) -> str:
    """``access AS (...)``: one row when the check holds, none otherwise."""
    if check.kind == "user":
        return f"""access AS (
        SELECT 1 FROM app_user u JOIN auth_session s ON s.user_id = u.id
         WHERE u.id = {arg(check.subject_id)} AND s.id = {arg(check.session_id)}
           AND u.access_version = {arg(check.access_version)}
           AND u.disabled_at IS NULL AND u.deleted_at IS NULL
           AND s.revoked_at IS NULL AND s.expires_at > statement_timestamp())"""
    return f"""access AS (
        SELECT 1 FROM integration_client k
         WHERE k.id = {arg(check.subject_id)} AND k.access_version = {arg(check.access_version)}
           AND k.disabled_at IS NULL AND k.deleted_at IS NULL)"""
