"""Put and Get throughput through the real server vs a no-op grpcio server, same run,
same load generator (h2load), concurrency 1 and 16. Prints req/s and the ratios.

    python bench/bench_grpc.py [--requests 4000] [--db URL] [--durability durable|relaxed]
"""

from __future__ import annotations

import argparse

from common import database_url, grpc_frame, h2load, start_baseline, start_datastore, tempdir

from datastore.v1 import entry_pb2
from datastore_client import DatastoreClient


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--db", help="database URL, or `postgresql` for a throwaway cluster (default: temp SQLite)")
    parser.add_argument("--durability", default="durable", choices=("durable", "relaxed"))
    ns = parser.parse_args()
    work = tempdir()
    db = database_url(ns.db, "bench")
    served, token = start_datastore(db, "--durability", ns.durability)
    noop, noop_addr = start_baseline("noop_server.py")
    try:
        with DatastoreClient(served.grpc, token=token) as client:
            client.create_descriptor("bench")
            client.put_entry("bench", "hot", {"payload": "x" * 100, "n": 1})
            client.get_entry("bench", "hot")  # the frames below are known-good requests
        put = entry_pb2.PutEntryRequest(store="bench", key="hot")
        put.value.struct_value.fields["payload"].string_value = "x" * 100
        get = entry_pb2.GetEntryRequest(store="bench", key="hot")
        frames = {"Put": grpc_frame(put, f"{work}/put.bin"), "Get": grpc_frame(get, f"{work}/get.bin")}
        paths = {"Put": "/datastore.v1.EntryService/PutEntry", "Get": "/datastore.v1.EntryService/GetEntry"}
        auth = {"authorization": f"Token {token}"}
        print(f"{'call':5} {'conc':>4} {'datastore req/s':>16} {'no-op req/s':>12} {'ratio':>6} {'mean ms':>8}")
        for op in ("Put", "Get"):
            for conc in (1, 16):
                n = ns.requests if conc > 1 else ns.requests // 4
                ds = h2load(f"http://{served.grpc}{paths[op]}", frames[op], clients=conc, requests=n, headers=auth)
                base = h2load(f"http://{noop_addr}{paths[op]}", frames[op], clients=conc, requests=n)
                print(
                    f"{op:5} {conc:>4} {ds.rps:>16.0f} {base.rps:>12.0f} {ds.rps / base.rps:>6.2f} {ds.mean_ms:>8.2f}"
                )
        with DatastoreClient(served.grpc, token=token) as client:
            revision = client.get_entry("bench", "hot").revision
        print(f"(check: {revision - 1} puts acknowledged by the store)")
    finally:
        served.stop()
        noop.terminate()
        noop.wait()


if __name__ == "__main__":
    main()
