"""DHIS2 `?encrypt=true` with no key configured (a key file generated beside the SQLite
database) and `datastore encryption rotate`, through real `datastore` processes.

The rotation tests run on the selected backend (`--backend=postgresql`: a throwaway
cluster, with DATASTORE_ENCRYPTION_KEY_FILE since PostgreSQL has no file beside it);
tests/postgres/test_postgres_encryption.py runs the same scenarios on PostgreSQL always.
"""

from __future__ import annotations

import fcntl
import os
import stat
import threading
from pathlib import Path

import httpx
import pytest

from server.domain.errors import FailedPrecondition
from server.services.crypto import Cipher, key_id, token_key_id
from server.services.keyfiles import read_key_file, sqlite_path
from server.storage.db import make_database
from tests.procs import Served, cli, serve

NO_KEY = {
    "DATASTORE_ENCRYPTION_KEY": None,
    "DATASTORE_ENCRYPTION_KEY_FILE": None,
    "DATASTORE_ENCRYPTION_OLD_KEYS": None,
}
GENERATED = "generated a new encryption key"
KEY_A = "11" * 32
KEY_B = "22" * 32


def admin_token(db: str, env: dict) -> str:
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", "--global-data", db=db, env=env)
    return cli("token", "create", "root", db=db, env=env).stdout.strip()


def client(served: Served, token: str) -> httpx.Client:
    return httpx.Client(base_url=f"http://{served.http}", headers={"authorization": f"Token {token}"}, timeout=30)


def stop_and_log(served: Served) -> str:
    """Stops the server (exit 0 expected) and returns everything it printed."""
    assert served.stop() == 0
    text = "".join(served.output) + served.proc.stdout.read()  # whether or not a thread collects output
    assert "Traceback" not in text, text[-4000:]
    return text


def stored_secrets(db: str) -> dict[str, tuple[str, str]]:
    """key -> (uid, ciphertext) of every encrypted entry, read straight from the database."""
    database = make_database(db, max_connections=1)
    try:
        rows = database.execute_sql("SELECT key, uid, secret FROM entry WHERE encrypted").fetchall()
    finally:
        database.close_all() if hasattr(database, "close_all") else database.close()
    return {key: (uid, secret) for key, uid, secret in rows}


def key_env(db: str, tmp_path: Path) -> tuple[dict, Path]:
    """Settings with no key: on SQLite the key file beside the database, on PostgreSQL a
    DATASTORE_ENCRYPTION_KEY_FILE (which it needs; see the refusal test)."""
    path = sqlite_path(db)
    if path:
        return dict(NO_KEY), Path(f"{path}.key")
    key_file = tmp_path / "cluster.key"
    return {**NO_KEY, "DATASTORE_ENCRYPTION_KEY_FILE": str(key_file)}, key_file


def value_of(i: int) -> dict:
    return {"password": f"secret-{i}", "n": i, "tags": ["a", i]}


# ----------------------------------------------------------- a generated key


def test_encrypt_without_a_key_generates_one_beside_the_database(tmp_path):
    db = f"sqlite:///{tmp_path / 'dhis.db'}"
    key_file = tmp_path / "dhis.db.key"
    token = admin_token(db, NO_KEY)
    first = serve(db, env=NO_KEY)
    try:
        with client(first, token) as c:
            assert c.post("/api/dataStore/ns/plain", json=1).status_code == 201
            assert not key_file.exists(), "the key is generated on the first ?encrypt=true, not before"
            r = c.post("/api/dataStore/ns/k?encrypt=true", json={"pw": "hunter2"})
            assert r.status_code == 201, r.text
            assert c.get("/api/dataStore/ns/k").json() == {"pw": "hunter2"}
            assert c.get("/api/dataStore/ns/k/metaData").json()["encrypted"] is True
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        key = read_key_file(str(key_file))
        assert key is not None and len(key) == 32
        assert not list(tmp_path.glob(".datastore-key-*")), "no temporary file left behind"
        uid, secret = stored_secrets(db)["k"]
        assert "hunter2" not in secret and Cipher(key).decrypt(secret, uid) == {"pw": "hunter2"}

        second = serve(db, env=NO_KEY)  # a second process on the same database
        try:
            with client(second, token) as c2, client(first, token) as c1:
                assert c2.get("/api/dataStore/ns/k").json() == {"pw": "hunter2"}
                assert c2.post("/api/dataStore/ns/k2?encrypt=true", json=[2]).status_code == 201
                assert c1.get("/api/dataStore/ns/k2").json() == [2]
        finally:
            assert GENERATED not in stop_and_log(second)
        assert read_key_file(str(key_file)) == key, "the second process did not replace the key"
    finally:
        log = stop_and_log(first)
    assert log.count(GENERATED) == 1 and str(key_file) in log and "back it up" in log

    restarted = serve(db, env=NO_KEY)
    try:
        with client(restarted, token) as c:
            assert c.get("/api/dataStore/ns/k").json() == {"pw": "hunter2"}
            assert c.get("/api/dataStore/ns/k2").json() == [2]
    finally:
        assert GENERATED not in stop_and_log(restarted)
    assert read_key_file(str(key_file)) == key


