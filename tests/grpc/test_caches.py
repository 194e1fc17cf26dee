"""The cache rule's first half on the shared server: a change made through this server is
seen at once by its own later calls, though the data it changes was cached just before
(README "Credentials"; server/storage/cache.py)."""

from __future__ import annotations

import grpc

from datastore.v1 import auth_pb2 as a
from datastore.v1 import entry_pb2 as e
from server.facades.make import storage as make_repo
from server.storage.db import connection
from tests.conftest import make_store, unique
from tests.grpc.test_auth import basic, whoami
from tests.helpers import error_info, expect_error, value


def _put(stubs, store, key, v=1):
    return stubs.call(stubs.entries.PutEntry, e.PutEntryRequest(store=store, key=key, value=value(v))).entry


def _get(stubs, store, key):
    return stubs.call(stubs.entries.GetEntry, e.GetEntryRequest(store=store, key=key)).entry


def _store_not_found(fn, *args) -> None:
    err = expect_error(grpc.StatusCode.NOT_FOUND, fn, *args)
    assert error_info(err).reason == "STORE_NOT_FOUND", err.details()


def test_deleted_make_store_is_gone_from_the_entry_apis_at_once(harness, admin):
    with harness.client("admin") as make:
        spec = [{"name": "n", "type": "number"}]
        ds = make.post("/api/v2/data-structures", json={"name": unique("ds"), "teamId": 1, "spec": spec}).json()
        body = {"name": unique("mk"), "teamId": 1, "datastructureId": ds["dataStructure"]["id"], "maxSizeMB": 1}
        store_id = make.post("/api/v2/data-stores", json=body).json()["dataStore"]["id"]
        with connection():
            name = make_repo.get_make_store(store_id).descriptor.name
        _put(admin, name, "k", {"n": 1})  # the store's descriptor is cached from now on
        assert _get(admin, name, "k").key == "k"
        r = make.request(
            "DELETE", "/api/v2/data-stores", params={"teamId": 1, "confirmed": "true"}, json={"ids": [store_id]}
        )
        assert r.json() == {"dataStores": [store_id]}
        assert make.get(f"/api/v2/data-stores/{store_id}").status_code == 404
        _store_not_found(_get, admin, name, "k")
        _store_not_found(_put, admin, name, "k2")
        assert make.get(f"/api/v2/data-stores/{store_id}/data").status_code == 404


def test_renamed_store_is_found_only_under_its_new_name_at_once(harness, admin):
    old, new = make_store(admin), unique()
    _put(admin, old, "k")  # cached under the old name
    with harness.client("admin") as argus:
        r = argus.put(f"/datastores/v1/descriptor/{old}", json={"name": new})
        assert r.status_code == 200, r.text
    _store_not_found(_get, admin, old, "k")
    assert _get(admin, new, "k").key == "k"


def test_password_change_revoke_and_delete_through_this_server_apply_at_once(harness):
    user = unique("cached")
    auth = harness.server.auth  # the server's own service, and so its own caches
    with connection():
        auth.add_user(user, "first-pass-1", customer_id=4)
    first = harness.with_metadata(basic(user, "first-pass-1"))
    assert whoami(first).user_name == user  # its password check and caller are cached now
    with connection():
        auth.set_password(user, "second-pass-2")
    expect_error(grpc.StatusCode.UNAUTHENTICATED, whoami, first)
    second = harness.with_metadata(basic(user, "second-pass-2"))
    assert whoami(second).user_name == user

    token = harness.token(user)
    by_token = harness.with_metadata(("authorization", f"Token {token}"))
    assert whoami(by_token).user_name == user
    with connection():
        auth.revoke_token(token)
    expect_error(grpc.StatusCode.UNAUTHENTICATED, whoami, by_token)

    other = harness.with_metadata(("authorization", f"Token {harness.token(user)}"))
    assert whoami(other).user_name == user
    with connection():
        auth.delete_user(user)
    expect_error(grpc.StatusCode.UNAUTHENTICATED, whoami, other)
    expect_error(grpc.StatusCode.UNAUTHENTICATED, whoami, second)


def test_group_membership_applies_at_once(harness):
    user = unique("joiner")
    with connection():
        harness.server.auth.add_user(user, "joiner-pass-1", customer_id=4)
    stubs = harness.with_metadata(basic(user, "joiner-pass-1"))
    assert list(whoami(stubs).groups) == []
    with connection():
        harness.server.auth.add_group_member("ops", user)  # ops writes customer 1
    me = whoami(stubs)
    assert list(me.groups) == ["ops"] and 1 in me.writable_customer_ids


def test_refresh_revokes_the_cached_token_at_once(harness):
    old = harness.token("dave")
    stubs = harness.with_metadata(("authorization", f"Token {old}"))
    assert whoami(stubs).user_name == "dave"  # cached
    stubs.call(stubs.auth.RefreshToken, a.RefreshTokenRequest())
    expect_error(grpc.StatusCode.UNAUTHENTICATED, whoami, stubs)
