"""16 threads writing at once through the real server: no lost or torn writes."""

from concurrent.futures import ThreadPoolExecutor

import grpc

from datastore.v1 import entry_pb2 as e
from tests.helpers import plain, value

THREADS = 16
WRITES = 25


def test_different_keys(admin, store):
    def writer(t):
        for i in range(WRITES):
            admin.call(
                admin.entries.PutEntry, e.PutEntryRequest(store=store, key=f"t{t}", value=value({"t": t, "i": i}))
            )

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(writer, range(THREADS)))
    for t in range(THREADS):
        entry = admin.call(admin.entries.GetEntry, e.GetEntryRequest(store=store, key=f"t{t}")).entry
        assert plain(entry.value) == {"t": t, "i": WRITES - 1} and entry.revision == WRITES


def test_same_key_every_write_counted(admin, store):
    payload = {t: {"writer": t, "blob": "z" * 2000 + str(t)} for t in range(THREADS)}

    def writer(t):
        return [
            admin.call(
                admin.entries.PutEntry, e.PutEntryRequest(store=store, key="hot", value=value(payload[t]))
            ).entry.revision
            for _ in range(WRITES)
        ]

    with ThreadPoolExecutor(THREADS) as pool:
        revisions = [r for rs in pool.map(writer, range(THREADS)) for r in rs]
    # Every acknowledged write got its own revision: none lost, none duplicated.
    assert sorted(revisions) == list(range(1, THREADS * WRITES + 1))
    final = admin.call(admin.entries.GetEntry, e.GetEntryRequest(store=store, key="hot")).entry
    assert final.revision == THREADS * WRITES
    assert plain(final.value) in payload.values(), "the value is one writer's, whole"


def test_increments_with_expected_revision(admin, store):
    admin.call(admin.entries.PutEntry, e.PutEntryRequest(store=store, key="counter", value=value(0)))

    def incrementer(_):
        done = conflicts = 0
        while done < 5:
            current = admin.call(admin.entries.GetEntry, e.GetEntryRequest(store=store, key="counter")).entry
            request = e.PutEntryRequest(
                store=store, key="counter", value=value(plain(current.value) + 1), expected_revision=current.revision
            )
            try:
                admin.call(admin.entries.PutEntry, request)
                done += 1
            except grpc.RpcError as err:
                assert err.code() == grpc.StatusCode.ABORTED
                conflicts += 1
        return conflicts

    with ThreadPoolExecutor(THREADS) as pool:
        conflicts = sum(pool.map(incrementer, range(THREADS)))
    final = admin.call(admin.entries.GetEntry, e.GetEntryRequest(store=store, key="counter")).entry
    assert plain(final.value) == THREADS * 5, f"lost updates ({conflicts} conflicts retried)"
