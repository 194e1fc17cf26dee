"""DHIS2 sharing of dataStore keys and namespace protection, over real HTTP.

The matrix: an entry owned by alice, shared with bob (r), gina (rw) and the group
"ops" (rw, carol is a member), public access off; dave has nothing. A second entry is
public read-only. Each cell runs on a fresh entry, and a refused call changes nothing.
"""

from __future__ import annotations

import pytest

from tests.conftest import unique
from tests.dhis2_sharing_matrix import MASKS, expected
from tests.rest.test_dhis2 import http, put_json, web_message

SHARED = {
    "publicAccess": "--------",
    "externalAccess": False,
    "user": {},
    "userAccesses": [{"id": "bob", "access": "r-------"}, {"id": "gina", "access": "rw------"}],
    "userGroupAccesses": [{"id": "ops", "access": "rw------"}],
}
PUBLIC_READ = {"publicAccess": "r-------", "userAccesses": [], "userGroupAccesses": []}


def _entry(harness, sharing: dict) -> tuple[str, str]:
    ns = unique("shared")
    with http(harness, "alice") as alice:
        web_message(alice.post(f"/api/dataStore/{ns}/doc", json={"v": 1}), 201)
        uid = alice.get(f"/api/dataStore/{ns}/doc/metaData").json()["id"]
        web_message(alice.post(f"/api/sharing?type=dataStore&id={uid}", json={"object": sharing}), 200)
    return ns, uid


# (actor, setup) -> allowed operations
ROLES = {
    "owner": ("alice", SHARED, {"read", "query", "update", "delete", "share"}),
    "user r": ("bob", SHARED, {"read", "query"}),
    "user rw": ("gina", SHARED, {"read", "query", "update", "delete", "share"}),
    "group rw": ("carol", SHARED, {"read", "query", "update", "delete", "share"}),
    "public r": ("dave", PUBLIC_READ, {"read", "query"}),
    "none": ("dave", SHARED, set()),
    "admin": ("admin", SHARED, {"read", "query", "update", "delete", "share"}),
}
OPERATIONS = ["read", "query", "update", "delete", "share"]


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("role", list(ROLES))
def test_sharing_matrix(harness, role, operation):
    user, sharing, allowed = ROLES[role]
    ns, uid = _entry(harness, sharing)
    ok = operation in allowed
    with http(harness, user) as c:
        if operation == "read":
            r = c.get(f"/api/dataStore/{ns}/doc")
            assert r.status_code == (200 if ok else 403), r.text
            if ok:
                assert r.json() == {"v": 1}
        elif operation == "query":
            r = c.get(f"/api/dataStore/{ns}?fields=v&headless=true")
            assert r.status_code == 200, r.text
            assert r.json() == ([{"key": "doc", "v": 1}] if ok else [])  # filtered in SQL, not an error
            keys = c.get(f"/api/dataStore/{ns}")
            assert keys.json() == (["doc"] if ok else []), keys.text
        elif operation == "update":
            r = put_json(c, f"/api/dataStore/{ns}/doc", {"v": 2})
            assert r.status_code == (200 if ok else 403), r.text
        elif operation == "delete":
            r = c.delete(f"/api/dataStore/{ns}/doc")
            assert r.status_code == (200 if ok else 403), r.text
        else:
            r = c.post(f"/api/sharing?type=dataStore&id={uid}", json={"object": {"publicAccess": "rw------"}})
            assert r.status_code == (200 if ok else 403), r.text
        if not ok and operation != "query":
            assert r.json()["status"] == "ERROR"
    with http(harness, "alice") as owner:  # what a refused call must not have changed
        if not ok and operation in ("update", "delete"):
            assert owner.get(f"/api/dataStore/{ns}/doc").json() == {"v": 1}
        if not ok and operation == "share":
            got = owner.get(f"/api/sharing?type=dataStore&id={uid}").json()["object"]
            assert got["publicAccess"] == sharing["publicAccess"]


