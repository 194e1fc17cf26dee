"""A call that never returns cannot keep the server from exiting: on SIGTERM the drain
waits for it through the grace period, then the server dumps every thread's stack (so
the stuck call says where it is) and exits 1 by itself, STUCK_STOP_S later. Before, its
pool thread kept the process alive until something SIGKILLed it."""

import signal
import threading
import time

import psycopg
import pytest

from datastore_client import DatastoreClient
from server.config import STUCK_STOP_S
from tests.procs import STUCK_STOP_DUMP, serve
from tests.workers_helpers import admin_token

pytestmark = pytest.mark.postgres

GRACE_S = 10.0  # Settings.grace_s


def test_a_call_stuck_on_a_lock_ends_with_a_stack_dump_and_exit_1(pg_cluster):
    url = pg_cluster.create_database("stuck")
    token = admin_token(url)
    served = serve(url)
    with DatastoreClient(served.grpc, token=token) as ds:
        ds.create_descriptor("s")
        ds.put_entry("s", "k", 1)
    holder = psycopg.connect(url)  # holds the entry's row lock in an open transaction
    holder.execute("SELECT 1 FROM entry WHERE key = 'k' FOR UPDATE")
    outcome = []

    def stuck_put():
        with DatastoreClient(served.grpc, token=token, timeout=120) as ds:
            try:
                ds.put_entry("s", "k", 2)
                outcome.append("written")
            except Exception as exc:  # noqa: BLE001 - the server goes away under it
                outcome.append(type(exc).__name__)

    thread = threading.Thread(target=stuck_put)
    thread.start()
    try:
        time.sleep(1.5)  # the put waits on the row lock now
        started = time.monotonic()
        served.proc.send_signal(signal.SIGTERM)
        code = served.proc.wait(timeout=GRACE_S + STUCK_STOP_S + 30)
        took = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
        thread.join(30)
    log = served.log()
    assert code == 1, log[-3000:]
    assert GRACE_S + STUCK_STOP_S - 1 <= took < GRACE_S + STUCK_STOP_S + 15, took
    assert STUCK_STOP_DUMP in log and "put_entries" in log, log[-3000:]  # where the stuck call waits
    assert outcome and outcome != ["written"]
    again = serve(url)
    try:
        with DatastoreClient(again.grpc, token=token) as ds:
            entry = ds.get_entry("s", "k")
        # The client was told the call failed (outcome unknown): PostgreSQL does not notice
        # a vanished client while its statement waits on a lock, so the put may still have
        # committed once the lock went. Either way it is whole.
        assert (entry.value, entry.revision) in ((1, 1), (2, 2))
    finally:
        again.stop_checked()
