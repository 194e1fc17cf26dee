"""Encryption of DHIS2 values stored with `?encrypt=true`: AES-256-GCM (cryptography).

Keys are 32 bytes (base64 or 64 hex digits) and never touch the database; where they
come from (DATASTORE_ENCRYPTION_KEY, a key file, generated on first use) is decided in
server/services/keyfiles.py. Each value gets a fresh 96-bit nonce; the entry's uid is the
associated data, so a ciphertext copied onto another entry fails to decrypt instead of
showing the wrong value. Stored form: "v1.<key id>.<base64(nonce | ciphertext+tag)>";
the key id (`key_id`: first 8 hex digits of the key's SHA-256) picks the key to decrypt
with, so values under an old key stay readable while a rotation
(server/services/rotation.py) re-encrypts them, and a missing key is a clear error
rather than garbage.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Iterable
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from server.domain.errors import DomainError, FailedPrecondition

ENV = "DATASTORE_ENCRYPTION_KEY"
VERSION = "v1"
NOT_CONFIGURED = f"encryption is not configured on this server (set {ENV} or {ENV}_FILE)"


def parse_key(text: str, what: str = ENV) -> bytes:
    text = text.strip()
    try:
        key = bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        raise ValueError(f"{what} must be 32 bytes as base64 or 64 hex digits") from None
    if len(key) != 32:
        raise ValueError(f"{what} must be 32 bytes (AES-256), got {len(key)}")
    return key


def parse_keys(text: str | None, what: str) -> list[bytes]:
    """Several keys separated by commas or white space (DATASTORE_ENCRYPTION_OLD_KEYS)."""
    return [parse_key(part, what) for part in (text or "").replace(",", " ").split()]


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def token_key_id(token: str) -> str:
    """The key id a stored ciphertext names ("" if it is not in the v1 form)."""
    version, kid, _ = (token.split(".", 2) + ["", ""])[:3]
    return kid if version == VERSION else ""


class Keys(Protocol):
    """Where a Cipher gets its keys: the one to encrypt with, and any by id to decrypt."""

    def current(self) -> bytes: ...  # raises FailedPrecondition when there is none

    def find(self, kid: str) -> bytes | None: ...

    def describe(self) -> str: ...


class StaticKeys:
    """Keys fixed for the life of the process (env settings, tests, a rotation's ring)."""

    def __init__(
        self, current: bytes | None, others: Iterable[bytes] = (), missing: str = NOT_CONFIGURED, source: str = ENV
    ) -> None:
        self._current = current
        self._known = {key_id(k): k for k in (*others, *([current] if current else []))}
        self._missing = missing
        self._source = source

    def current(self) -> bytes:
        if self._current is None:
            raise FailedPrecondition(self._missing, reason="ENCRYPTION_NOT_CONFIGURED")
        return self._current

    def find(self, kid: str) -> bytes | None:
        return self._known.get(kid)

    def describe(self) -> str:
        return self._source if self._current else f"no key: {self._missing}"


class Cipher:
    def __init__(self, key: bytes | None = None, *, keys: Keys | None = None) -> None:
        self.keys: Keys = keys if keys is not None else StaticKeys(key)
        self._aeads: dict[bytes, AESGCM] = {}

    @classmethod
    def from_setting(cls, text: str | None) -> Cipher:
        return cls(parse_key(text) if text else None)

    def _aead(self, key: bytes) -> AESGCM:
        aead = self._aeads.get(key)
        if aead is None:
            aead = self._aeads[key] = AESGCM(key)
        return aead

    def encrypt(self, value: Any, associated: str) -> str:
        key = self.keys.current()
        nonce = os.urandom(12)
        sealed = self._aead(key).encrypt(nonce, json.dumps(value, separators=(",", ":")).encode(), associated.encode())
        return f"{VERSION}.{key_id(key)}.{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, associated: str) -> Any:
        kid = token_key_id(token)
        if not kid:
            raise undecryptable("it is not in a known ciphertext format")
        key = self.keys.find(kid)
        if key is None:
            raise undecryptable(
                f"it was encrypted with another key (id {kid}), which this server does not have"
                f" ({self.keys.describe()})"
            )
        try:
            raw = base64.b64decode(token.split(".", 2)[2], validate=True)
            return json.loads(self._aead(key).decrypt(raw[:12], raw[12:], associated.encode()))
        except (InvalidTag, ValueError, binascii.Error):
            raise undecryptable("its ciphertext does not verify") from None


def undecryptable(why: str) -> DomainError:
    return FailedPrecondition(f"the encrypted value cannot be decrypted: {why}", reason="DECRYPTION_FAILED")
