"""Short-lived caches of hot, rarely-changing lookups on the call path.

Every call authenticates and opens its store; without these, five of a Get's seven
queries would be re-reading the same token, user, grants and descriptor. Entries live
`ttl_s` seconds; changes made through this process invalidate at once, changes made
through another server process are seen within ttl_s (documented in the README).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

V = TypeVar("V")


class TTLCache(Generic[V]):
    def __init__(self, ttl_s: float, max_entries: int = 50_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._data: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        hit = self._data.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        return None

    def put(self, key: Hashable, value: V) -> V:
        with self._lock:
            if len(self._data) >= self.max_entries:
                self._data.clear()
            self._data[key] = (time.monotonic() + self.ttl_s, value)
        return value

    def get_or_load(self, key: Hashable, load: Callable[[], V]) -> V:
        hit = self.get(key)
        return hit if hit is not None else self.put(key, load())

    def invalidate(self, key: Hashable | None = None) -> None:
        with self._lock:
            if key is None:
                self._data.clear()
            else:
                self._data.pop(key, None)


CACHE_TTL_S = 2.0
# credential digest -> (Principal, token expiry or None)
principals: TTLCache[Any] = TTLCache(CACHE_TTL_S)
# store name -> Descriptor (live, non-deleted ones only)
descriptors: TTLCache[Any] = TTLCache(CACHE_TTL_S)
