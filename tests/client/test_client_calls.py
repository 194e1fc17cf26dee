"""Credentials, tokens, grants, typed errors, timeouts and retries, through both clients
(each test that takes `make` runs with DatastoreClient and AsyncDatastoreClient)."""

from __future__ import annotations

import socket
import threading
import time
import uuid

import grpc
import pytest

from datastore.v1 import auth_pb2
from datastore_client import (
    AlreadyExists,
    DatastoreError,
    DeadlineExceeded,
    FailedPrecondition,
    Grant,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Retry,
    Token,
    Unauthenticated,
    Unavailable,
    User,
)
from tests.conftest import unique


def test_login_refresh_and_current_user(make, password):
    alice = make(username="alice", password=password, auto_login=False)
    assert alice.get_current_user().username == "alice"  # HTTP Basic on every call
    token = alice.login()
    assert isinstance(token, Token) and token.token and alice.token == token.token and token.expires_at
    user = alice.get_current_user()
    assert isinstance(user, User) and (user.username, user.customer_id, user.admin) == ("alice", 1, False)
    assert user.readable_customer_ids == (1,) and user.writable_customer_ids == (1,)
    assert make("carol").get_current_user().groups == ("ops",)
    old = alice.token
    new = alice.refresh_token()
    assert new.token != old and alice.token == new.token
    with pytest.raises(Unauthenticated):
        make(token=old).get_current_user()
    assert make(token=new.token).get_current_user().username == "alice"
    other = make()
    assert other.login("bob", password).token and other.get_current_user().username == "bob"


def test_username_and_password_log_in_once_and_again_when_the_token_stops_working(make, password):
    ds = make(username="alice", password=password)
    assert ds.token is None
    assert ds.get_current_user().username == "alice"
    first = ds.token
    assert first and ds.get_current_user() and ds.token == first  # no new login per call
    ds.token = "expired-or-revoked"
    assert ds.get_current_user().username == "alice"
    assert ds.token not in (first, "expired-or-revoked")
    with pytest.raises(Unauthenticated):  # a token alone cannot log in again
        make(token="expired-or-revoked").get_current_user()


def test_raw_stubs_carry_the_credentials(make):
    ds = make("dave")
    request = auth_pb2.GetCurrentUserRequest()
    if make.kind == "sync":
        assert ds.auth.GetCurrentUser(request).user.user_name == "dave"
    else:

        async def call():
            return (await ds.auth.GetCurrentUser(request)).user.user_name

        assert ds.run(call()) == "dave"


def test_grants(make, ds):
    customer = 2
    granted = ds.set_grant(customer, "write", user="dave")
    assert granted == Grant(customer_id=customer, access="WRITE", user="dave", group="")
    assert ds.set_grant(customer, "read", group="ops").group == "ops"
    assert {(g.user, g.group, g.access) for g in ds.list_grants(customer)} >= {
        ("dave", "", "WRITE"),
        ("", "ops", "READ"),
    }
    assert any(g.customer_id == 1 for g in ds.list_grants())
    assert make("dave").get_current_user().writable_customer_ids == (2, 4)
    ds.delete_grant(customer, user="dave")
    ds.delete_grant(customer, group="ops")
    assert not [g for g in ds.list_grants(customer) if g.user == "dave" or g.group == "ops"]
    with pytest.raises(NotFound):
        ds.delete_grant(customer, user="dave")
    with pytest.raises(PermissionDenied):
        make("alice").list_grants()
    with pytest.raises(ValueError):
        ds.set_grant(customer, "admin", user="dave")


def test_each_status_raises_its_exception(make, ds):
    store = ds.create_descriptor(unique("errors")).name
    with pytest.raises(AlreadyExists) as info:
        ds.create_descriptor(store)
    assert info.value.reason and info.value.code == grpc.StatusCode.ALREADY_EXISTS
    with pytest.raises(InvalidArgument) as info:
        ds.query_entries(store, filters=["n:eq:1", "nonsense"])
    assert [v.field for v in info.value.field_violations] == ["filters[1]"] and info.value.field_violations[0][1]
    with pytest.raises(PermissionDenied):
        make("dave").get_entry(store, "k", customer_id=1)
    with pytest.raises(Unauthenticated) as info:
        make().get_entry(store, "k")
    assert info.value.reason == "CREDENTIALS_MISSING"
    local = ds.create_descriptor(unique("local"), behaviour_type="LOCAL").name
    with pytest.raises(FailedPrecondition) as info:
        ds.put_entry(local, "k", 1)
    assert info.value.reason == "STORE_NOT_CENTRAL"
    for error in (AlreadyExists, InvalidArgument, PermissionDenied, Unauthenticated, FailedPrecondition):
        assert issubclass(error, DatastoreError)


def test_resource_exhausted_says_when_to_retry(make):
    ghost = make(username=f"ghost-{uuid.uuid4().hex[:8]}", password="wrong-password-1")
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            ghost.login()
    with pytest.raises(ResourceExhausted) as info:
        ghost.login()
    assert info.value.reason == "TOO_MANY_ATTEMPTS" and 0 < info.value.retry_after <= 300


def test_per_call_timeout_and_streams_without_deadline(make, ds, password):
    store = ds.create_descriptor(unique("timeouts")).name
    for start in range(0, 2000, 500):
        ds.bulk_put_entries(store, {f"k{i:04}": {"pad": "x" * 1000, "i": i} for i in range(start, start + 500)})
    hasty = make("admin", timeout=0.001)
    with pytest.raises(DeadlineExceeded):
        hasty.query_entries(store, limit=1000)
    assert make(timeout=0.001).login("alice", password, timeout=30).token
    assert len(hasty.query_entries(store, limit=1000, timeout=30).items) == 1000
    assert len(list(hasty.stream_entries(store))) == 2000  # streams: no deadline unless asked
    with pytest.raises(DeadlineExceeded):
        list(hasty.stream_entries(store, timeout=0.001))
    assert make("admin", timeout=None).get_entry(store, "k0002").value["i"] == 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unavailable_is_retried_with_backoff_and_then_raised(make):
    target = f"127.0.0.1:{_free_port()}"  # nothing listens there
    started = time.monotonic()
    with pytest.raises(Unavailable):
        make("admin", target=target, retry=Retry(attempts=4, initial_backoff=0.2, max_backoff=0.2)).get_current_user()
    waited = time.monotonic() - started
    with pytest.raises(Unavailable):
        make("admin", target=target, retry=None).get_current_user()
    assert waited < 5
    with pytest.raises(Unavailable):  # never past the call's deadline
        make("admin", target=target, retry=Retry(attempts=100, initial_backoff=5)).get_current_user(timeout=0.5)


def test_unavailable_until_the_server_comes_up(process_db):
    from datastore_client import DatastoreClient
    from tests.procs import cli, serve

    cli("user", "add", "root", "--password", "root-pass-1", "--admin", db=process_db)
    port = _free_port()
    served, result = [], {}

    def call():
        patient = Retry(attempts=60, initial_backoff=0.05, max_backoff=0.5)
        with DatastoreClient(f"127.0.0.1:{port}", username="root", password="root-pass-1", retry=patient) as ds:
            try:
                result["user"] = ds.get_current_user().username
            except DatastoreError as err:  # pragma: no cover - reported below
                result["error"] = err

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.5)  # the first attempts find nothing listening
    try:
        served.append(serve(process_db, "--grpc", f"127.0.0.1:{port}"))
        caller.join(30)
        assert result == {"user": "root"}
    finally:
        for server in served:  # clean shutdown is tested elsewhere (tests/test_cli.py)
            server.proc.kill()
            server.proc.wait(30)
