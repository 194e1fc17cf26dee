"""Export/import (NDJSON), SQLite online backup and the durability switch, as
real processes on the selected backend."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from pathlib import Path

import httpx
import pytest

from datastore_client import DatastoreClient, DatastoreError
from tests.conftest import ENCRYPTION_KEY
from tests.procs import cli, serve

ENV = {"DATASTORE_ENCRYPTION_KEY": ENCRYPTION_KEY, "DATASTORE_ENCRYPTION_KEY_FILE": None}
ADMIN = ("root", "root-pass-1")
ENTRIES = 3000


def plain(value) -> dict:
    return dataclasses.asdict(value)


def seed(db: str) -> dict:
    """Every surface: canonical entries, DHIS2 keys with sharing and an encrypted value,
    a userDataStore entry, a namespace protection, a Make structure, store and records."""
    cli("user", "add", *ADMIN[:1], "--password", ADMIN[1], "--admin", "--global-data", db=db)
    cli("user", "add", "ann", "--password", "ann-pass-12", db=db)
    cli("group", "add", "team", db=db)
    cli("group", "add-user", "team", "ann", db=db)
    cli("customer", "add", "5", "Five", db=db)
    cli("grant", "ann", "--customer", "5", "--access", "read", db=db)
    served = serve(db, env=ENV)
    try:
        with DatastoreClient(served.grpc, username=ADMIN[0], password=ADMIN[1]) as ds:
            ds.create_descriptor("canon")
            for start in range(0, ENTRIES, 1000):
                ds.bulk_put_entries(
                    "canon", {f"k{i:05d}": {"i": i, "f": i / 7, "s": f"é{i}"} for i in range(start, start + 1000)}
                )
            ds.put_entry("canon", "k00001", {"again": True})  # revision 2
            ds.delete_entries("canon", ["k00002"])  # a soft-deleted entry
        with httpx.Client(base_url=f"http://{served.http}", auth=ADMIN, timeout=30) as c:
            for key, value in (("plain", {"n": 1.5, "big": 2**53}), ("list", [1, None, "x"]), ("shared", "text")):
                assert c.post(f"/api/dataStore/ns1/{key}", json=value).status_code < 300
            assert c.post("/api/dataStore/ns1/secret?encrypt=true", json={"pin": 1234}).status_code < 300
            uid = c.get("/api/dataStore/ns1/shared/metaData").json()["id"]
            sharing = {
                "object": {
                    "publicAccess": "r-------",
                    "userAccesses": [{"id": "ann", "access": "rw------"}],
                    "userGroupAccesses": [{"id": "team", "access": "r-------"}],
                }
            }
            assert c.post(f"/api/sharing?type=dataStore&id={uid}", json=sharing).status_code == 200
            rule = {"namespace": "guarded", "reads": "RESTRICTED", "writes": "RESTRICTED", "authorities": ["team"]}
            assert c.post("/api/dataStore/protections", json=rule).status_code == 200
            assert c.post("/api/userDataStore/mine/k", json={"private": [1, 2]}).status_code < 300
            structure = c.post("/api/v2/data-structures", json={"name": "st", "teamId": 1, "spec": [], "strict": False})
            sid = structure.json()["dataStructure"]["id"]
            store = c.post(
                "/api/v2/data-stores", json={"name": "mk", "teamId": 1, "datastructureId": sid, "maxSizeMB": 1}
            )
            make_id = store.json()["dataStore"]["id"]
            for i in range(5):
                assert (
                    c.post(f"/api/v2/data-stores/{make_id}/data", json={"key": f"r{i}", "data": {"i": i}}).status_code
                    < 300
                )
    finally:
        served.stop_checked()
    return {"uid": uid, "make": make_id}


def snapshot(db: str, ids: dict) -> dict:
    """Everything seed() wrote, read back through the API of a server on `db`."""
    served = serve(db, env=ENV)
    try:
        with DatastoreClient(served.grpc, username=ADMIN[0], password=ADMIN[1]) as ds:
            out = {
                "descriptor": plain(ds.get_descriptor("canon")),
                "entries": [plain(e) for e in ds.stream_entries("canon")],
            }
        with httpx.Client(base_url=f"http://{served.http}", auth=ADMIN, timeout=30) as c:
            reads = {
                "keys": "/api/dataStore/ns1",
                "plain": "/api/dataStore/ns1/plain",
                "list": "/api/dataStore/ns1/list",
                "secret": "/api/dataStore/ns1/secret",
                "meta": "/api/dataStore/ns1/shared/metaData",
                "sharing": f"/api/sharing?type=dataStore&id={ids['uid']}",
                "protections": "/api/dataStore/protections",
                "mine": "/api/userDataStore/mine/k",
                "make": f"/api/v2/data-stores/{ids['make']}",
                "records": f"/api/v2/data-stores/{ids['make']}/data",
            }
            for name, url in reads.items():
                r = c.get(url)
                assert r.status_code == 200, (url, r.text)
                out[name] = r.json()
        with httpx.Client(base_url=f"http://{served.http}", auth=("ann", "ann-pass-12"), timeout=30) as c:
            out["ann-shared"] = c.get("/api/dataStore/ns1/shared").json()
    finally:
        served.stop_checked()
    return out


def rows(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["format"] == "datastore-export" and "end" in json.loads(lines[-1])
    return lines[1:-1]


def test_export_import_round_trip(new_database, tmp_path):
    source, target = new_database(), new_database()
    ids = seed(source)
    before = snapshot(source, ids)
    assert len(before["entries"]) == ENTRIES - 1 and before["secret"] == {"pin": 1234}

    dump = tmp_path / "all.ndjson"
    out = cli("export", "--out", str(dump), db=source)
    assert out.stdout == "" and dump.stat().st_mode & 0o777 == 0o600
    lines = rows(dump)
    assert sum(json.loads(line)["t"] == "entry" for line in lines) >= ENTRIES + 10
    secret = [json.loads(line)["r"] for line in lines if '"secret":"v1.' in line]
    assert len(secret) == 1 and secret[0]["value"] is None, "encrypted values stay encrypted"
    assert not any(json.loads(line)["t"] == "token" for line in lines)
    assert cli("export", db=source).stdout.splitlines()[1:-1] == lines, "stdout holds the same export"

    imported = cli("import", str(dump), db=target)
    assert imported.stdout == "" and "imported" in imported.stderr
    assert snapshot(target, ids) == before
    again = tmp_path / "again.ndjson"
    cli("import", str(dump), db=target)  # twice: the same database
    cli("export", "--out", str(again), db=target)
    assert rows(again) == lines
    assert snapshot(target, ids) == before

    served = serve(target, env=ENV)  # new rows after an import get fresh ids (PostgreSQL sequences)
    try:
        with httpx.Client(base_url=f"http://{served.http}", auth=ADMIN, timeout=30) as c:
            assert c.post("/api/dataStore/ns1/new-key", json=1).status_code < 300
            assert (
                c.post(
                    "/v1/descriptors",
                    json={"name": "after", "dataType": "DATA_TYPE_MAP", "behaviourType": "BEHAVIOUR_TYPE_CENTRAL"},
                ).status_code
                < 300
            )
    finally:
        served.stop_checked()
    cli("user", "add", "later", "--password", "later-pass-1", db=target)


def test_export_of_some_stores_and_bad_files(new_database, tmp_path):
    source = new_database()
    ids = seed(source)
    part = tmp_path / "part.ndjson"
    cli("export", "--store", "canon", "--store", "dhis2:ns1", "--out", str(part), db=source)
    lines = [json.loads(line) for line in rows(part)]
    assert {d["r"]["name"] for d in lines if d["t"] == "descriptor"} == {"canon", "dhis2:ns1"}
    assert {d["t"] for d in lines} >= {"user", "group", "grant", "entry", "entry_access"}
    missing = cli("export", "--store", "nope", db=source, check=False)
    assert missing.returncode == 1 and "nope" in missing.stderr

    target = new_database()
    only = tmp_path / "canon.ndjson"
    cli("export", "--store", "canon", "--out", str(only), db=source)
    cli("import", str(only), db=target)
    after = snapshot_canon(target)
    assert len(after) == ENTRIES - 1 and ids

    truncated = tmp_path / "cut.ndjson"
    truncated.write_text("\n".join(only.read_text().splitlines()[:-1]) + "\n")
    cut = cli("import", str(truncated), db=new_database(), check=False)
    assert cut.returncode == 1 and "truncated" in cut.stderr
    junk = tmp_path / "junk.ndjson"
    junk.write_text('{"hello": 1}\n')
    bad = cli("import", str(junk), db=new_database(), check=False)
    assert bad.returncode == 1 and "not a datastore export" in bad.stderr


def snapshot_canon(db: str) -> list[dict]:
    served = serve(db, env=ENV)
    try:
        with DatastoreClient(served.grpc, username=ADMIN[0], password=ADMIN[1]) as ds:
            return [plain(e) for e in ds.stream_entries("canon")]
    finally:
        served.stop_checked()


def test_online_backup_while_writers_run(process_db, tmp_path):
    if not process_db.startswith("sqlite"):
        refused = cli("backup", str(tmp_path / "x.db"), db=process_db, check=False)
        assert refused.returncode == 1 and "pg_dump" in refused.stderr
        return
    cli("user", "add", *ADMIN[:1], "--password", ADMIN[1], "--admin", db=process_db)
    token = cli("token", "create", "root", db=process_db).stdout.strip()
    served = serve(process_db, env=ENV)
    stop = threading.Event()
    written: list[int] = []

    def writer(n: int) -> None:
        with DatastoreClient(served.grpc, token=token) as ds:
            i = 0
            while not stop.is_set():
                try:
                    ds.bulk_put_entries("s", {f"w{n}-{i}-{j}": {"n": j} for j in range(10)})
                    written.append(10)
                except DatastoreError:
                    pass
                i += 1

    try:
        with DatastoreClient(served.grpc, token=token) as ds:
            ds.create_descriptor("s")
        threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
        for th in threads:
            th.start()
        while sum(written) < 500:
            stop.wait(0.05)
        copies = []
        for k in range(3):
            target = tmp_path / f"copy{k}.db"
            out = cli("backup", str(target), db=process_db)
            assert "backup written" in out.stdout
            copies.append(target)
        stop.set()
        for th in threads:
            th.join(30)
    finally:
        stop.set()
        served.stop_checked()
    counts = []
    for copy in copies:
        con = sqlite3.connect(copy)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        n = con.execute("SELECT COUNT(*) FROM entry").fetchone()[0]
        assert n % 10 == 0, "a bulk put is in a copy entirely or not at all"
        counts.append(n)
        con.close()
    assert 500 <= counts[0] <= counts[1] <= counts[2] <= sum(written)
    served = serve(f"sqlite:///{copies[-1]}", env=ENV)  # a copy is a working database
    try:
        with DatastoreClient(served.grpc, token=token) as ds:
            assert len(list(ds.stream_entries("s"))) == counts[-1]
    finally:
        served.stop_checked()


def test_durability_switch(process_db, tmp_path):
    from server.storage.db import make_database

    url = f"sqlite:///{tmp_path / 'd.db'}"
    for durability, expected in ((None, 2), ("durable", 2), ("relaxed", 1)):
        db = make_database(url, durability=durability)
        db.connect()
        assert db.execute_sql("PRAGMA synchronous").fetchone()[0] == expected, durability
        db.close()
    with pytest.raises(ValueError):
        make_database(url, durability="fast")

    cli("user", "add", *ADMIN[:1], "--password", ADMIN[1], "--admin", db=process_db)
    runs = (
        (("--durability", "relaxed"), None),
        ((), {"DATASTORE_DURABILITY": "relaxed"}),
        (("--durability", "durable"), None),
    )
    for n, (extra, env) in enumerate(runs):
        served = serve(process_db, *extra, env=env)
        try:
            with DatastoreClient(served.grpc, username=ADMIN[0], password=ADMIN[1]) as ds:
                ds.create_descriptor(f"d{n}")
        finally:
            served.stop_checked()
    bad = cli("serve", "--durability", "fast", db=process_db, check=False)
    assert bad.returncode == 2 and "durability" in bad.stderr


def test_progress_bar_only_on_a_terminal(process_db, tmp_path):
    """With stderr on a terminal, export and import draw a rich progress bar; piped, they
    print one summary line."""
    import os
    import pty
    import subprocess

    from tests.procs import DATASTORE, environment

    cli("user", "add", *ADMIN[:1], "--password", ADMIN[1], "--admin", db=process_db)
    dump = tmp_path / "p.ndjson"
    piped = cli("export", "--out", str(dump), db=process_db)
    assert piped.stderr.count("\n") == 1 and "━" not in piped.stderr
    for args in (("export", "--out", str(tmp_path / "q.ndjson")), ("import", str(dump))):
        master, slave = pty.openpty()
        proc = subprocess.Popen(
            [DATASTORE, *args, "--db", process_db],
            stdout=subprocess.DEVNULL,
            stderr=slave,
            env=environment({"COLUMNS": "100", "TERM": "xterm"}),
        )
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            seen += chunk
        assert proc.wait(60) == 0
        os.close(master)
        assert "━".encode() in seen, seen[-500:]