# The sharing rule's table (tests/dhis2_sharing_matrix.py) for the callers the harness
# has: caller -> (user, access of the group "ops"); the user grants are bob r, gina rw.
HTTP_CALLERS = {
    "admin": ("admin", "rw------"),
    "creator": ("alice", "rw------"),
    "user r": ("bob", "rw------"),
    "user rw": ("gina", "rw------"),
    "group r": ("carol", "r-------"),
    "group rw": ("carol", "rw------"),
    "nobody": ("dave", "rw------"),
}


@pytest.mark.parametrize("mask", MASKS)
@pytest.mark.parametrize("caller", list(HTTP_CALLERS))
def test_the_api_answers_the_sharing_table(harness, caller, mask):
    """What the caller may read, write and manage, as the table says: the status of a
    read, a write and a sharing change, and the access shown in metaData and
    /api/sharing. A write or a sharing change needs read access first (dhis2-core's
    order of checks)."""
    user, ops = HTTP_CALLERS[caller]
    sharing = {
        "publicAccess": mask,
        "userAccesses": [{"id": "bob", "access": "r-------"}, {"id": "gina", "access": "rw------"}],
        "userGroupAccesses": [{"id": "ops", "access": ops}],
    }
    ns, uid = _entry(harness, sharing)
    cell = expected(caller, mask)
    read, write, manage = (letter != "-" for letter in cell)
    with http(harness, user) as c:
        r = c.get(f"/api/dataStore/{ns}/doc")
        assert r.status_code == (200 if read else 403), r.text
        meta = c.get(f"/api/dataStore/{ns}/doc/metaData")
        shown = c.get(f"/api/sharing?type=dataStore&id={uid}")
        if read:
            for access in (meta.json()["access"], shown.json()["object"]["access"]):
                flags = (access["read"], access["write"], access["update"], access["delete"], access["manage"])
                assert flags == (True, write, write, write, manage), (access, cell)
        else:
            assert (meta.status_code, shown.status_code) == (403, 403)
        r = put_json(c, f"/api/dataStore/{ns}/doc", {"v": 2})
        assert r.status_code == (200 if read and write else 403), r.text
        r = c.post(f"/api/sharing?type=dataStore&id={uid}", json={"object": sharing})
        assert r.status_code == (200 if read and manage else 403), r.text


def test_sharing_document_and_access_of_the_caller(harness):
    ns, uid = _entry(harness, SHARED)
    with http(harness, "bob") as bob:
        body = bob.get(f"/api/33/sharing?type=dataStore&id={uid}").json()
        obj = body["object"]
        assert obj["id"] == uid and obj["name"] == "doc" and obj["publicAccess"] == "--------"
        assert obj["user"] == {"id": "alice", "name": "alice"}
        assert [(a["id"], a["access"]) for a in obj["userAccesses"]] == [("bob", "r-------"), ("gina", "rw------")]
        assert [(a["id"], a["access"]) for a in obj["userGroupAccesses"]] == [("ops", "rw------")]
        assert obj["access"]["read"] is True and obj["access"]["write"] is False and obj["access"]["manage"] is False
        meta = bob.get(f"/api/dataStore/{ns}/doc/metaData").json()
        assert meta["access"]["read"] is True and meta["access"]["update"] is False
        assert meta["sharing"]["public"] == "--------" and meta["sharing"]["owner"] == "alice"
        assert meta["sharing"]["users"]["gina"] == {"id": "gina", "access": "rw------"}
    with http(harness, "carol") as carol:
        access = carol.get(f"/api/sharing?type=dataStore&id={uid}").json()["object"]["access"]
        assert access["write"] is True and access["manage"] is True


