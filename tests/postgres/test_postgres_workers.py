"""`serve --workers 2` on a real PostgreSQL 15: both workers serve, a killed one is
replaced, the sweeper runs in one of them, and SIGTERM drains all (exit 0, nothing left)."""

import os
import signal
import time

import httpx
import pytest

from datastore_client import DatastoreClient
from tests.helpers import serial
from tests.workers_helpers import (
    admin_token,
    alive,
    all_pids,
    channel_per_worker,
    metric,
    serve_workers,
    wait_until,
    worker_pids,
)

pytestmark = [pytest.mark.postgres, serial]  # a supervisor: see tests/helpers.py


def test_two_workers_on_postgresql(pg_cluster):
    url = pg_cluster.create_database("workers")
    token = admin_token(url)
    interval = 0.25
    served = serve_workers(url, 2, env={"DATASTORE_SWEEP_INTERVAL": str(interval)})
    try:
        for channel in channel_per_worker(served, token, 2).values():
            channel.close()
        with DatastoreClient(served.grpc, token=token) as ds:
            ds.create_descriptor("brief", expire_data=True, life_time=100)
            ds.bulk_put_entries("brief", {f"k{i}": i for i in range(10)})
            victim = worker_pids(served)[1]
            os.kill(victim, signal.SIGKILL)
            wait_until("a new worker 1", lambda: worker_pids(served)[1] != victim)
            assert ds.put_entry("brief", "after", 1).revision == 1

        def scrape() -> float:
            return metric(httpx.get(f"http://{served.http}/metrics").text, "datastore_sweeper_runs_total")

        wait_until("a removal", lambda: "retention sweeper removed" in served.log(), timeout=20)
        first, start = scrape(), time.monotonic()
        time.sleep(3)
        rounds, window = scrape() - first, time.monotonic() - start
        assert 1 <= rounds <= window / interval + 2, (rounds, window)
    finally:
        served.stop_checked()
    assert not any(alive(pid) for pid in all_pids(served))
