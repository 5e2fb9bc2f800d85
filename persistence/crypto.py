"""Encryption of personal data at rest, in the application, and blind indexes for lookups.

Sealed value layout: ``b"\\x01" | len(kid) | kid | 12-byte nonce | AES-256-GCM ciphertext+tag``.
The associated data binds a value to its place, ``table|column|row``: a ciphertext copied to
another row or column fails to open. Several keys can open (during a rotation); one seals.

Blind indexes let a query find an exact value without storing it: HMAC-SHA256 under a separate
key, over the organisation, the purpose and the normalised value. Equal inputs match inside one
organisation only, and the index reveals nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = 1
NONCE_BYTES = 12
KEY_BYTES = 32


class DecryptionError(Exception):
    """A sealed value could not be opened: unknown key, or not the value of this place."""


def decode_key(text: str) -> bytes:
    """A 256-bit key from its base64 text (standard or URL-safe)."""
    padded = text.strip() + "=" * (-len(text.strip()) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
    except ValueError as exc:
        raise ValueError("an encryption key must be base64 text") from exc
    if len(raw) != KEY_BYTES:
        raise ValueError("an encryption key must be 32 bytes (256 bits)")
    return raw


def new_key_text() -> str:
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip("=")


@dataclass(frozen=True)
class Place:
    """Where a sealed value lives: its table, column and row."""

    table: str
    column: str
    row: UUID | str

    def associated_data(self) -> bytes:
        return f"{self.table}|{self.column}|{self.row}".encode()


class FieldCipher:
    def __init__(self, keys: Mapping[str, bytes], active_kid: str, index_key: bytes) -> None:
        if active_kid not in keys:
            raise ValueError("the active data key is not among the keys")
        if len(index_key) != KEY_BYTES:
            raise ValueError("the blind index key must be 32 bytes")
        for kid in keys:
            if not 0 < len(kid.encode()) < 256:
                raise ValueError("key ids are 1 to 255 bytes")
        self._keys = {kid: AESGCM(key) for kid, key in keys.items()}
        self.active_kid = active_kid
        self._index_key = index_key

    # -- sealing ----------------------------------------------------------------------------
    def seal(self, plaintext: bytes, place: Place) -> bytes:
        kid = self.active_kid.encode()
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self.active_kid].encrypt(nonce, plaintext, place.associated_data())
        return bytes([FORMAT_VERSION, len(kid)]) + kid + nonce + sealed

    def open(self, sealed: bytes, place: Place) -> bytes:
        kid, nonce, body = self._split(sealed)
        key = self._keys.get(kid)
        if key is None:
            raise DecryptionError("the value was sealed with a key that is not configured")
        try:
            return key.decrypt(nonce, body, place.associated_data())
        except InvalidTag as exc:
            raise DecryptionError("the value does not belong here or was altered") from exc

    def seal_json(self, value: Any, place: Place) -> bytes:
        return self.seal(json.dumps(value, separators=(",", ":"), default=str).encode(), place)

    def open_json(self, sealed: bytes, place: Place) -> Any:
        return json.loads(self.open(sealed, place))

    def seal_text(self, value: str | None, place: Place) -> bytes | None:
        return None if value is None else self.seal(value.encode(), place)

    def open_text(self, sealed: bytes | None, place: Place) -> str | None:
        return None if sealed is None else self.open(sealed, place).decode()

    def key_id(self, sealed: bytes) -> str:
        return self._split(sealed)[0]

    def needs_rotation(self, sealed: bytes) -> bool:
        return self.key_id(sealed) != self.active_kid

    def reseal(self, sealed: bytes, place: Place) -> bytes:
        """The value sealed again under the active key."""
        return self.seal(self.open(sealed, place), place)

    @staticmethod
    def _split(sealed: bytes) -> tuple[str, bytes, bytes]:
        if len(sealed) < 2 or sealed[0] != FORMAT_VERSION:
            raise DecryptionError("not a sealed value")
        kid_end = 2 + sealed[1]
        if len(sealed) < kid_end + NONCE_BYTES + 16:
            raise DecryptionError("not a sealed value")
        kid = sealed[2:kid_end].decode()
        return kid, sealed[kid_end : kid_end + NONCE_BYTES], sealed[kid_end + NONCE_BYTES :]

    # -- blind indexes ----------------------------------------------------------------------
    def blind_index(self, organization_id: UUID, purpose: str, normalized: str) -> bytes:
        message = f"{organization_id}|{purpose}|{normalized}".encode()
        return hmac.new(self._index_key, message, hashlib.sha256).digest()
