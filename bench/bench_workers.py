"""Put and Get throughput of `datastore serve --workers N` for N = 1, 2, 4 at concurrency
16 (h2load, 16 connections, which the kernel spreads over the workers), with the no-op
grpcio server measured in the same rounds. The servers run side by side, each on its
own SQLite file, and the rounds take them in turn, so drift on a shared machine hits
every N alike. Prints the median and range of the rounds.

    python bench/bench_workers.py [--requests 4000] [--rounds 3] [--workers 1,2,4] [--db postgresql]
"""

from __future__ import annotations

import argparse
import statistics

from common import cli, database_url, grpc_frame, h2load, serve, start_baseline, tempdir

from datastore.v1 import entry_pb2
from datastore_client import DatastoreClient

PATHS = {"Put": "/datastore.v1.EntryService/PutEntry", "Get": "/datastore.v1.EntryService/GetEntry"}
CONCURRENCY = 16


def start(db: str, workers: int, extra: list[str]):
    """`datastore serve --workers N` on db with an admin and a store "bench": (served, token)."""
    cli("user", "add", "bench", "--password", "bench-pass-1", "--admin", db=db)
    token = cli("token", "create", "bench", db=db).stdout.strip()
    served = serve(db, "--workers", str(workers), *extra)
    with DatastoreClient(served.grpc, token=token) as client:
        client.create_descriptor("bench")
        client.put_entry("bench", "hot", {"payload": "x" * 100, "n": 1})
    return served, token


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):>7.0f} ({min(values):>5.0f}-{max(values):>5.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", default="1,2,4", help="worker counts to compare (default 1,2,4)")
    parser.add_argument("--db", help="`postgresql` for a throwaway cluster (one database per N); default temp SQLite")
    parser.add_argument("--durability", choices=("durable", "relaxed"), default="durable")
    ns = parser.parse_args()
    counts = [int(n) for n in ns.workers.split(",")]
    work = tempdir()
    put = entry_pb2.PutEntryRequest(store="bench", key="hot")
    put.value.struct_value.fields["payload"].string_value = "x" * 100
    frames = {
        "Put": grpc_frame(put, f"{work}/put.bin"),
        "Get": grpc_frame(entry_pb2.GetEntryRequest(store="bench", key="hot"), f"{work}/get.bin"),
    }
    servers = {n: start(database_url(ns.db, f"workers{n}"), n, ["--durability", ns.durability]) for n in counts}
    noop, noop_addr = start_baseline("noop_server.py")
    rps: dict[tuple[str, int | str], list[float]] = {}
    try:
        for round_ in range(ns.rounds):
            for op in ("Put", "Get"):
                for n, (served, token) in servers.items():
                    auth = {"authorization": f"Token {token}"}
                    url = f"http://{served.grpc}{PATHS[op]}"
                    result = h2load(url, frames[op], clients=CONCURRENCY, requests=ns.requests, headers=auth)
                    rps.setdefault((op, n), []).append(result.rps)
                url = f"http://{noop_addr}{PATHS[op]}"
                result = h2load(url, frames[op], clients=CONCURRENCY, requests=ns.requests)
                rps.setdefault((op, "noop"), []).append(result.rps)
            print(f"round {round_ + 1}/{ns.rounds} done", flush=True)
        print(f"\nreq/s at c={CONCURRENCY}, {ns.requests} requests, median (min-max) of {ns.rounds} rounds")
        print(
            f"{'call':5} {'workers':>7} {'datastore req/s':>22} {'no-op req/s':>22} {'÷ no-op':>8} {'÷ 1 worker':>10}"
        )
        for op in ("Put", "Get"):
            base = statistics.median(rps[(op, counts[0])])
            noop_rps = rps[(op, "noop")]
            for n in counts:
                ours = rps[(op, n)]
                ratio = statistics.median(ours) / statistics.median(noop_rps)
                gain = statistics.median(ours) / base
                print(f"{op:5} {n:>7} {spread(ours):>22} {spread(noop_rps):>22} {ratio:>8.2f} {gain:>10.2f}")
    finally:
        for served, _ in servers.values():
            served.stop()
        noop.terminate()
        noop.wait()


if __name__ == "__main__":
    main()
