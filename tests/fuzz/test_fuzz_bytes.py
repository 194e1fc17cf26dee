"""Byte-level fuzzing below the schema, against a real server process on the selected
backend: raw request bodies, raw query strings and raw path segments for every route of
every dialect, with and without credentials, and malformed protobuf bytes for every gRPC
method (the stock health and reflection ones too). Every answer must be deliberate - never a 5xx, never INTERNAL/UNKNOWN, never a
traceback in the server log - anonymous or badly authenticated callers get 401 first,
and the seeded data reads back unchanged. Each request may come half-closed (the client
shuts down its sending side after it) and must be answered all the same; HEAD goes to
every GET route and must answer without a body. Bounded and deterministic (derandomize)."""

from __future__ import annotations

import json
from urllib.parse import quote_from_bytes

import grpc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.api.interceptors import is_open
from server.app import service_descriptors
from server.rest.rules import routes_for
from tests.fuzz import rawhttp
from tests.grpc.test_fuzz import DELIBERATE, METHODS, invoke

ROUTES = routes_for(service_descriptors())
GET_ROUTES = [r for r in ROUTES if r.http_method == "GET"]
UNPARSABLE = rawhttp.UNPARSABLE
FUZZ = settings(
    max_examples=300,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Input that broke servers like this one: deep nesting, lone surrogates, huge numbers,
# truncation, broken UTF-8, NUL, odd path segments.
HOSTILE_BODIES = [
    b"[" * 5000,
    b"{" * 3000,
    b'{"a":' * 2000,
    b'{"value":' + b"[" * 150 + b"]" * 150 + b"}",
    b'"\\ud800"',
    b'{"value":"\\udfff"}',
    b'{"value":{"\\ud800":1}}',
    b"1e999999",
    b'{"value":-1e999999}',
    b'{"value":NaN}',
    b"Infinity",
    b"9" * 5000,
    b"1" + b"0" * 400,
    b'{"value":' + b"9" * 5000 + b"}",
    b'"abc',
    b'{"a":',
    b"\xff\xfe\x00",
    b'{"value":"\xed\xa0\x80"}',
    b'{"key":"\\u0000","value":"\\u0000"}',
    b'{"customerID":9223372036854775808,"entries":[{"key":"k","value":1}]}',
    b'{"teamId":"9223372036854775808","maxSizeMB":-9223372036854775809,"lifeTime":18446744073709551616}',
    b"null",
    b"{}",
    b"[]",
    b"",
]
HOSTILE_SEGMENTS = [
    b"%00", b"%25", b"..", b".", b"~", b"%2e%2e", b"%2F", b"%5C", b"%ff", b"%", b"%zz", b"%C0%AE",
    b"%ED%A0%80", "\U0001f600".encode(), b"%F0%9F%98%80", b"x" * 3000, b"a%00b", b"-1", b"99999999999999999999",
    b"2147483648", b"protections", b"keys", b"metaData", b"_", b"%20", b"'", b'"', b"<", b"{x}",
]  # fmt: skip
PARAM_NAMES = [
    b"page", b"pageSize", b"paging", b"roll", b"path", b"encrypt", b"fields", b"filter", b"order", b"rootJunction",
    b"headless", b"includeAll", b"username", b"limit", b"offset", b"customerID", b"key", b"includeDeleted",
    b"keywords", b"sortBy", b"teamId", b"confirmed", b"pg[limit]", b"pg[offset]", b"type", b"id", b"namespace",
    b"lastUpdated", b"pg[", b"a.b.c", b"%ff", b"", b"etag", b"expectedRevision", b"customerId", b"ids",
]  # fmt: skip
PARAM_VALUES = [
    b"2147483648", b"-2147483649", b"999999999999999999999", b"-1", b"0", b"1e999", b"nan", b"inf", b"true", b"x",
    b"%00", b"%ff", b"%ED%A0%80", b"(" * 500, b"a:eq:" * 200, b"[" + b"1," * 2000 + b"]", b"a[b[c[d", b"~hoist(",
    b".:in:[1", b"_:like:%", b"a,b,c" * 100, b"..", b"'", b"", b"9223372036854775808", b"-9223372036854775809",
    b"%229223372036854775808%22", b"n:eq:9223372036854775808",
]  # fmt: skip

segments = st.one_of(
    st.sampled_from(HOSTILE_SEGMENTS),
    st.binary(max_size=30).map(lambda b: quote_from_bytes(b, safe="").encode()),
    st.text(max_size=20).map(lambda t: quote_from_bytes(t.encode("utf-8", "surrogatepass"), safe="").encode()),
)
queries = st.one_of(
    st.lists(st.tuples(st.sampled_from(PARAM_NAMES), st.sampled_from(PARAM_VALUES)), max_size=4).map(
        lambda pairs: b"&".join(k + b"=" + v for k, v in pairs)
    ),
    st.binary(max_size=60).map(lambda b: quote_from_bytes(b, safe="=&").encode()),
)
bodies = st.one_of(
    st.sampled_from(HOSTILE_BODIES),
    st.binary(max_size=80),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
        max_leaves=10,
    ).map(lambda v: json.dumps(v).encode()),
)
routes = st.sampled_from(ROUTES)
credentials = st.sampled_from(["none", "bogus", "fuzzer", "fuzzer"])


