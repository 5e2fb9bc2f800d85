"""Signing keys from configuration; in development, a key generated once under the data dir."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import SecretStr

from domain.common.settings import DEV_KEY_PREFIX, Environment, Settings
from domain.identity.tokens import KeyRing
from persistence.audit_chain import AuditKeys
from persistence.crypto import FieldCipher, decode_key, new_key_text


def generate_private_key_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_key_pem(private_pem: str) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _development_key(data_dir: Path) -> tuple[str, str]:
    """A key pair kept in ``data_dir/dev-secrets`` so that every worker and restart shares it."""
    folder = data_dir / "dev-secrets"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "jwt-es256.pem"
    if not path.exists():
        pem = generate_private_key_pem()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(pem)
    pem = path.read_text()
    kid = DEV_KEY_PREFIX + hashlib.sha256(pem.encode()).hexdigest()[:12]
    return kid, pem


def _development_data_keys(data_dir: Path) -> dict[str, str]:
    """A data key and a blind index key kept in ``data_dir/dev-secrets`` (created once)."""
    folder = data_dir / "dev-secrets"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "data-keys.json"
    if not path.exists():
        keys = {"kid": DEV_KEY_PREFIX + "data-1", "key": new_key_text(), "index": new_key_text()}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(keys, handle)
    loaded: dict[str, str] = json.loads(path.read_text())
    return loaded


def _development_audit_key(data_dir: Path) -> dict[str, str]:
    """An audit key kept in ``data_dir/dev-secrets`` (created once)."""
    folder = data_dir / "dev-secrets"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "audit-key.json"
    if not path.exists():
        keys = {"kid": DEV_KEY_PREFIX + "audit-1", "key": new_key_text()}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(keys, handle)
    loaded: dict[str, str] = json.loads(path.read_text())
    return loaded


def with_development_keys(settings: Settings) -> Settings:
    """Settings with generated development keys (token signing, data encryption, blind
    index, audit chain) for those not configured.

    Only in development; production settings are returned unchanged (and refused elsewhere).
    """
    if settings.env is not Environment.development:
        return settings
    update: dict[str, object] = {}
    if not settings.jwt_signing_keys:
        kid, pem = _development_key(settings.data_dir)
        update.update({"jwt_signing_keys": {kid: SecretStr(pem)}, "jwt_active_kid": kid})
    if not settings.data_keys or settings.blind_index_key is None:
        dev = _development_data_keys(settings.data_dir)
        if not settings.data_keys:
            update.update(
                {"data_keys": {dev["kid"]: SecretStr(dev["key"])}, "data_active_kid": dev["kid"]}
            )
        if settings.blind_index_key is None:
            update["blind_index_key"] = SecretStr(dev["index"])
    if not settings.audit_keys:
        audit = _development_audit_key(settings.data_dir)
        update.update(
            {
                "audit_keys": {audit["kid"]: SecretStr(audit["key"])},
                "audit_active_kid": audit["kid"],
            }
        )
    return settings.model_copy(update=update) if update else settings


def audit_keys_from_settings(settings: Settings) -> AuditKeys:
    """The audit keys the settings describe; raises ValueError when none is configured."""
    keys = {
        kid: decode_key(secret.get_secret_value()) for kid, secret in settings.audit_keys.items()
    }
    if not keys:
        raise ValueError("no audit key is configured (SHAKTI_AUDIT_KEYS)")
    active = settings.audit_active_kid or sorted(keys)[-1]
    if active not in keys:
        raise ValueError("SHAKTI_AUDIT_ACTIVE_KID names no key in SHAKTI_AUDIT_KEYS")
    return AuditKeys(keys, active)


def cipher_from_settings(settings: Settings) -> FieldCipher:
    """The field cipher the settings describe; raises ValueError when keys are missing."""
    keys = {
        kid: decode_key(secret.get_secret_value()) for kid, secret in settings.data_keys.items()
    }
    if not keys or settings.blind_index_key is None:
        raise ValueError("no data encryption keys are configured (SHAKTI_DATA_KEYS)")
    active = settings.data_active_kid or sorted(keys)[-1]
    return FieldCipher(keys, active, decode_key(settings.blind_index_key.get_secret_value()))


def keyring_from_settings(settings: Settings) -> KeyRing:
    """The key ring the settings describe; raises ValueError when no signing key is set."""
    keys = {kid: secret.get_secret_value() for kid, secret in settings.jwt_signing_keys.items()}
    if not keys:
        raise ValueError("no JWT signing key is configured (SHAKTI_JWT_SIGNING_KEYS)")
    active = settings.jwt_active_kid or sorted(keys)[-1]
    if active not in keys:
        raise ValueError("SHAKTI_JWT_ACTIVE_KID names no configured key")
    public = {kid: public_key_pem(pem) for kid, pem in keys.items() if kid != active}
    public.update(settings.jwt_verification_keys)
    return KeyRing(active, keys[active], public)
