"""Where the DHIS2 encryption key lives, and key files.

Resolution, first match wins (the server and the admin commands use the same rules,
so `datastore encryption rotate` finds the key the server uses):

1. DATASTORE_ENCRYPTION_KEY (env): that key; nothing is written anywhere.
2. DATASTORE_ENCRYPTION_KEY_FILE (env) or `--encryption-key-file`: that file.
3. SQLite database file `path/x.db`: the file `path/x.db.key` beside it.
4. `sqlite:///:memory:`: a random key kept in memory (the data dies with the process).
5. PostgreSQL without 1 or 2: no key. Several servers share one PostgreSQL, and a key
   each of them generated for itself would differ, so `?encrypt=true` is refused with a
   message naming the two settings.

A key file that does not exist yet is generated on the first `?encrypt=true` (never
before: a server that is never asked to encrypt writes no file): 32 random bytes as 64
hex digits, mode 0600, created atomically (written to a temporary file, then hard-linked
to its name, which fails if the name exists), so processes racing to create it end up
with one key; the winner logs a warning once. It is not generated when the database
already holds encrypted values (the key was lost: restore it from the backup).

During a rotation `<key file>.old` holds the previous key; servers read it too, and
notice a new key file (os.stat on every encryption, a reread when a ciphertext names a
key id they do not know), so running servers keep working throughout.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from urllib.parse import urlparse

from server.config import Settings
from server.domain.errors import FailedPrecondition
from server.services.crypto import ENV, NOT_CONFIGURED, StaticKeys, key_id, parse_key, parse_keys

log = logging.getLogger(__name__)

FILE_ENV = f"{ENV}_FILE"
OLD_ENV = "DATASTORE_ENCRYPTION_OLD_KEYS"
POSTGRES_MISSING = (
    "encryption needs a key shared by every server on this PostgreSQL database: set "
    f"{ENV} (32 bytes, base64 or hex) or {FILE_ENV} (a file, generated on first use if missing) "
    "on every server"
)


def sqlite_path(db_url: str) -> str | None:
    """The database file of a sqlite:/// URL; "" for an in-memory one; None otherwise."""
    parsed = urlparse(db_url)
    if parsed.scheme != "sqlite":
        return None
    path = parsed.path[1:]
    return "" if path in ("", ":memory:") else path


def key_file_for(settings: Settings) -> str | None:
    """The key file the settings name, or the one beside a SQLite database file."""
    if settings.encryption_key_file:
        return settings.encryption_key_file
    path = sqlite_path(settings.db_url)
    return f"{path}.key" if path else None


def old_path(path: str) -> str:
    return f"{path}.old"


# ---------------------------------------------------------------- key files


def _key_text(key: bytes) -> bytes:
    return (key.hex() + "\n").encode()


def _temp_with(directory: str, key: bytes) -> str:
    fd, tmp = tempfile.mkstemp(prefix=".datastore-key-", dir=directory)  # O_CREAT|O_EXCL, mode 0600
    try:
        os.write(fd, _key_text(key))
        os.fsync(fd)
    finally:
        os.close(fd)
    return tmp


