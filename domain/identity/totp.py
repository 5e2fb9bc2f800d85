"""Time-based one-time passwords (RFC 6238, with pyotp) and recovery codes: the arithmetic of a
second factor, without storage.

Codes have 6 digits and change every 30 seconds. A code of the step before or after the
server's is accepted too (a phone's clock drifts); which step matched is returned so that the
caller can refuse that step, and every earlier one, from then on (no replay).

Recovery codes are 80 random bits written as four groups of four base32 letters; only their
SHA-256 digest is stored. (A keyed or slow hash protects guessable secrets; no search of 2^80
values undoes a digest, the reason refresh tokens and client secrets are kept the same way.)
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from collections.abc import Callable

import pyotp
from pyotp.exceptions import OTPVerificationError

DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1
ISSUER = "Shakti MIS"
RECOVERY_CODE_COUNT = 10
_CODE = re.compile(rf"[0-9]{{{DIGITS}}}")
_RECOVERY = re.compile(r"[a-z2-7]{16}")


class OneTimePasswords:
    """TOTP secrets, provisioning URIs and code checks, on an injectable clock."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock

    @staticmethod
    def new_secret() -> str:
        """A new shared secret: 160 random bits in base32 (RFC 4226's recommended length)."""
        return pyotp.random_base32()

    @staticmethod
    def provisioning_uri(secret: str, account: str) -> str:
        """The otpauth:// URI an authenticator app reads (usually from a QR code)."""
        return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
            name=account, issuer_name=ISSUER
        )

    def matching_step(self, secret: str, code: str) -> int | None:
        """The time step whose code ``code`` is (now, or one step either side), else None."""
        code = code.strip()
        if not _CODE.fullmatch(code):
            return None
        totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
        try:
            return totp.verify_and_get_timecode(
                code, for_time=self._clock(), valid_window=DRIFT_STEPS
            )
        except OTPVerificationError:
            return None


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Fresh recovery codes, e.g. ``k7qm-x2rt-5wfh-c3pv`` (80 random bits each)."""
    codes = []
    for _ in range(count):
        letters = base64.b32encode(secrets.token_bytes(10)).decode().lower()
        codes.append("-".join(letters[i : i + 4] for i in range(0, 16, 4)))
    return codes


def recovery_digest(code: str) -> bytes | None:
    """The stored digest of a recovery code as typed (case, spaces and dashes do not matter);
    None when it cannot be one."""
    normal = re.sub(r"[\s-]", "", code).lower()
    if not _RECOVERY.fullmatch(normal):
        return None
    return hashlib.sha256(normal.encode()).digest()
