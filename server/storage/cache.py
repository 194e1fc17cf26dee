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

Each cache is a cachetools LRUCache behind a lock (grpcio runs calls on a thread pool):
an entry counts MAX_AGE_S from the moment its load began, and a full cache evicts its
least recently used entry. A load that raced with an invalidation is returned to its
caller but not kept. (An LRUCache with the expiry stored beside each value costs a
quarter of what a cachetools TTLCache does per hit, on the path of every call.)

Not here: server/storage/prepared.py keeps SQL text per database, which cannot go stale.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

import cachetools

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

MAX_AGE_S = 2.0
MAX_ENTRIES = 50_000


class Cache(Generic[K, V]):
    """One thread-safe cache: a cachetools LRUCache of (expiry, value), read under a lock;
    an entry older than max_age_s counts as absent. `_generation` counts invalidations."""

    def __init__(self, name: str, max_age_s: float, max_entries: int, timer: Callable[[], float]) -> None:
        self.name = name
        self.max_age_s = max_age_s
        self._timer = timer
        self._data: cachetools.LRUCache = cachetools.LRUCache(max_entries)
        self._lock = threading.Lock()
        self._generation = 0

    def __len__(self) -> int:
        """Entries still fresh."""
        now = self._timer()
        with self._lock:
            return sum(1 for expires, _ in self._data.values() if expires > now)

    def __contains__(self, key: K) -> bool:
        now = self._timer()
        with self._lock:
            hit = self._data.get(key)
        return hit is not None and hit[0] > now

    def get_or_load(self, key: K, load: Callable[[], V]) -> V:
        """The cached value, else load() (kept unless invalidated meanwhile); a load that
        raises caches nothing."""
        now = self._timer()
        with self._lock:
            hit = self._data.get(key)
            generation = self._generation
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        self._keep({key: value}, now, generation)
        return value

    def get_many(self, keys: Iterable[K], load: Callable[[set[K]], dict[K, V]]) -> dict[K, V]:
        """The values of keys: the cached ones, and load(missing) for the rest. Keys that
        load() leaves out are absent from the result and not cached."""
        wanted = set(keys)
        now = self._timer()
        found = {}
        with self._lock:
            for k in wanted:
                hit = self._data.get(k)
                if hit is not None and hit[0] > now:
                    found[k] = hit[1]
            generation = self._generation
        missing = wanted - found.keys()
        if missing:
            loaded = load(missing)
            self._keep(loaded, now, generation)
            found.update(loaded)
        return found

    def _keep(self, values: dict[K, V], loaded_at: float, generation: int) -> None:
        """Ages entries from before their load began, so none outlives max_age_s."""
        expires = loaded_at + self.max_age_s
        with self._lock:
            if generation == self._generation:
                for k, v in values.items():
                    self._data[k] = (expires, v)

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
