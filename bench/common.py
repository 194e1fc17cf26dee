"""Shared bench plumbing: start servers as processes, frame gRPC requests, run h2load."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.procs import DATASTORE, cli, serve  # noqa: E402  (reuse the test's process helpers)

__all__ = [
    "DATASTORE", "cli", "serve", "ensure_h2load", "grpc_frame", "h2load", "H2Result", "tempdir",
    "start_datastore", "start_baseline", "database_url",
]  # fmt: skip


def ensure_h2load() -> str:
    path = shutil.which("h2load")
    if path:
        return path
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-q", "nghttp2-client"], check=True, env=env, capture_output=True)
    return shutil.which("h2load") or sys.exit("h2load (Debian nghttp2-client) is required")


def grpc_frame(message, path: str) -> str:
    """Writes one length-prefixed gRPC message (uncompressed) to path."""
    data = message.SerializeToString()
    with open(path, "wb") as f:
        f.write(struct.pack(">?I", False, len(data)) + data)
    return path


@dataclass
class H2Result:
    requests: int
    ok: int
    rps: float
    mean_ms: float


def h2load(
    url: str, frame: str | None = None, *, clients: int, requests: int, headers: dict[str, str] | None = None
) -> H2Result:
    """Runs h2load. With a frame: gRPC over HTTP/2 (POST of a length-prefixed message);
    without: plain HTTP/1.1 GETs. Fails unless every request got a 2xx."""
    cmd = [ensure_h2load(), url, "-n", str(requests), "-c", str(clients), "-m", "1"]
    if frame:
        cmd += ["-d", frame, "-H", "content-type: application/grpc", "-H", "te: trailers"]
    else:
        cmd += ["--h1"]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    done = re.search(r"requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded", out)
    codes = re.search(r"status codes: (\d+) 2xx", out)
    rps = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out)
    mean = re.search(r"time for request:\s+\S+\s+\S+\s+(\S+)", out)
    if not (done and codes and rps and mean):
        raise RuntimeError(f"cannot parse h2load output:\n{out}")
    if int(done.group(3)) != requests or int(codes.group(1)) != requests:
        raise RuntimeError(f"not every request succeeded:\n{out}")
    mean_s = mean.group(1)
    mean_ms = float(re.sub(r"[a-z]+", "", mean_s)) * {"us": 0.001, "ms": 1, "s": 1000}[re.sub(r"[\d.]+", "", mean_s)]
    return H2Result(int(done.group(1)), int(done.group(3)), float(rps.group(1)), mean_ms)


def start_datastore(db: str, *extra: str):
    """An admin user, its token, and `datastore serve` on db (with extra serve options):
    (served process, token)."""
    cli("user", "add", "bench", "--password", "bench-pass-1", "--admin", db=db)
    token = cli("token", "create", "bench", db=db).stdout.strip()
    return serve(db, *extra), token


def start_baseline(script: str) -> tuple[subprocess.Popen, str]:
    """Starts bench/<script>, which prints its listening address first: (process, address)."""
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench", script)], stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().split()[-1]


def tempdir() -> str:
    return tempfile.mkdtemp(prefix="datastore-bench-")


def database_url(arg: str | None, name: str) -> str:
    """--db: a URL as given; "postgresql" alone starts a throwaway PostgreSQL 15 cluster
    (the test harness's, stopped at exit; durable: fsync at commit as by default) with a
    database `name`; none: a temp SQLite file."""
    if not arg:
        return f"sqlite:///{tempdir()}/{name}.db"
    if arg != "postgresql":
        return arg
    import atexit

    from tests.pg_harness import start_cluster

    cluster = start_cluster(durable=True)
    atexit.register(cluster.stop)
    return cluster.create_database(name)
