"""Key rotation for DHIS2 encrypted values (`datastore encryption rotate`).

Every encrypted value whose ciphertext is not under the target key is decrypted with
whichever known key its key id names and encrypted again under the target key, in one
transaction per batch, walking the entry table in id order. A batch swaps a ciphertext
only if it is still the one it read (compare-and-set), so a concurrent DHIS2 update is
never overwritten; passes repeat until one finds nothing left. Resumable by design:
what is done is recognisable by its key id, so running the command again continues.

With a key file (SQLite's default, or DATASTORE_ENCRYPTION_KEY_FILE):
  1. the current key is kept as `<key file>.old` (created exclusively), then a new key
     atomically replaces the key file; servers see the new file at once (they stat it on
     every encryption) and read both while the rotation runs;
  2. after `settle` seconds (encryptions already under way land meanwhile) the values
     are re-encrypted;
  3. when none is left under another key, `.old` is deleted.
  If `.old` exists at the start, an earlier rotation was interrupted: it is finished
  (to the key now in the key file) instead of starting another.

With DATASTORE_ENCRYPTION_KEY the target is `--new-key` if given (then the servers must
be restarted with it, keeping the old one in DATASTORE_ENCRYPTION_OLD_KEYS until they
are), else DATASTORE_ENCRYPTION_KEY itself: values under DATASTORE_ENCRYPTION_OLD_KEYS
are moved to it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from server.config import Settings
from server.domain.errors import FailedPrecondition
from server.services import keyfiles
from server.services.crypto import Cipher, StaticKeys, key_id, parse_key, parse_keys, token_key_id
from server.storage import secrets
from server.storage.db import connection_errors, exclusive, write_transaction

DEFAULT_BATCH = 500
ROTATION_LOCK_ID = 0x726F7461  # 'rota': one rotation at a time per PostgreSQL database


@dataclass
class Outcome:
    key_id: str  # the target key's id
    reencrypted: int = 0
    batches: int = 0
    finished: bool = False
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Plan:
    target: bytes
    readers: tuple[bytes, ...]
    key_file: str | None  # with a key file: `.old` is deleted once done
    notes: tuple[str, ...] = ()


def _error(message: str) -> FailedPrecondition:
    return FailedPrecondition(message, reason="ROTATION_REFUSED")


def _fresh_key(avoid: set[str]) -> bytes:
    while True:
        key = os.urandom(32)
        if key_id(key) not in avoid:
            return key


def _file_plan(path: str, new_key: bytes | None, others: list[bytes], settle: float) -> _Plan | None:
    old_file = keyfiles.old_path(path)
    current, old = keyfiles.read_key_file(path), keyfiles.read_key_file(old_file)
    if current is None:
        if old is not None:
            raise _error(f"the key file {path} is missing but {old_file} exists: restore {path} from the backup")
        if secrets.count_encrypted():
            raise _error(f"the database holds encrypted values but the key file {path} is missing: restore it")
        return None  # nothing encrypted, no key yet: one is generated on first use
    notes: list[str] = []
    if old is not None and old != current:  # interrupted after the swap: finish it
        if new_key is not None and new_key != current:
            raise _error(
                f"a rotation to key id {key_id(current)} is unfinished ({old_file} exists): run "
                "`datastore encryption rotate` without --new-key to finish it, then rotate again"
            )
        notes.append(f"resuming the rotation from key id {key_id(old)} to {key_id(current)}")
        return _Plan(current, (current, old, *others), path, tuple(notes))
    if old is None and not keyfiles.create_key_file(old_file, current):
        raise _error(f"another rotation has just started ({old_file} appeared); let it finish")
    target = new_key or _fresh_key({key_id(current), *map(key_id, others)})
    if key_id(target) == key_id(current):
        raise _error("the new key is the current key")
    keyfiles.replace_key_file(path, target)
    notes.append(f"{path} now holds key id {key_id(target)}; the previous key {key_id(current)} is in {old_file}")
    if settle > 0:
        time.sleep(settle)  # encryptions that started with the previous key land first
    return _Plan(target, (target, current, *others), path, tuple(notes))


def plan(settings: Settings, new_key: bytes | None, settle: float) -> _Plan | None:
    others = parse_keys(settings.encryption_old_keys, keyfiles.OLD_ENV)
    if settings.encryption_key:
        current = parse_key(settings.encryption_key)
        target = new_key or current
        notes = ()
        if target != current:
            notes = (
                f"start every server with {keyfiles.ENV} set to the new key (id {key_id(target)}) and the old one"
                f" in {keyfiles.OLD_ENV} until all of them run with it",
            )
        return _Plan(target, (target, current, *others), None, notes)
    path = keyfiles.key_file_for(settings)
    if path is None:
        raise _error(
            keyfiles.POSTGRES_MISSING
            if not settings.db_url.startswith("sqlite")
            else "an in-memory database has no key to rotate"
        )
    return _file_plan(path, new_key, others, settle)


def reencrypt(
    target: bytes,
    readers: tuple[bytes, ...],
    *,
    batch_size: int = DEFAULT_BATCH,
    max_batches: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Outcome:
    """Moves every encrypted value to `target`; stops early (finished=False) after
    `max_batches` batches. Each batch is one transaction."""
    if batch_size < 1:
        raise ValueError("the batch size must be at least 1")
    cipher = Cipher(keys=StaticKeys(target, readers))
    kid = key_id(target)
    out = Outcome(kid)
    while True:  # passes over the table, until one finds nothing to move
        after, seen_in_pass = 0, 0
        while True:
            if max_batches is not None and out.batches >= max_batches:
                return out
            moved = 0
            with connection_errors(), write_transaction():
                rows = secrets.not_under(kid, after, batch_size)
                for entry_id, uid, secret in rows:
                    if cipher.keys.find(token_key_id(secret)) is None:
                        raise _error(
                            f"entry {uid} is encrypted with key id {token_key_id(secret) or '?'}, which is neither "
                            f"the key nor an old one: add that key to {keyfiles.OLD_ENV} and run again"
                        )
                    try:
                        plain = cipher.decrypt(secret, uid)
                    except FailedPrecondition as exc:
                        raise _error(f"entry {uid}: {exc.message}; nothing of this batch was changed") from None
                    moved += secrets.swap_secret(entry_id, secret, cipher.encrypt(plain, uid))
            if not rows:
                break
            after = rows[-1][0]
            out.batches += 1
            out.reencrypted += moved
            seen_in_pass += len(rows)
            if progress:
                progress(out.batches, moved)
        if seen_in_pass == 0:
            out.finished = True
            return out


def rotate(
    settings: Settings,
    new_key: bytes | None = None,
    *,
    batch_size: int = DEFAULT_BATCH,
    max_batches: int | None = None,
    settle: float = 2.0,
) -> Outcome:
    """The whole rotation (see the module docstring). Needs an initialised database
    and a connection (held throughout: on PostgreSQL it holds the rotation's lock)."""
    key_file = None if settings.encryption_key else keyfiles.key_file_for(settings)
    with connection_errors(), exclusive(ROTATION_LOCK_ID) as mine, _directory_lock(key_file):
        if not mine:
            raise _error("another `datastore encryption rotate` is running on this database")
        p = plan(settings, new_key, settle)
        if p is None:
            return Outcome("", finished=True, notes=("no key and no encrypted values: nothing to rotate",))
        out = reencrypt(p.target, p.readers, batch_size=batch_size, max_batches=max_batches)
        out.notes = p.notes + out.notes
        if out.finished and p.key_file:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(keyfiles.old_path(p.key_file))
    return out


@contextlib.contextmanager
def _directory_lock(key_file: str | None):
    """One rotation at a time per key file: flock on its directory (SQLite has no
    advisory locks; on PostgreSQL this adds to the database's lock)."""
    if key_file is None:
        yield
        return
    fd = os.open(os.path.dirname(os.path.abspath(key_file)), os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _error(f"another `datastore encryption rotate` is running on {key_file}") from None
        yield
    finally:
        os.close(fd)
