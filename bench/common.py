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

__all__ = ["DATASTORE", "cli", "serve", "ensure_h2load", "grpc_frame", "h2load", "H2Result", "tempdir"]


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


def h2load(url: str, frame: str, *, clients: int, requests: int, headers: dict[str, str] | None = None) -> H2Result:
    cmd = [
        ensure_h2load(),
        url,
        "-d",
        frame,
        "-n",
        str(requests),
        "-c",
        str(clients),
        "-m",
        "1",
        "-H",
        "content-type: application/grpc",
        "-H",
        "te: trailers",
    ]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600).stdout
    done = re.search(r"requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded", out)
    rps = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out)
    mean = re.search(r"time for request:\s+\S+\s+\S+\s+(\S+)", out)
    if not (done and rps and mean):
        raise RuntimeError(f"cannot parse h2load output:\n{out}")
    mean_s = mean.group(1)
    mean_ms = float(re.sub(r"[a-z]+", "", mean_s)) * {"us": 0.001, "ms": 1, "s": 1000}[re.sub(r"[\d.]+", "", mean_s)]
    return H2Result(int(done.group(1)), int(done.group(3)), float(rps.group(1)), mean_ms)


def tempdir() -> str:
    return tempfile.mkdtemp(prefix="datastore-bench-")
