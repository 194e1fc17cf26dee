"""HTTP semantics the shim keeps on every route, over real sockets to the shared server:
HEAD answers as GET would (status and headers, Content-Length included) without a body,
and a request followed by a half-close (shutdown(SHUT_WR), as `nc -N` and some proxies
do) is answered, then the connection is closed."""

from __future__ import annotations

import re
import socket
import time

import pytest

from server.app import service_descriptors
from server.rest.rules import routes_for
from tests.conftest import unique
from tests.fuzz import rawhttp

GET_ROUTES = [r for r in routes_for(service_descriptors()) if r.http_method == "GET"]
OPEN_PATHS = ["/healthz", "/metrics", "/openapi.json"]
VARYING = {b"date", b"x-request-id"}  # differ from one answer to the next


@pytest.fixture(scope="module")
def addr(harness) -> str:
    return harness.http.removeprefix("http://")


@pytest.fixture(scope="module")
def token(harness) -> bytes:
    return f"Token {harness.tokens['admin']}".encode()


@pytest.fixture(scope="module")
def values(harness) -> dict[str, str]:
    """A value for each path variable of the GET routes, naming data that exists."""
    store, ns = unique("head"), unique("headns")
    with harness.client("admin") as c:
        created = [
            c.post(
                "/v1/descriptors",
                json={"name": store, "dataType": "DATA_TYPE_MAP", "behaviourType": "BEHAVIOUR_TYPE_CENTRAL"},
            ),
            c.put(f"/v1/descriptors/{store}/entries/k", json={"value": {"a": [1, "é"]}}),
            c.post(f"/api/dataStore/{ns}/k", json={"b": 2}),
            c.post(f"/api/userDataStore/{ns}/k", json=[1]),
            structure := c.post(
                "/api/v2/data-structures", json={"name": store, "teamId": 1, "spec": [], "strict": False}
            ),
        ]
        sid = structure.json()["dataStructure"]["id"]
        make = c.post("/api/v2/data-stores", json={"name": store, "teamId": 1, "datastructureId": sid, "maxSizeMB": 1})
        for r in [*created, make]:
            assert r.status_code < 300, r.text
    return {
        "name": store,
        "store": store,
        "data_store": store,
        "key": "k",
        "namespace": ns,
        "api_version": "41",
        "data_store_id": str(make.json()["dataStore"]["id"]),
        "data_structure_id": str(sid),
    }


def _path(template: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([^}=]+)[^}]*\}", lambda m: values[m.group(1)], template)


def _request(method: bytes, path: str, token: bytes | None, *, keep_alive: bool = False, body: bytes = b"") -> bytes:
    head = [method + b" " + path.encode() + b" HTTP/1.1", b"host: t"]
    head += [] if keep_alive else [b"connection: close"]
    head += [b"authorization: " + token] if token else []
    head += [b"content-type: application/json", b"content-length: %d" % len(body)] if body else []
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def _head_and_get(addr: str, path: str, token: bytes | None):
    got = rawhttp.parse(rawhttp.exchange(addr, _request(b"GET", path, token)))
    head_answer = rawhttp.exchange(addr, _request(b"HEAD", path, token))
    head = rawhttp.parse(head_answer, head=True)
    assert head[3] == b"", f"HEAD {path} sent a body: {head[3][:200]!r}"
    return got, head


@pytest.mark.parametrize("template", sorted({r.template for r in GET_ROUTES}))
@pytest.mark.parametrize("who", ["admin", "anonymous"])
def test_head_answers_as_get_on_every_get_route(addr, token, values, template, who):
    path = _path(template, values)
    (status, headers, body, _), (head_status, head_headers, _, _) = _head_and_get(
        addr, path, token if who == "admin" else None
    )
    assert head_status == status, (path, status, head_status, body[:300])
    assert {k: v for k, v in head_headers.items() if k not in VARYING} == {
        k: v for k, v in headers.items() if k not in VARYING
    }
    assert int(head_headers[b"content-length"]) == len(body)
    if who == "anonymous":
        assert status == 401


def test_head_reads_what_get_reads(addr, token, values):
    """The same data: a HEAD of an entry has the GET's ETag and length on every surface."""
    for path in (
        f"/v1/descriptors/{values['store']}/entries/k",
        f"/datastores/v1/store/{values['store']}/k",
        f"/api/dataStore/{values['namespace']}/k",
        f"/api/41/userDataStore/{values['namespace']}/k",
        f"/api/v2/data-stores/{values['data_store_id']}/data",
    ):
        (status, headers, body, _), (head_status, head_headers, _, _) = _head_and_get(addr, path, token)
        assert status == head_status == 200, (path, body[:300])
        assert head_headers.get(b"etag") == headers.get(b"etag")
        assert head_headers[b"content-length"] == headers[b"content-length"] == str(len(body)).encode()


