"""The `datastore` command as the operating contract names it, as real processes."""

import base64
import signal
import socket
import subprocess
import threading
import time

import grpc
import pytest

from datastore.v1 import auth_pb2, auth_pb2_grpc, entry_pb2, entry_pb2_grpc
from datastore_client import DatastoreClient, DatastoreError
from tests.helpers import serial
from tests.procs import DATASTORE, cli, serve


@pytest.fixture
def db(process_db):
    return process_db  # SQLite, or PostgreSQL under --backend=postgresql


def test_admin_commands_on_fresh_database(db):
    cli("customer", "add", "7", "Seven", db=db)
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", "--global-data", db=db)
    cli("user", "add", "u7", "--password", "u7-pass-12", "--customer", "7", db=db)
    cli("user", "add", "u1", "--password", "u1-pass-12", db=db)  # customer 1 created on demand
    cli("group", "add", "team", db=db)
    cli("group", "add-user", "team", "u1", db=db)
    cli("grant", "u1", "--customer", "7", "--access", "read", db=db)
    token = cli("token", "create", "u1", "--days", "2", db=db).stdout
    assert token.strip() and "\n" not in token.strip(), "token printed alone"
    served = serve(db)
    try:
        with DatastoreClient(served.grpc, token=token.strip()) as client:
            user = client.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest()).user
        assert user.user_name == "u1" and list(user.readable_customer_ids) == [1, 7]
        assert list(user.groups) == ["team"] and list(user.writable_customer_ids) == [1]
    finally:
        assert served.stop() == 0


def test_admin_command_errors(db):
    cli("user", "add", "x1", "--password", "x1-pass-12", db=db)
    dup = cli("user", "add", "x1", "--password", "x1-pass-12", db=db, check=False)
    assert dup.returncode == 1 and "already exists" in dup.stderr
    short = cli("user", "add", "x2", "--password", "short", db=db, check=False)
    assert short.returncode == 1 and "password" in short.stderr
    missing = cli("token", "create", "ghost", db=db, check=False)
    assert missing.returncode == 1 and "ghost" in missing.stderr
    grant = cli("grant", "x1", "--customer", "99", "--access", "write", db=db, check=False)
    assert grant.returncode == 1 and "customer 99" in grant.stderr
    zero = cli("customer", "add", "0", "again", db=db, check=False)
    assert zero.returncode == 1
    # no password given and no terminal to ask in: a message, not getpass's EOFError
    argv = [DATASTORE, "user", "add", "x3", "--db", db]
    nopass = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert nopass.returncode == 1 and "--password-stdin" in nopass.stderr, nopass.stderr
    assert "Traceback" not in nopass.stderr


def test_serve_prints_listeners_and_stops_cleanly(db):
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", db=db)
    served = serve(db)
    assert served.grpc.startswith("127.0.0.1:") and served.http.startswith("127.0.0.1:")
    import httpx

    r = httpx.get(f"http://{served.http}/anything")  # anonymous: 401 before anything else
    assert r.status_code == 401 and r.json()["error"]["code"] == 401
    r = httpx.get(f"http://{served.http}/anything", auth=("root", "root-pass-1"))
    assert r.status_code == 404 and r.json()["error"]["code"] == 404
    assert served.stop(signal.SIGINT) == 0


@serial  # a stream read whole within one grace period: see tests/helpers.py
def test_sigterm_stops_both_listeners_at_once_and_drains_them_together(db):
    """A REST stream still being read holds the HTTP drain; meanwhile the gRPC listener
    takes no new call (it used to serve on until HTTP had drained), the stream still
    ends whole, and the server exits within one grace period, not one per listener."""
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", db=db)
    token = cli("token", "create", "root", db=db).stdout.strip()
    served = serve(db)
    with DatastoreClient(served.grpc, token=token) as client:
        client.create_descriptor("big")
        for batch in range(4):  # 24 MB of values: far more than the socket buffers hold
            client.bulk_put_entries("big", {f"k{batch}-{i}": "x" * 1_000_000 for i in range(6)})
    sock = socket.create_connection(tuple(served.http.rsplit(":", 1)))
    sock.sendall(
        f"POST /v1/descriptors/big/entries:stream HTTP/1.1\r\nHost: x\r\nAuthorization: Token {token}\r\n"
        "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}".encode()
    )
    received = bytearray(sock.recv(4096))  # the head, and maybe the first entries with it
    assert received.startswith(b"HTTP/1.1 200")  # streaming; then the client stalls
    time.sleep(0.5)
    started = time.monotonic()
    served.proc.send_signal(signal.SIGTERM)
    time.sleep(1)
    with grpc.insecure_channel(served.grpc) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        with pytest.raises(grpc.RpcError) as refused:
            stub.GetCurrentUser(
                auth_pb2.GetCurrentUserRequest(), metadata=(("authorization", f"Token {token}"),), timeout=5
            )
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    while chunk := sock.recv(1 << 20):
        received += chunk
    sock.close()
    assert received.count(b'"key":"k') == 24, "the in-flight stream was cut"
    assert served.proc.wait(timeout=30) == 0  # by itself, on the one SIGTERM
    assert time.monotonic() - started < 10 + 5  # one grace (10 s) and the exit, not two
    served.stop_checked()


def test_graceful_shutdown_finishes_in_flight_calls(db):
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", db=db)
    token = cli("token", "create", "root", db=db).stdout.strip()
    served = serve(db)
    with DatastoreClient(served.grpc, token=token) as client:
        client.create_descriptor("s")
        results, errors = [], []

        def writer():
            for i in range(2000):
                try:
                    client.put_entry("s", f"k{i}", i)
                    results.append(i)
                except DatastoreError as err:
                    errors.append(err.code)
                    return

        thread = threading.Thread(target=writer)
        thread.start()
        time.sleep(0.5)
        code = served.stop(signal.SIGTERM)
        thread.join(30)
    assert code == 0
    assert results, "calls were in flight"
    # Whatever was acknowledged is stored; new calls after shutdown fail cleanly.
    assert all(c in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED) for c in errors)
    served = serve(db)
    try:
        with DatastoreClient(served.grpc, token=token) as client:
            stored = {e.key for e in client.stream_entries("s")}
            assert {f"k{i}" for i in results} <= stored, "an acknowledged write was lost"
    finally:
        served.stop()


def test_port_in_use_fails(db):
    served = serve(db)
    try:
        import subprocess

        from tests.procs import DATASTORE

        second = subprocess.run(
            [DATASTORE, "serve", "--db", db, "--grpc", served.grpc, "--http", "127.0.0.1:0"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
    finally:
        served.stop()


def test_basic_auth_over_real_process(db):
    cli("user", "add", "bas", "--password", "bas-pass-12", db=db)
    served = serve(db)
    try:
        channel = grpc.insecure_channel(served.grpc)
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        creds = base64.b64encode(b"bas:bas-pass-12").decode()
        user = stub.GetCurrentUser(
            auth_pb2.GetCurrentUserRequest(), metadata=[("authorization", f"Basic {creds}")]
        ).user
        assert user.user_name == "bas"
        token = stub.CreateToken(auth_pb2.CreateTokenRequest(username="bas", password="bas-pass-12")).token
        entries = entry_pb2_grpc.EntryServiceStub(channel)
        with pytest.raises(grpc.RpcError) as info:
            entries.GetEntry(entry_pb2.GetEntryRequest(store="nope", key="k"), metadata=[("argus-api-key", token)])
        assert info.value.code() == grpc.StatusCode.NOT_FOUND
        channel.close()
    finally:
        served.stop()
