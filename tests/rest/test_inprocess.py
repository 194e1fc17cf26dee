"""The REST shim calls the methods in-process: through the very same call rules as a
gRPC call (authentication, error mapping, metrics, access log), with no gRPC channel,
and streams written as they run - a real `datastore serve` process over real HTTP."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import grpc
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from datastore.v1 import descriptor_pb2, descriptor_pb2_grpc, entry_pb2, entry_pb2_grpc
from tests import test_tls as tls
from tests.conftest import unique
from tests.procs import cli, serve

pki = tls.pki  # its fixture: a CA, a server and a client certificate
BIG_ENTRIES, BIG_VALUE = 2400, "x" * 8000  # ~19 MB of stream: more than every buffer between us holds
GET_ENTRY = {"grpc_service": "datastore.v1.EntryService", "grpc_method": "GetEntry", "grpc_type": "unary"}
STREAM = {"grpc_service": "datastore.v1.QueryService", "grpc_method": "StreamEntries", "grpc_type": "server_stream"}


@pytest.fixture(scope="module")
def served(new_database):
    db = new_database()
    cli("user", "add", "inproc", "--password", "inproc-pass-1", "--admin", db=db)
    token = cli("token", "create", "inproc", db=db).stdout.strip()
    proc = serve(db, "--log-format", "json")
    with grpc.insecure_channel(proc.grpc) as channel:
        metadata = (("authorization", f"Token {token}"),)
        descriptors = descriptor_pb2_grpc.DescriptorServiceStub(channel)
        for name in ("small", "big"):
            descriptors.CreateDescriptor(
                descriptor_pb2.CreateDescriptorRequest(
                    descriptor=descriptor_pb2.Descriptor(
                        name=name,
                        data_type=descriptor_pb2.DATA_TYPE_MAP,
                        behaviour_type=descriptor_pb2.BEHAVIOUR_TYPE_CENTRAL,
                    )
                ),
                metadata=metadata,
            )
    with httpx.Client(base_url=f"http://{proc.http}", headers={"authorization": f"Token {token}"}) as http:
        for first in range(0, BIG_ENTRIES, 800):
            entries = [{"key": f"k{i:05}", "value": {"v": BIG_VALUE}} for i in range(first, first + 800)]
            assert http.post("/v1/descriptors/big/entries:bulkPut", json={"entries": entries}).status_code == 200
    yield proc, token
    proc.stop_checked()


def _metric(base: str, name: str, **labels: str) -> float:
    """One sample of GET /metrics (0 when absent)."""
    for family in text_string_to_metric_families(httpx.get(f"{base}/metrics").text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def _access_lines(proc, request_id: str, timeout: float = 10) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [json.loads(line) for line in list(proc.output) if request_id in line and '"call"' in line]
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no access line for {request_id}")


def test_a_rest_call_is_authenticated_counted_and_logged_as_a_grpc_call(served):
    proc, token = served
    base = f"http://{proc.http}"
    not_found = _metric(base, "grpc_server_handled_total", **GET_ENTRY, grpc_code="NOT_FOUND")
    started = _metric(base, "grpc_server_started_total", **GET_ENTRY)
    bad_tokens = _metric(base, "datastore_auth_failures_total", reason="TOKEN_INVALID")
    unauthenticated = _metric(base, "grpc_server_handled_total", **GET_ENTRY, grpc_code="UNAUTHENTICATED")

    r = httpx.get(
        f"{base}/v1/descriptors/small/entries/nope",
        headers={"authorization": f"Token {token}", "x-request-id": "inproc-rest-1"},
    )
    assert r.status_code == 404 and r.json()["error"]["details"][0]["reason"] == "ENTRY_NOT_FOUND"
    with grpc.insecure_channel(proc.grpc) as channel:
        with pytest.raises(grpc.RpcError) as err:
            entry_pb2_grpc.EntryServiceStub(channel).GetEntry(
                entry_pb2.GetEntryRequest(store="small", key="nope"),
                metadata=(("authorization", f"Token {token}"), ("x-request-id", "inproc-grpc-1")),
            )
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    denied = httpx.get(f"{base}/v1/descriptors/small/entries/nope", headers={"authorization": "Token wrong"})
    assert denied.status_code == 401 and denied.json()["error"]["status"] == "UNAUTHENTICATED"

    assert _metric(base, "grpc_server_started_total", **GET_ENTRY) == started + 3
    assert _metric(base, "grpc_server_handled_total", **GET_ENTRY, grpc_code="NOT_FOUND") == not_found + 2
    assert _metric(base, "grpc_server_handled_total", **GET_ENTRY, grpc_code="UNAUTHENTICATED") == unauthenticated + 1
    assert _metric(base, "datastore_auth_failures_total", reason="TOKEN_INVALID") == bad_tokens + 1
    rest = _access_lines(proc, "inproc-rest-1")
    assert len(rest) == 1, "one access line per REST call"
    assert rest[0]["call"] == "GET /v1/descriptors/{store}/entries/{key}" and rest[0]["status"] == 404
    assert rest[0]["user"] == "inproc"
    via_grpc = _access_lines(proc, "inproc-grpc-1")
    assert len(via_grpc) == 1 and via_grpc[0]["call"] == "/datastore.v1.EntryService/GetEntry"
    assert via_grpc[0]["status"] == "NOT_FOUND" and via_grpc[0]["user"] == "inproc"


def test_a_streamed_response_arrives_while_the_stream_runs(served):
    proc, token = served
    base = f"http://{proc.http}"
    started, handled = _metric(base, "grpc_server_started_total", **STREAM), _stream_ends(base)
    with httpx.Client(base_url=base, headers={"authorization": f"Token {token}"}, timeout=60) as http:
        with http.stream("POST", "/v1/descriptors/big/entries:stream", json={}) as r:
            assert r.status_code == 200 and "content-length" not in r.headers
            chunks = r.iter_bytes()
            first = next(chunks)
            assert first.startswith(b'[{"entry":{"store":"big","key":"k00000"')
            # The first entries are here, and the stream is still running on the server:
            assert _metric(base, "grpc_server_started_total", **STREAM) == started + 1
            assert _stream_ends(base) == handled
            body = first + b"".join(chunks)
    entries = json.loads(body)
    assert [m["entry"]["key"] for m in entries] == [f"k{i:05}" for i in range(BIG_ENTRIES)]
    assert entries[7]["entry"]["value"] == {"v": BIG_VALUE}
    assert _metric(base, "grpc_server_handled_total", **STREAM, grpc_code="OK") >= 1
    assert _stream_ends(base) == handled + 1


def test_a_client_leaving_mid_stream_closes_the_stream(served):
    proc, token = served
    base = f"http://{proc.http}"
    cancelled = _metric(base, "grpc_server_handled_total", **STREAM, grpc_code="CANCELLED")
    with httpx.Client(base_url=base, headers={"authorization": f"Token {token}"}, timeout=60) as http:
        with http.stream("POST", "/v1/descriptors/big/entries:stream", json={}) as r:
            assert next(r.iter_bytes()).startswith(b"[")
    # The connection is gone: the server closes the stream (GeneratorExit in its worker
    # thread, counted CANCELLED as an abandoned gRPC stream is) without being asked again.
    deadline = time.monotonic() + 15
    while _metric(base, "grpc_server_handled_total", **STREAM, grpc_code="CANCELLED") == cancelled:
        assert time.monotonic() < deadline, "the stream was not closed"
        time.sleep(0.1)
    with httpx.Client(base_url=base, headers={"authorization": f"Token {token}"}) as http:
        key = unique("after")
        assert http.put(f"/v1/descriptors/small/entries/{key}", json={"ok": True}).status_code == 200
        assert http.get(f"/v1/descriptors/small/entries/{key}").json()["entry"]["value"] == {"ok": True}
        streamed = http.post("/v1/descriptors/small/entries:stream", json={"keys": [key]}).json()
        assert [m["entry"]["key"] for m in streamed] == [key]


def test_errors_of_a_stream_before_its_first_message_are_plain_error_responses(served):
    proc, token = served
    with httpx.Client(base_url=f"http://{proc.http}", headers={"authorization": f"Token {token}"}) as http:
        missing = http.post("/v1/descriptors/no-such-store/entries:stream", json={})
        assert missing.status_code == 404 and missing.json()["error"]["details"][0]["reason"] == "STORE_NOT_FOUND"
        bad = http.post("/v1/descriptors/small/entries:stream", json={"limit": -1})
        assert bad.status_code == 400 and "limit" in bad.json()["error"]["message"]
    anonymous = httpx.post(f"http://{proc.http}/v1/descriptors/small/entries:stream", json={})
    assert anonymous.status_code == 401


@pytest.mark.parametrize("value", [b"Token \xff\xfe", b"Token\tabc", b"Basic \xe9t\xe9"])
def test_credentials_no_grpc_metadata_could_carry_are_401(harness, value):
    """Bytes no gRPC header may hold once failed the old loopback hop with a 500."""
    with httpx.Client(base_url=harness.http) as http:
        for method, path in (("GET", "/v1/users/me"), ("GET", "/no/such/path"), ("POST", "/v1/descriptors")):
            r = http.request(method, path, headers={"authorization": value}, content=b"{bad")
            assert r.status_code == 401, (path, r.status_code, r.text)


_WITHOUT_GRPC = """
import sys, httpx
from server.app import DatastoreServer
from server.config import Settings
from server.storage.db import connection

