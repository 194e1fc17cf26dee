"""EntryService through a real server: the Argus DataStores rules one by one."""

import time

import grpc
import pytest
from google.protobuf import field_mask_pb2

from datastore.v1 import descriptor_pb2 as d
from datastore.v1 import entry_pb2 as e
from datastore.v1 import query_pb2 as q
from tests.conftest import make_store
from tests.helpers import error_info, expect_error, plain, value, violations


def put(stubs, store, key, v=..., **kw):
    req = e.PutEntryRequest(store=store, key=key, **kw)
    if v is not ...:
        req.value.CopyFrom(value(v))
    return stubs.call(stubs.entries.PutEntry, req).entry


def get(stubs, store, key, **kw):
    return stubs.call(stubs.entries.GetEntry, e.GetEntryRequest(store=store, key=key, **kw)).entry


def test_put_get_roundtrip_keeps_json(admin, store):
    doc = {"a": 5, "b": [1, 2.5, "x", None, True], "c": {"d": "e"}}
    written = put(admin, store, "myKey", doc)
    assert written.revision == 1 and written.customer_id == 1 and written.store == store
    assert written.created_by_user.user_name == "admin"
    got = get(admin, store, "myKey")
    assert plain(got.value) == doc
    assert got.revision == 1 and got.created_timestamp == got.last_updated_timestamp > 0


def test_put_replaces_and_bumps_revision(admin, store):
    first = put(admin, store, "k", "myValue")
    second = put(admin, store, "k", "otherValue")
    assert second.revision == first.revision + 1
    assert second.created_timestamp == first.created_timestamp
    assert plain(get(admin, store, "k").value) == "otherValue"


def test_same_key_once_per_customer(harness, admin, store):
    put(admin, store, "shared", "for-1", customer_id=1)
    put(admin, store, "shared", "for-2", customer_id=2)
    assert plain(get(admin, store, "shared", customer_id=1).value) == "for-1"
    assert plain(get(admin, store, "shared", customer_id=2).value) == "for-2"
    # Default customer is the caller's own: alice is customer 1, dave customer 4.
    alice = harness.as_user("alice")
    assert plain(get(alice, store, "shared").value) == "for-1"
    dave = harness.as_user("dave")
    expect_error(grpc.StatusCode.NOT_FOUND, get, dave, store, "shared")
    assert put(dave, store, "shared", "for-4").customer_id == 4
    assert plain(get(dave, store, "shared").value) == "for-4"
    assert plain(get(alice, store, "shared").value) == "for-1", "other customers are untouched"


def test_missing_key_not_found(admin, store):
    err = expect_error(grpc.StatusCode.NOT_FOUND, get, admin, store, "nope")
    assert error_info(err).reason == "ENTRY_NOT_FOUND"
    err = expect_error(grpc.StatusCode.NOT_FOUND, get, admin, "no-such-store", "k")
    assert error_info(err).reason == "STORE_NOT_FOUND"


def test_global_store_only_customer_zero(harness, admin):
    store = make_store(admin, global_data=True)
    written = put(admin, store, "g", "global value")
    assert written.customer_id == 0
    assert plain(get(admin, store, "g").value) == "global value"
    err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, put, admin, store, "g", "x", customer_id=1)
    assert violations(err) == ["customer_id"]
    gina = harness.as_user("gina")  # global-data permission
    assert plain(get(gina, store, "g").value) == "global value"
    put(gina, store, "g2", 1)
    alice = harness.as_user("alice")  # no global-data permission
    err = expect_error(grpc.StatusCode.PERMISSION_DENIED, get, alice, store, "g")
    assert error_info(err).reason == "GLOBAL_DATA_REQUIRED"
    expect_error(grpc.StatusCode.PERMISSION_DENIED, put, alice, store, "g", "x")


def test_customer_zero_refused_in_customer_store(admin, store):
    err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, put, admin, store, "k", "v", customer_id=0)
    assert violations(err) == ["customer_id"]


