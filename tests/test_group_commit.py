"""Group commit (server/storage/group_commit.py): a call that wrote answers only after a
shared fsync of the SQLite WAL; concurrent writers share fsyncs."""

from __future__ import annotations

import base64
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import httpx

from datastore.v1 import descriptor_pb2, descriptor_pb2_grpc, entry_pb2, entry_pb2_grpc
from server.storage.group_commit import WalSync
from tests.helpers import serial
from tests.procs import cli, serve

ADMIN = ("committer", "commit-pass-1")

pytestmark = serial  # fsync rounds counted against thread timing: see tests/helpers.py


class _SlowWal(WalSync):
    """A WalSync whose fsync takes 50 ms and is counted, so that grouping shows."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.fsyncs = 0

    def _fsync(self) -> None:
        self.fsyncs += 1
        time.sleep(0.05)
        super()._fsync()


def test_concurrent_callers_share_fsyncs(tmp_path):
    db = tmp_path / "g.db"
    (tmp_path / "g.db-wal").write_bytes(b"frames")
    wal = _SlowWal(str(db))
    done: list[float] = []
    lock = threading.Lock()
    start = time.monotonic()

    def caller() -> None:
        wal.sync()
        with lock:
            done.append(time.monotonic() - start)

    threads = [threading.Thread(target=caller) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(done) == 32
    assert 1 <= wal.fsyncs <= 3, wal.fsyncs  # one leader, then at most one round for late comers
    assert min(done) >= 0.05  # nobody returns before an fsync that covers it ran


def test_a_caller_after_an_fsync_started_waits_for_the_next(tmp_path):
    (tmp_path / "g.db-wal").write_bytes(b"frames")
    wal = _SlowWal(str(tmp_path / "g.db"))
    first = threading.Thread(target=wal.sync)
    first.start()
    time.sleep(0.01)  # the first fsync is under way
    wal.sync()  # committed after it began: not covered by it
    first.join()
    assert wal.fsyncs == 2


def test_no_wal_file_means_nothing_to_sync(tmp_path):
    WalSync(str(tmp_path / "absent.db")).sync()  # returns; the data is in the database file


def _metric(text: str, name: str) -> float:
    found = re.search(rf"^{name} ([0-9.e+]+)$", text, re.M)
    return float(found.group(1)) if found else 0.0


def test_a_served_write_waits_on_a_shared_fsync(new_database):
    """Through a real `datastore serve`: each write call is covered by a group fsync
    before it answers, reads cause none; on PostgreSQL (which syncs its own commits)
    there are none at all."""
    db = new_database()
    on_sqlite = db.startswith("sqlite")
    cli("user", "add", ADMIN[0], "--password", ADMIN[1], "--admin", db=db)
    served = serve(db)
    auth = (("authorization", "Basic " + base64.b64encode(":".join(ADMIN).encode()).decode()),)
    try:
        with grpc.insecure_channel(served.grpc) as channel, httpx.Client(base_url=f"http://{served.http}") as http:
            descriptors = descriptor_pb2_grpc.DescriptorServiceStub(channel)
            entries = entry_pb2_grpc.EntryServiceStub(channel)
            d = descriptor_pb2.Descriptor(
                name="grouped",
                data_type=descriptor_pb2.DATA_TYPE_MAP,
                behaviour_type=descriptor_pb2.BEHAVIOUR_TYPE_CENTRAL,
            )
            descriptors.CreateDescriptor(descriptor_pb2.CreateDescriptorRequest(descriptor=d), metadata=auth)

            def scrape() -> tuple[float, float]:
                text = http.get("/metrics").text
                return _metric(text, "datastore_wal_syncs_total"), _metric(text, "datastore_wal_sync_callers_sum")

            def put(i: int) -> None:
                request = entry_pb2.PutEntryRequest(store="grouped", key=f"k{i}", value={"string_value": "v"})
                entries.PutEntry(request, metadata=auth, timeout=30)

            syncs, callers = scrape()
            put(0)
            after_put = scrape()
            entries.GetEntry(entry_pb2.GetEntryRequest(store="grouped", key="k0"), metadata=auth)
            assert scrape() == after_put, "a read waits on no fsync"
            with ThreadPoolExecutor(16) as pool:
                list(pool.map(put, range(1, 65)))
            end_syncs, end_callers = scrape()
    finally:
        served.stop_checked()
    if on_sqlite:
        assert after_put[1] - callers == 1 and after_put[0] - syncs == 1
        assert end_callers - after_put[1] == 64  # every write call was covered
        assert 1 <= end_syncs - after_put[0] <= 64
    else:
        assert (end_syncs, end_callers) == (0, 0)