def test_processes_racing_to_create_the_key_end_up_with_one(tmp_path):
    db = f"sqlite:///{tmp_path / 'race.db'}"
    token = admin_token(db, NO_KEY)
    servers = [serve(db, env=NO_KEY), serve(db, env=NO_KEY)]
    statuses: list[int] = []
    try:
        start = threading.Barrier(8)

        def write(n: int) -> None:
            with client(servers[n % 2], token) as c:
                start.wait()
                statuses.append(c.post(f"/api/dataStore/race/k{n}?encrypt=true", json=n).status_code)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert statuses == [201] * 8
        for served in servers:
            with client(served, token) as c:
                assert [c.get(f"/api/dataStore/race/k{n}").json() for n in range(8)] == list(range(8))
    finally:
        logs = [stop_and_log(s) for s in servers]
    assert sum(log.count(GENERATED) for log in logs) == 1
    assert len({token_key_id(secret) for _, secret in stored_secrets(db).values()}) == 1


def test_a_lost_key_is_not_silently_replaced(tmp_path):
    db = f"sqlite:///{tmp_path / 'lost.db'}"
    token = admin_token(db, NO_KEY)
    served = serve(db, env=NO_KEY)
    try:
        with client(served, token) as c:
            assert c.post("/api/dataStore/ns/k?encrypt=true", json="v").status_code == 201
    finally:
        stop_and_log(served)
    (tmp_path / "lost.db.key").unlink()
    served = serve(db, env=NO_KEY)
    try:
        with client(served, token) as c:
            r = c.get("/api/dataStore/ns/k")
            assert r.status_code == 409 and "cannot be decrypted" in r.json()["message"]
            r = c.post("/api/dataStore/ns/other?encrypt=true", json="w")
            assert r.status_code == 409 and "restore the key file" in r.json()["message"], r.text
    finally:
        stop_and_log(served)
    assert not (tmp_path / "lost.db.key").exists()
    status = cli("encryption", "rotate", db=db, env=NO_KEY, check=False)
    assert status.returncode == 1 and "missing" in status.stderr


# ------------------------------------------------------------------ rotation


def write_values(c: httpx.Client, count: int) -> dict[str, object]:
    """`count` encrypted dataStore values, two encrypted userDataStore values and one
    plain value; returns key -> value of the encrypted ones."""
    written = {}
    for i in range(count):
        assert c.post(f"/api/dataStore/vault/s{i}?encrypt=true", json=value_of(i)).status_code == 201
        written[f"s{i}"] = value_of(i)
    for i in (100, 101):
        assert c.post(f"/api/userDataStore/mine/u{i}?encrypt=true", json=value_of(i)).status_code == 201
        written[f"u{i}"] = value_of(i)
    assert c.post("/api/dataStore/vault/plain", json={"open": True}).status_code == 201
    return written


def read_values(c: httpx.Client, keys) -> dict[str, object]:
    out = {}
    for key in keys:
        url = f"/api/userDataStore/mine/{key}" if key.startswith("u") else f"/api/dataStore/vault/{key}"
        r = c.get(url)
        assert r.status_code == 200, r.text
        out[key] = r.json()
    return out


def rotate(db: str, env: dict, *args: str, check: bool = True):
    return cli("encryption", "rotate", "--settle", "0", *args, db=db, env=env, check=check)


def check_only_new_key(db: str, expected: dict, old: bytes, new: bytes) -> dict[str, tuple[str, str]]:
    stored = stored_secrets(db)
    assert set(stored) == set(expected)
    for key, (uid, secret) in stored.items():
        assert token_key_id(secret) == key_id(new)
        assert Cipher(new).decrypt(secret, uid) == expected[key]
        with pytest.raises(FailedPrecondition):
            Cipher(old).decrypt(secret, uid)  # the old key alone no longer decrypts anything
    return stored