def _sync_dir(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_key_file(path: str, key: bytes) -> bool:
    """Writes `key` to `path` unless it exists; True if this call created it. The name
    appears with its whole content or not at all."""
    directory = os.path.dirname(os.path.abspath(path))
    tmp = _temp_with(directory, key)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links: O_EXCL on the name itself
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        try:
            os.write(fd, _key_text(key))
            os.fsync(fd)
        finally:
            os.close(fd)
    finally:
        os.unlink(tmp)
    _sync_dir(directory)
    return True


def replace_key_file(path: str, key: bytes) -> None:
    """Atomically replaces (or creates) `path` with `key`, mode 0600."""
    directory = os.path.dirname(os.path.abspath(path))
    os.replace(_temp_with(directory, key), path)
    _sync_dir(directory)


def read_key_file(path: str) -> bytes | None:
    """The key in `path`, None if there is no such file; ValueError if it is not a key.
    An empty file is waited for briefly (another process writing it without hard links)."""
    for _ in range(20):
        try:
            with open(path) as f:
                text = f.read()
        except FileNotFoundError:
            return None
        if text.strip():
            return parse_key(text, f"the key file {path}")
        time.sleep(0.05)
    return parse_key("", f"the key file {path}")


# ------------------------------------------------------------- server keys


class FileKeys:
    """A key file (and its `.old` during a rotation), read lazily, generated on the first
    encryption if missing, reread when it changes or names an unknown key id."""

    def __init__(
        self, path: str, others: Iterable[bytes] = (), guard: Callable[[], None] | None = None, create: bool = True
    ) -> None:
        self.path = path
        self._guard = guard
        self._create = create
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._current: bytes | None = None
        self._known: dict[str, bytes] = {key_id(k): k for k in others}  # never forgotten while running

    def describe(self) -> str:
        exists = _stamp(self.path) is not None
        return f"key file {os.path.abspath(self.path)}" + ("" if exists else " (generated on first use)")

    def current(self) -> bytes:
        stamp = _stamp(self.path)
        if stamp is not None and stamp == self._stamp and self._current is not None:
            return self._current
        with self._lock:
            if _stamp(self.path) is None:
                self._generate()
            self._load()
            assert self._current is not None
            return self._current

    def find(self, kid: str) -> bytes | None:
        key = self._known.get(kid)
        if key is None:
            with self._lock:
                if _stamp(self.path) is not None:
                    self._load()
            key = self._known.get(kid)
        return key

    def _load(self) -> None:
        try:
            key = read_key_file(self.path)
            old = read_key_file(old_path(self.path))
            stamp = _stamp(self.path)
        except (OSError, ValueError) as exc:
            raise _key_error(f"the encryption key cannot be read: {exc}") from None
        if key is None:
            raise _key_error(f"the encryption key file {self.path} has disappeared; restore it from the backup")
        if stamp and stamp[3] & 0o077 and stamp != self._stamp:
            log.warning(
                "encryption key file %s is readable by other users (mode %o); chmod 600 it", self.path, stamp[3]
            )
        if key != self._current and self._current is not None:
            log.info("encryption key file %s changed: now encrypting with key id %s", self.path, key_id(key))
        for k in (key, old):
            if k is not None:
                self._known[key_id(k)] = k
        self._current, self._stamp = key, stamp

    def _generate(self) -> None:
        if self._current is not None:
            raise _key_error(f"the encryption key file {self.path} has disappeared; restore it from the backup")
        if not self._create:
            raise _key_error(f"there is no encryption key file {self.path}")
        if self._guard is not None:
            self._guard()
        try:
            created = create_key_file(self.path, os.urandom(32))
        except OSError as exc:
            raise _key_error(f"cannot create the encryption key file {self.path}: {exc}") from None
        if created:
            log.warning(
                "generated a new encryption key for DHIS2 ?encrypt=true values in %s (mode 0600); back it up "
                "together with the database: without it the encrypted values cannot be read",
                os.path.abspath(self.path),
            )


def _stamp(path: str) -> tuple | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size, stat.S_IMODE(st.st_mode))


def _key_error(message: str) -> FailedPrecondition:
    return FailedPrecondition(message, reason="ENCRYPTION_KEY_UNAVAILABLE")


def key_source(settings: Settings, guard: Callable[[], None] | None = None):
    """The Keys of a server with these settings (see the module docstring)."""
    others = parse_keys(settings.encryption_old_keys, OLD_ENV)
    if settings.encryption_key:
        return StaticKeys(parse_key(settings.encryption_key), others)
    path = key_file_for(settings)
    if path:
        return FileKeys(path, others, guard)
    if sqlite_path(settings.db_url) == "":
        return StaticKeys(os.urandom(32), others, source="a random key in memory (in-memory database)")
    missing = POSTGRES_MISSING if urlparse(settings.db_url).scheme.startswith("postgres") else NOT_CONFIGURED
    return StaticKeys(None, others, missing=missing)


def no_encrypted_values_guard() -> None:
    """Refuses to generate a key while the database holds encrypted values: their key
    was lost, and a new one would hide that until they are read."""
    from server.storage import secrets

    count = secrets.count_encrypted()
    if count:
        raise _key_error(
            f"the database holds {count} encrypted value(s) but their key is missing: restore the key file "
            f"from the backup (or set {ENV} / {FILE_ENV}); no new key was generated"
        )
