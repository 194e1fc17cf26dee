"""The first-start hint: how to create the first administrator, logged when the served
database has no user. A lone `serve` and the supervisor of `serve --workers N` log it;
it is apart from serve.py because server/workers.py imports it, and serve.py imports
server/workers.py."""

from __future__ import annotations

import logging
import time


def first_start_hint() -> None:
    """Logs how to create the first administrator when the served database has no user."""
    from server.storage import admin
    from server.storage.db import connection, database

    deadline = time.monotonic() + 60
    while True:  # once the server has opened the database and migrated it
        try:
            if database.obj is not None:
                with connection():
                    empty = admin.count_users() == 0
                break
        except Exception:  # noqa: BLE001 - a hint only; the server reports database trouble itself
            pass
        if time.monotonic() > deadline:
            return
        time.sleep(0.2)
    if empty:
        logging.getLogger("datastore").warning(
            "the database has no users: create the first administrator with "
            "'datastore init --admin NAME [--password-stdin]' (prints a token) or "
            "'datastore user add NAME --password-stdin --admin --global-data'"
        )
