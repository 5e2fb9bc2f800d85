"""The check that an access token still stands for a live account: one definition, as SQL.
Hot reads fold it into their own statement as a CTE (one round trip for the check, the read and
its audit event); every other request asks it alone (``access_is_live_sql``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class AccessCheck:
    """What a token says that the database must confirm: the account is live and unchanged
    (``access_version``), and for a person the sign-in session is live."""

    kind: str  # "user" or "client"
    subject_id: UUID
    access_version: int
    session_id: UUID | None = None


def access_select(check: AccessCheck, arg: Callable[[object], str]) -> str:
    """The rule: a SELECT answering one row when the token's account (and, for a person, her
    sign-in session) is live and unchanged, none otherwise. Values are bound through ``arg``."""
    if check.kind == "user":
        return f"""SELECT 1 FROM app_user u JOIN auth_session s ON s.user_id = u.id
         WHERE u.id = {arg(check.subject_id)} AND s.id = {arg(check.session_id)}
           AND u.access_version = {arg(check.access_version)}
           AND u.disabled_at IS NULL AND u.deleted_at IS NULL
           AND s.revoked_at IS NULL AND s.expires_at > statement_timestamp()"""
    return f"""SELECT 1 FROM integration_client k
         WHERE k.id = {arg(check.subject_id)} AND k.access_version = {arg(check.access_version)}
           AND k.disabled_at IS NULL AND k.deleted_at IS NULL"""


def access_cte(check: AccessCheck, arg: Callable[[object], str]) -> str:
    """``access AS (...)``: one row when the check holds, none otherwise."""
    return f"access AS (\n        {access_select(check, arg)})"


def access_is_live_sql(check: AccessCheck) -> tuple[str, list[Any]]:
    """The check alone: ``SELECT EXISTS (...)`` and its arguments (the same text for every
    token of a kind, so the driver prepares it once)."""
    args: list[Any] = []

    def arg(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    return f"SELECT EXISTS ({access_select(check, arg)})", args
