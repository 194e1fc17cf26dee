"""What the `serve --workers N` tests share: the supervisor's log about its workers, the
access lines that tell which worker answered, and connections that land on each one."""

from __future__ import annotations

import json
import re
import time
import uuid

import grpc

from datastore.v1 import auth_pb2, auth_pb2_grpc
from tests.procs import Served, cli, serve

STARTED = re.compile(r"worker (\d+) started \(pid (\d+)\)")
READY = re.compile(r"worker (\d+) ready \(pid (\d+)\)")


def admin_token(db: str) -> str:
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", "--global-data", db=db)
    return cli("token", "create", "root", db=db).stdout.strip()


def serve_workers(db: str, n: int = 2, *extra: str, env: dict | None = None) -> Served:
    """`datastore serve --workers n` with JSON logs, once its listening lines are out."""
    return serve(db, "--workers", str(n), "--log-format", "json", *extra, env=env)


def wait_until(what: str, check, timeout: float = 30, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


def worker_pids(served: Served) -> dict[int, int]:
    """Worker index -> pid of its latest process, from the supervisor's log."""
    return {int(i): int(pid) for i, pid in STARTED.findall(served.log())}


def all_pids(served: Served) -> set[int]:
    return {int(pid) for _, pid in STARTED.findall(served.log())}


def alive(pid: int) -> bool:
    """True while a process with this pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def records(served: Served) -> list[dict]:
    """The JSON log records printed so far."""
    out = []
    for line in served.log().splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:  # a line still being written
                pass
    return out


def answered_by(served: Served, request_id: str) -> int:
    """The index of the worker whose access line carries request_id."""

    def find():
        for record in records(served):
            if record.get("request_id") == request_id:
                return str(record["worker"])
        return None

    return int(wait_until(f"the access line of {request_id}", find, timeout=10))


def own_channel(target: str) -> grpc.Channel:
    """A channel with a connection of its own (grpc shares them between equal channels)."""
    return grpc.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])


def channel_per_worker(served: Served, token: str, n: int) -> dict[int, grpc.Channel]:
    """Opens connections until every worker answered on one: worker index -> channel."""
    found: dict[int, grpc.Channel] = {}
    for _ in range(80):
        channel = own_channel(served.grpc)
        request_id = f"probe-{uuid.uuid4().hex[:8]}"
        auth_pb2_grpc.AuthServiceStub(channel).GetCurrentUser(
            auth_pb2.GetCurrentUserRequest(),
            metadata=(("authorization", f"Token {token}"), ("x-request-id", request_id)),
            timeout=10,
        )
        worker = answered_by(served, request_id)
        if worker in found:
            channel.close()
        else:
            found[worker] = channel
        if len(found) == n:
            return found
    raise AssertionError(f"80 connections reached only workers {sorted(found)}")


def metric(text: str, name: str) -> float:
    """The sum of a metric's samples in a Prometheus exposition."""
    pattern = re.compile(rf"^{re.escape(name)}(\{{[^}}]*\}})? (\S+)$", re.M)
    return sum(float(value) for _, value in pattern.findall(text))