@pytest.mark.parametrize("behaviour", [d.BEHAVIOUR_TYPE_LOCAL, d.BEHAVIOUR_TYPE_DISTRIBUTED])
def test_local_store_refuses_entry_calls(admin, behaviour):
    store = make_store(admin, behaviour_type=behaviour)
    for call in (
        lambda: put(admin, store, "k", "v"),
        lambda: get(admin, store, "k"),
        lambda: admin.call(admin.entries.DeleteEntries, e.DeleteEntriesRequest(store=store, keys=["k"])),
        lambda: admin.call(
            admin.entries.BulkPutEntries,
            e.BulkPutEntriesRequest(store=store, entries=[e.EntryInput(key="k", value=value(1))]),
        ),
        lambda: admin.call(admin.queries.QueryEntries, q.QueryEntriesRequest(store=store)),
    ):
        err = expect_error(grpc.StatusCode.FAILED_PRECONDITION, call)
        assert error_info(err).reason == "STORE_NOT_CENTRAL"
        assert d.BehaviourType.Name(behaviour).removeprefix("BEHAVIOUR_TYPE_") in err.details()


def test_list_store_keys_only(admin):
    store = make_store(admin, data_type=d.DATA_TYPE_LIST)
    written = put(admin, store, "present")
    assert not written.HasField("value")
    assert get(admin, store, "present").key == "present"
    err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, put, admin, store, "k", "a value")
    assert violations(err) == ["value"]


def test_map_store_requires_value(admin, store):
    err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, put, admin, store, "k")
    assert violations(err) == ["value"]


def test_delete_several_keys(admin, store):
    for k in ("myKey", "otherKey", "keep"):
        put(admin, store, k, k)
    deleted = admin.call(
        admin.entries.DeleteEntries, e.DeleteEntriesRequest(store=store, keys=["myKey", "otherKey", "absent"])
    ).entries
    assert sorted(x.key for x in deleted) == ["myKey", "otherKey"]
    expect_error(grpc.StatusCode.NOT_FOUND, get, admin, store, "myKey")
    expect_error(grpc.StatusCode.NOT_FOUND, get, admin, store, "otherKey")
    assert plain(get(admin, store, "keep").value) == "keep"
    # Deleted entries stay visible on request, and a new put revives the key.
    page = admin.call(admin.queries.QueryEntries, q.QueryEntriesRequest(store=store, include_deleted=True))
    assert {x.key: x.deleted for x in page.entries} == {"myKey": True, "otherKey": True, "keep": False}
    revived = put(admin, store, "myKey", "again")
    assert revived.revision == 3 and not revived.deleted


def test_delete_needs_keys(admin, store):
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT, admin.call, admin.entries.DeleteEntries, e.DeleteEntriesRequest(store=store)
    )
    assert violations(err) == ["keys"]


def test_bulk_put_all_or_nothing(admin, store):
    put(admin, store, "existing", "old")
    entries = [
        e.EntryInput(key="myKey", value=value("myValue")),
        e.EntryInput(key="otherKey", value=value("otherValue")),
    ]
    written = admin.call(admin.entries.BulkPutEntries, e.BulkPutEntriesRequest(store=store, entries=entries)).entries
    assert [x.key for x in written] == ["myKey", "otherKey"]
    # One bad entry (no value in a MAP store) fails the whole batch, nothing written.
    bad = [
        e.EntryInput(key="existing", value=value("new")),
        e.EntryInput(key="fresh", value=value(1)),
        e.EntryInput(key="broken"),
    ]
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        admin.call,
        admin.entries.BulkPutEntries,
        e.BulkPutEntriesRequest(store=store, entries=bad),
    )
    assert violations(err) == ["entries[2].value"]
    assert plain(get(admin, store, "existing").value) == "old"
    expect_error(grpc.StatusCode.NOT_FOUND, get, admin, store, "fresh")
    # Duplicate keys are refused rather than silently collapsed.
    dup = [e.EntryInput(key="a", value=value(1)), e.EntryInput(key="a", value=value(2))]
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        admin.call,
        admin.entries.BulkPutEntries,
        e.BulkPutEntriesRequest(store=store, entries=dup),
    )
    assert violations(err) == ["entries[1].key"]
    expect_error(grpc.StatusCode.NOT_FOUND, get, admin, store, "a")


