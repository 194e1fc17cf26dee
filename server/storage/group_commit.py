"""Group commit for durable writes on SQLite: one fsync for every call that committed
while the previous fsync ran, instead of one fsync per commit.

With `synchronous=FULL` SQLite fsyncs the write-ahead log inside each COMMIT while it
holds the one write lock, so concurrent writers queue behind each other's fsyncs. The
server's durable mode instead commits with `synchronous=NORMAL` (the WAL is written, not
yet synced) and, before a call that wrote anything answers, waits on `WalSync.sync()`:
the first waiter fsyncs the WAL file for everyone who committed before it started, the
ones arriving meanwhile wait for the next round. A caller is answered only after its
commit is on disk, as with FULL; what changes is that the fsync is shared and happens
outside the write lock. SQLite keeps the database consistent whatever the order of
those fsyncs (NORMAL's guarantee); the barrier adds "no acknowledged write is lost".

The WAL file is opened afresh for each fsync: SQLite deletes it when the last
connection closes (after checkpointing it into the database file, which it syncs), so
a descriptor kept open could point at a file no longer in use.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable


class WalSync:
    """Leader/follower group fsync of one SQLite database's WAL file."""

    def __init__(self, db_path: str, on_sync: Callable[[int, float], None] | None = None) -> None:
        self.wal_path = db_path + "-wal"
        self._on_sync = on_sync  # (callers covered, seconds) for metrics
        self._cond = threading.Condition()
        self._requested = 0  # tickets handed out
        self._synced = 0  # every ticket up to this one is on disk
        self._syncing = False

    def sync(self) -> None:
        """Returns once everything this thread committed before the call is on disk."""
        with self._cond:
            self._requested += 1
            ticket = self._requested
            while self._synced < ticket:
                if self._syncing:
                    self._cond.wait()
                    continue
                self._syncing = True
                covered, start = self._requested, time.perf_counter()
                self._cond.release()
                try:
                    self._fsync()
                finally:
                    self._cond.acquire()
                    self._syncing = False
                    self._cond.notify_all()
                if self._on_sync is not None:
                    self._on_sync(covered - self._synced, time.perf_counter() - start)
                self._synced = covered

    def _fsync(self) -> None:
        try:
            fd = os.open(self.wal_path, os.O_RDONLY)
        except FileNotFoundError:  # checkpointed into the database file and removed
            return
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
