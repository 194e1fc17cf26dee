"""Descriptors, entries and queries through DatastoreClient and AsyncDatastoreClient
(each test runs with both), against the session's real server."""

from __future__ import annotations

from datetime import datetime

import pytest

from datastore_client import Aborted, DatastoreError, Descriptor, Entry, NotFound, Page
from tests.conftest import unique

DOC = {"n": 1, "x": 2.5, "s": "héllo", "t": True, "none": None, "list": [1, "a", None, {"b": []}], "obj": {"c": {}}}


@pytest.fixture
def store(ds) -> str:
    return ds.create_descriptor(unique("client")).name


def test_put_and_get_plain_values(ds, store):
    written = ds.put_entry(store, "doc", DOC)
    assert isinstance(written, Entry) and written.value == DOC
    got = ds.get_entry(store, "doc")
    assert got.value == DOC and type(got.value["n"]) is int and type(got.value["x"]) is float
    assert (got.store, got.key, got.customer_id, got.revision, got.etag) == (store, "doc", 1, 1, "1")
    assert isinstance(got.created_at, datetime) and got.updated_at == got.created_at
    assert got.created_by == got.updated_by == "admin" and not got.deleted
    for value in ("text", 7, -0.5, False, None, [], {}):
        assert ds.put_entry(store, "scalar", value).value == value
        assert ds.get_entry(store, "scalar").value == value
    assert ds.get_entry(store, "scalar").revision == 7
    assert ds.get_entry(store, "doc", customer_id=1).value == DOC


def test_missing_key_raises_not_found(ds, store):
    with pytest.raises(NotFound) as info:
        ds.get_entry(store, "absent")
    err = info.value
    assert isinstance(err, DatastoreError) and err.reason == "ENTRY_NOT_FOUND" and err.domain == "datastore.v1"
    assert "absent" in err.message and err.code.name == "NOT_FOUND" and err.details


def test_compare_and_set(ds, store):
    assert ds.put_entry(store, "k", 1, expected_revision=0).revision == 1  # 0: must not exist yet
    with pytest.raises(Aborted):
        ds.put_entry(store, "k", 1, expected_revision=0)
    assert ds.put_entry(store, "k", 2, expected_revision=1).revision == 2
    with pytest.raises(Aborted) as info:
        ds.put_entry(store, "k", 3, expected_revision=1)
    assert info.value.reason == "REVISION_MISMATCH"
    assert ds.put_entry(store, "k", 3, etag="2").value == 3
    with pytest.raises(Aborted):
        ds.put_entry(store, "k", 4, etag="2")
    assert ds.get_entry(store, "k").value == 3


def test_update_entry_reads_modifies_writes(ds, store):
    assert ds.update_entry(store, "counter", lambda v: v + 1, default=0).value == 1
    assert ds.update_entry(store, "counter", lambda v: v + 10).value == 11
    with pytest.raises(NotFound):
        ds.update_entry(store, "nothing", lambda v: v)


def test_bulk_put_and_delete(ds, store):
    written = ds.bulk_put_entries(store, {"a": 1, "b": {"x": [1]}, "c": None})
    assert [(e.key, e.value, e.revision) for e in written] == [("a", 1, 1), ("b", {"x": [1]}, 1), ("c", None, 1)]
    assert [e.revision for e in ds.bulk_put_entries(store, [("a", 2), ("d", "four")])] == [2, 1]
    deleted = ds.delete_entries(store, ["a", "missing", "d"])
    assert sorted(e.key for e in deleted) == ["a", "d"]
    assert [e.key for e in ds.delete_entries(store, "b")] == ["b"]
    assert [e.key for e in ds.iter_entries(store)] == ["c"]
    listed = ds.create_descriptor(unique("list"), data_type="LIST").name
    assert [e.value for e in ds.bulk_put_entries(listed, ["k1", "k2"])] == [None, None]
    assert ds.put_entry(listed, "k3").value is None
    assert sorted(e.key for e in ds.query_entries(listed).items) == ["k1", "k2", "k3"]


