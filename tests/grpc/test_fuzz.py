"""Hypothesis over gRPC request messages: for every RPC of every service the server
registers, random but well-typed requests (strategies built from the message
descriptors: odd strings, boundary integers, unknown enum numbers, nested values,
long lists) sent to a real server process, the stock health and reflection services
included. The server must answer each with a deliberate status (OK or a client error) -
never UNKNOWN, INTERNAL, UNAVAILABLE or a timeout - and never log a traceback. Bounded and deterministic (derandomize)."""

from __future__ import annotations

import base64

import grpc
import httpx
import pytest
from google.protobuf import message_factory, struct_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datastore_client import DatastoreClient
from server.api import stock
from server.app import service_descriptors
from tests.procs import cli, serve

EXAMPLES = 25
DELIBERATE = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
}
_INT_RANGES = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}
# Numbers past the 64-bit (and 32-bit) range, as text: etags, and numbers in filters.
OUT_OF_RANGE = ["9223372036854775808", "-9223372036854775809", "99999999999999999999", "2147483648", "1e19"]
_NUMBER_TEXT = st.sampled_from(
    [*OUT_OF_RANGE, '"9223372036854775808"', 'W/"18446744073709551616"', "\u00b2", "-1", "0"]
    + [f"n:{op}:{n}" for op in ("eq", "gt", "in") for n in ("9223372036854775808", "[9223372036854775808]")]
)
# Names that exist on the server (so calls get past "not found"), and hostile ones.
_TEXT = st.one_of(
    st.sampled_from(["s", "fuzz", "root", "global", "k", "a.b", "_", ".", "..", "", "a/b", "%2F", "x" * 300]),
    st.sampled_from(["n:eq:1", "a:like:x", "x:in:[1,2]", "bad:::", "a.b.c.d.e.f:gt:1", "name,n[x]", "~hoist"]),
    _NUMBER_TEXT,
    st.text(max_size=40),
)
_BIG_FLOATS = st.sampled_from([2.0**63, -(2.0**63) * 2, 1e19, 2.0**53 + 2, 1e300])  # integral, past int64
_JSON = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False) | _BIG_FLOATS | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _value(data) -> struct_pb2.Value:
    v = struct_pb2.Value()
    if data is None:
        v.null_value = struct_pb2.NULL_VALUE
    elif isinstance(data, bool):
        v.bool_value = data
    elif isinstance(data, float):
        v.number_value = data
    elif isinstance(data, str):
        v.string_value = data
    elif isinstance(data, list):
        v.list_value.values.extend(_value(x) for x in data)
    else:
        for key, item in data.items():
            v.struct_value.fields[key].CopyFrom(_value(item))
    return v


def _scalar(f: FieldDescriptor) -> st.SearchStrategy:
    if f.type in _INT_RANGES:
        lo, hi = _INT_RANGES[f.type]
        return st.one_of(st.sampled_from([lo, hi, 0, 1, -1 if lo < 0 else 2]), st.integers(lo, hi))
    if f.type in (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE):
        return st.floats(width=32 if f.type == FieldDescriptor.TYPE_FLOAT else 64)
    if f.type == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if f.type == FieldDescriptor.TYPE_ENUM:
        return st.one_of(st.sampled_from([v.number for v in f.enum_type.values]), st.integers(-5, 99))
    if f.type == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=32)
    return _TEXT


