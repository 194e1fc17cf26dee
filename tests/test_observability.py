"""Metrics, access logs and health of a real `datastore serve` process."""

from __future__ import annotations

import base64
import json
import re
import time

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from datastore.v1 import auth_pb2, auth_pb2_grpc
from tests.procs import cli, serve

PASSWORD = "observe-pass-1"


@pytest.fixture(scope="module")
def served(new_database):
    db = new_database()
    cli("user", "add", "watcher", "--password", PASSWORD, "--admin", db=db)
    token = cli("token", "create", "watcher", db=db).stdout.strip()
    proc = serve(db, "--log-format", "json")
    started = len(proc.output)  # the lines up to the two listening lines
    yield proc, token, _After(proc.output, started)
    proc.stop()


class _After:
    """The server's output lines after the listening lines, as they come."""

    def __init__(self, output: list[str], start: int) -> None:
        self.output, self.start = output, start

    def __iter__(self):
        return iter(self.output[self.start :])

    def __getitem__(self, index):
        return self.output[self.start :][index]


def _wait_for(lines: list[str], pattern: str, timeout: float = 10) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [json.loads(line) for line in list(lines) if re.search(pattern, line)]
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"no log line matches {pattern!r}: {list(lines)[-5:]}")


def test_every_log_line_is_json_and_each_call_has_one_access_line(served):
    proc, token, lines = served
    basic = "Basic " + base64.b64encode(f"watcher:{PASSWORD}".encode()).decode()
    with httpx.Client(base_url=f"http://{proc.http}") as http:
        r = http.get("/v1/users/me", headers={"authorization": f"Token {token}", "x-request-id": "req-abc-1"})
        assert r.status_code == 200 and r.headers["x-request-id"] == "req-abc-1"
        r = http.get("/api/dataStore", headers={"authorization": basic})
        assert r.status_code == 200 and re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])
        generated = r.headers["x-request-id"]
        assert http.post("/api/v1/token-auth/", json={"username": "watcher", "password": "wrong"}).status_code == 400
    with grpc.insecure_channel(proc.grpc) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        _, call = stub.GetCurrentUser.with_call(
            auth_pb2.GetCurrentUserRequest(), metadata=(("authorization", basic), ("x-request-id", "grpc-req-7"))
        )
        assert dict(call.trailing_metadata())["x-request-id"] == "grpc-req-7"
        created = stub.CreateToken(auth_pb2.CreateTokenRequest(username="watcher", password=PASSWORD))

    rest = _wait_for(lines, "req-abc-1")
    assert len(rest) == 1, "one access line per REST call (the shim's hop is not logged twice)"
    assert rest[0]["call"] == "GET /v1/users/me" and rest[0]["status"] == 200 and rest[0]["user"] == "watcher"
    assert _wait_for(lines, generated)[0]["call"] == "GET /api/dataStore"
    grpc_line = _wait_for(lines, "grpc-req-7")
    assert grpc_line[0]["call"] == "/datastore.v1.AuthService/GetCurrentUser" and grpc_line[0]["status"] == "OK"
    assert grpc_line[0]["user"] == "watcher" and grpc_line[0]["ms"] >= 0
    _wait_for(lines, "CreateToken")

    after = list(lines)  # everything after the two listening lines
    assert after and all(isinstance(json.loads(line), dict) for line in after), after
    text = "".join(lines)
    for secret in (token, PASSWORD, "wrong", basic.split()[1], created.token):
        assert secret not in text, "a credential reached the log"


def test_metrics_use_go_grpc_prometheus_names(served):
    proc, token, _ = served
    with httpx.Client(base_url=f"http://{proc.http}") as http:
        assert http.get("/v1/users/me", headers={"authorization": f"Token {token}"}).status_code == 200
        assert http.get("/v1/users/me", headers={"authorization": "Token nope"}).status_code == 401
        scrape = http.get("/metrics")  # no credentials needed
    assert scrape.status_code == 200 and scrape.headers["content-type"].startswith("text/plain")
    text = scrape.text
    ok = re.search(
        r'grpc_server_handled_total\{grpc_code="OK",grpc_method="GetCurrentUser",'
        r'grpc_service="datastore.v1.AuthService",grpc_type="unary"\} (\d+)',
        text,
    )
    assert ok and int(ok.group(1).split(".")[0]) >= 1, text[:2000]
    assert 'grpc_code="UNAUTHENTICATED"' in text
    assert re.search(r'grpc_server_started_total\{grpc_method="GetCurrentUser"', text)
    assert re.search(r'grpc_server_handling_seconds_bucket\{grpc_method="GetCurrentUser".*le="0.005"', text)
    assert re.search(
        r'datastore_http_requests_total\{dialect="google",method="GET",route="/v1/users/me",status="200"', text
    )
    assert re.search(r'datastore_auth_failures_total\{reason="TOKEN_INVALID"\} [1-9]', text)
    assert "datastore_database_up 1.0" in text
    assert "datastore_sweeper_runs_total" in text


def test_health_over_http_and_grpc(served):
    proc, _, _ = served
    assert httpx.get(f"http://{proc.http}/healthz").json() == {"status": "SERVING"}
    with grpc.insecure_channel(proc.grpc) as channel:
        answer = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="datastore.v1.EntryService")
        )
    assert answer.status == health_pb2.HealthCheckResponse.SERVING
