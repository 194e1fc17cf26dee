"""What several workers share and what each keeps: the database (concurrent writers in
every worker, no "database is locked"), the background jobs (the sweeper in one worker),
and per-process caches (a change made through one worker reaches the others within the
cache lifetime, MAX_AGE_S)."""

from __future__ import annotations

import os
import random
import signal
import threading
import time

import grpc
import httpx

from datastore.v1 import descriptor_pb2, descriptor_pb2_grpc, entry_pb2, entry_pb2_grpc, sharing_pb2, sharing_pb2_grpc
from datastore_client import Aborted, DatastoreClient, DatastoreError
from server.storage.cache import MAX_AGE_S
from tests.helpers import serial, value
from tests.procs import cli
from tests.workers_helpers import (
    admin_token,
    alive,
    all_pids,
    channel_per_worker,
    metric,
    records,
    serve_workers,
    wait_until,
    worker_pids,
)

pytestmark = serial  # supervisors, and bounds on what a worker sees: see tests/helpers.py

SLACK_S = 1.5  # scheduling on a busy 2-core machine, on top of the cache lifetime
REFUSED = (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED)


class Caller:
    """Calls over one connection (so one worker) with one token."""

    def __init__(self, channel: grpc.Channel, token: str) -> None:
        self.metadata = (("authorization", f"Token {token}"),)
        self.entries = entry_pb2_grpc.EntryServiceStub(channel)
        self.descriptors = descriptor_pb2_grpc.DescriptorServiceStub(channel)
        self.sharing = sharing_pb2_grpc.SharingServiceStub(channel)

    def get(self, store: str, key: str, customer_id: int | None = None):
        request = entry_pb2.GetEntryRequest(store=store, key=key, customer_id=customer_id)
        return self.entries.GetEntry(request, metadata=self.metadata, timeout=10)

    def refused_within(self, store: str, key: str, customer_id: int | None, since: float) -> float:
        """Polls get() until it is refused; the seconds from `since` until then."""
        while True:
            try:
                self.get(store, key, customer_id)
            except grpc.RpcError as err:
                assert err.code() in REFUSED, err
                return time.monotonic() - since
            assert time.monotonic() - since < MAX_AGE_S + 10, "still served long after the change"
            time.sleep(0.05)


def test_a_change_through_one_worker_reaches_the_others_within_the_cache_lifetime(process_db):
    token = admin_token(process_db)
    cli("user", "add", "reader", "--password", "reader-pass-1", "--customer", "2", db=process_db)
    reader_token = cli("token", "create", "reader", db=process_db).stdout.strip()
    served = serve_workers(process_db, 2)
    try:
        channels = channel_per_worker(served, token, 2)
        admin_a, admin_b = Caller(channels[0], token), Caller(channels[1], token)
        reader_a, reader_b = Caller(channels[0], reader_token), Caller(channels[1], reader_token)
        descriptor = descriptor_pb2.Descriptor(
            name="shared",
            data_type=descriptor_pb2.DATA_TYPE_MAP,
            behaviour_type=descriptor_pb2.BEHAVIOUR_TYPE_CENTRAL,
        )
        admin_a.descriptors.CreateDescriptor(
            descriptor_pb2.CreateDescriptorRequest(descriptor=descriptor), metadata=admin_a.metadata
        )
        admin_a.entries.PutEntry(
            entry_pb2.PutEntryRequest(store="shared", key="k", value=value({"v": 1})), metadata=admin_a.metadata
        )
        grant = sharing_pb2.Grant(customer_id=1, user_name="reader", access=sharing_pb2.ACCESS_READ)
        admin_a.sharing.SetGrant(sharing_pb2.SetGrantRequest(grant=grant), metadata=admin_a.metadata)

        # a revoked grant: the worker it went through refuses at once, the other within the TTL
        for caller in (reader_a, reader_b):
            assert caller.get("shared", "k", customer_id=1).entry.key == "k"  # now in both caches
        admin_a.sharing.DeleteGrant(
            sharing_pb2.DeleteGrantRequest(customer_id=1, user_name="reader"), metadata=admin_a.metadata
        )
        revoked = time.monotonic()
        assert reader_a.refused_within("shared", "k", 1, revoked) < 1.0, "the same worker forgets at once"
        assert reader_b.refused_within("shared", "k", 1, revoked) < MAX_AGE_S + SLACK_S

        # a deleted store, likewise
        for caller in (admin_a, admin_b):
            assert caller.get("shared", "k").entry.key == "k"
        admin_a.descriptors.DeleteDescriptor(
            descriptor_pb2.DeleteDescriptorRequest(name="shared"), metadata=admin_a.metadata
        )
        deleted = time.monotonic()
        assert admin_a.refused_within("shared", "k", None, deleted) < 1.0
        assert admin_b.refused_within("shared", "k", None, deleted) < MAX_AGE_S + SLACK_S
        for channel in channels.values():
            channel.close()
    finally:
        served.stop_checked()


