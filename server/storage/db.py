"""The database handle: one DatabaseProxy, initialised from a URL at start-up.

URLs: sqlite:///path, sqlite:///:memory:, postgresql://user:pw@host:port/db.
SQLite runs in WAL mode with foreign keys on, a busy timeout and synchronous=FULL
(durable; `--durability relaxed` chooses NORMAL); PostgreSQL goes through
psycopg 3 with a connection pool (playhouse.pool) sized for the server's worker threads.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from urllib.parse import urlparse

import peewee
from playhouse import db_url

from server import observability
from server.domain.errors import InvalidArgument, Unavailable
from server.storage.group_commit import WalSync

database = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,  # ms to wait for the single writer lock
    "synchronous": "full",  # durable: a commit is fsynced before it is acknowledged
    "cache_size": -32_000,  # 32 MB page cache per connection
}
# SQLite's synchronous pragma per durability (`datastore serve --durability`): "relaxed"
# (NORMAL, WAL) loses no data on a crash of the process, but may lose the last commits
# on power loss or an OS crash.
SYNCHRONOUS = {"durable": "full", "relaxed": "normal"}


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


def make_database(
    url: str, *, max_connections: int = 32, durability: str | None = None, group_commit: bool = False
) -> peewee.Database:
    """group_commit (the server, durable SQLite): commits skip SQLite's own fsync and each
    call that wrote waits on one shared fsync before it answers (`group_commit.py`)."""
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        durability = durability or "durable"
        if durability not in SYNCHRONOUS:
            raise ValueError(f"durability must be durable or relaxed, got {durability!r}")
        grouped = group_commit and durability == "durable" and not _in_memory(url)
        synchronous = "normal" if grouped else SYNCHRONOUS[durability]
        db = db_url.connect(url, pragmas={**SQLITE_PRAGMAS, "synchronous": synchronous})
        db.wal_sync = WalSync(db.database, _observe_sync) if grouped else None
        return db
    if scheme in ("postgresql", "postgres"):
        # Pooled, so the per-call connection of every worker thread is reused; the Ext
        # flavour for server-side (named) cursors, which stream big results (storage/entries.py iter_entries).
        pooled = url.replace(f"{scheme}://", "postgresext+pool://", 1)
        return db_url.connect(pooled, max_connections=max_connections, stale_timeout=300)
    raise ValueError(f"unsupported database URL scheme {scheme!r}: use sqlite:///path or postgresql://…")


def _in_memory(url: str) -> bool:
    path = urlparse(url).path
    return path in ("", "/", "/:memory:") or "mode=memory" in url


def _observe_sync(callers: int, seconds: float) -> None:
    observability.WAL_SYNCS.inc()
    observability.WAL_SYNC_CALLERS.observe(callers)
    observability.WAL_SYNC_SECONDS.observe(seconds)


def write_mark() -> int:
    """How many rows this thread's connection has changed so far (SQLite; 0 elsewhere):
    taken before a call, it tells afterwards whether the call wrote."""
    wal_sync = getattr(database.obj, "wal_sync", None)
    return database.connection().total_changes if wal_sync is not None else 0


def settle(mark: int) -> None:
    """With group commit: if the call wrote since `mark`, waits until its commits are on
    disk. Raises Unavailable if the fsync fails (the outcome is then unknown)."""
    wal_sync = getattr(database.obj, "wal_sync", None)
    if wal_sync is None or database.connection().total_changes == mark:
        return
    try:
        wal_sync.sync()
    except OSError as exc:
        raise Unavailable("the write could not be made durable; retry", reason="DATABASE_UNAVAILABLE") from exc


def is_sqlite() -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


def write_transaction() -> contextlib.AbstractContextManager:
    """A transaction for read-then-write work.

    Deviation from a plain atomic(): on SQLite a deferred transaction that reads and
    then writes fails with SQLITE_BUSY (no retry) when another writer committed in
    between; BEGIN IMMEDIATE takes the write lock up front and waits on busy_timeout.
    Nested use becomes a savepoint, as with atomic().
    """
    if is_sqlite() and database.transaction_depth() == 0:
        return database.atomic("IMMEDIATE")
    return database.atomic()


def ensure_connection() -> None:
    """Opens this worker thread's connection if needed (kept open between calls)."""
    database.connect(reuse_if_open=True)


@contextlib.contextmanager
def connection_errors() -> Iterator[None]:
    """Turns a lost or refused database connection into Unavailable (retryable) and
    drops the broken connections, so calls recover by themselves once the database is
    back instead of failing on dead pooled connections.

    Also the safety net for values the database refuses (DataError): PostgreSQL stores
    no NUL character in text or in jsonb strings, which SQLite accepts. The transaction
    has rolled back, so nothing was written; the caller gets INVALID_ARGUMENT naming
    the problem instead of an internal error (found by the schemathesis fuzz test)."""

    try:
        yield
    except peewee.DataError as exc:
        detail = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip()) or type(exc).__name__
        raise InvalidArgument(
            f"the database cannot store or compare a value: {detail}", reason="INVALID_VALUE"
        ) from exc
    except (peewee.OperationalError, peewee.InterfaceError) as exc:
        _discard_connections()
        raise Unavailable("the database is unavailable; retry shortly", reason="DATABASE_UNAVAILABLE") from exc


def _discard_connections() -> None:
    db = database.obj
    try:
        if hasattr(db, "manual_close"):  # pooled: close ours for good, and the idle ones
            db.manual_close()
            db.close_idle()
        else:
            db.close()
    except Exception:  # noqa: BLE001 - the connection is already broken; nothing to save
        pass


@contextlib.contextmanager
def connection() -> Iterator[None]:
    """A connection for code outside the RPC path (CLI, sweeper)."""
    with database.connection_context():
        yield


@contextlib.contextmanager
def exclusive(lock_id: int) -> Iterator[bool]:
    """Yields True for the one holder of lock_id among all servers on this database.

    PostgreSQL: a session advisory lock, taken without waiting (several servers share one
    database; only one runs the job, the others skip this round). SQLite: one file, one
    machine; concurrent writers already serialize, so every caller may proceed.
    """
    if is_sqlite():
        yield True
        return
    acquired = database.execute_sql("SELECT pg_try_advisory_lock(%s)", (lock_id,)).fetchone()[0]
    try:
        yield bool(acquired)
    finally:
        if acquired:
            database.execute_sql("SELECT pg_advisory_unlock(%s)", (lock_id,))


def now_ms() -> int:
    return int(time.time() * 1000)


def ping() -> bool:
    """True when the database answers a trivial query now (used by health checks)."""

    try:
        with connection_errors(), connection():
            database.execute_sql("SELECT 1").fetchone()
        return True
    except (Unavailable, peewee.DatabaseError, OSError):
        return False


def pool_sizes() -> tuple[int, int] | None:
    """(in use, idle) connections of a pooled database; None without a pool."""
    db = database.obj
    if db is None or not hasattr(db, "_in_use"):
        return None
    return len(db._in_use), len(db._connections)
