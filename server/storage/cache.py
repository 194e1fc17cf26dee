"""What a server remembers of the database: one registry of every data cache.

Every call authenticates and opens its store; without caches, five of a Get's seven
queries would re-read the same token, user, grants and descriptor. The server object
(server/app.py) owns one CacheRegistry and hands it to the services it builds; a CLI
command builds its own. Nothing is cached at module level.

The staleness rule (README "Credentials" says the same):

    Data a server caches (principals, password checks, store descriptors, customer
    names, user references) is at most MAX_AGE_S (2 s) old when it is changed by
    another process on the same database (the CLI, another server, an import). A
    change made through this server is seen at once by its own later calls: the write
    invalidates the entries it affects, after its transaction commits.

Each cache is a cachetools TTLCache behind a lock (grpcio runs calls on a thread pool):
an entry lives MAX_AGE_S, and a full cache evicts its least recently used entry. A load
that raced with an invalidation is returned to its caller but not kept.

Not here: server/storage/prepared.py keeps SQL text per database, which cannot go stale.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

import cachetools

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MAX_AGE_S = 2.0
MAX_ENTRIES = 50_000
_MISS: Any = object()


class Cache(Generic[K, V]):
    """One thread-safe TTL + LRU cache; `generation` counts invalidations."""

    def __init__(self, name: str, max_age_s: float, max_entries: int, timer: Callable[[], float]) -> None:
        self.name = name
        self._data: cachetools.TTLCache = cachetools.TTLCache(max_entries, max_age_s, timer=timer)
        self._lock = threading.Lock()
        self._generation = 0

    def __len__(self) -> int:
        with self._lock:
            self._data.expire()
            return len(self._data)

    def __contains__(self, key: K) -> bool:
        with self._lock:
            return key in self._data

    def get_or_load(self, key: K, load: Callable[[], V]) -> V:
        """The cached value, else load() (kept unless invalidated meanwhile); a load that
        raises caches nothing."""
        with self._lock:
            hit = self._data.get(key, _MISS)
            generation = self._generation
        if hit is not _MISS:
            return hit
        value = load()
        self._keep({key: value}, generation)
        return value

    def get_many(self, keys: Iterable[K], load: Callable[[set[K]], dict[K, V]]) -> dict[K, V]:
        """The values of keys: the cached ones, and load(missing) for the rest. Keys that
        load() leaves out are absent from the result and not cached."""
        wanted = set(keys)
        with self._lock:
            found = {k: v for k in wanted if (v := self._data.get(k, _MISS)) is not _MISS}
            generation = self._generation
        missing = wanted - found.keys()
        if missing:
            loaded = load(missing)
            self._keep(loaded, generation)
            found.update(loaded)
        return found

    def _keep(self, values: dict[K, V], generation: int) -> None:
        with self._lock:
            if generation == self._generation:
                self._data.update(values)

    def invalidate(self, *keys: K) -> None:
        with self._lock:
            self._generation += 1
            for key in keys:
                self._data.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._data.clear()


class CacheRegistry:
    """The caches of one server (or CLI command); see the module docstring for the rule."""

    def __init__(
        self, max_age_s: float = MAX_AGE_S, max_entries: int = MAX_ENTRIES, timer: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_age_s = max_age_s

        def cache(name: str) -> Cache:
            return Cache(name, max_age_s, max_entries, timer)

        # token digest or ("user", user id) -> (Principal, token expiry in ms or None)
        self.principals: Cache = cache("principals")
        # SHA-256 of username and password -> user id (a password that verified)
        self.passwords: Cache = cache("passwords")
        # store name -> its live (not deleted) Descriptor
        self.descriptors: Cache = cache("descriptors")
        # customer id -> name (Argus CustomerInfo)
        self.customer_names: Cache = cache("customer_names")
        # user id -> UserRef (username, home customer) for created_by/updated_by. Neither
        # field ever changes, but `datastore user delete` removes a user and SQLite gives
        # its id to the next new one, so these age like the rest.
        self.user_refs: Cache = cache("user_refs")

    def caches(self) -> tuple[Cache, ...]:
        return (self.principals, self.passwords, self.descriptors, self.customer_names, self.user_refs)

    def callers_changed(self) -> None:
        """A token, password, grant or group membership changed: every caller is resolved anew."""
        self.principals.clear()
        self.passwords.clear()

    def users_deleted(self) -> None:
        """Users are gone: also their references (SQLite may give a deleted id to a new user)."""
        self.callers_changed()
        self.user_refs.clear()

    def clear(self) -> None:
        for c in self.caches():
            c.clear()
