"""The clients as applications use them concurrently: `async with` and `async for` on the
asyncio client, many writers on one key through retry_on_conflict (tasks and threads)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from datastore_client import Aborted, AsyncDatastoreClient, DatastoreClient, NotFound, retry_on_conflict
from tests.conftest import unique


def test_async_with_gather_and_async_for(harness):
    token = harness.tokens["admin"]
    client = AsyncDatastoreClient(harness.target, token=token)  # made outside any event loop

    async def main():
        async with client as ds:
            store = (await ds.create_descriptor(unique("aio"))).name
            await asyncio.gather(*(ds.put_entry(store, f"k{i:02}", {"i": i}) for i in range(30)))
            keys = [e.key async for e in ds.iter_entries(store, page_size=7, filters=["i:lt:20"])]
            assert keys == [f"k{i:02}" for i in range(20)]
            firsts = []
            async for entry in ds.stream_entries(store, order_by=["-i"]):
                firsts.append(entry.value["i"])
                if len(firsts) == 3:
                    break  # leaving early cancels the stream
            assert firsts == [29, 28, 27]
            assert len([d async for d in ds.iter_descriptors(page_size=3)]) >= 1
            with pytest.raises(NotFound):
                await ds.get_entry(store, "absent")

            async def bump():
                current = await ds.get_entry(store, "counter")
                return await ds.put_entry(store, "counter", current.value + 1, expected_revision=current.revision)

            await ds.put_entry(store, "counter", 0)
            await asyncio.gather(*(retry_on_conflict(bump, attempts=100) for _ in range(10)))
            await asyncio.gather(*(ds.update_entry(store, "counter", lambda v: v + 1, attempts=100) for _ in range(10)))
            assert (await ds.get_entry(store, "counter")).value == 20
        assert client._channel is None  # closed on exit

    asyncio.run(main())
    asyncio.run(main())  # the same client again, in a new event loop


def test_threads_share_a_client_and_lose_no_update(harness):
    with DatastoreClient(harness.target, token=harness.tokens["admin"]) as ds:
        store = ds.create_descriptor(unique("threads")).name
        ds.put_entry(store, "counter", 0)

        def bump(_):
            def attempt():
                current = ds.get_entry(store, "counter")
                return ds.put_entry(store, "counter", current.value + 1, expected_revision=current.revision)

            return retry_on_conflict(attempt, attempts=200)

        with ThreadPoolExecutor(8) as pool:
            revisions = [e.revision for e in pool.map(bump, range(40))]
        assert sorted(revisions) == list(range(2, 42))
        assert ds.get_entry(store, "counter").value == 40


def test_retry_on_conflict_gives_up_after_its_attempts():
    calls = []

    def always_conflicting():
        calls.append(1)
        raise Aborted("lost", reason="REVISION_MISMATCH")

    with pytest.raises(Aborted):
        retry_on_conflict(always_conflicting, attempts=3, backoff=0)
    assert len(calls) == 3
    assert retry_on_conflict(lambda: "done") == "done"