def test_sharing_bad_input(harness):
    ns, uid = _entry(harness, PUBLIC_READ)
    with http(harness, "alice") as alice:
        url = f"/api/sharing?type=dataStore&id={uid}"
        for obj in (
            {"publicAccess": "rwx"},
            {"publicAccess": "rw------", "userAccesses": [{"id": "nobody", "access": "r-------"}]},
            {"publicAccess": "rw------", "userGroupAccesses": [{"id": "ops", "access": "maybe"}]},
            {"publicAccess": "rw------", "userAccesses": [{"id": "bob", "access": "r-------"}] * 2},
        ):
            web_message(alice.post(url, json={"object": obj}), 400)
        assert alice.get(url).json()["object"]["publicAccess"] == "r-------"
        web_message(alice.get(f"/api/sharing?type=dataElement&id={uid}"), 400)
        web_message(alice.get("/api/sharing?type=dataStore&id=doesNotExis"), 404)
        web_message(alice.post(url, content="{", headers={"content-type": "application/json"}), 400)


def test_namespace_delete_needs_write_on_every_key(harness):
    ns, _ = _entry(harness, PUBLIC_READ)
    with http(harness, "dave") as dave:
        web_message(dave.post(f"/api/dataStore/{ns}/mine", json=1), 201)  # the namespace is open
        web_message(dave.delete(f"/api/dataStore/{ns}"), 403)
        assert sorted(dave.get(f"/api/dataStore/{ns}").json()) == ["doc", "mine"]  # nothing deleted
    with http(harness, "alice") as alice:
        web_message(alice.delete(f"/api/dataStore/{ns}"), 200)  # public rw on "mine", owner of "doc"


def test_namespace_protection(harness):
    ns = unique("protected")
    with http(harness, "admin") as admin:
        admin.post(f"/api/dataStore/{ns}/k", json=1)
        r = admin.post(
            "/api/dataStore/protections",
            json={"namespace": ns, "reads": "RESTRICTED", "writes": "RESTRICTED", "authorities": ["ops"]},
        )
        assert r.status_code == 200, r.text
        shown = {"namespace": ns, "reads": "RESTRICTED", "writes": "RESTRICTED", "authorities": ["ops"],
                 "readAuthorities": ["ops"], "writeAuthorities": ["ops"]}  # fmt: skip
        assert shown in admin.get("/api/dataStore/protections").json()
        assert admin.get(f"/api/dataStore/protections?namespace={ns}").json() == shown
        assert admin.get(f"/api/dataStore/protections?namespace={unique('none')}").json() is None
    with http(harness, "alice") as alice:
        web_message(alice.get(f"/api/dataStore/{ns}/k"), 403, f"Namespace '{ns}' is protected, access denied")
        web_message(alice.get(f"/api/dataStore/{ns}?fields=."), 403)
        web_message(alice.post(f"/api/dataStore/{ns}/x", json=1), 403)
        web_message(alice.delete(f"/api/dataStore/{ns}"), 403)
        web_message(alice.get("/api/dataStore/protections"), 403)
        web_message(alice.post(f"/api/userDataStore/{ns}/x", json=1), 201)  # the user store is not protected
    with http(harness, "carol") as carol:  # member of "ops"
        assert carol.get(f"/api/dataStore/{ns}/k").json() == 1
        web_message(carol.post(f"/api/dataStore/{ns}/x", json=2), 201)
    with http(harness, "admin") as admin:
        admin.post("/api/dataStore/protections", json={"namespace": ns, "reads": "HIDDEN", "writes": "HIDDEN",
                                                       "authorities": ["ops"]})  # fmt: skip
        web_message(
            admin.post("/api/dataStore/protections", json={"namespace": ns, "reads": "SECRET", "authorities": []}), 400
        )
    with http(harness, "alice") as alice:
        web_message(alice.get(f"/api/dataStore/{ns}/k"), 404)
        assert ns not in alice.get("/api/dataStore").json()
    with http(harness, "carol") as carol:
        assert ns in carol.get("/api/dataStore").json()
    with http(harness, "admin") as admin:
        admin.post("/api/dataStore/protections", json={"namespace": ns, "reads": "NONE", "writes": "NONE"})
    with http(harness, "alice") as alice:
        assert alice.get(f"/api/dataStore/{ns}/k").json() == 1
