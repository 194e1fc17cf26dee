"""Encryption of DHIS2 values stored with `?encrypt=true`: AES-256-GCM (cryptography).

The key comes from the server's settings (env DATASTORE_ENCRYPTION_KEY: 32 bytes as
base64 or 64 hex digits) and never touches the database. Each value gets a fresh
96-bit nonce; the entry's uid is the associated data, so a ciphertext copied onto
another entry fails to decrypt instead of showing the wrong value. Stored form:
"v1.<key id>.<base64(nonce | ciphertext+tag)>"; the key id (first 8 hex digits of the
key's SHA-256) makes a wrong or rotated key a clear error rather than garbage.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from server.domain.errors import DomainError, FailedPrecondition

ENV = "DATASTORE_ENCRYPTION_KEY"


def parse_key(text: str) -> bytes:
    text = text.strip()
    try:
        key = bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        raise ValueError(f"{ENV} must be 32 bytes as base64 or 64 hex digits") from None
    if len(key) != 32:
        raise ValueError(f"{ENV} must be 32 bytes (AES-256), got {len(key)}")
    return key


class Cipher:
    def __init__(self, key: bytes | None) -> None:
        self._aead = AESGCM(key) if key else None
        self.key_id = hashlib.sha256(key).hexdigest()[:8] if key else ""

    @classmethod
    def from_setting(cls, text: str | None) -> Cipher:
        return cls(parse_key(text) if text else None)

    def _require(self) -> AESGCM:
        if self._aead is None:
            raise FailedPrecondition(
                f"encryption is not configured on this server (set {ENV} to a 32-byte key)",
                reason="ENCRYPTION_NOT_CONFIGURED",
            )
        return self._aead

    def encrypt(self, value: Any, associated: str) -> str:
        aead = self._require()
        nonce = os.urandom(12)
        sealed = aead.encrypt(nonce, json.dumps(value, separators=(",", ":")).encode(), associated.encode())
        return f"v1.{self.key_id}.{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, associated: str) -> Any:
        aead = self._require()
        version, key_id, payload = (token.split(".", 2) + ["", ""])[:3]
        if version != "v1" or key_id != self.key_id:
            raise _undecryptable("it was encrypted with another key")
        raw = base64.b64decode(payload)
        try:
            return json.loads(aead.decrypt(raw[:12], raw[12:], associated.encode()))
        except InvalidTag:
            raise _undecryptable("its ciphertext does not verify") from None


def _undecryptable(why: str) -> DomainError:
    return FailedPrecondition(f"the encrypted value cannot be decrypted: {why}", reason="DECRYPTION_FAILED")
