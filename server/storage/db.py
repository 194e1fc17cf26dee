"""The database handle: one DatabaseProxy, initialised from a URL at start-up.

URLs: sqlite:///path, sqlite:///:memory:, postgresql://user:pw@host:port/db.
SQLite runs in WAL mode with foreign keys on and a busy timeout; PostgreSQL goes through
psycopg 3 with a connection pool (playhouse.pool) sized for the server's worker threads.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from urllib.parse import urlparse

import peewee
from playhouse import db_url

database = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,  # ms to wait for the single writer lock
    "synchronous": "normal",  # durable in WAL mode except on power loss
    "cache_size": -32_000,  # 32 MB page cache per connection
}


class BaseModel(peewee.Model):
    class Meta:
        database = database
        legacy_table_names = False


def make_database(url: str, *, max_connections: int = 32) -> peewee.Database:
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        return db_url.connect(url, pragmas=SQLITE_PRAGMAS)
    if scheme in ("postgresql", "postgres"):
        # Pooled, so the per-call connection of every worker thread is reused.
        pooled = url.replace(f"{scheme}://", "postgres+pool://", 1)
        return db_url.connect(pooled, max_connections=max_connections, stale_timeout=300)
    raise ValueError(f"unsupported database URL scheme {scheme!r}: use sqlite:///path or postgresql://…")


def init_database(url: str, *, max_connections: int = 32) -> peewee.Database:
    """Points the proxy at `url` and brings the schema up to date."""
    from server.storage.migrations import migrate_to_latest

    db = make_database(url, max_connections=max_connections)
    database.initialize(db)
    with database.connection_context():
        migrate_to_latest(db)
    return db


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
def connection() -> Iterator[None]:
    """A connection for code outside the RPC path (CLI, sweeper)."""
    with database.connection_context():
        yield


def now_ms() -> int:
    return int(time.time() * 1000)
