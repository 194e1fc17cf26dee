"""Put / Get against the anchors, one load generator (h2load), one run, one machine:
the datastore (SQLite, then PostgreSQL) vs etcd 3.4 (Debian's etcd-server, started
here on loopback with a temp data dir) vs a no-op grpcio server (the Python ceiling),
at concurrency 1 and 16; then 1 vs 2 datastore processes on one PostgreSQL.

    python bench/bench_etcd.py [--requests 4000] [--skip-postgresql]

Durability differs, and the table says so: etcd fsyncs its WAL at every commit
(batched), PostgreSQL here runs with its defaults (fsync at commit), SQLite in WAL
mode runs twice: durable (the default: every acknowledged write fsynced, one group fsync
of the WAL shared by the calls that committed meanwhile, server/storage/group_commit.py)
and relaxed (`--durability relaxed`, synchronous=NORMAL: fsync at checkpoints only).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from common import database_url, grpc_frame, h2load, serve, start_baseline, start_datastore, tempdir

from datastore.v1 import entry_pb2
from datastore_client import DatastoreClient

PAYLOAD = b'{"payload":"' + b"x" * 100 + b'","n":1}'  # the same bytes the datastore stores


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _field(number: int, data: bytes) -> bytes:
    """One length-delimited protobuf field (etcd's PutRequest/RangeRequest are just
    key = 1, value = 2; no etcd stubs needed)."""
    out, n = bytearray([number << 3 | 2]), len(data)
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out) + data


class _Raw:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def SerializeToString(self) -> bytes:  # noqa: N802 - the protobuf method name grpc_frame calls
        return self.data


def start_etcd(work: str) -> tuple[subprocess.Popen, str]:
    etcd = shutil.which("etcd")
    if not etcd:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "etcd-server"], check=True, env=env,
                       capture_output=True)  # fmt: skip
        etcd = shutil.which("etcd") or sys.exit("etcd (Debian etcd-server) is required")
    client, peer = _free_port(), _free_port()
    proc = subprocess.Popen(
        [
            etcd, "--name", "bench", "--data-dir", f"{work}/etcd",
            "--listen-client-urls", f"http://127.0.0.1:{client}", "--advertise-client-urls", f"http://127.0.0.1:{client}",
            "--listen-peer-urls", f"http://127.0.0.1:{peer}", "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
            "--initial-cluster", f"bench=http://127.0.0.1:{peer}", "--log-level", "error",
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    import grpc

    channel = grpc.insecure_channel(f"127.0.0.1:{client}")
    put = channel.unary_unary("/etcdserverpb.KV/Put")
    get = channel.unary_unary("/etcdserverpb.KV/Range")
    deadline = time.monotonic() + 30
    while True:
        try:
            put(_field(1, b"hot") + _field(2, PAYLOAD), timeout=2)
            break
        except grpc.RpcError:
            if time.monotonic() > deadline:
                proc.kill()
                sys.exit("etcd did not start")
            time.sleep(0.2)
    assert PAYLOAD in get(_field(1, b"hot"), timeout=5), "etcd did not store the put"
    channel.close()
    return proc, f"127.0.0.1:{client}"


def datastore_frames(work: str) -> dict[str, str]:
    put = entry_pb2.PutEntryRequest(store="bench", key="hot")
    put.value.struct_value.fields["payload"].string_value = "x" * 100
    put.value.struct_value.fields["n"].number_value = 1
    get = entry_pb2.GetEntryRequest(store="bench", key="hot")
    return {"Put": grpc_frame(put, f"{work}/put.bin"), "Get": grpc_frame(get, f"{work}/get.bin")}


DS_PATHS = {"Put": "/datastore.v1.EntryService/PutEntry", "Get": "/datastore.v1.EntryService/GetEntry"}
ETCD_PATHS = {"Put": "/etcdserverpb.KV/Put", "Get": "/etcdserverpb.KV/Range"}


def compare(label: str, ds_addr: str, token: str, etcd_addr: str, noop_addr: str, work: str, requests: int) -> None:
    ds_frames = datastore_frames(work)
    etcd_frames = {
        "Put": grpc_frame(_Raw(_field(1, b"hot") + _field(2, PAYLOAD)), f"{work}/etcd-put.bin"),
        "Get": grpc_frame(_Raw(_field(1, b"hot")), f"{work}/etcd-get.bin"),
    }
    auth = {"authorization": f"Token {token}"}
    print(f"\n{label}")
    print(f"{'call':5} {'conc':>4} {'datastore':>10} {'etcd':>8} {'no-op':>8} {'÷ etcd':>7} {'÷ no-op':>8}  (req/s)")
    for op in ("Put", "Get"):
        for conc in (1, 16):
            n = requests if conc > 1 else requests // 4
            ds = h2load(f"http://{ds_addr}{DS_PATHS[op]}", ds_frames[op], clients=conc, requests=n, headers=auth)
            et = h2load(f"http://{etcd_addr}{ETCD_PATHS[op]}", etcd_frames[op], clients=conc, requests=n)
            base = h2load(f"http://{noop_addr}{DS_PATHS[op]}", ds_frames[op], clients=conc, requests=n)
            print(
                f"{op:5} {conc:>4} {ds.rps:>10.0f} {et.rps:>8.0f} {base.rps:>8.0f} {ds.rps / et.rps:>7.2f}"
                f" {ds.rps / base.rps:>8.2f}"
            )


def scaling(db: str, token: str, work: str, requests: int) -> None:
    """The same total load (16 concurrent callers) on one server, then split over two
    server processes on the same PostgreSQL (h2load cannot spread over two targets, so
    two h2load runs in parallel, 8 callers each; their req/s add up)."""
    frames = datastore_frames(work)
    auth = {"authorization": f"Token {token}"}
    servers = [serve(db), serve(db)]
    try:
        print("\n1 vs 2 datastore processes on one PostgreSQL, 16 concurrent callers in all (req/s)")
        print(f"{'call':5} {'1 server':>9} {'2 servers':>10} {'ratio':>6}")
        for op in ("Put", "Get"):
            one = h2load(
                f"http://{servers[0].grpc}{DS_PATHS[op]}", frames[op], clients=16, requests=requests, headers=auth
            )
            with ThreadPoolExecutor(2) as pool:
                results = list(
                    pool.map(
                        lambda server, op=op: h2load(
                            f"http://{server.grpc}{DS_PATHS[op]}", frames[op], clients=8, requests=requests // 2,
                            headers=auth,
                        ),
                        servers,
                    )
                )  # fmt: skip
            two = sum(r.rps for r in results)
            print(f"{op:5} {one.rps:>9.0f} {two:>10.0f} {two / one.rps:>6.2f}")
    finally:
        for s in servers:
            s.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--skip-postgresql", action="store_true")
    ns = parser.parse_args()
    work = tempdir()
    etcd, etcd_addr = start_etcd(work)
    noop, noop_addr = start_baseline("noop_server.py")
    print(f"{os.cpu_count()} cores; etcd {etcd_addr}, no-op grpcio {noop_addr}")
    try:
        for label, arg, durability in (
            ("SQLite (WAL, durable, the default: group fsync before each answer)", None, "durable"),
            ("SQLite (WAL, synchronous=NORMAL: --durability relaxed)", None, "relaxed"),
            ("PostgreSQL 15 (fsync at commit)", "postgresql", "durable"),
        ):
            if arg and ns.skip_postgresql:
                continue
            os.environ["DATASTORE_DURABILITY"] = durability  # read by the served process
            db = database_url(arg, "etcdbench")
            served, token = start_datastore(db)
            try:
                with DatastoreClient(served.grpc, token=token) as client:
                    client.create_descriptor("bench")
                    client.put_entry("bench", "hot", {"payload": "x" * 100, "n": 1})
                compare(label, served.grpc, token, etcd_addr, noop_addr, work, ns.requests)
                with DatastoreClient(served.grpc, token=token) as client:
                    puts = client.get_entry("bench", "hot").revision - 1
                print(f"(check: {puts} datastore puts acknowledged and counted)")
            finally:
                served.stop()
            if arg:
                scaling(db, token, work, ns.requests)
    finally:
        etcd.terminate()
        etcd.wait()
        noop.terminate()
        noop.wait()


if __name__ == "__main__":
    main()
