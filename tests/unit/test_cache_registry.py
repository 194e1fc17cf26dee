"""The cache registry (server/storage/cache.py) on its own: age limit, LRU eviction, no
caching of failures or of loads that raced an invalidation, thread safety, and that no
module of server/ keeps a cache at module level."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

import pytest

from server.storage.cache import MAX_AGE_S, CacheRegistry

SERVER = Path(__file__).resolve().parents[2] / "server"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def loader(value, calls: list):
    def load():
        calls.append(value)
        return value

    return load


def test_entries_live_max_age_then_reload():
    clock = Clock()
    cache = CacheRegistry(timer=clock).descriptors
    calls: list = []
    assert cache.get_or_load("s", loader(1, calls)) == 1
    clock.now += MAX_AGE_S - 0.01
    assert cache.get_or_load("s", loader(2, calls)) == 1  # still fresh
    clock.now += 0.02
    assert cache.get_or_load("s", loader(3, calls)) == 3  # older than MAX_AGE_S: read again
    assert calls == [1, 3]


def test_a_full_cache_evicts_the_least_recently_used_entry_only():
    cache = CacheRegistry(max_entries=3).principals
    for key in "abc":
        cache.get_or_load(key, lambda k=key: k.upper())
    cache.get_or_load("a", lambda: "not loaded")  # a is now the most recently used
    cache.get_or_load("d", lambda: "D")
    assert "b" not in cache and all(k in cache for k in "acd")
    assert len(cache) == 3


def test_a_failed_load_caches_nothing():
    cache = CacheRegistry().principals

    def fail():
        raise LookupError("no such token")

    with pytest.raises(LookupError):
        cache.get_or_load("t", fail)
    assert "t" not in cache
    assert cache.get_or_load("t", lambda: "ok") == "ok"


def test_get_many_keeps_what_was_found_and_not_what_is_missing():
    cache = CacheRegistry().user_refs
    asked: list[set] = []

    def load(ids):
        asked.append(set(ids))
        return {i: f"u{i}" for i in ids if i < 10}

    assert cache.get_many([1, 2, 99], load) == {1: "u1", 2: "u2"}
    assert cache.get_many([1, 2, 3, 99], load) == {1: "u1", 2: "u2", 3: "u3"}
    assert asked == [{1, 2, 99}, {3, 99}]


def test_a_load_that_raced_an_invalidation_is_returned_but_not_kept():
    cache = CacheRegistry().descriptors

    def load():
        cache.invalidate("s")  # a write commits and invalidates while this load runs
        return "read before the write"

    assert cache.get_or_load("s", load) == "read before the write"
    assert "s" not in cache


def test_registry_invalidation_groups():
    caches = CacheRegistry()
    for c in caches.caches():
        c.get_or_load("k", lambda: 1)
    caches.callers_changed()
    assert "k" not in caches.principals and "k" not in caches.passwords
    assert "k" in caches.user_refs and "k" in caches.descriptors
    caches.users_deleted()
    assert "k" not in caches.user_refs and "k" in caches.customer_names
    caches.clear()
    assert all(len(c) == 0 for c in caches.caches())


def test_threads_share_a_cache_safely():
    cache = CacheRegistry(max_entries=50).descriptors
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(2000):
                key = (n * 7 + i) % 120
                assert cache.get_or_load(key, lambda k=key: k * 2) == key * 2
                if i % 50 == 0:
                    cache.invalidate(key)
                if i % 300 == 0:
                    cache.clear()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == [] and len(cache) <= 50


CACHE_CLASSES = {"TTLCache", "LRUCache", "TLRUCache", "LFUCache", "Cache", "CacheRegistry"}


def _module_level_caches(tree: ast.Module) -> list[str]:
    """Module-level assignments that build a cache object, or an empty dict/set under
    a name that says cache or refs."""
    found = []
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            value = node.value
            if isinstance(value, ast.Call):
                func = value.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called in CACHE_CLASSES:
                    found.extend(names)
            empty = (isinstance(value, ast.Dict) and not value.keys) or (
                isinstance(value, ast.Call) and getattr(value.func, "id", "") in ("dict", "set") and not value.args
            )
            if empty:
                found.extend(n for n in names if "cache" in n.lower() or n.lower().endswith("refs"))
    return found


def test_no_module_level_cache_in_server():
    bad = {}
    for path in SERVER.rglob("*.py"):
        if path.name.endswith(("_pb2.py", "_pb2_grpc.py")):
            continue
        found = _module_level_caches(ast.parse(path.read_text(), str(path)))
        if found:
            bad[str(path.relative_to(SERVER))] = found
    assert bad == {}


def test_the_module_level_check_sees_what_it_looks_for():
    tree = ast.parse("a = TTLCache(10, 2)\nuser_refs = {}\n_names: dict = dict()\nx = cachetools.LRUCache(5)\nok = {}")
    assert _module_level_caches(tree) == ["a", "user_refs", "x"]
