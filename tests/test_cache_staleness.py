"""The cache rule's second half, with real processes: a change made by another process on
the same database (another server, the CLI) is seen by a running server within
MAX_AGE_S (README "Credentials"; server/storage/cache.py)."""

from __future__ import annotations

import time

import grpc
import pytest

from datastore.v1 import descriptor_pb2, descriptor_pb2_grpc, entry_pb2, entry_pb2_grpc
from server.storage.cache import MAX_AGE_S
from tests.helpers import error_info, serial, value
from tests.procs import cli, serve

BOUND_S = MAX_AGE_S + 0.5  # the rule, plus a call's time

pytestmark = serial  # a wall-clock bound on other processes: see tests/helpers.py


@pytest.fixture
def db(process_db):
    return process_db  # SQLite, or PostgreSQL under --backend=postgresql


def _auth(token: str):
    return [("authorization", f"Token {token}")]


def put(target: str, token: str, store: str, key: str) -> entry_pb2.Entry:
    with grpc.insecure_channel(target) as channel:
        req = entry_pb2.PutEntryRequest(store=store, key=key, value=value(1))
        return entry_pb2_grpc.EntryServiceStub(channel).PutEntry(req, metadata=_auth(token), timeout=30).entry


def get(target: str, token: str, store: str, key: str) -> entry_pb2.Entry:
    with grpc.insecure_channel(target) as channel:
        req = entry_pb2.GetEntryRequest(store=store, key=key)
        return entry_pb2_grpc.EntryServiceStub(channel).GetEntry(req, metadata=_auth(token), timeout=30).entry


def within_bound(check) -> float:
    """Seconds until check() is true; fails after BOUND_S."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < BOUND_S, "still stale after the documented bound"
        time.sleep(0.1)
    return time.monotonic() - started


def store_gone(target: str, token: str, store: str) -> bool:
    try:
        get(target, token, store, "k")
    except grpc.RpcError as err:
        assert err.code() == grpc.StatusCode.NOT_FOUND, err
        return error_info(err).reason == "STORE_NOT_FOUND"
    return False


def test_a_store_deleted_through_another_server_is_gone_within_the_bound(db):
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", "--global-data", db=db)
    token = cli("token", "create", "root", db=db).stdout.strip()
    a, b = serve(db), serve(db)
    try:
        with grpc.insecure_channel(a.grpc) as channel:
            descriptors = descriptor_pb2_grpc.DescriptorServiceStub(channel)
            spec = descriptor_pb2.Descriptor(
                name="shared",
                data_type=descriptor_pb2.DATA_TYPE_MAP,
                behaviour_type=descriptor_pb2.BEHAVIOUR_TYPE_CENTRAL,
            )
            descriptors.CreateDescriptor(descriptor_pb2.CreateDescriptorRequest(descriptor=spec), metadata=_auth(token))
            put(a.grpc, token, "shared", "k")
            assert get(b.grpc, token, "shared", "k").key == "k"  # b caches the descriptor
            req = descriptor_pb2.DeleteDescriptorRequest(name="shared")
            descriptors.DeleteDescriptor(req, metadata=_auth(token))
        assert store_gone(a.grpc, token, "shared")  # the server that deleted it: at once
        assert within_bound(lambda: store_gone(b.grpc, token, "shared")) < BOUND_S
    finally:
        a.stop_checked()
        b.stop_checked()


def test_a_user_deleted_and_replaced_by_the_cli_is_named_anew_within_the_bound(db):
    """SQLite gives a new user the id of a deleted one with the highest id; a server that
    had cached that id's name shows the new name within the bound (before the registry,
    never: user references were cached for good). On PostgreSQL ids are not reused."""
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", "--global-data", db=db)
    root = cli("token", "create", "root", db=db).stdout.strip()
    cli("user", "add", "olduser", "--password", "old-pass-12", db=db)
    old = cli("token", "create", "olduser", db=db).stdout.strip()
    served = serve(db)
    try:
        with grpc.insecure_channel(served.grpc) as channel:
            spec = descriptor_pb2.Descriptor(
                name="named",
                data_type=descriptor_pb2.DATA_TYPE_MAP,
                behaviour_type=descriptor_pb2.BEHAVIOUR_TYPE_CENTRAL,
            )
            descriptor_pb2_grpc.DescriptorServiceStub(channel).CreateDescriptor(
                descriptor_pb2.CreateDescriptorRequest(descriptor=spec), metadata=_auth(root)
            )
        written = put(served.grpc, old, "named", "k")
        old_id = written.last_updated_by_user.id
        assert written.last_updated_by_user.user_name == "olduser"  # cached: id -> olduser
        cli("user", "delete", "olduser", db=db)
        cli("user", "add", "newuser", "--password", "new-pass-12", db=db)
        new = cli("token", "create", "newuser", db=db).stdout.strip()
        first = put(served.grpc, new, "named", "k").last_updated_by_user
        if first.id != old_id:  # no id reuse (PostgreSQL): nothing was stale
            assert first.user_name == "newuser"
        assert within_bound(lambda: get(served.grpc, new, "named", "k").last_updated_by_user.user_name == "newuser")
    finally:
        served.stop_checked()
