"""`datastore serve --workers N` as real processes: N workers behind one pair of ports,
a supervisor that replaces a killed worker, gives up on one that cannot start, and
drains them all on SIGTERM leaving no process behind; with N=1 no supervisor at all."""

from __future__ import annotations

import glob
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid

import grpc
import httpx
import pytest

from datastore.v1 import auth_pb2, auth_pb2_grpc
from datastore_client import DatastoreClient, DatastoreError
from tests.helpers import serial
from tests.procs import DATASTORE, environment, serve
from tests.workers_helpers import (
    READY,
    STARTED,
    admin_token,
    alive,
    all_pids,
    answered_by,
    channel_per_worker,
    own_channel,
    records,
    serve_workers,
    wait_until,
    worker_pids,
)

pytestmark = serial  # supervisors: see tests/helpers.py


def _fresh_connection_call(served, token: str) -> int:
    """One GetCurrentUser on a connection of its own; the index of the worker that answered."""
    request_id = f"call-{uuid.uuid4().hex[:8]}"
    with own_channel(served.grpc) as channel:
        auth_pb2_grpc.AuthServiceStub(channel).GetCurrentUser(
            auth_pb2.GetCurrentUserRequest(),
            metadata=(("authorization", f"Token {token}"), ("x-request-id", request_id)),
            timeout=10,
        )
    return answered_by(served, request_id)


def test_two_workers_share_the_ports_and_the_metrics(process_db):
    token = admin_token(process_db)
    served = serve_workers(process_db, 2)
    try:
        text = served.log()
        assert text.count("grpc listening on") == 1 and text.count("http listening on") == 1
        assert len(READY.findall(text)) == 2, "the listening lines come once both workers are ready"
        assert len(worker_pids(served)) == 2
        channels = channel_per_worker(served, token, 2)  # both answer on the one gRPC port
        for channel in channels.values():
            channel.close()

        # HTTP: every request on a connection of its own; /metrics from any worker counts them all
        sent = 24
        for _ in range(sent):
            assert httpx.get(
                f"http://{served.http}/v1/users/me", headers={"authorization": f"Token {token}"}
            ).is_success
        workers = {r["worker"] for r in _access_records(served, "GET /v1/users/me")}
        assert workers == {0, 1}, f"{sent} connections all went to worker(s) {workers}"
        counted = r'datastore_http_requests_total{dialect="google",method="GET",route="/v1/users/me",status="200"}'
        line = f"{counted} {float(sent)}"
        wait_until("every request counted", lambda: line in httpx.get(f"http://{served.http}/metrics").text)
        for _ in range(6):  # whichever worker answers the scrape
            scrape = httpx.get(f"http://{served.http}/metrics").text
            assert line in scrape and "datastore_database_up 1.0" in scrape, scrape[:3000]
    finally:
        served.stop_checked()
    pids = all_pids(served)
    assert len(pids) == 2 and not any(alive(pid) for pid in pids), "a worker outlived its supervisor"


def _access_records(served, call: str) -> list[dict]:
    return [r for r in records(served) if r.get("call") == call]


def test_a_killed_worker_is_replaced_and_counts_survive(process_db):
    token = admin_token(process_db)
    served = serve_workers(process_db, 2)
    me = r'datastore_http_requests_total{dialect="google",method="GET",route="/v1/users/me",status="200"}'

    def counted() -> float:
        found = re.search(re.escape(me) + r" (\S+)", httpx.get(f"http://{served.http}/metrics").text)
        return float(found.group(1)) if found else 0.0

    try:
        victim = worker_pids(served)[1]
        sent = 0
        while sum(r["worker"] == 1 for r in _access_records(served, "GET /v1/users/me")) < 3:
            r = httpx.get(f"http://{served.http}/v1/users/me", headers={"authorization": f"Token {token}"})
            assert r.status_code == 200
            sent += 1  # a connection each: the kernel spreads them over both workers
            time.sleep(0.05)
        wait_until("every request counted", lambda: counted() == sent)
        os.kill(victim, signal.SIGKILL)
        wait_until("a new worker 1", lambda: worker_pids(served)[1] != victim)
        replacement = worker_pids(served)[1]
        assert "was killed by SIGKILL" in served.log()
        wait_until("it to be ready", lambda: f"worker 1 ready (pid {replacement})" in served.log())
        assert not alive(victim)
        wait_until("a call answered by the new worker 1", lambda: _fresh_connection_call(served, token) == 1)
        assert counted() == sent, "the dead worker's counts stay in the totals"
        assert served.log().count("grpc listening on") == 1, "a restart prints no second listening line"
    finally:
        served.stop_checked()
    assert not any(alive(pid) for pid in all_pids(served))