def _sweeps(served) -> float:
    return metric(httpx.get(f"http://{served.http}/metrics").text, "datastore_sweeper_runs_total")


def _removals(served) -> list[dict]:
    return [r for r in records(served) if r.get("message", "").startswith("retention sweeper removed")]


def test_the_sweeper_runs_in_one_worker_and_moves_to_its_replacement(process_db):
    token = admin_token(process_db)
    interval = 0.25
    served = serve_workers(process_db, 2, env={"DATASTORE_SWEEP_INTERVAL": str(interval)})
    try:
        with DatastoreClient(served.grpc, token=token) as ds:
            ds.create_descriptor("brief", expire_data=True, life_time=100)

            def expire_a_batch(tag: str) -> None:
                ds.bulk_put_entries("brief", {f"{tag}-{i}": i for i in range(20)})
                seen = len(_removals(served))
                wait_until("a sweep that removes them", lambda: len(_removals(served)) > seen, timeout=20)

            for round_ in range(3):
                expire_a_batch(f"r{round_}")
            # rounds over a window: one sweeper makes at most window/interval of them, two twice that
            first, start = _sweeps(served), time.monotonic()
            time.sleep(3)
            rounds, window = _sweeps(served) - first, time.monotonic() - start
            assert 1 <= rounds <= window / interval + 2, (rounds, window)
            assert {r["worker"] for r in _removals(served)} == {0}

            old = worker_pids(served)[0]
            served_before = len(_removals(served))
            os.kill(old, signal.SIGKILL)
            wait_until("a new worker 0", lambda: "worker 0 ready" in served.log().split(f"pid {old})")[-1])
            expire_a_batch("after")
            assert len(_removals(served)) > served_before
            assert {r["worker"] for r in _removals(served)} == {0}, "the replacement took the sweeper over"
            first, start = _sweeps(served), time.monotonic()
            time.sleep(2)
            rounds, window = _sweeps(served) - first, time.monotonic() - start
            assert 1 <= rounds <= window / interval + 2, (rounds, window)
    finally:
        served.stop_checked()
    assert not any(alive(pid) for pid in all_pids(served))


def test_writers_in_every_worker_never_meet_a_locked_database(process_db):
    """Puts, bulk puts, compare-and-set updates, deletes, descriptor updates and logins from
    12 connections spread over 2 workers for a few seconds: no call fails except ABORTED
    (a compare-and-set that lost, which update_entry retries)."""
    token = admin_token(process_db)
    served = serve_workers(process_db, 2)
    errors: list[str] = []
    done: list[int] = []
    stop = threading.Event()
    options = [("grpc.use_local_subchannel_pool", 1)]  # a connection per writer
    try:
        with DatastoreClient(served.grpc, token=token) as ds:
            ds.create_descriptor("load")
            ds.put_entry("load", "counter", 0)

        def work(n: int) -> None:
            rng = random.Random(n)
            with DatastoreClient(served.grpc, token=token, options=options, retry=None, timeout=30) as ds:
                while not stop.is_set():
                    kind = n % 6
                    try:
                        if kind == 0:
                            ds.put_entry("load", f"p{n}-{rng.randrange(200)}", {"n": n})
                        elif kind == 1:
                            ds.bulk_put_entries("load", {f"b{n}-{i}": i for i in range(rng.randrange(1, 100))})
                        elif kind == 2:
                            ds.update_entry("load", "counter", lambda v: v + 1, attempts=200)
                        elif kind == 3:
                            ds.delete_entries("load", [f"p{m}-{rng.randrange(200)}" for m in range(0, 12, 6)])
                        elif kind == 4:
                            ds.update_descriptor("load", description=f"by {n} at {time.time()}")
                        else:
                            ds.login("root", "root-pass-1")
                        done.append(kind)
                    except Aborted:  # update_entry gave up after 200 lost races: counted nowhere
                        pass
                    except DatastoreError as err:
                        errors.append(f"{kind}: {err.code.name} {err}")
                        return

        threads = [threading.Thread(target=work, args=(n,)) for n in range(12)]
        for thread in threads:
            thread.start()
        time.sleep(5)
        stop.set()
        for thread in threads:
            thread.join(60)
        assert not errors, errors[:5]
        assert len(set(done)) == 6 and len(done) > 100, len(done)
        assert "database is locked" not in served.log()
        with DatastoreClient(served.grpc, token=token) as ds:
            assert ds.get_entry("load", "counter").value == done.count(2), "every acknowledged increment counted"
    finally:
        served.stop_checked()
