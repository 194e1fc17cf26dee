"""Proof that nothing is lost, with real `datastore serve` processes on the selected
backend (SQLite, or PostgreSQL under --backend=postgresql): a server killed with
SIGKILL in the middle of bulk puts, and two servers on one database serving concurrent
read-modify-write increments guarded by expected revisions."""

from __future__ import annotations

import collections
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from datastore.v1 import entry_pb2
from datastore_client import DatastoreClient
from tests.helpers import serial, value
from tests.procs import cli, serve

BATCH = 1000  # limits.BULK_MAX: the largest batch a caller may send

pytestmark = serial  # a kill timed against writes in flight, racing writers: see tests/helpers.py


def _admin(db: str) -> str:
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", db=db)
    return cli("token", "create", "root", db=db).stdout.strip()


def _batch(batch_id: int) -> entry_pb2.BulkPutEntriesRequest:
    filler = "x" * 800
    entries = [
        entry_pb2.EntryInput(key=f"b{batch_id:04}-{i:04}", value=value({"batch": batch_id, "i": i, "pad": filler}))
        for i in range(BATCH)
    ]
    return entry_pb2.BulkPutEntriesRequest(store="bulk", entries=entries)


@pytest.mark.parametrize("kill_after", [0.8, 1.7])
def test_sigkill_during_bulk_puts_leaves_each_batch_whole_or_absent(process_db, kill_after):
    token = _admin(process_db)
    served = serve(process_db)
    ids = iter(range(10_000))
    lock = threading.Lock()
    sent: set[int] = set()
    acked: set[int] = set()
    stop = threading.Event()

    def writer():
        with DatastoreClient(served.grpc, token=token, timeout=30) as ds:
            while not stop.is_set():
                with lock:
                    batch_id = next(ids)
                    sent.add(batch_id)
                try:
                    ds.entries.BulkPutEntries(_batch(batch_id), timeout=30)
                except grpc.RpcError:
                    return  # the server is gone
                with lock:
                    acked.add(batch_id)

    with DatastoreClient(served.grpc, token=token) as ds:
        ds.create_descriptor("bulk")
    threads = [threading.Thread(target=writer) for _ in range(4)]
    for th in threads:
        th.start()
    time.sleep(kill_after)
    served.proc.send_signal(signal.SIGKILL)
    served.proc.wait(30)
    stop.set()
    for th in threads:
        th.join(60)
    assert sent - acked, "no batch was in flight when the server died"

    served = serve(process_db)
    try:
        with DatastoreClient(served.grpc, token=token) as ds:
            counts = collections.Counter(int(e.key[1:5]) for e in ds.stream_entries("bulk"))
    finally:
        assert served.stop() == 0
    torn = {b: n for b, n in counts.items() if n != BATCH}
    assert not torn, f"batches partly written: {torn}"
    assert acked <= set(counts), f"acknowledged batches lost: {sorted(acked - set(counts))}"
    assert set(counts) <= sent


def test_two_servers_count_every_acknowledged_increment(process_db):
    """Two server processes, four writers each, read-modify-write on three shared keys
    with expected revisions: each key's final count equals its acknowledged increments,
    and no two acknowledged writes of a key got the same revision."""
    token = _admin(process_db)
    servers = [serve(process_db), serve(process_db)]
    keys = ["a", "b", "c"]
    try:
        with DatastoreClient(servers[0].grpc, token=token) as ds:
            ds.create_descriptor("counters")
            for key in keys:
                assert ds.put_entry("counters", key, 0).revision == 1

        def writer(n: int) -> tuple[list[tuple[str, int]], int]:
            acknowledged, conflicts = [], 0
            with DatastoreClient(servers[n % 2].grpc, token=token, timeout=30) as ds:
                for i in range(15):
                    key = keys[(n + i) % len(keys)]
                    while True:
                        current = ds.get_entry("counters", key)
                        request = entry_pb2.PutEntryRequest(
                            store="counters",
                            key=key,
                            value=value(current.value + 1),
                            expected_revision=current.revision,
                        )
                        try:
                            written = ds.entries.PutEntry(request).entry
                        except grpc.RpcError as err:
                            assert err.code() == grpc.StatusCode.ABORTED, err
                            conflicts += 1
                            continue
                        acknowledged.append((key, written.revision))
                        break
            return acknowledged, conflicts

        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(writer, range(8)))
        acknowledged = [a for acks, _ in results for a in acks]
        conflicts = sum(c for _, c in results)
        assert len(acknowledged) == 8 * 15
        assert len(set(acknowledged)) == len(acknowledged), "two writes acknowledged with one revision"
        per_key = collections.Counter(key for key, _ in acknowledged)
        for n, server in enumerate(servers):  # both servers see the same final state
            with DatastoreClient(server.grpc, token=token) as ds:
                for key in keys:
                    final = ds.get_entry("counters", key)
                    assert final.value == per_key[key], (n, key, conflicts)
                    assert final.revision == per_key[key] + 1
        assert conflicts > 0, "the writers never raced; the test proved nothing"
    finally:
        for server in servers:
            assert server.stop() == 0
