"""Faults on a real PostgreSQL: a database restart under a running server, and the
retention sweeper with several servers on one database."""

import threading
import time

import grpc
import httpx
import pytest

from datastore_client import DatastoreClient, DatastoreError
from server.services.retention import SWEEP_LOCK_ID, Sweeper
from tests.pg_harness import start_cluster
from tests.procs import cli, serve

pytestmark = pytest.mark.postgres


@pytest.fixture
def own_cluster():
    """A cluster of this test's own: it gets stopped and started."""
    cluster = start_cluster()
    yield cluster
    cluster.stop()


def test_database_restart_gives_unavailable_then_recovers(own_cluster):
    url = own_cluster.create_database("outage")
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", db=url)
    token = cli("token", "create", "root", db=url).stdout.strip()
    served = serve(url)
    try:
        with DatastoreClient(served.grpc, token=token, timeout=10) as ds:
            ds.create_descriptor("s")
            ds.put_entry("s", "k", {"v": 1})
            own_cluster.pause()
            for _ in range(3):
                with pytest.raises(DatastoreError) as info:
                    ds.get_entry("s", "k")
                assert info.value.code == grpc.StatusCode.UNAVAILABLE
                assert info.value.reason == "DATABASE_UNAVAILABLE"
            r = httpx.get(
                f"http://{served.http}/v1/descriptors/s/entries/k", headers={"authorization": f"Token {token}"}
            )
            assert r.status_code == 503 and r.json()["error"]["status"] == "UNAVAILABLE"
            own_cluster.resume()
            deadline = time.monotonic() + 20
            while True:  # every worker thread drops its dead connection on first use
                try:
                    entry = ds.get_entry("s", "k")
                    break
                except DatastoreError as err:
                    assert err.code == grpc.StatusCode.UNAVAILABLE and time.monotonic() < deadline
            assert entry.revision == 1
            for i in range(20):  # every thread works again, and writes land
                assert ds.put_entry("s", f"after{i}", i).revision == 1
    finally:
        assert served.stop() == 0


def test_one_sweeper_at_a_time_across_servers(pg_cluster):
    """Two servers' sweepers on one database: the advisory lock lets one run a round,
    the other skips it; together they remove every expired entry exactly once."""
    from server.storage.db import database, exclusive
    from server.storage.migrations import init_database

    url = pg_cluster.create_database("sweepers")
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", db=url)
    token = cli("token", "create", "root", db=url).stdout.strip()
    served = serve(url)
    try:
        with DatastoreClient(served.grpc, token=token) as ds:
            ds.create_descriptor("short", expire_data=True, life_time=200)
            from datastore.v1 import entry_pb2
            from tests.helpers import value

            batch = [entry_pb2.EntryInput(key=f"k{i}", value=value(i)) for i in range(300)]
            ds.entries.BulkPutEntries(entry_pb2.BulkPutEntriesRequest(store="short", entries=batch))
        time.sleep(0.4)
        previous = database.obj
        init_database(url)
        held, release = threading.Event(), threading.Event()

        def other_server_sweeping():  # another session holds the lock, mid-round
            with database.connection_context(), exclusive(SWEEP_LOCK_ID) as mine:
                assert mine
                held.set()
                release.wait(30)

        holder = threading.Thread(target=other_server_sweeping)
        try:
            holder.start()
            assert held.wait(30)
            assert Sweeper().sweep_once() == 0, "a second sweeper must skip the round"
            release.set()
            holder.join(30)
            assert Sweeper().sweep_once() == 300  # lock released: the next round sweeps
            assert Sweeper().sweep_once() == 0  # nothing left, nothing swept twice
        finally:
            release.set()
            holder.join(30)
            database.initialize(previous)
    finally:
        served.stop()


def _until(check, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "health did not change in time"
        time.sleep(0.1)


def test_health_tells_the_truth_while_the_database_is_down(own_cluster):
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    url = own_cluster.create_database("health")
    served = serve(url)
    try:
        with grpc.insecure_channel(served.grpc) as channel:
            health = health_pb2_grpc.HealthStub(channel)

            def grpc_status(service: str = "") -> int:
                return health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status

            def http_status() -> int:
                return httpx.get(f"http://{served.http}/healthz", timeout=5).status_code

            assert http_status() == 200 and grpc_status() == health_pb2.HealthCheckResponse.SERVING
            own_cluster.pause()
            _until(lambda: http_status() == 503)
            assert httpx.get(f"http://{served.http}/healthz").json() == {"status": "NOT_SERVING"}
            assert (
                grpc_status() == grpc_status("datastore.v1.EntryService") == health_pb2.HealthCheckResponse.NOT_SERVING
            )
            metrics = httpx.get(f"http://{served.http}/metrics").text
            assert "datastore_database_up 0.0" in metrics
            own_cluster.resume()
            _until(lambda: http_status() == 200)
            assert grpc_status("datastore.v1.EntryService") == health_pb2.HealthCheckResponse.SERVING
    finally:
        assert served.stop() == 0
