"""The retention sweeper: deletes expired entries in the background.

Reads already hide expired entries at once (entry_repo._alive), so the sweeper only
reclaims space; running late or twice is harmless.
"""

from __future__ import annotations

import logging
import threading

from server import observability
from server.storage import entries as entry_repo
from server.storage import users as user_repo
from server.storage.db import connection, connection_errors, exclusive, now_ms

SWEEP_LOCK_ID = 0x73776565  # 'swee'

log = logging.getLogger(__name__)


class Sweeper:
    def __init__(self, interval_s: float = 60.0) -> None:
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="retention-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def sweep_once(self) -> int:
        """One round; with several servers on one database only one of them sweeps."""
        with connection(), connection_errors(), exclusive(SWEEP_LOCK_ID) as mine:
            if not mine:
                return 0
            removed = entry_repo.sweep_expired(now_ms())
            user_repo.delete_expired_tokens(now_ms())
        observability.SWEEPS.inc()
        observability.SWEPT.inc(removed)
        return removed

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                removed = self.sweep_once()
                if removed:
                    log.info("retention sweeper removed %d expired entries", removed)
            except Exception:  # keep sweeping; the next round retries
                log.exception("retention sweep failed")