@pytest.mark.parametrize("path", OPEN_PATHS)
def test_head_on_the_open_paths(addr, path):
    (status, headers, body, _), (head_status, head_headers, _, _) = _head_and_get(addr, path, None)
    assert status == head_status == 200
    assert head_headers[b"content-type"] == headers[b"content-type"]
    if path != "/metrics":  # the metrics move between the two requests
        assert head_headers[b"content-length"] == headers[b"content-length"] == str(len(body)).encode()


def test_head_where_get_is_not_routed_answers_as_get(addr, token):
    for path in ("/v1/descriptors/x/entries:query", "/no/such/route"):
        (status, headers, _, _), (head_status, head_headers, _, _) = _head_and_get(addr, path, token)
        assert head_status == status and status in (404, 405), (path, status)
        assert head_headers.get(b"allow") == headers.get(b"allow")


def test_other_methods_are_unchanged(addr, token):
    status, headers, _, _ = rawhttp.parse(rawhttp.exchange(addr, _request(b"OPTIONS", "/v1/descriptors", token)))
    assert status == 405 and headers[b"allow"] == b"GET, HEAD, POST"


def _answers(addr: str, data: bytes, methods: list[bytes]) -> tuple[list[int], float]:
    """Statuses of the answers to `data` sent then half-closed, and the seconds until
    the server closed the connection."""
    started = time.monotonic()
    response = rawhttp.exchange(addr, data, half_close=True, timeout=20)
    elapsed = time.monotonic() - started
    statuses = []
    for method in methods:
        assert response, f"no answer to {method!r} after a half-close"
        status, _, _, response = rawhttp.parse(response, head=method == b"HEAD")
        statuses.append(status)
    assert response == b"", response[:200]
    return statuses, elapsed


@pytest.mark.parametrize(
    "method, path, body, expected",
    [
        (b"GET", "/v1/descriptors/{store}/entries/k", b"", 200),
        (b"GET", "/datastores/v1/descriptor", b"", 200),
        (b"GET", "/api/dataStore/{namespace}/k", b"", 200),
        (b"GET", "/api/v2/data-stores/{data_store_id}", b"", 200),
        (b"HEAD", "/v1/descriptors", b"", 200),
        (b"PUT", "/v1/descriptors/{store}/entries/half", b'{"value": 1}', 200),
        (b"POST", "/v1/descriptors/{store}/entries:query", b"{}", 200),
        (b"GET", "/healthz", b"", 200),
        (b"GET", "/no/such/route", b"", 404),
    ],
)
def test_a_half_closed_request_is_answered_then_closed(addr, token, values, method, path, body, expected):
    data = _request(method, _path(path, values), token, keep_alive=True, body=body)
    statuses, elapsed = _answers(addr, data, [method])
    assert statuses == [expected]
    assert elapsed < 4, "closed by the keep-alive timeout, not after the answer"


def test_pipelined_requests_then_a_half_close_are_all_answered(addr, token, values):
    store = values["store"]
    data = _request(b"GET", f"/v1/descriptors/{store}", token, keep_alive=True)
    data += _request(b"HEAD", f"/v1/descriptors/{store}/entries/k", token, keep_alive=True)
    data += _request(b"GET", "/v1/users/me", token, keep_alive=True)
    statuses, elapsed = _answers(addr, data, [b"GET", b"HEAD", b"GET"])
    assert statuses == [200, 200, 200] and elapsed < 4


@pytest.mark.parametrize("cut", ["idle", "head-cut-short", "body-cut-short"])
def test_a_half_close_without_a_whole_request_closes_at_once(addr, token, cut):
    whole = _request(b"PUT", "/v1/descriptors/s/entries/k", token, keep_alive=True, body=b'{"value": 1}')
    data = {"idle": b"", "head-cut-short": whole[:40], "body-cut-short": whole[:-3]}[cut]
    started = time.monotonic()
    assert rawhttp.exchange(addr, data, half_close=True, timeout=20) == b""
    assert time.monotonic() - started < 4
    assert rawhttp.send(addr, b"GET", b"/healthz", {})[0] == 200  # the server is fine


@pytest.mark.parametrize("body", [b'{"value": 1}', b""])
def test_a_request_cut_short_is_not_made(harness, addr, token, values, body):
    """A body that never completes (the client closed first) is not taken for a whole
    one: the call is not made, even when the part that came is valid JSON."""
    path = f"/v1/descriptors/{values['store']}/entries/{unique('cut')}"
    data = _request(b"PUT", path, token, body=body).replace(b"content-length: %d" % len(body), b"content-length: 99")
    for half_close in (True, False):
        host, port = addr.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=20) as conn:
            conn.sendall(data)
            conn.shutdown(socket.SHUT_WR if half_close else socket.SHUT_RDWR)
        with harness.client("admin") as c:
            for _ in range(20):  # the call, if it were made, runs on after the close
                assert c.get(path).status_code == 404
                time.sleep(0.01)
