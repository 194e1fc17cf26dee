"""A served process for fuzzing, a raw HTTP/1.1 client, and the seeded data that must
survive every fuzz run unchanged."""

from __future__ import annotations

import base64
import re
import socket
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx

from tests.procs import Served, cli, serve

PASSWORD = "fuzz-pass-1"
ENCRYPTION_KEY = "ab" * 32
UNPARSABLE = b"Invalid HTTP request received."  # uvicorn's answer when httptools cannot parse a request


def send(
    addr: str,
    method: bytes,
    target: bytes,
    headers: dict[bytes, bytes],
    body: bytes = b"",
    *,
    half_close: bool = False,
) -> tuple[int, bytes]:
    """One request on a fresh connection, bytes exactly as given; (status, body). With
    half_close the request asks to keep the connection alive and the client shuts down
    its sending side after it (shutdown(SHUT_WR), as `nc -N` does): the answer must come
    all the same, and the server must close the connection after it."""
    head = [method + b" " + target + b" HTTP/1.1", b"host: fuzz"]
    head += [] if half_close else [b"connection: close"]
    head += [k + b": " + v for k, v in headers.items()]
    head.append(b"content-length: %d" % len(body))
    response = exchange(addr, b"\r\n".join(head) + b"\r\n\r\n" + body, half_close=half_close)
    assert response, f"no HTTP response to {method!r} {target[:200]!r}"
    status, _, answer, rest = parse(response, head=method == b"HEAD")
    if status == 400 and rest == UNPARSABLE:  # no request read, so not known to be a HEAD
        answer, rest = rest, b""
    assert not rest, f"more than one answer to {method!r} {target[:200]!r}: {rest[:200]!r}"
    return status, answer


def exchange(addr: str, data: bytes, *, half_close: bool = False, timeout: float = 30) -> bytes:
    """Sends data on a fresh connection (then shutdown(SHUT_WR) if half_close) and
    returns all the server wrote until it closed the connection."""
    host, port = addr.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as conn:
        conn.sendall(data)
        if half_close:
            conn.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def parse(response: bytes, *, head: bool = False) -> tuple[int, dict[bytes, bytes], bytes, bytes]:
    """The first HTTP/1.1 response in `response`: (status, headers, body, what follows).
    The body is Content-Length long (none for a HEAD), else the rest of the bytes."""
    status_line, _, after = response.partition(b"\r\n")
    match = re.match(rb"HTTP/1\.1 (\d{3})", status_line)
    assert match, f"not an HTTP response: {response[:200]!r}"
    header_block, _, after = after.partition(b"\r\n\r\n")
    headers = {}
    for line in header_block.split(b"\r\n") if header_block else ():
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    if head:
        return int(match.group(1)), headers, b"", after
    if b"content-length" in headers:
        size = int(headers[b"content-length"])
        return int(match.group(1)), headers, after[:size], after[size:]
    return int(match.group(1)), headers, after, b""


@dataclass
class FuzzServer:
    """A `datastore serve` process whose output is drained as it comes (a full pipe
    would stall the server) and checked for tracebacks."""

    served: Served
    admin_token: str
    fuzzer_token: str
    names: dict[str, str]
    statuses: Counter = field(default_factory=Counter)  # what the fuzzed calls got

    @property
    def fuzzer_basic(self) -> str:
        return "Basic " + base64.b64encode(f"fuzzer:{PASSWORD}".encode()).decode()

    @property
    def http(self) -> str:
        return self.served.http

    @property
    def grpc(self) -> str:
        return self.served.grpc

    def tracebacks(self) -> list[str]:
        text = self.served.log()
        return [part[:3000] for part in text.split("Traceback")[1:]]

    def admin(self) -> httpx.Client:
        return httpx.Client(base_url=f"http://{self.http}", headers={"authorization": f"Token {self.admin_token}"})


def start(db: str) -> FuzzServer:
    """A server on `db` with an administrator who owns the seeded data and `fuzzer`, a
    plain user of another customer who sends the fuzzed calls."""
    cli("user", "add", "admin", "--password", PASSWORD, "--admin", "--global-data", db=db)
    cli("user", "add", "fuzzer", "--password", PASSWORD, "--customer", "9", db=db)
    admin = cli("token", "create", "admin", db=db).stdout.strip()
    fuzzer = cli("token", "create", "fuzzer", db=db).stdout.strip()
    served = serve(db, env={"DATASTORE_ENCRYPTION_KEY": ENCRYPTION_KEY})
    tag = uuid.uuid4().hex[:10]
    server = FuzzServer(served, admin, fuzzer, {"store": f"seed-{tag}", "ns": f"seedns-{tag}", "key": f"k{tag}"})
    return server


def seed(server: FuzzServer) -> None:
    """Data in every surface, owned by the administrator's customer, written normally."""
    n = server.names
    with server.admin() as c:
        ok = [
            c.post(
                "/v1/descriptors",
                json={"name": n["store"], "dataType": "DATA_TYPE_MAP", "behaviourType": "BEHAVIOUR_TYPE_CENTRAL"},
            ),
            c.put(f"/v1/descriptors/{n['store']}/entries/{n['key']}", json={"value": {"a": [1, "x", None]}}),
            c.post(f"/api/dataStore/{n['ns']}/{n['key']}", json={"deep": {"n": 1.5, "s": "é"}}),
            c.post(f"/api/dataStore/{n['ns']}/secret?encrypt=true", json={"pin": 1234}),
            c.post(f"/api/userDataStore/{n['ns']}/{n['key']}", json=[1, 2, 3]),
        ]
        structure = c.post(
            "/api/v2/data-structures", json={"name": n["store"], "teamId": 1, "spec": [], "strict": False}
        )
        assert structure.status_code < 300, structure.text
        sid = structure.json()["dataStructure"]["id"]
        ok.append(
            c.post(
                "/api/v2/data-stores", json={"name": n["store"], "teamId": 1, "datastructureId": sid, "maxSizeMB": 1}
            )
        )
        for r in ok:
            assert r.status_code < 300, r.text
        make_id = ok[-1].json()["dataStore"]["id"]
        n["make"] = str(make_id)
        r = c.post(f"/api/v2/data-stores/{make_id}/data", json={"key": n["key"], "data": {"b": True}})
        assert r.status_code < 300, r.text


def snapshot(server: FuzzServer) -> list:
    """Everything seed() wrote, read back through the API."""
    n = server.names
    with server.admin() as c:
        reads = [
            c.get(f"/v1/descriptors/{n['store']}"),
            c.get(f"/v1/descriptors/{n['store']}/entries/{n['key']}"),
            c.get(f"/api/dataStore/{n['ns']}/{n['key']}"),
            c.get(f"/api/dataStore/{n['ns']}/secret"),
            c.get(f"/api/dataStore/{n['ns']}"),
            c.get(f"/api/userDataStore/{n['ns']}/{n['key']}"),
            c.get(f"/api/v2/data-stores/{n['make']}/data"),
        ]
    for r in reads:
        assert r.status_code == 200, r.text
    out = [r.json() for r in reads]
    out[1].pop("updateTime", None)
    return out
