"""Fixtures for the client tests: every test that takes `make` runs twice, with
DatastoreClient and with AsyncDatastoreClient (each of its coroutines run to completion
on an event loop of the test's own, its async iterators drained into lists), against
the session's real server."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

from datastore_client import AsyncDatastoreClient, DatastoreClient
from tests.conftest import PASSWORD


async def _drain(iterator) -> list:
    return [item async for item in iterator]


class Blocking:
    """An AsyncDatastoreClient driven from sync code, one event loop per test."""

    def __init__(self, client: AsyncDatastoreClient, loop: asyncio.AbstractEventLoop) -> None:
        object.__setattr__(self, "_client", client)
        object.__setattr__(self, "_loop", loop)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if inspect.iscoroutinefunction(attr):
            return lambda *a, **kw: self._loop.run_until_complete(attr(*a, **kw))
        if inspect.isasyncgenfunction(attr):
            return lambda *a, **kw: iter(self._loop.run_until_complete(_drain(attr(*a, **kw))))
        return attr

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._client, name, value)

    def run(self, coroutine):
        return self._loop.run_until_complete(coroutine)


@pytest.fixture(params=["sync", "async"])
def make(request, harness):
    """make(user=None, **settings): a client of the session server, as `user` (by token)."""
    made: list = []
    loop = asyncio.new_event_loop() if request.param == "async" else None

    def factory(user: str | None = None, **settings):
        if user is not None and "token" not in settings and "username" not in settings:
            settings["token"] = harness.tokens[user]
        target = settings.pop("target", harness.target)
        if loop is None:
            client = DatastoreClient(target, **settings)
        else:
            client = Blocking(AsyncDatastoreClient(target, **settings), loop)
        made.append(client)
        return client

    factory.kind = request.param
    yield factory
    for client in made:
        client.close()
    if loop is not None:
        loop.close()


@pytest.fixture
def ds(make):
    """A client as admin."""
    return make("admin")


@pytest.fixture
def password() -> str:
    return PASSWORD
