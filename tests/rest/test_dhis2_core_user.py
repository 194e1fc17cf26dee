"""dhis2-core's partial-update tests (DatastoreUpdateControllerIntegrationTest) and
userDataStore controller tests, ported one by one over real HTTP; see test_dhis2_core.py
for conventions."""

from __future__ import annotations

import json

import pytest

from tests.conftest import unique
from tests.rest.dhis2_core import assert_web_message, cast, send

admin = cast("admin")
alice = cast("alice")

STORES = ["dataStore", "userDataStore"]


# ---------------------- WEB/DatastoreUpdateControllerIntegrationTest.java
# dhis2-core creates the entries with PUT; POST here, so that PUT-creates (ported in
# test_dhis2_core.py::test_put_key_json_value_creates) does not mask these.

UPDATE_CASES = [
    # (test, initial value, [(query, body or None for no body, expected value afterwards)])
    ("testUpdateEntry_PathWithNullValue", {"a": 42}, [("path=a", None, {"a": None})]),
    ("testUpdateEntry_RootWithNonNullValue", {"a": 42}, [("", "7", 7)]),
    ("testUpdateEntry_PathWithNonNullValue", {"a": 42}, [("path=a", "7", {"a": 7})]),
    ("testUpdateEntry_RollRootValueIsNull", None, [("roll=3", "7", [7])]),
    ("testUpdateEntry_RollRootValueIsArray", [],
     [("roll=3", "7", [7]), ("roll=3", "8", [7, 8]), ("roll=3", "9", [7, 8, 9]), ("roll=3", "10", [8, 9, 10])]),
    ("testUpdateEntry_RollRootValueIsOther", {},
     [("roll=3", "7", 7), ("roll=3", '"hello"', "hello"), ("roll=3", "true", True)]),
    ("testUpdateEntry_RollPathValueIsNull", {"a": None}, [("roll=3&path=a", "7", {"a": [7]})]),
    ("testUpdateEntry_RollPathValueIsUndefined", {"a": None}, [("roll=3&path=b", "7", {"a": None, "b": [7]})]),
    ("testUpdateEntry_RollPathValueIsArray", {"a": {"b": []}},
     [("roll=3&path=a.b", str(n), {"a": {"b": expected}})
      for n, expected in ((7, [7]), (8, [7, 8]), (9, [7, 8, 9]), (10, [8, 9, 10]))]),
    ("testUpdateEntry_RollPathValueIsOther", {"a": [{}]},
     [("roll=3&path=a.[0]", "7", {"a": [7]}), ("roll=3&path=a.[0]", '"hello"', {"a": ["hello"]}),
      ("roll=3&path=a.[0]", "true", {"a": [True]})]),
]  # fmt: skip


@pytest.mark.parametrize("name, initial, steps", UPDATE_CASES, ids=[c[0] for c in UPDATE_CASES])
def test_update_entry(admin, name, initial, steps):
    """DatastoreUpdateControllerIntegrationTest#<name>: every update is 200."""
    url = f"/api/dataStore/{unique('ns')}/key1"
    assert send(admin, "POST", url, json.dumps(initial)).status_code == 201
    for query, body, expected in steps:
        r = send(admin, "PUT", f"{url}?{query}", body)
        assert r.status_code == 200, r.text
        assert admin.get(url).json() == expected


@pytest.mark.parametrize("store", STORES)
def test_update_entry_root_with_null_value_deletes(admin, store):
    """DatastoreUpdateControllerIntegrationTest#testUpdateEntry_RootWithNullValue and
    E2E UserDatastoreUpdateTest#testUpdateEntry_RootWithNullValue: PUT without a body at the
    root deletes the entry (200). Documented difference: 201 on the userDataStore, the
    documentation's status for every userDataStore update (dhis2-core's e2e expects 200)."""
    url = f"/api/{store}/{unique('ns')}/key1"
    assert send(admin, "POST", url, "42").status_code == 201
    assert send(admin, "PUT", url, None).status_code == (200 if store == "dataStore" else 201)
    assert admin.get(url).status_code == 404


# ---------- WEB/userdatastore/UserDatastoreControllerTest, ...SuperuserControllerTest
# Superuser variants: admin acts on alice's store with ?username=alice ("Paul" there).
AS = pytest.mark.parametrize("superuser", [False, True], ids=["own", "superuser"])
NOT_SUPERUSER = "Only superusers can read or write other users data using the `username` parameter."


def _as(superuser: bool, admin, alice):
    return (admin, "?username=alice") if superuser else (alice, "")


@AS
def test_user_delete_keys(admin, alice, superuser):
    """UserDatastoreControllerTest#testDeleteKeys, #testDeleteKeys_NamespaceNotFound and
    UserDatastoreSuperuserControllerTest#testDeleteKeys. Documented difference: the
    documentation's "All keys from namespace '{ns}' deleted." over "Namespace deleted: '{ns}'"
    (test_dhis2.py::test_seed_walkthrough_user_datastore)."""
    c, q = _as(superuser, admin, alice)
    ns = unique("test")
    assert send(alice, "POST", f"/api/userDataStore/{ns}/key1", "true").status_code == 201
    r = c.delete(f"/api/userDataStore/{ns}{q}")
    assert_web_message(r, "OK", 200, "OK", f"All keys from namespace '{ns}' deleted.")
    assert alice.get(f"/api/userDataStore/{ns}").status_code == 404
    assert_web_message(c.delete(f"/api/userDataStore/{ns}{q}"), "Not Found", 404, "ERROR")


