"""Where attachments' bytes live, and how they are sealed.

**Storage.** One interface over obstore's stores: a local directory by default
(``LocalStore``), S3-compatible storage when configured (``S3Store``: AWS, MinIO, Ceph...), an
in-memory store in tests (``MemoryStore``). The service sees only :class:`AttachmentStorage`.
Objects are named by a random key that says nothing of the record or the person.

**Sealing (envelope encryption).** Each file is encrypted with AES-256-GCM under a key of its
own (256 random bits), bound to its attachment (associated data ``attachment|<id>``), so a
stored object copied under another attachment fails to open. The file key is sealed by the
data key (persistence/crypto.py, ``attachment.file_key_enc``): a rotation of the data key
re-seals 32 bytes per file and never rewrites the file. Object layout:
``b"\\x01" | 12-byte nonce | ciphertext+tag``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import obstore
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from obstore.store import LocalStore, S3Store

if TYPE_CHECKING:
    from obstore.store import S3Config

from persistence.crypto import KEY_BYTES, NONCE_BYTES, DecryptionError, FieldCipher, Place

FILE_FORMAT = 1
FILE_KEY_COLUMN = "file_key_enc"


def _file_key_place(attachment_id: UUID) -> Place:
    return Place("attachment", FILE_KEY_COLUMN, attachment_id)


def _associated_data(attachment_id: UUID) -> bytes:
    return f"attachment|{attachment_id}".encode()


def seal_file(cipher: FieldCipher, attachment_id: UUID, plaintext: bytes) -> tuple[bytes, bytes]:
    """(the file key sealed by the data key, the encrypted object) for one attachment."""
    file_key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    nonce = os.urandom(NONCE_BYTES)
    body = AESGCM(file_key).encrypt(nonce, plaintext, _associated_data(attachment_id))
    sealed_key = cipher.seal(file_key, _file_key_place(attachment_id))
    return sealed_key, bytes([FILE_FORMAT]) + nonce + body


def open_file(cipher: FieldCipher, attachment_id: UUID, sealed_key: bytes, stored: bytes) -> bytes:
    """The plaintext of a stored object. Raises DecryptionError (another attachment's
    object, an altered one, or a key not configured)."""
    file_key = cipher.open(sealed_key, _file_key_place(attachment_id))
    if len(stored) < 1 + NONCE_BYTES + 16 or stored[0] != FILE_FORMAT:
        raise DecryptionError("not a sealed attachment")
    nonce, body = stored[1 : 1 + NONCE_BYTES], stored[1 + NONCE_BYTES :]
    try:
        return AESGCM(file_key).decrypt(nonce, body, _associated_data(attachment_id))
    except InvalidTag as exc:
        raise DecryptionError("the stored file does not belong here or was altered") from exc


def _is_store(candidate: Any) -> bool:
    """Whether ``candidate`` is an obstore store rather than a function that makes one."""
    return hasattr(candidate, "put_async")


class AttachmentStorage:
    """Put, get and delete sealed objects by key, on any obstore store (made on first use, so
    that a process that never touches attachments never needs their directory or bucket)."""

    def __init__(self, store: Any | Callable[[], Any], description: str) -> None:
        self._make = store if callable(store) and not _is_store(store) else None
        self._store = None if self._make is not None else store
        self.description = description  # for logs: where, never what

    @property
    def store(self) -> Any:
        if self._store is None and self._make is not None:
            self._store = self._make()
        return self._store

    @classmethod
    def local(cls, directory: Path) -> AttachmentStorage:
        """A local directory, made private to the service's user (mode 700) on first use."""

        def make() -> LocalStore:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            return LocalStore(directory, mkdir=True)

        return cls(make, f"local directory {directory}")

    @classmethod
    def s3(
        cls,
        bucket: str,
        *,
        prefix: str = "",
        endpoint: str = "",
        region: str = "",
    ) -> AttachmentStorage:
        """S3-compatible storage. Credentials come from the standard AWS environment
        (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, or an
        instance role), never from the application's settings."""
        config: S3Config = {}
        if endpoint:
            config["endpoint"] = endpoint
        if region:
            config["region"] = region
        return cls(S3Store(bucket, prefix=prefix or None, config=config), f"s3 bucket {bucket}")

    async def put(self, key: str, data: bytes) -> None:
        await obstore.put_async(self.store, key, data)

    async def get(self, key: str) -> bytes:
        result = await obstore.get_async(self.store, key)
        return bytes(await result.bytes_async())

    async def delete(self, key: str) -> None:
        """Remove the object (a missing one is already gone)."""
        try:
            await obstore.delete_async(self.store, key)
        except FileNotFoundError:
            return
