"""GET of one entry over REST (the shim) vs over gRPC vs a bare ASGI app returning a
constant, same run, same load generator (h2load; HTTP/1.1 for the REST targets),
concurrency 1 and 16. Prints req/s and ratios; the targets are REST >= 1.0x gRPC and
REST >= 0.25x the bare app.

    python bench/bench_rest.py [--requests 6000]
"""

from __future__ import annotations

import argparse

from common import grpc_frame, h2load, start_baseline, start_datastore, tempdir

from datastore.v1 import entry_pb2
from datastore_client import DatastoreClient


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000, help="per target and concurrency")
    ns = parser.parse_args()
    work = tempdir()
    db = f"sqlite:///{work}/rest.db"
    served, token = start_datastore(db)
    const, const_addr = start_baseline("asgi_constant.py")
    try:
        with DatastoreClient(served.grpc, token=token) as client:
            client.create_descriptor("bench")
            client.put_entry("bench", "hot", {"payload": "x" * 100, "n": 1})
        frame = grpc_frame(entry_pb2.GetEntryRequest(store="bench", key="hot"), f"{work}/get.bin")
        auth = {"authorization": f"Token {token}"}
        print(f"{'conc':>4} {'bare ASGI':>10} {'REST':>8} {'gRPC':>8} {'REST/gRPC':>10} {'REST/ASGI':>10}   (req/s)")
        for conc in (1, 16):
            n = ns.requests  # a few seconds each: shorter runs swing with whatever else the machine does
            bare = h2load(
                f"http://{const_addr}/v1/descriptors/bench/entries/hot", clients=conc, requests=n, headers=auth
            )
            rest = h2load(
                f"http://{served.http}/v1/descriptors/bench/entries/hot", clients=conc, requests=n, headers=auth
            )
            grpc_ = h2load(
                f"http://{served.grpc}/datastore.v1.EntryService/GetEntry",
                frame,
                clients=conc,
                requests=n,
                headers=auth,
            )
            print(
                f"{conc:>4} {bare.rps:>10.0f} {rest.rps:>8.0f} {grpc_.rps:>8.0f} {rest.rps / grpc_.rps:>10.2f}"
                f" {rest.rps / bare.rps:>10.2f}"
            )
    finally:
        served.stop()
        const.terminate()
        const.wait()


if __name__ == "__main__":
    main()