def rotation_scenario(db: str, env: dict, key_file: Path) -> None:
    """Interrupted rotation, resumed; a running server keeps reading and writing
    throughout (it learns the new key from the key file); then a one-go rotation."""
    token = admin_token(db, env)
    served = serve(db, env=env)
    try:
        with client(served, token) as c:
            expected = write_values(c, 7)  # 9 encrypted values: 3 batches of 3
            old = read_key_file(str(key_file))
            before = stored_secrets(db)

            out = rotate(db, env, "--batch-size", "3", "--max-batches", "1", check=False)
            assert out.returncode == 3 and "run the same command again" in out.stdout, out.stdout + out.stderr
            new = read_key_file(str(key_file))
            assert new != old and read_key_file(f"{key_file}.old") == old
            assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
            half = stored_secrets(db)
            assert sorted(token_key_id(s) for _, s in half.values()).count(key_id(new)) == 3
            assert read_values(c, expected) == expected  # mixed keys: both readable
            assert c.post("/api/dataStore/vault/late?encrypt=true", json="late").status_code == 201
            expected["late"] = "late"
            assert token_key_id(stored_secrets(db)["late"][1]) == key_id(new), "the server picked up the new key"
            status = cli("encryption", "status", db=db, env=env).stdout
            assert "unfinished rotation" in status and key_id(new) in status

            refused = rotate(db, env, "--new-key", KEY_B, check=False)
            assert refused.returncode == 1 and "unfinished" in refused.stderr
            done = rotate(db, env, "--batch-size", "3")
            assert "resuming" in done.stdout and key_id(new) in done.stdout
            assert not Path(f"{key_file}.old").exists() and read_key_file(str(key_file)) == new
            after = check_only_new_key(db, expected, old, new)
            assert all(after[k][1] != before[k][1] for k in before), "every ciphertext changed"
            assert read_values(c, expected) == expected
            r = c.put("/api/dataStore/vault/s0", json={"changed": True})
            assert r.status_code == 200, r.text
            expected["s0"] = {"changed": True}
            assert read_values(c, expected) == expected
    finally:
        stop_and_log(served)

    new_file = key_file.parent / "next.key"
    new_file.write_text(KEY_A + "\n")
    rotate(db, env, "--new-key-file", str(new_file), "--batch-size", "4")
    check_only_new_key(db, expected, new, bytes.fromhex(KEY_A))
    restarted = serve(db, env=env)
    try:
        with client(restarted, token) as c:
            assert read_values(c, expected) == expected
            assert c.get("/api/dataStore/vault/plain").json() == {"open": True}
    finally:
        stop_and_log(restarted)


def env_key_scenario(db: str) -> None:
    """Keys in the environment: servers move to key B keeping A as an old key, the
    rotation moves the values, then B alone reads everything."""
    env_a = {**NO_KEY, "DATASTORE_ENCRYPTION_KEY": KEY_A}
    env_both = {**NO_KEY, "DATASTORE_ENCRYPTION_KEY": KEY_B, "DATASTORE_ENCRYPTION_OLD_KEYS": KEY_A}
    env_b = {**NO_KEY, "DATASTORE_ENCRYPTION_KEY": KEY_B}
    token = admin_token(db, env_a)
    served = serve(db, env=env_a)
    try:
        with client(served, token) as c:
            expected = write_values(c, 4)
    finally:
        stop_and_log(served)
    served = serve(db, env=env_both)
    try:
        with client(served, token) as c:
            assert read_values(c, expected) == expected
            rotate(db, env_both, "--batch-size", "2")
            assert read_values(c, expected) == expected
    finally:
        stop_and_log(served)
    check_only_new_key(db, expected, bytes.fromhex(KEY_A), bytes.fromhex(KEY_B))
    served = serve(db, env=env_b)
    try:
        with client(served, token) as c:
            assert read_values(c, expected) == expected
    finally:
        stop_and_log(served)


def test_rotation_is_resumable_and_servers_keep_working(process_db, tmp_path):
    env, key_file = key_env(process_db, tmp_path)
    rotation_scenario(process_db, env, key_file)


def test_rotation_with_keys_in_the_environment(process_db):
    env_key_scenario(process_db)


def test_rotation_without_any_key_or_value_does_nothing(tmp_path):
    db = f"sqlite:///{tmp_path / 'empty.db'}"
    out = rotate(db, NO_KEY)
    assert "nothing to rotate" in out.stdout and not (tmp_path / "empty.db.key").exists()


def test_one_rotation_at_a_time_per_key_file(tmp_path):
    db = f"sqlite:///{tmp_path / 'lock.db'}"
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # what a running rotation holds
        out = rotate(db, NO_KEY, check=False)
    finally:
        os.close(fd)
    assert out.returncode == 1 and "another `datastore encryption rotate` is running" in out.stderr