def test_sigterm_drains_every_worker_in_flight_calls_included(process_db):
    token = admin_token(process_db)
    served = serve_workers(process_db, 2)
    with DatastoreClient(served.grpc, token=token) as ds:
        ds.create_descriptor("s")
    results: list[str] = []
    errors: list[grpc.StatusCode] = []

    def writer(n: int) -> None:  # each on a connection of its own, so both workers have calls in flight
        with DatastoreClient(
            served.grpc, token=token, retry=None, options=[("grpc.use_local_subchannel_pool", 1)]
        ) as ds:
            for i in range(3000):
                key = f"w{n}-{i}"
                try:
                    ds.put_entry("s", key, i)
                except DatastoreError as err:
                    errors.append(err.code)
                    return
                results.append(key)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    code = served.stop(signal.SIGTERM)
    for thread in threads:
        thread.join(30)
    assert code == 0 and "Traceback" not in served.log(), served.log()[-3000:]
    assert results, "calls were in flight"
    assert all(c in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED) for c in errors), errors
    assert not any(alive(pid) for pid in all_pids(served))
    again = serve(process_db)
    try:
        with DatastoreClient(again.grpc, token=token) as ds:
            stored = {e.key for e in ds.stream_entries("s")}
        assert set(results) <= stored, "an acknowledged write was lost"
    finally:
        again.stop_checked()


def test_workers_stop_when_their_supervisor_is_killed(process_db):
    served = serve_workers(process_db, 2)
    pids = list(worker_pids(served).values())
    (left,) = glob.glob(os.path.join(tempfile.gettempdir(), f"datastore-metrics-{served.proc.pid}-*"))
    served.stop(signal.SIGKILL)
    # Each worker gets SIGTERM and drains (gRPC grace, then its pool); on a loaded machine
    # that took over 30 s once (a full PostgreSQL run), so the bound is generous.
    wait_until("the workers to go", lambda: not any(alive(pid) for pid in pids), timeout=90)
    # A killed supervisor cannot delete its metrics directory; the next one does, and
    # leaves those of supervisors that still run (this test's pid stands for one).
    assert os.path.isdir(left)
    running = tempfile.mkdtemp(prefix=f"datastore-metrics-{os.getpid()}-")
    again = None
    try:
        again = serve_workers(process_db, 2)
        assert not os.path.exists(left)
        assert os.path.isdir(running)
        assert glob.glob(os.path.join(tempfile.gettempdir(), f"datastore-metrics-{again.proc.pid}-*"))
        again.stop_checked()
    finally:
        if again is not None and again.proc.poll() is None:
            again.stop()
        os.rmdir(running)


def test_a_worker_that_cannot_start_ends_the_supervisor_with_the_reason(process_db):
    # DATASTORE_THREADS=0: no gRPC thread pool can be made; only a worker finds out
    started = time.monotonic()
    result = subprocess.run(
        [DATASTORE, "serve", "--db", process_db, "--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment({"DATASTORE_THREADS": "0"}),
    )
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "listening on" not in result.stdout
    last = result.stderr.strip().splitlines()[-1]
    assert "before it was ready, 3 times in a row" in last and "max_workers must be greater than 0" in last, last
    assert time.monotonic() - started < 60
    pids = {int(pid) for _, pid in STARTED.findall(result.stderr)}
    assert len(pids) >= 3 and not any(alive(pid) for pid in pids)


def test_a_taken_port_fails_at_once(process_db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [DATASTORE, "serve", "--db", process_db, "--grpc", f"127.0.0.1:{port}", "--http", "127.0.0.1:0"]
            + ["--workers", "2"],
            capture_output=True,
            text=True,
            timeout=60,
            env=environment(None),
        )
    assert result.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in result.stderr, result.stderr
    assert "worker 0 started" not in result.stderr


def test_in_memory_sqlite_is_refused():
    result = subprocess.run(
        [DATASTORE, "serve", "--db", "sqlite:///:memory:", "--grpc", "127.0.0.1:0", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment(None),
    )
    assert result.returncode == 1 and "in-memory SQLite" in result.stderr, result.stderr


@pytest.mark.parametrize("how", ["flag", "env"])
def test_one_worker_is_the_plain_server(process_db, how):
    extra, env = (("--workers", "1"), None) if how == "flag" else ((), {"DATASTORE_WORKERS_PROCESSES": "1"})
    served = serve(process_db, *extra, env=env)
    try:
        children = open(f"/proc/{served.proc.pid}/task/{served.proc.pid}/children").read().split()
        commands = [open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0") for pid in children]
        assert all(b"server.stderr_filter" in c for c in commands), "no worker processes (its stderr filter only)"
        assert "worker 0" not in served.log() and httpx.get(f"http://{served.http}/healthz").is_success
    finally:
        served.stop_checked()


def test_the_process_count_comes_from_the_environment(process_db):
    served = serve(process_db, "--log-format", "json", env={"DATASTORE_WORKERS_PROCESSES": "2"})
    try:
        assert len(worker_pids(served)) == 2
    finally:
        served.stop_checked()
