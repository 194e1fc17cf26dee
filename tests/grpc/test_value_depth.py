"""One nesting limit for stored values (server/domain/limits.py VALUE_MAX_DEPTH), chosen
so that whatever is accepted can be read back by a gRPC client: protobuf decoders
refuse messages nested more than 100 deep, and a google.protobuf.Value spends three
levels per JSON object. Before, a 33-deep value was stored (REST 200) and every gRPC
read of it failed in the client ("Exception deserializing response")."""

from __future__ import annotations

import grpc
import pytest

from datastore.dhis2.v1 import datastore_pb2 as dhis2_pb2
from datastore.dhis2.v1 import datastore_pb2_grpc as dhis2_grpc
from datastore.v1 import entry_pb2 as e
from datastore.v1 import query_pb2 as q
from server.api import converters
from server.domain.limits import VALUE_MAX_DEPTH, nesting
from tests.conftest import unique
from tests.helpers import expect_error


def deep(levels: int, kind: str = "object"):
    value = "leaf"
    for _ in range(levels):
        value = {"a": value} if kind == "object" else [value]
    return value


def test_nesting_counts_objects_and_arrays():
    assert [nesting(v) for v in (1, "x", None, {}, [], {"a": 1}, [[1]], {"a": [{"b": 2}], "c": 1})] == [
        0, 0, 0, 1, 1, 1, 2, 3,
    ]  # fmt: skip
    assert nesting(deep(VALUE_MAX_DEPTH, "array")) == VALUE_MAX_DEPTH


@pytest.mark.parametrize("kind", ["object", "array"])
def test_a_value_at_the_limit_is_read_back_by_every_grpc_read(harness, admin, store, kind):
    value = deep(VALUE_MAX_DEPTH, kind)
    with harness.client("admin") as http:
        assert http.put(f"/v1/descriptors/{store}/entries/k", json=value).status_code == 200
        ns = unique("deep")
        assert http.post(f"/api/dataStore/{ns}/k", json=value).status_code == 201
    # the real generated stubs decode every answer that carries the value
    got = admin.call(admin.entries.GetEntry, e.GetEntryRequest(store=store, key="k"))
    assert converters.value_from_proto(got.entry.value) == value
    listed = admin.call(admin.queries.QueryEntries, q.QueryEntriesRequest(store=store))
    assert [converters.value_from_proto(x.value) for x in listed.entries] == [value]
    dhis2 = dhis2_grpc.DataStoreServiceStub(harness.channel)
    page = admin.call(dhis2.GetNamespace, dhis2_pb2.GetNamespaceRequest(namespace=ns, fields="."))
    result = converters.value_from_proto(page.result)
    assert result["entries"] == [{"key": "k", "value": value}]


@pytest.mark.parametrize("levels", [VALUE_MAX_DEPTH + 1, VALUE_MAX_DEPTH + 3])
def test_one_level_more_is_refused_everywhere_naming_the_limit(harness, admin, store, levels):
    value = deep(levels)
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        admin.call,
        admin.entries.PutEntry,
        e.PutEntryRequest(store=store, key="k", value=converters.value_to_proto(value)),
    )
    assert f"limit of {VALUE_MAX_DEPTH}" in err.details()
    ns = unique("deep")
    with harness.client("admin") as http:
        core = http.put(f"/v1/descriptors/{store}/entries/k", json=value)
        assert core.status_code == 400 and f"limit of {VALUE_MAX_DEPTH}" in core.text, core.text
        created = http.post(f"/api/dataStore/{ns}/k", json=value)
        assert created.status_code == 400 and f"limit of {VALUE_MAX_DEPTH}" in created.text, created.text
        # a partial update that would push the stored document past the limit
        assert http.post(f"/api/dataStore/{ns}/p", json=deep(VALUE_MAX_DEPTH - 1)).status_code == 201
        update = http.put(f"/api/dataStore/{ns}/p?path=a", json=deep(VALUE_MAX_DEPTH))
        assert update.status_code == 400 and f"limit of {VALUE_MAX_DEPTH}" in update.text, update.text
        assert http.get(f"/api/dataStore/{ns}/p").json() == deep(VALUE_MAX_DEPTH - 1)  # unchanged
        assert http.get(f"/api/dataStore/{ns}/k").status_code == 404
    expect_error(grpc.StatusCode.NOT_FOUND, admin.call, admin.entries.GetEntry, e.GetEntryRequest(store=store, key="k"))


def test_make_records_and_spec_defaults_keep_the_same_limit(harness):
    too_deep = {"k": deep(VALUE_MAX_DEPTH)}  # a record is an object: one level more
    with harness.client("admin") as make:
        # the default is copied into records: as a member of one it would be 31 deep
        spec = [{"name": "k", "type": "collection", "default": deep(VALUE_MAX_DEPTH)}]
        r = make.post("/api/v2/data-structures", json={"name": unique("ds"), "teamId": 1, "spec": spec})
        assert r.status_code == 400 and "spec[0].default" in r.text and f"limit of {VALUE_MAX_DEPTH}" in r.text, r.text
        spec = [{"name": "k", "type": "collection", "default": deep(VALUE_MAX_DEPTH - 1)}]
        ds = make.post("/api/v2/data-structures", json={"name": unique("ds"), "teamId": 1, "spec": spec}).json()
        body = {"name": unique("store"), "teamId": 1, "datastructureId": ds["dataStructure"]["id"], "maxSizeMB": 1}
        created = make.post("/api/v2/data-stores", json=body).json()["dataStore"]
        r = make.post(f"/api/v2/data-stores/{created['id']}/data", json={"key": "r1", "data": too_deep})
        assert r.status_code == 400 and f"limit of {VALUE_MAX_DEPTH}" in r.text, r.text
        ok = make.post(f"/api/v2/data-stores/{created['id']}/data", json={"key": "r2", "data": {}})
        assert ok.status_code == 200, ok.text  # the default filled in: 30 deep, the limit
        records = make.get(f"/api/v2/data-stores/{created['id']}/data").json()["records"]
        assert [r["data"] for r in records] == [{"k": deep(VALUE_MAX_DEPTH - 1)}]


def test_a_message_too_deep_for_protobuf_names_the_value_limit(harness, store):
    """Past protobuf's own limit the request cannot even be decoded: still a 400 /
    INVALID_ARGUMENT that says how deep a value may be, from gRPC and from REST."""
    body = b'{"a":' * 40 + b"1" + b"}" * 40
    with harness.client("admin") as http:
        r = http.put(f"/v1/descriptors/{store}/entries/k", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400 and f"at most {VALUE_MAX_DEPTH} deep" in r.text, r.text
    frame = e.PutEntryRequest(store=store, key="k").SerializeToString()
    value = b"\x08\x01"  # Value{null_value}
    for _ in range(40):  # Value{struct_value: Struct{fields: {"a": value}}}
        entry = b"\x0a\x01a" + b"\x12" + _varint(len(value)) + value
        struct = b"\x0a" + _varint(len(entry)) + entry
        value = b"\x2a" + _varint(len(struct)) + struct
    raw = frame + b"\x22" + _varint(len(value)) + value  # PutEntryRequest.value = 4
    call = harness.channel.unary_unary(
        "/datastore.v1.EntryService/PutEntry", request_serializer=None, response_deserializer=None
    )
    with pytest.raises(grpc.RpcError) as info:
        call(raw, metadata=(("authorization", f"Token {harness.tokens['admin']}"),), timeout=30)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert f"at most {VALUE_MAX_DEPTH} deep" in info.value.details()


def _varint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)
