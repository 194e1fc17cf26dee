"""Administration commands as real processes: listings with --json, user
delete and passwd, token list and revoke, init of the first administrator, password
options; a served process refuses a revoked or orphaned token within its 2 s cache."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import time

import grpc
import httpx
import pytest

from datastore.v1 import auth_pb2, auth_pb2_grpc
from tests.helpers import serial
from tests.procs import DATASTORE, cli, environment, serve


@pytest.fixture
def db(process_db):
    return process_db  # SQLite, or PostgreSQL under --backend=postgresql


def run(*args: str, db: str, stdin: str = "", check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [DATASTORE, *args, "--db", db], input=stdin, capture_output=True, text=True, timeout=120, env=environment(None)
    )
    if check and result.returncode != 0:
        raise AssertionError(f"datastore {' '.join(args)} failed: {result.stderr}")
    return result


def current_user(target: str, token: str):
    with grpc.insecure_channel(target) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        return stub.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=[("authorization", f"Token {token}")])


def refused_within(target: str, token: str, seconds: float) -> float:
    """Seconds until the server answers UNAUTHENTICATED to the token (fails after `seconds`)."""
    started = time.monotonic()
    while True:
        try:
            current_user(target, token)
        except grpc.RpcError as err:
            assert err.code() == grpc.StatusCode.UNAUTHENTICATED, err
            return time.monotonic() - started
        assert time.monotonic() - started < seconds, "the server still accepts the token"
        time.sleep(0.1)


def test_listings_text_and_json(db):
    cli("customer", "add", "7", "Seven", db=db)
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", "--global-data", db=db)
    run("user", "add", "u7", "--password-stdin", "--customer", "7", db=db, stdin="u7-pass-123\n")
    cli("group", "add", "team", db=db)
    cli("group", "add-user", "team", "u7", db=db)
    cli("grant", "u7", "--customer", "1", "--access", "write", db=db)
    cli("user", "add", "list", "--password", "list-pass-1", db=db)
    cli("grant", "list", "--customer", "7", "--access", "read", db=db)  # a user named "list": the contract's form
    token = cli("token", "create", "u7", "--days", "3", db=db).stdout.strip()

    users = json.loads(cli("user", "list", "--json", db=db).stdout)["users"]
    assert [(u["username"], u["customer"], u["admin"], u["global_data"], u["groups"]) for u in users] == [
        ("list", 1, False, False, []),
        ("root", 1, True, True, []),
        ("u7", 7, False, False, ["team"]),
    ]
    text = cli("user", "list", db=db).stdout
    assert text.splitlines()[0].split()[:3] == ["USERNAME", "CUSTOMER", "ADMIN"] and "u7" in text

    tokens = json.loads(cli("token", "list", "u7", "--json", db=db).stdout)["tokens"]
    assert len(tokens) == 1 and set(tokens[0]) == {"id", "created", "expires"}
    assert abs(tokens[0]["expires"] - tokens[0]["created"] - 3 * 24 * 3600 * 1000) < 1000
    assert token not in cli("token", "list", "u7", db=db).stdout

    groups = json.loads(cli("group", "list", "--json", db=db).stdout)["groups"]
    assert [(g["name"], g["members"]) for g in groups] == [("team", ["u7"])]
    grants = json.loads(cli("grant", "list", "--json", db=db).stdout)["grants"]
    assert grants == [
        {"customer": 1, "user": "u7", "group": None, "access": "write"},
        {"customer": 7, "user": "list", "group": None, "access": "read"},
    ]
    assert "u7" in cli("grant", "list", db=db).stdout

    missing = cli("token", "list", "ghost", db=db, check=False)
    assert missing.returncode == 1 and "ghost" in missing.stderr
    bad = cli("grant", "u7", "--customer", "7", db=db, check=False)
    assert bad.returncode != 0 and "--access" in bad.stderr


def test_password_options(db):
    plain = cli("user", "add", "p1", "--password", "p1-pass-123", db=db)
    assert "warning" in plain.stderr and "--password-stdin" in plain.stderr and "p1-pass-123" not in plain.stderr
    quiet = run("user", "add", "p2", "--password-stdin", db=db, stdin="p2-pass-123\n")
    assert quiet.stderr == ""
    short = run("user", "add", "p3", "--password-stdin", db=db, stdin="short\n", check=False)
    assert short.returncode == 1 and "password" in short.stderr
    run("user", "passwd", "p2", "--password-stdin", db=db, stdin="p2-new-pass-9\n")
    warned = cli("user", "passwd", "p1", "--password", "p1-new-pass-9", db=db)
    assert "warning" in warned.stderr
    served = serve(db)
    try:
        for user, password, ok in (
            ("p2", "p2-new-pass-9", 200),
            ("p2", "p2-pass-123", 400),
            ("p1", "p1-new-pass-9", 200),
        ):
            r = httpx.post(f"http://{served.http}/api/v1/token-auth/", json={"username": user, "password": password})
            assert r.status_code == ok, (user, password, r.text)
    finally:
        served.stop_checked()


@serial  # refused within a wall-clock bound: see tests/helpers.py
def test_revoke_and_delete_reach_a_running_server(db):
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", db=db)
    cli("user", "add", "gone", "--password", "gone-pass-1", db=db)
    root_token = cli("token", "create", "root", db=db).stdout.strip()
    revoked = cli("token", "create", "root", db=db).stdout.strip()
    orphan = cli("token", "create", "gone", db=db).stdout.strip()
    served = serve(db)
    try:
        for token in (root_token, revoked, orphan):
            current_user(served.grpc, token)  # cached by the server from now on
        assert "revoked" in cli("token", "revoke", revoked, db=db).stdout
        assert refused_within(served.grpc, revoked, 2.5) <= 2.5
        again = cli("token", "revoke", revoked, db=db, check=False)
        assert again.returncode == 1 and "no such token" in again.stderr

        cli("user", "delete", "gone", db=db)
        assert refused_within(served.grpc, orphan, 2.5) <= 2.5
        assert current_user(served.grpc, root_token).user.user_name == "root"
        names = [u["username"] for u in json.loads(cli("user", "list", "--json", db=db).stdout)["users"]]
        assert names == ["root"]
        missing = cli("user", "delete", "gone", db=db, check=False)
        assert missing.returncode == 1 and "gone" in missing.stderr
    finally:
        served.stop_checked()


def test_user_delete_removes_its_private_data(db):
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", db=db)
    cli("user", "add", "temp", "--password", "temp-pass-1", db=db)
    served = serve(db)
    try:
        base = f"http://{served.http}"
        with httpx.Client(base_url=base, auth=("temp", "temp-pass-1")) as temp:
            assert temp.post("/api/userDataStore/ns/k", json={"mine": 1}).status_code < 300
            assert temp.post("/api/dataStore/shared/k", json={"public": 1}).status_code < 300
        cli("user", "delete", "temp", db=db)
        cli("user", "add", "temp", "--password", "temp-pass-2", db=db)  # may get the same id on SQLite
        time.sleep(2.2)
        with httpx.Client(base_url=base, auth=("temp", "temp-pass-2")) as temp:
            assert temp.get("/api/userDataStore/ns/k").status_code == 404
            meta = temp.get("/api/dataStore/shared/k/metaData").json()
        assert meta.get("createdBy", {}).get("username") != "temp", meta
        with httpx.Client(base_url=base, auth=("root", "root-pass-1")) as root:
            assert root.get("/api/dataStore/shared/k").json() == {"public": 1}
    finally:
        served.stop_checked()


def first_start_log(db: str) -> str:
    """What `datastore serve` says on `db` until it gives the first-start hint (at most 20 s)."""
    proc = subprocess.Popen(
        [DATASTORE, "serve", "--db", db, "--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment(None),
    )
    lines: list[str] = []
    deadline = time.monotonic() + 20
    try:
        # until the hint and the listening lines (SIGTERM is handled once the server listens)
        while time.monotonic() < deadline and not all(
            any(text in line for line in lines) for text in ("datastore init --admin", "http listening on")
        ):
            ready, _, _ = select.select([proc.stdout], [], [], 0.2)
            if ready:
                line = proc.stdout.readline()
                if not line:
                    break
                lines.append(line)
        time.sleep(1)  # cmd_serve installs its SIGTERM handler just after printing the listening lines
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in rest, rest
    return "".join(lines)


def test_init_first_administrator(db):
    assert "datastore init --admin" in first_start_log(db)
    out = run("init", "--admin", "boss", "--password-stdin", db=db, stdin="boss-pass-123\n")
    token = out.stdout.strip()
    assert token and "\n" not in token and "shown once" in out.stderr
    again = run("init", "--admin", "other", db=db, check=False)
    assert again.returncode == 1 and "already has users" in again.stderr
    served = serve(db)
    try:
        user = current_user(served.grpc, token).user
        assert user.user_name == "boss" and user.admin
        r = httpx.post(
            f"http://{served.http}/api/v1/token-auth/", json={"username": "boss", "password": "boss-pass-123"}
        )
        assert r.status_code == 200
    finally:
        served.stop_checked()


def test_passwd_and_delete_reach_basic_auth_of_a_running_server(db):
    """A running server caches password checks; a changed password or a deleted user
    is refused (401, never 404 or 500) within the 2 s of its caches."""
    cli("user", "add", "vic", "--password", "vic-pass-12", db=db)
    served = serve(db)
    try:
        url = f"http://{served.http}/api/dataStore"
        assert httpx.get(url, auth=("vic", "vic-pass-12")).status_code == 200  # cached from now on
        run("user", "passwd", "vic", "--password-stdin", db=db, stdin="vic-new-pass\n")
        time.sleep(2.2)
        assert httpx.get(url, auth=("vic", "vic-pass-12")).status_code == 401
        assert httpx.get(url, auth=("vic", "vic-new-pass")).status_code == 200
        cli("user", "delete", "vic", db=db)
        time.sleep(2.2)
        r = httpx.get(url, auth=("vic", "vic-new-pass"))
        assert r.status_code == 401, r.text
    finally:
        served.stop_checked()
