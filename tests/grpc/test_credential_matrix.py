"""Every RPC x every kind of caller -> the expected status code. No RPC but CreateToken
is reachable without valid credentials."""

import grpc
import pytest
from google.protobuf import field_mask_pb2

from datastore.v1 import auth_pb2 as a
from datastore.v1 import descriptor_pb2 as d
from datastore.v1 import entry_pb2 as e
from datastore.v1 import query_pb2 as q
from datastore.v1 import sharing_pb2 as s
from server.services.auth import hash_token
from server.storage import users as user_repo
from server.storage.db import connection, now_ms
from tests.conftest import make_store, unique
from tests.helpers import value

OK = grpc.StatusCode.OK
UNAUTH = grpc.StatusCode.UNAUTHENTICATED
DENIED = grpc.StatusCode.PERMISSION_DENIED

# RPC name -> (stub attribute, method, request factory(store), expected per caller kind)
# Callers: read-only = bob (read grant on customer 1), other = dave (customer 4 only).
# Entry calls address customer 1, where the test store's entry lives.
RPCS = {
    "RefreshToken": ("auth", lambda st: a.RefreshTokenRequest(), OK, OK, OK),
    "GetCurrentUser": ("auth", lambda st: a.GetCurrentUserRequest(), OK, OK, OK),
    "GetDescriptor": ("descriptors", lambda st: d.GetDescriptorRequest(name=st), OK, OK, OK),
    "ListDescriptors": ("descriptors", lambda st: d.ListDescriptorsRequest(), OK, OK, OK),
    "CreateDescriptor": (
        "descriptors",
        lambda st: d.CreateDescriptorRequest(descriptor=d.Descriptor(name=unique(), data_type=1, behaviour_type=1)),
        DENIED,
        DENIED,
        OK,
    ),
    "UpdateDescriptor": (
        "descriptors",
        lambda st: d.UpdateDescriptorRequest(
            descriptor=d.Descriptor(name=st, description="x"),
            update_mask=field_mask_pb2.FieldMask(paths=["description"]),
        ),
        DENIED,
        DENIED,
        OK,
    ),
    "DeleteDescriptor": ("descriptors", lambda st: d.DeleteDescriptorRequest(name=st), DENIED, DENIED, OK),
    "GetEntry": ("entries", lambda st: e.GetEntryRequest(store=st, key="k", customer_id=1), OK, DENIED, OK),
    "PutEntry": (
        "entries",
        lambda st: e.PutEntryRequest(store=st, key="k", customer_id=1, value=value(2)),
        DENIED,
        DENIED,
        OK,
    ),
    "BulkPutEntries": (
        "entries",
        lambda st: e.BulkPutEntriesRequest(store=st, customer_id=1, entries=[e.EntryInput(key="b", value=value(1))]),
        DENIED,
        DENIED,
        OK,
    ),
    "DeleteEntries": (
        "entries",
        lambda st: e.DeleteEntriesRequest(store=st, keys=["k"], customer_id=1),
        DENIED,
        DENIED,
        OK,
    ),
    "QueryEntries": ("queries", lambda st: q.QueryEntriesRequest(store=st, customer_ids=[1]), OK, DENIED, OK),
    "StreamEntries": (
        "queries",
        lambda st: q.StreamEntriesRequest(query=q.QueryEntriesRequest(store=st, customer_ids=[1])),
        OK,
        DENIED,
        OK,
    ),
    "ListGrants": ("sharing", lambda st: s.ListGrantsRequest(), DENIED, DENIED, OK),
    "SetGrant": (
        "sharing",
        lambda st: s.SetGrantRequest(grant=s.Grant(customer_id=4, user_name="dave", access=s.ACCESS_READ)),
        DENIED,
        DENIED,
        OK,
    ),
    "DeleteGrant": (
        "sharing",
        lambda st: s.DeleteGrantRequest(customer_id=1, group_name="nobody-group"),
        DENIED,
        DENIED,
        None,
    ),
}
CALLERS = ["none", "garbage", "expired", "read-only", "other-customer", "admin"]


def test_matrix_covers_every_rpc():
    from datastore.v1 import auth_pb2, descriptor_pb2, entry_pb2, query_pb2, sharing_pb2

    every = {
        m.name
        for module in (auth_pb2, descriptor_pb2, entry_pb2, query_pb2, sharing_pb2)
        for service in module.DESCRIPTOR.services_by_name.values()
        for m in service.methods
    }
    assert every - {"CreateToken"} == set(RPCS)


def metadata_for(harness, caller):
    if caller == "none":
        return ()
    if caller == "garbage":
        return (("authorization", "Token definitely-not-valid"),)
    if caller == "expired":
        token = unique("expired")
        with connection():
            user_repo.add_token(user_repo.user_id_by_name("admin"), hash_token(token), now_ms() - 1000)
        return (("authorization", f"Token {token}"),)
    user = {"read-only": "bob", "other-customer": "dave", "admin": "admin"}[caller]
    return (("authorization", f"Token {harness.token(user)}"),)  # fresh: RefreshToken revokes it


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("rpc", sorted(RPCS))
def test_credential_matrix(harness, admin, rpc, caller):
    store = make_store(admin)
    admin.call(admin.entries.PutEntry, e.PutEntryRequest(store=store, key="k", customer_id=1, value=value(1)))
    attr, make_request, read_only, other, admin_code = RPCS[rpc]
    expected = {
        "none": UNAUTH,
        "garbage": UNAUTH,
        "expired": UNAUTH,
        "read-only": read_only,
        "other-customer": other,
        "admin": admin_code,
    }[caller]
    if expected is None:  # admin deleting a grant that does not exist
        expected = grpc.StatusCode.NOT_FOUND
    stubs = harness.with_metadata(*metadata_for(harness, caller))
    method = getattr(getattr(stubs, attr), rpc)
    try:
        result = stubs.call(method, make_request(store))
        if rpc == "StreamEntries":
            list(result)
        code = OK
    except grpc.RpcError as err:
        code = err.code()
    assert code == expected, f"{rpc} as {caller}: {code}, expected {expected}"


def test_create_token_is_the_only_open_rpc(harness):
    anon = harness.with_metadata()
    with pytest.raises(grpc.RpcError) as info:
        anon.call(anon.auth.CreateToken, a.CreateTokenRequest(username="admin", password="wrong-password"))
    assert info.value.code() == UNAUTH
