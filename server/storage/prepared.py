"""Build-once SQL for the hottest statements (get one entry, put one entry).

Peewee regenerates a query's SQL text on every execution; on the Get path that was more
than half of the server's time. A Statement asks Peewee to build the query once per
database, with sentinel parameter values, records which positional parameter is which
argument, and afterwards re-executes the same SQL with new arguments. The SQL still
comes from Peewee (one source for SQLite and PostgreSQL); only its rendering is reused.

Not a data cache, so not in the cache registry (server/storage/cache.py): SQL text per
database holds nothing that a write could make stale.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import peewee

from server.storage.db import database

INT, STR, JSON = "int", "str", "json"
_SENTINEL_BASE = -7_310_000_000_000_000


class Statement:
    def __init__(self, build: Callable[..., peewee.Query], **kinds: str) -> None:
        self.build = build
        self.kinds = kinds
        self._compiled: dict[int, tuple[str, list[tuple[str | None, Any]]]] = {}
        self._lock = threading.Lock()

    def _sentinels(self) -> dict[str, Any]:
        out = {}
        for i, (name, kind) in enumerate(self.kinds.items()):
            out[name] = _SENTINEL_BASE - i if kind == INT else f"\x00sentinel:{name}\x00"
        return out

    def _slot_for(self, param: Any, sentinels: dict[str, Any]) -> tuple[str | None, Any]:
        """(argument name, how to bind it) for one bound parameter of the sentinel query."""
        for name, sentinel in sentinels.items():
            if self.kinds[name] == JSON:
                # SQLite binds the JSON text (inside json(?)); PostgreSQL a psycopg Jsonb.
                if isinstance(param, str) and param == json.dumps(sentinel):
                    return name, json.dumps
                if getattr(param, "obj", None) == sentinel:
                    return name, type(param)
            elif type(param) is type(sentinel) and param == sentinel:
                return name, None
        return None, None

    def _compile(self) -> tuple[str, list[tuple[str | None, Any]]]:
        key = id(database.obj)
        compiled = self._compiled.get(key)
        if compiled is None:
            sentinels = self._sentinels()
            sql, params = self.build(**sentinels).sql()
            slots = []
            for p in params:
                name, bind = self._slot_for(p, sentinels)
                slots.append((name, bind) if name else (None, p))
            missing = set(sentinels) - {name for name, _ in slots}
            if missing:  # pragma: no cover - a programming error, caught by any test
                raise RuntimeError(f"prepared statement lost parameters {sorted(missing)}")
            with self._lock:
                compiled = self._compiled[key] = (sql, slots)
        return compiled

    def execute(self, **args: Any) -> list[tuple]:
        sql, slots = self._compile()
        params = []
        for name, fixed_or_bind in slots:
            if name is None:
                params.append(fixed_or_bind)  # a constant of the query itself
            elif fixed_or_bind is not None:
                params.append(fixed_or_bind(args[name]))  # JSON: bound as the driver wants
            else:
                params.append(args[name])
        cursor = database.execute_sql(sql, params)
        return cursor.fetchall()
