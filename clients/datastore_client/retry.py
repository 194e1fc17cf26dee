"""Retrying: the clients' policy for UNAVAILABLE, and retry_on_conflict for read-modify-write."""

from __future__ import annotations

import asyncio
import inspect
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar, overload

import grpc

from datastore_client.errors import Aborted

T = TypeVar("T")


@dataclass(frozen=True)
class Retry:
    """Which failures a client retries, how often and how long it waits in between:
    exponential backoff with full jitter, never past the call's timeout. Only
    UNAVAILABLE by default (the server or its database could not be reached);
    `Retry(attempts=1)` or `retry=None` turns retrying off."""

    attempts: int = 5  # tries in all, the first included
    initial_backoff: float = 0.1
    max_backoff: float = 2.0
    multiplier: float = 2.0
    codes: frozenset[grpc.StatusCode] = field(default_factory=lambda: frozenset({grpc.StatusCode.UNAVAILABLE}))

    def delays(self) -> Iterator[float]:
        """The waits before the 2nd, 3rd, … attempt."""
        ceiling = self.initial_backoff
        for _ in range(self.attempts - 1):
            yield random.uniform(0, ceiling)
            ceiling = min(ceiling * self.multiplier, self.max_backoff)


DEFAULT_RETRY = Retry()
NO_RETRY = Retry(attempts=1)


@overload
def retry_on_conflict(fn: Callable[[], Awaitable[T]], *, attempts: int = ..., backoff: float = ...) -> Awaitable[T]: ...
@overload
def retry_on_conflict(fn: Callable[[], T], *, attempts: int = ..., backoff: float = ...) -> T: ...
def retry_on_conflict(fn, *, attempts=20, backoff=0.01):  # type: ignore[no-untyped-def]
    """Calls `fn()` until it does not raise Aborted (a lost compare-and-set), at most
    `attempts` times, with a short jittered pause in between; returns its result. For a
    coroutine function it returns an awaitable doing the same. `fn` must read what it
    changes again on each call:

        def bump():
            entry = ds.get_entry("counters", "visits")
            return ds.put_entry("counters", "visits", entry.value + 1, expected_revision=entry.revision)

        retry_on_conflict(bump)          # await retry_on_conflict(async_bump) with the async client
    """
    if inspect.iscoroutinefunction(fn):
        return _retry_async(fn, attempts, backoff)
    for attempt in range(attempts):
        try:
            return fn()
        except Aborted:
            if attempt == attempts - 1:
                raise
            time.sleep(random.uniform(0, backoff * 2 ** min(attempt, 6)))
    raise AssertionError("unreachable")


async def _retry_async(fn: Callable[[], Awaitable[T]], attempts: int, backoff: float) -> T:
    for attempt in range(attempts):
        try:
            return await fn()
        except Aborted:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(random.uniform(0, backoff * 2 ** min(attempt, 6)))
    raise AssertionError("unreachable")


__all__ = ["DEFAULT_RETRY", "NO_RETRY", "Retry", "retry_on_conflict"]
