"""Bad input: INVALID_ARGUMENT naming the field, and the database left unchanged."""

import grpc
import pytest
from google.protobuf import struct_pb2

from datastore.v1 import entry_pb2 as e
from datastore.v1 import query_pb2 as q
from tests.helpers import expect_error, value, violations


def count(admin, store):
    return admin.call(admin.queries.QueryEntries, q.QueryEntriesRequest(store=store, include_deleted=True)).total_size


def nan_value():
    v = struct_pb2.Value()
    v.number_value = float("nan")
    return v


def nested_nan():
    v = struct_pb2.Value()
    v.struct_value.fields["a"].list_value.values.add().number_value = float("inf")
    return v


BIG = "x" * (1024 * 1024 + 1)


@pytest.mark.parametrize(
    "request_kwargs, field",
    [
        (dict(key="", value=value(1)), "key"),
        (dict(key="k" * 256, value=value(1)), "key"),
        (dict(key="bad\nkey", value=value(1)), "key"),
        (dict(key="k", value=struct_pb2.Value()), "value"),
        (dict(key="k", value=nan_value()), "value"),
        (dict(key="k", value=nested_nan()), "value.a[0]"),
        (dict(key="k", value=value(BIG)), "value"),
        (dict(key="k", value=value(1), customer_id=-5), "customer_id"),
        (dict(key="k", value=value(1), expected_revision=-1), "expected_revision"),
    ],
)
def test_put_rejects(admin, store, request_kwargs, field):
    before = count(admin, store)
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        admin.call,
        admin.entries.PutEntry,
        e.PutEntryRequest(store=store, **request_kwargs),
    )
    assert violations(err) == [field]
    assert field.split(".")[0].split("[")[0] in err.details()
    assert count(admin, store) == before


@pytest.mark.parametrize("name", ["", "x" * 129, "../etc", "a b"])
def test_bad_store_names(admin, name):
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT, admin.call, admin.entries.GetEntry, e.GetEntryRequest(store=name, key="k")
    )
    assert violations(err) == ["store"]


def test_bulk_limits(admin, store):
    too_many = [e.EntryInput(key=f"k{i}", value=value(i)) for i in range(1001)]
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        admin.call,
        admin.entries.BulkPutEntries,
        e.BulkPutEntriesRequest(store=store, entries=too_many),
    )
    assert violations(err) == ["entries"]
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT, admin.call, admin.entries.BulkPutEntries, e.BulkPutEntriesRequest(store=store)
    )
    assert violations(err) == ["entries"]
    bad_key = [e.EntryInput(key="ok", value=value(1)), e.EntryInput(key="", value=value(2))]
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        admin.call,
        admin.entries.BulkPutEntries,
        e.BulkPutEntriesRequest(store=store, entries=bad_key),
    )
    assert violations(err) == ["entries[1].key"]
    assert count(admin, store) == 0


def test_oversized_message_is_refused(admin, store):
    huge = value("y" * (17 * 1024 * 1024))
    expect_error(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        admin.call,
        admin.entries.PutEntry,
        e.PutEntryRequest(store=store, key="k", value=huge),
    )
    assert count(admin, store) == 0


def test_unknown_junction(admin, store):
    request = q.QueryEntriesRequest(store=store, junction=7)
    request.conditions.add(path="a", op=q.OPERATOR_EQ).value.CopyFrom(value(1))
    err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, admin.call, admin.queries.QueryEntries, request)
    assert violations(err) == ["junction"]


@pytest.mark.parametrize(
    "request_kwargs",
    [
        dict(key="k", value=value({"a": "nul\x00inside"})),
        dict(key="k", value=value({"nul\x00key": 1})),
    ],
)
def test_nul_characters_in_values(request, admin, store, request_kwargs):
    """SQLite stores NUL characters in JSON strings; PostgreSQL's jsonb cannot, and says
    so as INVALID_ARGUMENT (not an internal error), with nothing written."""
    call = lambda: admin.call(admin.entries.PutEntry, e.PutEntryRequest(store=store, **request_kwargs))  # noqa: E731
    if request.config.getoption("--backend") == "postgresql":
        err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, call)
        assert "NUL" in err.details() or "\\u0000" in err.details(), err.details()
        assert count(admin, store) == 0
    else:
        assert call().entry.value == request_kwargs["value"]


def test_nul_character_in_a_filter_value(admin, store):
    admin.call(admin.entries.PutEntry, e.PutEntryRequest(store=store, key="k", value=value({"a": "x"})))
    request = q.QueryEntriesRequest(store=store, filters=["a:eq:x\x00y"])
    try:
        assert admin.call(admin.queries.QueryEntries, request).total_size == 0  # SQLite: no match
    except grpc.RpcError as err:
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, err.details()  # PostgreSQL