@pytest.fixture(scope="module")
def server(new_database):
    served = rawhttp.start(new_database())
    rawhttp.seed(served)
    before = rawhttp.snapshot(served)
    yield served
    print(f"\nfuzz status mix: {dict(sorted(served.statuses.items(), key=str))}")
    assert rawhttp.snapshot(served) == before, "seeded data changed during fuzzing"
    assert not served.tracebacks(), served.tracebacks()[0]
    served.served.stop()
    assert not served.tracebacks(), served.tracebacks()[0]


def _authorization(server, who: str) -> str | None:
    """Basic for the fuzzer (a fuzzed refresh-token call would revoke its token)."""
    return {"none": None, "bogus": "Token not-a-token", "fuzzer": server.fuzzer_basic}[who]


def _headers(server, who: str) -> dict[bytes, bytes]:
    headers = {b"content-type": b"application/json"}
    if authorization := _authorization(server, who):
        headers[b"authorization"] = authorization.encode()
    return headers


def _target(route, draw_segment) -> bytes:
    parts = []
    for seg in route.template.lstrip("/").split("/"):
        if seg.startswith("{"):
            parts.append(draw_segment())
        else:
            parts.append(seg.encode())
    return b"/" + b"/".join(parts)


def _check(server, route, who, method, target, status, body):
    server.statuses[status] += 1
    where = f"{method!r} {target[:300]!r} as {who}: {status} {body[:300]!r}"
    assert status < 500, where
    if status == 400 and body == UNPARSABLE:
        return  # the HTTP server refused the request line itself (e.g. raw non-ASCII bytes)
    if who != "fuzzer" and not is_open(route.grpc_path):
        assert status == 401, where
    assert not server.tracebacks(), server.tracebacks()[0]


@FUZZ
@given(data=st.data(), route=routes, who=credentials, body=bodies, half_close=st.booleans())
def test_raw_bodies(server, data, route, who, body, half_close):
    target = _target(route, lambda: data.draw(st.sampled_from([b"fz", b"1", b"33"])))
    method = route.http_method.encode()
    status, answer = rawhttp.send(server.http, method, target, _headers(server, who), body, half_close=half_close)
    _check(server, route, who, method, target, status, answer)


@FUZZ
@given(data=st.data(), route=routes, who=credentials, query=queries, half_close=st.booleans())
def test_raw_query_strings(server, data, route, who, query, half_close):
    target = _target(route, lambda: data.draw(st.sampled_from([b"fz", b"1", b"33"]))) + b"?" + query
    method = route.http_method.encode()
    body = b"{}" if route.body else b""
    status, answer = rawhttp.send(server.http, method, target, _headers(server, who), body, half_close=half_close)
    _check(server, route, who, method, target, status, answer)


@FUZZ
@given(data=st.data(), route=routes, who=credentials, half_close=st.booleans())
def test_raw_path_segments(server, data, route, who, half_close):
    target = _target(route, lambda: data.draw(segments))
    method = route.http_method.encode()
    body = b"{}" if route.body else b""
    status, answer = rawhttp.send(server.http, method, target, _headers(server, who), body, half_close=half_close)
    _check(server, route, who, method, target, status, answer)


@FUZZ
@given(data=st.data(), route=st.sampled_from(GET_ROUTES), who=credentials, query=queries, half_close=st.booleans())
def test_head_on_get_routes(server, data, route, who, query, half_close):
    """HEAD answers as GET does, with no body (rawhttp.send fails on bytes after the
    headers of a HEAD answer)."""
    target = _target(route, lambda: data.draw(segments)) + b"?" + query
    status, answer = rawhttp.send(server.http, b"HEAD", target, _headers(server, who), half_close=half_close)
    _check(server, route, who, b"HEAD", target, status, answer)
    assert status == rawhttp.send(server.http, b"GET", target, _headers(server, who))[0], target


@FUZZ
@given(who=credentials, target=st.binary(min_size=1, max_size=80).map(lambda b: b"/" + quote_from_bytes(b).encode()))
def test_unknown_paths(server, who, target):
    status, answer = rawhttp.send(server.http, b"GET", target, _headers(server, who))
    server.statuses[status] += 1
    assert status < 500 and (who == "fuzzer" or status == 401), (target, status, answer[:200])


NESTED = b"\x0a\x02\x0a\x00" * 3 + b"\x1a" + b"\xff" * 10  # truncated length-delimited fields
grpc_bytes = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b"\xff" * 16, b"\x0a\xff\xff\xff\xff\x0f", b"\x08" + b"\x80" * 11, NESTED, b"\x0a" * 200]),
)


@FUZZ
@given(method=st.sampled_from([m for _, m in METHODS]), who=credentials, payload=grpc_bytes)
def test_malformed_protobuf_bytes(server, method, who, payload):
    """Every method, ours and the stock health and reflection ones."""
    path = f"/{method.containing_service.full_name}/{method.name}"
    with grpc.insecure_channel(server.grpc) as channel:
        authorization = _authorization(server, who)
        metadata = (("authorization", authorization),) if authorization else ()
        code, details = invoke(channel, method, payload, serialize=lambda b: b, metadata=metadata)
    server.statuses[code.name] += 1
    assert code in DELIBERATE, f"{path} {payload!r} as {who}: {code} {details}"
    if who != "fuzzer" and not is_open(path):
        assert code == grpc.StatusCode.UNAUTHENTICATED, f"{path} {payload!r} as {who}: {code}"
    assert not server.tracebacks(), server.tracebacks()[0]