@AS
def test_user_add_key(admin, alice, superuser):
    """UserDatastoreControllerTest#testAddUserKeyJsonValue, ..._AlreadyExists, ..._MalformedValue
    and the same three of UserDatastoreSuperuserControllerTest"""
    c, q = _as(superuser, admin, alice)
    ns = unique("test")
    url = f"/api/userDataStore/{ns}/key1{q}"
    msg = f"Key 'key1' in namespace '{ns}' created."
    assert_web_message(send(c, "POST", url, "true"), "Created", 201, "OK", msg)
    assert alice.get(f"/api/userDataStore/{ns}/key1").json() is True
    msg = f"Key 'key1' already exists in namespace '{ns}'"
    assert_web_message(send(c, "POST", url, "true"), "Conflict", 409, "ERROR", msg)
    msg = "Invalid JSON value for key 'key1'"
    r = send(c, "POST", f"/api/userDataStore/{unique('test')}/key1{q}", "invalidJson")
    assert_web_message(r, "Bad Request", 400, "ERROR", msg)


@AS
def test_user_put_key_creates(admin, alice, superuser):
    """UserDatastoreControllerTest#testPutUserKeyJsonValue, #testPutEntry_EntryDoesNotExistAndIsCreated
    and UserDatastoreSuperuserControllerTest#testPutNewUserKeyJsonValue"""
    c, q = _as(superuser, admin, alice)
    ns = unique("test")
    msg = f"Key 'unknown' in namespace '{ns}' created."
    assert_web_message(send(c, "PUT", f"/api/userDataStore/{ns}/unknown{q}", "false"), "Created", 201, "OK", msg)
    assert send(c, "PUT", f"/api/userDataStore/{ns}/mykey{q}", '{"name":"harry"}').status_code == 201
    assert alice.get(f"/api/userDataStore/{ns}/mykey").json()["name"] == "harry"


@AS
def test_user_update_key(admin, alice, superuser):
    """UserDatastoreControllerTest#testUpdateUserKeyJsonValue_MalformedValue, the Superuser one,
    and E2E UserDatastoreUpdateTest#testPutExistingUserKeyJsonValue (created with PUT there).
    Documented difference: an update is 201 "Created" on the userDataStore in the documentation
    (test_dhis2.py::test_seed_walkthrough_user_datastore), 200 in dhis2-core."""
    c, q = _as(superuser, admin, alice)
    ns = unique("test")
    assert send(alice, "POST", f"/api/userDataStore/{ns}/key1", "true").status_code == 201
    assert send(c, "PUT", f"/api/userDataStore/{ns}/key1{q}", '"last"').status_code == 201
    assert alice.get(f"/api/userDataStore/{ns}/key1").json() == "last"
    msg = "Invalid JSON value for key 'key1'"
    r = send(c, "PUT", f"/api/userDataStore/{ns}/key1{q}", "invalidJson")
    assert_web_message(r, "Bad Request", 400, "ERROR", msg)


@AS
def test_user_delete_key(admin, alice, superuser):
    """UserDatastoreControllerTest#testDeleteUserKeyJsonValue, ..._UnknownKey and the Superuser
    ones. Documented difference: the documentation's "Key 'key1' deleted from the namespace '{ns}."
    (quote missing) over "... namespace '{ns}'." (test_seed_walkthrough_user_datastore)."""
    c, q = _as(superuser, admin, alice)
    ns = unique("test")
    assert send(alice, "POST", f"/api/userDataStore/{ns}/key1", "true").status_code == 201
    assert send(alice, "POST", f"/api/userDataStore/{ns}/key2", "42").status_code == 201
    msg = f"Key 'key1' deleted from the namespace '{ns}."
    assert_web_message(c.delete(f"/api/userDataStore/{ns}/key1{q}"), "OK", 200, "OK", msg)
    assert alice.get(f"/api/userDataStore/{ns}").json() == ["key2"]
    msg = f"Key 'key1' not found in namespace '{ns}'"
    assert_web_message(c.delete(f"/api/userDataStore/{ns}/key1{q}"), "Not Found", 404, "ERROR", msg)


@pytest.mark.parametrize(
    "method, path, body",
    [("DELETE", "", None), ("POST", "/key1", "true"), ("PUT", "/key1", "false"), ("DELETE", "/key1", None)],
)
def test_user_username_needs_superuser(alice, method, path, body):
    """UserDatastoreSuperuserControllerTest#testDeleteKeys_NotSuperuser,
    #testAddUserKeyJsonValue_NotSuperuser, #testUpdateUserKeyJsonValue_NotSuperuser and
    #testDeleteUserKeyJsonValue_NotSuperuser. test_dhis2.py::test_user_datastores_are_per_user
    asserts 403 for alice's ?username=bob (the documentation is silent) - conflicts with this."""
    ns = unique("test")
    assert send(alice, "POST", f"/api/userDataStore/{ns}/key1", "true").status_code == 201
    r = send(alice, method, f"/api/userDataStore/{ns}{path}?username=bob", body)
    assert_web_message(r, "Conflict", 409, "ERROR", NOT_SUPERUSER)


def test_user_get_namespaces_of_another_user(admin, alice):
    """UserDatastoreSuperuserControllerTest#testGetNamespaces"""
    test, test2 = unique("test"), unique("test2")
    assert send(alice, "POST", f"/api/userDataStore/{test}/key1", "true").status_code == 201
    assert send(alice, "POST", f"/api/userDataStore/{test2}/key1", "42").status_code == 201
    assert {test, test2} <= set(admin.get("/api/userDataStore?username=alice").json())


def test_user_username_must_exist(admin):
    """DERIVED (UserDatastoreController.getUser): an unknown ?username= is 409. Conflicts with
    test_dhis2.py::test_user_datastores_are_per_user (404; the documentation is silent)."""
    r = admin.get(f"/api/userDataStore/{unique('test')}/k?username=nobody")
    assert_web_message(r, "Conflict", 409, "ERROR", "No user with username nobody exists.")