server = DatastoreServer(
    Settings(db_url=sys.argv[1], grpc_addr="127.0.0.1:0", http_addr="127.0.0.1:0", sweep_interval_s=3600)
)
_, http_addr = server.start()
with connection():
    server.auth.add_user("solo", "solo-pass-1", customer_id=1, admin=True)
    token = server.auth.token_for_user("solo").token
server.grpc_server.stop(0).wait()
me = httpx.get(f"http://{http_addr}/v1/users/me", headers={"authorization": f"Token {token}"}, timeout=30)
anonymous = httpx.get(f"http://{http_addr}/v1/users/me", timeout=30)
print(me.status_code, me.json()["user"]["userName"], anonymous.status_code)
server.stop(grace=1)
"""


def test_rest_needs_no_grpc_listener(new_database):
    """No channel, no hop: with the gRPC listener stopped, REST calls still work (a
    process of its own: the database handle is one per process)."""
    done = subprocess.run(
        [sys.executable, "-c", _WITHOUT_GRPC, new_database()], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["200", "solo", "401"], done.stdout + done.stderr


def test_rest_under_mutual_tls(pki, process_db):
    """TLS is only on the listeners now: the shim reaches the methods without any."""
    cli("user", "add", "mtls", "--password", "mtls-pass-1", db=process_db)
    token = cli("token", "create", "mtls", db=process_db).stdout.strip()
    cert, key = pki["server"]
    served = serve(process_db, "--tls-cert", cert, "--tls-key", key, "--tls-client-ca", pki["ca"])
    try:
        port = served.http.rsplit(":", 1)[1]
        import ssl

        context = ssl.create_default_context(cafile=pki["ca"])
        context.load_cert_chain(*pki["client"])
        with httpx.Client(base_url=f"https://127.0.0.1:{port}", verify=context, timeout=30) as c:
            me = c.get("/v1/users/me", headers={"authorization": f"Token {token}"})
            assert me.status_code == 200 and me.json()["user"]["userName"] == "mtls"
            assert c.get("/v1/users/me").status_code == 401
    finally:
        served.stop_checked()
    assert not re.search(r"datastore-hop|unix:", served.log())


def _stream_ends(base: str) -> float:
    """StreamEntries calls ended so far, whatever their code."""
    total = 0.0
    for family in text_string_to_metric_families(httpx.get(f"{base}/metrics").text):
        for sample in family.samples:
            if sample.name == "grpc_server_handled_total" and sample.labels.get("grpc_method") == "StreamEntries":
                total += sample.value
    return total


def test_messages_over_the_grpc_size_limit_are_refused_as_over_the_wire(harness, admin):
    """16 MiB each way, as the gRPC listener's limit (the old hop's channel said so)."""
    from tests.conftest import make_store

    store = make_store(admin)
    with harness.client("admin") as http:
        # 3.2 MB of JSON, 17.6 MB as a message (each 0 is an 11-byte Value)
        body = b'{"v":[' + b",".join([b"0"] * 1_600_000) + b"]}"
        r = http.put(f"/v1/descriptors/{store}/entries/big", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 429 and "Sent message larger than max" in r.json()["error"]["message"], r.text[:300]
        for i in range(20):  # 20 values of ~0.9 MB: fine one by one, too much in one response
            assert http.put(f"/v1/descriptors/{store}/entries/b{i}", json={"x": "y" * 900_000}).status_code == 200
        r = http.post(f"/v1/descriptors/{store}/entries:query", json={"limit": 100})
        assert r.status_code == 429 and "Sent message larger than max" in r.json()["error"]["message"]
        streamed = http.post(f"/v1/descriptors/{store}/entries:stream", json={})
        assert streamed.status_code == 200 and len(streamed.json()) == 20
