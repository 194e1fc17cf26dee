"""GET of one entry over REST (the shim) vs over gRPC vs a bare ASGI app returning a
constant, same run, same load generator (h2load; HTTP/1.1 for the REST targets),
concurrency 1 and 16. Prints req/s and ratios; the target is REST >= 0.6x gRPC.

    python bench/bench_rest.py [--requests 4000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from common import ROOT, cli, ensure_h2load, grpc_frame, h2load, serve, tempdir

from datastore.v1 import entry_pb2
from datastore_client import DatastoreClient


def h2load_http1(url: str, *, clients: int, requests: int, headers: dict[str, str]) -> float:
    cmd = [ensure_h2load(), "--h1", url, "-n", str(requests), "-c", str(clients), "-m", "1"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    import re

    ok = int(re.search(r"(\d+) succeeded", out).group(1))
    codes = re.search(r"status codes: (\d+) 2xx", out)
    assert ok == requests and codes and int(codes.group(1)) == requests, out
    return float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000)
    ns = parser.parse_args()
    work = tempdir()
    db = f"sqlite:///{work}/rest.db"
    cli("user", "add", "bench", "--password", "bench-pass-1", "--admin", db=db)
    token = cli("token", "create", "bench", db=db).stdout.strip()
    served = serve(db)
    const = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "bench", "asgi_constant.py")], stdout=subprocess.PIPE, text=True
    )
    const_addr = const.stdout.readline().split()[-1]
    try:
        with DatastoreClient(served.grpc, token=token) as client:
            client.create_descriptor("bench")
            client.put_entry("bench", "hot", {"payload": "x" * 100, "n": 1})
        frame = grpc_frame(entry_pb2.GetEntryRequest(store="bench", key="hot"), f"{work}/get.bin")
        auth = {"authorization": f"Token {token}"}
        print(f"{'conc':>4} {'bare ASGI':>10} {'REST':>8} {'gRPC':>8} {'REST/gRPC':>10} {'REST/ASGI':>10}   (req/s)")
        for conc in (1, 16):
            n = ns.requests if conc > 1 else ns.requests // 4
            bare = h2load_http1(
                f"http://{const_addr}/v1/descriptors/bench/entries/hot", clients=conc, requests=n, headers=auth
            )
            rest = h2load_http1(
                f"http://{served.http}/v1/descriptors/bench/entries/hot", clients=conc, requests=n, headers=auth
            )
            grpc_ = h2load(
                f"http://{served.grpc}/datastore.v1.EntryService/GetEntry",
                frame,
                clients=conc,
                requests=n,
                headers=auth,
            )
            assert grpc_.ok == n
            print(
                f"{conc:>4} {bare:>10.0f} {rest:>8.0f} {grpc_.rps:>8.0f} {rest / grpc_.rps:>10.2f} {rest / bare:>10.2f}"
            )
    finally:
        served.stop()
        const.terminate()
        const.wait()


if __name__ == "__main__":
    main()
