"""Numbers past their range are INVALID_ARGUMENT naming the field, checked before the
database (SQLite refuses integers past 64 bits with an OverflowError): etags, revisions,
customer ids, retention, Make ids. And PutEntry's three conditions by name."""

import grpc
import pytest

from datastore.make.v2 import data_stores_pb2 as m
from datastore.make.v2 import data_stores_pb2_grpc
from datastore.v1 import descriptor_pb2 as d
from datastore.v1 import entry_pb2 as e
from datastore.v1 import sharing_pb2 as s
from tests.helpers import error_info, expect_error, value, violations

INT64_MAX = 2**63 - 1


def put(stubs, store, key, v, **kw):
    return stubs.call(stubs.entries.PutEntry, e.PutEntryRequest(store=store, key=key, value=value(v), **kw)).entry


@pytest.mark.parametrize(
    "etag", ["9223372036854775808", '"9223372036854775808"', 'W/"18446744073709551616"', "9" * 40, "\u00b2", "-1"]
)
def test_etags_past_64_bits_are_invalid_argument(admin, store, etag):
    err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, put, admin, store, "k", 1, etag=etag)
    assert violations(err) == ["etag"]
    err = expect_error(
        grpc.StatusCode.NOT_FOUND, admin.call, admin.entries.GetEntry, e.GetEntryRequest(store=store, key="k")
    )


def test_the_largest_revision_is_a_mismatch_not_an_error(admin, store):
    put(admin, store, "k", 1)
    for kw in (dict(expected_revision=INT64_MAX), dict(etag=f'"{INT64_MAX}"')):
        err = expect_error(grpc.StatusCode.ABORTED, put, admin, store, "k", 2, **kw)
        assert error_info(err).reason == "REVISION_MISMATCH"


def test_put_conditions_any_absent_revision(admin, store):
    first = put(admin, store, "k", 1, etag="0")  # ABSENT: created
    err = expect_error(grpc.StatusCode.ABORTED, put, admin, store, "k", 2, expected_revision=0)
    assert "already exists" in err.details() and error_info(err).metadata["expected_revision"] == "0"
    second = put(admin, store, "k", 2, etag=f'W/"{first.revision}"')  # revision(n)
    err = expect_error(grpc.StatusCode.ABORTED, put, admin, store, "k", 3, expected_revision=first.revision)
    assert f"not at revision {first.revision}" in err.details()
    assert put(admin, store, "k", 3).revision == second.revision + 1  # ANY


def test_customer_ids_and_retention_out_of_range(admin, store):
    err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, put, admin, store, "k", 1, customer_id=-1)
    assert violations(err) == ["customer_id"]
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        admin.call,
        admin.sharing.SetGrant,
        s.SetGrantRequest(grant=s.Grant(customer_id=-2, user_name="bob", access=s.ACCESS_READ)),
    )
    assert violations(err) == ["grant.customer_id"]
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT, admin.call, admin.sharing.ListGrants, s.ListGrantsRequest(customer_id=-3)
    )
    assert violations(err) == ["customer_id"]
    descriptor = d.Descriptor(
        name="never-made", data_type=d.DATA_TYPE_MAP, behaviour_type=d.BEHAVIOUR_TYPE_CENTRAL, life_time=-1
    )
    err = expect_error(
        grpc.StatusCode.INVALID_ARGUMENT,
        admin.call,
        admin.descriptors.CreateDescriptor,
        d.CreateDescriptorRequest(descriptor=descriptor),
    )
    assert "descriptor.life_time" in violations(err) or "life_time" in violations(err)


def test_make_ids_out_of_range(harness, admin):
    stores = data_stores_pb2_grpc.DataStoreServiceStub(harness.channel)
    structures = data_stores_pb2_grpc.DataStructureServiceStub(harness.channel)
    calls = [
        (stores.GetDataStore, m.GetDataStoreRequest(data_store_id=-1), "dataStoreId"),
        (stores.ListDataStores, m.ListDataStoresRequest(team_id=-(2**63)), "teamId"),
        (stores.DeleteDataStores, m.DeleteDataStoresRequest(team_id=1, ids=m.DataStoreIds(ids=[5, 0])), "ids[1]"),
        (structures.GetDataStructure, m.GetDataStructureRequest(data_structure_id=0), "dataStructureId"),
        (
            stores.CreateDataStore,
            m.CreateDataStoreRequest(team_id=1, name="n", datastructure_id=-7, max_size_mb=1),
            "datastructureId",
        ),
    ]
    for method, request, field in calls:
        err = expect_error(grpc.StatusCode.INVALID_ARGUMENT, admin.call, method, request)
        assert violations(err) == [field], (request, err.details())