def test_bulk_put_to_other_customer(admin, store):
    entries = [e.EntryInput(key="x", value=value(1))]
    written = admin.call(
        admin.entries.BulkPutEntries, e.BulkPutEntriesRequest(store=store, customer_id=2, entries=entries)
    ).entries
    assert written[0].customer_id == 2
    expect_error(grpc.StatusCode.NOT_FOUND, get, admin, store, "x")
    assert get(admin, store, "x", customer_id=2).revision == 1


def test_admin_writing_unknown_customer_not_found(admin, store):
    err = expect_error(grpc.StatusCode.NOT_FOUND, put, admin, store, "k", "v", customer_id=999)
    assert error_info(err).reason == "CUSTOMER_NOT_FOUND"


def test_retention_hides_expired_entries_and_sweeper_removes_them(harness, admin):
    store = make_store(admin, expire_data=True, life_time=300)
    put(admin, store, "short", "lived")
    assert plain(get(admin, store, "short").value) == "lived"
    time.sleep(0.5)
    expect_error(grpc.StatusCode.NOT_FOUND, get, admin, store, "short")
    page = admin.call(admin.queries.QueryEntries, q.QueryEntriesRequest(store=store))
    assert page.total_size == 0 and not page.entries
    # Expired entries count as absent for a create-only put.
    assert put(admin, store, "short", "again", expected_revision=0).value.string_value == "again"
    time.sleep(0.5)
    assert harness.server.sweeper.sweep_once() >= 1
    page = admin.call(admin.queries.QueryEntries, q.QueryEntriesRequest(store=store, include_deleted=True))
    assert page.total_size == 0, "the sweeper deletes expired rows for good"


def test_retention_change_applies_at_once(admin):
    store = make_store(admin)
    put(admin, store, "k", 1)
    time.sleep(0.05)
    admin.call(
        admin.descriptors.UpdateDescriptor,
        d.UpdateDescriptorRequest(
            descriptor=d.Descriptor(name=store, expire_data=True, life_time=10),
            update_mask=field_mask_pb2.FieldMask(paths=["expire_data", "life_time"]),
        ),
    )
    expect_error(grpc.StatusCode.NOT_FOUND, get, admin, store, "k")


def test_expected_revision(admin, store):
    first = put(admin, store, "k", 1, expected_revision=0)
    err = expect_error(grpc.StatusCode.ABORTED, put, admin, store, "k", 2, expected_revision=0)
    assert error_info(err).reason == "REVISION_MISMATCH"
    second = put(admin, store, "k", 2, expected_revision=first.revision)
    assert second.revision == 2
    expect_error(grpc.StatusCode.ABORTED, put, admin, store, "k", 3, expected_revision=1)
    assert plain(get(admin, store, "k").value) == 2


def test_lower_case_keys(admin):
    store = make_store(admin, use_lower_case_keys=True)
    assert put(admin, store, "MiXeD", 1).key == "mixed"
    assert get(admin, store, "MIXED").key == "mixed"


def test_deleted_store_is_unreachable(admin, store):
    put(admin, store, "k", 1)
    admin.call(admin.descriptors.DeleteDescriptor, d.DeleteDescriptorRequest(name=store))
    expect_error(grpc.StatusCode.NOT_FOUND, get, admin, store, "k")


def test_global_flag_cannot_change_while_store_has_entries(admin, store):
    put(admin, store, "k", 1)
    err = expect_error(
        grpc.StatusCode.FAILED_PRECONDITION,
        admin.call,
        admin.descriptors.UpdateDescriptor,
        d.UpdateDescriptorRequest(descriptor=d.Descriptor(name=store, global_data=True)),
    )
    assert error_info(err).reason == "STORE_NOT_EMPTY"


def test_etag_over_grpc(admin, store):
    first = put(admin, store, "k", 1)
    assert first.etag == "1"
    assert put(admin, store, "k", 2, etag=first.etag).revision == 2
    err = expect_error(grpc.StatusCode.ABORTED, put, admin, store, "k", 3, etag=first.etag)
    assert error_info(err).reason == "REVISION_MISMATCH"
    err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, put, admin, store, "k", 3, etag="1", expected_revision=2)
    assert violations(err) == ["etag"]