@pytest.fixture
def docs(ds, store) -> str:
    ds.bulk_put_entries(
        store,
        {
            f"k{i:02}": {"n": i, "color": ["red", "blue", "green"][i % 3], "tags": ["even" if i % 2 == 0 else "odd"]}
            for i in range(12)
        },
    )
    return store


def test_query_with_dhis2_filters_and_structured_conditions(ds, docs):
    page = ds.query_entries(docs, filters=["n:ge:3", "color:eq:red"], order=["n:ndesc"])
    assert isinstance(page, Page) and [e.key for e in page] == ["k09", "k06", "k03"] and page.total_size == 3
    page = ds.query_entries(docs, conditions=[("n", "ge", 3), {"path": "color", "op": "eq", "value": "red"}])
    assert [e.key for e in page.entries] == ["k03", "k06", "k09"]
    page = ds.query_entries(docs, conditions=[("n", "lt", 1), ("n", ">", 10)], junction="or", order_by=["-n"])
    assert [e.key for e in page] == ["k11", "k00"]
    page = ds.query_entries(docs, filters="color:in:[blue,green]", order_by=[("n", True)], limit=2, offset=1)
    assert [e.key for e in page] == ["k10", "k08"] and page.total_size == 8 and len(page) == 2
    assert [e.key for e in ds.query_entries(docs, keys=["k01", "k02", "zz"], customer_ids=[1])] == ["k01", "k02"]
    assert ds.query_entries(docs, conditions=[("tags", "null")]).total_size == 0
    assert ds.query_entries(docs, conditions=[("color", "!null")], limit=1).total_size == 12
    assert len(ds.query_entries(docs).items) == 12
    with pytest.raises(TypeError):
        ds.query_entries(docs, filter=["n:eq:1"])
    with pytest.raises(ValueError):
        ds.query_entries(docs, conditions=[("n", "about", 1)])


def test_iter_entries_pages_through_everything(ds, docs):
    keys = [e.key for e in ds.iter_entries(docs, page_size=5)]
    assert keys == [f"k{i:02}" for i in range(12)]
    odd = [e.value["n"] for e in ds.iter_entries(docs, page_size=2, filters=["n:gt:4"], order=["n:ndesc"])]
    assert odd == [11, 10, 9, 8, 7, 6, 5]
    assert list(ds.iter_entries(docs, filters=["n:gt:99"])) == []


def test_stream_entries(ds, docs):
    streamed = list(ds.stream_entries(docs, order_by=["-n"]))
    assert [e.value["n"] for e in streamed] == list(range(11, -1, -1))
    assert [e.key for e in ds.stream_entries(docs, filters=["color:eq:green"])] == ["k02", "k05", "k08", "k11"]


def test_descriptors(ds):
    name = unique("desc")
    created = ds.create_descriptor(name, description="colours", expire_data=True, life_time=60_000)
    assert isinstance(created, Descriptor) and (created.data_type, created.behaviour_type) == ("MAP", "CENTRAL")
    assert created.expire_data and created.life_time == 60_000 and created.created_by == "admin"
    assert ds.get_descriptor(name) == created
    updated = ds.update_descriptor(name, description="colors", expire_data=False)
    assert (updated.description, updated.expire_data, updated.life_time) == ("colors", False, 60_000)
    page = ds.list_descriptors(limit=1)
    assert len(page.items) == 1 and page.total_size >= 2
    names = [d.name for d in ds.iter_descriptors(page_size=2)]
    assert name in names and len(names) == page.total_size == len(set(names))
    assert ds.delete_descriptor(name).deleted
    with pytest.raises(NotFound):
        ds.get_descriptor(name)
    assert ds.get_descriptor(name, show_deleted=True).deleted
    assert name not in [d.name for d in ds.iter_descriptors()]
    assert name in [d.name for d in ds.iter_descriptors(show_deleted=True)]
    local = ds.create_descriptor(unique("local"), behaviour_type="LOCAL", data_type="list")
    assert (local.behaviour_type, local.data_type) == ("LOCAL", "LIST")
    with pytest.raises(ValueError):
        ds.create_descriptor(unique("bad"), data_type="TREE")
    with pytest.raises(TypeError):
        ds.update_descriptor(name, colour="red")