def message_strategy(desc: Descriptor, depth: int = 0) -> st.SearchStrategy:
    cls = message_factory.GetMessageClass(desc)
    if desc.full_name == "google.protobuf.Value":
        return _JSON.map(_value)
    if desc.full_name == "google.protobuf.Struct":
        return st.dictionaries(st.text(max_size=8), _JSON, max_size=4).map(
            lambda d: _value(d).struct_value if d else struct_pb2.Struct()
        )
    fields: dict[str, st.SearchStrategy] = {}
    for f in desc.fields:
        if f.type == FieldDescriptor.TYPE_MESSAGE:
            if depth >= 3:
                continue
            if f.message_type.GetOptions().map_entry:
                key = _scalar(f.message_type.fields_by_name["key"])
                value_field = f.message_type.fields_by_name["value"]
                value = (
                    message_strategy(value_field.message_type, depth + 1)
                    if value_field.type == FieldDescriptor.TYPE_MESSAGE
                    else _scalar(value_field)
                )
                fields[f.name] = st.dictionaries(key, value, max_size=3)
                continue
            inner = message_strategy(f.message_type, depth + 1)
        else:
            inner = _scalar(f)
        fields[f.name] = st.lists(inner, max_size=5) if f.is_repeated else inner

    def build(values: dict) -> object:
        message = cls()
        for name, v in values.items():
            f = desc.fields_by_name[name]
            if f.type == FieldDescriptor.TYPE_MESSAGE and f.message_type.GetOptions().map_entry:
                target = getattr(message, name)
                for k, item in v.items():
                    if f.message_type.fields_by_name["value"].type == FieldDescriptor.TYPE_MESSAGE:
                        target[k].CopyFrom(item)
                    else:
                        target[k] = item
            elif f.is_repeated:
                getattr(message, name).extend(v)
            elif f.type == FieldDescriptor.TYPE_MESSAGE:
                getattr(message, name).CopyFrom(v)
            else:
                setattr(message, name, v)
        return message

    return st.fixed_dictionaries({}, optional=fields).map(build)


SERVICES = [*service_descriptors(), *stock.descriptors()]  # ours, then health and both reflections
METHODS = [(service, method) for service in SERVICES for method in service.methods]
# Streams that never end by themselves: Watch answers the status now, then each change
# until the client leaves. Read to their first answer.
ENDLESS = {"grpc.health.v1.Health.Watch"}


def invoke(channel, method, request, serialize=None, metadata=(), timeout=30) -> tuple[grpc.StatusCode, str]:
    """One call of `method` (a MethodDescriptor, any arity) with `request` (the one message
    of a request stream); the code and details it ended with."""
    path = f"/{method.containing_service.full_name}/{method.name}"
    factory = {
        (False, False): channel.unary_unary,
        (False, True): channel.unary_stream,
        (True, False): channel.stream_unary,
        (True, True): channel.stream_stream,
    }[method.client_streaming, method.server_streaming]
    call = factory(
        path,
        request_serializer=serialize or (lambda m: m.SerializeToString()),
        response_deserializer=message_factory.GetMessageClass(method.output_type).FromString,
    )
    try:
        result = call(iter([request]) if method.client_streaming else request, metadata=metadata, timeout=timeout)
        if method.server_streaming and method.full_name in ENDLESS:
            next(result)
            result.cancel()
        elif method.server_streaming:
            for _ in result:
                pass
    except grpc.RpcError as err:
        return err.code(), err.details()
    return grpc.StatusCode.OK, ""


@pytest.fixture(scope="module")
def target(new_database):
    """A server of its own, called with Basic credentials: fuzzed calls revoke tokens."""
    url = new_database()
    cli("user", "add", "root", "--password", "root-pass-1", "--admin", "--global-data", db=url)
    served = serve(url)
    basic = {"authorization": "Basic " + base64.b64encode(b"root:root-pass-1").decode()}
    # Things the sampled names find, so calls get past "not found" into the real work.
    with DatastoreClient(served.grpc, username="root", password="root-pass-1") as ds:
        for name, data_type in (("s", "MAP"), ("fuzz", "LIST")):
            ds.create_descriptor(name, data_type=data_type)
        ds.put_entry("s", "k", {"n": 1, "a": {"b": "x"}})
    httpx.post(f"http://{served.http}/api/dataStore/fuzz/k", json={"n": 1}, headers=basic).raise_for_status()
    channel = grpc.insecure_channel(served.grpc)
    yield channel
    channel.close()
    served.stop_checked()


@pytest.mark.parametrize(("service", "method"), METHODS, ids=[f"{s.name}.{m.name}" for s, m in METHODS])
def test_random_requests_get_deliberate_answers(target, service, method):
    auth = (("authorization", "Basic " + base64.b64encode(b"root:root-pass-1").decode()),)
    seen: list[grpc.StatusCode] = []

    @settings(
        max_examples=EXAMPLES, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(request=message_strategy(method.input_type))
    def run(request):
        code, details = invoke(target, method, request, metadata=auth)
        assert code in DELIBERATE, f"{method.full_name} answered {code.name}: {details} for {request}"
        seen.append(code)

    run()
    assert seen
